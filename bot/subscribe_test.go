package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/kbtest"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
)

var subOslo = knowledge.Oslo()

// The file store, and any full subscription.Store, serves the commands.
var _ SubscriptionStore = subscription.Store(nil)

// memStore is a SubscriptionStore in memory that can be taken down.
type memStore struct {
	mu    sync.Mutex
	subs  map[string]subscription.Subscriber
	seen  map[string]time.Time
	down  bool
	calls int
}

func newMemStore() *memStore {
	return &memStore{subs: map[string]subscription.Subscriber{}, seen: map[string]time.Time{}}
}

var errStoreDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (m *memStore) enter() error {
	m.mu.Lock()
	m.calls++
	if m.down {
		return errStoreDown
	}
	return nil
}

func (m *memStore) Get(_ context.Context, key string) (subscription.Subscriber, error) {
	defer m.mu.Unlock()
	if err := m.enter(); err != nil {
		return subscription.Subscriber{}, err
	}
	s, ok := m.subs[key]
	if !ok {
		return s, fmt.Errorf("get %s: %w", key, subscription.ErrNotFound)
	}
	return s, nil
}

func (m *memStore) Put(_ context.Context, s subscription.Subscriber) error {
	defer m.mu.Unlock()
	if err := m.enter(); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	m.subs[s.Key()] = s
	return nil
}

func (m *memStore) Delete(_ context.Context, key string) error {
	defer m.mu.Unlock()
	if err := m.enter(); err != nil {
		return err
	}
	if _, ok := m.subs[key]; !ok {
		return subscription.ErrNotFound
	}
	delete(m.subs, key)
	return nil
}

func (m *memStore) SeeCalls(_ context.Context, calls []string, now time.Time) (map[string]time.Time, error) {
	defer m.mu.Unlock()
	if err := m.enter(); err != nil {
		return nil, err
	}
	for _, c := range calls {
		if _, ok := m.seen[c]; !ok {
			m.seen[c] = now
		}
	}
	return m.seen, nil
}

// Today is 27 November 2026; the IPOS deadline is 17 December 2026.
var today = time.Date(2026, 11, 27, 10, 0, 0, 0, subOslo)

func ipos(t *testing.T) *knowledge.KB {
	return kbtest.KB(t,
		kbtest.Programme{ID: "ipos", Name: "Innovasjonsprosjekt i offentlig sektor", Calls: []kbtest.Call{
			{ID: "2026-1", Deadline: "2026-02-25"}, {ID: "2026-2", Deadline: "2026-12-17"},
		}},
		kbtest.Programme{ID: "other", Name: "Other", Calls: []kbtest.Call{{ID: "x", Deadline: "2027-03-01"}}},
	)
}

func newSubs(t *testing.T, store SubscriptionStore, kb *knowledge.KB) *Subscriptions {
	return NewSubscriptions(store, func() *knowledge.KB { return kb }, func() time.Time { return today })
}

func run(t *testing.T, s *Subscriptions, conv, text string, detected knowledge.Lang) Reply {
	t.Helper()
	r, ok := s.Command(t.Context(), Request{Conversation: conv, Text: text}, detected)
	if !ok {
		t.Fatalf("%q was not handled as a command", text)
	}
	return r
}

func TestOnlyExactCommandFormsAreCommands(t *testing.T) {
	s := newSubs(t, newMemStore(), ipos(t))
	commands := []string{
		"abonner", "/abonner", "Abonner!", "abonner 14 7 1", "abonner 14, 7 og 1 dager", "/subscribe@fundbot_bot 14,3",
		"subscribe", "abonner ipos 7", "abonner -5 99999",
		"stopp", "/stop", "unsubscribe", "avslutt abonnement", "Avslutt abonnementet.",
		"status", "/status", "status?", "frister", "fristar", "deadlines", "/frister",
		"språk nn", "språk", "/language en", "language english", "sprak en", "språk tysk",
	}
	for _, c := range commands {
		if _, ok := s.Command(t.Context(), Request{Conversation: "telegram:1", Text: c}, knowledge.NB); !ok {
			t.Errorf("%q: not a command", c)
		}
	}
	questions := []string{
		"kan jeg abonnere på nyhetsbrevet?", "abonner på nyhetsbrevet", "abonnere", "hvordan abonnerer jeg?",
		"status på søknaden min?", "status for søknaden", "frister for 2027?", "hva er fristen?",
		"stopp opp litt og forklar", "stop the project?", "avslutt prosjektet", "språk i søknaden?",
		"language requirements for the application", "subscribe to what?", "", "   ",
	}
	for _, q := range questions {
		if r, ok := s.Command(t.Context(), Request{Conversation: "telegram:1", Text: q}, knowledge.NB); ok {
			t.Errorf("%q was taken as the command %q", q, r.Intent)
		}
	}
}

func FuzzCommandParse(f *testing.F) {
	for _, s := range []string{"abonner 14 7", "/subscribe@x 1,2", "språk nn", "avslutt abonnement", "hva er fristen?"} {
		f.Add(s)
	}
	kb := kbtest.KB(f, kbtest.Programme{ID: "ipos", Calls: []kbtest.Call{{ID: "c", Deadline: "2026-12-17"}}})
	s := NewSubscriptions(newMemStore(), func() *knowledge.KB { return kb }, func() time.Time { return today })
	f.Fuzz(func(t *testing.T, text string) {
		r, ok := s.Command(context.Background(), Request{Conversation: "telegram:1", Text: text}, knowledge.NB)
		if !ok {
			return
		}
		first := strings.TrimPrefix(strings.Fields(strings.ToLower(text))[0], "/")
		first, _, _ = strings.Cut(first, "@")
		if _, isCmd := commandWords[strings.TrimRight(first, ".!?")]; !isCmd {
			t.Fatalf("%q handled as %s though its first word is not a command", text, r.Intent)
		}
		if r.Answer == "" {
			t.Fatalf("%q: empty answer", text)
		}
	})
}

func TestSubscribeWithDefaults(t *testing.T) {
	store := newMemStore()
	s := newSubs(t, store, ipos(t))
	r := run(t, s, "telegram:42", "abonner", knowledge.NB)
	sub, err := store.Get(t.Context(), "telegram:42")
	if err != nil || !sub.Active || sub.Lang != knowledge.NB || len(sub.Offsets) != 0 || !sub.CreatedAt.Equal(today) {
		t.Fatalf("stored %+v, %v", sub, err)
	}
	for _, want := range []string{"Du abonnerer nå", "alle programmer", "30, 14, 7 og 1 dager", "09:00",
		"Neste påminnelse: 3. desember 2026 kl. 09:00 (14 dager før fristen 17. desember 2026 for Innovasjonsprosjekt i offentlig sektor)", "«stopp»"} {
		if !strings.Contains(r.Answer, want) {
			t.Errorf("reply lacks %q:\n%s", want, r.Answer)
		}
	}
	if r.Intent != "subscribe" || r.Lang != knowledge.NB {
		t.Errorf("intent %q lang %q", r.Intent, r.Lang)
	}
	if _, ok := store.seen["ipos/2026-2"]; !ok {
		t.Error("the open deadlines were not recorded as seen")
	}
}

func TestSubscribeWithOffsetsAndProgramme(t *testing.T) {
	store := newMemStore()
	s := newSubs(t, store, ipos(t))
	r := run(t, s, "slack:C1:1712.5", "subscribe other 3, 14", knowledge.NB)
	sub, err := store.Get(t.Context(), "slack:C1")
	if err != nil || !slices.Equal(sub.Offsets, []int{14, 3}) || !slices.Equal(sub.Programmes, []string{"other"}) || sub.Lang != knowledge.EN {
		t.Fatalf("stored %+v, %v", sub, err)
	}
	if !strings.Contains(r.Answer, "14 and 3 days") || !strings.Contains(r.Answer, "Next reminder: 15 February 2027") {
		t.Errorf("reply:\n%s", r.Answer)
	}

	// Again with new offsets: an update that keeps the creation time.
	r = run(t, s, "slack:C1", "subscribe 7", knowledge.EN)
	sub, _ = store.Get(t.Context(), "slack:C1")
	if !strings.Contains(r.Answer, "updated") || !slices.Equal(sub.Offsets, []int{7}) || !sub.ChangedAt.Equal(today) {
		t.Errorf("update: %+v\n%s", sub, r.Answer)
	}
	r = run(t, s, "slack:C1", "subscribe", knowledge.EN)
	if !strings.Contains(r.Answer, "already subscribed") {
		t.Errorf("repeat: %s", r.Answer)
	}
}

func TestAbsurdOffsetsGetAClearAnswer(t *testing.T) {
	store := newMemStore()
	s := newSubs(t, store, ipos(t))
	r := run(t, s, "telegram:1", "abonner -5 99999", knowledge.NB)
	for _, want := range []string{"1 til 365", "-5, 99999", "abonner 14 7 1"} {
		if !strings.Contains(r.Answer, want) {
			t.Errorf("reply lacks %q: %s", want, r.Answer)
		}
	}
	if len(store.subs) != 0 {
		t.Fatal("stored a subscriber with bad offsets")
	}
	r = run(t, s, "telegram:1", "abonner 1 2 3 4 5 6 7 8 9 10 11", knowledge.NB)
	if !strings.Contains(r.Answer, "høyst 10") {
		t.Errorf("too many: %s", r.Answer)
	}
}

func TestUnsubscribeDeletesEverything(t *testing.T) {
	store := newMemStore()
	s := newSubs(t, store, ipos(t))
	run(t, s, "telegram:1", "abonner", knowledge.NB)
	r := run(t, s, "telegram:1", "stopp", knowledge.NB)
	if !strings.Contains(r.Answer, "slettet") {
		t.Errorf("reply: %s", r.Answer)
	}
	if len(store.subs) != 0 {
		t.Fatal("subscriber kept after unsubscribe")
	}
	r = run(t, s, "telegram:1", "avslutt abonnementet", knowledge.NN)
	if !strings.Contains(r.Answer, "ikkje noko abonnement") {
		t.Errorf("second stop: %s", r.Answer)
	}
}

func TestStatus(t *testing.T) {
	store := newMemStore()
	s := newSubs(t, store, ipos(t))
	r := run(t, s, "telegram:1", "status", knowledge.EN)
	if !strings.Contains(r.Answer, "not subscribed") {
		t.Errorf("unsubscribed status: %s", r.Answer)
	}
	run(t, s, "telegram:1", "abonner 7", knowledge.NN)
	r = run(t, s, "telegram:1", "status", knowledge.EN) // a neutral word: the subscriber's language
	if r.Lang != knowledge.NN || !strings.Contains(r.Answer, "Du følgjer alle program") || !strings.Contains(r.Answer, "10. desember 2026") {
		t.Errorf("status (%s): %s", r.Lang, r.Answer)
	}
}

func TestNoDateIsEverInvented(t *testing.T) {
	kb := kbtest.KB(t, kbtest.Programme{ID: "ipos", Calls: []kbtest.Call{{ID: "old", Deadline: "2026-02-25"}}})
	store := newMemStore()
	s := newSubs(t, store, kb)
	for _, cmd := range []string{"abonner", "status", "frister"} {
		r := run(t, s, "telegram:1", cmd, knowledge.NB)
		if strings.Contains(r.Answer, "2026") || strings.Contains(r.Answer, "2027") {
			t.Errorf("%s states a date with none upcoming: %s", cmd, r.Answer)
		}
	}
	r := run(t, s, "telegram:1", "frister", knowledge.NB)
	if !strings.Contains(r.Answer, "ingen kommende søknadsfrister") {
		t.Errorf("frister: %s", r.Answer)
	}
}

func TestDeadlinesListsKnownDatesWithSources(t *testing.T) {
	s := newSubs(t, newMemStore(), ipos(t))
	r := run(t, s, "ask:0", "fristar", knowledge.NB) // works anywhere, no store needed
	if r.Lang != knowledge.NN {
		t.Errorf("lang %s", r.Lang)
	}
	want := "Kjende søknadsfristar:\n• Innovasjonsprosjekt i offentlig sektor: 17. desember 2026 (om 20 dagar)\n• Other: 1. mars 2027 (om 94 dagar)"
	if r.Answer != want {
		t.Errorf("got\n%s\nwant\n%s", r.Answer, want)
	}
	if len(r.Sources) != 2 {
		t.Errorf("sources: %v", r.Sources)
	}
	today := newSubs(t, newMemStore(), ipos(t))
	today.clock = func() time.Time { return time.Date(2026, 12, 17, 8, 0, 0, 0, subOslo) }
	if r := run(t, today, "telegram:1", "deadlines", knowledge.NB); !strings.Contains(r.Answer, "17 December 2026 (today)") {
		t.Errorf("deadline day: %s", r.Answer)
	}
}

func TestLanguage(t *testing.T) {
	store := newMemStore()
	s := newSubs(t, store, ipos(t))
	r := run(t, s, "telegram:1", "språk nn", knowledge.NB)
	if r.Lang != knowledge.NN || !strings.Contains(r.Answer, "Eg svarar") {
		t.Errorf("not subscribed: %s %s", r.Lang, r.Answer)
	}
	run(t, s, "telegram:1", "abonner", knowledge.NB)
	r = run(t, s, "telegram:1", "language en", knowledge.NB)
	if sub, _ := store.Get(t.Context(), "telegram:1"); sub.Lang != knowledge.EN || r.Lang != knowledge.EN || !strings.Contains(r.Answer, "in English") {
		t.Errorf("after language en: %+v / %s", sub, r.Answer)
	}
	r = run(t, s, "telegram:1", "språk", knowledge.NB)
	if !strings.Contains(r.Answer, "engelsk") {
		t.Errorf("current language: %s", r.Answer)
	}
	r = run(t, s, "telegram:1", "språk tysk", knowledge.NB)
	if !strings.Contains(r.Answer, "nynorsk (nn)") {
		t.Errorf("unknown language: %s", r.Answer)
	}
}

func TestNotAvailableOutsideChats(t *testing.T) {
	s := newSubs(t, newMemStore(), ipos(t))
	for _, cmd := range []string{"abonner", "stopp", "status", "språk nn"} {
		r := run(t, s, "ask:3", cmd, knowledge.NB)
		if !strings.Contains(r.Answer, "Telegram, Slack") {
			t.Errorf("%s in ask: %s", cmd, r.Answer)
		}
	}
}

func TestStoreDownIsSaidPlainly(t *testing.T) {
	store := newMemStore()
	store.down = true
	s := newSubs(t, store, ipos(t))
	tests := map[string]string{
		"abonner":   "får ikke lagret abonnementet akkurat nå",
		"subscribe": "can't save your subscription right now",
		"stopp":     "får ikke avsluttet",
		"status":    "får ikke hentet",
		"språk nn":  "får ikkje lagra",
	}
	for cmd, want := range tests {
		r := run(t, s, "telegram:1", cmd, knowledge.NB)
		if !strings.Contains(r.Answer, want) || strings.Contains(r.Answer, "6379") {
			t.Errorf("%s: %q; want %q and no internals", cmd, r.Answer, want)
		}
	}
	if r := run(t, s, "telegram:1", "frister", knowledge.NB); !strings.Contains(r.Answer, "17. desember 2026") {
		t.Errorf("deadlines need no store: %s", r.Answer)
	}
}

// With the store down the bot still answers questions: they never reach it.
func TestQuestionsDoNotTouchTheStore(t *testing.T) {
	store := newMemStore()
	store.down = true
	kb := ipos(t)
	b := New(match.New(kb), Options{Commands: newSubs(t, store, kb), Clock: func() time.Time { return today }})
	r := b.Handle(t.Context(), Request{Conversation: "telegram:1", Text: "kan jeg abonnere på nyhetsbrevet?"})
	if r.Intent == "subscribe" || store.calls != 0 {
		t.Fatalf("a question went to the store (%d calls): %+v", store.calls, r)
	}
	r = b.Handle(t.Context(), Request{Conversation: "telegram:1", Text: "abonner"})
	if r.Intent != "subscribe" || !strings.Contains(r.Answer, "Prøv igjen om litt") {
		t.Fatalf("command through the bot: %+v", r)
	}
}

func TestWithTheFileStore(t *testing.T) {
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "subs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s := newSubs(t, store, ipos(t))
	run(t, s, "console", "abonner 14 2", knowledge.NB)
	sub, err := store.Get(t.Context(), "console:local")
	if err != nil || !slices.Equal(sub.Offsets, []int{14, 2}) {
		t.Fatalf("%+v, %v", sub, err)
	}
	run(t, s, "console", "stopp", knowledge.NB)
	if _, err := store.Get(t.Context(), "console:local"); !errors.Is(err, subscription.ErrNotFound) {
		t.Fatalf("after stopp: %v", err)
	}
}

func TestEveryTextExistsInEveryLanguage(t *testing.T) {
	for name, text := range commandTexts {
		if strings.TrimSpace(text.NB) == "" || strings.TrimSpace(text.NN) == "" || strings.TrimSpace(text.EN) == "" {
			t.Errorf("%s lacks a language: %+v", name, text)
		}
	}
}
