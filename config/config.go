// Package config reads fundbot's settings from the environment and checks
// them, reporting every problem at once.
package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Config is every setting of fundbot.
type Config struct {
	KBDir     string  // FUNDBOT_KB_DIR: knowledge base folder; empty means the embedded one
	Threshold float64 // FUNDBOT_THRESHOLD: confidence needed for an answer

	// Slack (bot/slack). An empty SlackBotToken means Slack is off. Tokens and
	// the signing secret are secrets: never print or log them.
	SlackBotToken      string // SLACK_BOT_TOKEN: xoxb-…
	SlackAppToken      string // SLACK_APP_TOKEN: xapp-…, needed in Socket Mode
	SlackSigningSecret string // SLACK_SIGNING_SECRET: verifies requests in HTTP mode
	SlackAPIURL        string // SLACK_API_URL: Web API base URL; empty means https://slack.com/api/
	SlackMode          string // SLACK_MODE: "socket" (default) or "http"

	Reminders Reminders // subscriptions and the reminder scheduler (reminders.go)

	// Telegram (bot/telegram). An empty TelegramBotToken means Telegram is off.
	// The token and the webhook secret are secrets: never print or log them.
	TelegramBotToken      string // TELEGRAM_BOT_TOKEN: from BotFather, 123456789:AA…
	TelegramAPIURL        string // TELEGRAM_API_URL: Bot API base URL; empty means https://api.telegram.org
	TelegramWebhookURL    string // TELEGRAM_WEBHOOK_URL: public https:// URL for updates; empty means long polling
	TelegramWebhookSecret string // TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL
}

// Problems lists everything wrong with the settings; it is an error.
type Problems []string

func (p Problems) Error() string {
	return fmt.Sprintf("invalid configuration (%d problem(s)):\n  %s", len(p), strings.Join(p, "\n  "))
}

// FromEnv reads the settings through getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var ps Problems
	c.KBDir = strings.TrimSpace(getenv("FUNDBOT_KB_DIR"))
	if v := strings.TrimSpace(getenv("FUNDBOT_THRESHOLD")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f >= 1 {
			ps = append(ps, fmt.Sprintf("FUNDBOT_THRESHOLD=%q: want a number between 0 and 1, e.g. 0.4", v))
		}
		c.Threshold = f
	}
	ps = append(ps, c.readSlack(getenv)...)
	ps = append(ps, c.readReminders(getenv)...)
	ps = append(ps, c.readTelegram(getenv)...)
	if len(ps) > 0 {
		return c, ps
	}
	return c, nil
}

// readSlack reads the SLACK_* settings. Messages name the variable and never
// repeat a secret's value.
func (c *Config) readSlack(getenv func(string) string) Problems {
	var ps Problems
	c.SlackBotToken = strings.TrimSpace(getenv("SLACK_BOT_TOKEN"))
	c.SlackAppToken = strings.TrimSpace(getenv("SLACK_APP_TOKEN"))
	c.SlackSigningSecret = strings.TrimSpace(getenv("SLACK_SIGNING_SECRET"))
	c.SlackAPIURL = strings.TrimSpace(getenv("SLACK_API_URL"))
	c.SlackMode = strings.ToLower(strings.TrimSpace(getenv("SLACK_MODE")))
	if c.SlackMode == "" {
		c.SlackMode = "socket"
	}
	if c.SlackBotToken == "" {
		if c.SlackAppToken != "" || c.SlackSigningSecret != "" {
			ps = append(ps, "SLACK_BOT_TOKEN is empty but SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set: set the bot token (xoxb-…) to turn Slack on")
		}
		return ps
	}
	if !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
		ps = append(ps, "SLACK_BOT_TOKEN: want a bot token starting with xoxb-")
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		ps = append(ps, "SLACK_APP_TOKEN: want an app-level token starting with xapp-")
	}
	switch c.SlackMode {
	case "socket":
		if c.SlackAppToken == "" {
			ps = append(ps, "SLACK_APP_TOKEN is empty: Socket Mode (SLACK_MODE=socket, the default) needs an app-level token (xapp-…) with connections:write")
		}
	case "http":
		if c.SlackSigningSecret == "" {
			ps = append(ps, "SLACK_SIGNING_SECRET is empty: SLACK_MODE=http needs the app's signing secret to verify requests")
		}
	default:
		ps = append(ps, fmt.Sprintf("SLACK_MODE=%q: want socket or http", c.SlackMode))
	}
	if c.SlackAPIURL != "" {
		u, err := url.Parse(c.SlackAPIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			shown := c.SlackAPIURL
			if err == nil {
				shown = u.Redacted()
			}
			ps = append(ps, fmt.Sprintf("SLACK_API_URL=%q: want an http(s) URL such as https://slack.com/api/", shown))
		} else if !strings.HasSuffix(c.SlackAPIURL, "/") {
			c.SlackAPIURL += "/" // slack-go appends the method name
		}
	}
	return ps
}

// readTelegram reads the TELEGRAM_* settings. Messages name the variable and
// never repeat the token or the secret.
func (c *Config) readTelegram(getenv func(string) string) Problems {
	var ps Problems
	c.TelegramBotToken = strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN"))
	c.TelegramAPIURL = strings.TrimSpace(getenv("TELEGRAM_API_URL"))
	c.TelegramWebhookURL = strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_URL"))
	c.TelegramWebhookSecret = strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_SECRET"))
	if c.TelegramBotToken == "" {
		if c.TelegramWebhookURL != "" || c.TelegramWebhookSecret != "" {
			ps = append(ps, "TELEGRAM_BOT_TOKEN is empty but TELEGRAM_WEBHOOK_URL or TELEGRAM_WEBHOOK_SECRET is set: set the token from BotFather to turn Telegram on")
		}
		return ps
	}
	if !telegramToken.MatchString(c.TelegramBotToken) {
		ps = append(ps, "TELEGRAM_BOT_TOKEN: want the token BotFather gave, like 123456789:AA… (the value is not shown)")
	}
	if c.TelegramAPIURL != "" {
		if u, err := url.Parse(c.TelegramAPIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps = append(ps, fmt.Sprintf("TELEGRAM_API_URL=%q: want an http(s) URL such as https://api.telegram.org", c.TelegramAPIURL))
		}
	}
	if c.TelegramWebhookURL != "" {
		if u, err := url.Parse(c.TelegramWebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
			ps = append(ps, fmt.Sprintf("TELEGRAM_WEBHOOK_URL=%q: Telegram only posts to https:// URLs", c.TelegramWebhookURL))
		}
		if !telegramSecret.MatchString(c.TelegramWebhookSecret) {
			ps = append(ps, "TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL; 1-256 characters of A-Z, a-z, 0-9, _ and -")
		}
	}
	return ps
}

var (
	telegramToken  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	telegramSecret = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)
