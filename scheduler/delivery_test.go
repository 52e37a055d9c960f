package scheduler

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// Lease-then-record across crashes and store trouble. Leases run on the
// store's own clock (real time for Redis), so these tests use leases of a
// second — long enough for a tick on a busy machine — and a send timeout
// below them.

const shortLease, shortTimeout = time.Second, 300 * time.Millisecond

// bothStores runs a test on the file store and on the real Redis.
func bothStores(t *testing.T, run func(t *testing.T, store Store)) {
	t.Run("bolt", func(t *testing.T) { run(t, newBolt(t)) })
	t.Run("redis", func(t *testing.T) { run(t, newRedis(t, redistest.Prefix(t, redistest.Client(t)))) })
}

func chats(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	return out
}

// waitLeasesOut waits until no delivery of ds is leased any more.
func waitLeasesOut(t *testing.T, store Store, ds []subscription.Delivery) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		st, err := store.Deliveries(t.Context(), ds)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(st, subscription.Leased) {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("leases still live: %v", st)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// A process that leased a reminder and died before sending it (SIGKILL)
// leaves only its lease: the next tick sees the reminder as busy, and once
// the lease runs out the reminder goes, once. Nothing is lost.
func TestCrashBeforeTheSendLosesNothing(t *testing.T) {
	bothStores(t, func(t *testing.T, store Store) {
		kb, now := dueSetup(t, store, "1", "2")
		d := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/c1", Offset: 7}
		if ok, err := store.Lease(t.Context(), d, "dead-process", shortLease); err != nil || !ok {
			t.Fatalf("lease of the dead process: %v, %v", ok, err)
		}
		rec := newRecorder()
		s := newSched(t, store, kb, newClock(now), rec, Options{Lease: shortLease, Timeout: shortTimeout})
		rep := mustRun(t, s)
		if rep.Sent != 1 || rep.Busy != 1 || !slices.Equal(rec.keys(), []string{"telegram:2|ipos/c1|7"}) {
			t.Fatalf("while the dead lease lives: %v, sent %v; want only telegram:2, telegram:1 busy", rep, rec.keys())
		}
		waitLeasesOut(t, store, []subscription.Delivery{d})
		if rep := mustRun(t, s); rep.Sent != 1 {
			t.Fatalf("after the lease ran out: %v; want telegram:1 sent", rep)
		}
		mustRun(t, s)
		if got := rec.keys(); !slices.Equal(got, []string{"telegram:1|ipos/c1|7", "telegram:2|ipos/c1|7"}) {
			t.Fatalf("sent %v; want each once", got)
		}
	})
}

// A process killed after the message went out but before its record was
// written: the restarted process cannot know, and sends it again once the
// lease runs out. This is the at-least-once edge of lease-then-record, and
// it is bounded by the messages in flight (at most the workers).
func TestCrashAfterTheSendBeforeTheRecordSendsOnceMore(t *testing.T) {
	bothStores(t, func(t *testing.T, store Store) {
		kb, now := dueSetup(t, store, "1")
		dying := &flaky{Store: store}
		rec := newRecorder()
		rec.fail = func(subscription.Subscriber, int) error {
			dying.down.Store(true) // the process "dies" while the message is on its way
			return nil
		}
		first := newSched(t, dying, kb, newClock(now), rec, Options{Lease: shortLease, Timeout: shortTimeout})
		if _, err := first.RunOnce(t.Context()); err == nil {
			t.Fatal("the record could not be written, but the tick reported no error")
		}
		// The restart: a new scheduler, nothing pending in memory.
		rec.fail = nil
		restarted := newSched(t, store, kb, newClock(now), rec, Options{Lease: shortLease, Timeout: shortTimeout})
		if rep := mustRun(t, restarted); rep.Sent != 0 || rep.Busy != 1 {
			t.Fatalf("while the lease lives: %v; want nothing sent, 1 busy", rep)
		}
		waitLeasesOut(t, store, []subscription.Delivery{{Subscriber: "telegram:1", Call: "ipos/c1", Offset: 7}})
		mustRun(t, restarted)
		mustRun(t, restarted)
		if n := len(rec.sent()); n != 2 {
			t.Fatalf("sent %d times; want 2 (the message in flight at the crash goes again, once)", n)
		}
	})
}

// A store that fails just after a message went out: the record stays pending
// in memory, no tick plans until it is written, so even after the lease has
// run out the reminder is not sent again by this process.
func TestRecordPendingDuringAnOutageIsWrittenFirst(t *testing.T) {
	bothStores(t, func(t *testing.T, store Store) {
		kb, now := dueSetup(t, store, "1", "2", "3")
		f := &flaky{Store: store}
		rec := newRecorder()
		sends := atomic.Int32{}
		rec.fail = func(subscription.Subscriber, int) error {
			if sends.Add(1) == 1 {
				f.down.Store(true)
			}
			return nil
		}
		s := newSched(t, f, kb, newClock(now), rec, Options{Workers: 1, Lease: shortLease, Timeout: shortTimeout})
		_, err := s.RunOnce(t.Context())
		var se *StoreError
		if !errors.As(err, &se) || s.pending.len() != 1 {
			t.Fatalf("err = %v, %d pending; want a StoreError and the sent reminder pending", err, s.pending.len())
		}
		// Still down at the next tick: nothing is planned or sent.
		if _, err := s.RunOnce(t.Context()); err == nil || len(rec.sent()) != 1 {
			t.Fatalf("tick while down: %v, %d sent", err, len(rec.sent()))
		}
		time.Sleep(shortLease + 50*time.Millisecond) // the lease has run out
		f.down.Store(false)
		if rep := mustRun(t, s); rep.Sent != 2 {
			t.Fatalf("after the outage: %v; want the 2 others", rep)
		}
		mustRun(t, s)
		if got := rec.keys(); len(got) != 3 || len(slices.Compact(slices.Clone(got))) != 3 {
			t.Fatalf("sent %v; want each of the 3 once", got)
		}
	})
}

// A retry waits (backoff, retry_after); if the lease ran out meanwhile and
// another replica took it, this one must not send.
func TestRetryRenewsTheLeaseOrGivesUp(t *testing.T) {
	storeClock := newClock(at(2026, 12, 10, 9, 0))
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "subs.db"), boltstore.Options{Now: storeClock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	kb, now := dueSetup(t, store, "1")
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/c1", Offset: 7}
	rec := newRecorder()
	rec.fail = func(subscription.Subscriber, int) error { return errors.New("502 Bad Gateway") }
	s := newSched(t, store, kb, newClock(now), rec, Options{Retries: 1, Lease: time.Minute, Timeout: time.Second})
	s.sleep = func(context.Context, time.Duration) error {
		storeClock.Add(2 * time.Minute) // a long backoff: the lease runs out…
		if ok, _ := store.Lease(t.Context(), d, "other-replica", time.Minute); !ok {
			t.Error("the other replica could not take the run-out lease")
		}
		return nil
	}
	rep := mustRun(t, s)
	if rep.Taken != 1 || rec.calls["telegram:1"] != 1 {
		t.Fatalf("report %v after %d calls; want 1 taken after the single failed attempt", rep, rec.calls["telegram:1"])
	}
	if st, _ := store.Deliveries(t.Context(), []subscription.Delivery{d}); st[0] != subscription.Leased {
		t.Fatalf("the other replica's lease is %v, want it kept", st[0])
	}
}

// Issue 8: Redis loses every key with a TTL (a volatile-* eviction policy
// under memory pressure) and every lease, after reminders went out: the next
// tick sends nothing twice, because the records are fields of the
// subscribers' own hashes, which have no TTL.
func TestLosingLeasesAndExpiringKeysSendsNothingTwice(t *testing.T) {
	admin := redistest.Client(t)
	prefix := redistest.Prefix(t, admin)
	store := newRedis(t, prefix)
	kb, now := dueSetup(t, store, chats(50)...)
	rec := newRecorder()
	s := newSched(t, store, kb, newClock(now), rec, Options{Workers: 8})
	if rep := mustRun(t, s); rep.Sent != 50 {
		t.Fatalf("first tick: %v", rep)
	}
	ctx := t.Context()
	// Leave a lease of a dead process behind too, as a crash would.
	if ok, _ := store.Lease(ctx, subscription.Delivery{Subscriber: "telegram:7", Call: "ipos/c1", Offset: 1}, "dead", time.Hour); !ok {
		t.Fatal("lease")
	}
	lost := 0
	iter := admin.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		if admin.PTTL(ctx, key).Val() > 0 {
			admin.Del(ctx, key) // what volatile-lru/-ttl/-random may evict
			lost++
		}
		if admin.Type(ctx, key).Val() == "hash" {
			for _, f := range admin.HKeys(ctx, key).Val() {
				if strings.HasPrefix(f, "lease|") {
					admin.HDel(ctx, key, f)
					lost++
				}
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("deleted %d keys with a TTL and leases", lost)
	rec.reset()
	if rep := mustRun(t, s); rep.Sent != 0 {
		t.Fatalf("after losing the leases: %v, sent %v; want nothing sent twice", rep, rec.keys())
	}
}

// Issue 8: Redis killed (SIGKILL) and restarted from its append-only file.
// With appendfsync always every record that was acknowledged survives, so
// nothing is sent twice; with everysec (the usual setting) up to a second of
// records may be lost, and those reminders would go again.
func TestRedisRestartFromAOFSendsNothingTwice(t *testing.T) {
	srv := redistest.StartServer(t, t.TempDir(), "--appendonly", "yes", "--appendfsync", "always")
	rdb := srv.Client(t)
	store := redisstore.New(rdb, "fundbot:")
	kb, now := dueSetup(t, store, chats(20)...)
	rec := newRecorder()
	s := newSched(t, store, kb, newClock(now), rec, Options{Workers: 4})
	if rep := mustRun(t, s); rep.Sent != 20 {
		t.Fatalf("first tick: %v", rep)
	}
	srv.Kill()
	srv.Start(t)
	rec.reset()
	rep, err := s.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("after the restart: %v (the pool did not recover?)", err)
	}
	if rep.Subscribers != 20 || rep.Sent != 0 {
		t.Fatalf("after the restart from the AOF: %v; want 20 subscribers and nothing sent twice", rep)
	}
}

// Issue 8: Redis without persistence restarts empty. The records are gone,
// but so are the subscribers: nothing is sent at all, so nothing twice. (What
// is lost is the subscriptions: hence the README's advice on AOF.)
func TestRedisRestartWithoutPersistenceSendsNothing(t *testing.T) {
	srv := redistest.StartServer(t, t.TempDir(), "--appendonly", "no")
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	store := redisstore.New(rdb, "fundbot:")
	kb, now := dueSetup(t, store, chats(5)...)
	rec := newRecorder()
	s := newSched(t, store, kb, newClock(now), rec, Options{})
	if rep := mustRun(t, s); rep.Sent != 5 {
		t.Fatalf("first tick: %v", rep)
	}
	srv.Kill()
	srv.Start(t)
	rec.reset()
	rep, err := s.RunOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Subscribers != 0 || rep.Sent != 0 {
		t.Fatalf("after an empty restart: %v; want no subscribers and nothing sent", rep)
	}
}
