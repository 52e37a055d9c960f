package slack

import (
	"testing"

	"github.com/fundbot/fundbot/internal/slackfake"
)

// Secrets of the test workspace: tests check that none of them reaches a log or an error.
const (
	testBotToken = "xoxb-1111-2222-SECRETBOTTOKEN"
	testAppToken = "xapp-1-A1-3333-SECRETAPPTOKEN"
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5" // signing secret
	testTicket   = "SECRETTICKET-4f1c"                // in the Socket Mode URL
	testHookPath = "/hooks/T1/B1/SECRETHOOKPATH"      // a response_url path
)

// newFakeSlack is a loopback Slack for the test workspace: the Web API
// methods the adapter calls, a Socket Mode WebSocket, and response_url
// endpoints.
func newFakeSlack(t *testing.T) *slackfake.Server {
	t.Helper()
	return slackfake.New(t, slackfake.Options{BotToken: testBotToken, AppToken: testAppToken, Ticket: testTicket, HookPath: testHookPath})
}
