package knowledge

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// MinExamples is how many example questions each topic needs per language.
const MinExamples = 8

var kinds = map[string]bool{KindAnswer: true, KindDeadline: true, KindSmalltalk: true, KindUnknown: true, KindOutOfScope: true}

// check finds every structural problem; it never stops at the first.
func (kb *KB) check() Problems {
	var ps Problems
	seenProg := map[string]string{}
	for _, p := range kb.Programmes {
		if p.ID == "" {
			ps.add(p.File, "", "programme has no id")
		} else if other, dup := seenProg[p.ID]; dup {
			ps.add(p.File, "", "programme id %q is also used in %s", p.ID, other)
		}
		seenProg[p.ID] = p.File
		checkText(&ps, p.File, "", "name", p.Name)
		checkText(&ps, p.File, "", "owner", p.Owner)
		checkSource(&ps, p.File, "", "source", p.Source)
		for _, c := range p.Calls {
			if _, err := time.LoadLocation(c.TimeZone); err != nil {
				ps.add(p.File, "", "call %s: unknown time zone %q", c.ID, c.TimeZone)
			}
			if _, err := time.Parse("2006-01-02", c.Deadline); err != nil {
				ps.add(p.File, "", "call %s: deadline %q is not a date (want YYYY-MM-DD)", c.ID, c.Deadline)
			}
			if c.Status != "confirmed" {
				ps.add(p.File, "", "call %s: status %q: a listed call must be \"confirmed\" (the usual rhythm goes under pattern)", c.ID, c.Status)
			}
			checkSource(&ps, p.File, "", "call "+c.ID+" source", c.Source)
		}
		if p.Pattern.DeadlineMonth < 0 || p.Pattern.DeadlineMonth > 12 {
			ps.add(p.File, "", "pattern.deadline_month %d is not a month", p.Pattern.DeadlineMonth)
		}
		checkText(&ps, p.File, "", "deadline_text.upcoming", p.DeadlineText.Upcoming)
		checkText(&ps, p.File, "", "deadline_text.today", p.DeadlineText.Today)
		checkText(&ps, p.File, "", "deadline_text.passed", p.DeadlineText.Passed)
		checkText(&ps, p.File, "", "deadline_text.none", p.DeadlineText.None)
	}

	owner := map[string]string{} // normalised example -> topic id
	seenTopic := map[string]bool{}
	for _, t := range kb.order {
		if t.ID == "" {
			ps.add(t.File, "", "a topic has no id")
			continue
		}
		if seenTopic[t.ID] {
			ps.add(t.File, t.ID, "topic id is used twice")
		}
		seenTopic[t.ID] = true
		if !kinds[t.Kind] {
			ps.add(t.File, t.ID, "kind %q is not one of answer, deadline, smalltalk, unknown, outofscope", t.Kind)
		}
		checkText(&ps, t.File, t.ID, "title", t.Title)
		checkText(&ps, t.File, t.ID, "answer", t.Answer)
		for _, lang := range Langs {
			ex := t.Examples.Get(lang)
			if len(ex) < MinExamples {
				ps.add(t.File, t.ID, "%d %s examples, need at least %d", len(ex), lang, MinExamples)
			}
			for _, e := range ex {
				key := exampleKey(e)
				if len([]rune(key)) < 2 {
					ps.add(t.File, t.ID, "%s example %q is too short to be a question", lang, e)
					continue
				}
				if other, ok := owner[key]; ok && other != t.ID {
					ps.add(t.File, t.ID, "example %q is also an example of topic %s", e, other)
				}
				owner[key] = t.ID
			}
		}
		needsSource := t.Kind == KindAnswer || t.Kind == KindDeadline || t.Kind == KindUnknown
		if needsSource && len(t.Sources) == 0 {
			ps.add(t.File, t.ID, "no sources")
		}
		for i, s := range t.Sources {
			if t.inheritsSource {
				break
			}
			checkSource(&ps, t.File, t.ID, "sources["+strconv.Itoa(i)+"]", s)
		}
		for _, r := range t.Related {
			if kb.topics[r] == nil {
				ps.add(t.File, t.ID, "related topic %q does not exist", r)
			}
		}
	}
	return ps
}

func checkText(ps *Problems, file, topic, field string, t Text) {
	for _, lang := range Langs {
		if strings.TrimSpace(t.raw(lang)) == "" {
			ps.add(file, topic, "%s has no %s text", field, lang)
		}
	}
}

func checkSource(ps *Problems, file, topic, field string, s Source) {
	if strings.TrimSpace(s.Title) == "" {
		ps.add(file, topic, "%s has no title", field)
	}
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ps.add(file, topic, "%s url %q is not an http(s) address", field, s.URL)
	}
	if _, err := ParseAsOf(s.AsOf); err != nil {
		ps.add(file, topic, "%s as_of %q is not a date (want YYYY-MM-DD or YYYY-MM)", field, s.AsOf)
	}
}

// ParseAsOf parses a source's as-of date: YYYY-MM-DD, or YYYY-MM.
func ParseAsOf(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01", s)
}

// exampleKey folds an example so that trivial variants count as the same question.
func exampleKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}
