package insights

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultRetention is how long recorded questions are kept.
const DefaultRetention = 90 * 24 * time.Hour

// Event is one answered (or unanswered) question. It names no user.
type Event struct {
	At       time.Time
	Intent   string
	Lang     string
	Matched  bool
	Question string // the text, for fallbacks only; redacted before it is stored
}

// Count is how often one unanswered question was asked.
type Count struct {
	Question string
	N        int
}

// Usage is how many questions went to one topic in one language.
type Usage struct {
	Intent  string
	Lang    string
	Matched bool
	N       int
}

// Store keeps the counts, one bucket a day, for a retention period.
type Store interface {
	Record(ctx context.Context, e Event) error
	// Unanswered counts the fallback questions asked on or after since, most frequent first.
	Unanswered(ctx context.Context, since time.Time) ([]Count, error)
	// Usage counts questions by topic and language on or after since.
	Usage(ctx context.Context, since time.Time) ([]Usage, error)
}

// day is the bucket of t: its date in Oslo.
func day(t time.Time, loc *time.Location) string { return t.In(loc).Format("20060102") }

// days lists the buckets from since to now, oldest first, at most limit.
func days(since, now time.Time, loc *time.Location, limit int) []string {
	start := since.In(loc)
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	var out []string
	for d := start; !d.After(now) && len(out) < limit; d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format("20060102"))
	}
	return out
}

func usageField(e Event) string {
	m := "0"
	if e.Matched {
		m = "1"
	}
	return e.Intent + "|" + e.Lang + "|" + m
}

func parseUsageField(f string, n int) (Usage, bool) {
	parts := strings.Split(f, "|")
	if len(parts) != 3 {
		return Usage{}, false
	}
	return Usage{Intent: parts[0], Lang: parts[1], Matched: parts[2] == "1", N: n}, true
}

// tally sums per-day counts into sorted results.
type tally map[string]int

func (t tally) add(k string, v string) {
	n, err := strconv.Atoi(v)
	if err == nil {
		t[k] += n
	}
}

func (t tally) counts() []Count {
	out := make([]Count, 0, len(t))
	for q, n := range t {
		out = append(out, Count{Question: q, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Question < out[j].Question
	})
	return out
}

func (t tally) usage() []Usage {
	var out []Usage
	for f, n := range t {
		if u, ok := parseUsageField(f, n); ok {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		if out[i].Intent != out[j].Intent {
			return out[i].Intent < out[j].Intent
		}
		return out[i].Lang < out[j].Lang
	})
	return out
}

// questionKey is what is stored of a fallback question: redacted, folded, bounded.
func questionKey(q string) string {
	k := normalise(Redact(printable(q)))
	if len(k) > 300 {
		k = strings.ToValidUTF8(k[:300], "") + "…"
	}
	return k
}
