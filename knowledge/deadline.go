package knowledge

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DeadlineState says where "now" stands relative to a programme's known deadlines.
type DeadlineState int

// The states of a programme's deadline.
const (
	NoDeadline       DeadlineState = iota // no date known at all
	DeadlineUpcoming                      // a known deadline lies ahead
	DeadlineToday                         // today is the deadline day
	DeadlinePassed                        // every known deadline has passed
)

// DeadlineStatus is the deadline situation at one moment.
type DeadlineStatus struct {
	State DeadlineState
	Call  Call // the upcoming (or today's) call, else the last one passed
	Days  int  // whole days from today to the deadline, in Oslo calendar days
}

// Status returns the programme's deadline situation at now. Days are counted
// in the call's own time zone so that "tomorrow" means the next calendar day there.
func (p *Programme) Status(now time.Time) DeadlineStatus {
	var last *Call
	var next *Call
	for i := range p.Calls {
		c := &p.Calls[i]
		if c.date.IsZero() {
			continue
		}
		days := daysBetween(now, c.date)
		if days >= 0 && (next == nil || c.date.Before(next.date)) {
			next = c
		}
		if days < 0 && (last == nil || c.date.After(last.date)) {
			last = c
		}
	}
	switch {
	case next != nil:
		d := daysBetween(now, next.date)
		if d == 0 {
			return DeadlineStatus{State: DeadlineToday, Call: *next}
		}
		return DeadlineStatus{State: DeadlineUpcoming, Call: *next, Days: d}
	case last != nil:
		return DeadlineStatus{State: DeadlinePassed, Call: *last, Days: daysBetween(now, last.date)}
	}
	return DeadlineStatus{State: NoDeadline}
}

// UpcomingCalls lists the calls whose deadline is today or later, earliest first.
func (p *Programme) UpcomingCalls(now time.Time) []Call {
	var out []Call
	for _, c := range p.Calls {
		if !c.date.IsZero() && daysBetween(now, c.date) >= 0 {
			out = append(out, c)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].date.Before(out[j-1].date); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// DeadlineSentence renders the programme's date-dependent deadline text.
func (p *Programme) DeadlineSentence(now time.Time, lang Lang) string {
	st := p.Status(now)
	var tmpl Text
	switch st.State {
	case DeadlineUpcoming:
		tmpl = p.DeadlineText.Upcoming
		if st.Days == 1 && p.DeadlineText.Tomorrow.NB != "" {
			tmpl = p.DeadlineText.Tomorrow
		}
	case DeadlineToday:
		tmpl = p.DeadlineText.Today
	case DeadlinePassed:
		tmpl = p.DeadlineText.Passed
	default:
		tmpl = p.DeadlineText.None
	}
	r := strings.NewReplacer(
		"{date}", FormatDate(st.Call.date, lang),
		"{days}", strconv.Itoa(st.Days),
		"{programme}", p.Name.Get(lang),
	)
	return r.Replace(tmpl.Get(lang))
}

// daysBetween counts calendar days from now to day, both seen in day's time zone.
func daysBetween(now, day time.Time) int {
	n := now.In(day.Location())
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, day.Location())
	// Round: a DST change makes one day 23 or 25 hours long.
	return int(math.Round(day.Sub(today).Hours() / 24))
}

var monthsNO = [...]string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"}

// FormatDate writes a date as people write it in lang: "21. september 2022", "21 September 2022".
func FormatDate(t time.Time, lang Lang) string {
	if t.IsZero() {
		return "?"
	}
	if lang == EN {
		return fmt.Sprintf("%d %s %d", t.Day(), t.Month(), t.Year())
	}
	return fmt.Sprintf("%d. %s %d", t.Day(), monthsNO[t.Month()-1], t.Year())
}

// MonthName is the Norwegian name of a month, in lower case as Norwegian writes it.
func MonthName(m time.Month) string { return monthsNO[m-1] }
