package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/redis/go-redis/v9"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/bot/slack"
	"github.com/fundbot/fundbot/bot/telegram"
	"github.com/fundbot/fundbot/insights"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
	"github.com/fundbot/fundbot/metrics"
	"github.com/fundbot/fundbot/scheduler"
	"github.com/fundbot/fundbot/server"
	"github.com/fundbot/fundbot/subscription"
)

// serve runs the production process: the configured chat platforms, the
// reminder scheduler and the HTTP server, until SIGTERM or SIGINT.
func (a *App) serve(ctx context.Context, args []string) error {
	fs := a.newFlags("serve")
	kbFlag := fs.String("kb", "", "knowledge base folder (default: built in, or FUNDBOT_KB_DIR)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.settings(*kbFlag)
	if err != nil {
		return err
	}
	if cfg.TelegramBotToken == "" && cfg.SlackBotToken == "" {
		return usageError{"serve: no chat platform is configured. Set TELEGRAM_BOT_TOKEN for Telegram, " +
			"and/or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (SLACK_MODE=http) for Slack. " +
			"To try the bot without a platform, run: fundbot chat"}
	}
	log := newLogger(a.Stderr, cfg.Serve)
	// go-redis prints connection trouble through its own logger; route it into ours.
	redis.SetLogger(redisLog{log.With("component", "redis")})

	// Signals first: a SIGHUP that arrives before we listen must not kill us.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	// Listen before anything starts, so that a port in use fails at once and
	// leaves no adapter, scheduler or leader lock behind.
	ln, err := net.Listen("tcp", cfg.Serve.HTTPAddr)
	if err != nil {
		return fmt.Errorf("FUNDBOT_HTTP_ADDR %s: %w", cfg.Serve.HTTPAddr, err)
	}
	defer ln.Close()

	st, err := openStores(ctx, cfg, a.Clock)
	if err != nil {
		return err
	}
	defer st.close()
	log.Info("fundbot starting", "store", st.desc, "http", cfg.Serve.HTTPAddr,
		"telegram", cfg.TelegramBotToken != "", "slack", cfg.SlackBotToken != "")
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	if err := st.ping(pingCtx); err != nil {
		log.Warn("store not reachable at start: answering questions, subscriptions wait for it", "err", err)
	}
	cancel()

	m := metrics.New()
	async := insights.NewAsync(countErrors{st.insights, func() { m.StoreError("insights") }}, 4096, log.With("component", "insights"))
	m.WatchDropped(async.Dropped)
	recorder := newRecorder(async)
	defer recorder.Close(0) // early returns; the shutdown below flushes it

	matcher, err := loadMatcher(cfg.KBDir)
	if err != nil {
		return err
	}
	var b *bot.Bot
	kb := func() *knowledge.KB { return b.KB() }
	subs := bot.NewSubscriptions(st.subs, kb, a.Clock)
	b = bot.New(matcher, bot.Options{Threshold: cfg.Threshold, Clock: a.Clock, Commands: subs, Recorder: recorder})
	handler := metrics.Instrumented{Next: b, Metrics: m, Log: log.With("component", "bot")}

	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	var wg sync.WaitGroup
	fatal := make(chan error, 4)
	notifiers := map[subscription.Platform]scheduler.Notifier{}
	mounts := map[string]http.Handler{}

	drain := drainTime(cfg.Serve.ShutdownTimeout)
	if cfg.TelegramBotToken != "" {
		// The polling offset lives in the data folder, with Redis too.
		if err := os.MkdirAll(cfg.Reminders.DataDir, 0o700); err != nil {
			log.Warn("cannot create FUNDBOT_DATA_DIR for the Telegram offset; after a crash an update in flight may be answered again", "err", err)
		}
		tg, err := telegram.New(telegram.Config{
			Token: cfg.TelegramBotToken, APIURL: cfg.TelegramAPIURL,
			WebhookURL: cfg.TelegramWebhookURL, WebhookSecret: cfg.TelegramWebhookSecret,
			ShutdownGrace: drain,
		}, handler, telegram.WithLogger(log), telegram.WithClock(a.Clock), // the adapter names its component
			telegram.WithOffsets(&telegram.FileOffsets{Path: filepath.Join(cfg.Reminders.DataDir, "telegram-offset.json")}))
		if err != nil {
			return err
		}
		notifiers[subscription.Telegram] = tg
		if cfg.TelegramWebhookURL != "" {
			mounts[webhookPath(cfg.TelegramWebhookURL)] = tg.Webhook()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tg.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				fatal <- fmt.Errorf("telegram: %w", err)
			}
		}()
	}
	if cfg.SlackBotToken != "" {
		sl, err := slack.New(slack.Config{
			BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken, SigningSecret: cfg.SlackSigningSecret,
			APIURL: cfg.SlackAPIURL, Mode: slack.Mode(cfg.SlackMode),
		}, handler, log.With("component", "slack"), a.Clock)
		if err != nil {
			return err
		}
		notifiers[subscription.Slack] = sl.Notifier()
		if cfg.SlackMode == string(slack.HTTPMode) {
			mounts["/slack/"] = sl.Handler()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sl.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				fatal <- fmt.Errorf("slack: %w", err)
			}
		}()
	}

	opt := schedulerOptions(cfg.Reminders)
	opt.Clock, opt.Logger, opt.Notifiers = a.Clock, log, notifiers
	opt.OnTick = func(r scheduler.Report, err error) {
		m.ObserveTick(r)
		var se *scheduler.StoreError
		if errors.As(err, &se) {
			m.StoreError("subscriptions")
		}
		if r.Due > 0 || err != nil {
			log.Info("reminder tick", "report", r.String(), "err", err)
		}
	}
	sched, err := scheduler.New(st.subs, kb, opt)
	if err != nil {
		return err
	}
	if err := sched.Start(runCtx); err != nil {
		return err
	}

	srv := &http.Server{
		Handler: server.Handler(server.Options{
			KB: kb, Registry: m.Registry, Host: cfg.Serve.PublicHost, Clock: a.Clock, Mounts: mounts,
			Checks: []server.Check{{Name: "store", Fn: st.ping}},
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fatal <- fmt.Errorf("http: %w", err)
		}
	}()
	log.Info("ready", "addr", ln.Addr().String())

	var tick <-chan time.Time
	fingerprint := ""
	if cfg.KBDir != "" && cfg.Serve.ReloadInterval > 0 {
		t := time.NewTicker(cfg.Serve.ReloadInterval)
		defer t.Stop()
		tick = t.C
		fingerprint = kbFingerprint(cfg.KBDir)
	}
	reload := func(why string) {
		dir := cfg.KBDir
		if dir == "" {
			log.Info("reload asked, but the knowledge base is the built-in one (set FUNDBOT_KB_DIR)", "why", why)
			return
		}
		nm, err := reloadKB(dir)
		if err != nil {
			m.Reload(false)
			log.Error("knowledge base rejected; the previous one keeps serving", "why", why, "dir", dir, "problems", err.Error())
			return
		}
		b.SetMatcher(nm)
		m.Reload(true)
		log.Info("knowledge base reloaded", "why", why, "dir", dir, "topics", len(nm.KB().Topics()))
	}

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down", "timeout", cfg.Serve.ShutdownTimeout.String())
			break loop
		case err := <-fatal:
			runErr = err
			log.Error("stopping", "err", err)
			break loop
		case <-hup:
			reload("SIGHUP")
		case <-tick:
			if fp := kbFingerprint(cfg.KBDir); fp != fingerprint {
				fingerprint = fp
				reload("files changed")
			}
		}
	}

	// Stop taking updates at once; let the answers, the HTTP requests and the
	// reminder tick in flight finish within the drain time; then return by
	// the timeout even if something hangs (a send waits up to the scheduler's
	// own timeout). The drain leaves a little of the timeout for cancelling
	// the tick, releasing the leader lock and closing the stores.
	stopRun()
	hard := time.NewTimer(cfg.Serve.ShutdownTimeout)
	defer hard.Stop()
	dctx, cancelDrain := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancelDrain()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = srv.Shutdown(dctx)
		if err := sched.Stop(dctx); err != nil {
			log.Warn("the reminder tick did not finish in time; its unsent reminders go out on the next start", "err", err)
		}
		wg.Wait()
		recorder.Close(cfg.Serve.ShutdownTimeout) // bounded by the timer below
	}()
	select {
	case <-stopped:
		log.Info("stopped")
	case <-hard.C:
		log.Warn("stopped with work still running after FUNDBOT_SHUTDOWN_TIMEOUT", "timeout", cfg.Serve.ShutdownTimeout.String())
	}
	return runErr
}

// drainTime is the part of the shutdown timeout given to work in flight: all
// but a tenth of it, at most one second, kept for cancelling what is left.
func drainTime(timeout time.Duration) time.Duration {
	return timeout - min(timeout/10, time.Second)
}

// loadMatcher loads the knowledge base and builds the matcher.
func loadMatcher(dir string) (*match.Matcher, error) {
	kb, err := loadKB(dir)
	if err != nil {
		return nil, err
	}
	return match.New(kb), nil
}

// webhookPath is where the Telegram webhook is served: the path of its public URL.
func webhookPath(public string) string {
	u, err := url.Parse(public)
	if err != nil || u.Path == "" || u.Path == "/" {
		return "/telegram/webhook"
	}
	return u.Path
}
