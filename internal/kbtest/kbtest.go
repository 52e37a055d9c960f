// Package kbtest builds small, valid knowledge bases for tests of the packages
// that read deadlines (subscriptions, scheduler, bot commands).
package kbtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fundbot/fundbot/knowledge"
)

// Programme is a programme with only what deadline code needs.
type Programme struct {
	ID    string
	Name  string // the same in every language; "" means "Programme <ID>"
	Calls []Call
}

// Call is one call for proposals.
type Call struct {
	ID       string
	Deadline string // YYYY-MM-DD
	TimeZone string // "" means Europe/Oslo
}

// KB loads a knowledge base holding the programmes; it fails the test if it does not load.
func KB(t testing.TB, progs ...Programme) *knowledge.KB {
	t.Helper()
	kb, err := knowledge.Load(FS(progs...))
	if err != nil {
		t.Fatalf("kbtest: %v", err)
	}
	return kb
}

// FS is the knowledge base files for the programmes.
func FS(progs ...Programme) fstest.MapFS {
	fsys := fstest.MapFS{
		"general.yaml": {Data: []byte("topics: []\n")},
		"lexicon.yaml": {Data: []byte("synonyms: []\n")},
	}
	for _, p := range progs {
		fsys["programmes/"+p.ID+".yaml"] = &fstest.MapFile{Data: []byte(programmeYAML(p))}
	}
	return fsys
}

// WriteDir writes the knowledge base into dir, for commands that read FUNDBOT_KB_DIR.
func WriteDir(t testing.TB, dir string, progs ...Programme) {
	t.Helper()
	for name, f := range FS(progs...) {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const source = `{title: "Test source", url: "https://example.org/%s", as_of: "2026-01-01"}`

func text(s string) string {
	q := fmt.Sprintf("%q", s)
	return fmt.Sprintf("{nb: %s, nn: %s, en: %s}", q, q, q)
}

func programmeYAML(p Programme) string {
	name := p.Name
	if name == "" {
		name = "Programme " + p.ID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "id: %s\nname: %s\nowner: %s\nsource: "+source+"\n", p.ID, text(name), text("Owner"), p.ID)
	b.WriteString("calls:\n")
	if len(p.Calls) == 0 {
		b.WriteString("  []\n")
	}
	for _, c := range p.Calls {
		tz := c.TimeZone
		if tz == "" {
			tz = "Europe/Oslo"
		}
		fmt.Fprintf(&b, "  - {id: %q, deadline: %q, timezone: %q, status: confirmed, source: "+source+"}\n",
			c.ID, c.Deadline, tz, p.ID+"/"+c.ID)
	}
	fmt.Fprintf(&b, "deadline_text:\n  upcoming: %s\n  today: %s\n  passed: %s\n  none: %s\n",
		text("{programme}: {date}, {days} days"), text("{programme}: today"), text("{programme}: passed {date}"), text("{programme}: no date"))
	return b.String()
}
