package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// wait is how long a test waits for something that should happen at once.
const wait = 10 * time.Second

// The fake Bot API's token and bot.
const (
	testToken = telegramfake.Token
	botID     = telegramfake.BotID
	botName   = telegramfake.BotName
)

// logBuffer collects log lines from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testLogger logs everything, and fails the test at the end if any line holds the token.
func testLogger(t *testing.T) (*slog.Logger, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	t.Cleanup(func() {
		assertNoToken(t, "logs", buf.String())
		if t.Failed() {
			t.Logf("logs:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func assertNoToken(t *testing.T, what, s string) {
	t.Helper()
	secret := strings.SplitN(testToken, ":", 2)[1]
	for _, form := range []string{testToken, url.PathEscape(testToken), secret} {
		if strings.Contains(s, form) {
			t.Errorf("%s contain the token:\n%s", what, s)
			return
		}
	}
}

// harness is an adapter running against a fake Telegram.
type harness struct {
	f      *telegramfake.Server
	b      *Bot
	logs   *logBuffer
	sleeps chan time.Duration // every wait the adapter asked for; it does not wait
	done   chan error
	cancel context.CancelFunc
}

type setup struct {
	cfg  func(*Config)
	opts []Option
}

// start runs an adapter over h against f until the test ends (or stop).
func start(t *testing.T, f *telegramfake.Server, h Handler, s setup) *harness {
	t.Helper()
	log, buf := testLogger(t)
	cfg := Config{Token: testToken, APIURL: f.URL(), PollTimeout: 2 * time.Second, RequestTimeout: 3 * time.Second}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	b, err := New(cfg, h, append([]Option{WithLogger(log)}, s.opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{f: f, b: b, logs: buf, sleeps: make(chan time.Duration, 100), done: make(chan error, 1)}
	b.sleep = func(ctx context.Context, d time.Duration) error {
		select {
		case hs.sleeps <- d:
		default:
		}
		return ctx.Err()
	}
	b.idlePoll = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	hs.cancel = cancel
	go func() { hs.done <- b.Run(ctx) }()
	t.Cleanup(func() { hs.stop(t) })
	return hs
}

// stop ends Run and waits for it.
func (h *harness) stop(t *testing.T) error {
	t.Helper()
	h.cancel()
	select {
	case err, ok := <-h.done:
		if ok {
			close(h.done)
		}
		return err
	case <-time.After(wait):
		t.Fatal("Run did not return after its context ended")
		return nil
	}
}

// next returns the next message the bot sent.
func next(t *testing.T, f *telegramfake.Server) telegramfake.Message {
	t.Helper()
	m, ok := f.Next(wait)
	if !ok {
		t.Fatal("the bot sent no message")
	}
	return m
}

// nextTo returns the next message to chat, collecting others in a map.
func nextTo(t *testing.T, f *telegramfake.Server, chat int64, others map[int64][]telegramfake.Message) telegramfake.Message {
	t.Helper()
	if q := others[chat]; len(q) > 0 {
		others[chat] = q[1:]
		return q[0]
	}
	for {
		m := next(t, f)
		if m.ChatID == chat {
			return m
		}
		others[m.ChatID] = append(others[m.ChatID], m)
	}
}

// noMore fails the test if the bot sent a message not yet read with next.
func noMore(t *testing.T, f *telegramfake.Server, why string) {
	t.Helper()
	if m, ok := f.TryNext(); ok {
		t.Errorf("%s: %q to %d", why, m.Text, m.ChatID)
	}
}

func awaitAnswered(t *testing.T, f *telegramfake.Server, id string) {
	t.Helper()
	select {
	case got := <-f.Answered():
		if got != id {
			t.Fatalf("answered callback query %q, want %q", got, id)
		}
	case <-time.After(wait):
		t.Fatalf("callback query %q was not answered", id)
	}
}

// awaitPoll waits for a getUpdates with at least offset.
func awaitPoll(t *testing.T, f *telegramfake.Server, offset int) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case got := <-f.Polled():
			if got >= offset {
				return
			}
		case <-timeout:
			t.Fatalf("no getUpdates with offset %d", offset)
		}
	}
}

var (
	kbOnce   sync.Once
	kbShared *knowledge.KB
	mShared  *match.Matcher
)

// embedded is the real knowledge base and its matcher, loaded once.
func embedded(t *testing.T) (*knowledge.KB, *match.Matcher) {
	t.Helper()
	kbOnce.Do(func() {
		kb, err := knowledge.Load(knowledge.Embedded())
		if err != nil {
			t.Fatalf("load kb: %v", err)
		}
		kbShared, mShared = kb, match.New(kb)
	})
	if kbShared == nil {
		t.Fatal("the knowledge base did not load")
	}
	return kbShared, mShared
}

// realBot is the core as cmd/fundbot builds it.
func realBot(t *testing.T, cmds bot.Commander, clock func() time.Time) *bot.Bot {
	t.Helper()
	_, m := embedded(t)
	return bot.New(m, bot.Options{Clock: clock, Commands: cmds})
}

// HandlerFunc adapts a function to Handler.
type handlerFunc func(ctx context.Context, req bot.Request) bot.Reply

func (f handlerFunc) Handle(ctx context.Context, req bot.Request) bot.Reply { return f(ctx, req) }

var (
	kari  = telegramfake.User{ID: 501, Name: "Kari", Lang: "nb"}
	olav  = telegramfake.User{ID: 502, Name: "Olav", Lang: "nn"}
	emma  = telegramfake.User{ID: 503, Name: "Emma", Lang: "en"}
	nils  = telegramfake.User{ID: 504, Name: "Nils", Lang: "nb"}
	oslo  = knowledge.Oslo()
	sept1 = time.Date(2022, 9, 1, 10, 0, 0, 0, oslo)
)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }
