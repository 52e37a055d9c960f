package match

import (
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/fundbot/fundbot/knowledge"
)

var (
	builtinOnce sync.Once
	builtin     *Matcher
)

// builtinMatcher is the matcher over the embedded knowledge base, built once per test binary.
func builtinMatcher(t testing.TB) *Matcher {
	t.Helper()
	builtinOnce.Do(func() {
		kb, err := knowledge.Load(knowledge.Embedded())
		if err != nil {
			t.Fatalf("load embedded kb: %v", err)
		}
		builtin = New(kb)
	})
	if builtin == nil {
		t.Fatal("embedded kb failed to load earlier")
	}
	return builtin
}

func TestTokens(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hvem kan SØKE??", "hvem kan søke"},
		{"<@U02ABC123> hvem kan søke?", "hvem kan søke"},
		{"@fundbot_bot frist?", "frist"},
		{"<!channel> hva dekkes", "hva dekkes"},
		{"se <https://www.forskningsradet.no/x|denne siden> om fristen", "se denne siden om fristen"},
		{"les https://example.org/a?b=c og svar", "les og svar"},
		{"FoU-miljø", "fou miljø"},
		{"What isn't covered?", "what is not covered"},
		{"what's the deadline :thinking_face: 🙂", "what the deadline"},
		{"", ""},
		{"   \t\n", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeComposesNFC(t *testing.T) {
	decomposed := "so\u0308ke" // o + combining diaeresis
	if got := Normalize(decomposed); got != "söke" {
		t.Errorf("Normalize(decomposed) = %q, want the composed form", got)
	}
	if got := Normalize("sa\u030Aknad"); got != "såknad" {
		t.Errorf("å typed as a + ring must compose: %q", got)
	}
}

func TestFoldAndSqueeze(t *testing.T) {
	for in, want := range map[string]string{"søknadsfrist": "soknadsfrist", "naar": "nar", "når": "nar", "ærlig": "aerlig", "soeke": "soke"} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := squeeze("hvaaaa", 1); got != "hva" {
		t.Errorf("squeeze = %q", got)
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"frist", "frist", 0}, {"frsit", "frist", 1}, {"fris", "frist", 1}, {"søknad", "soknad", 1}, {"kostnader", "kosnader", 1}, {"kostnad", "kosnader", 3}} {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestLanguageDetection(t *testing.T) {
	m := builtinMatcher(t)
	tests := []struct {
		q    string
		want knowledge.Lang
		sure bool
	}{
		{"Hvem kan søke?", knowledge.NB, true},
		{"Kven kan søkje?", knowledge.NN, true},
		{"Who can apply?", knowledge.EN, true},
		{"Kva kostnader dekkjer de?", knowledge.NN, true},
		{"Korleis fungerer ordninga?", knowledge.NN, true},
		{"Eg lurer på om vi kan søkje frå fylkeskommunen", knowledge.NN, true},
		{"Hva dekkes ikke?", knowledge.NB, true},
		{"Is there a video?", knowledge.EN, true},
		{"when's the deadline lol", knowledge.EN, true},
		{"frist?", knowledge.NB, false},
	}
	for _, tt := range tests {
		got, sure := m.langs.detect(Tokens(tt.q))
		if got != tt.want || sure != tt.sure {
			t.Errorf("detect(%q) = %s (sure %v), want %s (sure %v)", tt.q, got, sure, tt.want, tt.sure)
		}
	}
}

func TestShortMessageKeepsConversationLanguage(t *testing.T) {
	m := builtinMatcher(t)
	if got := m.Match(Query{Text: "frist?", PrevLang: knowledge.EN}).Lang; got != knowledge.EN {
		t.Errorf("a one-word message after English should stay English, got %s", got)
	}
	if got := m.Match(Query{Text: "frist?"}).Lang; got != knowledge.NB {
		t.Errorf("with no history the default is bokmål, got %s", got)
	}
}

func TestMatchHardCases(t *testing.T) {
	m := builtinMatcher(t)
	tests := []struct {
		name, q, want string
	}{
		{"typo", "hvem kan sokke", "who_can_apply"},
		{"missing æøå as ascii", "nar er soknadsfristen", "deadline"},
		{"oe and aa for ø and å", "naar er soeknadsfristen", "deadline"},
		{"compound split", "hva er søknadsfristen", "deadline"},
		{"repeated letters", "fristtt???", "deadline"},
		{"slack mention", "<@U0123ABC> hvilke kostnader dekkes?", "costs_covered"},
		{"telegram mention", "@fundbot_bot hvem kan søke", "who_can_apply"},
		{"sms style", "kan vi soke om lonn til ansatte", "costs_covered"},
		{"nynorsk", "Kva tema støttar de?", "themes"},
		{"english", "What themes do you support?", "themes"},
		{"single theme", "støtter dere prosjekter innen barnevern?", "themes"},
		{"negation is its own topic", "hva dekkes ikke", "not_covered"},
		{"greeting before question", "Hei! Hvem kan søke?", "who_can_apply"},
		{"greeting alone", "hei", "smalltalk_greeting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := m.Match(Query{Text: tt.q})
			if res.Topic == nil || res.Topic.ID != tt.want {
				t.Fatalf("Match(%q) = %v, want %s\n%s", tt.q, topicID(res), tt.want, m.Explain(Query{Text: tt.q}))
			}
		})
	}
}

func TestOtherSchemesAreRecognised(t *testing.T) {
	m := builtinMatcher(t)
	for _, q := range []string{
		"Når er fristen for SkatteFUNN?",
		"Hva er fristen for Offentlig sektor-ph.d.?",
		"When is the Horizon Europe deadline?",
		"frist for innovasjonsprosjekt i naeringslivet",
	} {
		if res := m.Match(Query{Text: q}); res.OtherScheme == "" {
			t.Errorf("%q names another scheme but was not recognised (topic %s)", q, topicID(res))
		}
	}
	if res := m.Match(Query{Text: "Når er fristen?"}); res.OtherScheme != "" {
		t.Errorf("a plain deadline question was taken for another scheme: %s", res.OtherScheme)
	}
}

func TestFollowUpPrefersLastTopic(t *testing.T) {
	m := builtinMatcher(t)
	res := m.Match(Query{Text: "og for fylkeskommuner?", PrevTopic: "who_can_apply"})
	if !res.FollowUp || topicID(res) != "who_can_apply" {
		t.Errorf("follow-up after who_can_apply: followUp=%v topic=%s", res.FollowUp, topicID(res))
	}
	res = m.Match(Query{Text: "what about the deadline?", PrevTopic: "who_can_apply"})
	if topicID(res) != "deadline" {
		t.Errorf("a follow-up that names a new topic must switch to it, got %s", topicID(res))
	}
}

func TestConfidenceIsAProbabilityLikeScore(t *testing.T) {
	m := builtinMatcher(t)
	for _, q := range []string{"", "?!", "hvem kan søke", strings.Repeat("frist ", 500), "\xff\xfe", "🙂🙂"} {
		res := m.Match(Query{Text: q})
		if res.Confidence < 0 || res.Confidence > 1 || math.IsNaN(res.Confidence) {
			t.Errorf("Match(%.20q).Confidence = %v, outside 0..1", q, res.Confidence)
		}
	}
	if res := m.Match(Query{Text: ""}); res.Topic != nil {
		t.Errorf("an empty message matched %s", res.Topic.ID)
	}
}

func TestExamplesMatchBack(t *testing.T) {
	if ps := CheckExamples(builtinMatcher(t)); len(ps) > 0 {
		t.Fatalf("examples that do not match their own topic:\n%v", ps)
	}
}

func topicID(r Result) string {
	if r.Topic == nil {
		return "<none>"
	}
	return r.Topic.ID
}
