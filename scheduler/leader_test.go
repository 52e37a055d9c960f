package scheduler

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/kbtest"
	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

// never is a spec that does not fire during a test: ticks come from elections.
const never = "0 0 1 1 *"

type leadEvent struct {
	name    string
	leading bool
	at      time.Time
}

func watch(s *Scheduler, name string, ch chan<- leadEvent) {
	s.onLead = func(leading bool) { ch <- leadEvent{name, leading, time.Now()} }
}

func waitLead(t *testing.T, ch <-chan leadEvent, name string, leading bool, within time.Duration) leadEvent {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case ev := <-ch:
			if ev.name == name && ev.leading == leading {
				return ev
			}
		case <-timeout:
			t.Fatalf("%s did not become leading=%v within %s", name, leading, within)
		}
	}
}

func stop(t *testing.T, s *Scheduler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func TestLeaderFailoverWithinOneLockPeriod(t *testing.T) {
	const ttl = 2 * time.Second
	stores := map[string]func(t *testing.T) (a, b Store){
		"redis": func(t *testing.T) (Store, Store) {
			prefix := redistest.Prefix(t, redistest.Client(t))
			return newRedis(t, prefix), newRedis(t, prefix)
		},
		"bolt": func(t *testing.T) (Store, Store) { s := newBolt(t); return s, s },
	}
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			sa, sb := mk(t)
			a := &flaky{Store: sa}
			kb := oneCall(t, "2026-12-17")
			clock := newClock(at(2026, 12, 1, 12, 0))
			events := make(chan leadEvent, 16)
			A := newSched(t, a, kb, clock, newRecorder(), Options{Spec: never, LockTTL: ttl})
			B := newSched(t, sb, kb, clock, newRecorder(), Options{Spec: never, LockTTL: ttl})
			watch(A, "A", events)
			watch(B, "B", events)
			A.Start(t.Context())
			defer stop(t, A)
			waitLead(t, events, "A", true, 5*time.Second)
			B.Start(t.Context())
			defer stop(t, B)

			// A loses Redis (as if it died): it can neither renew nor release.
			died := time.Now()
			a.down.Store(true)
			ev := waitLead(t, events, "B", true, 5*time.Second)
			took := ev.at.Sub(died)
			t.Logf("B took over %s after A died (lock period %s)", took, ttl)
			if took > ttl+ttl/4 {
				t.Fatalf("takeover took %s, more than one lock period (%s) plus slack", took, ttl)
			}
			if _, leads := A.elector.leading(); leads {
				t.Fatal("A still believes it leads")
			}
		})
	}
}

// Three replicas on one Redis, ticking at the same moments at once, with no
// leader election: the leases and records alone keep every reminder to exactly one send.
func TestThreeSchedulersSendEachReminderExactlyOnce(t *testing.T) {
	prefix := redistest.Prefix(t, redistest.Client(t))
	kbv := kbtest.KB(t,
		kbtest.Programme{ID: "a", Calls: []kbtest.Call{{ID: "c", Deadline: "2026-12-17"}}},
		kbtest.Programme{ID: "b", Calls: []kbtest.Call{{ID: "c", Deadline: "2026-12-10"}}},
	)
	kb := func() *knowledge.KB { return kbv }
	clock := newClock(at(2026, 11, 1, 12, 0))
	rec := newRecorder()
	var scheds []*Scheduler
	for range 3 {
		scheds = append(scheds, newSched(t, newRedis(t, prefix), kb, clock, rec, Options{Workers: 4, BatchSize: 7}))
	}
	setup := newRedis(t, prefix)
	const subs = 40
	for i := range subs {
		sub := subscription.New(subscription.Platform([]string{"telegram", "slack"}[i%2]), fmt.Sprint("chat", i), knowledge.NB, clock.Now())
		if i%3 == 0 {
			sub.Offsets = []int{10, 3}
		}
		subscribe(t, setup, kb, sub)
	}
	var want []string
	for day := at(2026, 11, 1, 9, 0); day.Before(at(2026, 12, 18, 0, 0)); day = day.AddDate(0, 0, 1) {
		for _, hm := range [][2]int{{8, 45}, {9, 0}, {9, 15}} {
			clock.Set(time.Date(day.Year(), day.Month(), day.Day(), hm[0], hm[1], 0, 0, oslo))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, s := range scheds {
				wg.Go(func() {
					<-start
					if _, err := s.RunOnce(t.Context()); err != nil {
						t.Error(err)
					}
				})
			}
			close(start)
			wg.Wait()
		}
	}
	for i := range subs {
		key := subscription.Key(subscription.Platform([]string{"telegram", "slack"}[i%2]), fmt.Sprint("chat", i))
		offsets := subscription.DefaultOffsets
		if i%3 == 0 {
			offsets = []int{10, 3}
		}
		for _, call := range []string{"a/c", "b/c"} {
			for _, off := range offsets {
				want = append(want, fmt.Sprintf("%s|%s|%d", key, call, off))
			}
		}
	}
	slices.Sort(want)
	got := rec.keys()
	if !slices.Equal(got, want) {
		t.Fatalf("sent %d messages, want %d exactly once each;\nduplicates: %v\nmissing: %v", len(got), len(want), dups(got), missing(got, want))
	}
}

// Three replicas started for real: one leads, its election tick sends;
// stopping it hands over, and the new leader sends nothing twice.
func TestThreeReplicasElectOneLeader(t *testing.T) {
	prefix := redistest.Prefix(t, redistest.Client(t))
	kb := oneCall(t, "2026-12-17")
	clock := newClock(at(2026, 11, 1, 12, 0))
	rec := newRecorder()
	setup := newRedis(t, prefix)
	for i := range 20 {
		subscribe(t, setup, kb, subscription.New(subscription.Telegram, fmt.Sprint(i), knowledge.NB, clock.Now()))
	}
	clock.Set(at(2026, 12, 3, 9, 0)) // the 14-day reminders are due
	events := make(chan leadEvent, 64)
	var scheds []*Scheduler
	for i := range 3 {
		s := newSched(t, newRedis(t, prefix), kb, clock, rec, Options{Spec: never, LockTTL: 500 * time.Millisecond})
		watch(s, fmt.Sprint(i), events)
		scheds = append(scheds, s)
	}
	for _, s := range scheds {
		s.Start(t.Context())
	}
	first := <-events
	if !first.leading {
		t.Fatalf("first event %+v", first)
	}
	leader := scheds[first.name[0]-'0']
	leaders := 0
	for _, s := range scheds {
		if _, ok := s.elector.leading(); ok {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("%d replicas lead at once", leaders)
	}
	stop(t, leader) // waits for its election tick to finish, then releases the lock
	select {
	case ev := <-events:
		for ev.name == first.name {
			ev = <-events
		}
		if !ev.leading {
			t.Fatalf("unexpected event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no replica took over after the leader stopped")
	}
	for _, s := range scheds {
		if s != leader {
			stop(t, s) // waits for the new leader's election tick
		}
	}
	if got := rec.keys(); len(got) != 20 || len(dups(got)) != 0 {
		t.Fatalf("sent %d (%d duplicates), want 20 once each", len(got), len(dups(got)))
	}
}

func TestStartRecoversPanicsAndStopReleasesTheLock(t *testing.T) {
	store := newBolt(t)
	kb, now := dueSetup(t, store, "1")
	calls := 0
	called := make(chan struct{})
	n := NotifierFunc(func(context.Context, subscription.Subscriber, Message) error {
		calls++
		close(called)
		panic("adapter bug")
	})
	var logs strings.Builder
	s := newSched(t, store, kb, newClock(now), n, Options{Spec: never, LockTTL: time.Minute, Logger: newTestLogger(&logs)})
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	<-called
	stop(t, s) // waits for the election tick to finish
	if calls != 1 || !strings.Contains(logs.String(), "notifier panicked") {
		t.Errorf("calls %d; the panic was not logged: %s", calls, logs.String())
	}
	held, _, err := store.AcquireLock(t.Context(), "leader", "someone-else", time.Minute)
	if err != nil || !held {
		t.Fatalf("lock not released on Stop: %v, %v", held, err)
	}
	// The send may have happened before the panic: not repeated.
	if rep := mustRun(t, s); rep.Sent+rep.Uncertain != 0 {
		t.Fatalf("retried after a panic: %v", rep)
	}
}

func TestNewRejectsABadSpec(t *testing.T) {
	_, err := New(newBolt(t), oneCall(t, "2026-12-17"), Options{Spec: "every quarter"})
	if err == nil || !strings.Contains(err.Error(), `"every quarter"`) {
		t.Fatalf("err = %v", err)
	}
}

func dups(sorted []string) []string {
	var out []string
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			out = append(out, sorted[i])
		}
	}
	return out
}

func missing(got, want []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			out = append(out, w)
		}
	}
	return out
}
