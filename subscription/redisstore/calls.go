package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// SeeCalls sets each call's first sighting with HSETNX and reads them back: one round trip.
func (s *Store) SeeCalls(ctx context.Context, calls []string, now time.Time) (map[string]time.Time, error) {
	if len(calls) == 0 {
		return map[string]time.Time{}, ctx.Err()
	}
	var get *redis.SliceCmd
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range calls {
			p.HSetNX(ctx, s.seenKey(), c, now.UnixMilli())
		}
		get = p.HMGet(ctx, s.seenKey(), calls...)
		return nil
	})
	if err == nil {
		err = firstErr(cmds)
	}
	if err != nil {
		return nil, fmt.Errorf("record calls: %w", err)
	}
	return seenMap(calls, get.Val()), nil
}

// CallsSeen reads first sightings without writing.
func (s *Store) CallsSeen(ctx context.Context, calls []string) (map[string]time.Time, error) {
	if len(calls) == 0 {
		return map[string]time.Time{}, ctx.Err()
	}
	vals, err := s.rdb.HMGet(ctx, s.seenKey(), calls...).Result()
	if err != nil {
		return nil, fmt.Errorf("read calls: %w", err)
	}
	return seenMap(calls, vals), nil
}

func seenMap(calls []string, vals []any) map[string]time.Time {
	out := make(map[string]time.Time, len(calls))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[calls[i]] = fromMs(str)
		}
	}
	return out
}

// compareAndDelete deletes KEYS[1] only while it still holds ARGV[1]: a
// lock that expired and was taken by someone else stays theirs.
var compareAndDelete = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// acquireScript takes the lock when it is free, renews it when token holds
// it, and otherwise returns how long the holder keeps it (PTTL, ms).
var acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return -1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return -1 end
return redis.call('PTTL', KEYS[1])`)

// AcquireLock takes or renews the named lock for token.
func (s *Store) AcquireLock(ctx context.Context, name, token string, ttl time.Duration) (bool, time.Duration, error) {
	pttl, err := acquireScript.Run(ctx, s.rdb, []string{s.lockKey(name)}, token, strconv.FormatInt(ttl.Milliseconds(), 10)).Int64()
	if err != nil {
		return false, 0, fmt.Errorf("lock %s: %w", name, err)
	}
	switch {
	case pttl == -1:
		return true, 0, nil
	case pttl < 0: // a lock without expiry should not exist; try again after one period
		return false, ttl, nil
	}
	return false, time.Duration(pttl) * time.Millisecond, nil
}

// ReleaseLock deletes the lock if token holds it: compare-and-delete, never a plain DEL.
func (s *Store) ReleaseLock(ctx context.Context, name, token string) error {
	if err := compareAndDelete.Run(ctx, s.rdb, []string{s.lockKey(name)}, token).Err(); err != nil {
		return fmt.Errorf("unlock %s: %w", name, err)
	}
	return nil
}
