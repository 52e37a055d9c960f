package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

// Store is what the scheduler needs from the subscription store.
type Store interface {
	List(ctx context.Context, after string, limit int, activeOnly bool) ([]subscription.Subscriber, error)
	Deactivate(ctx context.Context, key string, at time.Time) error
	PurgeInactive(ctx context.Context, before time.Time) (int, error)
	Lease(ctx context.Context, d subscription.Delivery, token string, ttl time.Duration) (bool, error)
	Record(ctx context.Context, rs []subscription.Record) error
	Release(ctx context.Context, d subscription.Delivery, token string) error
	Deliveries(ctx context.Context, ds []subscription.Delivery) ([]subscription.DeliveryState, error)
	SeeCalls(ctx context.Context, calls []string, now time.Time) (map[string]time.Time, error)
	CallsSeen(ctx context.Context, calls []string) (map[string]time.Time, error)
	Locker
}

// DefaultSpec ticks every 15 minutes, on the quarter hour, Oslo time.
const DefaultSpec = "*/15 * * * *"

// Options configure a Scheduler; zero values mean the defaults given.
type Options struct {
	Spec        string                             // cron spec, Oslo time; DefaultSpec
	Clock       func() time.Time                   // "now" for planning; time.Now
	Logger      *slog.Logger                       // slog.Default()
	Notifiers   map[subscription.Platform]Notifier // platforms without one are skipped, not leased
	Limits      map[subscription.Platform]Limit    // DefaultLimits()
	LockTTL     time.Duration                      // leader lock period; 30 s
	BatchSize   int                                // subscribers read per round; 1000
	Workers     int                                // concurrent sends per platform; 8
	Retries     int                                // retries of a failed send; 3
	Backoff     time.Duration                      // first retry delay, doubled each time; 1 s
	Timeout     time.Duration                      // one send; 30 s
	Lease       time.Duration                      // a send's lease, renewed before each retry: longer than Timeout; 2 × Timeout, at least 1 min
	LateAfter   time.Duration                      // a reminder sent this long after its time says it is late; 1 h
	PurgeAfter  time.Duration                      // deactivated subscribers are deleted after; 30 days
	KeepRecords time.Duration                      // delivery records outlive their deadline by; 30 days
	Instance    string                             // name in logs and lock tokens; host-pid
	OnTick      func(Report, error)                // called after each tick, e.g. for metrics
}

func (o *Options) defaults() {
	if o.Spec == "" {
		o.Spec = DefaultSpec
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Limits == nil {
		o.Limits = DefaultLimits()
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 30 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.LateAfter <= 0 {
		o.LateAfter = time.Hour
	}
	if o.PurgeAfter <= 0 {
		o.PurgeAfter = 30 * 24 * time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = max(2*o.Timeout, time.Minute)
	}
	if o.KeepRecords <= 0 {
		o.KeepRecords = 30 * 24 * time.Hour
	}
	if o.Instance == "" {
		host, _ := os.Hostname()
		o.Instance = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
}

// Scheduler sends the reminders. Start runs it on its cron spec under leader
// election; RunOnce runs one tick now.
type Scheduler struct {
	store    Store
	kb       func() *knowledge.KB
	opt      Options
	loc      *time.Location
	schedule cron.Schedule
	token    string // this replica's lease and lock token
	log      *slog.Logger
	limiters map[subscription.Platform]*limiter
	pending  *unrecorded // sent, but the store could not record it yet

	// Real time for rate limiting and backoff; tests replace them.
	mono  func() time.Time
	sleep func(context.Context, time.Duration) error

	elector  *elector
	cron     *cron.Cron
	entry    cron.EntryID
	stop     context.CancelFunc
	wg       sync.WaitGroup // the elector
	ticks    sync.WaitGroup // ticks started on election
	mu       sync.Mutex
	stopping bool
	onLead   func(bool) // test hook
}

// New checks the options and returns a scheduler; nothing runs until Start.
func New(store Store, kb func() *knowledge.KB, opt Options) (*Scheduler, error) {
	opt.defaults()
	sched, err := cron.ParseStandard(opt.Spec)
	if err != nil {
		return nil, fmt.Errorf("scheduler: spec %q: %w", opt.Spec, err)
	}
	if opt.Lease <= opt.Timeout {
		// A send that outlives its lease could be sent again by another replica.
		return nil, fmt.Errorf("scheduler: the lease (%s) must be longer than the send timeout (%s)", opt.Lease, opt.Timeout)
	}
	b := make([]byte, 8)
	rand.Read(b)
	s := &Scheduler{
		store: store, kb: kb, opt: opt, loc: knowledge.Oslo(), schedule: sched,
		token: opt.Instance + "-" + hex.EncodeToString(b),
		mono:  time.Now, sleep: sleepCtx, pending: &unrecorded{},
	}
	s.log = opt.Logger.With("component", "scheduler", "instance", opt.Instance)
	s.limiters = map[subscription.Platform]*limiter{}
	for p := range opt.Notifiers {
		s.limiters[p] = newLimiter(opt.Limits[p], func() time.Time { return s.mono() }, func(ctx context.Context, d time.Duration) error { return s.sleep(ctx, d) })
	}
	return s, nil
}

// Next is when the cron spec next fires after t.
func (s *Scheduler) Next(t time.Time) time.Time { return s.schedule.Next(t.In(s.loc)) }

// Start runs ticks on the spec, Oslo time, while this replica holds the
// leader lock; winning the lock runs a tick at once, to catch up. Only Stop
// ends it: cancelling ctx does not, so that a shutdown can let the running
// tick finish.
func (s *Scheduler) Start(ctx context.Context) error {
	if s.cron != nil {
		return fmt.Errorf("scheduler: already started")
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	logger := cronLogger{s.log}
	s.cron = cron.New(
		cron.WithLocation(s.loc),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)),
		cron.WithLogger(logger),
	)
	s.entry = s.cron.Schedule(s.schedule, cron.FuncJob(s.tick))
	// The same wrapped job runs on election, so SkipIfStillRunning covers both.
	job := s.cron.Entry(s.entry).WrappedJob
	s.elector = &elector{
		lock: s.store, name: "leader", token: s.token, ttl: s.opt.LockTTL, log: s.log,
		changed: func(leading bool) {
			if s.onLead != nil {
				s.onLead(leading)
			}
			if !leading {
				return
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.stopping {
				s.ticks.Go(job.Run)
			}
		},
	}
	s.wg.Go(func() { s.elector.run(runCtx) })
	s.cron.Start()
	return nil
}

// Stop stops ticking, waits for a running tick to finish (or ctx to end,
// which cancels it), and releases the leader lock.
func (s *Scheduler) Stop(ctx context.Context) error {
	if s.cron == nil {
		return nil
	}
	cronDone := s.cron.Stop()
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	ticksDone := make(chan struct{})
	go func() {
		s.ticks.Wait()
		<-cronDone.Done()
		close(ticksDone)
	}()
	var err error
	select {
	case <-ticksDone:
	case <-ctx.Done():
		err = fmt.Errorf("scheduler: stop: %w (the running tick was cancelled)", ctx.Err())
	}
	s.stop() // ends the campaign: leadership, and with it a running tick, is cancelled
	<-ticksDone
	s.wg.Wait()
	if ferr := s.flushPending(context.WithoutCancel(ctx)); ferr != nil {
		s.log.Error("reminders were sent but could not be recorded: a restart sends them again",
			"count", s.pending.len(), "err", ferr)
	}
	return err
}

// tick is the cron job: one fan-out if this replica leads.
func (s *Scheduler) tick() {
	ctx, ok := s.elector.leading()
	if !ok {
		return
	}
	rep, err := s.RunOnce(ctx)
	if err != nil {
		s.log.Error("tick failed", "err", err)
	}
	if s.opt.OnTick != nil {
		s.opt.OnTick(rep, err)
	}
}

// cronLogger lets cron log through slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
