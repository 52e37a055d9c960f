package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEveryProblemIsListedAtOnce(t *testing.T) {
	_, err := FromEnv(env(map[string]string{
		"FUNDBOT_THRESHOLD":        "2",
		"FUNDBOT_HTTP_ADDR":        "8080",
		"FUNDBOT_SHUTDOWN_TIMEOUT": "forever",
		"FUNDBOT_LOG_LEVEL":        "loud",
		"FUNDBOT_LOG_FORMAT":       "xml",
		"REDIS_URL":                "http://user:hunter2@redis:6379",
		"FUNDBOT_REMIND_SPEC":      "every day",
		"TELEGRAM_BOT_TOKEN":       "not-a-token-s3cret",
		"SLACK_BOT_TOKEN":          "xoxp-user-token-s3cret",
	}))
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	msg := err.Error()
	for _, v := range []string{"FUNDBOT_THRESHOLD", "FUNDBOT_HTTP_ADDR", "FUNDBOT_SHUTDOWN_TIMEOUT", "FUNDBOT_LOG_LEVEL",
		"FUNDBOT_LOG_FORMAT", "REDIS_URL", "FUNDBOT_REMIND_SPEC", "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} {
		if !strings.Contains(msg, v) {
			t.Errorf("the error does not name %s:\n%s", v, msg)
		}
	}
	for _, secret := range []string{"hunter2", "s3cret"} {
		if strings.Contains(msg, secret) {
			t.Errorf("the error shows a secret (%s):\n%s", secret, msg)
		}
	}
}

func TestServeDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Serve.HTTPAddr != ":8080" || c.Serve.ShutdownTimeout != 10*time.Second || c.Serve.InsightsRetention != 90*24*time.Hour {
		t.Errorf("defaults: %+v", c.Serve)
	}
}

func TestConfigFileFillsUnsetVariables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fundbot.env")
	content := "# settings\nFUNDBOT_HTTP_ADDR=:9090\nexport FUNDBOT_LOG_FORMAT=\"text\"\nFUNDBOT_THRESHOLD=0.5\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := FromEnv(env(map[string]string{"FUNDBOT_CONFIG_FILE": path, "FUNDBOT_THRESHOLD": "0.45"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Serve.HTTPAddr != ":9090" || c.Serve.LogFormat != "text" {
		t.Errorf("values from the file were not used: %+v", c.Serve)
	}
	if c.Threshold != 0.45 {
		t.Errorf("the environment must win over the file, threshold = %v", c.Threshold)
	}
	if _, err := FromEnv(env(map[string]string{"FUNDBOT_CONFIG_FILE": filepath.Join(t.TempDir(), "missing.env")})); err == nil || !strings.Contains(err.Error(), "FUNDBOT_CONFIG_FILE") {
		t.Errorf("a missing file must be reported by name: %v", err)
	}
}

func TestSettingsMaskSecrets(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"TELEGRAM_BOT_TOKEN": "123456:AAsecretsecret", "REDIS_URL": "redis://:pa55word@redis:6379/0",
		"SLACK_BOT_TOKEN": "xoxb-secret-1", "SLACK_APP_TOKEN": "xapp-secret-2", "SLACK_SIGNING_SECRET": "signsecret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, s := range c.Settings() {
		all.WriteString(s.Name + "=" + s.Value + "\n")
	}
	for _, secret := range []string{"AAsecretsecret", "pa55word", "xoxb-secret-1", "xapp-secret-2", "signsecret"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("Settings shows %q:\n%s", secret, all.String())
		}
	}
	if !strings.Contains(all.String(), "TELEGRAM_BOT_TOKEN=(set") {
		t.Errorf("a set secret should say it is set:\n%s", all.String())
	}
}
