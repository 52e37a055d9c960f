package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Reminders are the settings of subscriptions and the reminder scheduler.
type Reminders struct {
	// RedisURL (REDIS_URL) selects the Redis store; empty means the embedded
	// file store. It may hold a password: print Redacted(), never the value.
	RedisURL    string
	RedisPrefix string // REDIS_PREFIX: prefix of every Redis key; default "fundbot:"
	DataDir     string // FUNDBOT_DATA_DIR: folder of the file store; default "fundbot-data"
	// Spec (FUNDBOT_REMIND_SPEC) is the scheduler's cron spec in Europe/Oslo; default "*/15 * * * *".
	Spec       string
	PurgeAfter time.Duration // FUNDBOT_PURGE_AFTER: deactivated subscribers are deleted after this; default 30 days
	LockTTL    time.Duration // FUNDBOT_LOCK_TTL: leader lock period; default 30s
	// SendTimeout (FUNDBOT_SEND_TIMEOUT) bounds one reminder send; default 30s.
	SendTimeout time.Duration
	// SendLease (FUNDBOT_SEND_LEASE) is how long a reminder being sent is
	// reserved; if the sender dies, the reminder goes out once it runs out.
	// Longer than SendTimeout; default twice SendTimeout, at least 1m.
	SendLease time.Duration
	// Sending rates in messages per second, overall and to one chat
	// (FUNDBOT_TELEGRAM_RATE, FUNDBOT_TELEGRAM_CHAT_RATE, FUNDBOT_SLACK_RATE, FUNDBOT_SLACK_CHAT_RATE).
	TelegramRate, TelegramChatRate float64
	SlackRate, SlackChatRate       float64
}

// Reminder defaults.
const (
	DefaultRedisPrefix = "fundbot:"
	DefaultDataDir     = "fundbot-data"
	DefaultRemindSpec  = "*/15 * * * *"
)

// Redacted is REDIS_URL with any password replaced by "xxxxx", for logs.
func (r Reminders) Redacted() string {
	if r.RedisURL == "" {
		return ""
	}
	u, err := url.Parse(r.RedisURL)
	if err != nil {
		return "(unparsable)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// readReminders reads the reminder settings; messages name the variable and
// never repeat a password.
func (c *Config) readReminders(getenv func(string) string) Problems {
	var ps Problems
	r := Reminders{
		RedisURL:         strings.TrimSpace(getenv("REDIS_URL")),
		RedisPrefix:      DefaultRedisPrefix,
		DataDir:          DefaultDataDir,
		Spec:             DefaultRemindSpec,
		PurgeAfter:       30 * 24 * time.Hour,
		LockTTL:          30 * time.Second,
		TelegramRate:     25,
		TelegramChatRate: 1,
		SlackRate:        10,
		SlackChatRate:    1,
	}
	if r.RedisURL != "" {
		u, err := url.Parse(r.RedisURL)
		switch {
		case err != nil:
			ps = append(ps, "REDIS_URL is not a URL: want redis://[user:password@]host:6379/0 (or rediss://)")
		case u.Scheme != "redis" && u.Scheme != "rediss" || u.Host == "":
			ps = append(ps, fmt.Sprintf("REDIS_URL=%q: want redis://[user:password@]host:6379/0 (or rediss://)", r.Redacted()))
		}
	}
	if v := strings.TrimSpace(getenv("REDIS_PREFIX")); v != "" {
		if strings.ContainsAny(v, " \t\n*?[]") || len(v) > 64 {
			ps = append(ps, fmt.Sprintf("REDIS_PREFIX=%q: want up to 64 characters without spaces or glob characters, e.g. fundbot:", v))
		}
		r.RedisPrefix = v
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_DATA_DIR")); v != "" {
		r.DataDir = v
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_REMIND_SPEC")); v != "" {
		if _, err := cron.ParseStandard(v); err != nil {
			ps = append(ps, fmt.Sprintf("FUNDBOT_REMIND_SPEC=%q: not a cron spec (%v); e.g. */15 * * * *", v, err))
		}
		r.Spec = v
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_PURGE_AFTER")); v != "" {
		d, err := parseDays(v)
		if err != nil || d <= 0 {
			ps = append(ps, fmt.Sprintf("FUNDBOT_PURGE_AFTER=%q: want a positive duration such as 30d or 720h", v))
		}
		r.PurgeAfter = d
	}
	r.SendTimeout = 30 * time.Second
	if v := strings.TrimSpace(getenv("FUNDBOT_SEND_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond || d > 10*time.Minute {
			ps = append(ps, fmt.Sprintf("FUNDBOT_SEND_TIMEOUT=%q: want a duration from 100ms to 10m, e.g. 30s", v))
		}
		r.SendTimeout = d
	}
	r.SendLease = max(2*r.SendTimeout, time.Minute)
	if v := strings.TrimSpace(getenv("FUNDBOT_SEND_LEASE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= r.SendTimeout {
			ps = append(ps, fmt.Sprintf("FUNDBOT_SEND_LEASE=%q: want a duration longer than FUNDBOT_SEND_TIMEOUT (%s), e.g. %s",
				v, r.SendTimeout, max(2*r.SendTimeout, time.Minute)))
		}
		r.SendLease = d
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_LOCK_TTL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			ps = append(ps, fmt.Sprintf("FUNDBOT_LOCK_TTL=%q: want a duration of at least 1s, e.g. 30s", v))
		}
		r.LockTTL = d
	}
	rates := []struct {
		name string
		dst  *float64
	}{
		{"FUNDBOT_TELEGRAM_RATE", &r.TelegramRate}, {"FUNDBOT_TELEGRAM_CHAT_RATE", &r.TelegramChatRate},
		{"FUNDBOT_SLACK_RATE", &r.SlackRate}, {"FUNDBOT_SLACK_CHAT_RATE", &r.SlackChatRate},
	}
	for _, rate := range rates {
		v := strings.TrimSpace(getenv(rate.name))
		if v == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1000 {
			ps = append(ps, fmt.Sprintf("%s=%q: want messages per second, more than 0 and at most 1000", rate.name, v))
		}
		*rate.dst = f
	}
	c.Reminders = r
	return ps
}

// parseDays reads a Go duration, or whole days as "30d".
func parseDays(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(v)
}
