package slack

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fundbot/fundbot/config"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // variables named in the error; none means valid
	}{
		{"socket mode", Config{BotToken: "xoxb-1", AppToken: "xapp-1"}, nil},
		{"http mode", Config{BotToken: "xoxb-1", SigningSecret: "s", Mode: HTTPMode}, nil},
		{"socket mode without app token", Config{BotToken: "xoxb-1"}, []string{"SLACK_APP_TOKEN"}},
		{"user token", Config{BotToken: "xoxp-1", AppToken: "xapp-1"}, []string{"SLACK_BOT_TOKEN"}},
		{"http mode without secret", Config{BotToken: "xoxb-1", Mode: HTTPMode}, []string{"SLACK_SIGNING_SECRET"}},
		{"unknown mode", Config{BotToken: "xoxb-1", Mode: "rtm"}, []string{"SLACK_MODE"}},
		{"bad API URL", Config{BotToken: "xoxb-1", AppToken: "xapp-1", APIURL: "slack.com/api"}, []string{"SLACK_API_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.withDefaults().validate()
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("validate = %v", err)
			}
			for _, v := range tt.want {
				if !strings.Contains(err.Error(), v) {
					t.Errorf("error %q does not name %s", err, v)
				}
			}
		})
	}
	if got := (Config{APIURL: "http://127.0.0.1:9/api"}).withDefaults().APIURL; got != "http://127.0.0.1:9/api/" {
		t.Errorf("API URL %q: want a trailing slash added", got)
	}
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	c := Config{BotToken: testBotToken, AppToken: testAppToken, SigningSecret: testSecret}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), c.LogValue().String()} {
		for _, secret := range []string{testBotToken, testAppToken, testSecret} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows a secret", s)
			}
		}
		if !strings.Contains(s, "xoxb-…") {
			t.Errorf("%q should show the kind of token", s)
		}
	}
}

// The SLACK_* settings of config.FromEnv, which cmd/fundbot maps to Config.
func TestEnvironmentSettings(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string // variables named in the problems
	}{
		{"slack off", map[string]string{}, nil},
		{"socket mode", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, nil},
		{"http mode", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_MODE": "HTTP", "SLACK_API_URL": "http://127.0.0.1:9/api"}, nil},
		{"app token without bot token", map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, []string{"SLACK_BOT_TOKEN"}},
		{"tokens swapped", map[string]string{"SLACK_BOT_TOKEN": "xapp-S3CR3TVALUE", "SLACK_APP_TOKEN": "xoxb-S3CR3TVALUE"}, []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"}},
		{"socket mode without app token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, []string{"SLACK_APP_TOKEN"}},
		{"http mode without secret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_MODE": "http"}, []string{"SLACK_SIGNING_SECRET"}},
		{"bad mode and URL", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_MODE": "rtm", "SLACK_API_URL": "ftp://x"}, []string{"SLACK_MODE", "SLACK_API_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.FromEnv(func(k string) string { return tt.env[k] })
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("FromEnv = %v", err)
			}
			for _, v := range tt.want {
				if !strings.Contains(err.Error(), v) {
					t.Errorf("problems %q do not name %s", err, v)
				}
			}
			if err != nil && strings.Contains(err.Error(), "S3CR3TVALUE") {
				t.Errorf("problems repeat a token: %v", err)
			}
			if err == nil && tt.env["SLACK_API_URL"] != "" && !strings.HasSuffix(c.SlackAPIURL, "/") {
				t.Errorf("SlackAPIURL %q without trailing slash", c.SlackAPIURL)
			}
		})
	}
}
