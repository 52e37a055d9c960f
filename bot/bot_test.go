package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/insights"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

var (
	matcherOnce sync.Once
	sharedM     *match.Matcher
)

func testMatcher(t *testing.T) *match.Matcher {
	t.Helper()
	matcherOnce.Do(func() {
		kb, err := knowledge.Load(knowledge.Embedded())
		if err != nil {
			t.Fatalf("load kb: %v", err)
		}
		sharedM = match.New(kb)
	})
	return sharedM
}

// stepClock is a settable "now".
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newTestBot(t *testing.T, now time.Time) (*Bot, *stepClock) {
	t.Helper()
	clock := &stepClock{now: now}
	return New(testMatcher(t), Options{Clock: clock.Now}), clock
}

func osloAt(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", s, knowledge.Oslo())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func askBot(b *Bot, conv, text string) Reply {
	return b.Handle(context.Background(), Request{Conversation: conv, Text: text})
}

func TestDeadlineAnswerDependsOnToday(t *testing.T) {
	tests := []struct {
		now       string
		q         string
		want      []string
		forbidden []string
	}{
		{"2022-05-20 09:00", "Når er fristen?", []string{"21. september 2022", "124 dager"}, []string{"har gått ut"}},
		{"2022-09-20 18:00", "Når er fristen?", []string{"i morgen", "21. september 2022"}, nil},
		{"2022-09-21 10:00", "When is the deadline?", []string{"today", "21 September 2022"}, nil},
		{"2022-09-22 08:00", "Kva er fristen?", []string{"21. september 2022", "gått ut", "september"}, nil},
		{"2026-11-27 12:00", "When is the deadline?", []string{"21 September 2022", "has passed", "September", "spring"}, []string{"2026", "2027"}},
	}
	for _, tt := range tests {
		t.Run(tt.now, func(t *testing.T) {
			b, _ := newTestBot(t, osloAt(t, tt.now))
			r := askBot(b, "c", tt.q)
			if !r.Matched || r.Intent != "deadline" {
				t.Fatalf("intent %s matched %v", r.Intent, r.Matched)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Answer, w) {
					t.Errorf("answer lacks %q:\n%s", w, r.Answer)
				}
			}
			for _, f := range tt.forbidden {
				if strings.Contains(r.Answer, f) {
					t.Errorf("answer must not say %q (an unknown date or a passed deadline as open):\n%s", f, r.Answer)
				}
			}
		})
	}
}

func TestFollowUpUsesConversationContext(t *testing.T) {
	b, clock := newTestBot(t, osloAt(t, "2026-11-27 10:00"))
	if r := askBot(b, "alice", "Kan kommunen vår søke?"); r.Intent != "who_can_apply" {
		t.Fatalf("first question: %s", r.Intent)
	}
	if r := askBot(b, "alice", "og for fylkeskommuner?"); r.Intent != "who_can_apply" || !r.Matched {
		t.Errorf("follow-up should stay on who_can_apply, got %s (matched %v)", r.Intent, r.Matched)
	}
	if r := askBot(b, "alice", "hva med kostnader da?"); r.Intent != "costs_covered" {
		t.Errorf("a follow-up naming a new topic switches to it, got %s", r.Intent)
	}
	// Another conversation has its own context.
	if r := askBot(b, "bob", "og for fylkeskommuner?"); r.Intent == "costs_covered" {
		t.Errorf("context leaked between conversations")
	}
	// Context expires.
	askBot(b, "carol", "What costs are covered?")
	clock.Advance(2 * time.Hour)
	if got, ok := b.memory.get("carol", clock.Now()); ok {
		t.Errorf("context should have expired, still %+v", got)
	}
}

func TestShortMessageKeepsLanguageOfConversation(t *testing.T) {
	b, _ := newTestBot(t, osloAt(t, "2026-11-27 10:00"))
	if r := askBot(b, "en-user", "Who can apply?"); r.Lang != knowledge.EN {
		t.Fatalf("lang %s", r.Lang)
	}
	if r := askBot(b, "en-user", "frist?"); r.Lang != knowledge.EN {
		t.Errorf("a one-word message should keep the conversation's English, got %s", r.Lang)
	}
	if r := askBot(b, "new-user", "frist?"); r.Lang != knowledge.NB {
		t.Errorf("a new conversation defaults to bokmål, got %s", r.Lang)
	}
}

func TestFallbackIsHonestAndHelpful(t *testing.T) {
	b, _ := newTestBot(t, osloAt(t, "2026-11-27 10:00"))
	for _, q := range []string{"Hvor mye penger kan vi få?", "Hva er fristen for SkatteFUNN?", "Hvordan blir været i morgen?", "", "   "} {
		r := askBot(b, "x", q)
		if r.Matched {
			t.Errorf("%q must not get a confident answer (got %s)", q, r.Intent)
		}
		if r.Answer == "" || len(r.Sources) == 0 {
			t.Errorf("%q: a fallback says something and points to the source: %+v", q, r)
		}
		if len(r.Suggestions) == 0 || len(r.Suggestions) > 3 {
			t.Errorf("%q: want 1-3 suggestions, got %d", q, len(r.Suggestions))
		}
	}
	r := askBot(b, "x", "Hvor mye penger kan vi få?")
	for _, digit := range "0123456789" {
		if strings.ContainsRune(r.Answer, digit) {
			t.Errorf("the amount is unknown: the answer must not contain a number: %q", r.Answer)
		}
	}
}

func TestSuggestionButtonAnswersTopic(t *testing.T) {
	b, _ := newTestBot(t, osloAt(t, "2026-11-27 10:00"))
	r := b.Handle(context.Background(), Request{Conversation: "c", Topic: "themes", Lang: knowledge.NN})
	if r.Intent != "themes" || !r.Matched || r.Lang != knowledge.NN || !strings.Contains(r.Answer, "barnevern") {
		t.Errorf("topic button: %+v", r)
	}
}

func TestAnswersCarrySourcesNotInText(t *testing.T) {
	b, _ := newTestBot(t, osloAt(t, "2026-11-27 10:00"))
	r := askBot(b, "c", "Hva er definisjonen av offentlig sektor?")
	if r.Intent != "public_sector_definition" {
		t.Fatalf("intent %s", r.Intent)
	}
	var strategy bool
	for _, s := range r.Sources {
		if strings.Contains(s.URL, "strategi-for-innovasjon-i-offentlig-sektor") && s.AsOf == "2023-06" {
			strategy = true
		}
	}
	if !strategy {
		t.Errorf("the public-sector definition must cite the strategy page (2023-06): %+v", r.Sources)
	}
	if strings.Contains(r.Answer, "https://") {
		t.Errorf("URLs belong in Sources: %q", r.Answer)
	}
}

type stubCommander struct{ calls int }

func (f *stubCommander) Command(_ context.Context, req Request, lang knowledge.Lang) (Reply, bool) {
	if !strings.HasPrefix(req.Text, "abonner") {
		return Reply{}, false
	}
	f.calls++
	return Reply{Matched: true, Intent: "subscribe", Answer: "ok " + string(lang)}, true
}

func TestCommandsGoBeforeMatching(t *testing.T) {
	cmd := &stubCommander{}
	b := New(testMatcher(t), Options{Commands: cmd})
	if r := askBot(b, "c", "abonner 14 3 1"); r.Intent != "subscribe" || cmd.calls != 1 {
		t.Errorf("command not routed: %+v", r)
	}
	if r := askBot(b, "c", "Hvem kan søke?"); r.Intent != "who_can_apply" {
		t.Errorf("questions still reach the matcher: %s", r.Intent)
	}
}

func TestMemoryIsBounded(t *testing.T) {
	m := newMemory(time.Hour, 3)
	now := time.Now()
	for i, c := range []string{"a", "b", "c", "d", "e"} {
		m.put(c, turn{topic: "t"}, now.Add(time.Duration(i)*time.Second))
	}
	if len(m.last) > 3 {
		t.Errorf("memory holds %d conversations, cap is 3", len(m.last))
	}
	if _, ok := m.get("e", now.Add(5*time.Second)); !ok {
		t.Error("the newest conversation was evicted")
	}
}

type recorded struct {
	mu     sync.Mutex
	events []insights.Event
}

func (r *recorded) Record(e insights.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func TestRecorderSeesFallbackTextOnly(t *testing.T) {
	rec := &recorded{}
	b := New(testMatcher(t), Options{Recorder: rec})
	askBot(b, "u1", "Hvem kan søke?")
	askBot(b, "u1", "Hvor mye penger kan vi få?")
	if len(rec.events) != 2 {
		t.Fatalf("want 2 events, got %d", len(rec.events))
	}
	if e := rec.events[0]; !e.Matched || e.Intent != "who_can_apply" || e.Question != "" {
		t.Errorf("an answered question is counted without its text: %+v", e)
	}
	if e := rec.events[1]; e.Matched || e.Question == "" {
		t.Errorf("an unanswered question keeps its text for the editors: %+v", e)
	}
}

func TestOneChatCannotFloodTheBot(t *testing.T) {
	clock := &stepClock{now: osloAt(t, "2026-11-27 10:00")}
	b := New(testMatcher(t), Options{Clock: clock.Now, RatePerMinute: 6, RateBurst: 3})
	var answered, told, silent int
	for i := 0; i < 10; i++ {
		r := b.Handle(context.Background(), Request{Conversation: "telegram:1", Text: "Hvem kan søke?"})
		switch {
		case r.Intent != IntentRateLimited:
			answered++
		case r.Answer != "":
			told++
		default:
			silent++
		}
	}
	if answered != 3 || told != 1 || silent != 6 {
		t.Errorf("burst of 3: answered %d, told to slow down %d, silent %d", answered, told, silent)
	}
	if r := b.Handle(context.Background(), Request{Conversation: "telegram:2", Text: "Hvem kan søke?"}); r.Intent == IntentRateLimited {
		t.Error("another chat was limited too")
	}
	clock.Advance(10 * time.Second) // one token back at 6 a minute
	if r := b.Handle(context.Background(), Request{Conversation: "telegram:1", Text: "Hvem kan søke?"}); r.Intent == IntentRateLimited {
		t.Error("the chat was not let back in after waiting")
	}
}
