package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

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
