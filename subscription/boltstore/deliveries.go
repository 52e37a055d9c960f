package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fundbot/fundbot/subscription"
)

// Bucket "deliveries" maps "<sub>\x00<call>\x00<offset>" to the delivery's
// state, so one cursor finds a subscriber's entries:
//
//	l<expires ms>\x00<token>     a lease: a send in progress
//	s<sent ms>\x00<keep ms>      the durable record
//
// Every change runs in one write transaction with a look at the subscriber,
// and deleting a subscriber deletes its entries in the same transaction.

func deliveryKey(d subscription.Delivery) []byte {
	return []byte(d.Subscriber + "\x00" + d.Call + "\x00" + strconv.Itoa(d.Offset))
}

const (
	leaseTag = 'l'
	sentTag  = 's'
)

// entry is a decoded value of the deliveries bucket.
type entry struct {
	tag   byte
	t     time.Time // lease: expiry; record: when sent
	token string    // lease only
	keep  time.Time // record only
}

func encodeLease(token string, expires time.Time) []byte {
	return []byte(string(leaseTag) + strconv.FormatInt(expires.UnixMilli(), 10) + "\x00" + token)
}

func encodeRecord(at, keep time.Time) []byte {
	return []byte(string(sentTag) + strconv.FormatInt(ms(at), 10) + "\x00" + strconv.FormatInt(ms(keep), 10))
}

func decodeEntry(v []byte) entry {
	if len(v) == 0 {
		return entry{}
	}
	first, second, _ := bytes.Cut(v[1:], []byte{0})
	n, _ := strconv.ParseInt(string(first), 10, 64)
	e := entry{tag: v[0], t: time.UnixMilli(n)}
	if e.tag == sentTag {
		k, _ := strconv.ParseInt(string(second), 10, 64)
		e.keep = time.UnixMilli(k)
	} else {
		e.token = string(second)
	}
	return e
}

// stale reports an entry that may go: a lease run out, or a record kept long enough.
func (e entry) stale(now time.Time) bool {
	if e.tag == sentTag {
		return e.keep.Before(now)
	}
	return !e.t.After(now)
}

// Lease takes or renews the lease in one write transaction.
func (s *Store) Lease(ctx context.Context, d subscription.Delivery, token string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	won := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSubs).Get([]byte(d.Subscriber)) == nil {
			return nil
		}
		b := tx.Bucket(bucketDeliveries)
		now := s.now()
		if v := b.Get(deliveryKey(d)); v != nil {
			e := decodeEntry(v)
			if e.tag == sentTag || e.t.After(now) && e.token != token {
				return nil
			}
		}
		won = true
		return b.Put(deliveryKey(d), encodeLease(token, now.Add(ttl)))
	})
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", d, err)
	}
	return won, nil
}

// Record writes the records, and prunes the subscribers' stale entries, in one transaction.
func (s *Store) Record(ctx context.Context, rs []subscription.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		subs, b := tx.Bucket(bucketSubs), tx.Bucket(bucketDeliveries)
		now := s.now()
		pruned := map[string]bool{}
		for _, r := range rs {
			if subs.Get([]byte(r.Subscriber)) == nil {
				continue // unsubscribed while the message went out
			}
			if !pruned[r.Subscriber] {
				pruned[r.Subscriber] = true
				if err := prune(b, []byte(r.Subscriber+"\x00"), now); err != nil {
					return err
				}
			}
			if err := b.Put(deliveryKey(r.Delivery), encodeRecord(r.At, now.Add(r.Keep))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(rs) > 0 {
		return fmt.Errorf("record %d deliveries (first %s): %w", len(rs), rs[0].Delivery, err)
	}
	return err
}

// prune deletes the stale entries whose key starts with prefix (nil: all).
func prune(b *bolt.Bucket, prefix []byte, now time.Time) error {
	c := b.Cursor()
	k, v := c.Seek(prefix)
	for k != nil && bytes.HasPrefix(k, prefix) {
		if !decodeEntry(v).stale(now) {
			k, v = c.Next()
			continue
		}
		if err := c.Delete(); err != nil {
			return err
		}
		k, v = c.Seek(k)
	}
	return nil
}

// Release drops the lease if token holds it.
func (s *Store) Release(ctx context.Context, d subscription.Delivery, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeliveries)
		if v := b.Get(deliveryKey(d)); v != nil {
			if e := decodeEntry(v); e.tag == leaseTag && e.token == token {
				return b.Delete(deliveryKey(d))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release %s: %w", d, err)
	}
	return nil
}

// Deliveries reads the states in one read transaction.
func (s *Store) Deliveries(ctx context.Context, ds []subscription.Delivery) ([]subscription.DeliveryState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]subscription.DeliveryState, len(ds))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeliveries)
		if b == nil { // a read-only file from before lease-then-record
			return nil
		}
		now := s.now()
		for i, d := range ds {
			v := b.Get(deliveryKey(d))
			if v == nil {
				continue
			}
			switch e := decodeEntry(v); {
			case e.tag == sentTag:
				out[i] = subscription.Sent
			case e.t.After(now):
				out[i] = subscription.Leased
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	return out, nil
}

// deleteDeliveries removes every entry of the subscriber key.
func deleteDeliveries(tx *bolt.Tx, key string) {
	prefix := []byte(key + "\x00")
	c := tx.Bucket(bucketDeliveries).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		c.Delete()
	}
}

// migrateClaims turns the claims of a file from before lease-then-record
// (bucket "claims": the same keys → "<expires ms>\x00<token>", expiring 30
// days after the deadline) into records kept as long, so that an upgrade
// sends nothing twice, and drops the bucket.
func migrateClaims(tx *bolt.Tx, now time.Time) error {
	old := tx.Bucket(bucketLegacyClaims)
	if old == nil {
		return nil
	}
	b := tx.Bucket(bucketDeliveries)
	err := old.ForEach(func(k, v []byte) error {
		exp, _, _ := bytes.Cut(v, []byte{0})
		n, _ := strconv.ParseInt(string(exp), 10, 64)
		if keep := time.UnixMilli(n); keep.After(now) && b.Get(k) == nil {
			return b.Put(k, encodeRecord(time.Time{}, keep))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tx.DeleteBucket(bucketLegacyClaims)
}
