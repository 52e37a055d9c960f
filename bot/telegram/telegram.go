package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/fundbot/fundbot/bot"
)

// DefaultAPIURL is Telegram's Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Handler answers one message; *bot.Bot is one.
type Handler interface {
	Handle(ctx context.Context, req bot.Request) bot.Reply
}

// Config is the adapter's settings; zero durations mean the defaults given.
type Config struct {
	Token  string // TELEGRAM_BOT_TOKEN, from BotFather
	APIURL string // TELEGRAM_API_URL; DefaultAPIURL when empty
	// WebhookURL is the public HTTPS URL Telegram posts updates to
	// (TELEGRAM_WEBHOOK_URL); empty means long polling.
	WebhookURL string
	// WebhookSecret is sent by Telegram in X-Telegram-Bot-Api-Secret-Token
	// (TELEGRAM_WEBHOOK_SECRET): 1-256 of A-Z a-z 0-9 _ -.
	WebhookSecret string

	PollTimeout    time.Duration // long-poll wait per getUpdates; 30 s (Telegram allows up to 50)
	RequestTimeout time.Duration // any other call; 15 s
	HandleTimeout  time.Duration // one update, answer included; 60 s
	ShutdownGrace  time.Duration // time given to updates in flight when Run stops; 10 s
	Workers        int           // updates handled at once; 16
	// MaxReplyWait is the longest retry_after a reply waits for before it is
	// given up (reminders leave waiting to the scheduler); 30 s.
	MaxReplyWait time.Duration
}

func (c *Config) defaults() {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 30 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 15 * time.Second
	}
	if c.HandleTimeout <= 0 {
		c.HandleTimeout = time.Minute
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 10 * time.Second
	}
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.MaxReplyWait <= 0 {
		c.MaxReplyWait = 30 * time.Second
	}
}

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// Validate reports every problem at once, naming the variables; it never
// repeats the token.
func (c Config) Validate() error {
	var ps []string
	if !tokenPattern.MatchString(c.Token) {
		ps = append(ps, "TELEGRAM_BOT_TOKEN: want the token BotFather gave, like 123456789:AA… (the value is not shown)")
	}
	if c.APIURL != "" {
		if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps = append(ps, fmt.Sprintf("TELEGRAM_API_URL=%q: want an http(s) URL such as %s", c.APIURL, DefaultAPIURL))
		}
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
			ps = append(ps, fmt.Sprintf("TELEGRAM_WEBHOOK_URL=%q: Telegram only posts to https:// URLs", c.WebhookURL))
		}
		if !secretPattern.MatchString(c.WebhookSecret) {
			ps = append(ps, "TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL; 1-256 characters of A-Z, a-z, 0-9, _ and -")
		}
	}
	if c.PollTimeout > 50*time.Second {
		ps = append(ps, fmt.Sprintf("poll timeout %s: Telegram allows at most 50s", c.PollTimeout))
	}
	if len(ps) > 0 {
		return fmt.Errorf("telegram: %s", strings.Join(ps, "; "))
	}
	return nil
}

// LogValue shows the settings without the secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_url", c.APIURL),
		slog.Bool("token_set", c.Token != ""),
		slog.String("webhook_url", c.WebhookURL),
		slog.Bool("webhook_secret_set", c.WebhookSecret != ""),
	)
}

// Option sets one of the adapter's dependencies.
type Option func(*Bot)

// WithLogger logs through l (wrapped so that the token never appears); the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(b *Bot) { b.log = l } }

// WithClock sets "now" for the requests the adapter passes on; the default leaves it to the handler.
func WithClock(now func() time.Time) Option { return func(b *Bot) { b.now = now } }

// WithOffsets keeps the polling offset in s; the default keeps it in memory.
func WithOffsets(s OffsetStore) Option { return func(b *Bot) { b.offsets = s } }

// WithHTTPClient replaces the HTTP client; its Timeout should exceed the poll timeout.
func WithHTTPClient(c *http.Client) Option { return func(b *Bot) { b.httpClient = c } }

// Bot is the Telegram adapter: Run receives updates, Webhook serves them, Notify sends reminders.
type Bot struct {
	cfg        Config
	h          Handler
	log        *slog.Logger
	now        func() time.Time
	offsets    OffsetStore
	httpClient *http.Client
	api        *client

	self    atomic.Pointer[tgbotapi.User] // set once getMe succeeded
	queue   atomic.Pointer[webhookQueue]  // the webhook's queue while Run runs
	recent  *recentIDs                    // webhook updates already queued
	started atomic.Bool

	// Waiting, replaced by tests.
	sleep              func(ctx context.Context, d time.Duration) error
	minBackoff, maxBck time.Duration
	idlePoll           time.Duration // re-poll interval while updates are in flight
}

// New checks the settings and builds the adapter; it does no network I/O.
func New(cfg Config, h Handler, opts ...Option) (*Bot, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("telegram: nil handler")
	}
	cfg.defaults()
	b := &Bot{cfg: cfg, h: h, sleep: sleepCtx, minBackoff: time.Second, maxBck: time.Minute, idlePoll: time.Second, recent: newRecentIDs(4096)}
	for _, o := range opts {
		o(b)
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	b.log = slog.New(newRedactHandler(b.log.Handler(), scrubber(cfg.Token))).With("component", "telegram")
	if b.offsets == nil {
		b.offsets = &MemoryOffsets{}
	}
	if b.httpClient == nil {
		// Longer than a long poll, so that a stalled call cannot hang for ever.
		b.httpClient = &http.Client{Timeout: cfg.PollTimeout + 15*time.Second}
	}
	b.api = newClient(cfg.Token, cfg.APIURL, b.httpClient)
	return b, nil
}

// Self is the bot's own user, known once Run has reached Telegram.
func (b *Bot) Self() (tgbotapi.User, bool) {
	if u := b.self.Load(); u != nil {
		return *u, true
	}
	return tgbotapi.User{}, false
}

// Run connects, registers the commands and receives updates (long polling, or
// the webhook when one is configured) until ctx ends; then it lets updates in
// flight finish for up to ShutdownGrace and returns nil. It returns an error
// only when Telegram rejects the token.
func (b *Bot) Run(ctx context.Context) error {
	if !b.started.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	b.log.Info("starting", "config", b.cfg, "mode", b.mode())
	if err := b.connect(ctx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	b.registerCommands(ctx)
	if b.cfg.WebhookURL != "" {
		return b.runWebhook(ctx)
	}
	return b.poll(ctx)
}

func (b *Bot) mode() string {
	if b.cfg.WebhookURL != "" {
		return "webhook"
	}
	return "polling"
}

// connect calls getMe until it succeeds: Telegram may be unreachable when we
// start, and the service should come up and wait rather than exit.
func (b *Bot) connect(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
		me, err := b.api.getMe(callCtx)
		cancel()
		switch {
		case err == nil:
			b.self.Store(&me)
			b.log.Info("connected", "bot", "@"+me.UserName, "bot_id", me.ID)
			return nil
		case ctx.Err() != nil:
			return nil
		case unauthorized(err):
			return fmt.Errorf("telegram: the token was refused (check TELEGRAM_BOT_TOKEN): %w", err)
		}
		wait := b.backoff(attempt)
		if d, ok := retryAfter(err); ok {
			wait = d
		}
		b.log.Warn("Telegram unreachable; retrying", "attempt", attempt+1, "in", wait, "err", err)
		if b.sleep(ctx, wait) != nil {
			return nil
		}
	}
}

// backoff doubles from minBackoff up to maxBck.
func (b *Bot) backoff(attempt int) time.Duration {
	d := b.minBackoff
	for range attempt {
		d *= 2
		if d >= b.maxBck {
			return b.maxBck
		}
	}
	return d
}

// workContext outlives ctx by the shutdown grace, so that answers being
// written when Run is told to stop can finish.
func (b *Bot) workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(b.cfg.ShutdownGrace, cancel)
		context.AfterFunc(work, func() { t.Stop() })
	})
	return work, func() { stop(); cancel() }
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
