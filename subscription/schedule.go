package subscription

import (
	"math"
	"slices"
	"time"

	"github.com/fundbot/fundbot/knowledge"
)

// ReminderHour is the hour of day, Oslo time, at which reminders go out.
const ReminderHour = 9

// Deadline is one known call deadline of a programme.
type Deadline struct {
	Programme *knowledge.Programme
	Call      knowledge.Call
}

// Key identifies the deadline across knowledge base reloads: "programme/call".
func (d Deadline) Key() string { return d.Programme.ID + "/" + d.Call.ID }

// Date is the deadline day at 00:00 in the call's time zone.
func (d Deadline) Date() time.Time { return d.Call.Date() }

// RemindAt is when the reminder offset days before the deadline is due:
// 09:00 in loc on that calendar day. Counting calendar days, not 24-hour
// periods, keeps it at 09:00 across daylight-saving changes.
func (d Deadline) RemindAt(offset int, loc *time.Location) time.Time {
	day := d.Date()
	return time.Date(day.Year(), day.Month(), day.Day()-offset, ReminderHour, 0, 0, 0, loc)
}

// Open reports whether reminders about the deadline may still be sent at now:
// only before the deadline day begins, because the hour a call closes on its
// last day varies and a reminder must never arrive after it.
func (d Deadline) Open(now time.Time) bool { return now.Before(d.Date()) }

// DaysLeft counts calendar days from now to the deadline, in the call's time zone.
func (d Deadline) DaysLeft(now time.Time) int {
	day := d.Date()
	n := now.In(day.Location())
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, day.Location())
	// Round: a daylight-saving change makes one day 23 or 25 hours long.
	return int(math.Round(day.Sub(today).Hours() / 24))
}

// OpenDeadlines lists every deadline in the knowledge base that is still open
// at now, earliest first. Calls without a known date are never listed.
func OpenDeadlines(kb *knowledge.KB, now time.Time) []Deadline {
	if kb == nil {
		return nil
	}
	var out []Deadline
	for _, p := range kb.Programmes {
		for _, c := range p.UpcomingCalls(now) {
			d := Deadline{Programme: p, Call: c}
			if !c.Date().IsZero() && d.Open(now) {
				out = append(out, d)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Deadline) int { return a.Date().Compare(b.Date()) })
	return out
}

// Next is a subscriber's next reminder.
type Next struct {
	At       time.Time
	Deadline Deadline
	Offset   int
}

// NextReminder finds the subscriber's first reminder after now among the
// deadlines; ok is false when no reminder is left for any known deadline.
func NextReminder(s Subscriber, deadlines []Deadline, now time.Time, loc *time.Location) (next Next, ok bool) {
	for _, d := range deadlines {
		if !s.Follows(d.Programme.ID) || !d.Open(now) {
			continue
		}
		for _, off := range s.ReminderOffsets() {
			at := d.RemindAt(off, loc)
			if at.After(now) && (!ok || at.Before(next.At)) {
				next, ok = Next{At: at, Deadline: d, Offset: off}, true
			}
		}
	}
	return next, ok
}
