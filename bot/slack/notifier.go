package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/fundbot/fundbot/scheduler"
	"github.com/fundbot/fundbot/subscription"
)

// Notifier posts reminders with chat.postMessage: to the channel of a
// channel subscription ("C…"), and as a direct message for a user's own
// ("U…"). Its errors tell the scheduler what to do; pacing is the
// scheduler's (about one message per second per channel, as Slack asks).
type Notifier struct {
	api webAPI
	red redactor
}

var _ scheduler.Notifier = (*Notifier)(nil)

// NewNotifier returns a notifier for a process that only sends reminders;
// it needs the bot token and the API URL from cfg.
func NewNotifier(cfg Config, log *slog.Logger) (*Notifier, error) {
	cfg = cfg.withDefaults()
	cfg.Mode, cfg.SigningSecret = HTTPMode, "unused" // transport settings do not matter here
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("slack notifier: %w", err)
	}
	red := redactor{secrets: cfg.secrets()}
	return &Notifier{api: newClient(cfg, log, red), red: red}, nil
}

// Notifier returns a notifier sharing the adapter's client.
func (a *Adapter) Notifier() *Notifier { return &Notifier{api: a.api, red: a.red} }

// defaultRetryAfter is the wait after a 429 that came without Retry-After.
const defaultRetryAfter = 30 * time.Second

// goneCodes are the Web API errors after which a chat never accepts a
// message again: the channel is deleted or archived, the bot was removed
// from it, or the user left the workspace.
var goneCodes = map[string]bool{
	"channel_not_found": true,
	"is_archived":       true,
	"not_in_channel":    true,
	"account_inactive":  true,
	"user_not_found":    true,
	"user_disabled":     true,
	"cannot_dm_bot":     true,
}

// Notify sends one reminder. Errors: *scheduler.RetryAfterError when Slack
// throttles (Retry-After obeyed), *scheduler.ChatGoneError when the chat is
// gone, scheduler.ErrUncertain when the request reached Slack but its answer
// was lost, and a plain error when nothing was sent.
func (n *Notifier) Notify(ctx context.Context, sub subscription.Subscriber, msg scheduler.Message) error {
	if sub.Platform != subscription.Slack {
		return fmt.Errorf("slack notifier: %s is not a Slack subscriber", sub.Key())
	}
	channel := sub.ChatID
	if isUser(channel) {
		ch, _, _, err := n.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{channel}})
		if err != nil {
			// Opening a DM posts nothing, so a lost answer is not uncertain.
			return classify(fmt.Errorf("conversations.open for %s: %w", channel, n.red.err(err)), false)
		}
		if ch == nil || ch.ID == "" {
			return fmt.Errorf("conversations.open for %s: no channel in the answer", channel)
		}
		channel = ch.ID
	}
	var written atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				written.Store(true)
			}
		},
	})
	if err := postMessage(traced, n.api, n.red, channel, "", renderText(msg.Text)); err != nil {
		return classify(err, written.Load())
	}
	return nil
}

// classify maps a Web API failure to the scheduler's errors. written says
// whether the request had been sent in full when it failed.
func classify(err error, written bool) error {
	var limited *slack.RateLimitedError
	var status slack.StatusCodeError
	var apiErr slack.SlackErrorResponse
	switch {
	case errors.As(err, &limited):
		return &scheduler.RetryAfterError{After: max(limited.RetryAfter, time.Second), Err: err}
	case errors.As(err, &status):
		if status.Code == 429 {
			return &scheduler.RetryAfterError{After: defaultRetryAfter, Err: err}
		}
		return err // Slack answered with an error status: nothing was posted
	case errors.As(err, &apiErr):
		switch {
		case apiErr.Err == "ratelimited":
			return &scheduler.RetryAfterError{After: defaultRetryAfter, Err: err}
		case goneCodes[apiErr.Err]:
			return &scheduler.ChatGoneError{Reason: apiErr.Err, Err: err}
		}
		return err
	case written:
		return fmt.Errorf("%w: %v", scheduler.ErrUncertain, err)
	}
	return err
}

// isUser tells a user id (a per-user subscription) from a channel id.
func isUser(id string) bool { return strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W") }
