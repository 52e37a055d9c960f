package subscription

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fundbot/fundbot/knowledge"
)

// DefaultOffsets are the reminders a subscriber gets without choosing: 30, 14,
// 7 and 1 days before a deadline.
var DefaultOffsets = []int{30, 14, 7, 1}

// Limits on offsets: whole days within a year, at most MaxOffsets of them.
const (
	MinOffset  = 1
	MaxOffset  = 365
	MaxOffsets = 10
)

// OffsetError says which offsets a user gave that cannot be used.
type OffsetError struct {
	Bad     []string // values that are not whole days from MinOffset to MaxOffset
	TooMany int      // the number given, when there are more than MaxOffsets
}

func (e *OffsetError) Error() string {
	if len(e.Bad) > 0 {
		return fmt.Sprintf("reminder days must be whole numbers from %d to %d; not valid: %s", MinOffset, MaxOffset, strings.Join(e.Bad, ", "))
	}
	return fmt.Sprintf("at most %d reminder days, got %d", MaxOffsets, e.TooMany)
}

// ParseOffsets reads reminder days as a user types them ("14 7 1", "14,7,1").
// It returns them deduplicated and sorted descending; no fields gives nil,
// which means DefaultOffsets.
func ParseOffsets(fields []string) ([]int, error) {
	var days []int
	var bad []string
	for _, f := range fields {
		for part := range strings.SplitSeq(f, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil || n < MinOffset || n > MaxOffset {
				if len(part) > 12 {
					part = part[:12] + "…"
				}
				bad = append(bad, part)
				continue
			}
			days = append(days, n)
		}
	}
	if len(bad) > 0 {
		return nil, &OffsetError{Bad: bad}
	}
	return NormalizeOffsets(days)
}

// NormalizeOffsets checks offsets and returns them deduplicated and sorted descending.
func NormalizeOffsets(days []int) ([]int, error) {
	if len(days) == 0 {
		return nil, nil
	}
	var bad []string
	out := make([]int, 0, len(days))
	for _, d := range days {
		if d < MinOffset || d > MaxOffset {
			bad = append(bad, strconv.Itoa(d))
			continue
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(bad) > 0 {
		return nil, &OffsetError{Bad: bad}
	}
	if len(out) > MaxOffsets {
		return nil, &OffsetError{TooMany: len(out)}
	}
	slices.SortFunc(out, func(a, b int) int { return b - a })
	return out, nil
}

// FormatOffsets writes offsets as a list in lang: "30, 14, 7 og 1", "30, 14, 7 and 1".
func FormatOffsets(days []int, lang knowledge.Lang) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(d)
	}
	and := " og "
	if lang == knowledge.EN {
		and = " and "
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + and + parts[len(parts)-1]
}

// Days writes "1 dag", "3 dagar", "2 days".
func Days(n int, lang knowledge.Lang) string {
	switch {
	case lang == knowledge.EN && n == 1:
		return "1 day"
	case lang == knowledge.EN:
		return strconv.Itoa(n) + " days"
	case n == 1:
		return "1 dag"
	case lang == knowledge.NN:
		return strconv.Itoa(n) + " dagar"
	}
	return strconv.Itoa(n) + " dager"
}
