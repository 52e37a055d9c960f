package slack

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/slackfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// testNow is Monday 2 March 2026, 10:00 in Oslo: the clock of every test.
var testNow = time.Unix(1772442000, 0)

func clock() time.Time { return testNow }

var embeddedKB = sync.OnceValues(func() (*knowledge.KB, error) { return knowledge.Load(knowledge.Embedded()) })

// newBot is the real bot core over the embedded knowledge base, as cmd/fundbot builds it.
func newBot(t *testing.T, cmds bot.Commander) *bot.Bot {
	t.Helper()
	kb, err := embeddedKB()
	if err != nil {
		t.Fatalf("load embedded kb: %v", err)
	}
	return bot.New(match.New(kb), bot.Options{Clock: clock, Commands: cmds})
}

// exchange is one request the handler got and its reply.
type exchange struct {
	req   bot.Request
	reply bot.Reply
}

// recorder passes requests to a handler and reports each exchange.
type recorder struct {
	h    Handler
	seen chan exchange
}

func newRecorder(h Handler) *recorder { return &recorder{h: h, seen: make(chan exchange, 100)} }

func (r *recorder) Handle(ctx context.Context, req bot.Request) bot.Reply {
	reply := r.h.Handle(ctx, req)
	r.seen <- exchange{req, reply}
	return reply
}

func (r *recorder) next(t *testing.T) exchange {
	t.Helper()
	select {
	case e := <-r.seen:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("the handler got no request within 10 s")
		return exchange{}
	}
}

// handlerFunc adapts a function to Handler.
type handlerFunc func(ctx context.Context, req bot.Request) bot.Reply

func (f handlerFunc) Handle(ctx context.Context, req bot.Request) bot.Reply { return f(ctx, req) }

// subscriptions stands in for the subscription commands: it answers
// "abonner" and reports the chat that subscribed.
type subscriptions struct{ chats chan string }

func newSubscriptions() *subscriptions { return &subscriptions{chats: make(chan string, 10)} }

func (s *subscriptions) Command(_ context.Context, req bot.Request, lang knowledge.Lang) (bot.Reply, bool) {
	f := strings.Fields(strings.ToLower(req.Text))
	if len(f) == 0 || (f[0] != "abonner" && f[0] != "subscribe") {
		return bot.Reply{}, false
	}
	s.chats <- req.Chat
	return bot.Reply{Lang: lang, Matched: true, Intent: "subscribe", Answer: "Abonnert: " + req.Chat}, true
}

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is an adapter running against a fake Slack.
type harness struct {
	fake *slackfake.Server
	a    *Adapter
	logs *syncBuffer
	web  *httptest.Server // the adapter's endpoints, in HTTP mode

	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// start runs an adapter in the mode against a new fake Slack. In Socket
// Mode it returns once the WebSocket is open.
func start(t *testing.T, mode Mode, h Handler) *harness {
	t.Helper()
	hs := &harness{fake: newFakeSlack(t), logs: &syncBuffer{}, done: make(chan error, 1)}
	log := slog.New(slog.NewJSONHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := Config{BotToken: testBotToken, AppToken: testAppToken, SigningSecret: testSecret, APIURL: hs.fake.APIURL(), Mode: mode}
	a, err := New(cfg, h, log, clock)
	if err != nil {
		t.Fatal(err)
	}
	hs.a = a
	ctx, cancel := context.WithCancel(context.Background())
	hs.cancel = cancel
	if mode == HTTPMode {
		if err := a.authenticate(ctx); err != nil { // so mentions of the bot are known before the first request
			t.Fatal(err)
		}
		hs.web = httptest.NewServer(a.Handler())
	}
	go func() { hs.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		if err := hs.stop(t); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if mode == SocketMode {
		select {
		case <-hs.fake.Connected():
		case err := <-hs.done:
			t.Fatalf("Run returned before connecting: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("no Socket Mode connection within 10 s")
		}
	}
	return hs
}

// stop shuts the adapter down as cmd would: the HTTP server first, then
// Run, which returns when every reply in progress has been delivered.
func (hs *harness) stop(t *testing.T) error {
	t.Helper()
	hs.once.Do(func() {
		if hs.web != nil {
			hs.web.Close()
		}
		hs.cancel()
		select {
		case hs.err = <-hs.done:
		case <-time.After(15 * time.Second):
			t.Fatal("Run did not return within 15 s of cancellation")
		}
	})
	return hs.err
}

// fixture reads a file from testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signedRequest builds a request to the adapter's endpoint, signed at the time.
func (hs *harness) signedRequest(t *testing.T, path, contentType string, body []byte, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, hs.web.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sign([]byte(testSecret), ts, body))
	return req
}

// do sends a request and returns the status and body.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

// assertInert fails if any text in the message could notify people: any
// markup but a link (<!channel>, <@U1>, <#C1>), or a bare @channel.
func assertInert(t *testing.T, p slackfake.Post) {
	t.Helper()
	for _, s := range p.Strings() {
		for i := 0; i < len(s); i++ {
			if s[i] == '<' && !strings.HasPrefix(s[i:], "<http") {
				t.Errorf("markup other than a link in %q", s)
				break
			}
		}
		if m := broadcast.FindString(s); m != "" {
			t.Errorf("live %q in %q", m, s)
		}
	}
}
