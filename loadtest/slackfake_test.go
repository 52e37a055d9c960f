package loadtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Credentials of the fake workspace.
const (
	slackBotToken = "xoxb-load-1111-SECRET"
	slackAppToken = "xapp-1-A1-load-SECRET"
	slackSecret   = "load-signing-secret-0123456789abcdef"
)

// slackFake is a loopback Slack: auth.test, chat.postMessage (recorded in
// order per channel), conversations.open, apps.connections.open and a Socket
// Mode WebSocket that sends queued envelopes and counts acknowledgements.
type slackFake struct {
	srv *httptest.Server

	mu    sync.Mutex
	posts map[string][]string // channel → reply texts, in the order received
	total int
	wake  chan struct{} // closed and replaced on every post

	frames chan []byte   // Socket Mode envelopes to send
	acks   atomic.Int64  // envelopes acknowledged
	conns  chan struct{} // a WebSocket was opened
	done   chan struct{}

	// Envelopes sent and not acknowledged: Slack sends them again, up to
	// three times (retry_attempt 1-3), when no acknowledgement comes.
	pending    map[string]*envelope
	retryAfter time.Duration
	retries    atomic.Int64
}

type envelope struct {
	payload json.RawMessage
	sent    time.Time
	attempt int
}

func newSlackFake(t testing.TB) *slackFake {
	t.Helper()
	f := &slackFake{posts: map[string][]string{}, wake: make(chan struct{}),
		frames: make(chan []byte, 8192), conns: make(chan struct{}, 10), done: make(chan struct{}),
		pending: map[string]*envelope{}, retryAfter: time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		if !f.authed(r) {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT", "user": "fundbot"})
	})
	mux.HandleFunc("POST /api/chat.postMessage", f.postMessage)
	mux.HandleFunc("POST /api/conversations.open", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + r.PostFormValue("users")}})
	})
	mux.HandleFunc("POST /api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+slackAppToken {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws"})
	})
	mux.HandleFunc("GET /ws", f.websocket)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(f.done)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

func (f *slackFake) apiURL() string { return f.srv.URL + "/api/" }

func (f *slackFake) authed(r *http.Request) bool {
	return r.PostFormValue("token") == slackBotToken || r.Header.Get("Authorization") == "Bearer "+slackBotToken
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *slackFake) postMessage(w http.ResponseWriter, r *http.Request) {
	if !f.authed(r) {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	channel := r.PostFormValue("channel")
	f.mu.Lock()
	f.posts[channel] = append(f.posts[channel], r.PostFormValue("text"))
	f.total++
	close(f.wake)
	f.wake = make(chan struct{})
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": channel, "ts": "1772443000.000100"})
}

// count is the number of messages posted so far.
func (f *slackFake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// waitPosts waits up to timeout for n messages in all; it reports whether they came.
func (f *slackFake) waitPosts(n int, timeout time.Duration) bool {
	expired := time.After(timeout)
	for {
		f.mu.Lock()
		got, wake := f.total, f.wake
		f.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-wake:
		case <-expired:
			return false
		}
	}
}

// byChannel is a copy of the messages per channel.
func (f *slackFake) byChannel() map[string][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]string, len(f.posts))
	for k, v := range f.posts {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// send queues a Socket Mode events_api envelope carrying an Events API payload.
func (f *slackFake) send(envelopeID string, payload json.RawMessage) {
	f.mu.Lock()
	f.pending[envelopeID] = &envelope{payload: payload, sent: time.Now()}
	f.mu.Unlock()
	f.frames <- frame(envelopeID, payload, 0)
}

func frame(envelopeID string, payload json.RawMessage, attempt int) []byte {
	reason := ""
	if attempt > 0 {
		reason = "timeout"
	}
	b, _ := json.Marshal(map[string]any{"envelope_id": envelopeID, "type": "events_api", "payload": payload,
		"accepts_response_payload": false, "retry_attempt": attempt, "retry_reason": reason})
	return b
}

// acked records an acknowledgement.
func (f *slackFake) acked(envelopeID string) {
	f.mu.Lock()
	delete(f.pending, envelopeID)
	f.mu.Unlock()
	f.acks.Add(1)
}

// resendUnacknowledged sends again, as a retry, every envelope left
// unacknowledged for retryAfter; after three retries Slack gives up on it.
func (f *slackFake) resendUnacknowledged(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, e := range f.pending {
		if now.Sub(e.sent) < f.retryAfter {
			continue
		}
		if e.attempt == 3 {
			delete(f.pending, id)
			continue
		}
		e.attempt++
		e.sent = now
		f.retries.Add(1)
		select {
		case f.frames <- frame(id+"-r"+strconv.Itoa(e.attempt), e.payload, e.attempt):
			f.pending[id+"-r"+strconv.Itoa(e.attempt)] = e
			delete(f.pending, id)
		default:
		}
	}
}

func (f *slackFake) websocket(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
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
			if ack.EnvelopeID != "" {
				f.acked(ack.EnvelopeID)
			}
		}
	}()
	ping := time.NewTicker(5 * time.Second) // Slack pings; slack-go reconnects after 30 s without
	defer ping.Stop()
	retry := time.NewTicker(f.retryAfter / 4)
	defer retry.Stop()
	for {
		select {
		case now := <-retry.C:
			f.resendUnacknowledged(now)
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
