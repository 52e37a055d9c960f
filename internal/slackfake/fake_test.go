package slackfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

var testOpts = Options{BotToken: "xoxb-1", AppToken: "xapp-1", Ticket: "T", HookPath: "/hooks/H", Redeliver: 200 * time.Millisecond}

func call(t *testing.T, rawURL string, header http.Header, form url.Values) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: not JSON: %v", rawURL, err)
	}
	return body
}

func TestFakeSpeaksTheWebAPI(t *testing.T) {
	f := New(t, testOpts)
	if b := call(t, f.APIURL()+"auth.test", nil, url.Values{"token": {"xoxb-wrong"}}); b["ok"] != false || b["error"] != "invalid_auth" {
		t.Errorf("another token: %v", b)
	}
	if b := call(t, f.APIURL()+"auth.test", nil, url.Values{"token": {"xoxb-1"}}); b["ok"] != true || b["user_id"] != "UBOT" {
		t.Errorf("auth.test: %v", b)
	}
	f.Fail("C1", Failure{Code: "is_archived", Once: true})
	post := url.Values{"token": {"xoxb-1"}, "channel": {"C1"}, "text": {"hei"}, "blocks": {`[{"type":"section","text":{"type":"mrkdwn","text":"*hei*"}}]`}}
	if b := call(t, f.APIURL()+"chat.postMessage", nil, post); b["error"] != "is_archived" {
		t.Errorf("scripted failure: %v", b)
	}
	if b := call(t, f.APIURL()+"chat.postMessage", nil, post); b["ok"] != true {
		t.Errorf("after a failure once: %v", b)
	}
	if p, ok := f.Next(time.Second); !ok || p.Channel != "C1" || p.SectionText() != "*hei*" || p.Via != "chat.postMessage" {
		t.Errorf("Next: %+v %v", p, ok)
	}
	f.NoMorePosts(t)
	if b := call(t, f.APIURL()+"conversations.open", http.Header{"Authorization": {"Bearer xoxb-1"}}, url.Values{"users": {"U1"}}); b["channel"].(map[string]any)["id"] != "DU1" {
		t.Errorf("conversations.open: %v", b)
	}
	if u := <-f.Opened(); u != "U1" {
		t.Errorf("Opened: %q", u)
	}
}

func TestSocketModeHelloAckAndRedelivery(t *testing.T) {
	f := New(t, testOpts)
	b := call(t, f.APIURL()+"apps.connections.open", http.Header{"Authorization": {"Bearer xapp-1"}}, nil)
	conn, _, err := websocket.DefaultDialer.Dial(b["url"].(string), http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hello map[string]any
	if err := conn.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		t.Fatalf("hello: %v %v", hello, err)
	}
	<-f.Connected()
	f.Send("events_api", "env-1", 0, map[string]any{"type": "event_callback"})
	var env map[string]any
	if err := conn.ReadJSON(&env); err != nil || env["envelope_id"] != "env-1" || env["retry_attempt"] != 0.0 {
		t.Fatalf("envelope: %v %v", env, err)
	}
	// Not acknowledged: Slack sends it again as a retry.
	if err := conn.ReadJSON(&env); err != nil || env["envelope_id"] != "env-1-r1" || env["retry_reason"] != "timeout" {
		t.Fatalf("redelivery: %v %v", env, err)
	}
	if err := conn.WriteJSON(map[string]any{"envelope_id": "env-1-r1"}); err != nil {
		t.Fatal(err)
	}
	if id := f.WaitAck(t); id != "env-1-r1" || f.Acks() != 1 || f.Retries() < 1 {
		t.Errorf("ack %q, %d acks, %d retries", id, f.Acks(), f.Retries())
	}
}
