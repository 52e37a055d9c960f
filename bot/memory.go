package bot

import (
	"sync"
	"time"

	"github.com/fundbot/fundbot/knowledge"
)

// turn is what the bot remembers of a conversation: the topic "it" refers to
// and the language to use when a message is too short to tell.
type turn struct {
	topic string
	lang  knowledge.Lang
	at    time.Time
}

// memory keeps the last turn per conversation for a while, bounded in size.
type memory struct {
	mu   sync.Mutex
	ttl  time.Duration
	max  int
	last map[string]turn
}

func newMemory(ttl time.Duration, max int) *memory {
	return &memory{ttl: ttl, max: max, last: map[string]turn{}}
}

func (m *memory) get(conv string, now time.Time) (turn, bool) {
	if conv == "" {
		return turn{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.last[conv]
	if !ok || now.Sub(t.at) > m.ttl || now.Before(t.at.Add(-m.ttl)) {
		return turn{}, false
	}
	return t, true
}

func (m *memory) put(conv string, t turn, now time.Time) {
	if conv == "" {
		return
	}
	t.at = now
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.last[conv]; !ok && len(m.last) >= m.max {
		m.evict(now)
	}
	m.last[conv] = t
}

// evict drops expired turns, or the oldest one when none has expired.
func (m *memory) evict(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, t := range m.last {
		if now.Sub(t.at) > m.ttl {
			delete(m.last, k)
			continue
		}
		if oldest == "" || t.at.Before(oldestAt) {
			oldest, oldestAt = k, t.at
		}
	}
	if len(m.last) >= m.max && oldest != "" {
		delete(m.last, oldest)
	}
}
