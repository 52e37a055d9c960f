package scheduler

// Benchmarks against the real Redis (127.0.0.1:6379 or REDIS_URL); they skip
// without it. They run only with -bench, e.g.:
//
//	go test ./scheduler -run '^$' -bench . -benchtime 1x

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// roundTrips counts network round trips: one per command, one per pipeline.
type roundTrips struct{ n atomic.Int64 }

func (c *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}

func (c *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(1); return next(ctx, cmds) }
}

// benchStore is a Redis store under a fresh prefix, filled with n subscribers
// whose 14-day reminder for the IPOS deadline (17 December 2026) is due at
// benchNow; the prefix is removed when the benchmark ends.
type bench struct {
	store  *redisstore.Store
	admin  *redis.Client // a second client, not counted
	rt     *roundTrips   // round trips of store's client
	kb     func() *knowledge.KB
	prefix string
}

func benchStore(b *testing.B, n int) bench {
	b.Helper()
	admin := redistest.Client(b)
	prefix := redistest.Prefix(b, admin)
	rdb := redis.NewClient(redistest.Options(b))
	b.Cleanup(func() { rdb.Close() })
	rt := &roundTrips{}
	rdb.AddHook(rt)
	store := redisstore.New(rdb, prefix)
	kb := oneCall(b, "2026-12-17")
	created := at(2026, 11, 1, 12, 0)
	if _, err := store.SeeCalls(context.Background(), []string{"ipos/c1"}, created); err != nil {
		b.Fatal(err)
	}
	seeder := redisstore.New(admin, prefix)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 32 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				p := []subscription.Platform{subscription.Telegram, subscription.Slack}[i%2]
				lang := knowledge.Langs[i%3]
				sub := subscription.New(p, fmt.Sprintf("%07d", i), lang, created)
				if err := seeder.Put(context.Background(), sub); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return bench{store: store, admin: admin, rt: rt, kb: kb, prefix: prefix}
}

var benchNow = at(2026, 12, 3, 9, 0)

// clearRecords deletes the delivery records (and any leases) of the n
// subscribers, so that the next run sends everything again.
func (e bench) clearRecords(b *testing.B, n int) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 1000 {
		_, err := e.admin.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < min(start+1000, n); i++ {
				key := subscription.Key([]subscription.Platform{subscription.Telegram, subscription.Slack}[i%2], fmt.Sprintf("%07d", i))
				p.HDel(ctx, e.prefix+"sub:"+key, "sent|ipos/c1|14", "lease|ipos/c1|14")
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlan plans one tick in which every subscriber has a reminder due:
// time per tick, round trips, and the peak heap while planning.
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			e := benchStore(b, n)
			rt := e.rt
			s, err := New(e.store, e.kb, Options{Logger: quietLogger(), BatchSize: 1000})
			if err != nil {
				b.Fatal(err)
			}
			var due int
			var peak uint64
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base := ms.HeapAlloc
			rt.n.Store(0)
			b.ResetTimer()
			for b.Loop() {
				due = 0
				err := s.Preview(context.Background(), benchNow, func(batch []Reminder) error {
					due += len(batch)
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc)
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if due != n {
				b.Fatalf("planned %d reminders, want %d", due, n)
			}
			b.ReportMetric(float64(due), "reminders/tick")
			b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/tick")
			b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "peak-heap-MB")
		})
	}
}

// BenchmarkPlanLiveHeap measures the live heap (after a GC at every batch)
// while planning: it follows the batch size, not the number of subscribers.
func BenchmarkPlanLiveHeap(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		e := benchStore(b, n)
		for _, batch := range []int{500, 1000, 5000} {
			b.Run(fmt.Sprintf("subscribers=%d/batch=%d", n, batch), func(b *testing.B) {
				s, err := New(e.store, e.kb, Options{Logger: quietLogger(), BatchSize: batch})
				if err != nil {
					b.Fatal(err)
				}
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base, peak := ms.HeapAlloc, ms.HeapAlloc
				for b.Loop() {
					err := s.Preview(context.Background(), benchNow, func([]Reminder) error {
						runtime.GC()
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(peak-base)/(1<<20), "live-heap-MB")
			})
		}
	}
}

// BenchmarkTick runs a whole tick for 100,000 due subscribers with a
// notifier that returns at once and no rate limit: round trips per reminder
// sent, planning, leases and records included.
func BenchmarkTick(b *testing.B) {
	const n = 100_000
	e := benchStore(b, n)
	rt := e.rt
	var count atomic.Int64
	fast := NotifierFunc(func(context.Context, subscription.Subscriber, Message) error { count.Add(1); return nil })
	s, err := New(e.store, e.kb, Options{
		Logger: quietLogger(), Clock: func() time.Time { return benchNow }, Workers: 32,
		Notifiers: map[subscription.Platform]Notifier{subscription.Telegram: fast, subscription.Slack: fast},
		Limits:    map[subscription.Platform]Limit{},
	})
	if err != nil {
		b.Fatal(err)
	}
	var trips, sent int64
	for b.Loop() {
		b.StopTimer()
		e.clearRecords(b, n)
		count.Store(0)
		rt.n.Store(0)
		b.StartTimer()
		rep, err := s.RunOnce(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if rep.Sent != n || count.Load() != n {
			b.Fatalf("sent %d (notifier saw %d), want %d", rep.Sent, count.Load(), n)
		}
		trips += rt.n.Load()
		sent += int64(rep.Sent)
	}
	b.ReportMetric(float64(trips)/float64(sent), "roundtrips/reminder")
	b.ReportMetric(float64(n), "reminders/tick")
}

// BenchmarkDispatchRate sends with a rate cap and a notifier that returns at
// once, in real time: the achieved rate must stay within 5 % of the cap, and
// no reminder may go twice.
func BenchmarkDispatchRate(b *testing.B) {
	for _, tc := range []struct {
		rate float64
		n    int
	}{{25, 250}, {1000, 5000}} {
		b.Run(fmt.Sprintf("cap=%g/s", tc.rate), func(b *testing.B) {
			e := benchStore(b, tc.n)
			var mu sync.Mutex
			seen := map[string]int{}
			first, last := map[subscription.Platform]time.Time{}, map[subscription.Platform]time.Time{}
			fast := NotifierFunc(func(_ context.Context, sub subscription.Subscriber, msg Message) error {
				now := time.Now()
				mu.Lock()
				seen[sub.Key()+"|"+msg.Call]++
				if first[sub.Platform].IsZero() {
					first[sub.Platform] = now
				}
				last[sub.Platform] = now
				mu.Unlock()
				return nil
			})
			limit := Limit{Rate: tc.rate, Burst: 1, PerChat: time.Second}
			s, err := New(e.store, e.kb, Options{
				Logger: quietLogger(), Clock: func() time.Time { return benchNow }, Workers: 16,
				Notifiers: map[subscription.Platform]Notifier{subscription.Telegram: fast, subscription.Slack: fast},
				Limits:    map[subscription.Platform]Limit{subscription.Telegram: limit, subscription.Slack: limit},
			})
			if err != nil {
				b.Fatal(err)
			}
			var achieved float64
			dups := 0
			var trips int64
			for b.Loop() {
				b.StopTimer()
				e.clearRecords(b, tc.n)
				clear(seen)
				clear(first)
				clear(last)
				e.rt.n.Store(0)
				b.StartTimer()
				if _, err := s.RunOnce(context.Background()); err != nil {
					b.Fatal(err)
				}
				// Two platforms, half the subscribers each, each under its own cap.
				achieved = 0
				for p := range first {
					achieved += float64(tc.n/2-1) / last[p].Sub(first[p]).Seconds() / 2
				}
				for _, c := range seen {
					dups += c - 1
				}
				if len(seen) != tc.n {
					b.Fatalf("%d distinct reminders, want %d", len(seen), tc.n)
				}
				trips = e.rt.n.Load()
			}
			// Under a rate cap sends rarely finish together, so each record
			// is its own round trip: 2 per reminder, plus planning.
			b.ReportMetric(float64(trips)/float64(tc.n), "roundtrips/reminder")
			b.ReportMetric(achieved, "msgs/s/platform")
			b.ReportMetric(100*achieved/tc.rate, "%-of-cap")
			b.ReportMetric(float64(dups), "duplicates")
			// Above the cap or a duplicate is a bug. Below it means the machine
			// could not keep up (the limiter never sends ahead to catch up).
			if achieved > tc.rate*1.05 || dups != 0 {
				b.Errorf("rate %.2f/s against a cap of %g/s, %d duplicates", achieved, tc.rate, dups)
			}
			if achieved < tc.rate*0.95 {
				b.Logf("rate %.2f/s is more than 5%% under the cap of %g/s: the machine could not keep up", achieved, tc.rate)
			}
		})
	}
}
