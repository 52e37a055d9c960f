// Package slackfake is a Slack server for tests, on loopback: the Web API
// methods fundbot calls (auth.test, apps.connections.open, chat.postMessage,
// conversations.open), response_url endpoints, and a Socket Mode WebSocket
// that says hello, sends the envelopes queued with Send and records every
// acknowledgement. It speaks the real JSON.
//
// Every message posted is recorded, in order. chat.postMessage can be
// scripted to fail per channel (an HTTP status, a Retry-After, a Slack error
// code), and the Socket Mode endpoint can send again, as Slack does, the
// envelopes left unacknowledged.
package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/fundbot/fundbot/internal/fakelog"
)

// Options are the workspace's credentials and the fake's behaviour.
type Options struct {
	BotToken string // accepted by the Web API methods, as a form field or a Bearer header
	AppToken string // accepted by apps.connections.open
	Ticket   string // put in the Socket Mode URL and required by the WebSocket endpoint
	HookPath string // the only path under /hooks/ that answers as a response_url

	// Redeliver, when positive, makes the Socket Mode endpoint send again, as
	// a retry (retry_attempt 1-3, retry_reason "timeout"), every envelope left
	// unacknowledged that long; after three retries it gives up on it.
	Redeliver time.Duration
}

// UnknownUser is a user that conversations.open answers with user_not_found.
const UnknownUser = "UGONE"

// Post is one message the fake received.
type Post struct {
	Via          string // "chat.postMessage" or "response_url"
	Channel      string
	ThreadTS     string
	Text         string
	ResponseType string
	Blocks       []map[string]any
	Raw          string // every string in the blocks, one a line, unescaped
}

// Strings returns every string in the message: the text and all block fields.
func (p Post) Strings() []string {
	out := []string{p.Text}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, b := range p.Blocks {
		walk(map[string]any(b))
	}
	return out
}

// SectionText returns the mrkdwn text of the section blocks, joined.
func (p Post) SectionText() string {
	var parts []string
	for _, b := range p.Blocks {
		if b["type"] == "section" {
			if t, ok := b["text"].(map[string]any); ok {
				parts = append(parts, fmt.Sprint(t["text"]))
			}
		}
	}
	return strings.Join(parts, "\n")
}

// Block returns the first block of the type, or nil.
func (p Post) Block(typ string) map[string]any {
	for _, b := range p.Blocks {
		if b["type"] == typ {
			return b
		}
	}
	return nil
}

// Failure makes the fake answer chat.postMessage to a channel with an error.
type Failure struct {
	Status     int    // HTTP status; 0 means 200
	RetryAfter string // Retry-After header
	Code       string // Slack error code, with ok:false
	Once       bool   // fail the next post only
}

type envelope struct {
	typ     string
	payload any
	sent    time.Time
	attempt int
}

// Server is the fake Slack. Its methods are safe for concurrent use.
type Server struct {
	t    testing.TB
	opts Options
	srv  *httptest.Server
	done chan struct{}

	frames chan []byte   // Socket Mode envelopes to send
	conns  chan struct{} // a WebSocket was opened (dropped when nobody reads)
	opened chan string   // users of conversations.open (dropped when nobody reads)

	mu       sync.Mutex
	failures map[string]Failure // by channel id
	pending  map[string]*envelope

	posts fakelog.Log[Post]
	acks  fakelog.Log[string] // envelope ids acknowledged

	acked   atomic.Int64
	retries atomic.Int64
}

// New starts a fake; it is closed when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	f := &Server{
		t: t, opts: opts, done: make(chan struct{}),
		frames: make(chan []byte, 8192), conns: make(chan struct{}, 10), opened: make(chan string, 100),
		failures: map[string]Failure{},
		pending:  map[string]*envelope{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/auth.test", f.authTest)
	mux.HandleFunc("POST /api/apps.connections.open", f.connectionsOpen)
	mux.HandleFunc("POST /api/chat.postMessage", f.postMessage)
	mux.HandleFunc("POST /api/conversations.open", f.conversationsOpen)
	mux.HandleFunc("GET /ws", f.websocket)
	mux.HandleFunc("POST /hooks/", f.responseURL)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(f.done)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

// URL is the server's base URL.
func (f *Server) URL() string { return f.srv.URL }

// APIURL is the Web API base URL, for the Slack client's APIURL.
func (f *Server) APIURL() string { return f.srv.URL + "/api/" }

// HookURL is a response_url on the fake.
func (f *Server) HookURL() string { return f.srv.URL + f.opts.HookPath }

// Fail scripts chat.postMessage to channel to fail.
func (f *Server) Fail(channel string, fl Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[channel] = fl
}

// Connected receives a value for each Socket Mode connection opened.
func (f *Server) Connected() <-chan struct{} { return f.conns }

// Opened receives the users of each conversations.open.
func (f *Server) Opened() <-chan string { return f.opened }

// Posts is every message posted so far, in order.
func (f *Server) Posts() []Post { return f.posts.All() }

// Count is the number of messages posted so far.
func (f *Server) Count() int { return f.posts.Len() }

// WaitPosts waits up to timeout for n messages in all; it reports whether they came.
func (f *Server) WaitPosts(n int, timeout time.Duration) bool { return f.posts.Wait(n, timeout) }

// Next returns the first message posted that Next has not returned yet,
// waiting up to timeout for one; ok is false if none came.
func (f *Server) Next(timeout time.Duration) (Post, bool) { return f.posts.Next(timeout) }

// TryNext is Next without waiting.
func (f *Server) TryNext() (Post, bool) { return f.posts.TryNext() }

// NextPost is Next that fails the test when no message comes within 10 s.
func (f *Server) NextPost(t testing.TB) Post {
	t.Helper()
	p, ok := f.Next(10 * time.Second)
	if !ok {
		t.Fatal("no message posted within 10 s")
	}
	return p
}

// NoMorePosts checks that nothing else was posted; call it after the
// client has stopped, when every reply in progress has been delivered.
func (f *Server) NoMorePosts(t testing.TB) {
	t.Helper()
	if p, ok := f.TryNext(); ok {
		t.Errorf("unexpected extra message to %q via %s: %.200s", p.Channel, p.Via, p.SectionText())
	}
}

// Acks is the number of Socket Mode envelopes acknowledged.
func (f *Server) Acks() int64 { return f.acked.Load() }

// Retries is the number of envelopes sent again for want of an acknowledgement.
func (f *Server) Retries() int64 { return f.retries.Load() }

// NextAck returns the id of the first acknowledgement that NextAck has not
// returned yet, waiting up to timeout for one; ok is false if none came.
func (f *Server) NextAck(timeout time.Duration) (string, bool) { return f.acks.Next(timeout) }

// WaitAck is NextAck that fails the test when no acknowledgement comes within 10 s.
func (f *Server) WaitAck(t testing.TB) string {
	t.Helper()
	id, ok := f.NextAck(10 * time.Second)
	if !ok {
		t.Fatal("no acknowledgement within 10 s")
	}
	return id
}

// Send queues a Socket Mode envelope of the type ("events_api",
// "slash_commands", "interactive"); retry is its retry_attempt.
func (f *Server) Send(envelopeType, envelopeID string, retry int, payload any) {
	if f.opts.Redeliver > 0 {
		f.mu.Lock()
		f.pending[envelopeID] = &envelope{typ: envelopeType, payload: payload, sent: time.Now(), attempt: retry}
		f.mu.Unlock()
	}
	f.frames <- frame(envelopeType, envelopeID, payload, retry, "")
}

func frame(envelopeType, envelopeID string, payload any, attempt int, reason string) []byte {
	b, err := json.Marshal(map[string]any{"envelope_id": envelopeID, "type": envelopeType, "payload": payload,
		"accepts_response_payload": envelopeType != "events_api", "retry_attempt": attempt, "retry_reason": reason})
	if err != nil {
		panic(fmt.Sprintf("slackfake: payload is not JSON: %v", err))
	}
	return b
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// botAuthed checks the bot token, sent as a form field by form-encoded methods.
func (f *Server) botAuthed(w http.ResponseWriter, r *http.Request) bool {
	if r.PostFormValue("token") != f.opts.BotToken && r.Header.Get("Authorization") != "Bearer "+f.opts.BotToken {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return false
	}
	return true
}

func (f *Server) authTest(w http.ResponseWriter, r *http.Request) {
	if !f.botAuthed(w, r) {
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "https://kommune.slack.com/", "team": "Kommune", "user": "fundbot", "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"})
}

func (f *Server) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.opts.AppToken {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	url := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws?ticket=" + f.opts.Ticket + "&app_id=A1"
	writeJSON(w, map[string]any{"ok": true, "url": url})
}

func (f *Server) record(p Post) {
	p.Raw = strings.Join(p.Strings(), "\n")
	f.posts.Add(p)
}

func (f *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	if !f.botAuthed(w, r) {
		return
	}
	p := Post{Via: "chat.postMessage", Channel: r.PostFormValue("channel"), ThreadTS: r.PostFormValue("thread_ts"),
		Text: r.PostFormValue("text")}
	if err := json.Unmarshal([]byte(r.PostFormValue("blocks")), &p.Blocks); err != nil {
		f.t.Errorf("chat.postMessage: blocks are not JSON: %v", err)
	}
	f.mu.Lock()
	fl, failing := f.failures[p.Channel]
	if fl.Once {
		delete(f.failures, p.Channel)
	}
	f.mu.Unlock()
	if failing {
		if fl.RetryAfter != "" {
			w.Header().Set("Retry-After", fl.RetryAfter)
		}
		if fl.Status != 0 {
			w.WriteHeader(fl.Status)
			return
		}
		writeJSON(w, map[string]any{"ok": false, "error": fl.Code})
		return
	}
	f.record(p)
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": "1772443000.000100"})
}

func (f *Server) conversationsOpen(w http.ResponseWriter, r *http.Request) {
	if !f.botAuthed(w, r) {
		return
	}
	user := r.PostFormValue("users")
	select {
	case f.opened <- user:
	default:
	}
	if user == UnknownUser {
		writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + user}})
}

func (f *Server) responseURL(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Text         string           `json:"text"`
		ResponseType string           `json:"response_type"`
		Blocks       []map[string]any `json:"blocks"`
	}
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		f.t.Errorf("response_url: body is not JSON: %v", err)
	}
	if f.opts.HookPath == "" || r.URL.Path != f.opts.HookPath {
		http.Error(w, "no such hook", http.StatusNotFound)
		return
	}
	f.record(Post{Via: "response_url", Text: m.Text, ResponseType: m.ResponseType, Blocks: m.Blocks})
	w.WriteHeader(http.StatusOK)
}

// ack records an acknowledgement.
func (f *Server) ack(envelopeID string) {
	f.mu.Lock()
	delete(f.pending, envelopeID)
	f.mu.Unlock()
	f.acks.Add(envelopeID)
	f.acked.Add(1)
}

// redeliver sends again, as a retry, every envelope left unacknowledged
// for Redeliver; after three retries Slack gives up on it.
func (f *Server) redeliver(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, e := range f.pending {
		if now.Sub(e.sent) < f.opts.Redeliver {
			continue
		}
		if e.attempt >= 3 {
			delete(f.pending, id)
			continue
		}
		e.attempt++
		e.sent = now
		f.retries.Add(1)
		retryID := id + "-r" + strconv.Itoa(e.attempt)
		select {
		case f.frames <- frame(e.typ, retryID, e.payload, e.attempt, "timeout"):
			f.pending[retryID] = e
			delete(f.pending, id)
		default:
		}
	}
}

// websocket is Slack's Socket Mode endpoint: hello, then the frames queued
// with Send (and redeliveries), and pings; acknowledgements are recorded.
func (f *Server) websocket(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("ticket") != f.opts.Ticket {
		http.Error(w, "bad ticket", http.StatusUnauthorized)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "https://api.slack.com" }}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A1"}}); err != nil {
		return
	}
	select {
	case f.conns <- struct{}{}:
	default:
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			var ack struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if err := conn.ReadJSON(&ack); err != nil {
				return
			}
			if ack.EnvelopeID != "" {
				f.ack(ack.EnvelopeID)
			}
		}
	}()
	ping := time.NewTicker(5 * time.Second) // Slack pings; slack-go reconnects after 30 s without
	defer ping.Stop()
	var retry <-chan time.Time
	if f.opts.Redeliver > 0 {
		tick := time.NewTicker(f.opts.Redeliver / 4)
		defer tick.Stop()
		retry = tick.C
	}
	for {
		select {
		case now := <-retry:
			f.redeliver(now)
		case <-f.done:
			return
		case <-readDone:
			return
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)); err != nil {
				return
			}
		case fr := <-f.frames:
			if err := conn.WriteMessage(websocket.TextMessage, fr); err != nil {
				return
			}
		}
	}
}
