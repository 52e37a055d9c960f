package telegram

import (
	"context"
	"encoding/json"
	"html"
	"strings"
	"testing"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
)

// Hostile and odd messages through the adapter, end to end against the fake
// Bot API, which refuses any HTML Telegram would refuse: what the user sees.

func TestHostileMessagesGetCalmValidReplies(t *testing.T) {
	f := telegramfake.New(t)
	kb, _ := embedded(t)
	h := start(t, f, realBot(t, nil, fixed(sept1)), setup{})
	whoCanApply, _, _ := strings.Cut(kb.Topic("who_can_apply").Answer.Get(knowledge.NB), "\n")
	whoCanApply = html.EscapeString(whoCanApply)
	notSure := "Det er jeg ikke sikker på"

	cases := []struct {
		name, text, want string
	}{
		{"HTML and script tags", "<b>fet</b> <script>alert(1)</script> hvem kan søke?", whoCanApply},
		{"Markdown and a disguised link", "*hvem* kan _søke_? [klikk](https://evil.example)", whoCanApply},
		{"zero-width space", "hvem\u200b kan søke", whoCanApply},
		{"right-to-left override", "\u202ehvem kan søke", whoCanApply},
		{"@everyone", "@everyone hvem kan søke?", whoCanApply},
		{"emoji only", "🙂🙂🙂", notSure},
		{"100 KB", strings.Repeat("Hvem kan søke? ", 7000), whoCanApply},
		{"100 KB of one word", strings.Repeat("qwertyuiop", 10_000), notSure},
	}
	for i, c := range cases {
		f.Push(telegramfake.TextUpdate(int64(9100+i), "private", kari, c.text))
	}
	// Invalid UTF-8 cannot travel in JSON: Telegram's (and Go's) decoder turns it into U+FFFD.
	f.PushRaw("{\"update_id\":5000,\"message\":{\"message_id\":1,\"date\":1,\"from\":{\"id\":501,\"is_bot\":false,\"first_name\":\"K\"},\"chat\":{\"id\":9199,\"type\":\"private\"},\"text\":\"\xff\xfe hvem kan s\xf8ke\"}}", 5000)
	// Only spaces: Telegram's apps do not send it, but if it comes it is confirmed and left unanswered.
	whitespace := f.Push(telegramfake.TextUpdate(9198, "private", kari, " \t \n "))

	others := map[int64][]telegramfake.Message{}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := nextTo(t, f, int64(9100+i), others)
			if !strings.HasPrefix(m.Text, c.want) {
				t.Errorf("reply starts %.80q, want %.80q", m.Text, c.want)
			}
			for _, bad := range []string{"<script", "evil", "@everyone", "klikk"} {
				if strings.Contains(m.Text, bad) {
					t.Errorf("the reply carries %q from the question", bad)
				}
			}
			if len(m.Buttons()) == 0 {
				t.Error("no suggestion buttons")
			}
		})
	}
	if m := nextTo(t, f, 9199, others); !strings.HasPrefix(m.Text, notSure) {
		t.Errorf("invalid UTF-8: reply %.80q", m.Text)
	}
	awaitPoll(t, f, whitespace+1)
	if err := h.stop(t); err != nil {
		t.Fatal(err)
	}
	for chat, ms := range others {
		if len(ms) > 0 {
			t.Errorf("unexpected messages to %d: %d", chat, len(ms))
		}
	}
	noMore(t, f, "a whitespace-only message was answered")
}

func TestTypedMarkupIsShownNotRendered(t *testing.T) {
	f := telegramfake.New(t)
	start(t, f, handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		return bot.Reply{Lang: knowledge.NB, Answer: "Du skrev: " + req.Text,
			Suggestions: []bot.Suggestion{{Topic: "deadline", Text: req.Text}}}
	}), setup{})
	const typed = `<b>fet</b> <script>alert("x")</script> <a href="https://evil.example">klikk</a> &amp; *stjerne*`
	f.Push(telegramfake.TextUpdate(9201, "private", kari, typed))
	m := next(t, f)
	// The fake accepted it, so it is valid Telegram HTML; and the user sees what they typed.
	if want := "Du skrev: " + html.EscapeString(typed); !strings.HasPrefix(m.Text, want) {
		t.Errorf("sent %q, want it to start %q", m.Text, want)
	}
	if strings.Contains(m.Text, "<script") || strings.Contains(m.Text, "<b>fet") || strings.Contains(m.Text, `<a href="https://evil`) {
		t.Errorf("markup from the user went out live: %q", m.Text)
	}
}

func TestBlockedUserOrForeignChatIsLoggedNotRetried(t *testing.T) {
	f := telegramfake.New(t)
	h := start(t, f, realBot(t, nil, fixed(sept1)), setup{})
	cases := []struct {
		chat   int64
		answer telegramfake.Answer
		reason string
	}{
		{9301, telegramfake.APIError(403, "Forbidden: bot was blocked by the user", 0), "bot was blocked by the user"},
		{9302, telegramfake.APIError(400, "Bad Request: chat not found", 0), "chat not found"},
		{9303, telegramfake.APIError(403, "Forbidden: bot is not a member of the supergroup chat", 0), "bot is not a member"},
	}
	for i, c := range cases {
		f.Script("sendMessage", c.answer)
		id := f.Push(telegramfake.TextUpdate(c.chat, "private", kari, "Hvem kan søke?"))
		awaitPoll(t, f, id+1) // handled: the offset moved past it
		if n := f.Count("sendMessage"); n != i+1 {
			t.Fatalf("chat %d: %d sendMessage calls in all, want one per update (no retry)", c.chat, n)
		}
	}
	f.Push(telegramfake.TextUpdate(9304, "private", kari, "Hvem kan søke?"))
	if m := next(t, f); m.ChatID != 9304 {
		t.Errorf("the next chat got nothing; a message went to %d", m.ChatID)
	}
	if err := h.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	var warned int
	for line := range strings.Lines(h.logs.String()) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "update not answered" {
			continue
		}
		warned++
		if rec["level"] != "WARN" {
			t.Errorf("logged at %v: %s", rec["level"], line)
		}
	}
	if warned != len(cases) {
		t.Errorf("%d warnings for %d unanswerable updates", warned, len(cases))
	}
	for _, c := range cases {
		if !strings.Contains(h.logs.String(), c.reason) {
			t.Errorf("the log does not say %q", c.reason)
		}
	}
}

func TestOneChatFloodingIsThrottledWhileOthersAreAnswered(t *testing.T) {
	f := telegramfake.New(t)
	h := start(t, f, realBot(t, nil, fixed(sept1)), setup{opts: []Option{WithClock(fixed(sept1))}})
	const flooder, other = 9401, 9402
	var last int
	for range 100 {
		last = f.Push(telegramfake.TextUpdate(flooder, "private", kari, "Hvem kan søke?"))
	}
	f.Push(telegramfake.TextUpdate(other, "private", olav, "Kven kan søkje?"))
	awaitPoll(t, f, last+2)
	if err := h.stop(t); err != nil {
		t.Fatal(err)
	}
	var answers, slowDown, toOther int
	for _, m := range f.Sent() {
		switch {
		case m.ChatID == other:
			toOther++
			if !strings.HasPrefix(m.Text, "Søkjaren") && !strings.Contains(m.Text, "Kjelde") {
				t.Errorf("the other chat got %.80q, want the nynorsk answer", m.Text)
			}
		case strings.Contains(m.Text, "Du sender mange meldinger"):
			slowDown++
		default:
			answers++
		}
	}
	// The bot's default: bursts of 10, then 20 a minute; the clock stands still here.
	if answers != 10 || slowDown != 1 || toOther != 1 {
		t.Errorf("flooding chat: %d answers and %d slow-down messages (want 10 and 1); other chat: %d answers (want 1)", answers, slowDown, toOther)
	}
}
