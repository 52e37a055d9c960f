package bot

import (
	"sync"
	"time"
)

// rateLimiter keeps one person from flooding the bot: a token bucket per chat,
// refilled at rate per minute up to burst. It remembers a bounded number of
// chats; a forgotten chat starts with a full bucket, which errs on the side
// of answering.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
	warned bool // the "slow down" reply was sent for this run of refusals
}

func newRateLimiter(perMinute, burst, max int) *rateLimiter {
	return &rateLimiter{rate: float64(perMinute) / 60, burst: float64(burst), max: max, buckets: map[string]*bucket{}}
}

// allow takes a token for key. When none is left it reports whether this is
// the first refusal in a row, so the user is told once, not on every message.
func (l *rateLimiter) allow(key string, now time.Time) (ok, firstRefusal bool) {
	if l == nil || key == "" {
		return true, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.buckets[key]
	if !found {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		b.warned = false
		return true, false
	}
	first := !b.warned
	b.warned = true
	return false, first
}

// evict drops full buckets (chats at rest), or all when every chat is busy.
func (l *rateLimiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= l.max {
		clear(l.buckets)
	}
}
