package bot

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

// Hostile and odd input, as a user would see the bot take it: a calm answer,
// never an error, never their own text sent back as markup.

func TestOddMessagesGetTheHonestFallback(t *testing.T) {
	b, _ := newTestBot(t, today)
	for _, text := range []string{"", " ", "   \t\n  ", "\u00a0\u3000", "🙂🙂🙂", "👍", "🇳🇴❤️", "\xff\xfe\xfd", "\x00\x01\x1b[2J", "?!.,;"} {
		r := b.Handle(t.Context(), Request{Conversation: "telegram:1", Text: text})
		if r.Intent != "fallback" || r.Matched || r.Answer != notSure.Get(knowledge.NB) {
			t.Errorf("%q: intent %q matched %v answer %q, want the honest fallback", text, r.Intent, r.Matched, r.Answer)
		}
		if len(r.Suggestions) == 0 || len(r.Sources) == 0 {
			t.Errorf("%q: the fallback offers %d suggestions and %d sources, want some of each", text, len(r.Suggestions), len(r.Sources))
		}
	}
}

func TestInvisibleAndDirectionCharactersDoNotChangeTheAnswer(t *testing.T) {
	b, _ := newTestBot(t, today)
	for _, text := range []string{
		"hvem kan søke",
		"hvem\u200b kan søke",             // zero-width space after a word
		"hv\u200bem kan sø\u200dke",       // zero-width space and joiner inside words
		"\u202ehvem kan søke",             // right-to-left override
		"\u200f\u2067hvem kan søke\u2069", // right-to-left mark, isolate
		"\ufeffhvem kan søke",             // byte order mark
		"hvem kan sø\u00adke",             // soft hyphen, as copied from a web page
	} {
		r := b.Handle(t.Context(), Request{Conversation: "telegram:2", Text: text})
		if r.Intent != "who_can_apply" || !r.Matched {
			t.Errorf("%q: intent %q matched %v, want who_can_apply as without the invisible characters", text, r.Intent, r.Matched)
		}
	}
}

func TestMarkupAndMentionsInAQuestionAreNeverEchoed(t *testing.T) {
	b, _ := newTestBot(t, today)
	for _, text := range []string{
		"<b>hvem</b> kan <script>alert(1)</script> søke?",
		"*hvem* kan _søke_? <https://evil.example|klikk her>",
		"<!channel> @everyone @here hvem kan søke?",
		"<a href=\"https://evil.example\">hvem kan søke</a>",
		"[hvem kan søke](https://evil.example)",
	} {
		r := b.Handle(t.Context(), Request{Conversation: "slack:C1", Text: text})
		if r.Intent != "who_can_apply" {
			t.Errorf("%q: intent %q, want who_can_apply: markup is not part of the question", text, r.Intent)
		}
		// Adapters escape whatever they send; the core's answer does not carry the question at all.
		for _, bad := range []string{"<script", "evil", "@everyone", "<!channel>", "klikk", "<b>", "href"} {
			if strings.Contains(r.Answer, bad) {
				t.Errorf("%q: the answer carries %q:\n%s", text, bad, r.Answer)
			}
		}
	}
}

func TestHugeMessageIsAnsweredFastWithBoundedWork(t *testing.T) {
	b, _ := newTestBot(t, today)
	const limit = 2 * time.Second // the long words took 4.5-54 s before the matcher bounded its work; now milliseconds
	for name, text := range map[string]string{
		"one question repeated":         strings.Repeat("Hvem kan søke om midler? ", 4200),
		"one 100,000-letter word":       strings.Repeat("x", 100_000),
		"50 sentences of one word":      strings.Repeat(strings.Repeat("x", 1990)+"? ", 50),
		"long compounds of known words": strings.Repeat(strings.Repeat("kommune", 280)+". ", 50),
		"markup that never closes":      strings.Repeat("<", 100_000),
		"10,000 lines":                  strings.Repeat("frist\n", 17_000),
	} {
		start := time.Now()
		r := b.Handle(t.Context(), Request{Conversation: "telegram:" + name, Text: text})
		if took := time.Since(start); took > limit {
			t.Errorf("%s (%d KB): answered in %v, want under %v", name, len(text)>>10, took, limit)
		}
		if r.Answer == "" || len(r.Answer) > 4000 {
			t.Errorf("%s: answer of %d bytes", name, len(r.Answer))
		}
	}
}

func TestAbsurdSubscribeArgumentsGetAClearAnswer(t *testing.T) {
	tests := []struct {
		text   string
		want   []string // in the reply
		stored []int    // the offsets saved; nil means nothing saved
	}{
		{"abonner 14 3 1", []string{"Du abonnerer nå", "14, 3 og 1 dager"}, []int{14, 3, 1}},
		{"abonner -5 99999", []string{"fra 1 til 365 dager", "ikke bruke: -5, 99999."}, nil},
		{"abonner 0", []string{"fra 1 til 365 dager", "ikke bruke: 0."}, nil},
		{"abonner 1 2 3 4 5 6 7 8 9 10 11 12", []string{"høyst 10 påminnelser"}, nil},
		{"abonner 99999999999999999999", []string{"ikke bruke: 999999999999…."}, nil},
		{"/subscribe -1 -2 -3 -4 -5 -6", []string{"1 to 365 days", "couldn't use: -1, -2, -3, …."}, nil},
		{"abonner" + strings.Repeat(" -1", 20_000), []string{"ikke bruke: -1, -1, -1, …."}, nil},
		{"abonner" + strings.Repeat(" 7", 20_000), []string{"Du abonnerer nå", "7 dager"}, []int{7}},
	}
	for _, tt := range tests {
		name := tt.text
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		t.Run(name, func(t *testing.T) {
			store := newMemStore()
			b := New(testMatcher(t), Options{Clock: func() time.Time { return today }, Commands: newSubs(t, store, ipos(t))})
			r := b.Handle(t.Context(), Request{Conversation: "telegram:42", Text: tt.text})
			if r.Intent != "subscribe" {
				t.Fatalf("intent %q, want subscribe", r.Intent)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Answer, w) {
					t.Errorf("the reply lacks %q:\n%s", w, r.Answer)
				}
			}
			if len(r.Answer) > 600 {
				t.Errorf("a reply of %d bytes to %d bytes of arguments", len(r.Answer), len(tt.text))
			}
			sub, err := store.Get(t.Context(), "telegram:42")
			switch {
			case tt.stored == nil && !errors.Is(err, subscription.ErrNotFound):
				t.Errorf("saved %+v (%v), want nothing saved", sub, err)
			case tt.stored != nil && (err != nil || !slices.Equal(sub.Offsets, tt.stored)):
				t.Errorf("saved %v (%v), want offsets %v", sub.Offsets, err, tt.stored)
			}
		})
	}
}
