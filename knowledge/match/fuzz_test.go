package match

import (
	"math"
	"testing"
	"unicode/utf8"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Hvem kan søke?", "<@U1|x> <!channel> frist", "<https://a|b", "::::", "@", "\xff\xfe", "isn't", "a-b-c", "🙂", "\u200b\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokens(s) {
			if tok == "" || !utf8.ValidString(tok) {
				t.Fatalf("Tokens(%q) gave an empty or invalid token %q", s, tok)
			}
		}
	})
}

func FuzzMatch(f *testing.F) {
	m := builtinMatcher(f)
	for _, s := range []string{"Hvem kan søke?", "og for fylkeskommuner?", "nar er soknadsfristen", "Hei! Kva kostnader dekkjer de?", "", "?", "frist frist frist"} {
		f.Add(s, "who_can_apply")
	}
	f.Fuzz(func(t *testing.T, s, prev string) {
		res := m.Match(Query{Text: s, PrevTopic: prev})
		if res.Confidence < 0 || res.Confidence > 1 || math.IsNaN(res.Confidence) {
			t.Fatalf("confidence %v for %q", res.Confidence, s)
		}
		if res.Topic == nil && len(res.Candidates) > 0 {
			t.Fatalf("candidates without a topic for %q", s)
		}
		switch res.Lang {
		case "nb", "nn", "en":
		default:
			t.Fatalf("language %q for %q", res.Lang, s)
		}
	})
}
