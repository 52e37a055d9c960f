package config

import (
	"fmt"
	"net/url"
	"strings"
)

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
