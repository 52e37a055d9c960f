package eval

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// today is the date questions without "now" are asked on, fixed so the run repeats.
var today = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func runFile(t *testing.T, path string) Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(match.New(kb), bot.Options{Clock: func() time.Time { return today }})
	rep := Run(context.Background(), b, cases)
	var out strings.Builder
	rep.Print(&out)
	t.Log("\n" + out.String())
	return rep
}

// TestDevSet holds the bot to the product targets on the dev questions.
func TestDevSet(t *testing.T) {
	rep := runFile(t, "../../testdata/dev.jsonl")
	check := func(name string, s Score, min float64) {
		t.Helper()
		if s.Rate() < min {
			t.Errorf("%s: %s, target %.0f%%", name, s, 100*min)
		}
	}
	check("overall", rep.Overall, 0.97)
	check("reply language", rep.LangOK, 0.98)
	for lang, s := range rep.ByLang {
		check("language "+lang, *s, 0.95)
	}
	for kind, s := range rep.ByKind {
		check("kind "+kind, *s, 0.95)
	}
}

// TestHeldOutSet guards generalisation: questions written apart from the
// knowledge base's examples, in other words and situations.
func TestHeldOutSet(t *testing.T) {
	rep := runFile(t, "../../testdata/heldout.jsonl")
	if rep.Overall.Rate() < 0.92 {
		t.Errorf("held-out accuracy %s fell below 92%%", rep.Overall)
	}
	if rep.LangOK.Rate() < 0.98 {
		t.Errorf("reply language %s, target 98%%", rep.LangOK)
	}
}

func TestReadRejectsBadLines(t *testing.T) {
	in := `{"id":"a","q":"x","lang":"nb","topic":"t","kind":"answer","expect":["("]}
not json
{"id":"b","q":"x","lang":"de","topic":"t","kind":"answer"}
{"id":"c","q":"x","lang":"nb","topic":"t","kind":"maybe"}
{"id":"d","q":"x","lang":"nb","topic":"t","kind":"answer","now":"27.11.2026"}`
	_, err := Read(strings.NewReader(in))
	if err == nil {
		t.Fatal("bad eval file accepted")
	}
	for _, want := range []string{"line 1 (a)", "line 2:", "line 3 (b)", "line 4 (c)", "line 5 (d)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q:\n%v", want, err)
		}
	}
}

type cannedBot struct{ reply bot.Reply }

func (c cannedBot) Handle(context.Context, bot.Request) bot.Reply { return c.reply }

func TestCheckJudgesAnswersAndFallbacks(t *testing.T) {
	cases, err := Read(strings.NewReader(`{"id":"a","q":"frist?","lang":"nb","topic":"deadline","kind":"answer","expect":["sep"],"expect_not":["2027"]}
{"id":"f","q":"pizza?","lang":"nb","topic":"out_of_scope","kind":"fallback","expect":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	good := cannedBot{bot.Reply{Lang: "nb", Matched: true, Answer: "Fristen er i September."}}
	wrongDate := cannedBot{bot.Reply{Lang: "nb", Matched: true, Answer: "Fristen er 21. september 2027."}}
	unsure := cannedBot{bot.Reply{Lang: "nb", Matched: false, Answer: "Vet ikke."}}
	ctx := context.Background()
	if r := Check(ctx, good, cases[0]); !r.Pass {
		t.Errorf("a correct answer failed: %v", r.Problems)
	}
	if r := Check(ctx, wrongDate, cases[0]); r.Pass {
		t.Error("an invented future date passed")
	}
	if r := Check(ctx, unsure, cases[0]); r.Pass {
		t.Error("an unanswered question passed as answered")
	}
	if r := Check(ctx, unsure, cases[1]); !r.Pass {
		t.Errorf("an honest fallback failed: %v", r.Problems)
	}
	if r := Check(ctx, good, cases[1]); r.Pass {
		t.Error("a confident answer to an out-of-scope question passed")
	}
}

// TestNoEvalQuestionIsAnExample keeps the eval sets honest: a question that is
// also a knowledge-base example measures memory, not understanding.
func TestNoEvalQuestionIsAnExample(t *testing.T) {
	kb, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	examples := map[string]string{}
	for _, tp := range kb.Topics() {
		for _, lang := range knowledge.Langs {
			for _, e := range tp.Examples.Get(lang) {
				examples[match.Normalize(e)] = tp.ID
			}
		}
	}
	for _, file := range []string{"../../testdata/dev.jsonl", "../../testdata/heldout.jsonl", "../../testdata/heldout2.jsonl", "../../testdata/heldout3.jsonl"} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		cases, err := Read(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if topic, ok := examples[match.Normalize(c.Q)]; ok {
				t.Errorf("%s %s %q is an example of topic %s: reword the example", file, c.ID, c.Q, topic)
			}
		}
	}
}
