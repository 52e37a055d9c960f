package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
	"github.com/fundbot/fundbot/subscription/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) subscription.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "subs.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestSubscribersSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "subs.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := storetest.Sub("42")
	if err := s.Put(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = boltstore.Open(path, boltstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Get(context.Background(), want.Key())
	if err != nil || got.Lang != want.Lang || len(got.Offsets) != 3 {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
}

func TestReadOnlyWithoutFileSaysNoData(t *testing.T) {
	_, err := boltstore.Open(filepath.Join(t.TempDir(), "none.db"), boltstore.Options{ReadOnly: true})
	if !errors.Is(err, boltstore.ErrNoData) {
		t.Fatalf("err = %v, want ErrNoData", err)
	}
}

func TestSecondProcessIsToldTheFileIsBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "subs.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = boltstore.Open(path, boltstore.Options{Timeout: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "another fundbot process") {
		t.Fatalf("second open: %v", err)
	}
}

// Leases that ran out (their sender died) and records kept long enough are
// dropped by the purge that every tick runs.
func TestPurgeDropsStaleDeliveryEntries(t *testing.T) {
	now := storetest.T0
	path := filepath.Join(t.TempDir(), "subs.db")
	s, err := boltstore.Open(path, boltstore.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Put(ctx, storetest.Sub("1")); err != nil {
		t.Fatal(err)
	}
	leased := subscription.Delivery{Subscriber: "telegram:1", Call: "p/c", Offset: 7}
	old := subscription.Delivery{Subscriber: "telegram:1", Call: "p/old", Offset: 7}
	kept := subscription.Delivery{Subscriber: "telegram:1", Call: "p/c", Offset: 14}
	if ok, _ := s.Lease(ctx, leased, "t", time.Hour); !ok {
		t.Fatal("lease failed")
	}
	err = s.Record(ctx, []subscription.Record{
		{Delivery: old, At: now, Keep: time.Hour},
		{Delivery: kept, At: now, Keep: 48 * time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.PurgeInactive(ctx, now); err != nil {
		t.Fatal(err)
	}
	now = now.Add(-2 * time.Hour) // back in time: only a purge can have removed them
	got, err := s.Deliveries(ctx, []subscription.Delivery{leased, old, kept})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []subscription.DeliveryState{subscription.Due, subscription.Due, subscription.Sent}) {
		t.Fatalf("after the purge: %v; want the lease and the old record gone, the other record kept", got)
	}
}

// A file written before lease-then-record holds claims; opening it turns the
// live ones into records, so that the upgrade sends nothing twice.
func TestOpenTurnsOldClaimsIntoRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "subs.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), storetest.Sub("1")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	live := subscription.Delivery{Subscriber: "telegram:1", Call: "p/c", Offset: 7}
	expired := subscription.Delivery{Subscriber: "telegram:1", Call: "p/c", Offset: 14}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("claims"))
		if err != nil {
			return err
		}
		claim := func(d subscription.Delivery, exp time.Time) error {
			k := d.Subscriber + "\x00" + d.Call + "\x00" + strconv.Itoa(d.Offset)
			return b.Put([]byte(k), []byte(strconv.FormatInt(exp.UnixMilli(), 10)+"\x00host-1-abcd"))
		}
		if err := claim(live, time.Now().Add(24*time.Hour)); err != nil {
			return err
		}
		return claim(expired, time.Now().Add(-time.Hour))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Deliveries(context.Background(), []subscription.Delivery{live, expired})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []subscription.DeliveryState{subscription.Sent, subscription.Due}) {
		t.Fatalf("after opening a file with claims: %v; want the live claim as a record", got)
	}
}
