package telegram

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/scheduler"
	"github.com/fundbot/fundbot/subscription"
)

func TestNotifierTellsTheSchedulerWhatHappened(t *testing.T) {
	type outcome int
	const (
		sent outcome = iota
		retryAfter3s
		gone
		uncertain
		retry // a plain error: the scheduler retries with backoff
	)
	cases := []struct {
		name    string
		answer  *telegramfake.Answer
		chat    string
		timeout time.Duration
		want    outcome
	}{
		{name: "sent", want: sent},
		{name: "429 retry_after", answer: ptr(telegramfake.APIError(429, "Too Many Requests: retry after 3", 3)), want: retryAfter3s},
		{name: "403 blocked", answer: ptr(telegramfake.APIError(403, "Forbidden: bot was blocked by the user", 0)), want: gone},
		{name: "403 kicked from group", answer: ptr(telegramfake.APIError(403, "Forbidden: bot was kicked from the supergroup chat", 0)), want: gone},
		{name: "400 chat not found", answer: ptr(telegramfake.APIError(400, "Bad Request: chat not found", 0)), want: gone},
		{name: "400 USER_IS_BLOCKED", answer: ptr(telegramfake.APIError(400, "Bad Request: USER_IS_BLOCKED", 0)), want: gone},
		{name: "400 other", answer: ptr(telegramfake.APIError(400, "Bad Request: message text is empty", 0)), want: retry},
		{name: "500", answer: ptr(telegramfake.APIError(500, "Internal Server Error", 0)), want: retry},
		{name: "502 from a proxy", answer: &telegramfake.Answer{Status: 502, Body: "<html>Bad Gateway</html>"}, want: retry},
		{name: "504 from a proxy", answer: &telegramfake.Answer{Status: 504, Body: "<html>Gateway Timeout</html>"}, want: uncertain},
		{name: "connection dropped after the request", answer: &telegramfake.Answer{Hijack: true}, want: uncertain},
		{name: "no answer before the deadline", answer: &telegramfake.Answer{Hang: true}, timeout: 200 * time.Millisecond, want: uncertain},
		{name: "not a chat id", chat: "abc", want: gone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := telegramfake.New(t)
			if c.answer != nil {
				f.Script("sendMessage", *c.answer)
			}
			b := notifierOnly(t, f)
			chat := c.chat
			if chat == "" {
				chat = "4242"
			}
			ctx := context.Background()
			if c.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.timeout)
				defer cancel()
			}
			err := b.Notify(ctx, subscription.New(subscription.Telegram, chat, knowledge.NB, sept1), reminderMessage())
			if err != nil {
				assertNoToken(t, "the error", err.Error())
			}
			var ra *scheduler.RetryAfterError
			var cg *scheduler.ChatGoneError
			switch got := err; c.want {
			case sent:
				if got != nil {
					t.Fatalf("err %v", got)
				}
				if m := next(t, f); m.ChatID != 4242 || m.ParseMode != "HTML" {
					t.Errorf("sent %+v", m)
				}
			case retryAfter3s:
				if !errors.As(got, &ra) || ra.After != 3*time.Second {
					t.Errorf("err %v, want RetryAfterError of 3s", got)
				}
			case gone:
				if !errors.As(got, &cg) || cg.Reason == "" {
					t.Errorf("err %v, want ChatGoneError", got)
				}
			case uncertain:
				if !errors.Is(got, scheduler.ErrUncertain) {
					t.Errorf("err %v, want ErrUncertain", got)
				}
			case retry:
				if got == nil || errors.As(got, &ra) || errors.As(got, &cg) || errors.Is(got, scheduler.ErrUncertain) || errors.Is(got, context.DeadlineExceeded) {
					t.Errorf("err %v, want a plain error", got)
				}
			}
		})
	}
}

func TestNotifierUnreachableIsNotUncertain(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // connection refused: the request never left
	log, buf := testLogger(t)
	b, err := New(Config{Token: testToken, APIURL: url}, handlerFunc(echo), WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	err = b.Notify(context.Background(), subscription.New(subscription.Telegram, "1", knowledge.EN, sept1), reminderMessage())
	if err == nil || errors.Is(err, scheduler.ErrUncertain) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want a plain error the scheduler retries", err)
	}
	assertNoToken(t, "the error", err.Error())
	b.log.Error("send failed", "err", err, "raw", "https://api.telegram.org/bot"+testToken+"/sendMessage")
	assertNoToken(t, "the logs", buf.String())
}

func reminderMessage() scheduler.Message {
	return scheduler.Message{Kind: scheduler.KindReminder, Text: "Påminnelse: Søknadsfristen er 21. september 2022 – om 14 dager.", Call: "ipos/2022", Offset: 14}
}

func ptr[T any](v T) *T { return &v }
