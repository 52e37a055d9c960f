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

func claimKey(d subscription.Delivery) []byte {
	return []byte(d.Subscriber + "\x00" + d.Call + "\x00" + strconv.Itoa(d.Offset))
}

func encodeClaim(token string, expires time.Time) []byte {
	return []byte(strconv.FormatInt(expires.UnixMilli(), 10) + "\x00" + token)
}

func decodeClaim(v []byte) (token string, expires time.Time) {
	exp, tok, _ := bytes.Cut(v, []byte{0})
	n, _ := strconv.ParseInt(string(exp), 10, 64)
	return string(tok), time.UnixMilli(n)
}

// Claim records the delivery under token unless a live claim exists.
func (s *Store) Claim(ctx context.Context, d subscription.Delivery, token string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	won := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketClaims)
		now := s.now()
		if v := b.Get(claimKey(d)); v != nil {
			if _, exp := decodeClaim(v); exp.After(now) {
				return nil
			}
		}
		won = true
		return b.Put(claimKey(d), encodeClaim(token, now.Add(ttl)))
	})
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", d, err)
	}
	return won, nil
}

// Claimed reports which deliveries hold a live claim.
func (s *Store) Claimed(ctx context.Context, ds []subscription.Delivery) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]bool, len(ds))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketClaims)
		if b == nil {
			return nil
		}
		now := s.now()
		for i, d := range ds {
			if v := b.Get(claimKey(d)); v != nil {
				_, exp := decodeClaim(v)
				out[i] = exp.After(now)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read claims: %w", err)
	}
	return out, nil
}

// Release removes the claim if token holds it.
func (s *Store) Release(ctx context.Context, d subscription.Delivery, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketClaims)
		if v := b.Get(claimKey(d)); v != nil {
			if tok, _ := decodeClaim(v); tok == token {
				return b.Delete(claimKey(d))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release %s: %w", d, err)
	}
	return nil
}

// SeeCalls records first sightings and returns them.
func (s *Store) SeeCalls(ctx context.Context, calls []string, now time.Time) (map[string]time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(calls))
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCalls)
		for _, c := range calls {
			if v := b.Get([]byte(c)); v != nil {
				n, _ := strconv.ParseInt(string(v), 10, 64)
				out[c] = fromMs(n)
				continue
			}
			if err := b.Put([]byte(c), []byte(strconv.FormatInt(now.UnixMilli(), 10))); err != nil {
				return err
			}
			out[c] = fromMs(now.UnixMilli())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record calls: %w", err)
	}
	return out, nil
}

// CallsSeen returns the first sightings of known calls.
func (s *Store) CallsSeen(ctx context.Context, calls []string) (map[string]time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(calls))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCalls)
		if b == nil {
			return nil
		}
		for _, c := range calls {
			if v := b.Get([]byte(c)); v != nil {
				n, _ := strconv.ParseInt(string(v), 10, 64)
				out[c] = fromMs(n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read calls: %w", err)
	}
	return out, nil
}

// AcquireLock takes or renews the named lock in memory: the file lock already
// keeps other processes out, so this only orders schedulers inside this one.
func (s *Store) AcquireLock(ctx context.Context, name, token string, ttl time.Duration) (bool, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return false, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if l, ok := s.locks[name]; ok && l.token != token && l.expires.After(now) {
		return false, l.expires.Sub(now), nil
	}
	s.locks[name] = heldLock{token: token, expires: now.Add(ttl)}
	return true, 0, nil
}

// ReleaseLock gives the lock up if token holds it.
func (s *Store) ReleaseLock(ctx context.Context, name, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.locks[name]; ok && l.token == token {
		delete(s.locks, name)
	}
	return nil
}
