// Package storetest is the contract every subscription.Store must meet. Each
// implementation runs it from its own tests:
//
//	storetest.Run(t, func(t *testing.T) subscription.Store { return newTestStore(t) })
//
// newStore must return an empty store that the test owns; Run closes it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

// T0 is the time the contract tests call "now"; stores keep milliseconds.
var T0 = time.Date(2026, 3, 29, 7, 0, 0, 123_000_000, time.UTC)

// Run runs the whole contract against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) subscription.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s subscription.Store)
	}{
		{"PutThenGetReturnsTheSameSubscriber", putGet},
		{"GetUnknownIsNotFound", getUnknown},
		{"PutReplaces", putReplaces},
		{"PutRejectsInvalid", putRejectsInvalid},
		{"DeleteRemovesSubscriberAndDeliveries", deleteRemoves},
		{"DeactivateHidesFromActiveList", deactivate},
		{"ReactivateByPut", reactivate},
		{"ListPagesInKeyOrder", listPages},
		{"PurgeInactiveDeletesOnlyOldDeactivated", purge},
		{"LeaseIsExclusiveAndRenewable", leaseExclusive},
		{"ConcurrentLeasesHaveOneWinner", leaseConcurrent},
		{"LeaseNeedsTheSubscriber", leaseNeedsSubscriber},
		{"ReleaseNeedsTheToken", releaseNeedsToken},
		{"LeaseExpires", leaseExpires},
		{"RecordOutlivesTheLease", recordDurable},
		{"RecordSurvivesChangesToTheSubscriber", recordSurvivesChanges},
		{"RecordWithoutALease", recordWithoutLease},
		{"RecordsArePrunedAfterTheirKeepTime", recordPruned},
		{"SeeCallsKeepsTheFirstSighting", seeCalls},
		{"LockIsExclusiveAndRenewable", lockExclusive},
		{"LockExpires", lockExpires},
		{"CancelledContextFails", cancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { s.Close() })
			tt.run(t, s)
		})
	}
}

// Sub returns a valid subscriber with every field set.
func Sub(chat string) subscription.Subscriber {
	return subscription.Subscriber{
		Platform:   subscription.Telegram,
		ChatID:     chat,
		Lang:       knowledge.NN,
		Programmes: []string{"ipos", "other"},
		Offsets:    []int{14, 7, 1},
		CreatedAt:  T0,
		ChangedAt:  T0.Add(time.Hour),
		Active:     true,
	}
}

func mustPut(t *testing.T, s subscription.Store, sub subscription.Subscriber) {
	t.Helper()
	if err := s.Put(context.Background(), sub); err != nil {
		t.Fatalf("Put(%s): %v", sub.Key(), err)
	}
}

func mustGet(t *testing.T, s subscription.Store, key string) subscription.Subscriber {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return got
}

func equal(t *testing.T, got, want subscription.Subscriber) {
	t.Helper()
	same := got.Platform == want.Platform && got.ChatID == want.ChatID && got.Lang == want.Lang &&
		slices.Equal(got.Programmes, want.Programmes) && slices.Equal(got.Offsets, want.Offsets) &&
		got.CreatedAt.Equal(want.CreatedAt) && got.ChangedAt.Equal(want.ChangedAt) &&
		got.Active == want.Active && got.DeactivatedAt.Equal(want.DeactivatedAt)
	if !same {
		t.Fatalf("subscriber differs:\n got %+v\nwant %+v", got, want)
	}
}

func putGet(t *testing.T, s subscription.Store) {
	want := Sub("123")
	mustPut(t, s, want)
	equal(t, mustGet(t, s, want.Key()), want)

	// Defaults are stored as empty, not expanded.
	plain := subscription.New(subscription.Slack, "C1", knowledge.EN, T0)
	mustPut(t, s, plain)
	got := mustGet(t, s, "slack:C1")
	equal(t, got, plain)
	if len(got.Programmes) != 0 || len(got.Offsets) != 0 {
		t.Fatalf("empty lists came back as %v, %v", got.Programmes, got.Offsets)
	}
}

func getUnknown(t *testing.T, s subscription.Store) {
	_, err := s.Get(context.Background(), "telegram:404")
	if !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("Get unknown: err = %v, want ErrNotFound", err)
	}
}

func putReplaces(t *testing.T, s subscription.Store) {
	sub := Sub("1")
	mustPut(t, s, sub)
	sub.Lang, sub.Offsets, sub.Programmes = knowledge.EN, []int{3}, nil
	mustPut(t, s, sub)
	equal(t, mustGet(t, s, sub.Key()), sub)
}

func putRejectsInvalid(t *testing.T, s subscription.Store) {
	bad := Sub("1")
	bad.Offsets = []int{0, 999}
	if err := s.Put(context.Background(), bad); err == nil {
		t.Fatal("Put accepted offsets 0 and 999")
	}
	bad = Sub("a b")
	if err := s.Put(context.Background(), bad); err == nil {
		t.Fatal("Put accepted a chat id with a space")
	}
	if _, err := s.Get(context.Background(), "telegram:1"); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("a rejected Put left something behind: %v", err)
	}
}

func deleteRemoves(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	sub, other := Sub("1"), Sub("2")
	mustPut(t, s, sub)
	mustPut(t, s, other)
	leased := subscription.Delivery{Subscriber: sub.Key(), Call: "ipos/2026", Offset: 7}
	sent := subscription.Delivery{Subscriber: sub.Key(), Call: "ipos/2026", Offset: 14}
	theirs := subscription.Delivery{Subscriber: other.Key(), Call: "ipos/2026", Offset: 14}
	for _, d := range []subscription.Delivery{leased, sent, theirs} {
		mustLease(t, s, d, "tok", time.Hour)
	}
	mustRecord(t, s, record(sent), record(theirs))
	if err := s.Delete(ctx, sub.Key()); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, sub.Key()); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	wantStates(t, s, "after Delete (the deleted subscriber's lease and record gone, the other's record kept)",
		[]subscription.Delivery{leased, sent, theirs}, subscription.Due, subscription.Due, subscription.Sent)
	list, err := s.List(ctx, "", 10, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Key() != other.Key() {
		t.Fatalf("List after Delete = %v", keys(list))
	}
	if err := s.Delete(ctx, sub.Key()); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	// Subscribing again starts afresh: nothing of the old records comes back.
	mustPut(t, s, sub)
	wantStates(t, s, "after subscribing again", []subscription.Delivery{leased, sent}, subscription.Due, subscription.Due)
}

func deactivate(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	sub := Sub("1")
	mustPut(t, s, sub)
	mustPut(t, s, Sub("2"))
	at := T0.Add(time.Hour)
	if err := s.Deactivate(ctx, sub.Key(), at); err != nil {
		t.Fatalf("Deactivate: %v", err)
	}
	got := mustGet(t, s, sub.Key())
	if got.Active || !got.DeactivatedAt.Equal(at) {
		t.Fatalf("after Deactivate: active=%v at=%v", got.Active, got.DeactivatedAt)
	}
	active, err := s.List(ctx, "", 10, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys(active), []string{"telegram:2"}) {
		t.Fatalf("active list = %v", keys(active))
	}
	all, err := s.List(ctx, "", 10, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys(all), []string{"telegram:1", "telegram:2"}) {
		t.Fatalf("full list = %v", keys(all))
	}
	if err := s.Deactivate(ctx, "telegram:404", at); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("Deactivate unknown: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "telegram:404"); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("Deactivate unknown created a subscriber: %v", err)
	}
}

func reactivate(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	sub := Sub("1")
	mustPut(t, s, sub)
	if err := s.Deactivate(ctx, sub.Key(), T0); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, sub) // subscribing again
	active, err := s.List(ctx, "", 10, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 1 {
		t.Fatalf("re-subscribed subscriber not active: %v", keys(active))
	}
	if n, err := s.PurgeInactive(ctx, T0.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("PurgeInactive purged a re-subscribed subscriber: %d, %v", n, err)
	}
}

func listPages(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	var want []string
	for i := range 25 {
		sub := Sub(fmt.Sprintf("%03d", i))
		if i%2 == 1 {
			sub.Platform = subscription.Slack
		}
		mustPut(t, s, sub)
		want = append(want, sub.Key())
	}
	slices.Sort(want)
	var got []string
	after := ""
	for page := 0; ; page++ {
		list, err := s.List(ctx, after, 10, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 10 {
			t.Fatalf("page %d has %d entries, limit 10", page, len(list))
		}
		if len(list) == 0 {
			break
		}
		got = append(got, keys(list)...)
		after = list[len(list)-1].Key()
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged keys:\n got %v\nwant %v", got, want)
	}
}

func purge(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	old, recent, active := Sub("old"), Sub("recent"), Sub("active")
	for _, sub := range []subscription.Subscriber{old, recent, active} {
		mustPut(t, s, sub)
	}
	d := subscription.Delivery{Subscriber: old.Key(), Call: "ipos/2026", Offset: 1}
	mustRecord(t, s, record(d))
	if err := s.Deactivate(ctx, old.Key(), T0); err != nil {
		t.Fatal(err)
	}
	if err := s.Deactivate(ctx, recent.Key(), T0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeInactive(ctx, T0.Add(24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PurgeInactive = %d, %v; want 1", n, err)
	}
	if _, err := s.Get(ctx, old.Key()); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("purged subscriber still there: %v", err)
	}
	wantStates(t, s, "after the purge", []subscription.Delivery{d}, subscription.Due)
	mustGet(t, s, recent.Key())
	mustGet(t, s, active.Key())
}

// eventually polls cond until it holds; stores expire keys on their own clock.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting until %s", what)
		case <-tick.C:
		}
	}
}

func seeCalls(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	first, err := s.SeeCalls(ctx, []string{"ipos/2026"}, T0)
	if err != nil {
		t.Fatal(err)
	}
	if !first["ipos/2026"].Equal(T0) {
		t.Fatalf("first sighting = %v, want %v", first["ipos/2026"], T0)
	}
	later := T0.Add(24 * time.Hour)
	got, err := s.SeeCalls(ctx, []string{"ipos/2026", "ipos/2027"}, later)
	if err != nil {
		t.Fatal(err)
	}
	if !got["ipos/2026"].Equal(T0) || !got["ipos/2027"].Equal(later) {
		t.Fatalf("SeeCalls = %v; want 2026 at %v and 2027 at %v", got, T0, later)
	}
	seen, err := s.CallsSeen(ctx, []string{"ipos/2026", "ipos/2099"})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !seen["ipos/2026"].Equal(T0) {
		t.Fatalf("CallsSeen = %v; want only ipos/2026", seen)
	}
	if got, err := s.SeeCalls(ctx, nil, later); err != nil || len(got) != 0 {
		t.Fatalf("SeeCalls(nil) = %v, %v", got, err)
	}
}

func lockExclusive(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	const ttl = 10 * time.Second
	if held, _, err := s.AcquireLock(ctx, "leader", "a", ttl); err != nil || !held {
		t.Fatalf("a: AcquireLock = %v, %v", held, err)
	}
	held, retry, err := s.AcquireLock(ctx, "leader", "b", ttl)
	if err != nil || held {
		t.Fatalf("b: AcquireLock = %v, %v; want not held", held, err)
	}
	if retry <= 0 || retry > ttl {
		t.Fatalf("b: retryIn = %v, want within (0, %v]", retry, ttl)
	}
	if held, _, err := s.AcquireLock(ctx, "leader", "a", ttl); err != nil || !held {
		t.Fatalf("a: renew = %v, %v", held, err)
	}
	if held, _, _ := s.AcquireLock(ctx, "other", "b", ttl); !held {
		t.Fatal("b could not take a differently named lock")
	}
	if err := s.ReleaseLock(ctx, "leader", "b"); err != nil {
		t.Fatal(err)
	}
	if held, _, _ := s.AcquireLock(ctx, "leader", "b", ttl); held {
		t.Fatal("b released a's lock")
	}
	if err := s.ReleaseLock(ctx, "leader", "a"); err != nil {
		t.Fatal(err)
	}
	if held, _, err := s.AcquireLock(ctx, "leader", "b", ttl); err != nil || !held {
		t.Fatalf("b after a released: %v, %v", held, err)
	}
}

func lockExpires(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	if held, _, _ := s.AcquireLock(ctx, "leader", "a", 50*time.Millisecond); !held {
		t.Fatal("a could not lock")
	}
	eventually(t, "b takes the expired lock", func() bool {
		held, _, err := s.AcquireLock(ctx, "leader", "b", time.Minute)
		return err == nil && held
	})
}

func cancelled(t *testing.T, s subscription.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, Sub("1")); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
	if _, err := s.Get(ctx, "telegram:1"); err == nil || errors.Is(err, subscription.ErrNotFound) {
		t.Errorf("Get with a cancelled context: %v, want a context error", err)
	}
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "c", Offset: 1}
	if _, err := s.Lease(ctx, d, "t", time.Hour); err == nil {
		t.Error("Lease with a cancelled context succeeded")
	}
	if err := s.Record(ctx, []subscription.Record{record(d)}); err == nil {
		t.Error("Record with a cancelled context succeeded")
	}
	if _, err := s.Deliveries(ctx, []subscription.Delivery{d}); err == nil {
		t.Error("Deliveries with a cancelled context succeeded")
	}
	if _, err := s.List(ctx, "", 10, true); err == nil {
		t.Error("List with a cancelled context succeeded")
	}
}

func keys(list []subscription.Subscriber) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Key()
	}
	return out
}
