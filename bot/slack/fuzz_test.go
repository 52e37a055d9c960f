package slack

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/subscription"
)

// addFixtures seeds a fuzz target with every file in testdata/dir.
func addFixtures(f *testing.F, dir string, wrap func([]byte) []byte) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata/%s: %v", dir, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wrap(b))
	}
}

// checkJob holds for every request the adapter passes on: ids that make
// valid subscriber keys, and a destination Slack accepts.
func checkJob(t *testing.T, j job) {
	t.Helper()
	p, chat, ok := subscription.FromConversation(j.req.Chat)
	if !ok {
		t.Errorf("chat %q is not a subscriber key", j.req.Chat)
	}
	// Commands that key subscriptions on the conversation reach the same subscriber.
	if p2, chat2, ok := subscription.FromConversation(j.req.Conversation); !ok || p2 != p || chat2 != chat {
		t.Errorf("conversation %q and chat %q name different subscribers", j.req.Conversation, j.req.Chat)
	}
	if !strings.HasPrefix(j.req.Conversation, "slack:") {
		t.Errorf("conversation %q", j.req.Conversation)
	}
	if !slackID.MatchString(j.to.channel) {
		t.Errorf("channel %q", j.to.channel)
	}
	if j.to.thread != "" && !timestamp.MatchString(j.to.thread) {
		t.Errorf("thread %q", j.to.thread)
	}
	if j.to.responseType != "" && checkResponseURL(j.to.responseURL) != nil {
		t.Errorf("response_url %q", j.to.responseURL)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	addFixtures(f, "events", func(b []byte) []byte { return b })
	f.Add([]byte(`{"type":"event_callback","event":{"type":"app_mention","user":"U1","text":"<@UBOT","ts":"1.2","channel":"C1"}}`))
	f.Add([]byte(`{"type":"event_callback","event":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		j, ok, err := decodeEvent(body, self)
		if err != nil && ok {
			t.Fatal("ok with an error")
		}
		if !ok {
			return
		}
		checkJob(t, j)
		if j.req.Chat == "slack:UBOT" {
			t.Error("answering the bot's own message")
		}
	})
}

func FuzzDecodeInteraction(f *testing.F) {
	addFixtures(f, "interactions", func(b []byte) []byte {
		return []byte(url.Values{"payload": {string(b)}}.Encode())
	})
	f.Add([]byte("payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%7B%22block_id%22%3A1%7D%5D%7D"))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := decodeInteraction(body)
		if err != nil {
			return
		}
		if j, ok, err := decodeAction(cb); ok && err == nil {
			checkJob(t, j)
		}
	})
}

func FuzzDecodeCommand(f *testing.F) {
	f.Add("command=%2Ffundbot&text=abonner+14+3+1&channel_id=C1&user_id=U1&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2Fx&trigger_id=1")
	f.Add("command=%2Ffundbot&text=%3C%21channel%3E+frist&channel_id=D1&user_id=U1&response_url=http%3A%2F%2F127.0.0.1%2Fh")
	f.Add("text=help&channel_id=C1&user_id=U1&response_url=javascript%3Ax")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		j, err := decodeCommand(slashCommand(form))
		if err != nil {
			return
		}
		checkJob(t, j)
		if strings.ContainsAny(j.usage, "<>|") {
			t.Errorf("usage %q carries markup", j.usage)
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte(docSecret), docTimestamp, []byte(docBody), docSignature)
	f.Add([]byte("s"), "1772442000", []byte(`{"type":"event_callback"}`), "v0=")
	f.Add([]byte("s"), "99999999999999999999", []byte{}, "")
	f.Fuzz(func(t *testing.T, secret []byte, ts string, body []byte, sig string) {
		sec, err := strconv.ParseInt(ts, 10, 64)
		now := time.Unix(sec, 0)
		if err != nil || sec <= 0 {
			now = testNow
		}
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", sig)
		got := verifySignature(secret, h, body, now)
		valid := len(secret) > 0 && err == nil && sec > 0 && strings.TrimSpace(ts) == ts && ts != ""
		good := sign(secret, ts, body)
		switch {
		case got == nil && (!valid || sig != good):
			t.Fatalf("accepted signature %q for ts %q", sig, ts)
		case valid && sig == good && got != nil:
			t.Fatalf("rejected the right signature: %v", got)
		}
		// The right signature passes, and any other fails.
		h.Set("X-Slack-Signature", good)
		if valid && verifySignature(secret, h, body, now) != nil {
			t.Fatal("rejected the right signature")
		}
		h.Set("X-Slack-Signature", good[:len(good)-1]+"x")
		if verifySignature(secret, h, body, now) == nil {
			t.Fatal("accepted a wrong signature")
		}
	})
}

func FuzzMrkdwn(f *testing.F) {
	for _, s := range []string{"<!channel> hei", "@here & <@U1|kari>", "https://x.org/?a=<b>&c", "&lt;!here&gt;", "https://a.b/@channel", "😀<", "a&b&amp;c&lt;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, in := range []string{s, plainText(s, "UBOT")} {
			out := mrkdwn(in)
			for i := 0; i < len(out); i++ {
				if out[i] == '<' && !strings.HasPrefix(out[i:], "<http") {
					t.Fatalf("mrkdwn(%q) = %q: markup other than a link", in, out)
				}
			}
			if m := broadcast.FindString(out); m != "" {
				t.Fatalf("mrkdwn(%q) = %q: live %s", in, out, m)
			}
			for _, part := range split(out, maxSectionText) {
				if utf16Len(part) > maxSectionText {
					t.Fatalf("a part of %d characters", utf16Len(part))
				}
			}
		}
	})
}
