package slack

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/slackfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/scheduler"
	"github.com/fundbot/fundbot/subscription"
)

func newTestNotifier(t *testing.T, apiURL string, client *http.Client) *Notifier {
	t.Helper()
	n, err := NewNotifier(Config{BotToken: testBotToken, APIURL: apiURL, HTTPClient: client}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var reminder = scheduler.Message{Kind: scheduler.KindReminder, Text: "Påminnelse: Søknadsfristen er 16. september 2026 – om 14 dager.", DaysLeft: 14}

func TestNotifierMapsSlackErrors(t *testing.T) {
	tests := []struct {
		name      string
		fail      slackfake.Failure
		retry     time.Duration // want *scheduler.RetryAfterError with this After
		gone      string        // want *scheduler.ChatGoneError with this Reason
		uncertain bool
	}{
		{name: "rate limited with Retry-After", fail: slackfake.Failure{Status: 429, RetryAfter: "7"}, retry: 7 * time.Second},
		{name: "429 without Retry-After", fail: slackfake.Failure{Status: 429}, retry: defaultRetryAfter},
		{name: "ratelimited error code", fail: slackfake.Failure{Code: "ratelimited"}, retry: defaultRetryAfter},
		{name: "channel deleted", fail: slackfake.Failure{Code: "channel_not_found"}, gone: "channel_not_found"},
		{name: "channel archived", fail: slackfake.Failure{Code: "is_archived"}, gone: "is_archived"},
		{name: "bot removed from channel", fail: slackfake.Failure{Code: "not_in_channel"}, gone: "not_in_channel"},
		{name: "account inactive", fail: slackfake.Failure{Code: "account_inactive"}, gone: "account_inactive"},
		{name: "user not found", fail: slackfake.Failure{Code: "user_not_found"}, gone: "user_not_found"},
		{name: "token revoked is the operator's problem", fail: slackfake.Failure{Code: "token_revoked"}},
		{name: "server error", fail: slackfake.Failure{Status: 500}},
		{name: "service unavailable", fail: slackfake.Failure{Status: 503}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeSlack(t)
			fake.Fail("C1", tt.fail)
			n := newTestNotifier(t, fake.APIURL(), nil)
			err := n.Notify(context.Background(), subscription.New(subscription.Slack, "C1", knowledge.NB, testNow), reminder)
			if err == nil {
				t.Fatal("Notify succeeded, want an error")
			}
			var ra *scheduler.RetryAfterError
			if got := errors.As(err, &ra); got != (tt.retry != 0) || (got && ra.After != tt.retry) {
				t.Errorf("err %v: want RetryAfterError %v", err, tt.retry)
			}
			var gone *scheduler.ChatGoneError
			if got := errors.As(err, &gone); got != (tt.gone != "") || (got && gone.Reason != tt.gone) {
				t.Errorf("err %v: want ChatGoneError %q", err, tt.gone)
			}
			if errors.Is(err, scheduler.ErrUncertain) {
				t.Errorf("err %v: Slack answered, so delivery is not uncertain", err)
			}
		})
	}
}

func TestNotifierSendsToChannelsAndUsers(t *testing.T) {
	fake := newFakeSlack(t)
	n := newTestNotifier(t, fake.APIURL(), nil)
	ctx := context.Background()

	if err := n.Notify(ctx, subscription.New(subscription.Slack, "C1", knowledge.NB, testNow), reminder); err != nil {
		t.Fatal(err)
	}
	if p := fake.NextPost(t); p.Channel != "C1" || p.SectionText() != reminder.Text || p.Text != reminder.Text {
		t.Errorf("posted %q to %s", p.SectionText(), p.Channel)
	}

	if err := n.Notify(ctx, subscription.New(subscription.Slack, "U1", knowledge.NB, testNow), reminder); err != nil {
		t.Fatal(err)
	}
	if u := <-fake.Opened(); u != "U1" {
		t.Errorf("opened a DM with %q", u)
	}
	if p := fake.NextPost(t); p.Channel != "DU1" {
		t.Errorf("user reminder posted to %q, want DU1", p.Channel)
	}

	err := n.Notify(ctx, subscription.New(subscription.Slack, "UGONE", knowledge.NB, testNow), reminder)
	var gone *scheduler.ChatGoneError
	if !errors.As(err, &gone) || gone.Reason != "user_not_found" {
		t.Errorf("a user who left: %v, want ChatGoneError user_not_found", err)
	}

	if err := n.Notify(ctx, subscription.New(subscription.Telegram, "123", knowledge.NB, testNow), reminder); err == nil {
		t.Error("a Telegram subscriber was accepted")
	}
}

func TestNotifierUncertainOnlyAfterTheRequestWasSent(t *testing.T) {
	sub := subscription.New(subscription.Slack, "C1", knowledge.NB, testNow)

	t.Run("connection dropped after the request", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm() // read it all: Slack got the message
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}))
		defer srv.Close()
		err := newTestNotifier(t, srv.URL+"/api/", nil).Notify(context.Background(), sub, reminder)
		if !errors.Is(err, scheduler.ErrUncertain) {
			t.Errorf("err %v: want ErrUncertain", err)
		}
	})
	t.Run("timeout waiting for the answer", func(t *testing.T) {
		answered := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			<-r.Context().Done() // never answers; the client gives up
			close(answered)
		}))
		defer srv.Close()
		err := newTestNotifier(t, srv.URL+"/api/", &http.Client{Timeout: 200 * time.Millisecond}).Notify(context.Background(), sub, reminder)
		if !errors.Is(err, scheduler.ErrUncertain) {
			t.Errorf("err %v: want ErrUncertain", err)
		}
		<-answered
	})
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		err = newTestNotifier(t, "http://"+addr+"/api/", nil).Notify(context.Background(), sub, reminder)
		var gone *scheduler.ChatGoneError
		if err == nil || errors.Is(err, scheduler.ErrUncertain) || errors.As(err, &gone) {
			t.Errorf("err %v: want a plain error (nothing was sent, retry)", err)
		}
	})
}

func TestNotifierEscapesTheReminder(t *testing.T) {
	fake := newFakeSlack(t)
	n := newTestNotifier(t, fake.APIURL(), nil)
	msg := scheduler.Message{Text: "Frist <!channel> & @here: " + strings.Repeat("lang tekst ", 700)}
	if err := n.Notify(context.Background(), subscription.New(subscription.Slack, "C1", knowledge.NB, testNow), msg); err != nil {
		t.Fatal(err)
	}
	p := fake.NextPost(t)
	assertInert(t, p)
	if len(p.Blocks) != 3 {
		t.Errorf("%d blocks for 7,700 characters, want 3 sections", len(p.Blocks))
	}
	for _, b := range p.Blocks {
		if n := utf16Len(b["text"].(map[string]any)["text"].(string)); n > maxSectionText {
			t.Errorf("a section holds %d characters", n)
		}
	}
}
