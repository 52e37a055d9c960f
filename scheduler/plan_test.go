package scheduler

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/kbtest"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

func TestRemindersGoOutAtNineOnEachOffsetDay(t *testing.T) {
	store := newBolt(t)
	kb := oneCall(t, "2026-12-17")
	clock := newClock(at(2026, 11, 1, 12, 0))
	rec := newRecorder()
	s := newSched(t, store, kb, clock, rec, Options{})
	subscribe(t, store, kb, subscription.New(subscription.Telegram, "1", knowledge.NB, clock.Now()))

	steps := []struct {
		now  time.Time
		want []int // offsets sent by this tick
	}{
		{at(2026, 11, 17, 8, 45), nil},
		{at(2026, 11, 17, 9, 0), []int{30}},
		{at(2026, 11, 17, 9, 15), nil},
		{at(2026, 12, 3, 9, 0), []int{14}},
		{at(2026, 12, 10, 9, 0), []int{7}},
		{at(2026, 12, 16, 9, 0), []int{1}},
		{at(2026, 12, 16, 23, 45), nil},
		{at(2026, 12, 17, 9, 0), nil}, // the deadline day: never
	}
	for _, st := range steps {
		rec.reset()
		clock.Set(st.now)
		mustRun(t, s)
		var got []int
		for _, m := range rec.sent() {
			got = append(got, m.Msg.Offset)
			if m.Msg.Late {
				t.Errorf("%s: offset %d marked late", st.now, m.Msg.Offset)
			}
			if m.Msg.DaysLeft != m.Msg.Offset {
				t.Errorf("%s: %d days left in a %d-day reminder", st.now, m.Msg.DaysLeft, m.Msg.Offset)
			}
		}
		if !slices.Equal(got, st.want) {
			t.Errorf("tick at %s sent offsets %v, want %v", st.now, got, st.want)
		}
	}
}

// The last Sundays of March and October 2026 change the clocks in Oslo;
// reminders must still go at 09:00 local time, not an hour off.
func TestDaylightSavingDays(t *testing.T) {
	tests := []struct {
		name      string
		deadline  string
		remindUTC time.Time // 09:00 Oslo on the change day
	}{
		{"spring forward, 29 March 2026", "2026-04-05", time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC)},
		{"fall back, 25 October 2026", "2026-11-01", time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newBolt(t)
			kb := oneCall(t, tt.deadline)
			clock := newClock(tt.remindUTC.Add(-30 * 24 * time.Hour))
			rec := newRecorder()
			sub := subscription.New(subscription.Telegram, "1", knowledge.EN, clock.Now())
			sub.Offsets = []int{7}
			subscribe(t, store, kb, sub)
			s := newSched(t, store, kb, clock, rec, Options{})

			// One hour early in UTC terms is what a fixed-offset bug would send.
			for _, early := range []time.Duration{time.Hour, time.Minute} {
				clock.Set(tt.remindUTC.Add(-early))
				mustRun(t, s)
				if n := len(rec.sent()); n != 0 {
					t.Fatalf("sent %d at %s (%s Oslo), before 09:00", n, clock.Now().UTC(), clock.Now().In(oslo))
				}
			}
			clock.Set(tt.remindUTC)
			mustRun(t, s)
			got := rec.sent()
			if len(got) != 1 || got[0].Msg.DaysLeft != 7 || got[0].Msg.Late {
				t.Fatalf("at 09:00 Oslo sent %+v, want one on-time 7-day reminder", got)
			}
			if !strings.Contains(got[0].Msg.Text, "in 7 days") {
				t.Errorf("text: %q", got[0].Msg.Text)
			}
			// The cron spec fires at 09:00 Oslo on the change day.
			start := time.Date(tt.remindUTC.Year(), tt.remindUTC.Month(), tt.remindUTC.Day(), 0, 0, 0, 0, oslo)
			next := start
			for next.Before(tt.remindUTC) {
				next = s.Next(next)
			}
			if !next.Equal(tt.remindUTC) {
				t.Errorf("no cron tick at 09:00 Oslo: %s", next)
			}
		})
	}
}

func TestCatchUpSendsTheLatestMissedReminderLate(t *testing.T) {
	store := newBolt(t)
	kb := oneCall(t, "2026-12-17")
	clock := newClock(at(2026, 11, 1, 12, 0))
	rec := newRecorder()
	s := newSched(t, store, kb, clock, rec, Options{})
	sub := subscription.New(subscription.Telegram, "1", knowledge.NB, clock.Now())
	sub.Offsets = []int{14, 7, 1}
	subscribe(t, store, kb, sub)

	// Down from 1 December until 12 December 10:00: the 14- and 7-day reminders were missed.
	clock.Set(at(2026, 12, 12, 10, 0))
	rep := mustRun(t, s)
	got := rec.sent()
	if len(got) != 1 || got[0].Msg.Offset != 7 || !got[0].Msg.Late || rep.Late != 1 {
		t.Fatalf("catch-up sent %+v (report %v); want only the 7-day reminder, marked late", got, rep)
	}
	if !strings.Contains(got[0].Msg.Text, "kommer for sent") || !strings.Contains(got[0].Msg.Text, "10. desember 2026") {
		t.Errorf("late text does not say it is late and when it was due: %q", got[0].Msg.Text)
	}
	if got[0].Msg.DaysLeft != 5 || !strings.Contains(got[0].Msg.Text, "om 5 dager") {
		t.Errorf("days left: %d in %q", got[0].Msg.DaysLeft, got[0].Msg.Text)
	}

	// Within the hour after 09:00 a reminder is on time, not late.
	rec.reset()
	clock.Set(at(2026, 12, 16, 9, 45))
	mustRun(t, s)
	if got := rec.sent(); len(got) != 1 || got[0].Msg.Offset != 1 || got[0].Msg.Late {
		t.Fatalf("at 09:45 sent %+v; want the 1-day reminder, on time", got)
	}
}

func TestNeverAfterTheDeadline(t *testing.T) {
	store := newBolt(t)
	kb := oneCall(t, "2026-12-17")
	clock := newClock(at(2026, 11, 1, 12, 0))
	rec := newRecorder()
	s := newSched(t, store, kb, clock, rec, Options{})
	subscribe(t, store, kb, subscription.New(subscription.Telegram, "1", knowledge.NB, clock.Now()))
	for _, now := range []time.Time{at(2026, 12, 17, 0, 0), at(2026, 12, 17, 9, 0), at(2026, 12, 20, 9, 0)} {
		clock.Set(now)
		mustRun(t, s)
	}
	if got := rec.sent(); len(got) != 0 {
		t.Fatalf("sent after the deadline: %+v", got)
	}
}

func TestNoCatchUpOfRemindersBeforeSubscribing(t *testing.T) {
	store := newBolt(t)
	kb := oneCall(t, "2026-12-17")
	clock := newClock(at(2026, 12, 5, 12, 0)) // after the 14-day reminder time
	rec := newRecorder()
	s := newSched(t, store, kb, clock, rec, Options{})
	subscribe(t, store, kb, subscription.New(subscription.Telegram, "1", knowledge.NB, clock.Now()))
	mustRun(t, s)
	if got := rec.sent(); len(got) != 0 {
		t.Fatalf("a new subscriber got %+v", got)
	}
	clock.Set(at(2026, 12, 10, 9, 0))
	mustRun(t, s)
	if got := rec.sent(); len(got) != 1 || got[0].Msg.Offset != 7 {
		t.Fatalf("sent %+v; want the 7-day reminder", got)
	}
}

func TestNewCallIsAnnouncedOnce(t *testing.T) {
	store := newBolt(t)
	clock := newClock(at(2026, 11, 1, 12, 0))
	v1 := kbtest.KB(t, kbtest.Programme{ID: "ipos", Name: "IPOS", Calls: []kbtest.Call{{ID: "c1", Deadline: "2026-12-17"}}})
	v2 := kbtest.KB(t, kbtest.Programme{ID: "ipos", Name: "IPOS", Calls: []kbtest.Call{
		{ID: "c1", Deadline: "2026-12-17"}, {ID: "c2", Deadline: "2027-02-25"},
	}})
	current := v1
	kb := func() *knowledge.KB { return current }
	rec := newRecorder()
	s := newSched(t, store, kb, clock, rec, Options{})
	subscribe(t, store, kb, subscription.New(subscription.Telegram, "old", knowledge.NN, clock.Now()))
	mustRun(t, s)
	if got := rec.sent(); len(got) != 0 {
		t.Fatalf("announced a call the subscriber already knew: %+v", got)
	}

	clock.Set(at(2026, 11, 10, 14, 0))
	current = v2
	mustRun(t, s)
	got := rec.sent()
	if len(got) != 1 || got[0].Msg.Kind != KindAnnouncement || got[0].Msg.Call != "ipos/c2" {
		t.Fatalf("after the call appeared: %+v; want one announcement of ipos/c2", got)
	}
	if !strings.Contains(got[0].Msg.Text, "Ei ny utlysing er open i IPOS") || !strings.Contains(got[0].Msg.Text, "25. februar 2027") {
		t.Errorf("announcement text: %q", got[0].Msg.Text)
	}

	// Later ticks, and subscribers who join after the call appeared, get no announcement.
	subscribe(t, store, kb, subscription.New(subscription.Telegram, "new", knowledge.NB, at(2026, 11, 11, 8, 0)))
	rec.reset()
	clock.Set(at(2026, 11, 11, 14, 0))
	mustRun(t, s)
	if got := rec.sent(); len(got) != 0 {
		t.Fatalf("announced again: %+v", got)
	}
}

func TestProgrammesNotFollowedAreSkipped(t *testing.T) {
	store := newBolt(t)
	kbv := kbtest.KB(t,
		kbtest.Programme{ID: "a", Calls: []kbtest.Call{{ID: "c", Deadline: "2026-12-17"}}},
		kbtest.Programme{ID: "b", Calls: []kbtest.Call{{ID: "c", Deadline: "2026-12-17"}}},
	)
	kb := func() *knowledge.KB { return kbv }
	clock := newClock(at(2026, 11, 1, 12, 0))
	rec := newRecorder()
	s := newSched(t, store, kb, clock, rec, Options{})
	sub := subscription.New(subscription.Slack, "C1", knowledge.EN, clock.Now())
	sub.Programmes = []string{"b"}
	subscribe(t, store, kb, sub)
	clock.Set(at(2026, 12, 10, 9, 0))
	mustRun(t, s)
	if got := rec.keys(); !slices.Equal(got, []string{"slack:C1|b/c|7"}) {
		t.Fatalf("sent %v", got)
	}
}

func TestPreviewWritesNothing(t *testing.T) {
	store := newBolt(t)
	kb := oneCall(t, "2026-12-17")
	clock := newClock(at(2026, 12, 10, 9, 0))
	rec := newRecorder()
	s := newSched(t, store, kb, clock, rec, Options{})
	sub := subscription.New(subscription.Telegram, "1", knowledge.NB, at(2026, 11, 1, 9, 0))
	if err := store.Put(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	var due []Reminder
	err := s.Preview(t.Context(), clock.Now(), func(batch []Reminder) error {
		due = append(due, batch...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Unseen call: a preview treats it as appearing now, so the announcement
	// shows and stands in for the reminder due at the same moment.
	if len(due) != 1 || due[0].Offset != subscription.Announcement {
		t.Fatalf("preview = %+v", due)
	}
	if seen, _ := store.CallsSeen(t.Context(), []string{"ipos/c1"}); len(seen) != 0 {
		t.Fatal("preview recorded the call as seen")
	}
	if len(rec.sent()) != 0 {
		t.Fatal("preview sent something")
	}
}
