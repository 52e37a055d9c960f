package telegram

import (
	"context"
	"fmt"
	"html"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
)

func TestAnswersQuestionsInBokmalNynorskAndEnglish(t *testing.T) {
	f := telegramfake.New(t)
	kb, _ := embedded(t)
	start(t, f, realBot(t, nil, fixed(sept1)), setup{})
	cases := []struct {
		chat  int64
		from  telegramfake.User
		q     string
		lang  knowledge.Lang
		label string
	}{
		{1001, kari, "Hvem kan søke?", knowledge.NB, "Kilde"},
		{1002, olav, "Kven kan søkje?", knowledge.NN, "Kjelde"},
		{1003, emma, "Who can apply?", knowledge.EN, "Source"},
	}
	for _, c := range cases {
		f.Push(telegramfake.TextUpdate(c.chat, "private", c.from, c.q))
	}
	others := map[int64][]telegramfake.Message{}
	for _, c := range cases {
		t.Run(string(c.lang), func(t *testing.T) {
			m := nextTo(t, f, c.chat, others)
			if m.ParseMode != "HTML" {
				t.Errorf("parse mode %q, want HTML", m.ParseMode)
			}
			answer := kb.Topic("who_can_apply").Answer.Get(c.lang)
			first, _, _ := strings.Cut(answer, "\n")
			if !strings.HasPrefix(m.Text, html.EscapeString(first)) {
				t.Errorf("reply does not start with the %s answer:\n%s", c.lang, m.Text)
			}
			if !strings.Contains(m.Text, "<b>"+c.label+":</b> <a href=\"https://www.forskningsradet.no/") {
				t.Errorf("no %q source link:\n%s", c.label, m.Text)
			}
			if !strings.Contains(m.Text, "2022)") {
				t.Errorf("no as-of date:\n%s", m.Text)
			}
			if _, ok := m.Data("t:" + string(c.lang) + ":"); !ok {
				t.Errorf("no suggestion buttons in %s: %v", c.lang, m.Buttons())
			}
		})
	}
	menus := f.Commands()
	for _, code := range []string{"", "nb", "en"} {
		if _, ok := menus[code]; !ok {
			t.Errorf("no command menu for language_code %q", code)
		}
	}
	if !strings.Contains(menus["en"], `"unsubscribe"`) || !strings.Contains(menus["nb"], `"abonner"`) || !strings.Contains(menus[""], `"frist"`) {
		t.Errorf("menus: %v", menus)
	}
}

// echo answers with what the adapter made of the message.
func echo(_ context.Context, req bot.Request) bot.Reply {
	return bot.Reply{Lang: knowledge.NB, Answer: fmt.Sprintf("text=%q topic=%q lang=%q chat=%s conv=%s", req.Text, req.Topic, req.Lang, req.Chat, req.Conversation)}
}

func TestGroupAnswersOnlyCommandsMentionsAndReplies(t *testing.T) {
	f := telegramfake.New(t)
	start(t, f, handlerFunc(echo), setup{})
	const group = -100123
	f.Push(telegramfake.TextUpdate(group, "supergroup", kari, "Hvem kan søke?"))
	f.Push(telegramfake.TextUpdate(group, "supergroup", kari, "/frist@some_other_bot"))
	f.Push(telegramfake.TextUpdate(group, "supergroup", kari, "Hei @somebody, se her"))
	mention := telegramfake.TextUpdate(group, "supergroup", kari, "@FundBot_Test_Bot hvem kan søke?")
	f.Push(mention)
	f.Push(telegramfake.ReplyUpdate(group, "supergroup", nils, "og hva dekkes?"))
	f.Push(telegramfake.TextUpdate(group, "supergroup", kari, "/frist"))
	f.Push(telegramfake.TextUpdate(group, "supergroup", emma, "/deadline@fundbot_test_bot"))

	want := []string{
		`text="hvem kan søke?" topic="" lang=""`,
		`text="og hva dekkes?" topic="" lang=""`,
		`text="/frist" topic="deadline" lang=""`,
		`text="/deadline@fundbot_test_bot" topic="deadline" lang="en"`,
	}
	for i, w := range want {
		m := next(t, f)
		if !strings.Contains(m.Text, html.EscapeString(w)) || !strings.Contains(m.Text, "conv=telegram:-100123") {
			t.Errorf("message %d:\n%s\nwant %s", i+1, m.Text, w)
		}
		if m.ReplyTo == 0 {
			t.Errorf("message %d does not reply to the message it answers", i+1)
		}
		if i == 0 && m.ReplyTo != mention["message"].(map[string]any)["message_id"] {
			t.Errorf("first answer replies to %d, want the mention", m.ReplyTo)
		}
	}
}

func TestLongAnswerArrivesInTwoMessages(t *testing.T) {
	f := telegramfake.New(t)
	var paras []string
	for i := range 3 {
		p := fmt.Sprintf("Del %d: kostnader <b>&</b> ", i+1)
		paras = append(paras, p+strings.Repeat("x", 2000-len(p)))
	}
	answer := strings.Join(paras, "\n\n")
	if len(answer) < 6000 {
		t.Fatalf("answer is %d characters", len(answer))
	}
	start(t, f, handlerFunc(func(context.Context, bot.Request) bot.Reply {
		return bot.Reply{Lang: knowledge.NB, Answer: answer, Intent: "costs_covered",
			Sources:     []knowledge.Source{{Title: `Forskningsrådet "R&D"`, URL: "https://example.org/?a=1&b=2", AsOf: "2022-09-24"}},
			Suggestions: []bot.Suggestion{{Topic: "who_can_apply", Text: "Hvem kan søke?"}}}
	}), setup{})
	f.Push(telegramfake.TextUpdate(4001, "private", kari, "Hva dekkes?"))

	first, second := next(t, f), next(t, f)
	if first.Text != html.EscapeString(paras[0])+"\n\n"+html.EscapeString(paras[1]) {
		t.Errorf("first message is not the first two paragraphs (%d characters)", len(first.Text))
	}
	if !strings.HasPrefix(second.Text, html.EscapeString(paras[2])+"\n\n<b>Kilde:</b> "+
		`<a href="https://example.org/?a=1&amp;b=2">Forskningsrådet &#34;R&amp;D&#34;</a> (per 24. september 2022)`) {
		t.Errorf("second message:\n%s", second.Text)
	}
	if len(first.Keyboard) != 0 || len(second.Keyboard) == 0 {
		t.Errorf("keyboard must be under the last message only: %v / %v", first.Buttons(), second.Buttons())
	}
	noMore(t, f, "a third message")
}

func TestReplyWaitsOutRetryAfter(t *testing.T) {
	f := telegramfake.New(t)
	f.Script("sendMessage", telegramfake.APIError(429, "Too Many Requests: retry after 7", 7))
	h := start(t, f, handlerFunc(echo), setup{})
	f.Push(telegramfake.TextUpdate(4101, "private", kari, "hei"))
	m := next(t, f)
	if !strings.Contains(m.Text, "hei") {
		t.Errorf("reply: %s", m.Text)
	}
	select {
	case d := <-h.sleeps:
		if d != 7*time.Second {
			t.Errorf("waited %s, want retry_after 7s", d)
		}
	default:
		t.Error("the reply did not wait for retry_after")
	}
	if n := f.Count("sendMessage"); n != 2 {
		t.Errorf("sendMessage called %d times, want 2", n)
	}
}

func TestOffsetSurvivesRestart(t *testing.T) {
	f := telegramfake.New(t)
	path := filepath.Join(t.TempDir(), "telegram-offset")
	h1 := start(t, f, handlerFunc(echo), setup{opts: []Option{WithOffsets(&FileOffsets{Path: path})}})
	f.Push(telegramfake.TextUpdate(5001, "private", kari, "første"))
	f.Push(telegramfake.TextUpdate(5002, "private", olav, "andre"))
	last := f.Push(telegramfake.TextUpdate(5001, "private", kari, "tredje"))
	for range 3 {
		next(t, f)
	}
	awaitPoll(t, f, last+1) // all three handled and confirmed
	if err := h1.stop(t); err != nil {
		t.Fatal(err)
	}
	saved, err := (&FileOffsets{Path: path}).Load(context.Background(), botID)
	if err != nil || saved != last+1 {
		t.Fatalf("saved offset %d, %v; want %d", saved, err, last+1)
	}

	polls := len(f.Offsets())
	start(t, f, handlerFunc(echo), setup{opts: []Option{WithOffsets(&FileOffsets{Path: path})}})
	fourth := f.Push(telegramfake.TextUpdate(5002, "private", olav, "fjerde"))
	if m := next(t, f); !strings.Contains(m.Text, "fjerde") {
		t.Errorf("after the restart the bot answered %q first", m.Text)
	}
	awaitPoll(t, f, fourth+1)
	noMore(t, f, "an update was answered twice")
	firstPoll := f.Offsets()[polls]
	if firstPoll != last+1 {
		t.Errorf("the restarted bot first polled from %d, want %d", firstPoll, last+1)
	}
}

func TestShutdownFinishesUpdatesInFlight(t *testing.T) {
	f := telegramfake.New(t)
	offsets := &MemoryOffsets{}
	entered, release := make(chan struct{}), make(chan struct{})
	h := start(t, f, handlerFunc(func(ctx context.Context, req bot.Request) bot.Reply {
		close(entered)
		<-release
		return echo(ctx, req)
	}), setup{opts: []Option{WithOffsets(offsets)}})
	id := f.Push(telegramfake.TextUpdate(5101, "private", kari, "sakte svar"))
	<-entered
	h.cancel() // stop while the answer is being written
	close(release)
	if err := h.stop(t); err != nil {
		t.Fatal(err)
	}
	if m := next(t, f); !strings.Contains(m.Text, "sakte svar") {
		t.Errorf("reply: %s", m.Text)
	}
	if got, _ := offsets.Load(context.Background(), botID); got != id+1 {
		t.Errorf("saved offset %d, want %d", got, id+1)
	}
}

func TestUpdateCutShortAtShutdownIsKeptForNextStart(t *testing.T) {
	f := telegramfake.New(t)
	offsets := &MemoryOffsets{}
	entered := make(chan struct{})
	h := start(t, f, handlerFunc(func(ctx context.Context, req bot.Request) bot.Reply {
		close(entered)
		<-ctx.Done() // longer than the shutdown grace
		return echo(ctx, req)
	}), setup{cfg: func(c *Config) { c.ShutdownGrace = time.Millisecond }, opts: []Option{WithOffsets(offsets)}})
	id := f.Push(telegramfake.TextUpdate(5201, "private", kari, "for sent"))
	<-entered
	if err := h.stop(t); err != nil {
		t.Fatal(err)
	}
	if got, _ := offsets.Load(context.Background(), botID); got != id {
		t.Errorf("saved offset %d, want %d: the unanswered update must come again", got, id)
	}
}

func TestPanicInOneChatDoesNotStopOthers(t *testing.T) {
	f := telegramfake.New(t)
	h := start(t, f, handlerFunc(func(ctx context.Context, req bot.Request) bot.Reply {
		if req.Text == "boom" {
			panic("handler failed while calling https://api.telegram.org/bot" + testToken + "/sendMessage")
		}
		return echo(ctx, req)
	}), setup{})
	f.Push(telegramfake.TextUpdate(6001, "private", kari, "boom"))
	f.Push(telegramfake.TextUpdate(6002, "private", emma, "hello"))
	f.Push(telegramfake.TextUpdate(6001, "private", kari, "again"))
	others := map[int64][]telegramfake.Message{}
	if m := nextTo(t, f, 6001, others); !strings.Contains(m.Text, "Beklager") {
		t.Errorf("after the panic the user got %q, want an apology", m.Text)
	}
	if m := nextTo(t, f, 6002, others); !strings.Contains(m.Text, "hello") {
		t.Errorf("other chat got %q", m.Text)
	}
	if m := nextTo(t, f, 6001, others); !strings.Contains(m.Text, "again") {
		t.Errorf("the same chat's next message got %q", m.Text)
	}
	if !strings.Contains(h.logs.String(), "panicked") {
		t.Error("the panic was not logged")
	}
}

func TestMalformedUpdateIsSkipped(t *testing.T) {
	f := telegramfake.New(t)
	h := start(t, f, handlerFunc(echo), setup{})
	f.PushRaw(`{"update_id":900,"message":{"message_id":"not a number","chat":7}}`, 900)
	f.PushRaw(`{"message":{"text":"no update id"}}`, 901)
	f.Push(telegramfake.TextUpdate(7001, "private", kari, "etterpå"))
	if m := next(t, f); !strings.Contains(m.Text, "etterpå") {
		t.Errorf("reply: %s", m.Text)
	}
	if !strings.Contains(h.logs.String(), "malformed update skipped") {
		t.Error("the malformed update was not logged")
	}
}

func TestStartupWaitsForTelegram(t *testing.T) {
	f := telegramfake.New(t)
	f.Script("getMe", telegramfake.Answer{Status: 502, Body: "<html>502 Bad Gateway</html>"}, telegramfake.Answer{Hijack: true})
	h := start(t, f, handlerFunc(echo), setup{})
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		select {
		case d := <-h.sleeps:
			if d != want {
				t.Errorf("wait %d: %s, want %s", i+1, d, want)
			}
		case <-time.After(wait):
			t.Fatal("no retry of getMe")
		}
	}
	f.Push(telegramfake.TextUpdate(8001, "private", kari, "er du der?"))
	if m := next(t, f); !strings.Contains(m.Text, "er du der?") {
		t.Errorf("reply: %s", m.Text)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "Telegram unreachable") || !strings.Contains(logs, "/bot<token>/getMe") {
		t.Error("the failed start was not logged, or not with the URL scrubbed")
	}
}

func TestRefusedTokenEndsRun(t *testing.T) {
	f := telegramfake.New(t)
	const other = "987654321:AAOtherTokenNotKnownToTheFake_xyz"
	log, buf := testLogger(t)
	b, err := New(Config{Token: other, APIURL: f.URL()}, handlerFunc(echo), WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	err = b.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") {
		t.Fatalf("Run: %v, want an error naming TELEGRAM_BOT_TOKEN", err)
	}
	if strings.Contains(err.Error(), "OtherToken") || strings.Contains(buf.String(), "OtherToken") {
		t.Errorf("the token leaked: %v\n%s", err, buf.String())
	}
}

func TestSlowChatDoesNotHoldOthersAndKeepsItsOrder(t *testing.T) {
	f := telegramfake.New(t)
	release := make(chan struct{})
	start(t, f, handlerFunc(func(ctx context.Context, req bot.Request) bot.Reply {
		if req.Text == "sakte" {
			<-release
		}
		return echo(ctx, req)
	}), setup{})
	f.Push(telegramfake.TextUpdate(9101, "private", kari, "sakte"))
	f.Push(telegramfake.TextUpdate(9101, "private", kari, "etter sakte"))
	f.Push(telegramfake.TextUpdate(9102, "private", emma, "fast"))
	if m := next(t, f); m.ChatID != 9102 {
		t.Fatalf("first answer went to %d, want the other chat while 9101 is busy", m.ChatID)
	}
	close(release)
	for _, want := range []string{"sakte", "etter sakte"} {
		if m := next(t, f); m.ChatID != 9101 || !strings.Contains(m.Text, html.EscapeString(`text="`+want+`"`)) {
			t.Errorf("got %q to %d, want %q: one chat's messages are answered in order", m.Text, m.ChatID, want)
		}
	}
}

func TestPollingSurvivesConflictAndThrottling(t *testing.T) {
	f := telegramfake.New(t)
	f.Script("getUpdates",
		telegramfake.APIError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", 0),
		telegramfake.APIError(429, "Too Many Requests: retry after 5", 5))
	h := start(t, f, handlerFunc(echo), setup{})
	for _, want := range []time.Duration{time.Second, 5 * time.Second} {
		select {
		case d := <-h.sleeps:
			if d != want {
				t.Errorf("waited %s, want %s", d, want)
			}
		case <-time.After(wait):
			t.Fatal("getUpdates was not retried")
		}
	}
	f.Push(telegramfake.TextUpdate(9201, "private", kari, "fortsatt her?"))
	if m := next(t, f); !strings.Contains(m.Text, "fortsatt her?") {
		t.Errorf("reply: %s", m.Text)
	}
	if !strings.Contains(h.logs.String(), "another process polls this token") {
		t.Error("the conflict was not logged as such")
	}
}
