package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/subscription"
)

// A delivery's lease and record are fields of its subscriber's hash:
//
//	lease|<programme>/<call>|<days or "new">  "<expires ms>|<token>"
//	sent|<programme>/<call>|<days or "new">   "<sent ms>|<keep until ms>"
//
// So every script touches one key (Cluster-safe), a lease and the record it
// turns into are checked atomically, the records live exactly as long as the
// subscriber, and no key with a TTL holds anything that matters: evicting
// volatile keys (or losing them) cannot make a reminder go twice. Expiry is
// judged by the Redis server's clock (TIME).

func sentField(d subscription.Delivery) string  { return "sent|" + d.Item() }
func leaseField(d subscription.Delivery) string { return "lease|" + d.Item() }

// nowMs is the server's time in Lua, in milliseconds.
const nowMs = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// leaseScript takes or renews a lease: 1 when the caller may send.
// KEYS[1] subscriber hash; ARGV sent field, lease field, token, ttl ms.
var leaseScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end` + nowMs + `
local held = redis.call('HGET', KEYS[1], ARGV[2])
if held then
  local sep = string.find(held, '|', 1, true)
  if sep and (tonumber(string.sub(held, 1, sep - 1)) or 0) > now and string.sub(held, sep + 1) ~= ARGV[3] then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[2], string.format('%.0f', now + tonumber(ARGV[4])) .. '|' .. ARGV[3])
return 1`)

// recordScript writes a record into an existing subscriber hash, drops the
// lease, and prunes records kept long enough and leases run out.
// KEYS[1] subscriber hash; ARGV sent field, lease field, sent ms, keep ms.
var recordScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end` + nowMs + `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. '|' .. string.format('%.0f', now + tonumber(ARGV[4])))
redis.call('HDEL', KEYS[1], ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local f, v = all[i], all[i + 1]
  local sep = string.find(v, '|', 1, true)
  if sep and string.sub(f, 1, 5) == 'sent|' and (tonumber(string.sub(v, sep + 1)) or now) < now then
    redis.call('HDEL', KEYS[1], f)
  elseif sep and string.sub(f, 1, 6) == 'lease|' and (tonumber(string.sub(v, 1, sep - 1)) or now) < now then
    redis.call('HDEL', KEYS[1], f)
  end
end
return 1`)

// releaseScript drops a lease only while token holds it.
// KEYS[1] subscriber hash; ARGV lease field, token.
var releaseScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then
  local sep = string.find(v, '|', 1, true)
  if sep and string.sub(v, sep + 1) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
end
return 0`)

// Lease takes or renews the lease in one script: one round trip.
func (s *Store) Lease(ctx context.Context, d subscription.Delivery, token string, ttl time.Duration) (bool, error) {
	n, err := leaseScript.Run(ctx, s.rdb, []string{s.subKey(d.Subscriber)},
		sentField(d), leaseField(d), token, max(ttl.Milliseconds(), 1)).Int()
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", d, err)
	}
	return n == 1, nil
}

// Record writes every record in one pipeline of scripts: one round trip.
func (s *Store) Record(ctx context.Context, rs []subscription.Record) error {
	if len(rs) == 0 {
		return ctx.Err()
	}
	run := func() ([]redis.Cmder, error) {
		return s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, r := range rs {
				recordScript.EvalSha(ctx, p, []string{s.subKey(r.Subscriber)},
					sentField(r.Delivery), leaseField(r.Delivery), ms(r.At), r.Keep.Milliseconds())
			}
			return nil
		})
	}
	cmds, err := run()
	if isNoScript(err) {
		// A restarted or new Redis does not know the script yet; writing a
		// record twice is harmless, so load it and run the whole batch again.
		if err = recordScript.Load(ctx, s.rdb).Err(); err == nil {
			cmds, err = run()
		}
	}
	if err == nil {
		err = firstErr(cmds)
	}
	if err != nil {
		return fmt.Errorf("record %d deliveries (first %s): %w", len(rs), rs[0].Delivery, err)
	}
	return nil
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// Release drops token's lease: compare-and-delete, never a plain HDEL.
func (s *Store) Release(ctx context.Context, d subscription.Delivery, token string) error {
	if err := releaseScript.Run(ctx, s.rdb, []string{s.subKey(d.Subscriber)}, leaseField(d), token).Err(); err != nil {
		return fmt.Errorf("release %s: %w", d, err)
	}
	return nil
}

// Deliveries reads every delivery's record and lease, and the server's
// clock to judge the leases, in one pipeline.
func (s *Store) Deliveries(ctx context.Context, ds []subscription.Delivery) ([]subscription.DeliveryState, error) {
	out := make([]subscription.DeliveryState, len(ds))
	if len(ds) == 0 {
		return out, ctx.Err()
	}
	fields := make([]*redis.SliceCmd, len(ds))
	legacy := make([]*redis.IntCmd, len(ds))
	var clock *redis.TimeCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		clock = p.Time(ctx)
		for i, d := range ds {
			fields[i] = p.HMGet(ctx, s.subKey(d.Subscriber), sentField(d), leaseField(d))
			legacy[i] = p.Exists(ctx, s.legacyClaimKey(d))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	now := clock.Val()
	for i, c := range fields {
		v := c.Val()
		switch {
		case len(v) == 2 && v[0] != nil, legacy[i].Val() == 1:
			out[i] = subscription.Sent
		case len(v) == 2 && v[1] != nil && leaseLive(v[1], now):
			out[i] = subscription.Leased
		}
	}
	return out, nil
}

// leaseLive reads "<expires ms>|<token>".
func leaseLive(v any, now time.Time) bool {
	str, _ := v.(string)
	exp, _, _ := strings.Cut(str, "|")
	n, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && n > now.UnixMilli()
}
