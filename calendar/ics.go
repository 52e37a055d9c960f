// Package calendar writes the known deadlines as an iCalendar feed (RFC 5545)
// that staff can subscribe to from Outlook or Google Calendar.
package calendar

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fundbot/fundbot/knowledge"
)

// vtimezoneOslo describes Europe/Oslo (CET/CEST, EU rules since 1996) so that
// clients without a time-zone database still place the events right.
const vtimezoneOslo = `BEGIN:VTIMEZONE
TZID:Europe/Oslo
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE`

// Write renders every known call deadline of kb as an all-day event in
// lang. now stamps the feed (DTSTAMP); host makes UIDs globally unique.
func Write(w io.Writer, kb *knowledge.KB, lang knowledge.Lang, now time.Time, host string) error {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//fundbot//deadlines//" + strings.ToUpper(string(lang)))
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escape(calendarName.Get(lang)))
	line("X-WR-TIMEZONE:Europe/Oslo")
	for _, l := range strings.Split(vtimezoneOslo, "\n") {
		line(l)
	}
	stamp := now.UTC().Format("20060102T150405Z")
	for _, p := range kb.Programmes {
		for _, c := range p.Calls {
			d := c.Date()
			if d.IsZero() {
				continue
			}
			line("BEGIN:VEVENT")
			line(fmt.Sprintf("UID:%s-%s@%s", p.ID, c.ID, host))
			line("DTSTAMP:" + stamp)
			line("DTSTART;VALUE=DATE:" + d.Format("20060102"))
			line("DTEND;VALUE=DATE:" + d.AddDate(0, 0, 1).Format("20060102"))
			line("SUMMARY:" + escape(fmt.Sprintf(summary.Get(lang), p.Name.Get(lang))))
			line("DESCRIPTION:" + escape(fmt.Sprintf(description.Get(lang), p.Name.Get(lang), knowledge.FormatDate(d, lang), c.Source.URL)))
			if c.Source.URL != "" {
				line("URL:" + c.Source.URL)
			}
			line("TRANSP:TRANSPARENT")
			line("BEGIN:VALARM")
			line("ACTION:DISPLAY")
			line("DESCRIPTION:" + escape(fmt.Sprintf(summary.Get(lang), p.Name.Get(lang))))
			line("TRIGGER:-P7D")
			line("END:VALARM")
			line("END:VEVENT")
		}
	}
	line("END:VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}

var (
	calendarName = knowledge.Text{NB: "Søknadsfrister – fundbot", NN: "Søknadsfristar – fundbot", EN: "Application deadlines – fundbot"}
	summary      = knowledge.Text{NB: "Søknadsfrist: %s", NN: "Søknadsfrist: %s", EN: "Application deadline: %s"}
	description  = knowledge.Text{
		NB: "Søknadsfrist for %s: %s. Sjekk utlysningen for klokkeslett og detaljer: %s",
		NN: "Søknadsfrist for %s: %s. Sjå utlysinga for klokkeslett og detaljar: %s",
		EN: "Application deadline for %s: %s. See the call for the time of day and details: %s",
	}
)

// escape escapes TEXT values (RFC 5545 3.3.11).
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// fold ends a content line with CRLF, folding it at 75 octets without
// splitting a UTF-8 character (RFC 5545 3.1).
func fold(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space of a continuation line counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
