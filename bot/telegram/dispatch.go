package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
)

// job is the work for one update, run in its chat's queue.
type job struct {
	update int   // update_id
	chat   int64 // jobs of one chat run in order
	run    func(ctx context.Context) error
	// sorry tells the user something went wrong, after a panic.
	sorry func(ctx context.Context)
}

// dispatcher runs jobs concurrently across chats and in order within a chat.
// Each chat with work has one goroutine draining its queue; at most workers
// jobs run at once. done is told about every job that finished (or panicked);
// jobs cut short because ctx ended are not reported, so they count as unhandled.
type dispatcher struct {
	log  *slog.Logger
	sem  chan struct{}
	done func(update int)

	mu      sync.Mutex
	chats   map[int64][]job // a chat is in the map while its goroutine runs
	pending int
	closed  bool
	wg      sync.WaitGroup
}

func newDispatcher(workers int, log *slog.Logger, done func(int)) *dispatcher {
	if done == nil {
		done = func(int) {}
	}
	return &dispatcher{log: log, sem: make(chan struct{}, workers), done: done, chats: map[int64][]job{}}
}

// submit queues j behind the chat's earlier jobs; false once closed.
func (d *dispatcher) submit(ctx context.Context, j job) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	q, running := d.chats[j.chat]
	d.chats[j.chat] = append(q, j)
	d.pending++
	if !running {
		d.wg.Add(1) // under the lock: close cannot be waiting yet
		go func() {
			defer d.wg.Done()
			d.drain(ctx, j.chat)
		}()
	}
	return true
}

// size is the number of jobs queued or running.
func (d *dispatcher) size() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending
}

// close refuses new jobs and waits until every queued one has run or been dropped.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.wg.Wait()
}

func (d *dispatcher) drain(ctx context.Context, chat int64) {
	for {
		d.mu.Lock()
		q := d.chats[chat]
		if len(q) == 0 {
			delete(d.chats, chat)
			d.mu.Unlock()
			return
		}
		j := q[0]
		q[0] = job{}
		d.chats[chat] = q[1:]
		d.mu.Unlock()

		if ctx.Err() == nil {
			d.sem <- struct{}{}
			finished := d.runSafely(ctx, j)
			<-d.sem
			if finished {
				d.done(j.update)
			}
		}
		d.mu.Lock()
		d.pending--
		d.mu.Unlock()
	}
}

// runSafely runs one job, turning a panic into a log line. It reports
// whether the update may be forgotten: false only when ctx ended first.
func (d *dispatcher) runSafely(ctx context.Context, j job) (finished bool) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("update handler panicked; the bot goes on",
				"update_id", j.update, "chat_id", j.chat, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if j.sorry != nil {
				d.sorrySafely(ctx, j)
			}
			finished = true // handling it again would panic again
		}
	}()
	err := j.run(ctx)
	if err != nil && ctx.Err() != nil {
		return false // shutting down mid-answer: leave it for the next start
	}
	if err != nil {
		d.log.Warn("update not answered", "update_id", j.update, "chat_id", j.chat, "err", err)
	}
	return true
}

func (d *dispatcher) sorrySafely(ctx context.Context, j job) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("apology after a panic panicked too", "update_id", j.update, "panic", fmt.Sprint(r))
		}
	}()
	j.sorry(ctx)
}
