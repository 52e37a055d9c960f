package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// Hostile and odd messages through the HTTP Events API endpoint, against the
// fake Slack. (Forged signatures and stale timestamps: TestUnsignedOrStaleRequestsAreRejected;
// <!channel> and @everyone: TestBroadcastsInAQuestionAreNotEchoedLive.)

// dmEvent is a direct message from user as Slack posts it; text is in Slack's markup.
func dmEvent(t *testing.T, id int, user, text string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": fmt.Sprintf("EvH%06d", id), "event_time": testNow.Unix(),
		"event": map[string]any{"type": "message", "channel_type": "im", "user": user, "channel": "D" + user,
			"text": text, "ts": fmt.Sprintf("1772442400.%06d", id)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postEvent posts a signed event, again while the adapter says it is busy, as Slack retries.
func postEvent(t *testing.T, hs *harness, body []byte) {
	t.Helper()
	for range 100 {
		status, _ := do(t, hs.signedRequest(t, "/slack/events", "application/json", body, testNow))
		switch status {
		case 200:
			return
		case 503:
			time.Sleep(10 * time.Millisecond) // Slack's own retry comes later still
		default:
			t.Fatalf("status %d", status)
		}
	}
	t.Fatal("the adapter stayed busy")
}

func TestTypedMarkupInSlackIsShownNotRendered(t *testing.T) {
	echo := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		return bot.Reply{Lang: knowledge.NB, Answer: "Du skrev: " + req.Text}
	})
	hs := start(t, HTTPMode, echo)
	// As Slack sends them: what the user typed has & < > escaped; a link they
	// pasted with a label arrives as <url|label>.
	typed := "&lt;script&gt;alert(1)&lt;/script&gt; *fet* _kursiv_ &lt;https://evil.example|klikk&gt; &lt;!channel&gt; &lt;@U0ADMIN&gt; @everyone"
	postEvent(t, hs, dmEvent(t, 1, "U1", typed))
	p := hs.fake.NextPost(t)
	assertInert(t, p)
	text := p.SectionText()
	for _, want := range []string{"&lt;script&gt;", "&lt;!channel&gt;", "&lt;@U0ADMIN&gt;"} {
		if !strings.Contains(text, want) {
			t.Errorf("the user should see %q as typed: %q", want, text)
		}
	}
	if strings.Contains(text, "|klikk>") {
		t.Errorf("a labelled link (its address hidden behind a word) formed from user text: %q", text)
	}

	postEvent(t, hs, dmEvent(t, 2, "U2", "se <https://evil.example/login|Forskningsrådet> og svar"))
	if text := hs.fake.NextPost(t).SectionText(); strings.Contains(text, "evil.example") {
		t.Errorf("the hidden address of a pasted link came back: %q", text)
	}
}

func TestHugeSlackMessageIsAnsweredQuickly(t *testing.T) {
	hs := start(t, HTTPMode, newBot(t, nil))
	for i, text := range []string{
		strings.Repeat("hvem kan søke? ", 7000), // 100 KB: over Slack's 40,000 characters, under the endpoint's 1 MiB
		strings.Repeat("qwertyuiop", 10_000),
	} {
		began := time.Now()
		postEvent(t, hs, dmEvent(t, 10+i, fmt.Sprintf("U%d", 10+i), text))
		p := hs.fake.NextPost(t)
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("answered in %v", took)
		}
		if len(p.SectionText()) == 0 || len(p.Raw) > 10_000 {
			t.Errorf("reply of %d bytes", len(p.Raw))
		}
	}
}

func TestOneSlackUserFloodingIsThrottledWhileOthersAreAnswered(t *testing.T) {
	hs := start(t, HTTPMode, newBot(t, nil)) // the bot's clock stands still: no token comes back
	for i := range 100 {
		postEvent(t, hs, dmEvent(t, 100+i, "UFLOOD", "hvem kan søke?"))
	}
	postEvent(t, hs, dmEvent(t, 300, "UOTHER", "kven kan søkje?"))
	if err := hs.stop(t); err != nil { // every reply in progress is delivered first
		t.Fatal(err)
	}
	var answers, slowDown, other int
	for {
		p, ok := hs.fake.TryNext()
		if !ok {
			break
		}
		switch {
		case p.Channel == "DUOTHER":
			other++
		case strings.Contains(p.SectionText(), "Du sender mange meldinger"):
			slowDown++
		default:
			answers++
		}
	}
	if answers != 10 || slowDown != 1 || other != 1 {
		t.Errorf("flooding user: %d answers and %d slow-down messages (want 10 and 1); other user: %d answers (want 1)", answers, slowDown, other)
	}
}

func TestOneConversationIsAnsweredInOrderWithoutHoldingUpOthers(t *testing.T) {
	release := make(chan struct{})
	h := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		if req.Text == "første, treg" {
			<-release
		}
		return bot.Reply{Lang: knowledge.NB, Answer: "svar på " + req.Text}
	})
	hs := start(t, HTTPMode, h)
	postEvent(t, hs, dmEvent(t, 1, "U1", "første, treg"))
	postEvent(t, hs, dmEvent(t, 2, "U1", "andre"))
	postEvent(t, hs, dmEvent(t, 3, "U2", "fra en annen"))
	if p := hs.fake.NextPost(t); !strings.Contains(p.Text, "fra en annen") {
		t.Fatalf("first reply %q, want the other conversation's while U1's first question is slow", p.Text)
	}
	close(release)
	for _, want := range []string{"første, treg", "andre"} {
		if p := hs.fake.NextPost(t); !strings.Contains(p.Text, want) {
			t.Errorf("reply %q, want the answer to %q: a conversation is answered in the order asked", p.Text, want)
		}
	}
}

func TestTooManyQueuedRequestsAreLeftForSlackToRetry(t *testing.T) {
	release := make(chan struct{})
	h := handlerFunc(func(_ context.Context, req bot.Request) bot.Reply {
		<-release
		return bot.Reply{Lang: knowledge.NB, Answer: "svar på " + req.Text}
	})
	hs := start(t, HTTPMode, h)
	hs.a.cfg.MaxQueued = 3 // before the first request: nothing reads it yet
	for i := range 3 {
		postEvent(t, hs, dmEvent(t, 10+i, fmt.Sprintf("U%d", i), "spørsmål"))
	}
	status, _ := do(t, hs.signedRequest(t, "/slack/events", "application/json", dmEvent(t, 20, "U9", "ett til"), testNow))
	if status != 503 {
		t.Errorf("status %d with the queue full, want 503 so that Slack retries", status)
	}
	close(release)
	for range 3 {
		hs.fake.NextPost(t)
	}
	postEvent(t, hs, dmEvent(t, 20, "U9", "ett til")) // Slack's retry, once there is room, is answered
	if p := hs.fake.NextPost(t); p.Channel != "DU9" {
		t.Errorf("the retry was answered in %q", p.Channel)
	}
}
