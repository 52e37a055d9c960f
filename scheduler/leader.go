package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Locker is the lock the replicas elect a leader with.
type Locker interface {
	AcquireLock(ctx context.Context, name, token string, ttl time.Duration) (held bool, retryIn time.Duration, err error)
	ReleaseLock(ctx context.Context, name, token string) error
}

// elector keeps trying to hold the leader lock. The holder renews it every
// third of its TTL; the others retry when the holder's lock would expire, so
// when the leader dies another replica takes over within one lock period.
type elector struct {
	lock  Locker
	name  string
	token string
	ttl   time.Duration
	log   *slog.Logger
	// changed is called, outside any lock, when leadership is won or lost.
	changed func(leading bool)

	mu     sync.Mutex
	ctx    context.Context // live while leading; cancelled when leadership is lost
	cancel context.CancelFunc
}

// leading returns a context that lives as long as this replica leads.
func (e *elector) leading() (context.Context, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ctx, e.ctx != nil
}

func (e *elector) set(parent context.Context, leading bool) {
	e.mu.Lock()
	was := e.ctx != nil
	switch {
	case leading && !was:
		e.ctx, e.cancel = context.WithCancel(parent)
	case !leading && was:
		e.cancel()
		e.ctx, e.cancel = nil, nil
	}
	e.mu.Unlock()
	if leading != was {
		e.log.Info("leadership", "leading", leading, "lock", e.name)
		if e.changed != nil {
			e.changed(leading)
		}
	}
}

// run campaigns until ctx ends, then gives the lock up if it holds it.
func (e *elector) run(ctx context.Context) {
	for {
		// A renewal must finish well inside the TTL, or another replica may lead meanwhile.
		callCtx, cancel := context.WithTimeout(ctx, e.ttl/3)
		held, retryIn, err := e.lock.AcquireLock(callCtx, e.name, e.token, e.ttl)
		cancel()
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
		case err != nil:
			// Cannot tell whether the lock is still ours: stop leading now.
			e.log.Warn("leader lock unavailable", "lock", e.name, "err", err)
			e.set(ctx, false)
			wait = e.ttl / 3
		case held:
			e.set(ctx, true)
			wait = e.ttl / 3
		default:
			e.set(ctx, false)
			wait = min(max(retryIn, time.Millisecond), e.ttl)
		}
		if sleepCtx(ctx, wait) != nil {
			break
		}
	}
	// Release even when not leading: an acquisition may have succeeded just
	// as ctx ended. Compare-and-delete makes this safe if the lock is not ours.
	e.set(ctx, false)
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	if err := e.lock.ReleaseLock(relCtx, e.name, e.token); err != nil {
		e.log.Warn("release leader lock", "lock", e.name, "err", err)
	}
	cancel()
}
