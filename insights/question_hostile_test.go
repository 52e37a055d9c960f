package insights

import (
	"strings"
	"testing"
	"unicode"
)

// What an operator reads in `fundbot insights`: questions as text, never
// terminal escape sequences, hidden direction changes or personal data.
func TestStoredQuestionIsPlainRedactedText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hvor mye \x1b[2J\x1b[31mpenger\x1b[0m?", "hvor mye [2j [31mpenger [0m?"},
		{"\x1b]0;hacked\x07title", "]0;hacked title"},
		{"\u202eegnep ym woh", "egnep ym woh"},
		{"ring 912\u200b34\u200b567", "ring [telefon]"},
		{"fnr 0101\u200d7012345", "fnr [fnr]"},
		{"linje1\nlinje2\r\n\tlinje3", "linje1 linje2 linje3"},
		{"søk\u00adnad", "søknad"},
	}
	for _, tt := range tests {
		if got := questionKey(tt.in); got != tt.want {
			t.Errorf("questionKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := questionKey(strings.Repeat("å", 100_000)); len(got) > 310 {
		t.Errorf("a 200 KB question is stored as %d bytes", len(got))
	}
}

func FuzzQuestionKey(f *testing.F) {
	for _, s := range []string{"\x1b[2J", "\u202e91234567", "a@b.no\u200b", "912\u200b34\u200b567", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := questionKey(s)
		for _, r := range k {
			if r != '\ufffd' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
				t.Fatalf("questionKey(%q) = %q keeps %U", s, k, r)
			}
		}
		if len(k) > 300+len("…") {
			t.Fatalf("questionKey of %d bytes", len(k))
		}
		run := 0
		for _, r := range k {
			if r >= '0' && r <= '9' {
				if run++; run >= 8 {
					t.Fatalf("questionKey(%q) = %q holds 8 digits in a row", s, k)
				}
			} else {
				run = 0
			}
		}
	})
}
