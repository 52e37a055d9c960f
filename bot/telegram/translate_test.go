package telegram

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
)

var testSelf = tgbotapi.User{ID: botID, IsBot: true, FirstName: "Fundbot", UserName: botName}

func readUpdate(t *testing.T, name string) tgbotapi.Update {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "updates", name))
	if err != nil {
		t.Fatal(err)
	}
	u, err := DecodeUpdate(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return u
}

func TestTranslateRealUpdates(t *testing.T) {
	cases := []struct {
		file     string
		act      bool
		callback string
		req      bot.Request
		replyTo  int
	}{
		{file: "private_text.json", act: true, req: bot.Request{Conversation: "telegram:501", Chat: "telegram:501", Text: "Hvem kan søke?"}},
		{file: "private_command_args.json", act: true, req: bot.Request{Conversation: "telegram:501", Chat: "telegram:501", Text: "abonner 14 3 1"}},
		{file: "group_mention.json", act: true, replyTo: 7, req: bot.Request{Conversation: "telegram:-1001234567890", Chat: "telegram:-1001234567890", Text: "når er fristen?"}},
		{file: "group_command_other_bot.json"},
		{file: "group_reply_to_bot.json", act: true, replyTo: 9, req: bot.Request{Conversation: "telegram:-1001234567890", Chat: "telegram:-1001234567890", Text: "og hva dekkes?"}},
		{file: "callback_topic.json", act: true, callback: "4382bfdwdsb323b2d9", req: bot.Request{Conversation: "telegram:501", Chat: "telegram:501", Topic: "deadline", Lang: knowledge.NB}},
		{file: "callback_inline_message.json", callback: "4382bfdwdsb323b2da"},
		{file: "edited_message.json"},
		{file: "channel_post.json"},
		{file: "my_chat_member_blocked.json"},
		{file: "photo_without_text.json"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			in := translate(readUpdate(t, c.file), testSelf)
			if in.act != c.act || in.callback != c.callback || (c.act && in.replyTo != c.replyTo) {
				t.Fatalf("act=%v callback=%q replyTo=%d, want %v %q %d", in.act, in.callback, in.replyTo, c.act, c.callback, c.replyTo)
			}
			if c.act && in.req != c.req {
				t.Errorf("request %+v\nwant    %+v", in.req, c.req)
			}
		})
	}
}

func TestTranslateCommands(t *testing.T) {
	cases := []struct {
		text  string
		from  string // language_code
		topic string
		want  string
		lang  knowledge.Lang
		show  extras
	}{
		{text: "/start", from: "en", topic: "smalltalk_greeting", want: "/start", lang: knowledge.EN, show: extras{start: true, subscribe: true}},
		{text: "/start", from: "nn", topic: "smalltalk_greeting", want: "/start", lang: knowledge.NN, show: extras{start: true, subscribe: true}},
		{text: "/start", from: "de", topic: "smalltalk_greeting", want: "/start", show: extras{start: true, subscribe: true}},
		{text: "/help", from: "nb", topic: "help", want: "/help", lang: knowledge.NB},
		{text: "/frist", from: "en", topic: "deadline", want: "/frist", show: extras{subscribe: true}},
		{text: "/deadline", topic: "deadline", want: "/deadline", lang: knowledge.EN, show: extras{subscribe: true}},
		{text: "/abonner 14 3 1", want: "abonner 14 3 1"},
		{text: "/abonner@fundbot_test_bot  14,7", want: "abonner 14,7"},
		{text: "/subscribe 7", want: "abonner 7", lang: knowledge.EN},
		{text: "/stopp", want: "stopp"},
		{text: "/unsubscribe", want: "stopp", lang: knowledge.EN},
		{text: "/status", want: "status"},
		{text: "/sprak", want: "språk", show: extras{languages: true}},
		{text: "/sprak nn", want: "språk nn"},
		{text: "/language", want: "språk", lang: knowledge.EN, show: extras{languages: true}},
		{text: "/FRIST", topic: "deadline", want: "/FRIST", show: extras{subscribe: true}},
		{text: "/ukjent", topic: "help", want: "/ukjent"},
		{text: "/abonner\n14", want: "abonner 14"},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			u := decodeMap(t, telegramfake.TextUpdate(42, "private", telegramfake.User{ID: 1, Name: "A", Lang: c.from}, c.text))
			in := translate(u, testSelf)
			if !in.act || in.req.Topic != c.topic || in.req.Text != c.want || in.req.Lang != c.lang || in.show != c.show {
				t.Errorf("%q → act=%v topic=%q text=%q lang=%q show=%+v", c.text, in.act, in.req.Topic, in.req.Text, in.req.Lang, in.show)
			}
		})
	}
}

func TestTranslateGroups(t *testing.T) {
	cases := []struct {
		name string
		u    map[string]any
		act  bool
		text string
	}{
		{"plain text", telegramfake.TextUpdate(-5, "group", kari, "hvem kan søke?"), false, ""},
		{"a mention mid-sentence", telegramfake.TextUpdate(-5, "group", kari, "Kan @fundbot_test_bot svare: hva dekkes?"), true, "Kan svare: hva dekkes?"},
		{"a longer name is not a mention", telegramfake.TextUpdate(-5, "group", kari, "@fundbot_test_bot2 hei"), false, ""},
		{"only the mention", telegramfake.TextUpdate(-5, "group", kari, "@fundbot_test_bot"), true, ""},
		{"a reply to someone else", replyUpdateFrom(-5, kari, 99), false, ""},
		{"a reply to the bot", telegramfake.ReplyUpdate(-5, "group", kari, "takk!"), true, "takk!"},
		{"our command", telegramfake.TextUpdate(-5, "group", kari, "/status@fundbot_test_bot"), true, "status"},
		{"an unknown command", telegramfake.TextUpdate(-5, "group", kari, "/roll"), false, ""},
		{"a message from a bot", botMessage(-5), false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := translate(decodeMap(t, c.u), testSelf)
			if in.act != c.act || (c.act && in.req.Text != c.text) {
				t.Errorf("act=%v text=%q, want %v %q", in.act, in.req.Text, c.act, c.text)
			}
		})
	}
}

func TestTranslateCallbacks(t *testing.T) {
	cases := []struct {
		data  string
		act   bool
		topic string
		text  string
		lang  knowledge.Lang
	}{
		{"t:en:costs_covered", true, "costs_covered", "", knowledge.EN},
		{"t::deadline", true, "deadline", "", ""},
		{"c:nn:abonner", true, "", "abonner", knowledge.NN},
		{"c:en:språk en", true, "", "språk en", knowledge.EN},
		{"c:xx:abonner", false, "", "", ""},
		{"x:nb:abonner", false, "", "", ""},
		{"t:nb:", false, "", "", ""},
		{"garbage", false, "", "", ""},
		{"", false, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.data, func(t *testing.T) {
			in := translate(decodeMap(t, telegramfake.CallbackUpdate(77, kari, "q1", c.data)), testSelf)
			if in.callback != "q1" {
				t.Errorf("callback query %q is not answered", c.data)
			}
			if in.act != c.act || in.req.Topic != c.topic || in.req.Text != c.text || in.req.Lang != c.lang {
				t.Errorf("%q → act=%v topic=%q text=%q lang=%q", c.data, in.act, in.req.Topic, in.req.Text, in.req.Lang)
			}
			if c.act && in.req.Conversation != "telegram:77" {
				t.Errorf("conversation %q", in.req.Conversation)
			}
		})
	}
}

func decodeMap(t *testing.T, m map[string]any) tgbotapi.Update {
	t.Helper()
	if _, ok := m["update_id"]; !ok {
		m["update_id"] = 1
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	u, err := DecodeUpdate(b)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func replyUpdateFrom(chat int64, from telegramfake.User, authorID int64) map[string]any {
	u := telegramfake.TextUpdate(chat, "group", from, "enig")
	u["message"].(map[string]any)["reply_to_message"] = map[string]any{
		"message_id": 5, "date": 1, "chat": telegramfake.ChatJSON(chat, "group"), "text": "x",
		"from": map[string]any{"id": authorID, "is_bot": false, "first_name": "Per"},
	}
	return u
}

func botMessage(chat int64) map[string]any {
	u := telegramfake.TextUpdate(chat, "group", kari, "@fundbot_test_bot hei")
	u["message"].(map[string]any)["from"] = map[string]any{"id": 4242, "is_bot": true, "first_name": "Other"}
	return u
}
