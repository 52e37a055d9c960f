package main

import (
	"net"
	"strings"
	"testing"
)

func TestServeConfigErrors(t *testing.T) {
	const (
		token       = "123456789:AAsecret-telegram-token_zzzz"
		redisSecret = "hunter2-redis"
		slackToken  = "xoxb-secret-slack-token"
	)
	cases := []struct {
		name  string
		env   map[string]string
		named []string // every one must be in the message
	}{
		{
			name: "several bad variables",
			env: map[string]string{
				"TELEGRAM_BOT_TOKEN":       token,
				"FUNDBOT_HTTP_ADDR":        "8080",
				"FUNDBOT_SHUTDOWN_TIMEOUT": "forever",
				"FUNDBOT_LOG_LEVEL":        "loud",
				"FUNDBOT_RELOAD_INTERVAL":  "1ms",
				"FUNDBOT_REMIND_SPEC":      "every morning",
				"REDIS_URL":                "http://user:" + redisSecret + "@redis:6379",
				"SLACK_BOT_TOKEN":          slackToken,
				"SLACK_MODE":               "rtm",
			},
			named: []string{"FUNDBOT_HTTP_ADDR", "FUNDBOT_SHUTDOWN_TIMEOUT", "FUNDBOT_LOG_LEVEL", "FUNDBOT_RELOAD_INTERVAL",
				"FUNDBOT_REMIND_SPEC", "REDIS_URL", "SLACK_MODE"},
		},
		{
			name:  "a malformed Telegram token",
			env:   map[string]string{"TELEGRAM_BOT_TOKEN": "not a token " + redisSecret},
			named: []string{"TELEGRAM_BOT_TOKEN"},
		},
		{
			name:  "no platform",
			env:   map[string]string{"FUNDBOT_HTTP_ADDR": "127.0.0.1:0"},
			named: []string{"no chat platform is configured", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "fundbot chat"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := run(t, "", c.env, "serve")
			if code != exitConfig {
				t.Errorf("exit %d, want 2", code)
			}
			for _, want := range c.named {
				if !strings.Contains(errOut, want) {
					t.Errorf("the message does not name %s:\n%s", want, errOut)
				}
			}
			for _, secret := range []string{"AAsecret", redisSecret, slackToken} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("a secret (%s) is in the output:\n%s%s", secret, out, errOut)
				}
			}
		})
	}
}

func TestConfigShowsSettingsWithSecretsMasked(t *testing.T) {
	out, errOut, code := run(t, "", map[string]string{
		"TELEGRAM_BOT_TOKEN": "123456789:AAsecret-telegram-token_zzzz", "REDIS_URL": "redis://:pa55word@redis:6379/0",
		"TELEGRAM_WEBHOOK_URL": "https://bot.example/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET": "webhook_s3cret",
		"SLACK_BOT_TOKEN": "xoxb-secret-1", "SLACK_APP_TOKEN": "xapp-secret-2",
	}, "config")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, secret := range []string{"AAsecret", "pa55word", "webhook_s3cret", "xoxb-secret-1", "xapp-secret-2"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("fundbot config shows a secret (%s):\n%s", secret, out)
		}
	}
	for _, want := range []string{"FUNDBOT_HTTP_ADDR", ":8080", "REDIS_URL", "redis://:xxxxx@redis:6379/0", "TELEGRAM_BOT_TOKEN", "(set, "} {
		if !strings.Contains(out, want) {
			t.Errorf("fundbot config lacks %q:\n%s", want, out)
		}
	}
}

func TestServeFailsAtOnceWhenThePortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": "123456789:AAsecret-telegram-token_zzzz", "TELEGRAM_API_URL": "http://127.0.0.1:1",
		"FUNDBOT_HTTP_ADDR": ln.Addr().String(), "FUNDBOT_DATA_DIR": t.TempDir(),
	}
	_, errOut, code := run(t, "", env, "serve")
	if code != exitFail || !strings.Contains(errOut, "FUNDBOT_HTTP_ADDR") || !strings.Contains(errOut, "address already in use") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
