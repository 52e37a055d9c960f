package scheduler

import (
	"context"
	"time"

	"github.com/fundbot/fundbot/subscription"
)

// Reminder is one message due to one subscriber.
type Reminder struct {
	Subscriber subscription.Subscriber
	Deadline   subscription.Deadline
	Offset     int       // days before the deadline; subscription.Announcement for a new call
	Due        time.Time // when it should have gone out
	Late       bool      // Due was more than LateAfter before the tick
}

// Delivery identifies the reminder's lease and record, which make it go out once.
func (r Reminder) Delivery() subscription.Delivery {
	return subscription.Delivery{Subscriber: r.Subscriber.Key(), Call: r.Deadline.Key(), Offset: r.Offset}
}

// Preview calls visit with each batch of reminders due at now, without
// recording anything: what a tick at now would send.
func (s *Scheduler) Preview(ctx context.Context, now time.Time, visit func([]Reminder) error) error {
	_, err := s.plan(ctx, now, false, visit, nil)
	return err
}

// plan finds the due reminders batch by batch; record says whether to write
// first sightings of calls (a real tick) or only read them (a preview).
// busy, when not nil, is told how many were leased (being sent) per batch.
func (s *Scheduler) plan(ctx context.Context, now time.Time, record bool, visit func([]Reminder) error, busy func(int)) (subscribers int, err error) {
	deadlines := subscription.OpenDeadlines(s.kb(), now)
	if len(deadlines) == 0 {
		return 0, nil
	}
	keys := make([]string, len(deadlines))
	for i, d := range deadlines {
		keys[i] = d.Key()
	}
	var seen map[string]time.Time
	if record {
		seen, err = s.store.SeeCalls(ctx, keys, now)
	} else {
		seen, err = s.store.CallsSeen(ctx, keys)
	}
	if err != nil {
		return 0, &StoreError{Op: "read the calls seen", Err: err}
	}
	pages, stop := s.pages(ctx)
	defer stop()
	due := make([]Reminder, 0, s.opt.BatchSize)
	deliveries := make([]subscription.Delivery, 0, s.opt.BatchSize)
	for pg := range pages {
		if pg.err != nil {
			return subscribers, &StoreError{Op: "list subscribers", Err: pg.err}
		}
		subscribers += len(pg.subs)
		due, deliveries = due[:0], deliveries[:0]
		for _, sub := range pg.subs {
			due = s.candidates(due, sub, deadlines, seen, now)
		}
		for _, r := range due {
			deliveries = append(deliveries, r.Delivery())
		}
		states, err := s.store.Deliveries(ctx, deliveries)
		if err != nil {
			return subscribers, &StoreError{Op: "read delivery records", Err: err}
		}
		open, leased := due[:0], 0
		for i, r := range due {
			switch states[i] {
			case subscription.Due:
				open = append(open, r)
			case subscription.Leased:
				leased++
			}
		}
		if busy != nil && leased > 0 {
			busy(leased)
		}
		if len(open) > 0 {
			if err := visit(open); err != nil {
				return subscribers, err
			}
		}
	}
	return subscribers, ctx.Err()
}

type page struct {
	subs []subscription.Subscriber
	err  error
}

// pages reads active subscribers one batch ahead of the caller, so that
// reading the next batch overlaps checking the deliveries of this one; at most
// two batches are in memory. stop ends the reading early.
func (s *Scheduler) pages(ctx context.Context) (<-chan page, func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan page, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		after := ""
		for {
			subs, err := s.store.List(ctx, after, s.opt.BatchSize, true)
			if len(subs) == 0 && err == nil {
				return
			}
			select {
			case out <- page{subs: subs, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			after = subs[len(subs)-1].Key()
		}
	}()
	return out, func() { cancel(); <-done }
}

// candidates appends the reminders sub may be due at now, before checking what was sent.
func (s *Scheduler) candidates(out []Reminder, sub subscription.Subscriber, deadlines []subscription.Deadline, seen map[string]time.Time, now time.Time) []Reminder {
	for _, d := range deadlines {
		if !sub.Follows(d.Programme.ID) {
			continue
		}
		first, ok := seen[d.Key()]
		if !ok {
			first = now // a preview of a call no tick has seen yet
		}
		if first.After(sub.CreatedAt) && !first.After(now) {
			out = append(out, Reminder{Subscriber: sub, Deadline: d, Offset: subscription.Announcement, Due: first})
		}
		// Reminders planned before the subscriber chose them, or before the
		// call was known (its announcement covers those), were never promised.
		since := sub.Since()
		best := Reminder{}
		for _, off := range sub.ReminderOffsets() {
			at := d.RemindAt(off, s.loc)
			if at.After(now) || at.Before(since) || !at.After(first) {
				continue
			}
			if best.Due.IsZero() || at.After(best.Due) {
				best = Reminder{Subscriber: sub, Deadline: d, Offset: off, Due: at, Late: now.Sub(at) > s.opt.LateAfter}
			}
		}
		if !best.Due.IsZero() {
			out = append(out, best)
		}
	}
	return out
}
