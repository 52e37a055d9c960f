package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// quietAPI is a Web API that accepts every call without a network.
type quietAPI struct{ posts atomic.Int64 }

func (q *quietAPI) AuthTestContext(context.Context) (*slack.AuthTestResponse, error) {
	return &slack.AuthTestResponse{UserID: "UBOT", BotID: "BBOT"}, nil
}

func (q *quietAPI) PostMessageContext(context.Context, string, ...slack.MsgOption) (string, string, error) {
	q.posts.Add(1)
	return "C1", "1.2", nil
}

func (q *quietAPI) OpenConversationContext(_ context.Context, p *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error) {
	return &slack.Channel{}, false, false, nil
}

// noNetwork refuses every request: a fuzzed response_url must not reach the internet.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in fuzzing")
}

// fuzzAdapter is an HTTP-mode adapter over a quiet Web API, answering with a fixed reply.
func fuzzAdapter(f *testing.F) *Adapter {
	f.Helper()
	h := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		return bot.Reply{Lang: knowledge.NB, Intent: "fallback", Answer: "Du skrev: " + req.Text}
	})
	a, err := New(Config{BotToken: testBotToken, SigningSecret: testSecret, Mode: HTTPMode,
		HTTPClient: &http.Client{Transport: noNetwork{}}}, h, nil, clock)
	if err != nil {
		f.Fatal(err)
	}
	a.api = &quietAPI{}
	a.self.Store(&identity{userID: "UBOT", botID: "BBOT"})
	return a
}

// FuzzSignedEndpoints posts arbitrary bodies, correctly signed, to the three
// HTTP endpoints: every answer is 200, 400 or 503 (never a 5xx from a panic),
// the url_verification challenge comes back as it was sent, and the same body
// with a forged signature is always 401.
func FuzzSignedEndpoints(f *testing.F) {
	paths := []string{"/slack/events", "/slack/commands", "/slack/interactivity"}
	addFixtures(f, "events", func(b []byte) []byte { return append([]byte{0}, b...) })
	addFixtures(f, "interactions", func(b []byte) []byte {
		return append([]byte{2}, url.Values{"payload": {string(b)}}.Encode()...)
	})
	f.Add(append([]byte{1}, "command=%2Ffundbot&text=abonner+-5+99999&channel_id=C1&user_id=U1&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&trigger_id=9"...))
	f.Add(append([]byte{0}, `{"type":"url_verification","challenge":"<script>\u0000"}`...))
	f.Add(append([]byte{0}, `{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel_type":"im","user":"U1","channel":"D1","ts":"1.2","text":"<!channel> <https://evil|klikk> *fet*"}}`...))
	a := fuzzAdapter(f)
	handler := a.Handler()
	f.Cleanup(a.drain)

	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		path, body := paths[int(in[0])%len(paths)], in[1:]
		ts := strconv.FormatInt(testNow.Unix(), 10)
		post := func(sig string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", sig)
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req)
			return w
		}
		good := sign([]byte(testSecret), ts, body)
		forged := sign([]byte("another-secret"), ts, body)
		if w := post(forged); w.Code != http.StatusUnauthorized {
			t.Fatalf("%s: forged signature answered %d", path, w.Code)
		}
		w := post(good)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusServiceUnavailable:
		default:
			t.Fatalf("%s: status %d for %q", path, w.Code, body)
		}
		var env envelope
		if path == "/slack/events" && json.Unmarshal(body, &env) == nil && env.Type == "url_verification" && w.Code == 200 {
			var got struct{ Challenge string }
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Challenge != env.Challenge {
				t.Fatalf("challenge %q came back as %q (%v)", env.Challenge, w.Body.String(), err)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("challenge answered as %q", ct)
			}
		}
	})
}
