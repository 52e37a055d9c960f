package knowledge

import (
	"fmt"
	"time"
)

// Lang is the language of a question or an answer.
type Lang string

// The languages fundbot answers in. Bokmål comes first: it is the default.
const (
	NB Lang = "nb"
	NN Lang = "nn"
	EN Lang = "en"
)

// Langs lists the supported languages in order of preference.
var Langs = []Lang{NB, NN, EN}

// ParseLang accepts nb, nn or en (and the common aliases no, nob, nno, eng).
func ParseLang(s string) (Lang, error) {
	switch s {
	case "nb", "no", "nob", "bokmal", "bokmål":
		return NB, nil
	case "nn", "nno", "nynorsk":
		return NN, nil
	case "en", "eng", "english":
		return EN, nil
	}
	return "", fmt.Errorf("unknown language %q (want nb, nn or en)", s)
}

// Text holds one piece of text in each language.
type Text struct {
	NB string `yaml:"nb" json:"nb"`
	NN string `yaml:"nn" json:"nn"`
	EN string `yaml:"en" json:"en"`
}

// Get returns the text in lang, falling back to bokmål.
func (t Text) Get(lang Lang) string {
	switch lang {
	case NN:
		if t.NN != "" {
			return t.NN
		}
	case EN:
		if t.EN != "" {
			return t.EN
		}
	}
	return t.NB
}

// raw returns the text in lang without falling back.
func (t Text) raw(lang Lang) string {
	switch lang {
	case NN:
		return t.NN
	case EN:
		return t.EN
	}
	return t.NB
}

// Examples holds example questions in each language.
type Examples struct {
	NB []string `yaml:"nb"`
	NN []string `yaml:"nn"`
	EN []string `yaml:"en"`
}

// Get returns the examples in lang.
func (e Examples) Get(lang Lang) []string {
	switch lang {
	case NN:
		return e.NN
	case EN:
		return e.EN
	}
	return e.NB
}

// Source is where a fact comes from.
type Source struct {
	Title string `yaml:"title" json:"title"`
	URL   string `yaml:"url" json:"url"`
	// AsOf is the date the source was read: YYYY-MM-DD, or YYYY-MM when only the month is known.
	AsOf string `yaml:"as_of" json:"as_of"`
}

// Topic kinds decide how the bot treats a match.
const (
	KindAnswer     = "answer"     // a fact from the sources
	KindDeadline   = "deadline"   // an answer whose text depends on today's date
	KindSmalltalk  = "smalltalk"  // greeting, thanks, help: no source needed
	KindUnknown    = "unknown"    // a question the sources do not answer: the bot says so
	KindOutOfScope = "outofscope" // not about research funding at all
)

// Topic is one intent: what users ask, and what the bot answers.
type Topic struct {
	ID        string   `yaml:"id"`
	Kind      string   `yaml:"kind"`
	Title     Text     `yaml:"title"`
	Examples  Examples `yaml:"examples"`
	Answer    Text     `yaml:"answer"`
	Sources   []Source `yaml:"sources"`
	Related   []string `yaml:"related"`
	Programme string   `yaml:"-"` // the programme the topic belongs to, "" for general topics
	File      string   `yaml:"-"` // the file it was loaded from, for error messages

	inheritsSource bool // Sources were copied from the programme (checked there)
}

// Confident reports whether a match on this topic is a real answer from the knowledge base.
func (t *Topic) Confident() bool {
	return t.Kind == KindAnswer || t.Kind == KindDeadline || t.Kind == KindSmalltalk
}

// Call is one call for proposals and its deadline.
type Call struct {
	ID string `yaml:"id"`
	// Deadline is the last day to apply (YYYY-MM-DD), in TimeZone.
	Deadline string `yaml:"deadline"`
	TimeZone string `yaml:"timezone"`
	// Status is "confirmed" for a date published by the funder.
	Status string `yaml:"status"`
	Source Source `yaml:"source"`

	date time.Time // Deadline parsed at load time: midnight starting the day, in TimeZone
}

// Date is the deadline day at 00:00 in the call's time zone.
func (c Call) Date() time.Time { return c.date }

// Pattern is the usual rhythm of calls when no confirmed date is known.
type Pattern struct {
	Status        string `yaml:"status"` // "usual"
	Frequency     string `yaml:"frequency"`
	DeadlineMonth int    `yaml:"deadline_month"`
	Published     Text   `yaml:"published"`
}

// DeadlineText holds the sentences of a date-dependent deadline answer.
// Placeholders: {date} the deadline, {days} days left, {programme} the programme's name.
type DeadlineText struct {
	Upcoming Text `yaml:"upcoming"`
	Tomorrow Text `yaml:"tomorrow"` // optional: one day left reads better said so
	Today    Text `yaml:"today"`
	Passed   Text `yaml:"passed"`
	None     Text `yaml:"none"`
}

// Programme is one funding scheme, loaded from one file.
type Programme struct {
	ID           string       `yaml:"id"`
	Name         Text         `yaml:"name"`
	Owner        Text         `yaml:"owner"`
	Source       Source       `yaml:"source"`
	Calls        []Call       `yaml:"calls"`
	Pattern      Pattern      `yaml:"pattern"`
	DeadlineText DeadlineText `yaml:"deadline_text"`
	Topics       []Topic      `yaml:"topics"`
	File         string       `yaml:"-"`
}

// Lexicon is the language data the matcher uses; operators may edit it.
type Lexicon struct {
	// Synonyms: each group lists words that mean the same here; the first is canonical.
	Synonyms [][]string `yaml:"synonyms"`
	// Stopwords per language: words that carry no meaning for matching.
	Stopwords map[Lang][]string `yaml:"stopwords"`
	// Places are Norwegian counties, regions and towns: context, not content.
	Places []string `yaml:"places"`
	// Markers per language: words that tell bokmål, nynorsk and English apart.
	Markers map[Lang][]string `yaml:"markers"`
	// OtherSchemes are names of schemes this bot does not cover (phrases, lower case).
	OtherSchemes []string `yaml:"other_schemes"`
	// FollowUps are phrases that open a follow-up question ("og for", "what about").
	FollowUps []string `yaml:"follow_ups"`
}
