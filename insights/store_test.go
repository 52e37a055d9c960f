package insights

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/knowledge"
)

// contract runs the same checks on every Store.
func contract(t *testing.T, open func(t *testing.T, clock func() time.Time) Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, knowledge.Oslo())
	clock := func() time.Time { return now }
	s := open(t, clock)

	rec := func(at time.Time, intent, lang string, matched bool, q string) {
		t.Helper()
		if err := s.Record(ctx, Event{At: at, Intent: intent, Lang: lang, Matched: matched, Question: q}); err != nil {
			t.Fatal(err)
		}
	}
	old := now.AddDate(0, 0, -100) // past the 90-day retention
	rec(old, "fallback", "nb", false, "Gammelt spørsmål")
	rec(now.AddDate(0, 0, -3), "fallback", "nb", false, "Hvor mye penger  kan vi få?")
	rec(now.AddDate(0, 0, -1), "fallback", "nb", false, "hvor mye penger kan vi få?")
	rec(now, "fallback", "en", false, "call me on 91234567")
	rec(now, "deadline", "nb", true, "")
	rec(now, "deadline", "nb", true, "")
	rec(now, "who_can_apply", "en", true, "")

	un, err := s.Unanswered(ctx, now.AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	if len(un) != 2 || un[0].Question != "hvor mye penger kan vi få?" || un[0].N != 2 {
		t.Fatalf("unanswered = %+v; want the money question twice, first", un)
	}
	for _, c := range un {
		if strings.Contains(c.Question, "91234567") {
			t.Errorf("a phone number was stored: %q", c.Question)
		}
	}
	all, err := s.Unanswered(ctx, old.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		if strings.Contains(c.Question, "gammelt") {
			t.Errorf("a question past the retention period is still reported: %+v", c)
		}
	}
	us, err := s.Usage(ctx, now.AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	if len(us) == 0 || us[0] != (Usage{Intent: "deadline", Lang: "nb", Matched: true, N: 2}) {
		t.Errorf("usage = %+v; want deadline/nb twice first", us)
	}
}

func TestBoltStore(t *testing.T) {
	contract(t, func(t *testing.T, clock func() time.Time) Store {
		b, err := OpenBolt(filepath.Join(t.TempDir(), "insights.db"), 0, knowledge.Oslo(), clock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	})
}

func TestRedisStore(t *testing.T) {
	contract(t, func(t *testing.T, clock func() time.Time) Store {
		c := redistest.Client(t)
		r := NewRedis(c, redistest.Prefix(t, c), 0, knowledge.Oslo(), clock)
		// Redis expires old buckets by itself; a bucket written "100 days ago"
		// in this test still has its full TTL, so the report's date window must drop it.
		return r
	})
}

type failingStore struct{ Store }

func (failingStore) Record(context.Context, Event) error { return io.ErrClosedPipe }

func TestAsyncNeverBlocksAndSurvivesStoreErrors(t *testing.T) {
	a := NewAsync(failingStore{}, 2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i := 0; i < 1000; i++ {
		a.Record(Event{At: time.Now(), Intent: "x"})
	}
	a.Close()
	if a.Dropped()+a.Failed() != 1000 {
		t.Errorf("dropped %d + failed %d, want 1000", a.Dropped(), a.Failed())
	}
}
