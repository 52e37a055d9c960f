package telegram

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const (
	testToken = "123456789:AAFakeTokenForTests_only-abcdefghij"
	botID     = 777000111
	botName   = "fundbot_test_bot"
)

// fakeTelegram is a Bot API server on loopback, routed on /bot<token>/<method>
// and speaking the real JSON. It keeps every update it was given, so that a
// poller that forgets its offset answers updates again, and it checks that
// every message is valid Telegram HTML within 4096 characters.
type fakeTelegram struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	updates   []json.RawMessage
	ids       []int
	nextID    int
	nextMsgID int
	wake      chan struct{} // closed when an update arrives
	scripts   map[string][]canned
	calls     map[string]int
	offsets   []int // the offset of every getUpdates
	commands  map[string]string
	webhook   map[string]string

	sent     chan sentMessage // every sendMessage that succeeded
	answered chan string      // callback query ids answered
	polled   chan int         // each getUpdates' offset
	hooked   chan struct{}    // a setWebhook succeeded
}

// canned is a scripted answer; hijack drops the connection instead.
type canned struct {
	status int
	body   string
	hijack bool
	hang   bool // never answer (until the client gives up)
}

type sentMessage struct {
	ChatID    int64
	Text      string
	ParseMode string
	ReplyTo   int
	Keyboard  [][]tgbotapi.InlineKeyboardButton
}

// buttons lists "text → data" of every button, row by row.
func (m sentMessage) buttons() []string {
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

func (m sentMessage) data(prefix string) (string, bool) {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.CallbackData != nil && strings.HasPrefix(*b.CallbackData, prefix) {
				return *b.CallbackData, true
			}
		}
	}
	return "", false
}

func newFakeTelegram(t *testing.T) *fakeTelegram {
	t.Helper()
	f := &fakeTelegram{
		t: t, nextID: 1000, nextMsgID: 1, wake: make(chan struct{}),
		scripts: map[string][]canned{}, calls: map[string]int{}, commands: map[string]string{}, webhook: map[string]string{},
		sent: make(chan sentMessage, 1000), answered: make(chan string, 100), polled: make(chan int, 10000),
		hooked: make(chan struct{}, 10),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTelegram) URL() string { return f.srv.URL }

// script queues answers for the next calls of method, before normal service.
func (f *fakeTelegram) script(method string, answers ...canned) {
	f.mu.Lock()
	f.scripts[method] = append(f.scripts[method], answers...)
	f.mu.Unlock()
}

func (f *fakeTelegram) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func apiError(code int, description string, retryAfter int) canned {
	body := map[string]any{"ok": false, "error_code": code, "description": description}
	if retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	b, _ := json.Marshal(body)
	return canned{status: code, body: string(b)}
}

// push adds an update (without update_id) and returns its id.
func (f *fakeTelegram) push(update map[string]any) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	update["update_id"] = f.nextID
	b, err := json.Marshal(update)
	if err != nil {
		f.t.Fatal(err)
	}
	f.updates = append(f.updates, b)
	f.ids = append(f.ids, f.nextID)
	close(f.wake)
	f.wake = make(chan struct{})
	return f.nextID
}

// pushRaw adds an update exactly as given (for malformed ones).
func (f *fakeTelegram) pushRaw(raw string, id int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, json.RawMessage(raw))
	f.ids = append(f.ids, id)
	close(f.wake)
	f.wake = make(chan struct{})
}

func (f *fakeTelegram) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, found := strings.Cut(path, "/")
	if !ok || !found || token != testToken {
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
	f.mu.Lock()
	f.calls[method]++
	var c *canned
	if q := f.scripts[method]; len(q) > 0 {
		c, f.scripts[method] = &q[0], q[1:]
	}
	f.mu.Unlock()
	if c != nil {
		switch {
		case c.hijack:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case c.hang:
			<-r.Context().Done()
		default:
			writeJSON(w, c.status, c.body)
		}
		return
	}
	switch method {
	case "getMe":
		writeJSON(w, 200, fmt.Sprintf(`{"ok":true,"result":{"id":%d,"is_bot":true,"first_name":"Fundbot","username":%q,"can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false}}`, botID, botName))
	case "getUpdates":
		f.getUpdates(w, r)
	case "sendMessage":
		f.sendMessage(w, r)
	case "answerCallbackQuery":
		f.answered <- r.Form.Get("callback_query_id")
		writeJSON(w, 200, `{"ok":true,"result":true}`)
	case "setMyCommands":
		var cmds []tgbotapi.BotCommand
		if err := json.Unmarshal([]byte(r.Form.Get("commands")), &cmds); err != nil || len(cmds) == 0 {
			writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: commands must be non-empty"}`)
			return
		}
		f.mu.Lock()
		f.commands[r.Form.Get("language_code")] = r.Form.Get("commands")
		f.mu.Unlock()
		writeJSON(w, 200, `{"ok":true,"result":true}`)
	case "setWebhook":
		f.mu.Lock()
		f.webhook["url"], f.webhook["secret_token"] = r.Form.Get("url"), r.Form.Get("secret_token")
		f.mu.Unlock()
		writeJSON(w, 200, `{"ok":true,"result":true,"description":"Webhook was set"}`)
		f.hooked <- struct{}{}
	case "deleteWebhook":
		writeJSON(w, 200, `{"ok":true,"result":true,"description":"Webhook is already deleted"}`)
	default:
		writeJSON(w, 404, `{"ok":false,"error_code":404,"description":"Not Found"}`)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// getUpdates answers the updates from offset on, waiting up to timeout seconds for one.
func (f *fakeTelegram) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.Form.Get("offset"))
	timeout, _ := strconv.Atoi(r.Form.Get("timeout"))
	if r.Form.Get("allowed_updates") == "" {
		writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: test expects allowed_updates"}`)
		return
	}
	f.mu.Lock()
	f.offsets = append(f.offsets, offset)
	f.mu.Unlock()
	select {
	case f.polled <- offset:
	default:
	}
	deadline := time.After(time.Duration(timeout) * time.Second)
	for {
		f.mu.Lock()
		var out []json.RawMessage
		for i, id := range f.ids {
			if id >= offset && len(out) < 100 {
				out = append(out, f.updates[i])
			}
		}
		wake := f.wake
		f.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			b, _ := json.Marshal(map[string]any{"ok": true, "result": out})
			writeJSON(w, 200, string(b))
			return
		}
		select {
		case <-wake:
		case <-deadline:
			timeout = 0
		case <-r.Context().Done():
			return
		}
	}
}

func (f *fakeTelegram) sendMessage(w http.ResponseWriter, r *http.Request) {
	chat, err := strconv.ParseInt(r.Form.Get("chat_id"), 10, 64)
	text := r.Form.Get("text")
	if err != nil {
		writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`)
		return
	}
	if r.Form.Get("parse_mode") == "HTML" {
		if n, err := telegramHTMLLen(text); err != nil {
			writeJSON(w, 400, fmt.Sprintf(`{"ok":false,"error_code":400,"description":%q}`, "Bad Request: can't parse entities: "+err.Error()))
			return
		} else if n > 4096 || n == 0 {
			writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: message is too long"}`)
			return
		}
	}
	msg := sentMessage{ChatID: chat, Text: text, ParseMode: r.Form.Get("parse_mode")}
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
	f.mu.Lock()
	f.nextMsgID++
	id := f.nextMsgID
	f.mu.Unlock()
	f.sent <- msg
	b, _ := json.Marshal(map[string]any{"ok": true, "result": map[string]any{
		"message_id": id, "date": time.Now().Unix(), "text": text,
		"from": map[string]any{"id": botID, "is_bot": true, "first_name": "Fundbot", "username": botName},
		"chat": map[string]any{"id": chat, "type": "private"},
	}})
	writeJSON(w, 200, string(b))
}

var (
	tagPattern    = regexp.MustCompile(`^<(/?)(b|i|a)( href="[^"<>]*")?>`)
	entityPattern = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]+);`)
)

// telegramHTMLLen checks text the way Telegram's HTML parse mode does (for
// the tags we use) and returns its length after parsing, in UTF-16 units.
func telegramHTMLLen(text string) (int, error) {
	var open []string
	n := 0
	for i := 0; i < len(text); {
		switch text[i] {
		case '<':
			m := tagPattern.FindStringSubmatch(text[i:])
			if m == nil {
				return 0, fmt.Errorf("unsupported start tag at byte offset %d", i)
			}
			if m[1] == "/" {
				if len(open) == 0 || open[len(open)-1] != m[2] {
					return 0, fmt.Errorf("unmatched end tag at byte offset %d", i)
				}
				open = open[:len(open)-1]
			} else {
				if (m[2] == "a") != (m[3] != "") {
					return 0, fmt.Errorf("bad tag at byte offset %d", i)
				}
				open = append(open, m[2])
			}
			i += len(m[0])
		case '&':
			m := entityPattern.FindString(text[i:])
			if m == "" {
				return 0, fmt.Errorf("unsupported entity at byte offset %d", i)
			}
			n++
			i += len(m)
		case '>':
			return 0, fmt.Errorf("unescaped > at byte offset %d", i)
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			n++
			if r > 0xFFFF {
				n++
			}
			i += size
		}
	}
	if len(open) > 0 {
		return 0, fmt.Errorf("unclosed tag <%s>", open[len(open)-1])
	}
	return n, nil
}

// Updates as Telegram sends them.

var messageSeq atomic.Int64

type user struct {
	ID   int64
	Name string
	Lang string
}

func (u user) json() map[string]any {
	return map[string]any{"id": u.ID, "is_bot": false, "first_name": u.Name, "language_code": u.Lang}
}

func chatJSON(id int64, kind string) map[string]any {
	if kind == "private" {
		return map[string]any{"id": id, "type": "private", "first_name": "Kari"}
	}
	return map[string]any{"id": id, "type": kind, "title": "Innovasjon i kommunen"}
}

// textUpdate is a message; a leading /command gets its bot_command entity.
func textUpdate(chat int64, kind string, from user, text string) map[string]any {
	msg := map[string]any{
		"message_id": int(messageSeq.Add(1)), "date": 1662012000,
		"from": from.json(), "chat": chatJSON(chat, kind), "text": text,
	}
	if strings.HasPrefix(text, "/") {
		end := strings.IndexAny(text, " \n")
		if end < 0 {
			end = len(text)
		}
		msg["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": end}}
	}
	return map[string]any{"message": msg}
}

// replyUpdate is a message answering one of the bot's.
func replyUpdate(chat int64, kind string, from user, text string) map[string]any {
	u := textUpdate(chat, kind, from, text)
	u["message"].(map[string]any)["reply_to_message"] = map[string]any{
		"message_id": 5, "date": 1662011000, "chat": chatJSON(chat, kind), "text": "Hei!",
		"from": map[string]any{"id": botID, "is_bot": true, "first_name": "Fundbot", "username": botName},
	}
	return u
}

// callbackUpdate is a button click under one of the bot's messages.
func callbackUpdate(chat int64, from user, queryID, data string) map[string]any {
	return map[string]any{"callback_query": map[string]any{
		"id": queryID, "from": from.json(), "chat_instance": "-5512345", "data": data,
		"message": map[string]any{
			"message_id": 9, "date": 1662011000, "chat": chatJSON(chat, "private"), "text": "Hei!",
			"from": map[string]any{"id": botID, "is_bot": true, "first_name": "Fundbot", "username": botName},
		},
	}}
}
