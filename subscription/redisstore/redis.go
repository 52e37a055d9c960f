package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/subscription"
)

// DefaultPrefix starts every key unless configured otherwise.
const DefaultPrefix = "fundbot:"

// Store is a subscription.Store in Redis. It is safe for concurrent use.
type Store struct {
	rdb  redis.UniversalClient
	p    string // key prefix
	owns bool   // Close closes rdb
}

var _ subscription.Store = (*Store)(nil)

// New returns a store on rdb with every key under prefix ("" means DefaultPrefix).
// Closing the store does not close rdb.
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{rdb: rdb, p: prefix}
}

// Open connects to the Redis at rawURL (see ParseURL), checks that it answers,
// and returns a store that closes the connection on Close.
func Open(ctx context.Context, rawURL, prefix string) (*Store, error) {
	opt, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	rdb := redis.NewUniversalClient(opt)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s: %w", strings.Join(opt.Addrs, ","), err)
	}
	s := New(rdb, prefix)
	s.owns = true
	return s, nil
}

// Close closes the connection when Open made it.
func (s *Store) Close() error {
	if s.owns {
		return s.rdb.Close()
	}
	return nil
}

// ParseURL turns REDIS_URL into client options:
//
//	redis://[user:password@]host:6379/0              one node (rediss:// for TLS)
//	redis://host1:6379?addr=host2:6379&addr=host3:6379  a Cluster, by its seed nodes
//	redis://sentinel1:26379?master_name=mymaster&addr=sentinel2:26379&password=…
//	                                                  Sentinel: the URL names the sentinels
//
// The query may also carry go-redis's options (dial_timeout, pool_size, …).
// Errors never repeat the password.
func ParseURL(rawURL string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("REDIS_URL is not a URL")
	}
	fail := func(err error) (*redis.UniversalOptions, error) {
		return nil, fmt.Errorf("REDIS_URL %s: %w", u.Redacted(), err)
	}
	q := u.Query()
	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return fail(err)
		}
		return &redis.UniversalOptions{
			Addrs: o.SentinelAddrs, MasterName: o.MasterName, DB: o.DB,
			Username: o.Username, Password: o.Password,
			SentinelUsername: o.SentinelUsername, SentinelPassword: o.SentinelPassword,
			TLSConfig: o.TLSConfig, ClientName: o.ClientName, Protocol: o.Protocol,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			PoolSize: o.PoolSize, MinIdleConns: o.MinIdleConns, MaxRetries: o.MaxRetries,
			RouteByLatency: o.RouteByLatency, RouteRandomly: o.RouteRandomly,
		}, nil
	case q.Has("addr"):
		o, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return fail(err)
		}
		return &redis.UniversalOptions{
			Addrs: o.Addrs, IsClusterMode: true,
			Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
			ClientName: o.ClientName, Protocol: o.Protocol,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			PoolSize: o.PoolSize, MinIdleConns: o.MinIdleConns, MaxRetries: o.MaxRetries,
			RouteByLatency: o.RouteByLatency, RouteRandomly: o.RouteRandomly,
		}, nil
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return fail(err)
	}
	return &redis.UniversalOptions{
		Addrs: []string{o.Addr}, DB: o.DB,
		Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
		ClientName: o.ClientName, Protocol: o.Protocol,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolSize: o.PoolSize, MinIdleConns: o.MinIdleConns, MaxRetries: o.MaxRetries,
	}, nil
}

// Keys.
func (s *Store) subKey(key string) string   { return s.p + "sub:" + key }
func (s *Store) allKey() string             { return s.p + "subs:all" }
func (s *Store) activeKey() string          { return s.p + "subs:active" }
func (s *Store) inactiveKey() string        { return s.p + "subs:inactive" }
func (s *Store) seenKey() string            { return s.p + "calls:seen" }
func (s *Store) lockKey(name string) string { return s.p + "lock:" + name }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMs(v string) time.Time {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func isNotFound(err error) bool { return errors.Is(err, subscription.ErrNotFound) }

// firstErr returns the first error among pipelined commands, ignoring redis.Nil.
func firstErr(cmds []redis.Cmder) error {
	for _, c := range cmds {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
	}
	return nil
}
