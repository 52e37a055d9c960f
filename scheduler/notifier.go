package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/fundbot/fundbot/subscription"
)

// Notifier sends one message to one subscriber. The Telegram and Slack
// adapters implement it; errors tell the scheduler what to do next:
// *RetryAfterError (throttled: wait, then retry), *ChatGoneError (blocked or
// deleted: deactivate), ErrUncertain (may have been delivered: do not resend),
// anything else (not delivered: retry with backoff).
type Notifier interface {
	Notify(ctx context.Context, sub subscription.Subscriber, msg Message) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, sub subscription.Subscriber, msg Message) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, sub subscription.Subscriber, msg Message) error {
	return f(ctx, sub, msg)
}

// Kind is what a message is about.
type Kind string

// The kinds of message.
const (
	KindReminder     Kind = "reminder"
	KindAnnouncement Kind = "announcement" // a new call is open
)

// Message is one reminder or announcement, rendered in the subscriber's language.
type Message struct {
	Kind      Kind
	Text      string // the whole message, plain text
	Programme string // programme id
	Call      string // "programme/call"
	Deadline  time.Time
	DaysLeft  int
	Offset    int  // days before the deadline the reminder was planned for; 0 for an announcement
	Late      bool // sent after its time because the service was down
	SourceURL string
}

// RetryAfterError means the platform throttled us: nothing was delivered, and
// no message should go to it for After.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("throttled, retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// ChatGoneError means the chat will never accept a message again: the user
// blocked the bot, left, or the chat was deleted.
type ChatGoneError struct {
	Reason string // e.g. "bot was blocked by the user"
	Err    error
}

func (e *ChatGoneError) Error() string { return "chat gone: " + e.Reason }

func (e *ChatGoneError) Unwrap() error { return e.Err }

// ErrUncertain marks a send that may have reached the platform although it
// reported failure (a timeout or a dropped connection after the request was
// written). Adapters wrap such errors with it: fmt.Errorf("%w: %v", ErrUncertain, err).
var ErrUncertain = errors.New("delivery uncertain")

// uncertain reports whether a failed send may still have been delivered.
func uncertain(err error) bool {
	return errors.Is(err, ErrUncertain) || errors.Is(err, context.DeadlineExceeded)
}

// LogNotifier writes each message to a logger: for the console platform and
// for trying the scheduler before a platform adapter exists.
type LogNotifier struct{ Log *slog.Logger }

// Notify logs the message.
func (n LogNotifier) Notify(ctx context.Context, sub subscription.Subscriber, msg Message) error {
	n.Log.InfoContext(ctx, "reminder", "to", sub.Key(), "kind", msg.Kind, "call", msg.Call, "late", msg.Late, "text", msg.Text)
	return nil
}

// WriterNotifier prints each message, for the terminal.
type WriterNotifier struct {
	mu sync.Mutex
	W  io.Writer
}

// Notify prints the message.
func (n *WriterNotifier) Notify(_ context.Context, sub subscription.Subscriber, msg Message) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, err := fmt.Fprintf(n.W, "→ %s\n%s\n\n", sub.Key(), msg.Text)
	return err
}
