package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// maxResponse bounds one Bot API response (100 updates fit many times over).
const maxResponse = 16 << 20

// client makes Bot API calls with a context. The library's calls take none,
// so each call runs on a shallow copy of the BotAPI whose HTTP client carries
// the call's context; the copy shares nothing mutable with the original.
type client struct {
	api   *tgbotapi.BotAPI
	http  *http.Client
	scrub *strings.Replacer
}

func newClient(token, apiURL string, hc *http.Client) *client {
	// Not NewBotAPIWithClient: it calls getMe at once, without a context, and
	// fails the constructor when Telegram is unreachable. Run calls getMe itself.
	api := &tgbotapi.BotAPI{Token: token, Client: hc}
	api.SetAPIEndpoint(strings.TrimRight(apiURL, "/") + "/bot%s/%s")
	return &client{api: api, http: hc, scrub: scrubber(token)}
}

// scrubber replaces the token, in every form a URL may carry it, with "<token>".
func scrubber(token string) *strings.Replacer {
	if token == "" {
		return strings.NewReplacer()
	}
	var pairs []string
	seen := map[string]bool{}
	for _, form := range []string{token, url.PathEscape(token), url.QueryEscape(token)} {
		if !seen[form] {
			seen[form] = true
			pairs = append(pairs, form, "<token>")
		}
	}
	return strings.NewReplacer(pairs...)
}

// request sends a library config (sendMessage, setMyCommands, ...).
func (c *client) request(ctx context.Context, method string, ch tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	api := *c.api
	api.Client = &doer{ctx: ctx, http: c.http, scrub: c.scrub}
	resp, err := api.Request(ch)
	return resp, c.wrap(method, err)
}

// raw calls a method with form parameters, for what the library lacks
// (setWebhook's secret_token) or decodes too eagerly (getUpdates).
func (c *client) raw(ctx context.Context, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	api := *c.api
	api.Client = &doer{ctx: ctx, http: c.http, scrub: c.scrub}
	resp, err := api.MakeRequest(method, params)
	return resp, c.wrap(method, err)
}

// getMe returns the bot's own user.
func (c *client) getMe(ctx context.Context) (tgbotapi.User, error) {
	resp, err := c.raw(ctx, "getMe", nil)
	if err != nil {
		return tgbotapi.User{}, err
	}
	var me tgbotapi.User
	if err := json.Unmarshal(resp.Result, &me); err != nil || me.ID == 0 {
		return tgbotapi.User{}, fmt.Errorf("telegram getMe: unexpected result %.200q", resp.Result)
	}
	return me, nil
}

// wrap names the method and makes sure the token is not in the message.
func (c *client) wrap(method string, err error) error {
	if err == nil {
		return nil
	}
	var te *transportError
	if errors.As(err, &te) {
		te.method = method
		return te
	}
	return &callError{method: method, err: err, scrub: c.scrub}
}

// callError is any failed call other than a transport error: Telegram's
// answer (*tgbotapi.Error) or a response the library could not read.
type callError struct {
	method string
	err    error
	scrub  *strings.Replacer
}

func (e *callError) Error() string {
	return e.scrub.Replace(fmt.Sprintf("telegram %s: %v", e.method, e.err))
}

func (e *callError) Unwrap() error { return e.err }

// transportError is a call that got no usable answer. written tells whether
// the request had been sent in full, after which Telegram may have acted on it.
type transportError struct {
	method  string
	written bool
	err     error // with the token removed
}

func (e *transportError) Error() string {
	return fmt.Sprintf("telegram %s: %v", e.method, e.err)
}

func (e *transportError) Unwrap() error { return e.err }

// statusError is a response that is not the Bot API's JSON: a proxy's error page.
type statusError struct{ code int }

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s without a Bot API answer", e.code, http.StatusText(e.code))
}

// doer is the library's HTTPClient for one call: it adds the context, notes
// whether the request was written, reads the whole body (so that a dropped
// connection is seen here and not as a JSON error) and strips the token from errors.
type doer struct {
	ctx   context.Context
	http  *http.Client
	scrub *strings.Replacer
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	var written atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			written.Store(true)
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(d.ctx, trace))
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, &transportError{written: written.Load(), err: redact(err, d.scrub)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, &transportError{written: true, err: redact(err, d.scrub)}
	}
	if !json.Valid(body) {
		return nil, &transportError{written: true, err: &statusError{code: resp.StatusCode}}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// redact returns err without the token. A *url.Error keeps its type, with
// the URL scrubbed, so that errors.As and errors.Is still see through it.
func redact(err error, scrub *strings.Replacer) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		clean := &url.Error{Op: ue.Op, URL: scrub.Replace(ue.URL), Err: ue.Err}
		if scrub.Replace(clean.Error()) == clean.Error() {
			return clean
		}
		return &scrubbed{msg: scrub.Replace(clean.Error()), err: ue.Err}
	}
	if msg := err.Error(); scrub.Replace(msg) != msg {
		return &scrubbed{msg: scrub.Replace(msg), err: errors.Unwrap(err)}
	}
	return err
}

// scrubbed is an error whose own message had the token in it.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// telegramError returns Telegram's own answer inside err, if there is one.
func telegramError(err error) (*tgbotapi.Error, bool) {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		return te, true
	}
	return nil, false
}

// retryAfter reports a 429 and how long Telegram asked us to wait.
func retryAfter(err error) (time.Duration, bool) {
	te, ok := telegramError(err)
	if !ok || (te.Code != http.StatusTooManyRequests && te.RetryAfter == 0) {
		return 0, false
	}
	d := time.Duration(te.RetryAfter) * time.Second
	if d <= 0 {
		d = time.Second
	}
	return d, true
}

// goneReasons are the 400 descriptions that mean a chat will never take a message.
var goneReasons = []string{
	"chat not found",
	"user_is_blocked",
	"user is deactivated",
	"peer_id_invalid",
	"bot was kicked",
	"bot is not a member",
	"group chat was upgraded", // a migrated group: the new id would need a new subscription
	"have no rights to send",
}

// chatGone reports whether err means the chat is gone for good, and why.
func chatGone(err error) (string, bool) {
	te, ok := telegramError(err)
	if !ok {
		return "", false
	}
	reason := strings.TrimSpace(te.Message)
	if i := strings.Index(reason, ": "); i >= 0 {
		reason = reason[i+2:] // "Forbidden: bot was blocked by the user"
	}
	if te.Code == http.StatusForbidden {
		return reason, true
	}
	if te.Code == http.StatusBadRequest {
		low := strings.ToLower(te.Message)
		for _, r := range goneReasons {
			if strings.Contains(low, r) {
				return reason, true
			}
		}
	}
	return "", false
}

// unauthorized reports a token Telegram does not accept.
func unauthorized(err error) bool {
	te, ok := telegramError(err)
	return ok && te.Code == http.StatusUnauthorized
}

// conflict reports another poller or a webhook on the same token.
func conflict(err error) bool {
	te, ok := telegramError(err)
	return ok && te.Code == http.StatusConflict
}

// mayHaveArrived reports a failure after which Telegram may still have acted
// on the request: the request was written and the answer was lost or cut, or
// a gateway timed out waiting for Telegram.
func mayHaveArrived(err error) bool {
	var te *transportError
	if !errors.As(err, &te) || !te.written {
		return false
	}
	var se *statusError
	if errors.As(te.err, &se) {
		return se.code == http.StatusGatewayTimeout || se.code < 300
	}
	return true
}

// isTransport reports a call that got no answer from the Bot API.
func isTransport(err error) bool {
	var te *transportError
	return errors.As(err, &te)
}
