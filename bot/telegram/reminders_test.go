package telegram

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/scheduler"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
)

// testClock is a settable "now".
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func openStore(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "subs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newScheduler(t *testing.T, store scheduler.Store, clock func() time.Time, n scheduler.Notifier) *scheduler.Scheduler {
	t.Helper()
	kb, _ := embedded(t)
	log, _ := testLogger(t)
	s, err := scheduler.New(store, func() *knowledge.KB { return kb }, scheduler.Options{
		Clock: clock, Logger: log, Notifiers: map[subscription.Platform]scheduler.Notifier{subscription.Telegram: n},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSubscribeWithButtonThenGetReminderThenStop(t *testing.T) {
	f := telegramfake.New(t)
	kb, _ := embedded(t)
	store := openStore(t)
	clock := &testClock{t: sept1}
	subs := bot.NewSubscriptions(store, func() *knowledge.KB { return kb }, clock.Now)
	h := start(t, f, realBot(t, subs, clock.Now), setup{})
	ctx := context.Background()

	f.Push(telegramfake.TextUpdate(2001, "private", kari, "/start"))
	welcome := next(t, f)
	if !strings.Contains(welcome.Text, "Hei!") || !strings.Contains(welcome.Text, "/sprak") {
		t.Errorf("welcome:\n%s", welcome.Text)
	}
	data, ok := welcome.Data("c:nb:abonner")
	if !ok {
		t.Fatalf("no subscribe button under the welcome: %v", welcome.Buttons())
	}

	f.Push(telegramfake.CallbackUpdate(2001, kari, "cb-subscribe", data))
	awaitAnswered(t, f, "cb-subscribe")
	confirm := next(t, f)
	if !strings.Contains(confirm.Text, "Du abonnerer nå") {
		t.Errorf("confirmation:\n%s", confirm.Text)
	}
	stop, ok := confirm.Data("c:nb:stopp")
	if !ok {
		t.Errorf("no stop button under the confirmation: %v", confirm.Buttons())
	}
	sub, err := store.Get(ctx, "telegram:2001")
	if err != nil || !sub.Active || sub.Lang != knowledge.NB {
		t.Fatalf("stored subscriber %+v, %v", sub, err)
	}

	// The morning of the 14-day reminder (the deadline is 21 September 2022).
	clock.Set(time.Date(2022, 9, 7, 9, 5, 0, 0, oslo))
	rep, err := newScheduler(t, store, clock.Now, h.b).RunOnce(ctx)
	if err != nil || rep.Sent != 1 {
		t.Fatalf("tick: %v, %v", rep, err)
	}
	reminder := next(t, f)
	if reminder.ChatID != 2001 || !strings.Contains(reminder.Text, "Påminnelse") || !strings.Contains(reminder.Text, "14 dager") {
		t.Errorf("reminder to %d:\n%s", reminder.ChatID, reminder.Text)
	}
	if got, ok := reminder.Data("c:nb:stopp"); !ok || got != stop {
		t.Errorf("reminder buttons %v", reminder.Buttons())
	}

	f.Push(telegramfake.CallbackUpdate(2001, kari, "cb-stop", stop))
	awaitAnswered(t, f, "cb-stop")
	bye := next(t, f)
	if !strings.Contains(bye.Text, "Abonnementet er avsluttet") {
		t.Errorf("after stop:\n%s", bye.Text)
	}
	if _, ok := bye.Data("c:nb:abonner"); !ok {
		t.Errorf("no button to subscribe again: %v", bye.Buttons())
	}
	if _, err := store.Get(ctx, "telegram:2001"); !errors.Is(err, subscription.ErrNotFound) {
		t.Errorf("after stop the subscriber is still stored: %v", err)
	}
}

// subscribed stores an active subscriber as the bot would, on 1 September 2022.
func subscribed(t *testing.T, store *boltstore.Store, chat string, lang knowledge.Lang) {
	t.Helper()
	kb, _ := embedded(t)
	ctx := context.Background()
	var calls []string
	for _, d := range subscription.OpenDeadlines(kb, sept1) {
		calls = append(calls, d.Key())
	}
	if _, err := store.SeeCalls(ctx, calls, sept1); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, subscription.New(subscription.Telegram, chat, lang, sept1)); err != nil {
		t.Fatal(err)
	}
}

// notifierOnly is an adapter that never runs: reminders need no getMe.
func notifierOnly(t *testing.T, f *telegramfake.Server) *Bot {
	t.Helper()
	log, _ := testLogger(t)
	b, err := New(Config{Token: testToken, APIURL: f.URL()}, handlerFunc(echo), WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReminderThrottledThenSent(t *testing.T) {
	f := telegramfake.New(t)
	store := openStore(t)
	subscribed(t, store, "3001", knowledge.EN)
	f.Script("sendMessage", telegramfake.APIError(429, "Too Many Requests: retry after 1", 1))
	clock := fixed(time.Date(2022, 9, 7, 9, 5, 0, 0, oslo))

	began := time.Now()
	rep, err := newScheduler(t, store, clock, notifierOnly(t, f)).RunOnce(context.Background())
	if err != nil || rep.Sent != 1 || rep.Failed != 0 {
		t.Fatalf("tick: %v, %v", rep, err)
	}
	m := next(t, f)
	if m.ChatID != 3001 || !strings.Contains(m.Text, "Reminder: the deadline") {
		t.Errorf("reminder:\n%s", m.Text)
	}
	if n := f.Count("sendMessage"); n != 2 {
		t.Errorf("sendMessage called %d times, want 2 (429, then the send)", n)
	}
	t.Logf("the scheduler waited %s for retry_after=1", time.Since(began).Round(10*time.Millisecond))
}

func TestBlockedChatIsDeactivated(t *testing.T) {
	f := telegramfake.New(t)
	store := openStore(t)
	subscribed(t, store, "3002", knowledge.NB)
	f.Script("sendMessage", telegramfake.APIError(403, "Forbidden: bot was blocked by the user", 0))
	clock := fixed(time.Date(2022, 9, 7, 9, 5, 0, 0, oslo))

	rep, err := newScheduler(t, store, clock, notifierOnly(t, f)).RunOnce(context.Background())
	if err != nil || rep.Deactivated != 1 || rep.Sent != 0 {
		t.Fatalf("tick: %v, %v", rep, err)
	}
	sub, err := store.Get(context.Background(), "telegram:3002")
	if err != nil || sub.Active {
		t.Errorf("after 403 the subscriber is %+v, %v; want deactivated", sub, err)
	}
}
