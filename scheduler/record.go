package scheduler

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/fundbot/fundbot/subscription"
)

// recordTimeout bounds one write of records. It runs even when the tick is
// cancelled: a message that went out must be recorded whatever happens next.
const recordTimeout = 5 * time.Second

// maxRecordBatch bounds the records written in one store call.
const maxRecordBatch = 256

// recordWriter writes the records of sent deliveries. Records that finish
// together go to the store in one call (group commit): under load, many
// workers' records share one round trip. A worker waits for its record
// before it takes its next reminder, so at any moment each worker has at
// most one message out that is not yet recorded: what a crash can make go
// twice.
type recordWriter struct {
	s    *Scheduler
	in   chan recordReq
	done chan struct{}
}

type recordReq struct {
	r   subscription.Record
	err chan error
}

func (s *Scheduler) startRecorder() *recordWriter {
	rc := &recordWriter{s: s, in: make(chan recordReq), done: make(chan struct{})}
	go rc.run()
	return rc
}

func (rc *recordWriter) run() {
	defer close(rc.done)
	for first := range rc.in {
		batch := []recordReq{first}
	collect:
		for len(batch) < maxRecordBatch {
			select {
			case q, ok := <-rc.in:
				if !ok {
					break collect
				}
				batch = append(batch, q)
			default:
				break collect
			}
		}
		rs := make([]subscription.Record, len(batch))
		for i, q := range batch {
			rs[i] = q.r
		}
		err := rc.s.writeRecords(rs)
		for _, q := range batch {
			q.err <- err
		}
	}
}

// record writes r and returns when it is written, or failed: then it stays
// pending in memory, and the next tick writes it before planning.
func (rc *recordWriter) record(r subscription.Record) error {
	q := recordReq{r: r, err: make(chan error, 1)}
	rc.in <- q
	return <-q.err
}

// stop ends the recorder once every worker has finished.
func (rc *recordWriter) stop() {
	close(rc.in)
	<-rc.done
}

// writeRecords writes records; on failure it keeps them pending.
func (s *Scheduler) writeRecords(rs []subscription.Record) error {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	if err := s.store.Record(ctx, rs); err != nil {
		s.pending.add(rs)
		s.log.Error("reminders sent but not recorded; recorded before the next tick plans", "count", len(rs), "err", err)
		return &StoreError{Op: fmt.Sprintf("record %s", rs[0].Delivery), Err: err}
	}
	return nil
}

// flushPending writes the records that failed before. Until they are
// written no tick plans: while this process lives, a message it sent is
// never sent again, even after its lease has run out.
func (s *Scheduler) flushPending(ctx context.Context) error {
	rs := s.pending.take()
	if len(rs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	for chunk := range slices.Chunk(rs, maxRecordBatch) {
		if err := s.store.Record(ctx, chunk); err != nil {
			s.pending.add(rs)
			return err
		}
	}
	s.log.Info("recorded reminders sent during a store outage", "count", len(rs))
	return nil
}

// unrecorded holds records the store could not take. It lives in memory:
// if the process dies before the store is back, these messages are sent
// again after their leases run out (at least once).
type unrecorded struct {
	mu sync.Mutex
	rs map[subscription.Delivery]subscription.Record
}

func (u *unrecorded) add(rs []subscription.Record) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.rs == nil {
		u.rs = map[subscription.Delivery]subscription.Record{}
	}
	for _, r := range rs {
		u.rs[r.Delivery] = r
	}
}

func (u *unrecorded) take() []subscription.Record {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]subscription.Record, 0, len(u.rs))
	for _, r := range u.rs {
		out = append(out, r)
	}
	clear(u.rs)
	return out
}

func (u *unrecorded) len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.rs)
}
