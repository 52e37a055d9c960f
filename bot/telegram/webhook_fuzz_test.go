package telegram

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// cannedAPI answers every Bot API call with success, without a network.
type cannedAPI struct{}

func (cannedAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	body := `{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// FuzzWebhook posts arbitrary bodies to the webhook handler, with and
// without the secret: without it the answer is always 401, with it 200 (or
// 503 when the queue is full), and nothing panics, whether in decoding,
// translating, answering or rendering.
func FuzzWebhook(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "updates", "*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"update_id":7,"message":{"message_id":1,"from":{"id":1},"chat":{"id":1,"type":"private"},"text":"<b>fet</b> <script>alert(1)</script> &amp; hvem kan søke?"}}`))
	f.Add([]byte(`{"update_id":8,"message":{"message_id":1,"from":{"id":1},"chat":{"id":-100,"type":"supergroup"},"text":"@fundbot_test_bot \u202ehvem kan s\u00f8ke\u200b"}}`))
	f.Add([]byte(`{"update_id":9,"message":{"message_id":1,"from":{"id":1},"chat":{"id":1,"type":"private"},"text":"/abonner 99999999999999999999"}}`))

	const secret = "fuzz-secret"
	h := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		return bot.Reply{Lang: knowledge.NB, Intent: "fallback", Answer: "Du skrev: " + req.Text + req.Topic,
			Suggestions: []bot.Suggestion{{Topic: req.Topic, Text: req.Text}}}
	})
	b, err := New(Config{Token: testToken, APIURL: "http://telegram.invalid", WebhookURL: "https://fundbot.example/hook", WebhookSecret: secret},
		h, WithLogger(slog.New(slog.DiscardHandler)), WithHTTPClient(&http.Client{Transport: cannedAPI{}}))
	if err != nil {
		f.Fatal(err)
	}
	q := newDispatcher(4, b.log, nil)
	b.queue.Store(&webhookQueue{q: q, ctx: context.Background()})
	f.Cleanup(q.close)

	f.Fuzz(func(t *testing.T, body []byte) {
		post := func(secretHeader string) int {
			req := httptest.NewRequest(http.MethodPost, "/telegram/webhook", bytes.NewReader(body))
			if secretHeader != "" {
				req.Header.Set(SecretHeader, secretHeader)
			}
			w := httptest.NewRecorder()
			b.Webhook().ServeHTTP(w, req)
			return w.Code
		}
		for _, wrong := range []string{"", "fuzz-secreT", secret + " "} {
			if code := post(wrong); code != http.StatusUnauthorized {
				t.Fatalf("secret %q: status %d", wrong, code)
			}
		}
		if code := post(secret); code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Fatalf("status %d for %q", code, body)
		}
	})
}
