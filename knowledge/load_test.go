package knowledge

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// examples writes n distinct example questions for a topic.
func examples(topic string, n int) string {
	var b strings.Builder
	for _, lang := range []string{"nb", "nn", "en"} {
		fmt.Fprintf(&b, "      %s:\n", lang)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "        - %s question %s %d\n", topic, lang, i)
		}
	}
	return b.String()
}

const source = `{title: "Page", url: "https://example.org/page", as_of: "2022-09-24"}`

func programmeYAML(topics string) string {
	return `id: demo
name: {nb: Demo, nn: Demo, en: Demo}
owner: {nb: Rådet, nn: Rådet, en: The council}
source: ` + source + `
calls:
  - {id: "2022", deadline: "2022-09-21", timezone: Europe/Oslo, status: confirmed, source: ` + source + `}
pattern: {status: usual, frequency: annual, deadline_month: 9, published: {nb: om våren, nn: om våren, en: in spring}}
deadline_text:
  upcoming: {nb: "Frist {date}, {days} dager igjen.", nn: "Frist {date}, {days} dagar att.", en: "Deadline {date}, {days} days left."}
  tomorrow: {nb: "Fristen er i morgen, {date}.", nn: "Fristen er i morgon, {date}.", en: "The deadline is tomorrow, {date}."}
  today: {nb: "Fristen er i dag, {date}.", nn: "Fristen er i dag, {date}.", en: "The deadline is today, {date}."}
  passed: {nb: "Siste kjente frist var {date}.", nn: "Siste kjende frist var {date}.", en: "The last known deadline was {date}."}
  none: {nb: "Ingen kjent frist.", nn: "Ingen kjend frist.", en: "No known deadline."}
topics:
` + topics
}

func topicYAML(id, kind string) string {
	return `  - id: ` + id + `
    kind: ` + kind + `
    title: {nb: T, nn: T, en: T}
    answer: {nb: Svar, nn: Svar, en: Answer}
    examples:
` + examples(id, MinExamples)
}

func validFS() fstest.MapFS {
	return fstest.MapFS{
		"programmes/demo.yaml": {Data: []byte(programmeYAML(topicYAML("alpha", "answer") + topicYAML("deadline", "deadline")))},
		"general.yaml":         {Data: []byte("topics:\n" + topicYAML("hello", "smalltalk"))},
		"lexicon.yaml":         {Data: []byte("synonyms: [[frist, deadline]]\nstopwords: {nb: [og]}\n")},
	}
}

func TestLoadValid(t *testing.T) {
	kb, err := Load(validFS())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := len(kb.Topics()); got != 3 {
		t.Errorf("topics = %d, want 3", got)
	}
	alpha := kb.Topic("alpha")
	if alpha == nil || alpha.Programme != "demo" {
		t.Fatalf("topic alpha not linked to its programme: %+v", alpha)
	}
	if len(alpha.Sources) != 1 || alpha.Sources[0].URL != "https://example.org/page" {
		t.Errorf("alpha should inherit the programme source, got %+v", alpha.Sources)
	}
	if kb.Topic("hello").Sources != nil {
		t.Errorf("smalltalk must not get a source")
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	fsys := validFS()
	broken := strings.Replace(programmeYAML(topicYAML("alpha", "answer")+topicYAML("alpha", "answer")+topicYAML("beta", "guess")+
		strings.Replace(topicYAML("gamma", "answer"), "gamma question", "alpha question", -1)),
		`deadline: "2022-09-21"`, `deadline: "21.09.2022"`, 1)
	broken = strings.Replace(broken, "url: \"https://example.org/page\", as_of: \"2022-09-24\"}\ncalls", "url: \"ftp:nowhere\", as_of: \"yesterday\"}\ncalls", 1)
	broken = strings.Replace(broken, "answer: {nb: Svar, nn: Svar, en: Answer}", "answer: {nb: Svar, en: Answer}", 1)
	fsys["programmes/demo.yaml"] = &fstest.MapFile{Data: []byte(broken)}
	fsys["lexicon.yaml"] = &fstest.MapFile{Data: []byte("synonyms: [[a, b]]\nstopwrds: {}\n")}

	_, err := Load(fsys)
	if err == nil {
		t.Fatal("Load accepted a broken knowledge base")
	}
	msg := err.Error()
	for _, want := range []string{
		`programmes/demo.yaml: call 2022: deadline "21.09.2022" is not a date`,
		`programmes/demo.yaml: source url "ftp:nowhere" is not an http(s) address`,
		`programmes/demo.yaml: source as_of "yesterday" is not a date`,
		"topic alpha: topic id is used twice",
		`topic beta: kind "guess" is not one of`,
		"topic alpha: answer has no nn text",
		"lexicon.yaml: parse:",
		"is also an example of topic alpha",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
}

func TestLoadTooFewExamples(t *testing.T) {
	fsys := validFS()
	short := strings.Replace(topicYAML("alpha", "answer"), examples("alpha", MinExamples), examples("alpha", 3), 1)
	fsys["programmes/demo.yaml"] = &fstest.MapFile{Data: []byte(programmeYAML(short))}
	_, err := Load(fsys)
	if err == nil || !strings.Contains(err.Error(), "topic alpha: 3 nn examples, need at least 8") {
		t.Fatalf("want a too-few-examples error naming the topic, got %v", err)
	}
}

func TestLoadMissingFiles(t *testing.T) {
	_, err := Load(fstest.MapFS{})
	if err == nil {
		t.Fatal("an empty folder must not load")
	}
	for _, want := range []string{"no programme files", "general.yaml: file is missing", "lexicon.yaml: file is missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
}

func TestEmbeddedKBLoads(t *testing.T) {
	kb, err := Load(Embedded())
	if err != nil {
		t.Fatalf("the built-in knowledge base does not load: %v", err)
	}
	p := kb.Programme("innovasjonsprosjekt-offentlig-sektor")
	if p == nil {
		t.Fatal("the built-in programme is missing")
	}
	if got := p.Calls[0].Date().Format("2006-01-02"); got != "2022-09-21" {
		t.Errorf("deadline = %s, want 2022-09-21 (from the source page)", got)
	}
}

func TestDeadlineSentence(t *testing.T) {
	kb, err := Load(validFS())
	if err != nil {
		t.Fatal(err)
	}
	p := kb.Programme("demo")
	oslo := Oslo()
	at := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, oslo)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name string
		now  time.Time
		lang Lang
		want string
	}{
		{"months before", at("2022-05-20 12:00"), NB, "Frist 21. september 2022, 124 dager igjen."},
		{"the day before, late evening", at("2022-09-20 23:59"), NB, "Fristen er i morgen, 21. september 2022."},
		{"the day itself", at("2022-09-21 08:00"), EN, "The deadline is today, 21 September 2022."},
		{"after midnight in Oslo, still the 21st in UTC", at("2022-09-22 00:30"), NN, "Siste kjende frist var 21. september 2022."},
		{"years later", at("2026-11-27 12:00"), EN, "The last known deadline was 21 September 2022."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.DeadlineSentence(tt.now, tt.lang); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadRejectsJunkExamples(t *testing.T) {
	fsys := validFS()
	junk := strings.Replace(topicYAML("alpha", "answer"), "        - alpha question nb 0\n", "        - x\n", 1)
	fsys["programmes/demo.yaml"] = &fstest.MapFile{Data: []byte(programmeYAML(junk + topicYAML("deadline", "deadline")))}
	_, err := Load(fsys)
	if err == nil || !strings.Contains(err.Error(), `nb example "x" is too short`) {
		t.Fatalf("a one-letter example must be rejected, got %v", err)
	}
}
