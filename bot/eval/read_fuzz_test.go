package eval

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/fundbot/fundbot/bot"
)

// FuzzRead feeds arbitrary eval files to Read (`fundbot eval FILE`): it never
// panics, and what it accepts can be checked against a reply.
func FuzzRead(f *testing.F) {
	dev, err := os.Open("../../testdata/dev.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(dev)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 0; sc.Scan() && n < 5; n++ {
		f.Add(append([]byte(nil), sc.Bytes()...))
	}
	dev.Close()
	f.Add([]byte(`{"id":"x","q":"?","lang":"nb","kind":"answer","expect":["(a|b"]}`))
	f.Add([]byte(`{"id":"x","q":"?","lang":"nn","kind":"fallback","now":"2022-02-30"}` + "\n\n" + `{"id":"y"}`))
	f.Add([]byte(`{"id":"x","q":"?","lang":"en","kind":"answer","expect":["a{1000}{1000}"],"expect_not":["\\p{Greek}+"]}`))
	f.Add([]byte("\xff\xfe{\"id\":1}"))

	f.Fuzz(func(t *testing.T, data []byte) {
		cases, err := Read(bytes.NewReader(data))
		if err != nil {
			if cases != nil {
				t.Fatal("cases returned with an error")
			}
			return
		}
		for _, c := range cases {
			if c.Kind != "answer" && c.Kind != "fallback" {
				t.Fatalf("accepted kind %q", c.Kind)
			}
			if c.Now != "" && c.now.IsZero() {
				t.Fatalf("accepted now %q without a time", c.Now)
			}
			// Scoring a case never fails, whatever its patterns.
			r := Check(context.Background(), echo{}, c)
			if r.Pass != (len(r.Problems) == 0) {
				t.Fatalf("pass %v with problems %q", r.Pass, r.Problems)
			}
		}
	})
}

// echo answers every question with its own text, confidently.
type echo struct{}

func (echo) Handle(_ context.Context, req bot.Request) bot.Reply {
	return bot.Reply{Lang: "nb", Matched: true, Intent: "echo", Answer: req.Text}
}
