package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

func TestRenderReplyRespectsSlackLimits(t *testing.T) {
	long := strings.Repeat("Dette er en lang setning om søknadsfristen & kostnader. ", 5000) // 285,000 characters
	r := bot.Reply{Lang: knowledge.NB, Answer: long,
		Sources:     []knowledge.Source{{Title: "Forskningsrådet", URL: "https://www.forskningsradet.no/", AsOf: "2022-09-24"}},
		Suggestions: []bot.Suggestion{{Topic: "deadline", Text: strings.Repeat("Søknadsfrist ", 20)}}}
	msg := renderReply(r, job{})
	if len(msg.blocks) != maxBlocks {
		t.Errorf("%d blocks, want the maximum %d", len(msg.blocks), maxBlocks)
	}
	for i, b := range msg.blocks {
		s, ok := b.(*slack.SectionBlock)
		if !ok {
			continue
		}
		if n := utf16Len(s.Text.Text); n > maxSectionText || n == 0 {
			t.Errorf("section %d holds %d characters", i, n)
		}
		if i == maxBlocks-3 && !strings.HasSuffix(s.Text.Text, "…") {
			t.Error("the cut text does not end with …")
		}
	}
	if utf16Len(msg.text) > 5*maxFallback { // maxFallback characters before escaping; Slack cuts at 40,000
		t.Errorf("fallback text of %d characters", utf16Len(msg.text))
	}
	if _, ok := msg.blocks[maxBlocks-2].(*slack.ContextBlock); !ok {
		t.Errorf("block %d is %T, want the sources", maxBlocks-2, msg.blocks[maxBlocks-2])
	}
	acts, ok := msg.blocks[maxBlocks-1].(*slack.ActionBlock)
	if !ok {
		t.Fatalf("last block is %T, want the buttons", msg.blocks[maxBlocks-1])
	}
	for _, e := range acts.Elements.ElementSet {
		b := e.(*slack.ButtonBlockElement)
		if b.ActionID == "" || utf16Len(b.Text.Text) > maxButtonText {
			t.Errorf("button %q with %d characters", b.ActionID, utf16Len(b.Text.Text))
		}
	}
	if acts.BlockID != "fundbot_actions:nb" {
		t.Errorf("block_id %q", acts.BlockID)
	}
}

func TestRenderReplyButtons(t *testing.T) {
	r := bot.Reply{Lang: knowledge.EN, Answer: "ok", Suggestions: []bot.Suggestion{{Topic: "deadline", Text: "Deadline"}, {Topic: "", Text: "no topic"}}}
	tests := []struct {
		name string
		j    job
		want []string // action ids
		text string   // of the last button
	}{
		{"channel", job{}, []string{"fundbot_topic_0", "fundbot_subscribe"}, "Subscribe this channel to reminders"},
		{"dm", job{to: destination{dm: true}}, []string{"fundbot_topic_0", "fundbot_subscribe"}, "Subscribe to deadline reminders"},
		{"after a subscription command", job{noSubscribe: true}, []string{"fundbot_topic_0"}, "Deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := renderReply(r, tt.j)
			acts := msg.blocks[len(msg.blocks)-1].(*slack.ActionBlock)
			var ids []string
			var last string
			for _, e := range acts.Elements.ElementSet {
				b := e.(*slack.ButtonBlockElement)
				ids = append(ids, b.ActionID)
				last = b.Text.Text
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") || last != tt.text {
				t.Errorf("buttons %v ending %q, want %v ending %q", ids, last, tt.want, tt.text)
			}
		})
	}
}

func TestRenderReplyEmptyAnswerIsStillValid(t *testing.T) {
	msg := renderReply(bot.Reply{}, job{noSubscribe: true})
	if len(msg.blocks) != 1 || msg.text == "" {
		t.Fatalf("%d blocks, text %q", len(msg.blocks), msg.text)
	}
	if s := msg.blocks[0].(*slack.SectionBlock); s.Text.Text == "" {
		t.Error("an empty section: Slack rejects it")
	}
}

func TestSourceLinkCannotBreakOut(t *testing.T) {
	tests := []struct {
		src  knowledge.Source
		want string
	}{
		{knowledge.Source{Title: "Forskningsrådet", URL: "https://www.forskningsradet.no/a?b=1&c=2"}, "<https://www.forskningsradet.no/a?b=1&amp;c=2|Forskningsrådet>"},
		{knowledge.Source{Title: "a|b <!here>", URL: "https://x.org/p|q>r"}, "<https://x.org/p%7Cq%3Er|a¦b &lt;!here&gt;>"},
		{knowledge.Source{Title: "Lokal fil", URL: "javascript:alert(1)"}, "Lokal fil"},
		{knowledge.Source{URL: "https://x.org/"}, "<https://x.org/|x.org>"},
	}
	for _, tt := range tests {
		if got := sourceLink(tt.src); got != tt.want {
			t.Errorf("sourceLink(%+v) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestBlocksAreValidJSONForSlack(t *testing.T) {
	r := bot.Reply{Lang: knowledge.NN, Answer: "Svar", Sources: []knowledge.Source{{Title: "K", URL: "https://k.no", AsOf: "2023-06"}},
		Suggestions: []bot.Suggestion{{Topic: "deadline", Text: "Frist"}}}
	b, err := json.Marshal(renderReply(r, job{usage: usage("/fundbot", knowledge.NB)}).blocks)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"block_id":"fundbot_actions:nn"`, `"action_id":"fundbot_subscribe"`, `"action_id":"fundbot_topic_0"`, `"block_id":"fundbot_sources"`, `"verbatim":true`, "Kjelde"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("blocks lack %s: %s", want, b)
		}
	}
}

func BenchmarkRenderReply(b *testing.B) {
	kb, err := embeddedKB()
	if err != nil {
		b.Fatal(err)
	}
	t := kb.Topic("who_can_apply")
	r := bot.Reply{Lang: knowledge.NB, Answer: t.Answer.NB, Sources: t.Sources,
		Suggestions: []bot.Suggestion{{Topic: "deadline", Text: "Søknadsfrist"}, {Topic: "costs_covered", Text: "Hva dekkes?"}}}
	for b.Loop() {
		renderReply(r, job{})
	}
}
