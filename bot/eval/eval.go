// Package eval scores the bot on a file of questions with expected answers
// (the format of shared/eval/dev.jsonl).
package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// Case is one line of an eval file.
type Case struct {
	ID        string   `json:"id"`
	Q         string   `json:"q"`
	Lang      string   `json:"lang"`
	Topic     string   `json:"topic"`
	Kind      string   `json:"kind"` // "answer" or "fallback"
	Expect    []string `json:"expect"`
	ExpectNot []string `json:"expect_not"`
	Now       string   `json:"now"`

	expect, expectNot []*regexp.Regexp
	now               time.Time
}

// Read parses an eval file; every bad line is reported.
func Read(r io.Reader) ([]Case, error) {
	var cases []Case
	var problems []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var c Case
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", n, err))
			continue
		}
		if err := c.compile(); err != nil {
			problems = append(problems, fmt.Sprintf("line %d (%s): %v", n, c.ID, err))
			continue
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("bad eval file:\n  %s", strings.Join(problems, "\n  "))
	}
	return cases, nil
}

func (c *Case) compile() error {
	if c.Kind != "answer" && c.Kind != "fallback" {
		return fmt.Errorf("kind %q is not answer or fallback", c.Kind)
	}
	if _, err := knowledge.ParseLang(c.Lang); err != nil {
		return err
	}
	for _, e := range c.Expect {
		re, err := regexp.Compile("(?i)" + e)
		if err != nil {
			return fmt.Errorf("expect %q: %w", e, err)
		}
		c.expect = append(c.expect, re)
	}
	for _, e := range c.ExpectNot {
		re, err := regexp.Compile("(?i)" + e)
		if err != nil {
			return fmt.Errorf("expect_not %q: %w", e, err)
		}
		c.expectNot = append(c.expectNot, re)
	}
	if c.Now != "" {
		d, err := ParseDay(c.Now)
		if err != nil {
			return err
		}
		c.now = d
	}
	return nil
}

// ParseDay reads YYYY-MM-DD as noon that day in Oslo: "today" for the bot.
func ParseDay(s string) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", s, knowledge.Oslo())
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return d.Add(12 * time.Hour), nil
}

// Result is the outcome of one case.
type Result struct {
	Case     Case
	Reply    bot.Reply
	Pass     bool
	LangOK   bool
	Problems []string
}

// Check runs one case through h. Each case is its own conversation.
func Check(ctx context.Context, h interface {
	Handle(context.Context, bot.Request) bot.Reply
}, c Case) Result {
	reply := h.Handle(ctx, bot.Request{Conversation: "eval:" + c.ID, Text: c.Q, Now: c.now})
	r := Result{Case: c, Reply: reply, LangOK: string(reply.Lang) == c.Lang}
	switch c.Kind {
	case "answer":
		if !reply.Matched {
			r.Problems = append(r.Problems, fmt.Sprintf("not answered (intent %s, confidence %.2f)", reply.Intent, reply.Confidence))
		}
		for _, re := range c.expect {
			if !re.MatchString(reply.Answer) {
				r.Problems = append(r.Problems, "missing /"+strings.TrimPrefix(re.String(), "(?i)")+"/")
			}
		}
		for _, re := range c.expectNot {
			if re.MatchString(reply.Answer) {
				r.Problems = append(r.Problems, "forbidden /"+strings.TrimPrefix(re.String(), "(?i)")+"/")
			}
		}
	case "fallback":
		if reply.Matched {
			r.Problems = append(r.Problems, fmt.Sprintf("answered confidently as %s (%.2f)", reply.Intent, reply.Confidence))
		}
	}
	r.Pass = len(r.Problems) == 0
	return r
}

// Score is a pass count.
type Score struct{ Pass, Total int }

// Rate is the share passed, 0..1.
func (s Score) Rate() float64 {
	if s.Total == 0 {
		return 0
	}
	return float64(s.Pass) / float64(s.Total)
}

func (s Score) String() string {
	return fmt.Sprintf("%5.1f%% (%d/%d)", 100*s.Rate(), s.Pass, s.Total)
}

// Report sums up a run.
type Report struct {
	Overall  Score
	LangOK   Score // replies in the question's language
	ByLang   map[string]*Score
	ByKind   map[string]*Score
	ByTopic  map[string]*Score
	Failures []Result
}

// Run checks every case.
func Run(ctx context.Context, h interface {
	Handle(context.Context, bot.Request) bot.Reply
}, cases []Case) Report {
	rep := Report{ByLang: map[string]*Score{}, ByKind: map[string]*Score{}, ByTopic: map[string]*Score{}}
	for _, c := range cases {
		r := Check(ctx, h, c)
		add := func(m map[string]*Score, k string) {
			if m[k] == nil {
				m[k] = &Score{}
			}
			m[k].Total++
			if r.Pass {
				m[k].Pass++
			}
		}
		rep.Overall.Total++
		rep.LangOK.Total++
		if r.Pass {
			rep.Overall.Pass++
		} else {
			rep.Failures = append(rep.Failures, r)
		}
		if r.LangOK {
			rep.LangOK.Pass++
		}
		add(rep.ByLang, c.Lang)
		add(rep.ByKind, c.Kind)
		add(rep.ByTopic, c.Topic)
	}
	return rep
}

// Print writes the report for people; the overall line comes last so that
// "tail" shows it.
func (rep Report) Print(w io.Writer) {
	if len(rep.Failures) > 0 {
		fmt.Fprintf(w, "Failures (%d):\n", len(rep.Failures))
		for _, f := range rep.Failures {
			fmt.Fprintf(w, "  %s [%s %s %s] %q → %s: %s\n", f.Case.ID, f.Case.Lang, f.Case.Kind, f.Case.Topic,
				f.Case.Q, f.Reply.Intent, strings.Join(f.Problems, "; "))
		}
		fmt.Fprintln(w)
	}
	section := func(title string, m map[string]*Score) {
		fmt.Fprintf(w, "By %s:\n", title)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-28s %s\n", k, m[k])
		}
	}
	section("topic", rep.ByTopic)
	section("kind", rep.ByKind)
	section("language", rep.ByLang)
	fmt.Fprintf(w, "Reply language: %s\n", rep.LangOK)
	fmt.Fprintf(w, "Overall:        %s\n", rep.Overall)
}
