package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/config"
	"github.com/fundbot/fundbot/insights"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// stores are the two stores of a running bot, on Redis or on files.
type stores struct {
	subs     subscription.Store
	insights insights.Store
	desc     string                      // for the first log line
	ping     func(context.Context) error // readiness
	close    func()
}

// openStores opens Redis when REDIS_URL is set, else the embedded files in
// FUNDBOT_DATA_DIR. A Redis that does not answer yet is not an error: the bot
// starts, answers questions, and reports itself not ready until Redis is back.
func openStores(ctx context.Context, cfg config.Config, clock func() time.Time) (*stores, error) {
	r := cfg.Reminders
	retention := cfg.Serve.InsightsRetention
	if r.RedisURL != "" {
		opt, err := redisstore.ParseURL(r.RedisURL)
		if err != nil {
			return nil, err
		}
		rdb := redis.NewUniversalClient(opt)
		return &stores{
			subs:     redisstore.New(rdb, r.RedisPrefix),
			insights: insights.NewRedis(rdb, r.RedisPrefix, retention, knowledge.Oslo(), clock),
			desc:     fmt.Sprintf("Redis %s, key prefix %q", r.Redacted(), r.RedisPrefix),
			ping:     func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
			close:    func() { rdb.Close() },
		}, nil
	}
	if err := os.MkdirAll(r.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("FUNDBOT_DATA_DIR %s: %w", r.DataDir, err)
	}
	subsPath := filepath.Join(r.DataDir, "subscriptions.db")
	subs, err := boltstore.Open(subsPath, boltstore.Options{})
	if err != nil {
		return nil, err
	}
	ins, err := insights.OpenBolt(filepath.Join(r.DataDir, "insights.db"), retention, knowledge.Oslo(), clock)
	if err != nil {
		subs.Close()
		return nil, err
	}
	return &stores{
		subs:     subs,
		insights: ins,
		desc:     fmt.Sprintf("embedded file store in %s (REDIS_URL not set: one process only)", r.DataDir),
		ping:     func(context.Context) error { return nil },
		close:    func() { ins.Close(); subs.Close() },
	}, nil
}

// newLogger writes JSON (or text) at the configured level.
func newLogger(w io.Writer, s config.Serve) *slog.Logger {
	opts := &slog.HandlerOptions{Level: s.LogLevel}
	if s.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// reloadKB loads and checks the knowledge base in dir; the bot keeps the old
// one when the new one has problems.
func reloadKB(dir string) (*match.Matcher, error) {
	kb, err := knowledge.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	m := match.New(kb)
	if ps := match.CheckExamples(m); len(ps) > 0 {
		return nil, ps
	}
	return m, nil
}

// kbFingerprint changes when a file in dir is added, removed or rewritten.
func kbFingerprint(dir string) string {
	var fp string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			fp += fmt.Sprintf("%s:%d:%d;", path, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return fp
}

var _ bot.Commander = (*bot.Subscriptions)(nil)

// recorder is the bot's Recorder until Close; later events are dropped, for
// an adapter that outlives the shutdown timeout may still answer, and
// insights.Async panics on a Record after its Close.
type recorder struct {
	mu      sync.RWMutex
	closed  bool
	async   *insights.Async
	once    sync.Once
	flushed chan struct{}
}

func newRecorder(a *insights.Async) *recorder {
	return &recorder{async: a, flushed: make(chan struct{})}
}

// Record queues e; it never blocks.
func (r *recorder) Record(e insights.Event) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.closed {
		r.async.Record(e)
	}
}

// Close stops taking events and stores the queued ones, waiting at most
// wait for that: a store that hangs must not hold the shutdown.
func (r *recorder) Close(wait time.Duration) {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		go func() { r.async.Close(); close(r.flushed) }()
	})
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-r.flushed:
	case <-t.C:
	}
}

// countErrors counts the insights store's failures for fundbot_store_errors_total.
type countErrors struct {
	insights.Store
	failed func()
}

func (c countErrors) Record(ctx context.Context, e insights.Event) error {
	err := c.Store.Record(ctx, e)
	if err != nil {
		c.failed()
	}
	return err
}

var _ bot.Recorder = (*recorder)(nil)

// redisLog sends go-redis's own messages (dial failures and the like) to slog,
// so that the JSON log stays JSON. They carry addresses, never passwords.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...))
}
