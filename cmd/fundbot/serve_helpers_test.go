package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
)

// patience is how long a test waits for something that should happen soon.
const patience = 10 * time.Second

// syncBuffer collects output written from several goroutines.
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

// records are the JSON log lines written so far; a line that is not JSON fails the test.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(s.String()) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %v\n%s", err, line)
		}
		out = append(out, rec)
	}
	return out
}

// freeAddr is a loopback address nobody listens on, for FUNDBOT_HTTP_ADDR.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// sept1 is a morning when the 2022 call is open: its deadline is 21 September 2022.
var sept1 = time.Date(2022, 9, 1, 10, 0, 0, 0, knowledge.Oslo())

func fixedClock(at time.Time) func() time.Time { return func() time.Time { return at } }

// serveEnv is the environment of a serve on Telegram (the fake), on
// loopback, with the embedded store in a fresh folder.
func serveEnv(t *testing.T, f *telegramfake.Server) map[string]string {
	t.Helper()
	return map[string]string{
		"TELEGRAM_BOT_TOKEN":       telegramfake.Token,
		"TELEGRAM_API_URL":         f.URL(),
		"FUNDBOT_HTTP_ADDR":        freeAddr(t),
		"FUNDBOT_DATA_DIR":         t.TempDir(),
		"FUNDBOT_SHUTDOWN_TIMEOUT": "3s",
	}
}

// instance is one `fundbot serve` running in the test process.
type instance struct {
	base   string // http://host:port
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan int // the exit code, once
	code   int
	exited bool
}

// startServe runs `fundbot serve` with env until the test ends (or stop), and
// waits until /readyz answers 200.
func startServe(t *testing.T, env map[string]string, clock func() time.Time) *instance {
	t.Helper()
	in := &instance{base: "http://" + env["FUNDBOT_HTTP_ADDR"], logs: &syncBuffer{}, done: make(chan int, 1)}
	app := &App{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: in.logs,
		Getenv: func(k string) string { return env[k] },
		Clock:  clock,
	}
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go func() { in.done <- app.Run(ctx, []string{"serve"}) }()
	t.Cleanup(func() {
		in.stop(t)
		if t.Failed() {
			t.Logf("serve logs:\n%s", in.logs.String())
		}
	})
	in.waitStatus(t, "/readyz", http.StatusOK)
	return in
}

// stop cancels serve's context, as SIGTERM does through signal.NotifyContext
// in main, and returns its exit code and how long it took to return.
func (in *instance) stop(t *testing.T) (code int, took time.Duration) {
	t.Helper()
	if in.exited {
		return in.code, 0
	}
	began := time.Now()
	in.cancel()
	select {
	case in.code = <-in.done:
		in.exited = true
		return in.code, time.Since(began)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return 30 s after its context ended")
		return 0, 0
	}
}

// get fetches path and returns the status and body; status 0 means no answer.
func (in *instance) get(t *testing.T, path string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitStatus polls path until it answers want, and returns the body. It
// fails the test when serve exits first or nothing changes within patience.
func (in *instance) waitStatus(t *testing.T, path string, want int) string {
	t.Helper()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(patience)
	var code int
	var body string
	for {
		if code, body = in.get(t, path); code == want {
			return body
		}
		select {
		case c := <-in.done:
			in.code, in.exited = c, true
			t.Fatalf("serve exited with %d while waiting for %s to answer %d:\n%s", c, path, want, in.logs.String())
		case <-timeout:
			t.Fatalf("%s answered %d (%s) for %s, want %d", path, code, strings.TrimSpace(body), patience, want)
		case <-tick.C:
		}
	}
}

// waitLog waits until a log record satisfies match, and returns it.
func (in *instance) waitLog(t *testing.T, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	var found map[string]any
	in.eventually(t, "log line "+what, func() bool {
		for _, rec := range in.logs.records(t) {
			if match(rec) {
				found = rec
				return true
			}
		}
		return false
	})
	return found
}

// eventually waits until cond holds, checking every 20 ms for up to patience.
func (in *instance) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(patience)
	for !cond() {
		select {
		case c := <-in.done:
			in.code, in.exited = c, true
			t.Fatalf("serve exited with %d while waiting for %s", c, what)
		case <-timeout:
			t.Fatalf("no %s within %s", what, patience)
		case <-tick.C:
		}
	}
}

// msgIs matches log records by message.
func msgIs(msg string) func(map[string]any) bool {
	return func(rec map[string]any) bool { return rec["msg"] == msg }
}

// count is how many log records match.
func (in *instance) count(t *testing.T, match func(map[string]any) bool) int {
	t.Helper()
	n := 0
	for _, rec := range in.logs.records(t) {
		if match(rec) {
			n++
		}
	}
	return n
}

var kari = telegramfake.User{ID: 501, Name: "Kari", Lang: "nb"}

// ask sends text from chat through the fake Telegram and returns the bot's answer.
func ask(t *testing.T, f *telegramfake.Server, chat int64, text string) telegramfake.Message {
	t.Helper()
	f.Push(telegramfake.TextUpdate(chat, "private", kari, text))
	deadline := time.Now().Add(patience)
	for {
		m, ok := f.Next(time.Until(deadline))
		if !ok {
			t.Fatalf("no answer to %q in chat %d", text, chat)
		}
		if m.ChatID == chat {
			return m
		}
	}
}
