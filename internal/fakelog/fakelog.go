// Package fakelog is the record of what a fake platform server received,
// which tests read in order or wait on: messages sent, acknowledgements.
package fakelog

import (
	"slices"
	"sync"
	"time"
)

// Log keeps items in arrival order. The zero value is ready to use and safe
// for concurrent use.
type Log[T any] struct {
	mu    sync.Mutex
	items []T
	read  int           // items already returned by Next
	wake  chan struct{} // closed and replaced on every Add
}

// wakeLocked returns the channel the next Add closes.
func (l *Log[T]) wakeLocked() chan struct{} {
	if l.wake == nil {
		l.wake = make(chan struct{})
	}
	return l.wake
}

// Add records v and wakes every waiter.
func (l *Log[T]) Add(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, v)
	close(l.wakeLocked())
	l.wake = make(chan struct{})
}

// All is every item so far, in order.
func (l *Log[T]) All() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.items)
}

// Len is how many items there are.
func (l *Log[T]) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items)
}

// Next returns the first item Next has not returned yet, waiting up to
// timeout for one; ok is false if none came.
func (l *Log[T]) Next(timeout time.Duration) (v T, ok bool) {
	expired := time.After(timeout)
	for {
		if v, ok := l.TryNext(); ok {
			return v, true
		}
		l.mu.Lock()
		wake := l.wakeLocked()
		pending := l.read < len(l.items)
		l.mu.Unlock()
		if pending {
			continue // added between TryNext and here
		}
		select {
		case <-wake:
		case <-expired:
			return v, false
		}
	}
}

// TryNext is Next without waiting.
func (l *Log[T]) TryNext() (v T, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.read < len(l.items) {
		l.read++
		return l.items[l.read-1], true
	}
	return v, false
}

// Wait waits up to timeout until there are at least n items.
func (l *Log[T]) Wait(n int, timeout time.Duration) bool {
	expired := time.After(timeout)
	for {
		l.mu.Lock()
		got, wake := len(l.items), l.wakeLocked()
		l.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-wake:
		case <-expired:
			return false
		}
	}
}
