package insights

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Async records events in the background so that answering never waits for
// the store; when the queue is full an event is dropped and counted.
type Async struct {
	store   Store
	log     *slog.Logger
	queue   chan Event
	dropped atomic.Int64
	failed  atomic.Int64
	wg      sync.WaitGroup
	once    sync.Once
}

// NewAsync starts a recorder with room for size waiting events.
func NewAsync(store Store, size int, log *slog.Logger) *Async {
	a := &Async{store: store, log: log, queue: make(chan Event, size)}
	a.wg.Add(1)
	go a.run()
	return a
}

// Record queues e; it never blocks.
func (a *Async) Record(e Event) {
	select {
	case a.queue <- e:
	default:
		a.dropped.Add(1)
	}
}

func (a *Async) run() {
	defer a.wg.Done()
	for e := range a.queue {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := a.store.Record(ctx, e); err != nil {
			// Statistics must not take the bot down: count and log, once per failure.
			a.failed.Add(1)
			a.log.Warn("record question for the reports", "err", err)
		}
		cancel()
	}
}

// Close stops taking events and waits until the queued ones are stored.
func (a *Async) Close() {
	a.once.Do(func() { close(a.queue) })
	a.wg.Wait()
}

// Dropped is how many events were lost to a full queue; Failed, to store errors.
func (a *Async) Dropped() int64 { return a.dropped.Load() }

// Failed is how many events the store refused.
func (a *Async) Failed() int64 { return a.failed.Load() }
