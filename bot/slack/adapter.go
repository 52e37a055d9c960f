package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// Handler answers one message; *bot.Bot is one.
type Handler interface {
	Handle(ctx context.Context, req bot.Request) bot.Reply
}

// webAPI is the part of slack-go's client the adapter calls.
type webAPI interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
}

var _ webAPI = (*slack.Client)(nil)

// dedupeTTL is how long an event id is remembered: longer than Slack's last
// retry, about 5 minutes after the first delivery.
const dedupeTTL = 15 * time.Minute

// Adapter connects the bot to one Slack workspace.
type Adapter struct {
	cfg    Config
	h      Handler
	log    *slog.Logger
	clock  func() time.Time
	client *slack.Client // Socket Mode needs the concrete client
	api    webAPI
	red    redactor
	secret []byte
	seen   *seen
	self   atomic.Pointer[identity]

	slots  chan struct{} // one per request being answered
	mu     sync.Mutex
	closed bool
	queued int              // requests accepted and not yet answered
	convs  map[string][]job // per conversation, the requests waiting their turn
	wg     sync.WaitGroup
}

// New checks the configuration and returns an adapter; it makes no network
// call. Run connects.
func New(cfg Config, h Handler, log *slog.Logger, clock func() time.Time) (*Adapter, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	if h == nil {
		return nil, errors.New("slack: no handler")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	red := redactor{secrets: cfg.secrets()}
	client := newClient(cfg, log, red)
	return &Adapter{
		cfg: cfg, h: h, log: log.With("platform", "slack"), clock: clock,
		client: client, api: client, red: red, secret: []byte(cfg.SigningSecret),
		seen:  newSeen(dedupeTTL, 50000),
		slots: make(chan struct{}, cfg.MaxInFlight),
		convs: map[string][]job{},
	}, nil
}

func newClient(cfg Config, log *slog.Logger, red redactor) *slack.Client {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []slack.Option{
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionHTTPClient(cfg.HTTPClient),
		slack.OptionLog(libLogger{log: log, r: red}),
	}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	return slack.New(cfg.BotToken, opts...)
}

// Run learns the bot's identity (auth.test), then in Socket Mode holds the
// connection to Slack, reconnecting as needed, until ctx ends; in HTTP mode
// it waits for ctx while Handler serves. Before returning it waits for the
// replies in progress. Shut the HTTP server down before cancelling ctx.
func (a *Adapter) Run(ctx context.Context) error {
	err := a.authenticate(ctx)
	if err == nil {
		a.log.Info("slack adapter started", "config", a.cfg, "bot_user", a.identity().userID)
		if a.cfg.Mode == SocketMode {
			err = a.runSocket(ctx)
		} else {
			<-ctx.Done()
		}
	}
	a.drain()
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// authenticate calls auth.test until it answers: a rejected token is fatal,
// a network failure is retried with backoff.
func (a *Adapter) authenticate(ctx context.Context) error {
	wait := time.Second
	for {
		res, err := a.api.AuthTestContext(ctx)
		if err == nil {
			a.self.Store(&identity{userID: res.UserID, botID: res.BotID})
			return nil
		}
		var apiErr slack.SlackErrorResponse
		if errors.As(err, &apiErr) || ctx.Err() != nil {
			return fmt.Errorf("slack auth.test: %w", a.red.err(err))
		}
		a.log.Warn("slack auth.test failed; retrying", "in", wait, "err", a.red.err(err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("slack auth.test: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, time.Minute)
	}
}

func (a *Adapter) identity() identity {
	if id := a.self.Load(); id != nil {
		return *id
	}
	return identity{}
}

// outcome is what happened to an incoming request.
type outcome int

const (
	accepted  outcome = iota // being answered
	duplicate                // answered before: a retry
	ignored                  // not for the bot
	busy                     // no worker free: leave it unacknowledged so Slack retries
)

// accept queues j behind the earlier requests of its conversation, so that
// a conversation's answers come in the order asked, unless it was seen
// before or MaxQueued requests are waiting already (then Slack retries it).
func (a *Adapter) accept(j job) outcome {
	if j.key != "" && !a.seen.add(j.key, a.clock()) {
		a.log.Debug("slack duplicate ignored", "kind", j.kind, "key", j.key)
		return duplicate
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.queued >= a.cfg.MaxQueued {
		a.seen.forget(j.key)
		if !a.closed {
			a.log.Warn("slack busy: request left for Slack to retry", "kind", j.kind, "queued", a.queued)
		}
		return busy
	}
	a.queued++
	conv := j.req.Conversation
	q, running := a.convs[conv]
	a.convs[conv] = append(q, j)
	if !running {
		a.wg.Add(1) // under the lock: drain cannot be waiting yet
		go a.serve(conv)
	}
	return accepted
}

// serve answers a conversation's requests one after another, each in one of
// MaxInFlight slots, until its queue is empty.
func (a *Adapter) serve(conv string) {
	defer a.wg.Done()
	for {
		a.mu.Lock()
		q := a.convs[conv]
		if len(q) == 0 {
			delete(a.convs, conv)
			a.mu.Unlock()
			return
		}
		j := q[0]
		q[0] = job{}
		a.convs[conv] = q[1:]
		a.mu.Unlock()

		a.slots <- struct{}{}
		a.work(j)
		<-a.slots
		a.mu.Lock()
		a.queued--
		a.mu.Unlock()
	}
}

// drain stops taking requests and waits for those in progress.
func (a *Adapter) drain() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.wg.Wait()
}

// work answers one request and posts the reply. A panic anywhere is logged
// and ends only this request.
func (a *Adapter) work(j job) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("slack reply panicked", "kind", j.kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ReplyTimeout)
	defer cancel()
	start := a.clock()
	reply, ok := a.answer(ctx, j)
	if reply.Intent == bot.IntentRateLimited && reply.Answer == "" {
		return // a flood: the user was told once already
	}
	if !ok { // an apology: no buttons
		j.noSubscribe, j.usage = true, ""
	}
	err := a.deliver(ctx, j.to, renderReply(reply, j))
	attrs := []any{"kind", j.kind, "channel", j.to.channel, "intent", reply.Intent, "matched", reply.Matched,
		"lang", reply.Lang, "took", a.clock().Sub(start)}
	if err != nil {
		a.log.Warn("slack reply not delivered", append(attrs, "err", err)...)
		return
	}
	a.log.Info("slack reply", attrs...)
}

// answer asks the bot; a panic in it becomes a kind apology.
func (a *Adapter) answer(ctx context.Context, j job) (reply bot.Reply, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("slack handler panicked", "kind", j.kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			lang := j.req.Lang
			if lang == "" {
				lang = knowledge.NB
			}
			reply, ok = bot.Reply{Lang: lang, Intent: "error", Answer: sorry.Get(lang)}, false
		}
	}()
	return a.h.Handle(ctx, j.req), true
}

// deliver posts a reply: through response_url for slash commands and
// ephemeral messages, otherwise with chat.postMessage (in the thread). When
// the bot may not post in the channel, response_url is the fallback.
func (a *Adapter) deliver(ctx context.Context, to destination, msg message) error {
	if to.responseType != "" {
		return a.respond(ctx, to.responseURL, to.responseType, msg)
	}
	err := a.post(ctx, to.channel, to.thread, msg)
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) && a.wait(ctx, limited.RetryAfter) {
		err = a.post(ctx, to.channel, to.thread, msg) // once: a person is waiting, but Slack asked us to slow down
	}
	if err != nil && to.responseURL != "" && slackErrorIs(err, "not_in_channel", "channel_not_found") {
		return a.respond(ctx, to.responseURL, "ephemeral", msg)
	}
	return err
}

// wait waits d, if ctx allows it; it reports whether it did.
func (a *Adapter) wait(ctx context.Context, d time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// post sends msg with chat.postMessage.
func (a *Adapter) post(ctx context.Context, channel, thread string, msg message) error {
	return postMessage(ctx, a.api, a.red, channel, thread, msg)
}

func postMessage(ctx context.Context, api webAPI, red redactor, channel, thread string, msg message) error {
	opts := []slack.MsgOption{
		slack.MsgOptionBlocks(msg.blocks...),
		slack.MsgOptionText(msg.text, false), // already escaped
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if _, _, err := api.PostMessageContext(ctx, channel, opts...); err != nil {
		return fmt.Errorf("chat.postMessage to %s: %w", channel, red.err(err))
	}
	return nil
}

// respond posts msg to a response_url. The URL is a credential: it never
// appears in the error.
func (a *Adapter) respond(ctx context.Context, responseURL, responseType string, msg message) error {
	no := false
	wm := &slack.WebhookMessage{
		Text:         msg.text,
		Blocks:       &slack.Blocks{BlockSet: msg.blocks},
		ResponseType: responseType,
		UnfurlLinks:  &no,
		UnfurlMedia:  &no,
	}
	extra := []string{responseURL}
	if u, err := url.Parse(responseURL); err == nil && len(u.Path) > 1 {
		extra = append(extra, u.Path)
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.cfg.HTTPClient, wm); err != nil {
		return fmt.Errorf("post to response_url: %w", a.red.err(err, extra...))
	}
	return nil
}

// slackErrorIs reports whether err is a Web API error with one of the codes.
func slackErrorIs(err error, codes ...string) bool {
	var apiErr slack.SlackErrorResponse
	if !errors.As(err, &apiErr) {
		return false
	}
	for _, c := range codes {
		if apiErr.Err == c {
			return true
		}
	}
	return false
}
