// Package console is the terminal adapter: fundbot chat, and plain-text replies for fundbot ask.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// Format writes a reply as a person reads it in a terminal.
func Format(r bot.Reply) string {
	var b strings.Builder
	b.WriteString(r.Answer)
	b.WriteString("\n")
	for _, s := range r.Sources {
		fmt.Fprintf(&b, "\n%s: %s – %s (%s)", bot.SourceLabel(r.Lang), s.Title, s.URL, bot.AsOf(s, r.Lang))
	}
	if len(r.Sources) > 0 {
		b.WriteString("\n")
	}
	if len(r.Suggestions) > 0 {
		texts := make([]string, len(r.Suggestions))
		for i, s := range r.Suggestions {
			texts[i] = s.Text
		}
		fmt.Fprintf(&b, "\n%s: %s\n", bot.SuggestionsLabel(r.Lang), strings.Join(texts, " · "))
	}
	return b.String()
}

// Handler answers one message; *bot.Bot is one.
type Handler interface {
	Handle(ctx context.Context, req bot.Request) bot.Reply
}

var intro = `fundbot – spør om Innovasjonsprosjekt i offentlig sektor (bokmål, nynorsk eller English).
/help viser hjelp, /quit avslutter.`

var helpText = `Skriv et spørsmål, for eksempel «Hvem kan søke?», «Hva dekkes?» eller «Når er fristen?».
Skriv et tall for å velge et forslag. /quit avslutter.`

// Chat runs a conversation on in/out until /quit or end of input. It works
// the same when in is a pipe, so it can be scripted and tested.
func Chat(ctx context.Context, h Handler, in io.Reader, out io.Writer, lang knowledge.Lang) error {
	fmt.Fprintln(out, intro)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var last []bot.Suggestion
	for {
		fmt.Fprint(out, "\n> ")
		if !sc.Scan() {
			fmt.Fprintln(out)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		switch strings.ToLower(line) {
		case "":
			continue
		case "/quit", "/exit", "/q":
			return nil
		case "/help", "/hjelp", "?":
			fmt.Fprintln(out, helpText)
			continue
		}
		req := bot.Request{Conversation: "console", Text: line, Lang: lang}
		if n := choice(line, len(last)); n > 0 {
			req.Topic, req.Text = last[n-1].Topic, last[n-1].Text
		}
		reply := h.Handle(ctx, req)
		fmt.Fprint(out, numbered(reply))
		last = reply.Suggestions
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// numbered is Format with the suggestions numbered, so they can be chosen by typing a digit.
func numbered(r bot.Reply) string {
	sugg := r.Suggestions
	r.Suggestions = nil
	s := Format(r)
	if len(sugg) > 0 {
		s += "\n" + bot.SuggestionsLabel(r.Lang) + ":\n"
		for i, x := range sugg {
			s += fmt.Sprintf("  %d) %s\n", i+1, x.Text)
		}
	}
	return s
}

func choice(line string, n int) int {
	if len(line) != 1 || line[0] < '1' || line[0] > '9' {
		return 0
	}
	if c := int(line[0] - '0'); c <= n {
		return c
	}
	return 0
}
