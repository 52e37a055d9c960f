package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// SecretHeader carries the webhook's secret token on every update Telegram posts.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxQueued is how many webhook updates may wait; beyond it Telegram is told
// 503 and posts them again later.
const maxQueued = 1000

// webhookQueue is where the webhook puts updates while Run runs.
type webhookQueue struct {
	q   *dispatcher
	ctx context.Context
}

// Webhook returns the handler for Telegram's update posts; mount it at the
// path of WebhookURL. It answers 401 without the right secret, 503 until Run
// has registered the webhook (Telegram retries), and 200 as soon as an update
// is queued. A malformed update is logged and acknowledged, so that it does
// not block the updates behind it.
func (b *Bot) Webhook() http.Handler { return http.HandlerFunc(b.serveWebhook) }

func (b *Bot) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if !b.secretOK(r.Header.Get(SecretHeader)) {
		b.log.Warn("webhook request without the right secret token", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	wq := b.queue.Load()
	if wq == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpdate))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			b.log.Warn("webhook update too large; skipped", "limit", tooBig.Limit)
			w.WriteHeader(http.StatusOK)
			return
		}
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	u, err := DecodeUpdate(body)
	if err != nil {
		b.log.Warn("malformed webhook update skipped", "update_id", u.UpdateID, "err", err, "bytes", len(body))
		w.WriteHeader(http.StatusOK)
		return
	}
	if wq.q.size() >= maxQueued {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if !b.recent.add(u.UpdateID) {
		w.WriteHeader(http.StatusOK) // posted again after a lost 200: answered already
		return
	}
	if !b.submit(wq.ctx, wq.q, u, func(int) {}) {
		b.recent.forget(u.UpdateID)
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// secretOK compares in constant time; hashing first hides the length too.
func (b *Bot) secretOK(got string) bool {
	if b.cfg.WebhookSecret == "" || got == "" {
		return false
	}
	g, want := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(b.cfg.WebhookSecret))
	return subtle.ConstantTimeCompare(g[:], want[:]) == 1
}

// runWebhook registers the webhook and serves updates from it until ctx ends.
func (b *Bot) runWebhook(ctx context.Context) error {
	work, stopWork := b.workContext(ctx)
	defer stopWork()
	q := newDispatcher(b.cfg.Workers, b.log, nil)
	b.queue.Store(&webhookQueue{q: q, ctx: work})
	defer func() {
		b.queue.Store(nil)
		q.close()
		b.log.Info("webhook stopped")
	}()
	for attempt := 0; ; attempt++ {
		err := b.setWebhook(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		if unauthorized(err) {
			return errors.New("telegram: the token was refused (check TELEGRAM_BOT_TOKEN)")
		}
		wait := b.backoff(attempt)
		if d, ok := retryAfter(err); ok {
			wait = d
		}
		b.log.Warn("setWebhook failed; retrying", "in", wait, "err", err)
		if b.sleep(ctx, wait) != nil {
			return nil
		}
	}
	b.log.Info("webhook set", "url", b.cfg.WebhookURL)
	<-ctx.Done()
	return nil
}

// setWebhook calls setWebhook with the secret token, which the library's
// WebhookConfig cannot carry.
func (b *Bot) setWebhook(ctx context.Context) error {
	params := tgbotapi.Params{}
	params["url"] = b.cfg.WebhookURL
	params["secret_token"] = b.cfg.WebhookSecret
	params["allowed_updates"] = allowedUpdates
	params.AddNonZero("max_connections", 40)
	callCtx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
	defer cancel()
	_, err := b.api.raw(callCtx, "setWebhook", params)
	return err
}

// recentIDs remembers the last n update ids, to drop updates posted twice.
type recentIDs struct {
	mu   sync.Mutex
	ids  map[int]bool
	ring []int
	next int
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{ids: make(map[int]bool, n), ring: make([]int, n)}
}

// add reports whether id is new, and remembers it.
func (r *recentIDs) add(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids[id] {
		return false
	}
	if old := r.ring[r.next]; old != 0 {
		delete(r.ids, old)
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % len(r.ring)
	r.ids[id] = true
	return true
}

func (r *recentIDs) forget(id int) {
	r.mu.Lock()
	delete(r.ids, id)
	r.mu.Unlock()
}
