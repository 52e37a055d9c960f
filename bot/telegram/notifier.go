package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/scheduler"
	"github.com/fundbot/fundbot/subscription"
)

var _ scheduler.Notifier = (*Bot)(nil)

// Notify sends one reminder, with a button to stop them. It does not pace
// itself: the scheduler's limiter spaces sends per chat and overall and holds
// every send after a retry_after. It makes one attempt and says what happened:
//
//   - 429: *scheduler.RetryAfterError with Telegram's retry_after;
//   - 403 (blocked, kicked) or 400 "chat not found" and the like: *scheduler.ChatGoneError;
//   - a timeout or dropped connection after the request was written, or a
//     reminder split in two of which the first part went: wraps scheduler.ErrUncertain;
//   - anything else, including a request that never left: a plain error (retry).
func (b *Bot) Notify(ctx context.Context, sub subscription.Subscriber, msg scheduler.Message) error {
	if sub.Platform != subscription.Telegram {
		return fmt.Errorf("telegram notifier: %s is not a Telegram subscriber", sub.Key())
	}
	chat, err := strconv.ParseInt(sub.ChatID, 10, 64)
	if err != nil {
		return &scheduler.ChatGoneError{Reason: "not a Telegram chat id", Err: err}
	}
	lang := sub.Lang
	if lang == "" {
		lang = knowledge.NB
	}
	out := renderReminder(msg, lang)
	for i, part := range out.parts {
		m := tgbotapi.NewMessage(chat, part)
		m.ParseMode = tgbotapi.ModeHTML
		m.DisableWebPagePreview = true
		if i == len(out.parts)-1 {
			m.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(out.keyboard...)
		}
		if _, err := b.api.request(ctx, "sendMessage", m); err != nil {
			err = notifyError(err, i > 0)
			b.log.Debug("reminder not sent", "to", sub.Key(), "call", msg.Call, "err", err)
			return err
		}
	}
	return nil
}

// notifyError turns a failed send into what the scheduler acts on.
func notifyError(err error, partial bool) error {
	if partial {
		return fmt.Errorf("%w: part of the reminder was sent: %w", scheduler.ErrUncertain, err)
	}
	if d, ok := retryAfter(err); ok {
		return &scheduler.RetryAfterError{After: d, Err: err}
	}
	if reason, ok := chatGone(err); ok {
		return &scheduler.ChatGoneError{Reason: reason, Err: err}
	}
	if mayHaveArrived(err) {
		return fmt.Errorf("%w: %w", scheduler.ErrUncertain, err)
	}
	if isTransport(err) {
		// The request never left: keep the context error out of the chain,
		// so that the scheduler retries it rather than taking it as uncertain.
		return errors.New("not sent: " + err.Error())
	}
	return err
}
