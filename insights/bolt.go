package insights

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	usageBucket      = []byte("usage")
	unansweredBucket = []byte("unanswered")
)

// Bolt keeps the counts in a file, for a bot without Redis. Keys are
// "yyyymmdd\x00field" with a big-endian count; old days are purged on write.
type Bolt struct {
	db        *bolt.DB
	retention time.Duration
	loc       *time.Location
	clock     func() time.Time
	lastPurge string
}

// OpenBolt opens (or creates) the file at path.
func OpenBolt(path string, retention time.Duration, loc *time.Location, clock func() time.Time) (*Bolt, error) {
	if retention <= 0 {
		retention = DefaultRetention
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{usageBucket, unansweredBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init %s: %w", path, err)
	}
	return &Bolt{db: db, retention: retention, loc: loc, clock: clock}, nil
}

// Close closes the file.
func (b *Bolt) Close() error { return b.db.Close() }

func boltKey(d, field string) []byte { return []byte(d + "\x00" + field) }

// Record counts e in today's buckets, and once a day drops days past retention.
func (b *Bolt) Record(ctx context.Context, e Event) error {
	d := day(e.At, b.loc)
	return b.db.Update(func(tx *bolt.Tx) error {
		incr(tx.Bucket(usageBucket), boltKey(d, usageField(e)))
		if !e.Matched && e.Question != "" {
			incr(tx.Bucket(unansweredBucket), boltKey(d, questionKey(e.Question)))
		}
		if d != b.lastPurge {
			cutoff := day(e.At.Add(-b.retention), b.loc)
			for _, name := range [][]byte{usageBucket, unansweredBucket} {
				if err := purgeBefore(tx.Bucket(name), cutoff); err != nil {
					return err
				}
			}
			b.lastPurge = d
		}
		return nil
	})
}

func incr(bk *bolt.Bucket, k []byte) {
	var n uint64
	if v := bk.Get(k); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], n+1)
	_ = bk.Put(k, buf[:]) // only fails for a read-only tx or empty key
}

func purgeBefore(bk *bolt.Bucket, cutoff string) error {
	c := bk.Cursor()
	for k, _ := c.First(); k != nil && string(k[:min(8, len(k))]) < cutoff; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bolt) sum(name []byte, since time.Time) (tally, error) {
	t := tally{}
	from := []byte(day(since, b.loc))
	cutoff := day(b.clock().Add(-b.retention), b.loc)
	if string(from) < cutoff {
		from = []byte(cutoff)
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(name).Cursor()
		for k, v := c.Seek(from); k != nil; k, v = c.Next() {
			_, field, ok := bytes.Cut(k, []byte{0})
			if !ok || len(v) != 8 {
				continue
			}
			t[string(field)] += int(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("read %s", name), err)
	}
	return t, nil
}

// Unanswered counts fallback questions since a date.
func (b *Bolt) Unanswered(ctx context.Context, since time.Time) ([]Count, error) {
	t, err := b.sum(unansweredBucket, since)
	if err != nil {
		return nil, err
	}
	return t.counts(), nil
}

// Usage counts questions by topic and language since a date.
func (b *Bolt) Usage(ctx context.Context, since time.Time) ([]Usage, error) {
	t, err := b.sum(usageBucket, since)
	if err != nil {
		return nil, err
	}
	return t.usage(), nil
}
