package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestReminderDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Reminders
	if r.RedisURL != "" || r.RedisPrefix != "fundbot:" || r.DataDir != "fundbot-data" || r.Spec != "*/15 * * * *" ||
		r.PurgeAfter != 30*24*time.Hour || r.LockTTL != 30*time.Second || r.TelegramRate != 25 || r.TelegramChatRate != 1 {
		t.Fatalf("defaults: %+v", r)
	}
}

func TestReminderSettings(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"REDIS_URL": "redis://:pw@redis:6379/1", "REDIS_PREFIX": "fb:", "FUNDBOT_DATA_DIR": "/data",
		"FUNDBOT_REMIND_SPEC": "0 * * * *", "FUNDBOT_PURGE_AFTER": "7d", "FUNDBOT_LOCK_TTL": "10s",
		"FUNDBOT_TELEGRAM_RATE": "20", "FUNDBOT_SLACK_CHAT_RATE": "0.5",
	}))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Reminders
	if r.RedisPrefix != "fb:" || r.DataDir != "/data" || r.Spec != "0 * * * *" || r.PurgeAfter != 7*24*time.Hour ||
		r.LockTTL != 10*time.Second || r.TelegramRate != 20 || r.SlackChatRate != 0.5 {
		t.Fatalf("settings: %+v", r)
	}
	if got := r.Redacted(); strings.Contains(got, "pw") {
		t.Fatalf("Redacted() = %q shows the password", got)
	}
}

func TestEveryReminderProblemAtOnceWithoutSecrets(t *testing.T) {
	_, err := FromEnv(env(map[string]string{
		"REDIS_URL": "http://user:s3cret@host", "REDIS_PREFIX": "a b", "FUNDBOT_REMIND_SPEC": "every day",
		"FUNDBOT_PURGE_AFTER": "soon", "FUNDBOT_LOCK_TTL": "5ms", "FUNDBOT_TELEGRAM_RATE": "-1", "FUNDBOT_SLACK_RATE": "fast",
	}))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	for _, v := range []string{"REDIS_URL", "REDIS_PREFIX", "FUNDBOT_REMIND_SPEC", "FUNDBOT_PURGE_AFTER", "FUNDBOT_LOCK_TTL", "FUNDBOT_TELEGRAM_RATE", "FUNDBOT_SLACK_RATE"} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("no problem reported for %s:\n%v", v, err)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the Redis password leaked:\n%v", err)
	}
}
