package slack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Secrets of the test workspace: tests check that none of them reaches a log or an error.
const (
	testBotToken = "xoxb-1111-2222-SECRETBOTTOKEN"
	testAppToken = "xapp-1-A1-3333-SECRETAPPTOKEN"
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5" // signing secret
	testTicket   = "SECRETTICKET-4f1c"                // in the Socket Mode URL
	testHookPath = "/hooks/T1/B1/SECRETHOOKPATH"      // a response_url path
)

// post is one message the fake Slack received.
type post struct {
	Via          string // "chat.postMessage" or "response_url"
	Channel      string
	ThreadTS     string
	Text         string
	ResponseType string
	Blocks       []map[string]any
	Raw          string // every string in the blocks, one a line, unescaped
}

// strings returns every string in the message: the text and all block fields.
func (p post) strings() []string {
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

// blockTexts returns the mrkdwn text of the section blocks, joined.
func (p post) sectionText() string {
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

// block returns the first block of the type, or nil.
func (p post) block(typ string) map[string]any {
	for _, b := range p.Blocks {
		if b["type"] == typ {
			return b
		}
	}
	return nil
}

// failure makes the fake answer chat.postMessage to a channel with an error.
type failure struct {
	status     int    // HTTP status; 0 means 200
	retryAfter string // Retry-After header
	code       string // Slack error code, with ok:false
	once       bool   // fail the next post only
}

// fakeSlack is a loopback Slack: the Web API methods the adapter calls, a
// Socket Mode WebSocket, and response_url endpoints. It speaks the real JSON.
type fakeSlack struct {
	t   *testing.T
	srv *httptest.Server

	posts  chan post
	opened chan string // users of conversations.open
	acks   chan string // Socket Mode envelope ids acknowledged
	conns  chan struct{}
	frames chan any // sent over the WebSocket

	mu       sync.Mutex
	failures map[string]failure // by channel id
	done     chan struct{}
}

func newFakeSlack(t *testing.T) *fakeSlack {
	t.Helper()
	f := &fakeSlack{
		t: t, posts: make(chan post, 100), opened: make(chan string, 10), acks: make(chan string, 100),
		conns: make(chan struct{}, 10), frames: make(chan any, 100), failures: map[string]failure{}, done: make(chan struct{}),
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

func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api/" }

// hookURL is a response_url on the fake.
func (f *fakeSlack) hookURL() string { return f.srv.URL + testHookPath }

func (f *fakeSlack) fail(channel string, fl failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[channel] = fl
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// botAuthed checks the bot token, sent as a form field by form-encoded methods.
func (f *fakeSlack) botAuthed(w http.ResponseWriter, r *http.Request) bool {
	if r.PostFormValue("token") != testBotToken && r.Header.Get("Authorization") != "Bearer "+testBotToken {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return false
	}
	return true
}

func (f *fakeSlack) authTest(w http.ResponseWriter, r *http.Request) {
	if !f.botAuthed(w, r) {
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "https://kommune.slack.com/", "team": "Kommune", "user": "fundbot", "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"})
}

func (f *fakeSlack) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+testAppToken {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	url := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws?ticket=" + testTicket + "&app_id=A1"
	writeJSON(w, map[string]any{"ok": true, "url": url})
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	if !f.botAuthed(w, r) {
		return
	}
	p := post{Via: "chat.postMessage", Channel: r.PostFormValue("channel"), ThreadTS: r.PostFormValue("thread_ts"),
		Text: r.PostFormValue("text")}
	if err := json.Unmarshal([]byte(r.PostFormValue("blocks")), &p.Blocks); err != nil {
		f.t.Errorf("chat.postMessage: blocks are not JSON: %v", err)
	}
	p.Raw = strings.Join(p.strings(), "\n")
	f.mu.Lock()
	fl, failing := f.failures[p.Channel]
	if fl.once {
		delete(f.failures, p.Channel)
	}
	f.mu.Unlock()
	if failing {
		if fl.retryAfter != "" {
			w.Header().Set("Retry-After", fl.retryAfter)
		}
		if fl.status != 0 {
			w.WriteHeader(fl.status)
			return
		}
		writeJSON(w, map[string]any{"ok": false, "error": fl.code})
		return
	}
	f.posts <- p
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": "1772443000.000100"})
}

func (f *fakeSlack) conversationsOpen(w http.ResponseWriter, r *http.Request) {
	if !f.botAuthed(w, r) {
		return
	}
	user := r.PostFormValue("users")
	f.opened <- user
	if user == "UGONE" {
		writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + user}})
}

func (f *fakeSlack) responseURL(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Text         string           `json:"text"`
		ResponseType string           `json:"response_type"`
		Blocks       []map[string]any `json:"blocks"`
	}
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		f.t.Errorf("response_url: body is not JSON: %v", err)
	}
	if r.URL.Path != testHookPath {
		http.Error(w, "no such hook", http.StatusNotFound)
		return
	}
	p := post{Via: "response_url", Text: m.Text, ResponseType: m.ResponseType, Blocks: m.Blocks}
	p.Raw = strings.Join(p.strings(), "\n")
	f.posts <- p
	w.WriteHeader(http.StatusOK)
}

// websocket is Slack's Socket Mode endpoint: hello, then the frames queued
// with send; acknowledgements go to acks.
func (f *fakeSlack) websocket(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("ticket") != testTicket {
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
	f.conns <- struct{}{}
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
			f.acks <- ack.EnvelopeID
		}
	}()
	for {
		select {
		case <-f.done:
			return
		case <-readDone:
			return
		case fr := <-f.frames:
			if err := conn.WriteJSON(fr); err != nil {
				return
			}
		}
	}
}

// send queues a Socket Mode envelope.
func (f *fakeSlack) send(envelopeType, envelopeID string, retry int, payload any) {
	f.frames <- map[string]any{"envelope_id": envelopeID, "type": envelopeType, "payload": payload,
		"accepts_response_payload": envelopeType != "events_api", "retry_attempt": retry, "retry_reason": ""}
}

// nextPost waits for the next message posted to the fake.
func (f *fakeSlack) nextPost(t *testing.T) post {
	t.Helper()
	select {
	case p := <-f.posts:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no message posted within 10 s")
		return post{}
	}
}

// nextAck waits for the next Socket Mode acknowledgement.
func (f *fakeSlack) nextAck(t *testing.T) string {
	t.Helper()
	select {
	case id := <-f.acks:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no acknowledgement within 10 s")
		return ""
	}
}

// noMorePosts checks that nothing else was posted; call it after the
// adapter has stopped, when every reply in progress has been delivered.
func (f *fakeSlack) noMorePosts(t *testing.T) {
	t.Helper()
	select {
	case p := <-f.posts:
		t.Errorf("unexpected extra message to %q via %s: %.200s", p.Channel, p.Via, p.sectionText())
	default:
	}
}
