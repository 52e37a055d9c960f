package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/kbtest"
	"github.com/fundbot/fundbot/internal/slackfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/scheduler"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
)

func TestMentionInChannelIsAnsweredInAThread(t *testing.T) {
	rec := newRecorder(newBot(t, nil))
	hs := start(t, SocketMode, rec)

	began := time.Now()
	hs.fake.Send("events_api", "env-1", 0, json.RawMessage(fixture(t, "events/app_mention.json")))
	if id := hs.fake.WaitAck(t); id != "env-1" {
		t.Errorf("acknowledged %q, want env-1", id)
	}
	acked := time.Since(began)
	ex := rec.next(t)
	want := bot.Request{Conversation: "slack:C1:1772442000.000100", Chat: "slack:C1", Text: "hvem kan søke?"}
	if ex.req != want {
		t.Errorf("request = %+v, want %+v", ex.req, want)
	}
	p := hs.fake.NextPost(t)
	t.Logf("Socket Mode: acknowledged after %s, answer posted after %s", acked, time.Since(began))
	if p.Via != "chat.postMessage" || p.Channel != "C1" || p.ThreadTS != "1772442000.000100" {
		t.Errorf("posted via %s to %s thread %q, want chat.postMessage to C1 in thread 1772442000.000100", p.Via, p.Channel, p.ThreadTS)
	}
	if ex.reply.Intent != "who_can_apply" || !strings.Contains(p.SectionText(), "offentlig sektor") {
		t.Errorf("intent %q, answer %q: want who_can_apply in bokmål", ex.reply.Intent, p.SectionText())
	}
	ctx := p.Block("context")
	if ctx == nil || !strings.Contains(p.Raw, "Kilde: <https://") || !strings.Contains(p.Raw, "per ") {
		t.Errorf("no context block with the source link and date: %s", p.Raw)
	}
	actions := p.Block("actions")
	if actions == nil || actions["block_id"] != "fundbot_actions:nb" {
		t.Fatalf("actions block missing or without block_id: %s", p.Raw)
	}
	var ids []string
	for _, e := range actions["elements"].([]any) {
		ids = append(ids, e.(map[string]any)["action_id"].(string))
	}
	if len(ids) < 2 || ids[len(ids)-1] != subscribeAction || !strings.HasPrefix(ids[0], suggestActionID) {
		t.Errorf("buttons %v: want suggestions then %s", ids, subscribeAction)
	}
	if !strings.Contains(p.Raw, "Abonner denne kanalen på påminnelser") {
		t.Errorf("no subscribe button for the channel: %s", p.Raw)
	}
	assertInert(t, p)
}

func TestMentionInsideAThreadStaysInIt(t *testing.T) {
	rec := newRecorder(newBot(t, nil))
	hs := start(t, SocketMode, rec)
	hs.fake.Send("events_api", "env-1", 0, json.RawMessage(fixture(t, "events/app_mention_thread.json")))
	hs.fake.WaitAck(t)
	if ex := rec.next(t); ex.req.Conversation != "slack:C1:1772442000.000100" {
		t.Errorf("conversation %q, want the thread's", ex.req.Conversation)
	}
	if p := hs.fake.NextPost(t); p.ThreadTS != "1772442000.000100" {
		t.Errorf("thread_ts %q, want the parent's 1772442000.000100", p.ThreadTS)
	}
}

func TestDirectMessageInNynorsk(t *testing.T) {
	rec := newRecorder(newBot(t, nil))
	hs := start(t, SocketMode, rec)

	hs.fake.Send("events_api", "env-dm", 0, json.RawMessage(fixture(t, "events/message_im_nn.json")))
	hs.fake.WaitAck(t)
	ex := rec.next(t)
	if ex.req.Conversation != "slack:U1" || ex.req.Chat != "slack:U1" {
		t.Errorf("conversation %q chat %q, want slack:U1 for both", ex.req.Conversation, ex.req.Chat)
	}
	if ex.reply.Lang != knowledge.NN {
		t.Errorf("reply language %q, want nn", ex.reply.Lang)
	}
	p := hs.fake.NextPost(t)
	if p.Channel != "D1" || p.ThreadTS != "" {
		t.Errorf("posted to %s thread %q, want D1 without a thread", p.Channel, p.ThreadTS)
	}
	for _, word := range []string{"Søkjaren", "Kjelde:", "Abonner på påminningar om fristen", "fundbot_actions:nn"} {
		if !strings.Contains(p.Raw, word) {
			t.Errorf("reply lacks %q: %s", word, p.Raw)
		}
	}
}

func TestSlashCommandInEnglish(t *testing.T) {
	rec := newRecorder(newBot(t, nil))
	hs := start(t, HTTPMode, rec)

	form := url.Values{
		"command": {"/fundbot"}, "text": {"who can apply?"}, "channel_id": {"C1"}, "channel_name": {"tilskudd"},
		"user_id": {"U1"}, "user_name": {"kari"}, "team_id": {"T1"}, "response_url": {hs.fake.HookURL()}, "trigger_id": {"1.2.3"},
	}
	body := []byte(form.Encode())
	began := time.Now()
	status, _ := do(t, hs.signedRequest(t, "/slack/commands", "application/x-www-form-urlencoded", body, testNow))
	if status != 200 {
		t.Fatalf("status %d, want 200", status)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("acknowledged after %s", took)
	}
	ex := rec.next(t)
	if ex.req.Text != "who can apply?" || ex.req.Chat != "slack:C1" || ex.reply.Lang != knowledge.EN {
		t.Errorf("request %+v answered in %q, want the text as is, chat slack:C1, English", ex.req, ex.reply.Lang)
	}
	p := hs.fake.NextPost(t)
	if p.Via != "response_url" || p.ResponseType != "ephemeral" {
		t.Errorf("answered via %s as %q, want an ephemeral response_url message", p.Via, p.ResponseType)
	}
	if !strings.Contains(p.SectionText(), "public-sector") || !strings.Contains(p.Raw, "Source: <https://") ||
		!strings.Contains(p.Raw, "Subscribe this channel to reminders") {
		t.Errorf("not an English answer with source and subscribe button: %s", p.Raw)
	}
}

func TestSlashSubcommands(t *testing.T) {
	subs := newSubscriptions()
	rec := newRecorder(newBot(t, subs))
	hs := start(t, SocketMode, rec)

	tests := []struct {
		text         string
		want         bot.Request
		responseType string
		usage        string
	}{
		{"frist", bot.Request{Topic: "deadline", Text: "frist"}, "ephemeral", ""},
		{"deadline", bot.Request{Topic: "deadline", Text: "deadline", Lang: knowledge.EN}, "ephemeral", ""},
		{"hjelp", bot.Request{Topic: "help", Text: "hjelp"}, "ephemeral", "/fundbot abonner"},
		{"help", bot.Request{Topic: "help", Text: "help", Lang: knowledge.EN}, "ephemeral", "/fundbot subscribe"},
		{"", bot.Request{Topic: "help"}, "ephemeral", "/fundbot frist"},
		{"abonner 14 3 1", bot.Request{Text: "abonner 14 3 1"}, "in_channel", ""},
		{"status", bot.Request{Text: "status"}, "ephemeral", ""},
		{"når er fristen?", bot.Request{Text: "når er fristen?"}, "ephemeral", ""},
	}
	for i, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			id := "cmd-" + string(rune('a'+i))
			hs.fake.Send("slash_commands", id, 0, map[string]any{
				"command": "/fundbot", "text": tt.text, "channel_id": "C1", "user_id": "U1",
				"response_url": hs.fake.HookURL(), "trigger_id": id,
			})
			if ack := hs.fake.WaitAck(t); ack != id {
				t.Errorf("acknowledged %q, want %q", ack, id)
			}
			ex := rec.next(t)
			tt.want.Conversation, tt.want.Chat = "slack:C1:U1", "slack:C1"
			if ex.req != tt.want {
				t.Errorf("request %+v, want %+v", ex.req, tt.want)
			}
			p := hs.fake.NextPost(t)
			if p.ResponseType != tt.responseType {
				t.Errorf("response_type %q, want %q", p.ResponseType, tt.responseType)
			}
			if tt.usage != "" && !strings.Contains(p.Raw, tt.usage) {
				t.Errorf("help without usage %q: %s", tt.usage, p.Raw)
			}
			assertInert(t, p)
			if strings.HasPrefix(tt.text, "abonner") {
				if got := <-subs.chats; got != "slack:C1" {
					t.Errorf("subscribed %q, want slack:C1", got)
				}
				if strings.Contains(p.Raw, subscribeAction) {
					t.Error("the reply to abonner offers to subscribe again")
				}
			}
		})
	}
}

// The whole path: a click on the subscribe button goes through the bot's
// real subscription commands into a subscription store, and the scheduler's
// next tick posts the reminder through the adapter's Notifier.
func TestSubscribeButtonThenReminderInTheChannel(t *testing.T) {
	oslo := knowledge.Oslo()
	deadlines := kbtest.KB(t, kbtest.Programme{ID: "ipos", Name: "Innovasjonsprosjekt", Calls: []kbtest.Call{{ID: "2026", Deadline: "2026-03-20"}}})
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "subs.db"), boltstore.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cmds := bot.NewSubscriptions(store, func() *knowledge.KB { return deadlines }, clock)
	rec := newRecorder(newBot(t, cmds))
	hs := start(t, SocketMode, rec)

	var click map[string]any
	if err := json.Unmarshal(fixture(t, "interactions/block_actions_subscribe.json"), &click); err != nil {
		t.Fatal(err)
	}
	click["response_url"] = hs.fake.HookURL()
	hs.fake.Send("interactive", "env-click", 0, click)
	hs.fake.WaitAck(t)

	ex := rec.next(t)
	if ex.req.Text != "abonner" || ex.req.Lang != knowledge.NB || ex.req.Chat != "slack:C1" || ex.req.Conversation != "slack:C1:1772442000.000100" {
		t.Errorf("request %+v, want abonner in nb for slack:C1 from the thread", ex.req)
	}
	if ex.reply.Intent != "subscribe" {
		t.Errorf("intent %q: the click did not reach the subscribe command", ex.reply.Intent)
	}
	confirm := hs.fake.NextPost(t)
	if confirm.Channel != "C1" || confirm.ThreadTS != "1772442000.000100" || strings.Contains(confirm.Raw, subscribeAction) {
		t.Errorf("confirmation to %s thread %q: %s", confirm.Channel, confirm.ThreadTS, confirm.Raw)
	}
	sub, err := store.Get(context.Background(), "slack:C1")
	if err != nil || !sub.Active || sub.Lang != knowledge.NB {
		t.Fatalf("stored subscriber %+v, %v: want slack:C1 active in nb", sub, err)
	}

	// Friday 6 March, 09:05: 14 days before the deadline.
	tick := time.Date(2026, 3, 6, 9, 5, 0, 0, oslo)
	sched, err := scheduler.New(store, func() *knowledge.KB { return deadlines }, scheduler.Options{
		Clock:     func() time.Time { return tick },
		Logger:    slog.New(slog.DiscardHandler),
		Notifiers: map[subscription.Platform]scheduler.Notifier{subscription.Slack: hs.a.Notifier()},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sched.RunOnce(context.Background())
	if err != nil || rep.Sent != 1 {
		t.Fatalf("tick: %v, report %s: want one reminder sent", err, rep)
	}
	reminder := hs.fake.NextPost(t)
	if reminder.Channel != "C1" || reminder.ThreadTS != "" || !strings.Contains(reminder.SectionText(), "Påminnelse: Søknadsfristen for Innovasjonsprosjekt er 20. mars 2026") {
		t.Errorf("reminder to %s thread %q: %q", reminder.Channel, reminder.ThreadTS, reminder.SectionText())
	}
	if !strings.Contains(reminder.SectionText(), "<https://example.org/ipos/2026>") {
		t.Errorf("the source is not a link: %q", reminder.SectionText())
	}
	assertInert(t, reminder)

	// The channel is archived later: the next reminder deactivates the subscription.
	hs.fake.Fail("C1", slackfake.Failure{Code: "is_archived"})
	tick = time.Date(2026, 3, 13, 9, 5, 0, 0, oslo)
	if rep, err := sched.RunOnce(context.Background()); err != nil || rep.Deactivated != 1 {
		t.Errorf("tick after archiving: %v, report %s: want the subscriber deactivated", err, rep)
	}
}

func TestSuggestionButtonInADirectMessageAndReminderAsDM(t *testing.T) {
	subs := newSubscriptions()
	rec := newRecorder(newBot(t, subs))
	hs := start(t, SocketMode, rec)

	hs.fake.Send("interactive", "env-topic", 0, json.RawMessage(fixture(t, "interactions/block_actions_topic.json")))
	hs.fake.WaitAck(t)
	ex := rec.next(t)
	if ex.req.Topic != "costs_covered" || ex.req.Lang != knowledge.NN || ex.req.Chat != "slack:U1" {
		t.Errorf("request %+v, want topic costs_covered in nn for slack:U1", ex.req)
	}
	if p := hs.fake.NextPost(t); p.Channel != "D1" || !strings.Contains(p.Raw, "Kjelde") {
		t.Errorf("answer to %s: %s", p.Channel, p.Raw)
	}

	sub := subscription.New(subscription.Slack, "U1", knowledge.NN, testNow)
	if err := hs.a.Notifier().Notify(context.Background(), sub, scheduler.Message{Text: "Påminning: fristen er om 3 dagar."}); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if user := <-hs.fake.Opened(); user != "U1" {
		t.Errorf("conversations.open for %q, want U1", user)
	}
	if p := hs.fake.NextPost(t); p.Channel != "DU1" {
		t.Errorf("reminder posted to %q, want the DM channel DU1", p.Channel)
	}
}

func TestBroadcastsInAQuestionAreNotEchoedLive(t *testing.T) {
	echo := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		return bot.Reply{Lang: knowledge.NB, Answer: "Du skrev: " + req.Text,
			Suggestions: []bot.Suggestion{{Topic: "deadline", Text: "<!here> " + req.Text}},
			Sources:     []knowledge.Source{{Title: "<!everyone> kilde", URL: "https://example.org/a?b=1&c=<2>|x", AsOf: "2026-01"}}}
	})
	for _, h := range []struct {
		name string
		h    Handler
	}{{"echo", echo}, {"real bot", nil}} {
		t.Run(h.name, func(t *testing.T) {
			handler := h.h
			if handler == nil {
				handler = newBot(t, nil)
			}
			rec := newRecorder(handler)
			hs := start(t, SocketMode, rec)
			hs.fake.Send("events_api", "env-b", 0, json.RawMessage(fixture(t, "events/app_mention_broadcast.json")))
			hs.fake.WaitAck(t)
			ex := rec.next(t)
			// What the person saw: Slack's markup as words, and the <!channel> they typed as text.
			if want := "@channel @here @everyone @kari @team hva er fristen? <!channel> @here"; ex.req.Text != want {
				t.Errorf("the bot got %q, want %q", ex.req.Text, want)
			}
			p := hs.fake.NextPost(t)
			assertInert(t, p)
			if h.name == "echo" && !strings.Contains(p.SectionText(), "&lt;!channel&gt;") {
				t.Errorf("the typed text <!channel> should show escaped: %q", p.SectionText())
			}
		})
	}
}

func TestRetriedEventIsAnsweredOnce(t *testing.T) {
	t.Run("socket mode", func(t *testing.T) {
		hs := start(t, SocketMode, newBot(t, nil))
		event := json.RawMessage(fixture(t, "events/app_mention.json"))
		hs.fake.Send("events_api", "env-1", 0, event)
		hs.fake.Send("events_api", "env-2", 1, event) // Slack's retry: a new envelope, the same event_id
		hs.fake.Send("events_api", "env-3", 2, event)
		for range 3 {
			hs.fake.WaitAck(t) // every delivery is acknowledged, or Slack keeps retrying
		}
		hs.fake.NextPost(t)
		if err := hs.stop(t); err != nil {
			t.Fatal(err)
		}
		hs.fake.NoMorePosts(t)
	})
	t.Run("http", func(t *testing.T) {
		hs := start(t, HTTPMode, newBot(t, nil))
		body := fixture(t, "events/app_mention.json")
		for retry := range 3 {
			req := hs.signedRequest(t, "/slack/events", "application/json", body, testNow)
			if retry > 0 {
				req.Header.Set("X-Slack-Retry-Num", string(rune('0'+retry)))
				req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
			}
			if status, _ := do(t, req); status != 200 {
				t.Fatalf("delivery %d: status %d, want 200", retry, status)
			}
		}
		hs.fake.NextPost(t)
		if err := hs.stop(t); err != nil {
			t.Fatal(err)
		}
		hs.fake.NoMorePosts(t)
	})
}

func TestBotsAndOwnMessagesAreIgnored(t *testing.T) {
	rec := newRecorder(newBot(t, nil))
	hs := start(t, SocketMode, rec)
	for i, name := range []string{"message_im_bot", "message_im_self", "message_changed", "message_channel"} {
		id := "env-ignored-" + string(rune('a'+i))
		hs.fake.Send("events_api", id, 0, json.RawMessage(fixture(t, "events/"+name+".json")))
		if ack := hs.fake.WaitAck(t); ack != id {
			t.Errorf("%s: acknowledged %q, want %q", name, ack, id)
		}
	}
	// An event type slack-go does not know: acknowledged all the same, or Slack would retry it.
	hs.fake.Send("events_api", "env-unknown", 0, map[string]any{"type": "event_callback", "event_id": "Ev0NEW",
		"event": map[string]any{"type": "brand_new_event", "user": "U1", "channel": "C1", "ts": "1.2"}})
	if ack := hs.fake.WaitAck(t); ack != "env-unknown" {
		t.Errorf("acknowledged %q, want env-unknown", ack)
	}
	if err := hs.stop(t); err != nil {
		t.Fatal(err)
	}
	hs.fake.NoMorePosts(t)
	select {
	case ex := <-rec.seen:
		t.Errorf("the bot was asked %+v", ex.req)
	default:
	}
}

func TestPanicInTheHandlerIsRecovered(t *testing.T) {
	var calls atomic.Int32
	real := newBot(t, nil)
	h := handlerFunc(func(ctx context.Context, req bot.Request) bot.Reply {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return real.Handle(ctx, req)
	})
	hs := start(t, SocketMode, h)
	hs.fake.Send("events_api", "env-1", 0, json.RawMessage(fixture(t, "events/app_mention.json")))
	p := hs.fake.NextPost(t)
	if !strings.Contains(p.SectionText(), "Beklager, noe gikk galt") || p.Block("actions") != nil {
		t.Errorf("after a panic: %s, want an apology without buttons", p.Raw)
	}
	hs.fake.Send("events_api", "env-2", 0, json.RawMessage(fixture(t, "events/message_im_nn.json")))
	if p := hs.fake.NextPost(t); !strings.Contains(p.SectionText(), "Søkjaren") {
		t.Errorf("the adapter did not recover: %q", p.SectionText())
	}
	if !strings.Contains(hs.logs.String(), "slack handler panicked") {
		t.Error("the panic was not logged")
	}
}

func TestEventsAreAcknowledgedBeforeTheyAreAnswered(t *testing.T) {
	release := make(chan struct{})
	real := newBot(t, nil)
	slow := handlerFunc(func(ctx context.Context, req bot.Request) bot.Reply {
		<-release // a slow answer: Slack must not wait for it
		return real.Handle(ctx, req)
	})

	t.Run("http", func(t *testing.T) {
		hs := start(t, HTTPMode, slow)
		began := time.Now()
		status, _ := do(t, hs.signedRequest(t, "/slack/events", "application/json", fixture(t, "events/app_mention.json"), testNow))
		took := time.Since(began)
		if status != 200 || took > time.Second {
			t.Errorf("status %d after %s: want 200 well within Slack's 3 s while the answer is pending", status, took)
		}
		t.Logf("HTTP acknowledgement took %s", took)
		release <- struct{}{}
		hs.fake.NextPost(t)
	})
	t.Run("socket mode", func(t *testing.T) {
		hs := start(t, SocketMode, slow)
		began := time.Now()
		hs.fake.Send("events_api", "env-slow", 0, json.RawMessage(fixture(t, "events/app_mention.json")))
		hs.fake.WaitAck(t) // while the handler still blocks
		t.Logf("Socket Mode acknowledgement took %s", time.Since(began))
		release <- struct{}{}
		hs.fake.NextPost(t)
	})
}

func TestReplyWaitsOutRateLimitOnce(t *testing.T) {
	hs := start(t, SocketMode, newBot(t, nil))
	hs.fake.Fail("D1", slackfake.Failure{Status: 429, RetryAfter: "1", Once: true})
	began := time.Now()
	hs.fake.Send("events_api", "env-1", 0, json.RawMessage(fixture(t, "events/message_im_nn.json")))
	p := hs.fake.NextPost(t)
	if took := time.Since(began); p.Channel != "D1" || took < time.Second {
		t.Errorf("posted to %s after %s: want D1 after the 1 s Slack asked for", p.Channel, took)
	}
}

func TestRemovedFromChannelAnswersThroughResponseURL(t *testing.T) {
	hs := start(t, SocketMode, newBot(t, nil))
	hs.fake.Fail("C1", slackfake.Failure{Code: "not_in_channel"})
	var click map[string]any
	if err := json.Unmarshal(fixture(t, "interactions/block_actions_subscribe.json"), &click); err != nil {
		t.Fatal(err)
	}
	click["response_url"] = hs.fake.HookURL()
	click["actions"].([]any)[0].(map[string]any)["action_id"] = "fundbot_topic_0"
	click["actions"].([]any)[0].(map[string]any)["value"] = "deadline"
	hs.fake.Send("interactive", "env-1", 0, click)
	if p := hs.fake.NextPost(t); p.Via != "response_url" || p.ResponseType != "ephemeral" {
		t.Errorf("answered via %s as %q, want an ephemeral response_url message", p.Via, p.ResponseType)
	}
}

func TestURLVerificationChallenge(t *testing.T) {
	hs := start(t, HTTPMode, newBot(t, nil))
	status, body := do(t, hs.signedRequest(t, "/slack/events", "application/json", fixture(t, "events/url_verification.json"), testNow))
	var got struct{ Challenge string }
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || got.Challenge != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("status %d body %q, want 200 and the challenge", status, body)
	}
}

func TestUnsignedOrStaleRequestsAreRejected(t *testing.T) {
	rec := newRecorder(newBot(t, nil))
	hs := start(t, HTTPMode, rec)
	event := fixture(t, "events/app_mention.json")
	command := []byte(url.Values{"command": {"/fundbot"}, "text": {"frist"}, "channel_id": {"C1"}, "user_id": {"U1"}, "response_url": {hs.fake.HookURL()}}.Encode())
	click := []byte(url.Values{"payload": {string(fixture(t, "interactions/block_actions_subscribe.json"))}}.Encode())

	tests := []struct {
		name   string
		mutate func(h http.Header)
		at     time.Time
	}{
		{"no signature", func(h http.Header) { h.Del("X-Slack-Signature") }, testNow},
		{"no timestamp", func(h http.Header) { h.Del("X-Slack-Request-Timestamp") }, testNow},
		{"wrong secret", func(h http.Header) {
			h.Set("X-Slack-Signature", sign([]byte("not-the-secret"), h.Get("X-Slack-Request-Timestamp"), event))
		}, testNow},
		{"tampered signature", func(h http.Header) { h.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64)) }, testNow},
		{"v1 scheme", func(h http.Header) { h.Set("X-Slack-Signature", "v1"+h.Get("X-Slack-Signature")[2:]) }, testNow},
		{"six minutes old", nil, testNow.Add(-6 * time.Minute)},
		{"six minutes ahead", nil, testNow.Add(6 * time.Minute)},
		{"timestamp not a number", func(h http.Header) { h.Set("X-Slack-Request-Timestamp", "yesterday") }, testNow},
	}
	endpoints := []struct {
		path, contentType string
		body              []byte
	}{
		{"/slack/events", "application/json", event},
		{"/slack/commands", "application/x-www-form-urlencoded", command},
		{"/slack/interactivity", "application/x-www-form-urlencoded", click},
	}
	for _, ep := range endpoints {
		for _, tt := range tests {
			t.Run(ep.path+"/"+tt.name, func(t *testing.T) {
				req := hs.signedRequest(t, ep.path, ep.contentType, ep.body, tt.at)
				if tt.mutate != nil {
					tt.mutate(req.Header)
				}
				if status, _ := do(t, req); status != 401 {
					t.Errorf("status %d, want 401", status)
				}
			})
		}
	}
	t.Run("body changed after signing", func(t *testing.T) {
		req := hs.signedRequest(t, "/slack/events", "application/json", event, testNow)
		sig := req.Header.Get("X-Slack-Signature")
		req = hs.signedRequest(t, "/slack/events", "application/json", []byte(strings.Replace(string(event), "U1", "U2", 1)), testNow)
		req.Header.Set("X-Slack-Signature", sig)
		if status, _ := do(t, req); status != 401 {
			t.Errorf("status %d, want 401", status)
		}
	})
	t.Run("four minutes old is accepted", func(t *testing.T) {
		if status, _ := do(t, hs.signedRequest(t, "/slack/events", "application/json", event, testNow.Add(-4*time.Minute))); status != 200 {
			t.Errorf("status %d, want 200", status)
		}
		rec.next(t)
		hs.fake.NextPost(t)
	})
	select {
	case ex := <-rec.seen:
		t.Errorf("a rejected request reached the bot: %+v", ex.req)
	default:
	}
}
