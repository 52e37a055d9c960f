package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/kbtest"
	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

var oslo = knowledge.Oslo()

// Both stores give the scheduler what it needs.
var (
	_ Store = (*redisstore.Store)(nil)
	_ Store = (*boltstore.Store)(nil)
)

// at is a wall-clock time in Oslo.
func at(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, oslo) }

// fakeClock is "now" for planning, set by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sent is one message a notifier got.
type sent struct {
	To  string
	Msg Message
}

// recorder is a Notifier that remembers every message; fail, when set,
// decides the outcome of each call first.
type recorder struct {
	mu    sync.Mutex
	got   []sent
	calls map[string]int // per subscriber, including failed calls
	fail  func(sub subscription.Subscriber, call int) error
	ch    chan sent // optional: each delivered message is also sent here
}

func newRecorder() *recorder { return &recorder{calls: map[string]int{}} }

func (r *recorder) Notify(ctx context.Context, sub subscription.Subscriber, msg Message) error {
	r.mu.Lock()
	r.calls[sub.Key()]++
	n := r.calls[sub.Key()]
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(sub, n); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.got = append(r.got, sent{To: sub.Key(), Msg: msg})
	r.mu.Unlock()
	if r.ch != nil {
		r.ch <- sent{To: sub.Key(), Msg: msg}
	}
	return nil
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.got...)
}

// keys lists "to|call|offset" for each message, sorted.
func (r *recorder) keys() []string {
	var out []string
	for _, s := range r.sent() {
		out = append(out, fmt.Sprintf("%s|%s|%d", s.To, s.Msg.Call, s.Msg.Offset))
	}
	sort.Strings(out)
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.got = nil
	r.mu.Unlock()
}

func newBolt(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "subs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newRedis returns a store on the test Redis under a fresh prefix; its own
// client, as a separate replica would have.
func newRedis(t *testing.T, prefix string) *redisstore.Store {
	t.Helper()
	return redisstore.New(redistest.Client(t), prefix)
}

// programme is the knowledge base most tests use: one programme, one call.
func oneCall(t testing.TB, deadline string) func() *knowledge.KB {
	kb := kbtest.KB(t, kbtest.Programme{ID: "ipos", Name: "IPOS", Calls: []kbtest.Call{{ID: "c1", Deadline: deadline}}})
	return func() *knowledge.KB { return kb }
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newSched builds a scheduler with fast retries and no rate limits unless given.
func newSched(t *testing.T, store Store, kb func() *knowledge.KB, clock *fakeClock, n Notifier, opt Options) *Scheduler {
	t.Helper()
	opt.Clock = clock.Now
	if opt.Logger == nil {
		opt.Logger = quietLogger()
	}
	if opt.Notifiers == nil {
		opt.Notifiers = map[subscription.Platform]Notifier{subscription.Telegram: n, subscription.Slack: n, subscription.Console: n}
	}
	if opt.Limits == nil {
		opt.Limits = map[subscription.Platform]Limit{}
	}
	if opt.Backoff == 0 {
		opt.Backoff = time.Millisecond
	}
	s, err := New(store, kb, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// subscribe stores a subscriber as the bot does: the calls open at that moment count as seen.
func subscribe(t *testing.T, store interface {
	Put(context.Context, subscription.Subscriber) error
	SeeCalls(context.Context, []string, time.Time) (map[string]time.Time, error)
}, kb func() *knowledge.KB, sub subscription.Subscriber) {
	t.Helper()
	ctx := context.Background()
	if err := store.Put(ctx, sub); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range subscription.OpenDeadlines(kb(), sub.CreatedAt) {
		keys = append(keys, d.Key())
	}
	if _, err := store.SeeCalls(ctx, keys, sub.CreatedAt); err != nil {
		t.Fatal(err)
	}
}

func mustRun(t *testing.T, s *Scheduler) Report {
	t.Helper()
	rep, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return rep
}

// flaky wraps a store and fails every call while down.
type flaky struct {
	Store
	down atomic.Bool
}

var errDown = errors.New("connection refused (test outage)")

func (f *flaky) err() error {
	if f.down.Load() {
		return errDown
	}
	return nil
}

func (f *flaky) List(ctx context.Context, after string, limit int, active bool) ([]subscription.Subscriber, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Store.List(ctx, after, limit, active)
}

func (f *flaky) PurgeInactive(ctx context.Context, before time.Time) (int, error) {
	if err := f.err(); err != nil {
		return 0, err
	}
	return f.Store.PurgeInactive(ctx, before)
}

func (f *flaky) Lease(ctx context.Context, d subscription.Delivery, token string, ttl time.Duration) (bool, error) {
	if err := f.err(); err != nil {
		return false, err
	}
	return f.Store.Lease(ctx, d, token, ttl)
}

func (f *flaky) Record(ctx context.Context, rs []subscription.Record) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.Record(ctx, rs)
}

func (f *flaky) Release(ctx context.Context, d subscription.Delivery, token string) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.Release(ctx, d, token)
}

func (f *flaky) Deliveries(ctx context.Context, ds []subscription.Delivery) ([]subscription.DeliveryState, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Store.Deliveries(ctx, ds)
}

func (f *flaky) SeeCalls(ctx context.Context, calls []string, now time.Time) (map[string]time.Time, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Store.SeeCalls(ctx, calls, now)
}

func (f *flaky) AcquireLock(ctx context.Context, name, token string, ttl time.Duration) (bool, time.Duration, error) {
	if err := f.err(); err != nil {
		return false, 0, err
	}
	return f.Store.AcquireLock(ctx, name, token, ttl)
}

func (f *flaky) ReleaseLock(ctx context.Context, name, token string) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.ReleaseLock(ctx, name, token)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// syncWriter lets the log handler write from many goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func newTestLogger(b *strings.Builder) *slog.Logger {
	return slog.New(slog.NewTextHandler(&syncWriter{w: b}, nil))
}
