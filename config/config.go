// Package config reads fundbot's settings from the environment and checks
// them, reporting every problem at once.
package config

import (
	"fmt"
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

	Serve Serve // the long-running process: HTTP, logging, shutdown, reload (serve.go)
}

// Problems lists everything wrong with the settings; it is an error.
type Problems []string

func (p Problems) Error() string {
	return fmt.Sprintf("invalid configuration (%d problem(s)):\n  %s", len(p), strings.Join(p, "\n  "))
}

// FromEnv reads the settings through getenv (os.Getenv in production). When
// FUNDBOT_CONFIG_FILE names a file of KEY=VALUE lines, its values are used
// for the variables the environment leaves unset.
func FromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var ps Problems
	if path := strings.TrimSpace(getenv("FUNDBOT_CONFIG_FILE")); path != "" {
		file, err := readEnvFile(path)
		if err != nil {
			return c, Problems{fmt.Sprintf("FUNDBOT_CONFIG_FILE=%q: %v", path, err)}
		}
		env := getenv
		getenv = func(k string) string {
			if v := env(k); v != "" {
				return v
			}
			return file[k]
		}
	}
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
	ps = append(ps, c.readServe(getenv)...)
	if len(ps) > 0 {
		return c, ps
	}
	return c, nil
}
