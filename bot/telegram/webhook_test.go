package telegram

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/telegramfake"
)

func TestWebhook(t *testing.T) {
	f := telegramfake.New(t)
	const secret = "s3cret_token-for-tests"
	h := start(t, f, handlerFunc(echo), setup{cfg: func(c *Config) {
		c.WebhookURL = "https://fundbot.example/telegram/webhook"
		c.WebhookSecret = secret
	}})
	select {
	case <-f.Hooked():
	case <-time.After(wait):
		t.Fatal("setWebhook was not called")
	}
	hook := f.Webhook()
	if hook["secret_token"] != secret || hook["url"] != "https://fundbot.example/telegram/webhook" {
		t.Errorf("setWebhook with %v", hook)
	}
	update := func(chat int64, text string, id int) string {
		u := telegramfake.TextUpdate(chat, "private", kari, text)
		u["update_id"] = id
		b, _ := json.Marshal(u)
		return string(b)
	}
	cases := []struct {
		name, method, secret, body string
		want                       int
	}{
		{"no secret", "POST", "", update(9001, "uten", 1), 401},
		{"wrong secret", "POST", "wrong", update(9001, "feil", 2), 401},
		{"wrong secret of the same length", "POST", strings.Repeat("x", len(secret)), update(9001, "feil", 3), 401},
		{"GET", "GET", secret, "", 405},
		{"malformed update", "POST", secret, `{"update_id":4,"message":{"chat":"x"}}`, 200},
		{"update", "POST", secret, update(9001, "riktig", 5), 200},
		{"the same update again", "POST", secret, update(9001, "riktig", 5), 200},
		{"next update", "POST", secret, update(9001, "neste", 6), 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := postWebhook(t, h.b, c.method, c.secret, c.body); got != c.want {
				t.Errorf("status %d, want %d", got, c.want)
			}
		})
	}
	for _, want := range []string{"riktig", "neste"} {
		if m := next(t, f); !strings.Contains(m.Text, want) {
			t.Errorf("got %q, want the answer to %q (and nothing from rejected or repeated posts)", m.Text, want)
		}
	}
	if n := f.Count("getUpdates"); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
}

func TestWebhookBeforeRunIsUnavailable(t *testing.T) {
	b := notifierOnly(t, telegramfake.New(t))
	b.cfg.WebhookSecret = "s3cret"
	if got := postWebhook(t, b, "POST", "s3cret", `{"update_id":1}`); got != 503 {
		t.Errorf("status %d, want 503 so that Telegram retries", got)
	}
}

// postWebhook posts body to the adapter's webhook handler and returns the status.
func postWebhook(t *testing.T, b *Bot, method, secret, body string) int {
	t.Helper()
	req := httptest.NewRequest(method, "/telegram/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SecretHeader, secret)
	}
	rec := httptest.NewRecorder()
	b.Webhook().ServeHTTP(rec, req)
	return rec.Code
}
