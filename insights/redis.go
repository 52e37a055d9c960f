package insights

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keeps the counts in one hash per day and kind, each expiring after the
// retention period:
//
//	{prefix}insights:usage:{yyyymmdd}       field "intent|lang|matched" -> count
//	{prefix}insights:unanswered:{yyyymmdd}  field question text       -> count
type Redis struct {
	rdb       redis.UniversalClient
	prefix    string
	retention time.Duration
	loc       *time.Location
	clock     func() time.Time
}

// NewRedis returns a store on rdb; clock is "now" for reports.
func NewRedis(rdb redis.UniversalClient, prefix string, retention time.Duration, loc *time.Location, clock func() time.Time) *Redis {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &Redis{rdb: rdb, prefix: prefix, retention: retention, loc: loc, clock: clock}
}

func (r *Redis) key(kind, day string) string { return r.prefix + "insights:" + kind + ":" + day }

// Record counts e in today's buckets.
func (r *Redis) Record(ctx context.Context, e Event) error {
	d := day(e.At, r.loc)
	// Keep a bucket for the retention period after its day ends.
	ttl := r.retention + 24*time.Hour
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		k := r.key("usage", d)
		p.HIncrBy(ctx, k, usageField(e), 1)
		p.Expire(ctx, k, ttl)
		if !e.Matched && e.Question != "" {
			k := r.key("unanswered", d)
			p.HIncrBy(ctx, k, questionKey(e.Question), 1)
			p.Expire(ctx, k, ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record question: %w", err)
	}
	return nil
}

func (r *Redis) sum(ctx context.Context, kind string, since time.Time) (tally, error) {
	now := r.clock()
	if oldest := now.Add(-r.retention); since.Before(oldest) {
		since = oldest // what is past retention is not reported, expired or not
	}
	ds := days(since, now, r.loc, int(r.retention/(24*time.Hour))+2)
	cmds := make([]*redis.MapStringStringCmd, len(ds))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, d := range ds {
			cmds[i] = p.HGetAll(ctx, r.key(kind, d))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", kind, err)
	}
	t := tally{}
	for _, c := range cmds {
		for k, v := range c.Val() {
			t.add(k, v)
		}
	}
	return t, nil
}

// Unanswered counts fallback questions since a date.
func (r *Redis) Unanswered(ctx context.Context, since time.Time) ([]Count, error) {
	t, err := r.sum(ctx, "unanswered", since)
	if err != nil {
		return nil, err
	}
	return t.counts(), nil
}

// Usage counts questions by topic and language since a date.
func (r *Redis) Usage(ctx context.Context, since time.Time) ([]Usage, error) {
	t, err := r.sum(ctx, "usage", since)
	if err != nil {
		return nil, err
	}
	return t.usage(), nil
}
