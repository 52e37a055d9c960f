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
		r.PurgeAfter != 30*24*time.Hour || r.LockTTL != 30*time.Second || r.TelegramRate != 25 || r.TelegramChatRate != 1 ||
		r.SendTimeout != 30*time.Second || r.SendLease != time.Minute {
		t.Fatalf("defaults: %+v", r)
	}
}

func TestSendLeaseFollowsTheTimeout(t *testing.T) {
	tests := []struct {
		env         map[string]string
		lease       time.Duration
		problemWith string
	}{
		{env: map[string]string{"FUNDBOT_SEND_TIMEOUT": "45s"}, lease: 90 * time.Second},
		{env: map[string]string{"FUNDBOT_SEND_TIMEOUT": "2s"}, lease: time.Minute},
		{env: map[string]string{"FUNDBOT_SEND_TIMEOUT": "2s", "FUNDBOT_SEND_LEASE": "5s"}, lease: 5 * time.Second},
		{env: map[string]string{"FUNDBOT_SEND_LEASE": "30s"}, problemWith: "FUNDBOT_SEND_LEASE"},
		{env: map[string]string{"FUNDBOT_SEND_TIMEOUT": "forever"}, problemWith: "FUNDBOT_SEND_TIMEOUT"},
	}
	for _, tt := range tests {
		c, err := FromEnv(env(tt.env))
		switch {
		case tt.problemWith != "":
			if err == nil || !strings.Contains(err.Error(), tt.problemWith) {
				t.Errorf("%v: err = %v, want a problem with %s", tt.env, err, tt.problemWith)
			}
		case err != nil:
			t.Errorf("%v: %v", tt.env, err)
		case c.Reminders.SendLease != tt.lease:
			t.Errorf("%v: lease %s, want %s", tt.env, c.Reminders.SendLease, tt.lease)
		}
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
