package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/bot/console"
	"github.com/fundbot/fundbot/bot/eval"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// askJSON is the reply object of "fundbot ask --json": a contract outside tools rely on.
type askJSON struct {
	Question    string             `json:"question"`
	Lang        knowledge.Lang     `json:"lang"`
	Matched     bool               `json:"matched"`
	Intent      string             `json:"intent"`
	Confidence  float64            `json:"confidence"`
	Answer      string             `json:"answer"`
	Sources     []knowledge.Source `json:"sources"`
	Suggestions []string           `json:"suggestions"`
}

func toJSON(r bot.Reply) askJSON {
	out := askJSON{
		Question: r.Question, Lang: r.Lang, Matched: r.Matched, Intent: r.Intent,
		Confidence: r.Confidence, Answer: r.Answer,
		Sources: r.Sources, Suggestions: make([]string, 0, len(r.Suggestions)),
	}
	if out.Sources == nil {
		out.Sources = []knowledge.Source{}
	}
	for _, s := range r.Suggestions {
		out.Suggestions = append(out.Suggestions, s.Text)
	}
	return out
}

func (a *App) ask(ctx context.Context, args []string) error {
	fs := a.newFlags("ask")
	asJSON := fs.Bool("json", false, "print one JSON object per question")
	nowFlag := fs.String("now", "", "treat this date (YYYY-MM-DD) as today")
	langFlag := fs.String("lang", "", "reply language: nb, nn or en (default: the question's)")
	kbFlag := fs.String("kb", "", "knowledge base folder (default: built in, or FUNDBOT_KB_DIR)")
	explain := fs.Bool("explain", false, "show how the question was read and scored (for knowledge-base editors)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError{"ask: give a question, or - to read one question a line from stdin"}
	}
	lang, err := parseLangFlag(*langFlag)
	if err != nil {
		return err
	}
	var now time.Time
	if *nowFlag != "" {
		if now, err = eval.ParseDay(*nowFlag); err != nil {
			return usageError{"--now: " + err.Error()}
		}
	}
	cfg, err := a.settings(*kbFlag)
	if err != nil {
		return err
	}
	b, err := a.newBot(cfg)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(a.Stdout)
	enc.SetEscapeHTML(false)
	answer := func(q string, n int) error {
		// Each question is its own conversation: batch lines are independent.
		if *explain {
			fmt.Fprint(a.Stdout, b.Matcher().Explain(match.Query{Text: q, Lang: lang}))
		}
		reply := b.Handle(ctx, bot.Request{Conversation: fmt.Sprintf("ask:%d", n), Text: q, Lang: lang, Now: now})
		if *asJSON {
			return enc.Encode(toJSON(reply))
		}
		_, err := fmt.Fprintln(a.Stdout, console.Format(reply))
		return err
	}
	if len(pos) == 1 && pos[0] == "-" {
		sc := bufio.NewScanner(a.Stdin)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for n := 0; sc.Scan(); n++ {
			if err := answer(sc.Text(), n); err != nil {
				return err
			}
		}
		return sc.Err()
	}
	return answer(strings.Join(pos, " "), 0)
}
