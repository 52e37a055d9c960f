package bot

import (
	"fmt"
	"time"

	"github.com/fundbot/fundbot/knowledge"
)

// Labels are the few fixed words every adapter prints around an answer.
var labels = map[knowledge.Lang]struct{ Source, AsOf, Suggestions string }{
	knowledge.NB: {"Kilde", "per", "Du kan også spørre om"},
	knowledge.NN: {"Kjelde", "per", "Du kan òg spørje om"},
	knowledge.EN: {"Source", "as of", "You can also ask about"},
}

// SourceLabel is "Kilde", "Kjelde" or "Source".
func SourceLabel(lang knowledge.Lang) string { return labelsFor(lang).Source }

// SuggestionsLabel introduces the suggestions.
func SuggestionsLabel(lang knowledge.Lang) string { return labelsFor(lang).Suggestions }

func labelsFor(lang knowledge.Lang) struct{ Source, AsOf, Suggestions string } {
	if l, ok := labels[lang]; ok {
		return l
	}
	return labels[knowledge.NB]
}

// AsOf writes a source's as-of date for people: "per 24. september 2022", "as of June 2023".
func AsOf(s knowledge.Source, lang knowledge.Lang) string {
	label := labelsFor(lang).AsOf
	if t, err := time.Parse("2006-01-02", s.AsOf); err == nil {
		return label + " " + knowledge.FormatDate(t, lang)
	}
	if t, err := time.Parse("2006-01", s.AsOf); err == nil {
		if lang == knowledge.EN {
			return fmt.Sprintf("%s %s %d", label, t.Month(), t.Year())
		}
		return fmt.Sprintf("%s %s %d", label, knowledge.MonthName(t.Month()), t.Year())
	}
	return label + " " + s.AsOf
}
