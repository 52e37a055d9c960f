package scheduler

import (
	"context"
	"sync"
	"time"

	"github.com/fundbot/fundbot/subscription"
)

// Limit is a platform's sending rate.
type Limit struct {
	Rate    float64       // messages per second over all chats; 0 means no limit
	Burst   int           // messages that may go at once after a quiet spell; 0 means 1
	PerChat time.Duration // least time between two messages to one chat; 0 means no limit
}

// DefaultLimits stay under the platforms' published limits: Telegram allows
// about 30 messages/s overall and 1/s per chat, Slack about 1/s per channel.
func DefaultLimits() map[subscription.Platform]Limit {
	return map[subscription.Platform]Limit{
		subscription.Telegram: {Rate: 25, Burst: 1, PerChat: time.Second},
		subscription.Slack:    {Rate: 10, Burst: 1, PerChat: time.Second},
		subscription.Console:  {},
	}
}

// limiter spaces sends to one platform: a GCRA bucket for the global rate
// and the time of the next allowed message per chat. Reservations are made
// under one lock, so that a chat's spacing holds across workers.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration // 1/Rate
	tau      time.Duration // (Burst-1) × interval: how far ahead of schedule a burst may run
	perChat  time.Duration
	tat      time.Time // GCRA theoretical arrival time
	paused   time.Time // no sends before this (retry_after)
	chats    map[string]time.Time

	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

func newLimiter(l Limit, now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	lim := &limiter{perChat: l.PerChat, chats: map[string]time.Time{}, now: now, sleep: sleep}
	if l.Rate > 0 {
		lim.interval = time.Duration(float64(time.Second) / l.Rate)
		if l.Burst > 1 {
			lim.tau = time.Duration(l.Burst-1) * lim.interval
		}
	}
	return lim
}

// wait blocks until a message to chat may go, and reserves that moment.
func (l *limiter) wait(ctx context.Context, chat string) error {
	for {
		l.mu.Lock()
		now := l.now()
		if next := l.chats[chat]; next.After(now) {
			l.mu.Unlock()
			if err := l.sleep(ctx, next.Sub(now)); err != nil {
				return err
			}
			continue
		}
		start := now
		if g := l.tat.Add(-l.tau); g.After(start) {
			start = g
		}
		if l.paused.After(start) {
			start = l.paused
		}
		if l.interval > 0 {
			base := l.tat
			if start.After(base) {
				base = start
			}
			l.tat = base.Add(l.interval)
		}
		if l.perChat > 0 {
			l.chats[chat] = start.Add(l.perChat)
			if len(l.chats) > 10_000 {
				l.forget(now)
			}
		}
		l.mu.Unlock()
		if start.After(now) {
			return l.sleep(ctx, start.Sub(now))
		}
		return ctx.Err()
	}
}

// pause holds every send for d: the platform said retry_after.
func (l *limiter) pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	until := l.now().Add(d)
	if until.After(l.paused) {
		l.paused = until
	}
	if until.After(l.tat) {
		l.tat = until
	}
}

// forget drops chats whose spacing has passed, keeping the map small.
func (l *limiter) forget(now time.Time) {
	for chat, next := range l.chats {
		if !next.After(now) {
			delete(l.chats, chat)
		}
	}
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
