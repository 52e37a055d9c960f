package telegram

import (
	"context"
	"fmt"
	"github.com/fundbot/fundbot/bot"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/fundbot/fundbot/knowledge"
)

// submit turns an update into a job in its chat's queue; an update with
// nothing to do is reported done at once.
func (b *Bot) submit(ctx context.Context, q *dispatcher, u tgbotapi.Update, done func(int)) bool {
	self, _ := b.Self()
	in := translate(u, self)
	if !in.act && in.callback == "" {
		b.log.Debug("update ignored", "update_id", u.UpdateID)
		done(u.UpdateID)
		return true
	}
	return q.submit(ctx, job{
		update: u.UpdateID,
		chat:   in.chat,
		run:    func(ctx context.Context) error { return b.handle(ctx, in) },
		sorry:  func(ctx context.Context) { b.sorry(ctx, in) },
	})
}

// handle answers one update: the callback query first (it stops the button's
// spinner), then the core's reply.
func (b *Bot) handle(ctx context.Context, in incoming) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.HandleTimeout)
	defer cancel()
	if in.callback != "" {
		b.answerCallback(ctx, in.callback)
	}
	if !in.act {
		return nil
	}
	if b.now != nil {
		in.req.Now = b.now()
	}
	reply := b.h.Handle(ctx, in.req)
	b.log.Debug("answering", "update_id", in.update, "chat_id", in.chat, "intent", reply.Intent, "confidence", reply.Confidence, "lang", reply.Lang)
	if reply.Intent == bot.IntentRateLimited && reply.Answer == "" {
		return nil // a flood: the user was told once already
	}
	out := renderReply(reply, in.show)
	if len(out.parts) == 0 {
		return fmt.Errorf("update %d: the reply is empty", in.update)
	}
	return b.send(ctx, in.chat, in.replyTo, out)
}

// sorry tells the user, in a sentence, that their message was not answered.
func (b *Bot) sorry(ctx context.Context, in incoming) {
	if in.chat == 0 {
		return
	}
	lang := in.req.Lang
	if lang == "" {
		lang = in.hint
	}
	if lang == "" {
		lang = knowledge.NB
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.cfg.RequestTimeout)
	defer cancel()
	out := outgoing{parts: pack(textBlocks(sorryText.Get(lang), "", maxMessage), maxMessage)}
	if err := b.send(ctx, in.chat, in.replyTo, out); err != nil {
		b.log.Warn("could not send the apology", "chat_id", in.chat, "err", err)
	}
}

func (b *Bot) answerCallback(ctx context.Context, id string) {
	callCtx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
	defer cancel()
	if _, err := b.api.request(callCtx, "answerCallbackQuery", tgbotapi.NewCallback(id, "")); err != nil {
		// Old queries (over about 15 minutes) cannot be answered; the click is still handled.
		b.log.Debug("could not answer the callback query", "err", err)
	}
}

// send delivers the parts in order, the keyboard under the last.
func (b *Bot) send(ctx context.Context, chat int64, replyTo int, out outgoing) error {
	for i, part := range out.parts {
		msg := tgbotapi.NewMessage(chat, part)
		msg.ParseMode = tgbotapi.ModeHTML
		msg.DisableWebPagePreview = true
		if i == 0 && replyTo != 0 {
			msg.ReplyToMessageID = replyTo
			msg.AllowSendingWithoutReply = true
		}
		if i == len(out.parts)-1 && len(out.keyboard) > 0 {
			msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(out.keyboard...)
		}
		if err := b.sendReply(ctx, msg); err != nil {
			return fmt.Errorf("reply to chat %d, part %d of %d: %w", chat, i+1, len(out.parts), err)
		}
	}
	return nil
}

// sendReply sends one message of a reply. It waits out a 429 (the chat's
// queue waits with it, keeping order) and retries a send that never left;
// it does not repeat one that may have arrived.
func (b *Bot) sendReply(ctx context.Context, msg tgbotapi.MessageConfig) error {
	for attempt := 0; ; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
		_, err := b.api.request(callCtx, "sendMessage", msg)
		cancel()
		if err == nil {
			return nil
		}
		wait := b.backoff(attempt)
		if d, ok := retryAfter(err); ok {
			if d > b.cfg.MaxReplyWait {
				return fmt.Errorf("throttled for %s, longer than we keep a user waiting: %w", d, err)
			}
			wait = d
		} else if _, gone := chatGone(err); gone || mayHaveArrived(err) || !isTransport(err) {
			return err
		}
		if attempt >= 3 {
			return err
		}
		b.log.Info("reply throttled or not sent; retrying", "chat_id", msg.ChatID, "in", wait, "err", err)
		if err := b.sleep(ctx, wait); err != nil {
			return err
		}
	}
}
