// Package insights records what users ask that the bot could not answer, and
// how questions spread over topics and languages, so that editors can improve
// the knowledge base. It keeps no user ids, and personal data in question
// texts is redacted before anything is stored.
package insights

import (
	"regexp"
	"strings"
	"unicode"
)

var (
	email = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)
	// Norwegian national identity numbers (fødselsnummer, D-number): 11 digits,
	// possibly written 6+5 with a space.
	nationalID = regexp.MustCompile(`\b\d{6}\s?\d{5}\b`)
	// Phone numbers: +47 or 0047 and 8 digits, or 8 digits in the usual groupings
	// (12345678, 123 45 678, 12 34 56 78), and longer international numbers.
	// Whatever else holds eight digits in a row is treated as personal too.
	longDigits = regexp.MustCompile(`\d{8,}`)
	date       = regexp.MustCompile(`^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$`)
	phone      = regexp.MustCompile(`(?:\+|\b00)\d{1,3}[\s.-]?\d(?:[\s.-]?\d){6,11}\b|\b\d{2,3}(?:[\s.-]?\d{2,3}){2,3}\b`)
)

// Redact replaces e-mail addresses, national identity numbers and phone
// numbers with placeholders. Identity numbers go first: they are longer than
// phone numbers and must not be half-matched as one.
func Redact(s string) string {
	s = email.ReplaceAllString(s, "[e-post]")
	s = nationalID.ReplaceAllString(s, "[fnr]")
	s = phone.ReplaceAllStringFunc(s, func(m string) string {
		if digits(m) < 8 || date.MatchString(m) {
			return m // a year, an amount or a date, not a phone number
		}
		return "[telefon]"
	})
	return longDigits.ReplaceAllString(s, "[nummer]")
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// normalise folds case and spacing so that the same question counts once.
func normalise(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// printable drops what a terminal would act on rather than show: control
// characters (escape sequences) become spaces, and invisible formatting
// (zero-width spaces, right-to-left overrides) goes. The report of questions
// is printed in an operator's terminal; and a phone number must not hide
// from Redact behind zero-width spaces.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r):
			return ' '
		case unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
}
