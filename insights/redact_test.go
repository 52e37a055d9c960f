package insights

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"send svar til ola.nordmann@kommune.no takk", "send svar til [e-post] takk"},
		{"mitt fnr er 01017012345", "mitt fnr er [fnr]"},
		{"fødselsnummer 010170 12345, hjelp", "fødselsnummer [fnr], hjelp"},
		{"ring meg på 912 34 567", "ring meg på [telefon]"},
		{"ring 91234567 eller +47 22 33 44 55", "ring [telefon] eller [telefon]"},
		{"tlf 0047 98765432", "tlf [telefon]"},
		{"tel. 22 33 44 55", "tel. [telefon]"},
		{"fristen 21.09.2022 og 2023", "fristen 21.09.2022 og 2023"},
		{"budsjett 500 000 kr", "budsjett 500 000 kr"},
		{"hvem kan søke?", "hvem kan søke?"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzRedactLeavesNoLongDigitRuns(f *testing.F) {
	for _, s := range []string{"01017012345", "+4791234567", "a@b.no", "912 34 567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		run := 0
		for _, r := range out {
			if r >= '0' && r <= '9' {
				run++
				if run >= 8 {
					t.Fatalf("Redact(%q) = %q still holds 8 digits in a row", s, out)
				}
			} else {
				run = 0
			}
		}
		if strings.Contains(out, "@") && email.MatchString(out) {
			t.Fatalf("Redact(%q) = %q still holds an e-mail address", s, out)
		}
	})
}
