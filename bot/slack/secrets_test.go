package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestSecretsNeverReachLogsOrErrors(t *testing.T) {
	secrets := []string{testBotToken, testAppToken, testSecret, testTicket, "SECRETHOOKPATH", "SECRETBOTTOKEN", "SECRETAPPTOKEN", "WRONGTOKEN"}
	var out []string // everything logged, returned or printed

	// Socket Mode: a normal answer, then a reply whose response_url fails.
	sock := start(t, SocketMode, newBot(t, nil))
	sock.fake.Send("events_api", "env-1", 0, json.RawMessage(fixture(t, "events/app_mention.json")))
	sock.fake.WaitAck(t)
	sock.fake.NextPost(t)
	deadHook := "http://" + closedAddr(t) + testHookPath
	sock.fake.Send("slash_commands", "env-2", 0, map[string]any{"command": "/fundbot", "text": "frist", "channel_id": "C1", "user_id": "U1", "response_url": deadHook})
	if id := sock.fake.WaitAck(t); id != "env-2" {
		t.Fatalf("acknowledged %q, want env-2", id)
	}
	if err := sock.stop(t); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sock.logs.String(), "slack reply not delivered") {
		t.Errorf("the failed response_url post was not logged:\n%s", sock.logs.String())
	}
	out = append(out, sock.logs.String())

	// HTTP mode: a forged request.
	web := start(t, HTTPMode, newBot(t, nil))
	req := web.signedRequest(t, "/slack/events", "application/json", fixture(t, "events/app_mention.json"), testNow)
	req.Header.Set("X-Slack-Signature", "v0=deadbeef")
	if status, _ := do(t, req); status != 401 {
		t.Errorf("forged request: status %d", status)
	}
	if err := web.stop(t); err != nil {
		t.Fatal(err)
	}
	out = append(out, web.logs.String())

	// A rejected bot token, and a notifier that cannot reach Slack.
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	bad, err := New(Config{BotToken: "xoxb-9-WRONGTOKEN", AppToken: testAppToken, APIURL: web.fake.APIURL()}, newBot(t, nil), log, clock)
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Run(context.Background()); err == nil {
		t.Error("Run with a rejected token succeeded")
	} else {
		out = append(out, err.Error())
	}
	n := newTestNotifier(t, "http://"+closedAddr(t)+"/api/", nil)
	if err := n.Notify(context.Background(), subscription.New(subscription.Slack, "C1", knowledge.NB, testNow), reminder); err != nil {
		out = append(out, err.Error())
	}
	out = append(out, logs.String())

	// The configuration, printed every way.
	cfg := Config{BotToken: testBotToken, AppToken: testAppToken, SigningSecret: testSecret}
	log.Info("config", "slack", cfg)
	out = append(out, fmt.Sprint(cfg), fmt.Sprintf("%+v %#v %s %v", cfg, cfg, cfg, &cfg), logs.String())
	if err := (Config{BotToken: "xoxp-" + testSecret, Mode: SocketMode}).withDefaults().validate(); err != nil {
		out = append(out, err.Error())
	}

	all := strings.Join(out, "\n")
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("secret %q leaked:\n%s", s, excerpt(all, s))
		}
	}
}

func excerpt(s, sub string) string {
	i := strings.Index(s, sub)
	return s[max(0, i-200):min(len(s), i+len(sub)+100)]
}

func TestRedactorRemovesSecretsAndKeepsTheErrorChain(t *testing.T) {
	r := redactor{secrets: []string{testBotToken}}
	inner := &url.Error{Op: "Post", URL: "wss://wss-primary.slack.com/link/?ticket=" + testTicket + "&app_id=A1", Err: errors.New("token " + testBotToken + " refused")}
	err := r.err(fmt.Errorf("dial: %w", inner))
	if strings.Contains(err.Error(), testTicket) || strings.Contains(err.Error(), testBotToken) {
		t.Errorf("not redacted: %v", err)
	}
	if !strings.Contains(err.Error(), "wss://wss-primary.slack.com/link/?[redacted]") {
		t.Errorf("the URL's host and path should remain: %v", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Error("the chain is lost")
	}
	if plain := errors.New("plain"); r.err(plain) != plain {
		t.Error("an error without secrets should come back unchanged")
	}
}
