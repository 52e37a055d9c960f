package telegram

import (
	"html"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/scheduler"
)

func TestRenderEscapesUserAndKnowledgeText(t *testing.T) {
	r := bot.Reply{
		Lang:        knowledge.EN,
		Answer:      `Costs <script>alert("x")</script> & "overhead" aren't covered; see <b>.`,
		Sources:     []knowledge.Source{{Title: `R&D <guide> "2022"`, URL: `https://example.org/a?b=1&c="2"`, AsOf: "2023-06"}, {Title: "Not a link", URL: "javascript:alert(1)"}},
		Suggestions: []bot.Suggestion{{Topic: "who_can_apply", Text: "Who <can> apply?"}},
	}
	out := renderReply(r, extras{})
	if len(out.parts) != 1 {
		t.Fatalf("%d parts", len(out.parts))
	}
	got := out.parts[0]
	want := `Costs &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;overhead&#34; aren&#39;t covered; see &lt;b&gt;.` + "\n\n" +
		`<b>Source:</b> <a href="https://example.org/a?b=1&amp;c=&#34;2&#34;">R&amp;D &lt;guide&gt; &#34;2022&#34;</a> (as of June 2023)` + "\n" +
		`<b>Source:</b> Not a link` + "\n\n" +
		`<i>You can also ask about:</i>`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := telegramfake.HTMLLen(got); err != nil {
		t.Errorf("Telegram would reject it: %v", err)
	}
	if b := out.keyboard[0][0]; b.Text != "Who <can> apply?" || *b.CallbackData != "t:en:who_can_apply" {
		t.Errorf("button %q → %q", b.Text, *b.CallbackData)
	}
}

func TestRenderDropsButtonsWithDataOver64Bytes(t *testing.T) {
	r := bot.Reply{Lang: knowledge.NB, Answer: "Svar.", Suggestions: []bot.Suggestion{
		{Topic: strings.Repeat("x", 60), Text: "For lang"},
		{Topic: "deadline", Text: "Søknadsfrist"},
	}}
	out := renderReply(r, extras{})
	var data []string
	for _, row := range out.keyboard {
		for _, b := range row {
			data = append(data, *b.CallbackData)
			if len(*b.CallbackData) > maxCallbackData {
				t.Errorf("callback data of %d bytes", len(*b.CallbackData))
			}
		}
	}
	if len(data) != 1 || data[0] != "t:nb:deadline" {
		t.Errorf("buttons %v", data)
	}
}

func TestSplitNeverCutsAnEntityOrExceedsTheLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "æ", "ø", "å", " ", " ", "\n", "&", "<", ">", `"`, "'", "😀", "\n\n", "word "}
	for i := range 60 {
		var b strings.Builder
		n := rng.IntN(10000)
		for b.Len() < n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		text := b.String()
		limit := 50 + rng.IntN(maxMessage)
		parts := pack(textBlocks(text, "", limit), limit)
		var plain strings.Builder
		for _, p := range parts {
			if utf16Len(p) > limit {
				t.Fatalf("case %d: a part of %d units, limit %d", i, utf16Len(p), limit)
			}
			if _, err := telegramfake.HTMLLen(p); err != nil {
				t.Fatalf("case %d: part is not valid HTML: %v\n%q", i, err, p)
			}
			plain.WriteString(html.UnescapeString(p))
		}
		if squeeze(plain.String()) != squeeze(text) {
			t.Fatalf("case %d: text lost or changed in splitting", i)
		}
	}
}

// squeeze drops whitespace, which splitting may move.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

func TestSplitPrefersParagraphsThenLines(t *testing.T) {
	para := strings.Repeat("ord ", 500) // 2000 characters
	parts := pack(textBlocks(para+"\n\n"+para+"\n\n"+para, "", maxMessage), maxMessage)
	if len(parts) != 2 || !strings.HasSuffix(parts[0], strings.TrimSpace(para)) {
		t.Fatalf("%d parts; the first should end with the second paragraph", len(parts))
	}
	lines := strings.Repeat(strings.Repeat("x", 99)+"\n", 60) // one paragraph of 6000
	parts = pack(textBlocks(lines, "", maxMessage), maxMessage)
	if len(parts) != 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for _, p := range parts {
		for _, l := range strings.Split(p, "\n") {
			if len(l) != 99 {
				t.Fatalf("a line was cut: %d characters", len(l))
			}
		}
	}
}

func TestReminderHasStopButton(t *testing.T) {
	out := renderReminder(scheduler.Message{Text: "Reminder: <soon> & now.\nSource: https://example.org/?a=1&b=2"}, knowledge.EN)
	if len(out.parts) != 1 || out.parts[0] != "Reminder: &lt;soon&gt; &amp; now.\nSource: https://example.org/?a=1&amp;b=2" {
		t.Errorf("parts %q", out.parts)
	}
	if b := out.keyboard[0][0]; *b.CallbackData != "c:en:stopp" {
		t.Errorf("button %q → %q", b.Text, *b.CallbackData)
	}
}

func BenchmarkRenderLongReply(b *testing.B) {
	r := bot.Reply{Lang: knowledge.NB, Answer: strings.Repeat("Prosjektet & kostnadene <her>. ", 400),
		Sources: []knowledge.Source{{Title: "Kilde", URL: "https://example.org", AsOf: "2022-09-24"}}}
	for b.Loop() {
		renderReply(r, extras{})
	}
}
