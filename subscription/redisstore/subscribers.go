package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

func fields(sub subscription.Subscriber) map[string]any {
	offsets := make([]string, len(sub.Offsets))
	for i, o := range sub.Offsets {
		offsets[i] = strconv.Itoa(o)
	}
	active := "0"
	if sub.Active {
		active = "1"
	}
	return map[string]any{
		"platform":    string(sub.Platform),
		"chat":        sub.ChatID,
		"lang":        string(sub.Lang),
		"programmes":  strings.Join(sub.Programmes, ","),
		"offsets":     strings.Join(offsets, ","),
		"created":     ms(sub.CreatedAt),
		"changed":     ms(sub.ChangedAt),
		"active":      active,
		"deactivated": ms(sub.DeactivatedAt),
	}
}

// subFields are the subscriber's own fields; its hash also holds the leases
// and records of its deliveries (deliveries.go), which reads leave out.
var subFields = []string{"platform", "chat", "lang", "programmes", "offsets", "created", "changed", "active", "deactivated"}

// fieldMap pairs an HMGET answer with subFields; ok is false when the
// subscriber does not exist.
func fieldMap(vals []any) (map[string]string, bool) {
	if len(vals) != len(subFields) || vals[0] == nil {
		return nil, false
	}
	f := make(map[string]string, len(subFields))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			f[subFields[i]] = str
		}
	}
	return f, true
}

func fromFields(f map[string]string) (subscription.Subscriber, error) {
	sub := subscription.Subscriber{
		Platform:      subscription.Platform(f["platform"]),
		ChatID:        f["chat"],
		Lang:          knowledge.Lang(f["lang"]),
		CreatedAt:     fromMs(f["created"]),
		ChangedAt:     fromMs(f["changed"]),
		Active:        f["active"] == "1",
		DeactivatedAt: fromMs(f["deactivated"]),
	}
	if p := f["programmes"]; p != "" {
		sub.Programmes = strings.Split(p, ",")
	}
	if o := f["offsets"]; o != "" {
		for part := range strings.SplitSeq(o, ",") {
			n, err := strconv.Atoi(part)
			if err != nil {
				return sub, fmt.Errorf("offsets %q: %w", o, err)
			}
			sub.Offsets = append(sub.Offsets, n)
		}
	}
	return sub, nil
}

// Put writes the record, then its index entries.
func (s *Store) Put(ctx context.Context, sub subscription.Subscriber) error {
	if err := sub.Validate(); err != nil {
		return err
	}
	sub.Offsets, _ = subscription.NormalizeOffsets(sub.Offsets)
	key := sub.Key()
	member := redis.Z{Score: 0, Member: key}
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.subKey(key), fields(sub))
		p.ZAdd(ctx, s.allKey(), member)
		if sub.Active {
			p.ZAdd(ctx, s.activeKey(), member)
			p.ZRem(ctx, s.inactiveKey(), key)
		} else {
			p.ZRem(ctx, s.activeKey(), key)
			p.ZAdd(ctx, s.inactiveKey(), redis.Z{Score: float64(ms(sub.DeactivatedAt)), Member: key})
		}
		return nil
	})
	if err == nil {
		err = firstErr(cmds)
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get reads one subscriber; a hash without a platform is "not found".
func (s *Store) Get(ctx context.Context, key string) (subscription.Subscriber, error) {
	vals, err := s.rdb.HMGet(ctx, s.subKey(key), subFields...).Result()
	if err != nil {
		return subscription.Subscriber{}, fmt.Errorf("get %s: %w", key, err)
	}
	f, ok := fieldMap(vals)
	if !ok {
		return subscription.Subscriber{}, fmt.Errorf("get %s: %w", key, subscription.ErrNotFound)
	}
	sub, err := fromFields(f)
	if err != nil {
		return sub, fmt.Errorf("get %s: %w", key, err)
	}
	return sub, nil
}

// Delete removes the hash (the subscriber with its delivery records and
// leases), any claims from before lease-then-record, and the index entries.
func (s *Store) Delete(ctx context.Context, key string) error {
	claims, err := s.rdb.SMembers(ctx, s.legacyClaimsKey(key)).Result()
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	var del *redis.IntCmd
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		del = p.Del(ctx, s.subKey(key))
		for _, c := range claims {
			p.Del(ctx, c) // one key a command: claims live in different Cluster slots
		}
		p.Del(ctx, s.legacyClaimsKey(key))
		p.ZRem(ctx, s.allKey(), key)
		p.ZRem(ctx, s.activeKey(), key)
		p.ZRem(ctx, s.inactiveKey(), key)
		return nil
	})
	if err == nil {
		err = firstErr(cmds)
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if del.Val() == 0 {
		return fmt.Errorf("delete %s: %w", key, subscription.ErrNotFound)
	}
	return nil
}

// deactivateScript changes the record only if it exists, so that a
// deactivation racing an unsubscribe cannot bring the record back.
var deactivateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'active', '0', 'deactivated', ARGV[1])
return 1`)

// Deactivate marks the subscriber's chat as gone.
func (s *Store) Deactivate(ctx context.Context, key string, at time.Time) error {
	n, err := deactivateScript.Run(ctx, s.rdb, []string{s.subKey(key)}, ms(at)).Int()
	if err != nil {
		return fmt.Errorf("deactivate %s: %w", key, err)
	}
	if n == 0 {
		return fmt.Errorf("deactivate %s: %w", key, subscription.ErrNotFound)
	}
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.activeKey(), key)
		p.ZAdd(ctx, s.inactiveKey(), redis.Z{Score: float64(ms(at)), Member: key})
		return nil
	})
	if err == nil {
		err = firstErr(cmds)
	}
	if err != nil {
		return fmt.Errorf("deactivate %s: %w", key, err)
	}
	return nil
}

// List pages through an index by lexical range and reads the records in one pipeline.
func (s *Store) List(ctx context.Context, after string, limit int, activeOnly bool) ([]subscription.Subscriber, error) {
	index := s.allKey()
	if activeOnly {
		index = s.activeKey()
	}
	for {
		start := "-"
		if after != "" {
			start = "(" + after
		}
		keys, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: index, Start: start, Stop: "+", ByLex: true, Count: int64(limit)}).Result()
		if err != nil {
			return nil, fmt.Errorf("list after %q: %w", after, err)
		}
		if len(keys) == 0 {
			return nil, nil
		}
		out, stale, err := s.read(ctx, keys)
		if err != nil {
			return nil, fmt.Errorf("list after %q: %w", after, err)
		}
		if len(stale) > 0 {
			// An unsubscribe that failed halfway left index entries behind; tidy them.
			s.rdb.ZRem(ctx, index, stale...)
		}
		if activeOnly {
			out = keepActive(out)
		}
		if len(out) > 0 || len(keys) < limit {
			return out, nil
		}
		after = keys[len(keys)-1]
	}
}

func keepActive(list []subscription.Subscriber) []subscription.Subscriber {
	out := list[:0]
	for _, s := range list {
		if s.Active {
			out = append(out, s)
		}
	}
	return out
}

// read fetches records in one round trip; stale lists keys whose record is gone.
func (s *Store) read(ctx context.Context, keys []string) (out []subscription.Subscriber, stale []any, err error) {
	cmds := make([]*redis.SliceCmd, len(keys))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HMGet(ctx, s.subKey(k), subFields...)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out = make([]subscription.Subscriber, 0, len(keys))
	for i, c := range cmds {
		f, ok := fieldMap(c.Val())
		if !ok {
			stale = append(stale, keys[i])
			continue
		}
		sub, err := fromFields(f)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", keys[i], err)
		}
		out = append(out, sub)
	}
	return out, stale, nil
}

// PurgeInactive deletes subscribers deactivated before the given time.
func (s *Store) PurgeInactive(ctx context.Context, before time.Time) (int, error) {
	n := 0
	for {
		keys, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key: s.inactiveKey(), Start: "-inf", Stop: "(" + strconv.FormatInt(before.UnixMilli(), 10), ByScore: true, Count: 500,
		}).Result()
		if err != nil {
			return n, fmt.Errorf("purge inactive: %w", err)
		}
		if len(keys) == 0 {
			return n, nil
		}
		for _, k := range keys {
			err := s.Delete(ctx, k)
			switch {
			case err == nil:
				n++
			case !isNotFound(err):
				return n, fmt.Errorf("purge inactive: %w", err)
			}
		}
	}
}
