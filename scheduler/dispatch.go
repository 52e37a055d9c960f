package scheduler

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/fundbot/fundbot/subscription"
)

// StoreError means the subscription store failed during a tick. Reminders
// not yet sent are not lost: the next tick plans them again.
type StoreError struct {
	Op  string
	Err error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("subscription store unavailable (%s); unsent reminders go out on the next tick: %v", e.Op, e.Err)
}

func (e *StoreError) Unwrap() error { return e.Err }

// Report counts what one tick did.
type Report struct {
	Subscribers int // active subscribers read
	Due         int // reminders due, neither sent nor leased, at planning
	Busy        int // leased at planning: being sent by another replica, or by a process that died (sent once its lease runs out)
	Sent        int // delivered, of which:
	Late        int //   sent after their time
	Announced   int //   new-call announcements
	Taken       int // leased or sent by another replica first
	Failed      int // not delivered after retries; released for the next tick
	Throttled   int // times the platform answered "too many requests"
	Uncertain   int // may have been delivered; recorded as sent, not sent again
	Deactivated int // chat gone: subscriber deactivated
	NoNotifier  int // platform without a notifier: left for later
	Purged      int // deactivated subscribers deleted
}

func (r Report) String() string {
	return fmt.Sprintf("%d subscribers, %d due (%d more being sent): %d sent (%d late, %d announcements), %d taken by another replica, %d failed, %d uncertain, %d deactivated, %d without notifier, %d purged",
		r.Subscribers, r.Due, r.Busy, r.Sent, r.Late, r.Announced, r.Taken, r.Failed, r.Uncertain, r.Deactivated, r.NoNotifier, r.Purged)
}

// RunOnce runs one tick now, whether or not this replica leads: planning,
// sending and purging. Leases keep it safe to run beside other replicas.
func (s *Scheduler) RunOnce(ctx context.Context) (Report, error) {
	now := s.opt.Clock()
	t := &tickState{s: s, gone: map[string]bool{}}
	if err := s.flushPending(ctx); err != nil {
		return t.rep, &StoreError{Op: "record reminders sent before", Err: err}
	}
	n, err := s.store.PurgeInactive(ctx, now.Add(-s.opt.PurgeAfter))
	if err != nil {
		return t.rep, &StoreError{Op: "purge deactivated subscribers", Err: err}
	}
	t.rep.Purged = n
	d := t.dispatcher(ctx)
	subs, err := s.plan(d.ctx, now, true, d.send, func(n int) { t.count(func(rep *Report) { rep.Busy += n }) })
	if werr := d.wait(); werr != nil {
		err = werr // a failed lease or record stopped the tick; planning only saw the cancellation
	}
	t.rep.Subscribers = subs
	s.log.Info("tick", "now", now, "report", t.rep.String(), "err", err)
	return t.rep, err
}

// tickState is one tick's shared state across workers.
type tickState struct {
	s *Scheduler

	mu       sync.Mutex
	rep      Report
	gone     map[string]bool // subscribers deactivated during this tick
	storeErr error
	records  *recordWriter
}

func (t *tickState) count(f func(r *Report)) {
	t.mu.Lock()
	f(&t.rep)
	t.mu.Unlock()
}

// dispatcher feeds a pool of workers per platform through a queue of one
// batch, so that platforms send side by side while planning reads on, and
// memory stays bounded by the batch size.
type dispatcher struct {
	t      *tickState
	ctx    context.Context
	cancel context.CancelFunc
	queues map[subscription.Platform]chan Reminder
	wg     sync.WaitGroup
}

func (t *tickState) dispatcher(ctx context.Context) *dispatcher {
	ctx, cancel := context.WithCancel(ctx)
	t.records = t.s.startRecorder()
	return &dispatcher{t: t, ctx: ctx, cancel: cancel, queues: map[subscription.Platform]chan Reminder{}}
}

// send queues a batch; it blocks while a platform's queue is full.
func (d *dispatcher) send(batch []Reminder) error {
	s := d.t.s
	d.t.count(func(rep *Report) { rep.Due += len(batch) })
	for _, r := range batch {
		p := r.Subscriber.Platform
		if s.opt.Notifiers[p] == nil {
			d.t.count(func(rep *Report) { rep.NoNotifier++ })
			continue
		}
		q, ok := d.queues[p]
		if !ok {
			q = make(chan Reminder, s.opt.BatchSize)
			d.queues[p] = q
			lim := s.limiter(p)
			for range s.opt.Workers {
				d.wg.Go(func() { d.work(q, lim) })
			}
		}
		select {
		case q <- r:
		case <-d.ctx.Done():
			return d.ctx.Err()
		}
	}
	return nil
}

func (d *dispatcher) work(q <-chan Reminder, lim *limiter) {
	for r := range q {
		if d.ctx.Err() != nil {
			continue // store down, leadership lost or shutting down: the next tick plans it again
		}
		if err := d.t.deliver(d.ctx, lim, r); err != nil {
			d.t.mu.Lock()
			if d.t.storeErr == nil {
				d.t.storeErr = err
			}
			d.t.mu.Unlock()
			d.cancel()
		}
	}
}

// wait lets the queues drain and returns the store error that stopped the tick, if any.
func (d *dispatcher) wait() error {
	for _, q := range d.queues {
		close(q)
	}
	d.wg.Wait()
	d.t.records.stop()
	d.cancel()
	d.t.mu.Lock()
	defer d.t.mu.Unlock()
	return d.t.storeErr
}

// limiter returns the platform's limiter; New made one per notifier.
func (s *Scheduler) limiter(p subscription.Platform) *limiter { return s.limiters[p] }

// deliver leases, sends and records one reminder; it returns an error only
// when the store failed, which ends the tick.
//
// Lease-then-record: the lease (short, renewed before each retry) keeps two
// senders apart; the durable record, written once the message went out,
// keeps it from going twice. A process that dies between the two leaves only
// a lease, which runs out, and the next tick sends the reminder: a crash
// loses nothing, and can send again at most the messages in flight.
func (t *tickState) deliver(ctx context.Context, lim *limiter, r Reminder) error {
	s := t.s
	key := r.Subscriber.Key()
	t.mu.Lock()
	gone := t.gone[key]
	t.mu.Unlock()
	if gone {
		return nil
	}
	if err := lim.wait(ctx, key); err != nil {
		return nil // cancelled
	}
	now := s.opt.Clock()
	if !r.Deadline.Open(now) {
		return nil // the deadline day began while we waited: never remind after it
	}
	d := r.Delivery()
	if ok, err := t.lease(ctx, d); !ok || err != nil {
		return err
	}
	msg := r.Message(now, s.loc)
	log := s.log.With("delivery", d.String())
	notifier := s.opt.Notifiers[r.Subscriber.Platform]
	throttled := 0
	for attempt := 0; ; {
		err := s.notify(ctx, notifier, r.Subscriber, msg)
		var retryAfter *RetryAfterError
		var goneErr *ChatGoneError
		switch {
		case err == nil:
			t.count(func(rep *Report) {
				rep.Sent++
				if msg.Late {
					rep.Late++
				}
				if msg.Kind == KindAnnouncement {
					rep.Announced++
				}
			})
			return t.record(r, now)
		case errors.As(err, &goneErr):
			t.mu.Lock()
			t.gone[key] = true
			t.mu.Unlock()
			t.count(func(rep *Report) { rep.Deactivated++ })
			log.Info("chat gone, deactivating subscriber", "reason", goneErr.Reason)
			// Record it even if the tick is being cancelled: the chat is gone either way.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.store.Deactivate(dctx, key, now); err != nil && !errors.Is(err, subscription.ErrNotFound) {
				return &StoreError{Op: "deactivate " + key, Err: err}
			}
			return t.release(ctx, d, log)
		case errors.As(err, &retryAfter) && throttled < 5:
			throttled++
			t.count(func(rep *Report) { rep.Throttled++ })
			log.Warn("throttled by the platform", "retry_after", retryAfter.After)
			lim.pause(retryAfter.After)
			if lim.wait(ctx, key) != nil {
				return t.release(ctx, d, log)
			}
		case uncertain(err):
			// The platform may have shown it: sending again could duplicate.
			// At most once: recorded as sent.
			t.count(func(rep *Report) { rep.Uncertain++ })
			log.Warn("send outcome unknown; recorded as sent, not sending again", "err", err)
			return t.record(r, now)
		case attempt < s.opt.Retries:
			delay := s.opt.Backoff << attempt
			attempt++
			log.Warn("send failed, retrying", "attempt", attempt, "in", delay, "err", err)
			if s.sleep(ctx, delay) != nil || lim.wait(ctx, key) != nil {
				return t.release(ctx, d, log)
			}
		default:
			t.count(func(rep *Report) { rep.Failed++ })
			log.Error("send failed; the next tick tries again", "attempts", attempt+1, "err", err)
			return t.release(ctx, d, log)
		}
		// Another attempt: the waits may have outlasted the lease, so renew it.
		if ok, err := t.lease(ctx, d); !ok || err != nil {
			return err
		}
	}
}

// lease takes (or renews) the delivery's lease; false without an error means
// another replica sent it or is sending it, or the subscriber left.
func (t *tickState) lease(ctx context.Context, d subscription.Delivery) (bool, error) {
	won, err := t.s.store.Lease(ctx, d, t.s.token, t.s.opt.Lease)
	if err != nil {
		return false, &StoreError{Op: "lease " + d.String(), Err: err}
	}
	if !won {
		t.count(func(rep *Report) { rep.Taken++ })
	}
	return won, nil
}

// record writes the durable record of a reminder that went out.
func (t *tickState) record(r Reminder, now time.Time) error {
	return t.records.record(subscription.Record{
		Delivery: r.Delivery(), At: now, Keep: r.Deadline.Date().Add(t.s.opt.KeepRecords).Sub(now),
	})
}

// notify sends with its own timeout, so that losing leadership does not cut
// a send in half; a panicking notifier counts as an uncertain send.
func (s *Scheduler) notify(ctx context.Context, n Notifier, sub subscription.Subscriber, msg Message) (err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.Timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("notifier panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: notifier panicked: %v", ErrUncertain, r)
		}
	}()
	return n.Notify(ctx, sub, msg)
}

// release gives a lease back so that the next tick sends the reminder. It
// runs even when ctx was cancelled, with a short timeout of its own; if it
// fails, the lease runs out by itself.
func (t *tickState) release(ctx context.Context, d subscription.Delivery, log interface{ Error(string, ...any) }) error {
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := t.s.store.Release(relCtx, d, t.s.token); err != nil {
		log.Error("could not release the lease: the reminder waits until it runs out", "err", err)
		return &StoreError{Op: "release " + d.String(), Err: err}
	}
	return nil
}
