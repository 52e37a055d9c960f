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
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// wait is how long a test waits for something that should happen at once.
const wait = 10 * time.Second

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
	f      *fakeTelegram
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
func start(t *testing.T, f *fakeTelegram, h Handler, s setup) *harness {
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
func (f *fakeTelegram) next(t *testing.T) sentMessage {
	t.Helper()
	select {
	case m := <-f.sent:
		return m
	case <-time.After(wait):
		t.Fatal("the bot sent no message")
		return sentMessage{}
	}
}

// nextTo returns the next message to chat, collecting others in a map.
func (f *fakeTelegram) nextTo(t *testing.T, chat int64, others map[int64][]sentMessage) sentMessage {
	t.Helper()
	if q := others[chat]; len(q) > 0 {
		others[chat] = q[1:]
		return q[0]
	}
	for {
		m := f.next(t)
		if m.ChatID == chat {
			return m
		}
		others[m.ChatID] = append(others[m.ChatID], m)
	}
}

func (f *fakeTelegram) awaitAnswered(t *testing.T, id string) {
	t.Helper()
	select {
	case got := <-f.answered:
		if got != id {
			t.Fatalf("answered callback query %q, want %q", got, id)
		}
	case <-time.After(wait):
		t.Fatalf("callback query %q was not answered", id)
	}
}

// awaitPoll waits for a getUpdates with at least offset.
func (f *fakeTelegram) awaitPoll(t *testing.T, offset int) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case got := <-f.polled:
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
	kari  = user{ID: 501, Name: "Kari", Lang: "nb"}
	olav  = user{ID: 502, Name: "Olav", Lang: "nn"}
	emma  = user{ID: 503, Name: "Emma", Lang: "en"}
	nils  = user{ID: 504, Name: "Nils", Lang: "nb"}
	oslo  = knowledge.Oslo()
	sept1 = time.Date(2022, 9, 1, 10, 0, 0, 0, oslo)
)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }
