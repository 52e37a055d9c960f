package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

var self = identity{userID: "UBOT", botID: "BBOT"}

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		file    string
		ok      bool
		kind    string
		req     bot.Request
		to      destination
		noSubsc bool
	}{
		{"app_mention", true, "mention", bot.Request{Conversation: "slack:C1:1772442000.000100", Chat: "slack:C1", Text: "hvem kan søke?"}, destination{channel: "C1", thread: "1772442000.000100"}, false},
		{"app_mention_thread", true, "mention", bot.Request{Conversation: "slack:C1:1772442000.000100", Chat: "slack:C1", Text: "og hva dekkes?"}, destination{channel: "C1", thread: "1772442000.000100"}, false},
		{"message_im_nn", true, "dm", bot.Request{Conversation: "slack:U1", Chat: "slack:U1", Text: "Kven kan søkje om midlar?"}, destination{channel: "D1", dm: true}, false},
		{"message_im_bot", false, "", bot.Request{}, destination{}, false},
		{"message_im_self", false, "", bot.Request{}, destination{}, false},
		{"message_changed", false, "", bot.Request{}, destination{}, false},
		{"message_channel", false, "", bot.Request{}, destination{}, false},
		{"url_verification", false, "", bot.Request{}, destination{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			j, ok, err := decodeEvent(fixture(t, "events/"+tt.file+".json"), self)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok || j.kind != tt.kind || j.req != tt.req || j.to != tt.to || j.noSubscribe != tt.noSubsc {
				t.Errorf("got ok=%v %s %+v %+v, want ok=%v %s %+v %+v", ok, j.kind, j.req, j.to, tt.ok, tt.kind, tt.req, tt.to)
			}
			if ok && !strings.HasPrefix(j.key, "event:Ev") {
				t.Errorf("key %q, want the event_id", j.key)
			}
		})
	}
}

func TestDecodeEventEdgeCases(t *testing.T) {
	event := func(inner string) []byte {
		return []byte(`{"type":"event_callback","event_id":"Ev9","event":` + inner + `}`)
	}
	tests := []struct {
		name    string
		body    []byte
		self    identity
		ok      bool
		wantErr bool
		text    string
		topic   string
	}{
		{"only the mention asks for help", event(`{"type":"app_mention","user":"U1","text":"<@UBOT>","ts":"1.2","channel":"C1"}`), self, true, false, "", "help"},
		{"self unknown: the first mention is the bot", event(`{"type":"app_mention","user":"U1","text":"<@UBOT> frist?","ts":"1.2","channel":"C1"}`), identity{}, true, false, "frist?", ""},
		{"mention in a DM comes as message.im", event(`{"type":"app_mention","user":"U1","text":"<@UBOT> hei","ts":"1.2","channel":"D1"}`), self, false, false, "", ""},
		{"bot user id", event(`{"type":"message","channel_type":"im","user":"UBOT","text":"x","ts":"1.2","channel":"D1"}`), self, false, false, "", ""},
		{"a malformed channel", event(`{"type":"app_mention","user":"U1","text":"x","ts":"1.2","channel":"C1:evil"}`), self, false, true, "", ""},
		{"a malformed ts", event(`{"type":"app_mention","user":"U1","text":"x","ts":"1.2:3","channel":"C1"}`), self, false, true, "", ""},
		{"no event", []byte(`{"type":"event_callback"}`), self, false, true, "", ""},
		{"not JSON", []byte(`{`), self, false, true, "", ""},
		{"other type", []byte(`{"type":"app_rate_limited","minute_rate_limited":1518467820}`), self, false, false, "", ""},
		{"a subscription command hides the button", event(`{"type":"message","channel_type":"im","user":"U1","text":"abonner 7","ts":"1.2","channel":"D1"}`), self, true, false, "abonner 7", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, ok, err := decodeEvent(tt.body, tt.self)
			if (err != nil) != tt.wantErr || ok != tt.ok {
				t.Fatalf("ok=%v err=%v, want ok=%v error=%v", ok, err, tt.ok, tt.wantErr)
			}
			if ok && (j.req.Text != tt.text || j.req.Topic != tt.topic) {
				t.Errorf("text %q topic %q, want %q %q", j.req.Text, j.req.Topic, tt.text, tt.topic)
			}
			if ok && strings.HasPrefix(tt.text, "abonner") && !j.noSubscribe {
				t.Error("the reply to abonner would offer to subscribe")
			}
		})
	}
}

func TestDecodeCommand(t *testing.T) {
	base := slack.SlashCommand{Command: "/fundbot", ChannelID: "C1", UserID: "U1", ResponseURL: "https://hooks.slack.com/commands/T1/1/x", TriggerID: "t1"}
	dm := base
	dm.ChannelID, dm.Text = "D1", "abonner 14 3 1"
	j, err := decodeCommand(dm)
	if err != nil {
		t.Fatal(err)
	}
	if j.req.Chat != "slack:U1" || j.req.Conversation != "slack:U1" || j.to.responseType != "ephemeral" || j.req.Text != "abonner 14 3 1" {
		t.Errorf("a DM subscription: %+v %+v", j.req, j.to)
	}
	for _, bad := range []slack.SlashCommand{
		{ChannelID: "C1", UserID: "U1", ResponseURL: "file:///etc/passwd"},
		{ChannelID: "C1", UserID: "U1"},
		{ChannelID: "C 1", UserID: "U1", ResponseURL: base.ResponseURL},
	} {
		if _, err := decodeCommand(bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	odd := base
	odd.Command = "/<!here>"
	odd.Text = "help"
	if j, _ := decodeCommand(odd); !strings.Contains(j.usage, "`/fundbot help`") {
		t.Errorf("usage %q: an odd command name should fall back to /fundbot", j.usage)
	}
}

func TestDecodeAction(t *testing.T) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(fixture(t, "interactions/block_actions_subscribe.json"), &cb); err != nil {
		t.Fatal(err)
	}
	j, ok, err := decodeAction(cb)
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	want := bot.Request{Conversation: "slack:C1:1772442000.000100", Chat: "slack:C1", Text: "abonner", Lang: knowledge.NB}
	if j.req != want || j.to.channel != "C1" || j.to.thread != "1772442000.000100" || j.to.responseType != "" || !j.noSubscribe {
		t.Errorf("request %+v to %+v", j.req, j.to)
	}

	eph := cb
	eph.Container.IsEphemeral = true
	if j, ok, _ := decodeAction(eph); !ok || j.to.responseType != "in_channel" || j.req.Conversation != "slack:C1:U1" || j.req.Chat != "slack:C1" {
		t.Errorf("subscribing from an ephemeral answer: %+v %+v, want the channel told", j.req, j.to)
	}
	eph.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: "fundbot_topic_1", BlockID: "fundbot_actions:en", Value: "deadline", Text: slack.TextBlockObject{Text: "Deadline"}}}
	if j, ok, _ := decodeAction(eph); !ok || j.to.responseType != "ephemeral" || j.req.Topic != "deadline" || j.req.Lang != knowledge.EN {
		t.Errorf("a suggestion on an ephemeral answer: %+v %+v", j.req, j.to)
	}

	other := cb
	other.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: "approve", BlockID: "someone_elses"}}
	if _, ok, _ := decodeAction(other); ok {
		t.Error("a click on another app's button was taken")
	}
	view := cb
	view.Type = slack.InteractionTypeViewSubmission
	if _, ok, _ := decodeAction(view); ok {
		t.Error("a view submission was taken")
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	body := fixture(b, "events/app_mention_broadcast.json")
	for b.Loop() {
		if _, ok, err := decodeEvent(body, self); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
