package slack

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Mode is how Slack delivers events.
type Mode string

// The transports.
const (
	SocketMode Mode = "socket" // a WebSocket opened by Run: no public URL needed
	HTTPMode   Mode = "http"   // signed requests to Handler's endpoints
)

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// Config is what the adapter needs from the operator. Its String and
// LogValue never show the tokens or the signing secret.
type Config struct {
	BotToken      string // xoxb-…: Web API calls
	AppToken      string // xapp-…: Socket Mode
	SigningSecret string // verifies requests in HTTP mode
	APIURL        string // Web API base URL, ending in "/"; empty means DefaultAPIURL
	Mode          Mode   // empty means SocketMode

	// HTTPClient makes Web API and response_url calls; nil means a client
	// with a 15-second timeout.
	HTTPClient *http.Client
	// MaxInFlight bounds the requests answered at once; 0 means 32.
	MaxInFlight int
	// MaxQueued bounds the requests accepted and not yet answered; 0 means
	// 1,000. Beyond it new events are not acknowledged, so Slack delivers
	// them again later (up to three times).
	MaxQueued int
	// ReplyTimeout bounds answering one request, Web API calls included; 0 means 30 s.
	ReplyTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	if c.Mode == "" {
		c.Mode = SocketMode
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 32
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = 1000
	}
	if c.ReplyTimeout <= 0 {
		c.ReplyTimeout = 30 * time.Second
	}
	return c
}

// validate reports every problem, naming the environment variables; it never
// repeats a secret.
func (c Config) validate() error {
	var errs []error
	if !strings.HasPrefix(c.BotToken, "xoxb-") {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: want a bot token starting with xoxb-"))
	}
	switch c.Mode {
	case SocketMode:
		if !strings.HasPrefix(c.AppToken, "xapp-") {
			errs = append(errs, errors.New("SLACK_APP_TOKEN: Socket Mode needs an app-level token starting with xapp-"))
		}
	case HTTPMode:
		if c.SigningSecret == "" {
			errs = append(errs, errors.New("SLACK_SIGNING_SECRET: HTTP mode needs the app's signing secret"))
		}
	default:
		errs = append(errs, fmt.Errorf("SLACK_MODE=%q: want socket or http", c.Mode))
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("SLACK_API_URL: want an http(s) URL such as "+DefaultAPIURL))
	}
	return errors.Join(errs...)
}

// String shows the settings with the secrets masked.
func (c Config) String() string {
	return fmt.Sprintf("slack{mode=%s api=%s bot_token=%s app_token=%s signing_secret=%s}",
		c.Mode, c.APIURL, mask(c.BotToken), mask(c.AppToken), mask(c.SigningSecret))
}

// GoString keeps %#v from printing the secrets.
func (c Config) GoString() string { return c.String() }

// LogValue logs the settings with the secrets masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("mode", string(c.Mode)),
		slog.String("api_url", c.APIURL),
		slog.String("bot_token", mask(c.BotToken)),
		slog.String("app_token", mask(c.AppToken)),
		slog.String("signing_secret", mask(c.SigningSecret)),
	)
}

// mask shows whether a secret is set and, for tokens, its kind: "xoxb-…".
func mask(s string) string {
	switch {
	case s == "":
		return "(unset)"
	case strings.HasPrefix(s, "xoxb-"), strings.HasPrefix(s, "xapp-"):
		return s[:5] + "…"
	}
	return "…"
}

// secrets lists the values redact removes from anything logged or returned.
func (c Config) secrets() []string {
	var out []string
	for _, s := range []string{c.BotToken, c.AppToken, c.SigningSecret} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
