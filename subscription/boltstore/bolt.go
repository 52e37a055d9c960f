// Package boltstore keeps subscriptions in one bbolt file: the default store
// when no Redis is configured, for a bot that runs as a single process.
//
// Layout: bucket "subscribers" maps a subscriber key ("telegram:123") to its
// JSON record; bucket "deliveries" maps "key\x00call\x00offset" to the
// delivery's lease or durable record (deliveries.go), so one cursor finds a
// subscriber's deliveries; bucket "calls" maps "programme/call" to the first
// time the call was seen (Unix ms). Leases and records are written inside one
// write transaction each. bbolt locks the file, so only
// one process can open it: the leader lock lives in memory and is trivially
// held by that process.
package boltstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

var (
	bucketSubs       = []byte("subscribers")
	bucketDeliveries = []byte("deliveries")
	bucketCalls      = []byte("calls")
	// bucketLegacyClaims held claims before lease-then-record; Open migrates them.
	bucketLegacyClaims = []byte("claims")
)

// Options configure a Store.
type Options struct {
	// Now is the store's clock for lease, record and lock expiry; nil means time.Now.
	Now func() time.Time
	// Timeout is how long Open waits for another process to let go of the file; 0 means 1 s.
	Timeout time.Duration
	// ReadOnly opens an existing file for reading only (for the CLI's reports).
	ReadOnly bool
}

// Store is a subscription.Store in one bbolt file. It is safe for concurrent use.
type Store struct {
	db  *bolt.DB
	now func() time.Time

	mu    sync.Mutex
	locks map[string]heldLock
}

type heldLock struct {
	token   string
	expires time.Time
}

var _ subscription.Store = (*Store)(nil)

// ErrNoData means a read-only open found no data file: nobody has subscribed yet.
var ErrNoData = errors.New("no subscription data yet")

// Open opens or creates the file at path, with its folder.
func Open(path string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Timeout <= 0 {
		opt.Timeout = time.Second
	}
	if opt.ReadOnly {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open %s: %w", path, ErrNoData)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.Timeout, ReadOnly: opt.ReadOnly})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: another fundbot process has the file open (use Redis to run several)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !opt.ReadOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bucketSubs, bucketDeliveries, bucketCalls} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return migrateClaims(tx, opt.Now())
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	return &Store{db: db, now: opt.Now, locks: map[string]heldLock{}}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// record is a subscriber as stored; times are Unix milliseconds, 0 for none.
type record struct {
	Platform    subscription.Platform `json:"platform"`
	Chat        string                `json:"chat"`
	Lang        knowledge.Lang        `json:"lang"`
	Programmes  []string              `json:"programmes,omitempty"`
	Offsets     []int                 `json:"offsets,omitempty"`
	Created     int64                 `json:"created"`
	Changed     int64                 `json:"changed,omitempty"`
	Active      bool                  `json:"active"`
	Deactivated int64                 `json:"deactivated,omitempty"`
}

func toRecord(s subscription.Subscriber) record {
	return record{
		Platform: s.Platform, Chat: s.ChatID, Lang: s.Lang, Programmes: s.Programmes, Offsets: s.Offsets,
		Created: ms(s.CreatedAt), Changed: ms(s.ChangedAt), Active: s.Active, Deactivated: ms(s.DeactivatedAt),
	}
}

func (r record) subscriber() subscription.Subscriber {
	return subscription.Subscriber{
		Platform: r.Platform, ChatID: r.Chat, Lang: r.Lang, Programmes: r.Programmes, Offsets: r.Offsets,
		CreatedAt: fromMs(r.Created), ChangedAt: fromMs(r.Changed), Active: r.Active, DeactivatedAt: fromMs(r.Deactivated),
	}
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMs(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Put creates or replaces a subscriber.
func (s *Store) Put(ctx context.Context, sub subscription.Subscriber) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sub.Validate(); err != nil {
		return err
	}
	offsets, _ := subscription.NormalizeOffsets(sub.Offsets)
	sub.Offsets = offsets
	data, err := json.Marshal(toRecord(sub))
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSubs).Put([]byte(sub.Key()), data) })
	if err != nil {
		return fmt.Errorf("put %s: %w", sub.Key(), err)
	}
	return nil
}

// Get returns the subscriber with the key.
func (s *Store) Get(ctx context.Context, key string) (subscription.Subscriber, error) {
	if err := ctx.Err(); err != nil {
		return subscription.Subscriber{}, err
	}
	var sub subscription.Subscriber
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		var data []byte
		if b != nil {
			data = b.Get([]byte(key))
		}
		if data == nil {
			return subscription.ErrNotFound
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil {
			return err
		}
		sub = r.subscriber()
		return nil
	})
	if err != nil {
		return sub, fmt.Errorf("get %s: %w", key, err)
	}
	return sub, nil
}

// Delete removes the subscriber with its delivery records and leases.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		deleteDeliveries(tx, key)
		b := tx.Bucket(bucketSubs)
		if b.Get([]byte(key)) == nil {
			return subscription.ErrNotFound
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// Deactivate marks the subscriber's chat as gone.
func (s *Store) Deactivate(ctx context.Context, key string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		data := b.Get([]byte(key))
		if data == nil {
			return subscription.ErrNotFound
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil {
			return err
		}
		r.Active, r.Deactivated = false, ms(at)
		out, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), out)
	})
	if err != nil {
		return fmt.Errorf("deactivate %s: %w", key, err)
	}
	return nil
}

// List returns up to limit subscribers with keys after "after", in key order.
func (s *Store) List(ctx context.Context, after string, limit int, activeOnly bool) ([]subscription.Subscriber, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []subscription.Subscriber
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode %s: %w", k, err)
			}
			if activeOnly && !r.Active {
				continue
			}
			out = append(out, r.subscriber())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list after %q: %w", after, err)
	}
	return out, nil
}

// PurgeInactive deletes subscribers deactivated before the given time, and
// stale delivery entries: leases run out, records kept long enough.
func (s *Store) PurgeInactive(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	now := s.now()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		var gone []string
		err := b.ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode %s: %w", k, err)
			}
			if !r.Active && r.Deactivated != 0 && r.Deactivated < before.UnixMilli() {
				gone = append(gone, string(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, key := range gone {
			deleteDeliveries(tx, key)
			if err := b.Delete([]byte(key)); err != nil {
				return err
			}
		}
		n = len(gone)
		return prune(tx.Bucket(bucketDeliveries), nil, now)
	})
	if err != nil {
		return 0, fmt.Errorf("purge inactive: %w", err)
	}
	return n, nil
}
