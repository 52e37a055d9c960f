package loadtest

import (
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/slackfake"
)

// Credentials of the fake workspace.
const (
	slackBotToken = "xoxb-load-1111-SECRET"
	slackAppToken = "xapp-1-A1-load-SECRET"
	slackSecret   = "load-signing-secret-0123456789abcdef"
)

// newSlackFake is a loopback Slack for the load: chat.postMessage recorded
// in order, and a Socket Mode WebSocket that sends queued envelopes, counts
// acknowledgements and, as Slack does, sends again up to three times
// (retry_attempt 1-3) the envelopes left unacknowledged for a second.
func newSlackFake(t testing.TB) *slackfake.Server {
	t.Helper()
	return slackfake.New(t, slackfake.Options{BotToken: slackBotToken, AppToken: slackAppToken, Ticket: "load-ticket", Redeliver: time.Second})
}

// byChannel is the text of the messages posted with chat.postMessage, per
// channel, in the order received.
func byChannel(f *slackfake.Server) map[string][]string {
	out := map[string][]string{}
	for _, p := range f.Posts() {
		if p.Via == "chat.postMessage" {
			out[p.Channel] = append(out[p.Channel], p.Text)
		}
	}
	return out
}
