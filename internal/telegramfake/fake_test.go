package telegramfake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// call posts a form to method as the library does and returns the status and the decoded body.
func call(t *testing.T, ctx context.Context, s *Server, token, method string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/bot"+token+"/"+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatalf("%s: not JSON: %s", method, data)
	}
	return resp.StatusCode, body
}

func TestFakeSpeaksTheBotAPI(t *testing.T) {
	s := New(t)
	ctx := context.Background()
	if code, body := call(t, ctx, s, "1:wrong", "getMe", nil); code != 401 || body["ok"] != false {
		t.Errorf("another token: %d %v", code, body)
	}
	if code, body := call(t, ctx, s, Token, "getMe", nil); code != 200 || body["result"].(map[string]any)["username"] != BotName {
		t.Errorf("getMe: %d %v", code, body)
	}

	s.Script("sendMessage", APIError(429, "Too Many Requests: retry after 3", 3))
	send := url.Values{"chat_id": {"42"}, "text": {"<b>Hei</b> &amp; velkommen"}, "parse_mode": {"HTML"}}
	code, body := call(t, ctx, s, Token, "sendMessage", send)
	if code != 429 || body["parameters"].(map[string]any)["retry_after"] != 3.0 {
		t.Errorf("scripted 429: %d %v", code, body)
	}
	if code, _ := call(t, ctx, s, Token, "sendMessage", send); code != 200 {
		t.Errorf("after the script: %d", code)
	}
	bad := url.Values{"chat_id": {"42"}, "text": {"<b>unclosed"}, "parse_mode": {"HTML"}}
	if code, _ := call(t, ctx, s, Token, "sendMessage", bad); code != 400 {
		t.Errorf("invalid HTML: %d, want 400", code)
	}
	if m, ok := s.Next(time.Second); !ok || m.ChatID != 42 || m.Text != send.Get("text") {
		t.Errorf("Next: %+v %v", m, ok)
	}
	if _, ok := s.TryNext(); ok {
		t.Error("a rejected message was recorded as sent")
	}
	if n := s.Count("sendMessage"); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}

	id := s.Push(TextUpdate(42, "private", User{ID: 1, Name: "Kari", Lang: "nb"}, "/frist"))
	code, body = call(t, ctx, s, Token, "getUpdates", url.Values{"offset": {"0"}, "timeout": {"1"}, "allowed_updates": {`["message"]`}})
	if got := body["result"].([]any); code != 200 || len(got) != 1 || got[0].(map[string]any)["update_id"] != float64(id) {
		t.Errorf("getUpdates: %d %v", code, body)
	}
}

func TestSlowSendGivenUpIsNotSent(t *testing.T) {
	s := New(t)
	s.Slow("sendMessage", time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if code, _ := call(t, ctx, s, Token, "sendMessage", url.Values{"chat_id": {"7"}, "text": {"hei"}}); code != 0 {
		t.Errorf("a slowed call answered %d before the client gave up", code)
	}
	s.Slow("sendMessage", 0)
	if code, _ := call(t, context.Background(), s, Token, "sendMessage", url.Values{"chat_id": {"7"}, "text": {"hei"}}); code != 200 {
		t.Errorf("after Slow(0): %d", code)
	}
	if n := len(s.Sent()); n != 1 {
		t.Errorf("%d messages sent, want only the second", n)
	}
}
