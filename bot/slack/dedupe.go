package slack

import (
	"sync"
	"time"
)

// seen remembers recent keys (event ids, trigger ids) so that a request Slack
// delivers again is answered once. Keys are forgotten after ttl, and the
// oldest go first when more than max are held.
type seen struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	at    map[string]time.Time
	order []string // keys in the order they were added; at[k] tells whether one is still live
}

func newSeen(ttl time.Duration, max int) *seen {
	return &seen{ttl: ttl, max: max, at: map[string]time.Time{}}
}

// add records key and reports whether it is new.
func (s *seen) add(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	if t, ok := s.at[key]; ok && now.Sub(t) < s.ttl {
		return false
	}
	s.at[key] = now
	s.order = append(s.order, key)
	return true
}

// forget removes key, for a request that was not taken after all.
func (s *seen) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.at, key)
}

// len is the number of keys held.
func (s *seen) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.at)
}

func (s *seen) expire(now time.Time) {
	drop := 0
	for drop < len(s.order) {
		k := s.order[drop]
		t, ok := s.at[k]
		switch {
		case !ok: // forgotten
		case now.Sub(t) >= s.ttl || len(s.at) > s.max-1:
			delete(s.at, k)
		default:
			s.order = s.order[drop:]
			s.compact()
			return
		}
		drop++
	}
	s.order = s.order[:0]
}

// compact copies the queue down once most of its array is dead, so memory stays bounded.
func (s *seen) compact() {
	if cap(s.order) > 64 && len(s.order) < cap(s.order)/4 {
		s.order = append([]string(nil), s.order...)
	}
}
