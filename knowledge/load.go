package knowledge

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Embedded is the knowledge base compiled into the binary.
//
//go:embed data
var embedded embed.FS

// Embedded returns the built-in knowledge base files, rooted at the data folder.
func Embedded() fs.FS {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		panic(err) // the folder is embedded at build time; missing it is a build bug
	}
	return sub
}

// Oslo is the time zone of every date users see.
func Oslo() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(fmt.Sprintf("load Europe/Oslo: %v (import time/tzdata in main)", err))
	}
	return loc
}

// KB is a loaded, checked knowledge base.
type KB struct {
	Programmes []*Programme
	General    []Topic // greeting, thanks, help, out of scope
	Lexicon    Lexicon

	topics map[string]*Topic
	order  []*Topic
}

// Topic returns the topic with the given id, or nil.
func (kb *KB) Topic(id string) *Topic { return kb.topics[id] }

// Topics lists every topic, programme topics first, in file order.
func (kb *KB) Topics() []*Topic { return kb.order }

// Programme returns the programme with the given id, or nil.
func (kb *KB) Programme(id string) *Programme {
	for _, p := range kb.Programmes {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// LoadDir loads a knowledge base from a folder on disk.
func LoadDir(dir string) (*KB, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("load kb %s: %w", dir, err)
	}
	kb, err := Load(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("load kb %s: %w", dir, err)
	}
	return kb, nil
}

// Load reads programmes/*.yaml, general.yaml and lexicon.yaml from fsys and
// checks them. Every problem found is reported, not only the first.
func Load(fsys fs.FS) (*KB, error) {
	kb := &KB{topics: map[string]*Topic{}}
	var problems Problems

	files, err := fs.Glob(fsys, "programmes/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	if len(files) == 0 {
		problems.add("programmes/", "", "no programme files (programmes/*.yaml)")
	}
	for _, name := range files {
		var p Programme
		if err := decodeFile(fsys, name, &p); err != nil {
			problems.add(name, "", "%v", err)
			continue
		}
		p.File = name
		kb.Programmes = append(kb.Programmes, &p)
	}

	var general struct {
		Topics []Topic `yaml:"topics"`
	}
	if err := decodeFile(fsys, "general.yaml", &general); err != nil {
		problems.add("general.yaml", "", "%v", err)
	}
	kb.General = general.Topics
	if err := decodeFile(fsys, "lexicon.yaml", &kb.Lexicon); err != nil {
		problems.add("lexicon.yaml", "", "%v", err)
	}

	kb.index()
	problems = append(problems, kb.check()...)
	if len(problems) > 0 {
		return nil, problems
	}
	return kb, nil
}

// Index prepares a knowledge base built in code (benchmarks, tests) the way
// Load prepares one read from files. It does not check it.
func Index(kb *KB) *KB {
	kb.topics, kb.order = map[string]*Topic{}, nil
	kb.index()
	return kb
}

func decodeFile(fsys fs.FS, name string, into any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("file is missing")
		}
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt field is an editing mistake, not something to ignore
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	return nil
}

// index links topics to their programme, fills inherited sources and parses dates.
func (kb *KB) index() {
	for _, p := range kb.Programmes {
		for i := range p.Calls {
			c := &p.Calls[i]
			if c.TimeZone == "" {
				c.TimeZone = "Europe/Oslo"
			}
			if loc, err := time.LoadLocation(c.TimeZone); err == nil {
				if d, err := time.ParseInLocation("2006-01-02", c.Deadline, loc); err == nil {
					c.date = d
				}
			}
		}
		for i := range p.Topics {
			t := &p.Topics[i]
			t.Programme, t.File = p.ID, p.File
			if len(t.Sources) == 0 && t.Kind != KindSmalltalk && t.Kind != KindOutOfScope {
				t.Sources = []Source{p.Source}
				t.inheritsSource = true
			}
			kb.add(t)
		}
	}
	for i := range kb.General {
		t := &kb.General[i]
		t.File = "general.yaml"
		kb.add(t)
	}
}

func (kb *KB) add(t *Topic) {
	if _, dup := kb.topics[t.ID]; !dup {
		kb.topics[t.ID] = t
	}
	kb.order = append(kb.order, t)
}

// Problem is one thing wrong in the knowledge base.
type Problem struct {
	File, Topic, Msg string
}

func (p Problem) String() string {
	if p.Topic == "" {
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("%s: topic %s: %s", p.File, p.Topic, p.Msg)
}

// Problems is every problem found in one load; it is an error.
type Problems []Problem

func (ps *Problems) add(file, topic, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Topic: topic, Msg: fmt.Sprintf(format, args...)})
}

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s) in the knowledge base:\n  %s", len(ps), strings.Join(lines, "\n  "))
}

// Files names the files involved, for short summaries.
func (ps Problems) Files() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		if !seen[p.File] {
			seen[p.File] = true
			out = append(out, path.Clean(p.File))
		}
	}
	return out
}
