package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/subscription"
)

// The delivery contract: a lease is exclusive and runs out; a record is
// durable — it outlives every lease, survives changes to the subscriber, and
// goes only with the subscriber (or long after its deadline).

// record is the record of d, sent at T0 and kept for a year.
func record(d subscription.Delivery) subscription.Record {
	return subscription.Record{Delivery: d, At: T0, Keep: 365 * 24 * time.Hour}
}

func mustLease(t *testing.T, s subscription.Store, d subscription.Delivery, token string, ttl time.Duration) {
	t.Helper()
	if ok, err := s.Lease(context.Background(), d, token, ttl); err != nil || !ok {
		t.Fatalf("Lease(%s, %s) = %v, %v; want true", d, token, ok, err)
	}
}

func mustRecord(t *testing.T, s subscription.Store, rs ...subscription.Record) {
	t.Helper()
	if err := s.Record(context.Background(), rs); err != nil {
		t.Fatalf("Record: %v", err)
	}
}

func wantStates(t *testing.T, s subscription.Store, when string, ds []subscription.Delivery, want ...subscription.DeliveryState) {
	t.Helper()
	got, err := s.Deliveries(context.Background(), ds)
	if err != nil {
		t.Fatalf("Deliveries %s: %v", when, err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Deliveries %s = %v, want %v", when, got, want)
	}
}

func leaseExclusive(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	mustPut(t, s, Sub("1"))
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2026", Offset: 7}
	ann := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2026", Offset: subscription.Announcement}
	mustLease(t, s, d, "a", time.Hour)
	if ok, err := s.Lease(ctx, d, "b", time.Hour); err != nil || ok {
		t.Fatalf("Lease by another token = %v, %v; want false", ok, err)
	}
	// The holder renews its lease before a retry.
	mustLease(t, s, d, "a", time.Hour)
	wantStates(t, s, "with one lease", []subscription.Delivery{d, ann}, subscription.Leased, subscription.Due)
	if got, err := s.Deliveries(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Deliveries(nil) = %v, %v", got, err)
	}
}

func leaseConcurrent(t *testing.T, s subscription.Store) {
	mustPut(t, s, Sub("C1"))
	d := subscription.Delivery{Subscriber: "telegram:C1", Call: "ipos/2026", Offset: 1}
	var wg sync.WaitGroup
	wins := make(chan string, 20)
	for i := range 20 {
		wg.Go(func() {
			ok, err := s.Lease(context.Background(), d, fmt.Sprint("t", i), time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins <- fmt.Sprint("t", i)
			}
		})
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d concurrent leases won, want exactly 1", n)
	}
}

// A subscriber who left while a tick was planning gets nothing, and leasing
// or recording must not bring a trace of them back.
func leaseNeedsSubscriber(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	d := subscription.Delivery{Subscriber: "telegram:404", Call: "ipos/2026", Offset: 7}
	if ok, err := s.Lease(ctx, d, "a", time.Hour); err != nil || ok {
		t.Fatalf("Lease for a subscriber who does not exist = %v, %v; want false", ok, err)
	}
	mustRecord(t, s, record(d))
	if _, err := s.Get(ctx, d.Subscriber); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("Lease or Record created a subscriber: %v", err)
	}
	if list, _ := s.List(ctx, "", 10, false); len(list) != 0 {
		t.Fatalf("List = %v", keys(list))
	}
	wantStates(t, s, "for a subscriber who does not exist", []subscription.Delivery{d}, subscription.Due)
}

func releaseNeedsToken(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	mustPut(t, s, Sub("1"))
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2026", Offset: 14}
	mustLease(t, s, d, "mine", time.Hour)
	if err := s.Release(ctx, d, "not-mine"); err != nil {
		t.Fatal(err)
	}
	wantStates(t, s, "after Release with another token", []subscription.Delivery{d}, subscription.Leased)
	if err := s.Release(ctx, d, "mine"); err != nil {
		t.Fatal(err)
	}
	wantStates(t, s, "after Release with the token", []subscription.Delivery{d}, subscription.Due)
	mustLease(t, s, d, "next", time.Hour)
}

// A sender that dies leaves its lease behind; when it runs out, the delivery
// is due again and someone else sends it.
func leaseExpires(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	mustPut(t, s, Sub("1"))
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2026", Offset: 30}
	mustLease(t, s, d, "a", 50*time.Millisecond)
	eventually(t, "the lease runs out", func() bool {
		got, err := s.Deliveries(ctx, []subscription.Delivery{d})
		return err == nil && got[0] == subscription.Due
	})
	mustLease(t, s, d, "b", time.Hour)
	if ok, err := s.Lease(ctx, d, "a", time.Hour); err != nil || ok {
		t.Fatalf("the old holder renewed a lease that is now b's: %v, %v", ok, err)
	}
}

func recordDurable(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	mustPut(t, s, Sub("1"))
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2026", Offset: 7}
	other := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2026", Offset: 1}
	mustLease(t, s, d, "a", 50*time.Millisecond)
	mustRecord(t, s, record(d))
	wantStates(t, s, "after Record", []subscription.Delivery{d, other}, subscription.Sent, subscription.Due)
	for _, token := range []string{"a", "b"} {
		if ok, err := s.Lease(ctx, d, token, time.Hour); err != nil || ok {
			t.Fatalf("Lease(%s) of a recorded delivery = %v, %v; want false", token, ok, err)
		}
	}
	if err := s.Release(ctx, d, "a"); err != nil {
		t.Fatal(err)
	}
	// Well past the lease: the record does not run out with it.
	time.Sleep(100 * time.Millisecond)
	wantStates(t, s, "after the lease's time and a Release", []subscription.Delivery{d}, subscription.Sent)
	if ok, err := s.Lease(ctx, d, "b", time.Hour); err != nil || ok {
		t.Fatalf("Lease after the lease's time = %v, %v; want false", ok, err)
	}
	mustRecord(t, s, record(d)) // twice is harmless
	wantStates(t, s, "after recording twice", []subscription.Delivery{d}, subscription.Sent)
}

// Changing the days, the language, or the chat going and coming back keeps
// what was already sent.
func recordSurvivesChanges(t *testing.T, s subscription.Store) {
	ctx := context.Background()
	sub := Sub("1")
	mustPut(t, s, sub)
	d := subscription.Delivery{Subscriber: sub.Key(), Call: "ipos/2026", Offset: 7}
	mustRecord(t, s, record(d))
	sub.Offsets, sub.Lang = []int{7, 3}, "en"
	mustPut(t, s, sub)
	if err := s.Deactivate(ctx, sub.Key(), T0); err != nil {
		t.Fatal(err)
	}
	sub.Active = true
	mustPut(t, s, sub)
	if got := mustGet(t, s, sub.Key()); !slices.Equal(got.Offsets, []int{7, 3}) || got.Lang != "en" {
		t.Fatalf("subscriber read back wrong beside its records: %+v", got)
	}
	wantStates(t, s, "after Put, Deactivate and Put", []subscription.Delivery{d}, subscription.Sent)
}

// A send whose lease ran out (or was never written: the store was down)
// is still recorded.
func recordWithoutLease(t *testing.T, s subscription.Store) {
	mustPut(t, s, Sub("1"))
	mustPut(t, s, Sub("2"))
	a := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2026", Offset: 7}
	b := subscription.Delivery{Subscriber: "telegram:2", Call: "ipos/2026", Offset: subscription.Announcement}
	mustLease(t, s, b, "other", time.Hour)
	mustRecord(t, s, record(a), record(b))
	wantStates(t, s, "after Record", []subscription.Delivery{a, b}, subscription.Sent, subscription.Sent)
}

func recordPruned(t *testing.T, s subscription.Store) {
	mustPut(t, s, Sub("1"))
	old := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2025", Offset: 7}
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "ipos/2026", Offset: 7}
	short := record(old)
	short.Keep = time.Millisecond
	mustRecord(t, s, short)
	time.Sleep(20 * time.Millisecond)
	mustRecord(t, s, record(d))
	wantStates(t, s, "after the next Record", []subscription.Delivery{old, d}, subscription.Due, subscription.Sent)
}
