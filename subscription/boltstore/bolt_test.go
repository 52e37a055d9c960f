package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestPurgeDropsExpiredClaims(t *testing.T) {
	now := storetest.T0
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "subs.db"), boltstore.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	d := subscription.Delivery{Subscriber: "telegram:1", Call: "p/c", Offset: 7}
	if ok, _ := s.Claim(ctx, d, "t", time.Hour); !ok {
		t.Fatal("claim failed")
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.PurgeInactive(ctx, now); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Claim(ctx, d, "u", time.Hour); !ok {
		t.Fatal("expired claim blocked a new one")
	}
}
