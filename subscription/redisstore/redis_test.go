package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/redisstore"
	"github.com/fundbot/fundbot/subscription/storetest"
)

func TestContract(t *testing.T) {
	rdb := redistest.Client(t)
	storetest.Run(t, func(t *testing.T) subscription.Store {
		return redisstore.New(rdb, redistest.Prefix(t, rdb))
	})
}

func TestKeysStayUnderThePrefix(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	s := redisstore.New(rdb, prefix)
	ctx := context.Background()
	sub := storetest.Sub("1")
	if err := s.Put(ctx, sub); err != nil {
		t.Fatal(err)
	}
	sent := subscription.Delivery{Subscriber: sub.Key(), Call: "p/c", Offset: 7}
	leased := subscription.Delivery{Subscriber: sub.Key(), Call: "p/c", Offset: subscription.Announcement}
	s.Lease(ctx, sent, "t", time.Hour)
	s.Record(ctx, []subscription.Record{{Delivery: sent, At: storetest.T0, Keep: time.Hour}})
	s.Lease(ctx, leased, "t", time.Hour)
	s.SeeCalls(ctx, []string{"p/c"}, storetest.T0)
	s.AcquireLock(ctx, "leader", "t", time.Minute)

	var got []string
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		got = append(got, strings.TrimPrefix(iter.Val(), prefix))
	}
	want := map[string]bool{
		"sub:telegram:1": true, "subs:all": true, "subs:active": true, "calls:seen": true, "lock:leader": true,
	}
	if len(got) != len(want) {
		t.Fatalf("keys under the prefix: %v", got)
	}
	for _, k := range got {
		if !want[k] {
			t.Errorf("unexpected key %q (the documented layout must be updated)", k)
		}
	}
	fields, err := rdb.HGetAll(ctx, prefix+"sub:telegram:1").Result()
	if err != nil {
		t.Fatal(err)
	}
	if v := fields["sent|p/c|7"]; !strings.HasPrefix(v, strconv.FormatInt(storetest.T0.UnixMilli(), 10)+"|") {
		t.Errorf("record field sent|p/c|7 = %q, want the time sent first", v)
	}
	if v := fields["lease|p/c|new"]; !strings.HasSuffix(v, "|t") {
		t.Errorf("lease field lease|p/c|new = %q, want it to end with the token", v)
	}
	if _, ok := fields["lease|p/c|7"]; ok {
		t.Error("the record left its lease behind")
	}
	// Nothing that matters may expire (and so be evicted by a volatile-* policy).
	for _, k := range got {
		if ttl := rdb.PTTL(ctx, prefix+k).Val(); ttl > 0 && k != "lock:leader" {
			t.Errorf("%s has a TTL (%v)", k, ttl)
		}
	}
}

// Claims written before lease-then-record still count as sent until they
// expire, and unsubscribing deletes them.
func TestOldClaimsCountAsRecords(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	s := redisstore.New(rdb, prefix)
	ctx := context.Background()
	sub := storetest.Sub("1")
	if err := s.Put(ctx, sub); err != nil {
		t.Fatal(err)
	}
	d := subscription.Delivery{Subscriber: sub.Key(), Call: "p/c", Offset: 7}
	claim := prefix + "claim:" + d.String()
	rdb.Set(ctx, claim, "host-1-abcd", time.Hour)
	rdb.SAdd(ctx, prefix+"claims:"+sub.Key(), claim)
	got, err := s.Deliveries(ctx, []subscription.Delivery{d})
	if err != nil || got[0] != subscription.Sent {
		t.Fatalf("Deliveries with an old claim = %v, %v; want sent", got, err)
	}
	if err := s.Delete(ctx, sub.Key()); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Exists(ctx, claim, prefix+"claims:"+sub.Key()).Val(); n != 0 {
		t.Fatalf("%d old claim keys left after unsubscribing", n)
	}
}

func TestRecoversAfterRedisRestart(t *testing.T) {
	redistest.Client(t) // skip early without Redis
	proxy := redistest.NewProxy(t)
	opt := redistest.Options(t)
	opt.Addr = proxy.Addr
	opt.MaxRetries = -1 // let the test see each failure
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	s := redisstore.New(rdb, redistest.Prefix(t, redistest.Client(t)))
	ctx := context.Background()
	if err := s.Put(ctx, storetest.Sub("1")); err != nil {
		t.Fatal(err)
	}

	proxy.Down()
	_, err := s.Get(ctx, "telegram:1")
	if err == nil || errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("Get while Redis is down: %v; want a connection error", err)
	}
	if !strings.Contains(err.Error(), "get telegram:1") {
		t.Errorf("error does not say what failed: %v", err)
	}

	proxy.Up(t)
	if _, err := s.Get(ctx, "telegram:1"); err != nil {
		t.Fatalf("Get after Redis came back: %v (the pool did not recover)", err)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, url   string
		addrs       int
		cluster     bool
		master      string
		wantErr     bool
		errMentions string
	}{
		{name: "single node", url: "redis://:pw@localhost:6379/2", addrs: 1},
		{name: "tls", url: "rediss://user:pw@redis.example:6380", addrs: 1},
		{name: "cluster by seed nodes", url: "redis://a:7000?addr=b:7001&addr=c:7002", addrs: 3, cluster: true},
		{name: "sentinel", url: "redis://s1:26379?master_name=mymaster&addr=s2:26379", addrs: 2, master: "mymaster"},
		{name: "bad scheme hides the password", url: "http://user:s3cret@host", wantErr: true, errMentions: "REDIS_URL"},
		{name: "unknown option", url: "redis://:s3cret@host?bogus=1", wantErr: true, errMentions: "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := redisstore.ParseURL(tt.url)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error leaks the password: %v", err)
				}
				if !strings.Contains(err.Error(), tt.errMentions) {
					t.Fatalf("error %q does not mention %q", err, tt.errMentions)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(opt.Addrs) != tt.addrs || opt.IsClusterMode != tt.cluster || opt.MasterName != tt.master {
				t.Fatalf("options = %+v", opt)
			}
		})
	}
}
