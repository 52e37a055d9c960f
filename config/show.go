package config

import (
	"fmt"
	"strconv"
)

// Setting is one effective setting, for `fundbot config`.
type Setting struct {
	Name, Value string
}

// mask shows whether a secret is set, never its value.
func mask(s string) string {
	if s == "" {
		return ""
	}
	return "(set, " + strconv.Itoa(len(s)) + " characters, hidden)"
}

// Settings lists the effective configuration with every secret masked.
func (c Config) Settings() []Setting {
	r, s := c.Reminders, c.Serve
	kb := c.KBDir
	if kb == "" {
		kb = "(built in)"
	}
	th := "0.35 (default)"
	if c.Threshold > 0 {
		th = strconv.FormatFloat(c.Threshold, 'f', -1, 64)
	}
	redis := r.Redacted()
	if redis == "" {
		redis = "(not set: the embedded store in FUNDBOT_DATA_DIR)"
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return []Setting{
		{"FUNDBOT_KB_DIR", kb},
		{"FUNDBOT_THRESHOLD", th},
		{"FUNDBOT_HTTP_ADDR", s.HTTPAddr},
		{"FUNDBOT_SHUTDOWN_TIMEOUT", s.ShutdownTimeout.String()},
		{"FUNDBOT_LOG_LEVEL", s.LogLevel.String()},
		{"FUNDBOT_LOG_FORMAT", s.LogFormat},
		{"FUNDBOT_INSIGHTS_RETENTION", fmt.Sprintf("%dd", int(s.InsightsRetention.Hours()/24))},
		{"FUNDBOT_RELOAD_INTERVAL", s.ReloadInterval.String()},
		{"FUNDBOT_PUBLIC_HOST", s.PublicHost},
		{"REDIS_URL", redis},
		{"REDIS_PREFIX", r.RedisPrefix},
		{"FUNDBOT_DATA_DIR", r.DataDir},
		{"FUNDBOT_REMIND_SPEC", r.Spec},
		{"FUNDBOT_PURGE_AFTER", fmt.Sprintf("%dd", int(r.PurgeAfter.Hours()/24))},
		{"FUNDBOT_LOCK_TTL", r.LockTTL.String()},
		{"FUNDBOT_SEND_TIMEOUT", r.SendTimeout.String()},
		{"FUNDBOT_SEND_LEASE", r.SendLease.String()},
		{"FUNDBOT_TELEGRAM_RATE", f(r.TelegramRate)},
		{"FUNDBOT_TELEGRAM_CHAT_RATE", f(r.TelegramChatRate)},
		{"FUNDBOT_SLACK_RATE", f(r.SlackRate)},
		{"FUNDBOT_SLACK_CHAT_RATE", f(r.SlackChatRate)},
		{"TELEGRAM_BOT_TOKEN", mask(c.TelegramBotToken)},
		{"TELEGRAM_API_URL", c.TelegramAPIURL},
		{"TELEGRAM_WEBHOOK_URL", c.TelegramWebhookURL},
		{"TELEGRAM_WEBHOOK_SECRET", mask(c.TelegramWebhookSecret)},
		{"SLACK_BOT_TOKEN", mask(c.SlackBotToken)},
		{"SLACK_APP_TOKEN", mask(c.SlackAppToken)},
		{"SLACK_SIGNING_SECRET", mask(c.SlackSigningSecret)},
		{"SLACK_API_URL", c.SlackAPIURL},
		{"SLACK_MODE", c.SlackMode},
	}
}
