package calendar

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/knowledge"
)

// unfold reverses RFC 5545 line folding and splits the content lines.
func unfold(t *testing.T, feed string) []string {
	t.Helper()
	if !strings.HasSuffix(feed, "\r\n") {
		t.Fatal("the feed must end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(feed, "\r\n"), "\r\n")
	var lines []string
	for _, l := range raw {
		if strings.Contains(l, "\n") || strings.Contains(l, "\r") {
			t.Fatalf("bare LF or CR inside a line: %q", l)
		}
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %d %q", len(l), l)
		}
		if strings.HasPrefix(l, " ") {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

func TestFeedFollowsRFC5545(t *testing.T) {
	kb, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	if err := Write(&buf, kb, knowledge.NB, now, "fundbot.example"); err != nil {
		t.Fatal(err)
	}
	lines := unfold(t, buf.String())
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Fatalf("not a calendar: first %q last %q", lines[0], lines[len(lines)-1])
	}
	// Components nest properly.
	var stack []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "BEGIN:"):
			stack = append(stack, strings.TrimPrefix(l, "BEGIN:"))
		case strings.HasPrefix(l, "END:"):
			if len(stack) == 0 || stack[len(stack)-1] != strings.TrimPrefix(l, "END:") {
				t.Fatalf("unbalanced %q", l)
			}
			stack = stack[:len(stack)-1]
		}
	}
	feed := strings.Join(lines, "\n")
	for _, want := range []string{
		"VERSION:2.0", "PRODID:", "TZID:Europe/Oslo",
		"DTSTART;VALUE=DATE:20220921", "DTEND;VALUE=DATE:20220922",
		"UID:innovasjonsprosjekt-offentlig-sektor-2022@fundbot.example",
		"DTSTAMP:20261127T100000Z",
		"SUMMARY:Søknadsfrist: Innovasjonsprosjekt i offentlig sektor",
		"URL:https://www.forskningsradet.no/",
	} {
		if !strings.Contains(feed, want) {
			t.Errorf("feed lacks %q", want)
		}
	}
	if strings.Count(feed, "BEGIN:VEVENT") != 1 {
		t.Errorf("want one event (one known deadline), got %d", strings.Count(feed, "BEGIN:VEVENT"))
	}
}

func TestFoldKeepsUTF8AndEscapes(t *testing.T) {
	long := "DESCRIPTION:" + strings.Repeat("æøå, ", 40)
	folded := fold(long)
	for _, l := range strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("folded line of %d octets", len(l))
		}
		if !strings.HasPrefix(l, " ") && l != strings.Split(folded, "\r\n")[0] {
			t.Errorf("continuation without leading space: %q", l)
		}
	}
	if got := strings.ReplaceAll(strings.TrimSuffix(folded, "\r\n"), "\r\n ", ""); got != long {
		t.Errorf("unfolding does not give the line back")
	}
	if got := escape("a,b;c\\d\ne"); got != `a\,b\;c\\d\ne` {
		t.Errorf("escape = %q", got)
	}
}
