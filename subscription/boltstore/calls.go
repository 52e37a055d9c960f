package boltstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

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
