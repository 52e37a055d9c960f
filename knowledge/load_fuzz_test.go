package knowledge_test

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// smallKB is a valid knowledge base of one programme, small enough for the
// fuzzer to mutate quickly: programme, general and lexicon files.
func smallKB() (programme, general, lexicon string) {
	examples := func(id string) string {
		var b strings.Builder
		for _, lang := range []string{"nb", "nn", "en"} {
			fmt.Fprintf(&b, "      %s: [", lang)
			for i := range knowledge.MinExamples {
				fmt.Fprintf(&b, "%s spørsmål %s %d, ", id, lang, i)
			}
			b.WriteString("]\n")
		}
		return b.String()
	}
	topic := func(id, kind string) string {
		return "  - id: " + id + "\n    kind: " + kind + "\n    title: {nb: T, nn: T, en: T}\n" +
			"    answer: {nb: \"Svar {deadline_status}\", nn: Svar, en: Answer}\n    related: [deadline]\n    examples:\n" + examples(id)
	}
	const src = `{title: "Side", url: "https://example.org/side", as_of: "2022-09-24"}`
	programme = `id: demo
name: {nb: Demo, nn: Demo, en: Demo}
owner: {nb: Rådet, nn: Rådet, en: The council}
source: ` + src + `
calls:
  - {id: "2022", deadline: "2022-09-21", timezone: Europe/Oslo, status: confirmed, source: ` + src + `}
pattern: {status: usual, frequency: annual, deadline_month: 9, published: {nb: om våren, nn: om våren, en: in spring}}
deadline_text:
  upcoming: {nb: "Frist {date}, {days} dager igjen.", nn: "Frist {date}, {days} dagar att.", en: "Deadline {date}, {days} days left."}
  tomorrow: {nb: "Fristen er i morgen, {date}.", nn: "Fristen er i morgon, {date}.", en: "The deadline is tomorrow, {date}."}
  today: {nb: "Fristen er i dag, {date}.", nn: "Fristen er i dag, {date}.", en: "The deadline is today, {date}."}
  passed: {nb: "Siste kjente frist var {date}.", nn: "Siste kjende frist var {date}.", en: "The last known deadline was {date}."}
  none: {nb: "Ingen kjent frist.", nn: "Ingen kjend frist.", en: "No known deadline."}
topics:
` + topic("alpha", "answer") + topic("deadline", "deadline")
	general = "topics:\n" + topic("hello", "smalltalk")
	lexicon = "synonyms: [[frist, deadline]]\nstopwords: {nb: [og]}\n"
	return programme, general, lexicon
}

// FuzzLoad feeds arbitrary YAML to the loader, as an operator's edited
// FUNDBOT_KB_DIR would: it never panics, and it either loads a knowledge
// base that answers (deadlines, topics, matching) or lists Problems.
func FuzzLoad(f *testing.F) {
	p, g, l := smallKB()
	if _, err := knowledge.Load(fstest.MapFS{"programmes/demo.yaml": {Data: []byte(p)}, "general.yaml": {Data: []byte(g)}, "lexicon.yaml": {Data: []byte(l)}}); err != nil {
		f.Fatalf("the small seed must load, so that the fuzzer starts from a valid base: %v", err)
	}
	f.Add([]byte(p), []byte(g), []byte(l))
	emb := knowledge.Embedded()
	read := func(name string) []byte {
		b, err := fs.ReadFile(emb, name)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(read("programmes/innovasjonsprosjekt-offentlig-sektor.yaml"), read("general.yaml"), read("lexicon.yaml"))
	f.Add([]byte("id: x\ncalls: [{deadline: 2022-02-30}]"), []byte("topics: [{id: a, kind: answer}]"), []byte(""))
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a, *a]\n"), []byte("topics: !!binary AAAA"), []byte("synonyms: [[], [\"\"]]"))
	f.Add([]byte(strings.Replace(p, "Europe/Oslo", "Mars/Olympus", 1)), []byte(g), []byte("places: [\"\\u202e\"]"))

	f.Fuzz(func(t *testing.T, programme, general, lexicon []byte) {
		fsys := fstest.MapFS{
			"programmes/fuzz.yaml": {Data: programme},
			"general.yaml":         {Data: general},
			"lexicon.yaml":         {Data: lexicon},
		}
		kb, err := knowledge.Load(fsys)
		if err != nil {
			var ps knowledge.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Load failed without listing problems: %v", err)
			}
			for _, p := range ps {
				if p.File == "" || p.Msg == "" {
					t.Fatalf("a problem without file or message: %+v", p)
				}
			}
			if kb != nil {
				t.Fatal("a knowledge base returned with problems")
			}
			return
		}
		if kb == nil || len(kb.Programmes) == 0 || len(kb.Topics()) == 0 {
			t.Fatalf("loaded an empty knowledge base: %+v", kb)
		}
		now := time.Date(2022, 9, 1, 12, 0, 0, 0, knowledge.Oslo())
		for _, p := range kb.Programmes {
			for _, lang := range []knowledge.Lang{knowledge.NB, knowledge.NN, knowledge.EN} {
				if p.DeadlineSentence(now, lang) == "" {
					t.Errorf("programme %s: no deadline sentence in %s", p.ID, lang)
				}
			}
			p.UpcomingCalls(now)
		}
		for _, topic := range kb.Topics() {
			if kb.Topic(topic.ID) == nil {
				t.Errorf("topic %q listed but not found", topic.ID)
			}
		}
		if len(programme)+len(general)+len(lexicon) < 32<<10 { // the matcher over the full KB is slow to build per exec
			m := match.New(kb)
			m.Match(match.Query{Text: "hvem kan søke og når er fristen?"})
		}
	})
}
