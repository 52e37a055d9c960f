package telegram

import "sync"

// tracker knows which polled updates are handled, so that the offset given
// to Telegram (and saved) never passes an update still being answered.
type tracker struct {
	mu      sync.Mutex
	next    int           // the offset: every update below it is handled
	seen    int           // the highest update_id taken so far
	pending map[int]bool  // taken, not yet handled
	changed chan struct{} // signalled (without blocking) when an update is handled
}

func newTracker(offset int) *tracker {
	return &tracker{next: offset, seen: offset - 1, pending: map[int]bool{}, changed: make(chan struct{}, 1)}
}

// take reports whether the update is new, and if so marks it pending.
func (t *tracker) take(id int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id <= t.seen || id < t.next {
		return false
	}
	t.seen = id
	t.pending[id] = true
	return true
}

// done marks an update handled.
func (t *tracker) done(id int) {
	t.mu.Lock()
	delete(t.pending, id)
	t.mu.Unlock()
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// offset is the first update not yet handled: the lowest pending one, or the
// one after the highest seen when nothing is pending.
func (t *tracker) offset() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	low := t.seen + 1
	for id := range t.pending {
		if id < low {
			low = id
		}
	}
	if low > t.next {
		t.next = low
	}
	return t.next
}
