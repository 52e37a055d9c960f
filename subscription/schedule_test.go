package subscription_test

import (
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/kbtest"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

var oslo = knowledge.Oslo()

func deadline(t *testing.T, day string) subscription.Deadline {
	t.Helper()
	kb := kbtest.KB(t, kbtest.Programme{ID: "p", Calls: []kbtest.Call{{ID: "c", Deadline: day}}})
	return subscription.Deadline{Programme: kb.Programmes[0], Call: kb.Programmes[0].Calls[0]}
}

// The last Sundays of March and October 2026 are the daylight-saving changes in Oslo.
func TestRemindAtIsNineOsloAcrossDST(t *testing.T) {
	tests := []struct {
		name     string
		deadline string
		offset   int
		wantUTC  string
	}{
		{"spring-forward day (CEST)", "2026-04-05", 7, "2026-03-29T07:00:00Z"},
		{"day before spring-forward (CET)", "2026-04-05", 8, "2026-03-28T08:00:00Z"},
		{"fall-back day (CET)", "2026-11-01", 7, "2026-10-25T08:00:00Z"},
		{"day before fall-back (CEST)", "2026-11-01", 8, "2026-10-24T07:00:00Z"},
		{"30 days across spring-forward", "2026-04-20", 30, "2026-03-21T08:00:00Z"},
		{"14 days across fall-back", "2026-11-05", 14, "2026-10-22T07:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := deadline(t, tt.deadline).RemindAt(tt.offset, oslo)
			if got.UTC().Format(time.RFC3339) != tt.wantUTC {
				t.Fatalf("RemindAt = %s (%s), want %s", got.UTC().Format(time.RFC3339), got, tt.wantUTC)
			}
			if got.In(oslo).Hour() != 9 {
				t.Fatalf("not 09:00 in Oslo: %s", got.In(oslo))
			}
		})
	}
}

func TestDaysLeftAcrossDST(t *testing.T) {
	d := deadline(t, "2026-04-05")
	// 23:30 on the spring-forward day: the day was 23 hours long.
	now := time.Date(2026, 3, 29, 23, 30, 0, 0, oslo)
	if got := d.DaysLeft(now); got != 7 {
		t.Fatalf("DaysLeft = %d, want 7", got)
	}
	d = deadline(t, "2026-10-26")
	now = time.Date(2026, 10, 25, 0, 30, 0, 0, oslo) // the 25-hour day
	if got := d.DaysLeft(now); got != 1 {
		t.Fatalf("DaysLeft = %d, want 1", got)
	}
}

func TestOpenEndsWhenTheDeadlineDayBegins(t *testing.T) {
	d := deadline(t, "2026-12-17")
	if !d.Open(time.Date(2026, 12, 16, 23, 59, 0, 0, oslo)) {
		t.Fatal("not open the evening before")
	}
	if d.Open(time.Date(2026, 12, 17, 0, 0, 0, 0, oslo)) {
		t.Fatal("still open on the deadline day")
	}
}

func TestOpenDeadlinesAndNextReminder(t *testing.T) {
	kb := kbtest.KB(t,
		kbtest.Programme{ID: "a", Calls: []kbtest.Call{{ID: "old", Deadline: "2026-01-10"}, {ID: "late", Deadline: "2027-03-01"}}},
		kbtest.Programme{ID: "b", Calls: []kbtest.Call{{ID: "soon", Deadline: "2026-12-17"}}},
	)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, oslo)
	open := subscription.OpenDeadlines(kb, now)
	if len(open) != 2 || open[0].Key() != "b/soon" || open[1].Key() != "a/late" {
		t.Fatalf("OpenDeadlines = %v", open)
	}
	sub := subscription.New(subscription.Telegram, "1", knowledge.NB, now)
	next, ok := subscription.NextReminder(sub, open, now, oslo)
	if !ok || next.Deadline.Key() != "b/soon" || next.Offset != 14 {
		t.Fatalf("NextReminder = %+v, %v; want b/soon 14 days before", next, ok)
	}
	if want := time.Date(2026, 12, 3, 9, 0, 0, 0, oslo); !next.At.Equal(want) {
		t.Fatalf("next at %s, want %s", next.At, want)
	}
	sub.Programmes = []string{"a"}
	next, ok = subscription.NextReminder(sub, open, now, oslo)
	if !ok || next.Deadline.Key() != "a/late" || next.Offset != 30 {
		t.Fatalf("following only a: %+v, %v", next, ok)
	}
	sub.Programmes = []string{"none"}
	if _, ok := subscription.NextReminder(sub, open, now, oslo); ok {
		t.Fatal("a reminder for a programme not followed")
	}
}
