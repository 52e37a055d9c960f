package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/bot/slack"
	"github.com/fundbot/fundbot/bot/telegram"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// The shape of the in-flight test: chats × questions per chat, all sent
// before the first is answered.
const (
	chats        = 200
	perChat      = 5
	inFlight     = chats * perChat
	answerWithin = 60 * time.Second
)

var (
	kbOnce  sync.Once
	matcher *match.Matcher
	kbErr   error
)

// realBot is the bot core over the built-in knowledge base, as serve builds it.
func realBot(t testing.TB) *bot.Bot {
	t.Helper()
	kbOnce.Do(func() {
		var kb *knowledge.KB
		if kb, kbErr = knowledge.Load(knowledge.Embedded()); kbErr == nil {
			matcher = match.New(kb)
		}
	})
	if kbErr != nil {
		t.Fatal(kbErr)
	}
	return bot.New(matcher, bot.Options{})
}

// tagged passes each question to the real bot and puts the question's tag
// ("[chat-n]") in front of the answer, so that the order of answers can be read.
type tagged struct{ next *bot.Bot }

var tagPattern = regexp.MustCompile(`\[(\d+)-(\d+)\]`)

func (h tagged) Handle(ctx context.Context, req bot.Request) bot.Reply {
	r := h.next.Handle(ctx, req)
	if tag := tagPattern.FindString(req.Text); tag != "" {
		r.Answer = tag + " " + r.Answer
	}
	return r
}

// questionText is question n of chat c, tagged.
func questionText(c, n int) string {
	return fmt.Sprintf("%s [%d-%d]", questions[(c+n)%len(questions)], c, n)
}

// checkOrder checks that each chat got exactly its perChat answers, in the
// order asked; replies maps a chat to the texts it received, in order.
func checkOrder(t *testing.T, replies map[string][]string, chatOf func(c int) string) {
	t.Helper()
	if len(replies) != chats {
		t.Errorf("answers went to %d chats, want %d", len(replies), chats)
	}
	bad := 0
	for c := range chats {
		got := replies[chatOf(c)]
		var seq []int
		for _, text := range got {
			m := tagPattern.FindStringSubmatch(text)
			if m == nil || m[1] != strconv.Itoa(c) {
				t.Errorf("chat %d got a reply without its tag: %.60q", c, text)
				continue
			}
			n, _ := strconv.Atoi(m[2])
			seq = append(seq, n)
		}
		want := []int{0, 1, 2, 3, 4}
		if fmt.Sprint(seq) != fmt.Sprint(want) {
			if bad++; bad <= 5 {
				t.Errorf("chat %d got answers %v, want %v (each once, in order)", c, seq, want)
			}
		}
	}
	if bad > 5 {
		t.Errorf("… and %d more chats out of order or incomplete", bad-5)
	}
}

func TestInFlightQuestionsAnsweredInOrderTelegramPolling(t *testing.T) {
	if testing.Short() {
		t.Skip("load test (skipped under -short)")
	}
	f := telegramfake.New(t)
	for n := range perChat {
		for c := range chats {
			f.Push(telegramfake.TextUpdate(int64(7_000_000+c), "private",
				telegramfake.User{ID: int64(7_000_000 + c), Name: "Kari", Lang: "nb"}, questionText(c, n)))
		}
	}
	tg, err := telegram.New(telegram.Config{Token: telegramfake.Token, APIURL: f.URL(), PollTimeout: 2 * time.Second},
		tagged{realBot(t)}, telegram.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	began := time.Now()
	go func() { done <- tg.Run(ctx) }()
	ok := f.WaitSent(inFlight, answerWithin)
	took := time.Since(began)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("%d of %d questions answered within %v", len(f.Sent()), inFlight, answerWithin)
	}
	replies := map[string][]string{}
	for _, m := range f.Sent() {
		k := strconv.FormatInt(m.ChatID, 10)
		replies[k] = append(replies[k], m.Text)
	}
	checkOrder(t, replies, func(c int) string { return strconv.Itoa(7_000_000 + c) })
	t.Logf("Telegram polling: %d questions in %d chats answered in %v (%.0f answers/s); %d getUpdates calls",
		inFlight, chats, took.Round(time.Millisecond), float64(inFlight)/took.Seconds(), f.Count("getUpdates"))
}

// dmPayload is an Events API message.im event from user, as Socket Mode carries it.
func dmPayload(id int, user, text string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": fmt.Sprintf("EvL%07d", id),
		"event": map[string]any{"type": "message", "channel_type": "im", "user": user, "channel": "D" + user,
			"text": text, "ts": fmt.Sprintf("1772442400.%06d", id)},
	})
	return b
}

func TestInFlightQuestionsAnsweredInOrderSlackSocketMode(t *testing.T) {
	if testing.Short() {
		t.Skip("load test (skipped under -short)")
	}
	f := newSlackFake(t)
	a, err := slack.New(slack.Config{BotToken: slackBotToken, AppToken: slackAppToken, APIURL: f.APIURL(), Mode: slack.SocketMode},
		tagged{realBot(t)}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-f.Connected():
	case <-time.After(10 * time.Second):
		t.Fatal("no Socket Mode connection")
	}
	began := time.Now()
	id := 0
	for n := range perChat {
		for c := range chats {
			id++
			f.Send("events_api", fmt.Sprintf("env-%d", id), 0, dmPayload(id, fmt.Sprintf("UL%d", c), questionText(c, n)))
		}
	}
	ok := f.WaitPosts(inFlight, answerWithin)
	took := time.Since(began)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Errorf("%d of %d questions answered within %v", f.Count(), inFlight, answerWithin)
	}
	checkOrder(t, byChannel(f), func(c int) string { return fmt.Sprintf("DUL%d", c) })
	t.Logf("Slack Socket Mode: %d questions in %d chats answered in %v (%.0f answers/s); %d acknowledgements, %d envelopes sent again by Slack",
		f.Count(), chats, took.Round(time.Millisecond), float64(f.Count())/took.Seconds(), f.Acks(), f.Retries())
}
