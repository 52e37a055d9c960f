// Package redistest connects tests to the real Redis: 127.0.0.1:6379, or
// REDIS_URL. Each test gets its own key prefix, and its keys are removed when
// it ends. Without a reachable Redis the tests skip, except under CI=true,
// where they fail: CI must not pass by skipping.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL is the Redis the tests use.
func URL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Options parses URL, failing the test on a malformed URL.
func Options(t testing.TB) *redis.Options {
	t.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	return opt
}

// Client returns a client for the test Redis, closed at the end of the test.
// It skips the test when Redis is unreachable, or fails it under CI=true.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(Options(t))
	Require(t, c)
	t.Cleanup(func() { c.Close() })
	return c
}

// Require skips (or, under CI=true, fails) the test when c cannot reach Redis.
func Require(t testing.TB, c redis.UniversalClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s is unreachable and CI=true: %v", redactedURL(), err)
		}
		t.Skipf("Redis at %s is unreachable (set REDIS_URL, or CI=true to fail): %v", redactedURL(), err)
	}
}

func redactedURL() string {
	opt, err := redis.ParseURL(URL())
	if err != nil {
		return "REDIS_URL"
	}
	return opt.Addr
}

// Prefix returns a fresh key prefix and deletes every key under it when the test ends.
func Prefix(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "fundbot-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() { Clean(t, c, prefix) })
	return prefix
}

// Clean deletes every key under prefix; SCAN is fine here, never in the stores.
func Clean(t testing.TB, c redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				t.Logf("clean %s: %v", prefix, err)
			}
			batch = batch[:0]
		}
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			flush()
		}
	}
	flush()
	if err := iter.Err(); err != nil {
		t.Logf("clean %s: %v", prefix, err)
	}
}

// Proxy is a TCP proxy in front of Redis that a test can cut and restore, to
// see what the code does when Redis goes away and comes back.
type Proxy struct {
	Addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// NewProxy starts a proxy to the test Redis; it stops when the test ends.
func NewProxy(t testing.TB) *Proxy {
	t.Helper()
	p := &Proxy{target: Options(t).Addr, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() { p.Down(); p.wg.Wait() })
	return p
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln { // Down came while this connection was being set up
				p.mu.Unlock()
				in.Close()
				out.Close()
				return
			}
			p.conns[in], p.conns[out] = true, true
			p.mu.Unlock()
			p.wg.Go(func() { io.Copy(out, in); out.Close() })
			p.wg.Go(func() { io.Copy(in, out); in.Close() })
		}
	})
}

// Down closes the listener and every open connection: Redis is "gone".
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Up listens again on the same address: Redis is "back".
func (p *Proxy) Up(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", p.Addr)
	if err != nil {
		t.Fatalf("proxy up: %v", err)
	}
	p.serve(ln)
}
