package subscription

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fundbot/fundbot/knowledge"
)

func TestParseOffsets(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []int
		wantBad []string
	}{
		{name: "none means the defaults", in: "", want: nil},
		{name: "sorted descending", in: "1 14 3", want: []int{14, 3, 1}},
		{name: "commas and spaces", in: "7,1, 30", want: []int{30, 7, 1}},
		{name: "duplicates dropped", in: "7 7 1 7", want: []int{7, 1}},
		{name: "bounds are inclusive", in: "365 1", want: []int{365, 1}},
		{name: "negative and absurd", in: "-5 99999", wantBad: []string{"-5", "99999"}},
		{name: "zero", in: "0", wantBad: []string{"0"}},
		{name: "words", in: "14 dager", wantBad: []string{"dager"}},
		{name: "long junk is shortened", in: "123456789012345678", wantBad: []string{"123456789012…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOffsets(strings.Fields(tt.in))
			if tt.wantBad != nil {
				var oe *OffsetError
				if !errors.As(err, &oe) || !slices.Equal(oe.Bad, tt.wantBad) {
					t.Fatalf("err = %v, want OffsetError with %v", err, tt.wantBad)
				}
				if !strings.Contains(err.Error(), "1 to 365") {
					t.Fatalf("error %q does not say the allowed range", err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseOffsets(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestTooManyOffsets(t *testing.T) {
	_, err := ParseOffsets(strings.Fields("1 2 3 4 5 6 7 8 9 10 11"))
	var oe *OffsetError
	if !errors.As(err, &oe) || oe.TooMany != 11 {
		t.Fatalf("err = %v, want TooMany 11", err)
	}
}

func FuzzParseOffsets(f *testing.F) {
	for _, s := range []string{"14 7 1", "-5 99999", "7,7,,1", "", "1e3", "0x10", "+3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseOffsets(strings.Fields(in))
		if err != nil {
			return
		}
		if len(got) > MaxOffsets {
			t.Fatalf("%q gave %d offsets", in, len(got))
		}
		for i, d := range got {
			if d < MinOffset || d > MaxOffset {
				t.Fatalf("%q gave %d, out of range", in, d)
			}
			if i > 0 && got[i-1] <= d {
				t.Fatalf("%q gave %v, not strictly descending", in, got)
			}
		}
	})
}

func TestFormatOffsetsAndDays(t *testing.T) {
	if got := FormatOffsets(DefaultOffsets, knowledge.NB); got != "30, 14, 7 og 1" {
		t.Errorf("nb: %q", got)
	}
	if got := FormatOffsets([]int{3, 1}, knowledge.EN); got != "3 and 1" {
		t.Errorf("en: %q", got)
	}
	if got := FormatOffsets([]int{5}, knowledge.NN); got != "5" {
		t.Errorf("one: %q", got)
	}
	for _, tt := range []struct {
		n    int
		lang knowledge.Lang
		want string
	}{{1, knowledge.NB, "1 dag"}, {2, knowledge.NB, "2 dager"}, {2, knowledge.NN, "2 dagar"}, {1, knowledge.EN, "1 day"}, {9, knowledge.EN, "9 days"}} {
		if got := Days(tt.n, tt.lang); got != tt.want {
			t.Errorf("Days(%d, %s) = %q, want %q", tt.n, tt.lang, got, tt.want)
		}
	}
}
