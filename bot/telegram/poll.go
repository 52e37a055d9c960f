package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// allowedUpdates are the update types the adapter reads.
const allowedUpdates = `["message","callback_query"]`

// poll receives updates by long polling until ctx ends.
//
// The offset sent to Telegram (which confirms every update below it) is the
// first update not yet handled, and it is saved before each poll. Updates in
// flight therefore come back at once in the next poll; they are skipped, and
// while nothing new arrives the loop waits for one to finish (or idlePoll,
// to see new messages from other chats) instead of spinning.
func (b *Bot) poll(ctx context.Context) error {
	b.deleteWebhook(ctx)
	me, _ := b.Self()
	start, err := b.offsets.Load(ctx, me.ID)
	if err != nil {
		b.log.Error("could not load the update offset; unconfirmed updates may be answered again", "err", err)
		start = 0
	}
	tr := newTracker(start)
	work, stopWork := b.workContext(ctx)
	defer stopWork()
	q := newDispatcher(b.cfg.Workers, b.log, tr.done)
	saved := start
	save := func(ctx context.Context) {
		if off := tr.offset(); off != saved {
			if err := b.offsets.Save(ctx, me.ID, off); err != nil {
				b.log.Error("could not save the update offset", "offset", off, "err", err)
				return
			}
			saved = off
		}
	}
	b.log.Info("polling for updates", "offset", start)

	var fatal error
	for attempt := 0; ctx.Err() == nil; {
		save(ctx)
		raws, err := b.getUpdates(ctx, tr.offset())
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if unauthorized(err) {
				fatal = fmt.Errorf("telegram: the token was refused (check TELEGRAM_BOT_TOKEN): %w", err)
				break
			}
			wait := b.backoff(attempt)
			attempt++
			if d, ok := retryAfter(err); ok {
				wait = d
			}
			if conflict(err) {
				b.log.Error("another process polls this token, or a webhook is set; retrying", "in", wait, "err", err)
			} else {
				b.log.Warn("getUpdates failed; retrying", "in", wait, "err", err)
			}
			if b.sleep(ctx, wait) != nil {
				break
			}
			continue
		}
		attempt = 0
		fresh := 0
		for _, raw := range raws {
			u, err := DecodeUpdate(raw)
			if err != nil && u.UpdateID == 0 {
				b.log.Warn("malformed update without an id skipped", "err", err, "bytes", len(raw))
				continue
			}
			if !tr.take(u.UpdateID) {
				continue
			}
			fresh++
			if err != nil {
				b.log.Warn("malformed update skipped", "update_id", u.UpdateID, "err", err)
				tr.done(u.UpdateID)
				continue
			}
			b.submit(work, q, u, tr.done)
		}
		if fresh == 0 && len(raws) > 0 {
			// Only updates in flight (or unreadable ones) came back.
			select {
			case <-tr.changed:
			case <-ctx.Done():
			case <-time.After(b.idlePoll):
			}
		}
	}

	q.close()
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	save(saveCtx)
	b.log.Info("stopped polling", "offset", saved)
	return fatal
}

// getUpdates returns the raw updates from offset on; each is decoded on its
// own, so that one malformed update does not block the others.
func (b *Bot) getUpdates(ctx context.Context, offset int) ([]json.RawMessage, error) {
	params := tgbotapi.Params{}
	params.AddNonZero("offset", offset)
	params.AddNonZero("limit", 100)
	params.AddNonZero("timeout", int(b.cfg.PollTimeout/time.Second))
	params["allowed_updates"] = allowedUpdates
	callCtx, cancel := context.WithTimeout(ctx, b.cfg.PollTimeout+b.cfg.RequestTimeout)
	defer cancel()
	resp, err := b.api.raw(callCtx, "getUpdates", params)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, fmt.Errorf("telegram getUpdates: result is not a list: %w", err)
	}
	return raws, nil
}

// deleteWebhook turns a webhook off, since getUpdates fails while one is set.
func (b *Bot) deleteWebhook(ctx context.Context) {
	callCtx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
	defer cancel()
	params := tgbotapi.Params{}
	params.AddBool("drop_pending_updates", false)
	if _, err := b.api.raw(callCtx, "deleteWebhook", params); err != nil && ctx.Err() == nil {
		b.log.Warn("could not delete the webhook; polling may fail with 409 Conflict", "err", err)
	}
}
