package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/internal/kbtest"
	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// dueSetup stores subscribers whose 7-day reminder is due at the returned time.
func dueSetup(t *testing.T, store Store, chats ...string) (kb func() *knowledge.KB, now time.Time) {
	t.Helper()
	kb = oneCall(t, "2026-12-17")
	for _, c := range chats {
		sub := subscription.New(subscription.Telegram, c, knowledge.NB, at(2026, 11, 1, 12, 0))
		sub.Offsets = []int{7}
		subscribe(t, store.(interface {
			Put(context.Context, subscription.Subscriber) error
			SeeCalls(context.Context, []string, time.Time) (map[string]time.Time, error)
		}), kb, sub)
	}
	return kb, at(2026, 12, 10, 9, 0)
}

func TestBlockedSubscriberIsDeactivatedNotRetried(t *testing.T) {
	store := newBolt(t)
	kb, now := dueSetup(t, store, "blocked", "ok")
	rec := newRecorder()
	rec.fail = func(sub subscription.Subscriber, _ int) error {
		if sub.ChatID == "blocked" {
			return &ChatGoneError{Reason: "Forbidden: bot was blocked by the user"}
		}
		return nil
	}
	s := newSched(t, store, kb, newClock(now), rec, Options{})
	rep := mustRun(t, s)
	if rep.Deactivated != 1 || rep.Sent != 1 || rep.Failed != 0 {
		t.Fatalf("report: %v", rep)
	}
	got, err := store.Get(t.Context(), "telegram:blocked")
	if err != nil || got.Active || !got.DeactivatedAt.Equal(now) {
		t.Fatalf("blocked subscriber: %+v, %v; want deactivated at %s", got, err, now)
	}
	mustRun(t, s)
	if n := rec.calls["telegram:blocked"]; n != 1 {
		t.Fatalf("a blocked chat was tried %d times, want 1", n)
	}
}

func TestDeactivatedSubscribersArePurgedAfterThePeriod(t *testing.T) {
	store := newBolt(t)
	kb, now := dueSetup(t, store, "gone")
	if err := store.Deactivate(t.Context(), "telegram:gone", now.Add(-31*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := newSched(t, store, kb, newClock(now), newRecorder(), Options{PurgeAfter: 30 * 24 * time.Hour})
	if rep := mustRun(t, s); rep.Purged != 1 {
		t.Fatalf("purged %d, want 1", rep.Purged)
	}
	if _, err := store.Get(t.Context(), "telegram:gone"); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("still stored: %v", err)
	}
}

func TestFailedSendIsRetriedThenReleasedForTheNextTick(t *testing.T) {
	store := newBolt(t)
	kb, now := dueSetup(t, store, "1")
	rec := newRecorder()
	down := true
	rec.fail = func(subscription.Subscriber, int) error {
		if down {
			return errors.New("502 Bad Gateway")
		}
		return nil
	}
	s := newSched(t, store, kb, newClock(now), rec, Options{Retries: 2})
	rep := mustRun(t, s)
	if rep.Failed != 1 || rep.Sent != 0 || rec.calls["telegram:1"] != 3 {
		t.Fatalf("report %v after %d calls; want 1 failed after 3 attempts", rep, rec.calls["telegram:1"])
	}
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/c1", Offset: 7}
	if st, _ := store.Deliveries(t.Context(), []subscription.Delivery{d}); st[0] != subscription.Due {
		t.Fatalf("a failed send left its delivery %v, want due (lease released, nothing recorded)", st[0])
	}
	down = false
	if rep := mustRun(t, s); rep.Sent != 1 {
		t.Fatalf("next tick: %v", rep)
	}
	if rep := mustRun(t, s); rep.Sent != 0 {
		t.Fatalf("sent twice: %v", rep)
	}
}

func TestTransientFailureRecoversWithinTheTick(t *testing.T) {
	store := newBolt(t)
	kb, now := dueSetup(t, store, "1")
	rec := newRecorder()
	rec.fail = func(_ subscription.Subscriber, call int) error {
		if call < 3 {
			return errors.New("connection reset")
		}
		return nil
	}
	s := newSched(t, store, kb, newClock(now), rec, Options{Retries: 3})
	var slept []time.Duration
	var mu sync.Mutex
	s.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return nil
	}
	if rep := mustRun(t, s); rep.Sent != 1 || len(rec.sent()) != 1 {
		t.Fatalf("report %v", rep)
	}
	if !slices.Equal(slept, []time.Duration{time.Millisecond, 2 * time.Millisecond}) {
		t.Fatalf("backoff %v, want 1ms then 2ms", slept)
	}
}

func TestUncertainSendIsNotRepeated(t *testing.T) {
	store := newBolt(t)
	kb, now := dueSetup(t, store, "1")
	rec := newRecorder()
	rec.fail = func(_ subscription.Subscriber, call int) error {
		if call == 1 {
			return fmt.Errorf("%w: read tcp: i/o timeout", ErrUncertain)
		}
		return nil
	}
	s := newSched(t, store, kb, newClock(now), rec, Options{})
	if rep := mustRun(t, s); rep.Uncertain != 1 {
		t.Fatalf("report %v", rep)
	}
	mustRun(t, s)
	if n := rec.calls["telegram:1"]; n != 1 {
		t.Fatalf("an uncertain send was repeated: %d calls", n)
	}
}

func TestRetryAfterIsRespected(t *testing.T) {
	store := newBolt(t)
	kb, now := dueSetup(t, store, "1", "2")
	rec := newRecorder()
	rec.fail = func(sub subscription.Subscriber, call int) error {
		if sub.ChatID == "1" && call == 1 {
			return &RetryAfterError{After: 7 * time.Second, Err: errors.New("429 Too Many Requests")}
		}
		return nil
	}
	s := newSched(t, store, kb, newClock(now), rec, Options{
		Workers: 1,
		Limits:  map[subscription.Platform]Limit{subscription.Telegram: {Rate: 25, PerChat: time.Second}},
	})
	mono := newClock(now)
	s.mono = mono.Now
	s.sleep = func(_ context.Context, d time.Duration) error { mono.Add(d); return nil }
	start := mono.Now()
	rep := mustRun(t, s)
	if rep.Sent != 2 || rec.calls["telegram:1"] != 2 {
		t.Fatalf("report %v, calls %v", rep, rec.calls)
	}
	if waited := mono.Now().Sub(start); waited < 7*time.Second {
		t.Fatalf("waited %s after retry_after 7s", waited)
	}
}

func TestRateStaysWithinFivePercentOfTheCap(t *testing.T) {
	store := newBolt(t)
	var chats []string
	for i := range 400 {
		chats = append(chats, fmt.Sprint(i))
	}
	kb, now := dueSetup(t, store, chats...)
	rec := newRecorder()
	const rate = 25.0
	s := newSched(t, store, kb, newClock(now), rec, Options{
		Workers: 1,
		Limits:  map[subscription.Platform]Limit{subscription.Telegram: {Rate: rate, Burst: 1, PerChat: time.Second}},
	})
	mono := newClock(now)
	s.mono = mono.Now
	s.sleep = func(_ context.Context, d time.Duration) error { mono.Add(d); return nil }
	start := mono.Now()
	mustRun(t, s)
	elapsed := mono.Now().Sub(start)
	got := rec.keys()
	if len(got) != 400 || len(slices.Compact(slices.Clone(got))) != 400 {
		t.Fatalf("sent %d messages, %d distinct; want 400 once each", len(got), len(slices.Compact(got)))
	}
	achieved := float64(len(got)-1) / elapsed.Seconds()
	if achieved > rate*1.05 || achieved < rate*0.95 {
		t.Fatalf("rate %.2f/s, cap %.0f/s", achieved, rate)
	}
}

func TestOneChatGetsOneMessagePerSecond(t *testing.T) {
	store := newBolt(t)
	kbv := kbtest.KB(t,
		kbtest.Programme{ID: "a", Calls: []kbtest.Call{{ID: "c", Deadline: "2026-12-17"}}},
		kbtest.Programme{ID: "b", Calls: []kbtest.Call{{ID: "c", Deadline: "2026-12-17"}}},
		kbtest.Programme{ID: "c", Calls: []kbtest.Call{{ID: "c", Deadline: "2026-12-17"}}},
	)
	kb := func() *knowledge.KB { return kbv }
	sub := subscription.New(subscription.Telegram, "1", knowledge.NB, at(2026, 11, 1, 12, 0))
	sub.Offsets = []int{7}
	subscribe(t, store, kb, sub)

	now := at(2026, 12, 10, 9, 0)
	mono := newClock(now)
	var mu sync.Mutex
	var sendAt []time.Time
	n := NotifierFunc(func(context.Context, subscription.Subscriber, Message) error {
		mu.Lock()
		sendAt = append(sendAt, mono.Now())
		mu.Unlock()
		return nil
	})
	s := newSched(t, store, kb, newClock(now), n, Options{
		Workers: 1,
		Limits:  map[subscription.Platform]Limit{subscription.Telegram: {Rate: 25, PerChat: time.Second}},
	})
	s.mono = mono.Now
	s.sleep = func(_ context.Context, d time.Duration) error { mono.Add(d); return nil }
	if rep := mustRun(t, s); rep.Sent != 3 {
		t.Fatalf("report %v", rep)
	}
	for i := 1; i < len(sendAt); i++ {
		if gap := sendAt[i].Sub(sendAt[i-1]); gap < time.Second {
			t.Fatalf("two messages to one chat %s apart", gap)
		}
	}
}

func TestPlatformWithoutNotifierIsLeftForLater(t *testing.T) {
	store := newBolt(t)
	kb, now := dueSetup(t, store, "1")
	rec := newRecorder()
	s := newSched(t, store, kb, newClock(now), rec, Options{Notifiers: map[subscription.Platform]Notifier{subscription.Slack: rec}})
	if rep := mustRun(t, s); rep.NoNotifier != 1 || rep.Sent != 0 {
		t.Fatalf("report %v", rep)
	}
	s = newSched(t, store, kb, newClock(now), rec, Options{})
	if rep := mustRun(t, s); rep.Sent != 1 {
		t.Fatalf("once a notifier exists: %v", rep)
	}
}

func TestStoreOutageIsClearAndLosesNothing(t *testing.T) {
	store := &flaky{Store: newBolt(t)}
	kb, now := dueSetup(t, store.Store, "1", "2", "3")
	rec := newRecorder()
	s := newSched(t, store, kb, newClock(now), rec, Options{})
	store.down.Store(true)
	_, err := s.RunOnce(t.Context())
	var se *StoreError
	if !errors.As(err, &se) || !errors.Is(err, errDown) {
		t.Fatalf("err = %v; want a StoreError wrapping the cause", err)
	}
	if !contains(err.Error(), "next tick") {
		t.Errorf("error does not say what happens next: %v", err)
	}
	if len(rec.sent()) != 0 {
		t.Fatal("sent during the outage")
	}
	store.down.Store(false)
	if rep := mustRun(t, s); rep.Sent != 3 {
		t.Fatalf("after the outage: %v", rep)
	}
}

// The same against the real Redis through a proxy that is cut mid-tick: the
// record of the message in flight fails (it stays pending in memory), the
// tick stops with a clear error, and the next tick after Redis is back first
// records it, then sends the rest: everything exactly once.
func TestRedisOutageMidTick(t *testing.T) {
	admin := redistest.Client(t)
	prefix := redistest.Prefix(t, admin)
	proxy := redistest.NewProxy(t)
	opt := redistest.Options(t)
	opt.Addr, opt.MaxRetries = proxy.Addr, -1
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	store := redisstore.New(rdb, prefix)
	var chats []string
	for i := range 10 {
		chats = append(chats, fmt.Sprint(i))
	}
	kb, now := dueSetup(t, store, chats...)
	rec := newRecorder()
	var once sync.Once
	rec.fail = func(subscription.Subscriber, int) error {
		once.Do(proxy.Down) // Redis goes away after the first message is leased, before its record
		return nil
	}
	s := newSched(t, store, kb, newClock(now), rec, Options{Workers: 1})
	_, err := s.RunOnce(t.Context())
	var se *StoreError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v; want a StoreError", err)
	}
	first := len(rec.sent())
	if first < 1 || first >= 10 {
		t.Fatalf("sent %d before the outage", first)
	}
	rec.fail = nil
	proxy.Up(t)
	if _, err := s.RunOnce(t.Context()); err != nil {
		t.Fatalf("after Redis came back: %v", err)
	}
	got := rec.keys()
	if len(got) != 10 || len(slices.Compact(slices.Clone(got))) != 10 {
		t.Fatalf("sent %v; want each of the 10 once", got)
	}
}
