// Package telegramfake is a Telegram Bot API server for tests, on loopback,
// routed on /bot<token>/<method> and speaking the real JSON of getMe,
// getUpdates, sendMessage, answerCallbackQuery, setMyCommands, setWebhook and
// deleteWebhook. It keeps every update it was given, so that a poller that
// forgets its offset is answered the same updates again, and it checks every
// HTML message the way Telegram does (tags, entities, 4096 characters).
//
// Calls can be scripted (a 429 with retry_after, a 403, a dropped connection,
// no answer at all) and slowed, so that tests can watch the code under test
// handle what Telegram really does.
package telegramfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/fundbot/fundbot/internal/fakelog"
)

// The bot the fake serves. Only Token is accepted; any other gets 401.
const (
	Token   = "123456789:AAFakeTokenForTests_only-abcdefghij"
	BotID   = 777000111
	BotName = "fundbot_test_bot"
)

// Answer is a scripted reply to one call, given instead of normal service.
type Answer struct {
	Status int
	Body   string
	Hijack bool // drop the connection without answering
	Hang   bool // never answer, until the client gives up
}

// APIError is Telegram's error JSON, with parameters.retry_after when retryAfter > 0.
func APIError(code int, description string, retryAfter int) Answer {
	body := map[string]any{"ok": false, "error_code": code, "description": description}
	if retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	b, _ := json.Marshal(body)
	return Answer{Status: code, Body: string(b)}
}

// Message is one sendMessage that Telegram accepted.
type Message struct {
	ChatID    int64
	Text      string
	ParseMode string
	ReplyTo   int
	Keyboard  [][]tgbotapi.InlineKeyboardButton
}

// Buttons lists "text → data" of every button, row by row.
func (m Message) Buttons() []string {
	var out []string
	for _, row := range m.Keyboard {
		for _, b := range row {
			data := ""
			if b.CallbackData != nil {
				data = *b.CallbackData
			}
			out = append(out, b.Text+" → "+data)
		}
	}
	return out
}

// Data returns the callback data of the first button whose data starts with prefix.
func (m Message) Data(prefix string) (string, bool) {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.CallbackData != nil && strings.HasPrefix(*b.CallbackData, prefix) {
				return *b.CallbackData, true
			}
		}
	}
	return "", false
}

// Server is the fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	srv    *httptest.Server
	closed chan struct{}
	once   sync.Once

	mu        sync.Mutex
	updates   []json.RawMessage
	ids       []int
	nextID    int
	nextMsgID int
	wake      chan struct{} // closed when an update arrives
	scripts   map[string][]Answer
	delays    map[string]time.Duration
	calls     map[string]int
	offsets   []int // the offset of every getUpdates
	commands  map[string]string
	webhook   map[string]string
	sent      fakelog.Log[Message]

	answered chan string   // callback query ids answered
	polled   chan int      // each getUpdates' offset
	hooked   chan struct{} // a setWebhook succeeded
}

// New starts a fake; it is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		closed: make(chan struct{}), nextID: 1000, nextMsgID: 1, wake: make(chan struct{}),
		scripts: map[string][]Answer{}, delays: map[string]time.Duration{}, calls: map[string]int{},
		commands: map[string]string{}, webhook: map[string]string{},
		answered: make(chan string, 100), polled: make(chan int, 10000), hooked: make(chan struct{}, 10),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Close stops the server; calls waiting (long polls, hangs, slow sends) end at once.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
	s.srv.Close()
}

// URL is the API base URL, for TELEGRAM_API_URL.
func (s *Server) URL() string { return s.srv.URL }

// Script queues answers for the next calls of method, before normal service.
func (s *Server) Script(method string, answers ...Answer) {
	s.mu.Lock()
	s.scripts[method] = append(s.scripts[method], answers...)
	s.mu.Unlock()
}

// Slow makes every later call of method wait d before it is served. A call
// whose client gives up while it waits is not served: a message is not sent.
func (s *Server) Slow(method string, d time.Duration) {
	s.mu.Lock()
	s.delays[method] = d
	s.mu.Unlock()
}

// Count is how many times method was called, scripted answers included.
func (s *Server) Count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Offsets is the offset of every getUpdates so far.
func (s *Server) Offsets() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.offsets)
}

// Commands is the command menu set per language_code ("" for the default), as JSON.
func (s *Server) Commands() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.commands)
}

// Webhook is the last setWebhook's "url" and "secret_token".
func (s *Server) Webhook() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.webhook)
}

// Sent is every message sent so far, in order.
func (s *Server) Sent() []Message { return s.sent.All() }

// Next returns the first sent message that Next has not returned yet,
// waiting up to timeout for one; ok is false if none came.
func (s *Server) Next(timeout time.Duration) (Message, bool) { return s.sent.Next(timeout) }

// TryNext is Next without waiting.
func (s *Server) TryNext() (Message, bool) { return s.sent.TryNext() }

// WaitSent waits up to timeout until at least n messages were sent.
func (s *Server) WaitSent(n int, timeout time.Duration) bool { return s.sent.Wait(n, timeout) }

// Answered receives the id of each callback query answered.
func (s *Server) Answered() <-chan string { return s.answered }

// Polled receives the offset of each getUpdates (dropped when nobody reads).
func (s *Server) Polled() <-chan int { return s.polled }

// Hooked receives a value for each successful setWebhook.
func (s *Server) Hooked() <-chan struct{} { return s.hooked }

// Push adds an update (its update_id is set here) and returns its id.
func (s *Server) Push(update map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	update["update_id"] = s.nextID
	b, err := json.Marshal(update)
	if err != nil {
		panic(fmt.Sprintf("telegramfake: update is not JSON: %v", err))
	}
	s.addLocked(b, s.nextID)
	return s.nextID
}

// PushRaw adds an update exactly as given (for malformed ones), served as having id.
func (s *Server) PushRaw(raw string, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocked(json.RawMessage(raw), id)
}

func (s *Server) addLocked(raw json.RawMessage, id int) {
	s.updates = append(s.updates, raw)
	s.ids = append(s.ids, id)
	close(s.wake)
	s.wake = make(chan struct{})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, found := strings.Cut(path, "/")
	if !ok || !found || token != Token {
		writeJSON(w, http.StatusUnauthorized, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeJSON(w, http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"Bad Request: the library always posts forms"}`)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"Bad Request: bad form"}`)
		return
	}
	s.mu.Lock()
	s.calls[method]++
	var a *Answer
	if q := s.scripts[method]; len(q) > 0 {
		a, s.scripts[method] = &q[0], q[1:]
	}
	delay := s.delays[method]
	s.mu.Unlock()
	if a != nil {
		switch {
		case a.Hijack:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case a.Hang:
			select {
			case <-r.Context().Done():
			case <-s.closed:
			}
		default:
			writeJSON(w, a.Status, a.Body)
		}
		return
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
	switch method {
	case "getMe":
		writeJSON(w, 200, fmt.Sprintf(`{"ok":true,"result":{"id":%d,"is_bot":true,"first_name":"Fundbot","username":%q,"can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false}}`, BotID, BotName))
	case "getUpdates":
		s.getUpdates(w, r)
	case "sendMessage":
		s.sendMessage(w, r)
	case "answerCallbackQuery":
		select {
		case s.answered <- r.Form.Get("callback_query_id"):
		default:
		}
		writeJSON(w, 200, `{"ok":true,"result":true}`)
	case "setMyCommands":
		var cmds []tgbotapi.BotCommand
		if err := json.Unmarshal([]byte(r.Form.Get("commands")), &cmds); err != nil || len(cmds) == 0 {
			writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: commands must be non-empty"}`)
			return
		}
		s.mu.Lock()
		s.commands[r.Form.Get("language_code")] = r.Form.Get("commands")
		s.mu.Unlock()
		writeJSON(w, 200, `{"ok":true,"result":true}`)
	case "setWebhook":
		s.mu.Lock()
		s.webhook["url"], s.webhook["secret_token"] = r.Form.Get("url"), r.Form.Get("secret_token")
		s.mu.Unlock()
		writeJSON(w, 200, `{"ok":true,"result":true,"description":"Webhook was set"}`)
		select {
		case s.hooked <- struct{}{}:
		default:
		}
	case "deleteWebhook":
		writeJSON(w, 200, `{"ok":true,"result":true,"description":"Webhook is already deleted"}`)
	default:
		writeJSON(w, 404, `{"ok":false,"error_code":404,"description":"Not Found"}`)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// getUpdates answers the updates from offset on, waiting up to timeout seconds for one.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.Form.Get("offset"))
	timeout, _ := strconv.Atoi(r.Form.Get("timeout"))
	if r.Form.Get("allowed_updates") == "" {
		writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: the fake expects allowed_updates"}`)
		return
	}
	s.mu.Lock()
	s.offsets = append(s.offsets, offset)
	s.mu.Unlock()
	select {
	case s.polled <- offset:
	default:
	}
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		var out []json.RawMessage
		for i, id := range s.ids {
			if id >= offset && len(out) < 100 {
				out = append(out, s.updates[i])
			}
		}
		wake := s.wake
		s.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			b, _ := json.Marshal(map[string]any{"ok": true, "result": out})
			writeJSON(w, 200, string(b))
			return
		}
		select {
		case <-wake:
		case <-deadline.C:
			timeout = 0
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) {
	chat, err := strconv.ParseInt(r.Form.Get("chat_id"), 10, 64)
	text := r.Form.Get("text")
	if err != nil {
		writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`)
		return
	}
	if r.Form.Get("parse_mode") == "HTML" {
		if n, err := HTMLLen(text); err != nil {
			writeJSON(w, 400, fmt.Sprintf(`{"ok":false,"error_code":400,"description":%q}`, "Bad Request: can't parse entities: "+err.Error()))
			return
		} else if n > 4096 || n == 0 {
			writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: message is too long"}`)
			return
		}
	}
	msg := Message{ChatID: chat, Text: text, ParseMode: r.Form.Get("parse_mode")}
	msg.ReplyTo, _ = strconv.Atoi(r.Form.Get("reply_to_message_id"))
	if rm := r.Form.Get("reply_markup"); rm != "" {
		var kb tgbotapi.InlineKeyboardMarkup
		if err := json.Unmarshal([]byte(rm), &kb); err != nil {
			writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: can't parse reply keyboard markup JSON object"}`)
			return
		}
		for _, row := range kb.InlineKeyboard {
			for _, b := range row {
				if b.CallbackData != nil && (len(*b.CallbackData) == 0 || len(*b.CallbackData) > 64) {
					writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: BUTTON_DATA_INVALID"}`)
					return
				}
			}
		}
		msg.Keyboard = kb.InlineKeyboard
	}
	s.mu.Lock()
	s.nextMsgID++
	id := s.nextMsgID
	s.sent.Add(msg)
	s.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"ok": true, "result": map[string]any{
		"message_id": id, "date": time.Now().Unix(), "text": text,
		"from": map[string]any{"id": BotID, "is_bot": true, "first_name": "Fundbot", "username": BotName},
		"chat": map[string]any{"id": chat, "type": "private"},
	}})
	writeJSON(w, 200, string(b))
}
