package match

import (
	"strings"
	"unicode/utf8"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/norwegian"
)

// analyzer turns words into matching terms: stop words dropped, spelling
// repaired against the knowledge base's vocabulary, compounds split, words
// stemmed and synonyms merged. It is built once and only read afterwards, so
// one analyzer serves any number of goroutines.
type analyzer struct {
	stop    map[string]bool
	syn     map[string]string // surface word or stem -> canonical term
	vocab   map[string]int    // surface words of the knowledge base -> frequency
	byFold  map[string]string // folded spelling -> most frequent surface word
	deletes map[string][]string
	known   map[string]bool // terms that occur in some document

	// Filled while the index is built, read-only afterwards.
	stemsNO  map[string]string   // word -> Norwegian stem
	stemsEN  map[string]string   // word -> English stem
	splits   map[string][]string // vocabulary word -> its compound parts (nil: none)
	building bool
}

func newAnalyzer(lex knowledge.Lexicon) *analyzer {
	a := &analyzer{
		stop:     map[string]bool{},
		syn:      map[string]string{},
		vocab:    map[string]int{},
		byFold:   map[string]string{},
		deletes:  map[string][]string{},
		known:    map[string]bool{},
		stemsNO:  map[string]string{},
		stemsEN:  map[string]string{},
		splits:   map[string][]string{},
		building: true,
	}
	for _, words := range lex.Stopwords {
		for _, w := range words {
			for _, t := range Tokens(w) {
				a.stop[t] = true
			}
		}
	}
	// Place names say where the asker works, not what they ask.
	for _, w := range lex.Places {
		for _, t := range Tokens(w) {
			a.stop[t] = true
		}
	}
	for _, group := range lex.Synonyms {
		if len(group) == 0 {
			continue
		}
		canon := "=" + strings.Join(Tokens(group[0]), "_")
		for _, w := range group {
			toks := Tokens(w)
			if len(toks) != 1 {
				continue // synonyms are single words
			}
			t := toks[0]
			a.syn[t] = canon
			a.syn[a.stem(t, knowledge.NB)] = canon
			a.syn[a.stem(t, knowledge.EN)] = canon
		}
	}
	return a
}

// learn adds a document's words to the vocabulary; call before finish.
func (a *analyzer) learn(tokens []string) {
	for _, t := range tokens {
		a.vocab[t]++
	}
}

// finish builds the spelling indexes once the vocabulary is complete.
func (a *analyzer) finish() {
	for w, n := range a.vocab {
		f := fold(w)
		if best, ok := a.byFold[f]; !ok || a.vocab[best] < n || (a.vocab[best] == n && w < best) {
			a.byFold[f] = w
		}
	}
	for f := range a.byFold {
		if len(f) < 5 {
			continue
		}
		for _, d := range deletions(f) {
			a.deletes[d] = append(a.deletes[d], f)
		}
	}
	// Compounds in the vocabulary are split once, the same way for documents and questions.
	for w := range a.vocab {
		a.splits[w] = a.splitNew(w)
	}
}

// done ends the build: from here on the analyzer is only read.
func (a *analyzer) done() { a.building = false }

// stem stems w in lang, remembering results while the index is built.
func (a *analyzer) stem(w string, lang knowledge.Lang) string {
	cache := a.stemsNO
	if lang == knowledge.EN {
		cache = a.stemsEN
	}
	if s, ok := cache[w]; ok {
		return s
	}
	s := stem(w, lang)
	if a.building {
		cache[w] = s
	}
	return s
}

func stem(w string, lang knowledge.Lang) string {
	if lang == knowledge.EN {
		return english.Stem(w, false)
	}
	return norwegian.Stem(w, false)
}

// term maps a known surface word to its matching term in lang, trying the
// other stemmer when lang's stem is not in the index (a misjudged language).
func (a *analyzer) term(w string, lang knowledge.Lang) string {
	if c, ok := a.syn[w]; ok {
		return c
	}
	s := a.stem(w, lang)
	if c, ok := a.syn[s]; ok {
		return c
	}
	if len(a.known) > 0 && !a.known[s] {
		other := knowledge.EN
		if lang == knowledge.EN {
			other = knowledge.NB
		}
		if o := a.stem(w, other); a.known[o] {
			return o
		} else if c, ok := a.syn[o]; ok {
			return c
		}
	}
	return s
}

// qterm is a query term with how sure the analyzer is of it: a corrected
// typo is weaker evidence than a word typed as the knowledge base has it.
type qterm struct {
	term   string
	weight float64
}

// How much a word counts, by how it was recognised.
const (
	exactWeight = 1.0
	headWeight  = 0.8 // only the last part of an unknown compound was recognised
	typoWeight  = 0.6 // an edit away from a known word
)

// analyze returns the terms of tokens and how many content words it could not place.
func (a *analyzer) analyze(tokens []string, lang knowledge.Lang, terms []qterm) ([]qterm, int) {
	unknown := 0
	for _, tok := range tokens {
		if a.stop[tok] {
			continue
		}
		words, weight := a.resolve(tok)
		if words == nil {
			if !a.stop[fold(tok)] && len(tok) > 1 && !isNumber(tok) {
				unknown++
			}
			continue
		}
		for _, w := range words {
			if a.stop[w] {
				continue
			}
			terms = append(terms, qterm{a.term(w, lang), weight})
			if parts := a.split(w); parts != nil {
				for _, p := range parts {
					terms = append(terms, qterm{a.term(p, lang), weight})
				}
			}
		}
	}
	return terms, unknown
}

// maxWord is the longest token, in letters, that is looked at beyond an
// exact match: Norwegian compounds run to 30-odd letters.
const maxWord = 64

// resolve finds the vocabulary word(s) a typed token stands for, or nil, and
// how much to trust that reading.
func (a *analyzer) resolve(tok string) ([]string, float64) {
	if _, ok := a.vocab[tok]; ok {
		return []string{tok}, exactWeight
	}
	if w, ok := a.byFold[fold(tok)]; ok {
		return []string{w}, exactWeight
	}
	for keep := 2; keep >= 1; keep-- {
		if sq := squeeze(tok, keep); sq != tok {
			if w, ok := a.byFold[fold(sq)]; ok {
				return []string{w}, exactWeight
			}
		}
	}
	if utf8.RuneCountInString(tok) > maxWord {
		return nil, 0 // no word is this long; splitting and stemming it costs n² (a 100 KB message)
	}
	// An inflection the examples never used: "temaområdene" stems like "temaområdet".
	if a.known[a.stem(tok, knowledge.NB)] || a.known[a.stem(tok, knowledge.EN)] {
		return []string{tok}, exactWeight
	}
	if parts := a.split(tok); parts != nil {
		return parts, exactWeight
	}
	if w := a.correct(fold(tok)); w != "" {
		return []string{w}, typoWeight
	}
	if h := a.head(tok); h != "" {
		return []string{h}, headWeight
	}
	return nil, 0
}

// head finds the known last part of an unknown compound: in Norwegian the
// last part says what the thing is ("nabokommunen" is a "kommune").
func (a *analyzer) head(w string) string {
	for i := 3; i <= len(w)-4; i++ {
		if right := w[i:]; utf8.RuneCountInString(right) >= minPart && a.isWord(right) {
			return a.surface(right)
		}
	}
	return ""
}

// split breaks a compound into two known words, allowing the Norwegian
// linking -s- or -e-: "søknadsfrist" → "søknad" + "frist".
func (a *analyzer) split(w string) []string {
	if parts, ok := a.splits[w]; ok {
		return parts
	}
	return a.splitNew(w)
}

// Both parts need minPart letters: "spørsmål" is a word, not "spør" + "mål".
const minPart = 4

func (a *analyzer) splitNew(w string) []string {
	if utf8.RuneCountInString(w) < 2*minPart {
		return nil
	}
	var best []string
	bestMin := 0
	for i := 3; i <= len(w)-3; i++ {
		left, right := w[:i], w[i:]
		rn := utf8.RuneCountInString(right)
		if rn < minPart || !a.isWord(right) {
			continue
		}
		for _, l := range []string{left, strings.TrimSuffix(left, "s"), strings.TrimSuffix(left, "e")} {
			ln := utf8.RuneCountInString(l)
			if ln < minPart || !a.isWord(l) {
				continue
			}
			if m := min(ln, rn); m > bestMin {
				best, bestMin = []string{a.surface(l), a.surface(right)}, m
			}
		}
	}
	return best
}

func (a *analyzer) isWord(w string) bool {
	if a.stop[w] {
		return false
	}
	if _, ok := a.vocab[w]; ok {
		return true
	}
	if _, ok := a.byFold[fold(w)]; ok {
		return true
	}
	return len(w) >= 6 && a.known[a.stem(w, knowledge.NB)]
}

func (a *analyzer) surface(w string) string {
	if _, ok := a.vocab[w]; ok {
		return w
	}
	if s, ok := a.byFold[fold(w)]; ok {
		return s
	}
	return w // an inflection whose stem is known
}

// correct finds the vocabulary word closest to a folded, misspelt token:
// one edit allowed from 5 letters, two from 9.
func (a *analyzer) correct(f string) string {
	n := len([]rune(f))
	if n < 5 {
		return ""
	}
	maxDist := 1
	if n >= 9 {
		maxDist = 2
	}
	seen := map[string]bool{}
	var cands []string
	consider := func(c string) {
		if !seen[c] {
			seen[c] = true
			cands = append(cands, c)
		}
	}
	for _, c := range a.deletes[f] {
		consider(c)
	}
	for _, d := range deletions(f) {
		if _, ok := a.byFold[d]; ok {
			consider(d)
		}
		for _, c := range a.deletes[d] {
			consider(c)
		}
		if maxDist == 2 {
			for _, dd := range deletions(d) {
				if _, ok := a.byFold[dd]; ok {
					consider(dd)
				}
				for _, c := range a.deletes[dd] {
					consider(c)
				}
			}
		}
	}
	best, bestDist, bestFreq := "", maxDist+1, 0
	for _, c := range cands {
		d := distance(f, c)
		w := a.byFold[c]
		if d < bestDist || (d == bestDist && a.vocab[w] > bestFreq) {
			best, bestDist, bestFreq = w, d, a.vocab[w]
		}
	}
	if bestDist > maxDist {
		return ""
	}
	return best
}

// deletions lists every string made by removing one letter.
func deletions(s string) []string {
	r := []rune(s)
	out := make([]string, 0, len(r))
	for i := range r {
		out = append(out, string(r[:i])+string(r[i+1:]))
	}
	return out
}

// distance is the optimal string alignment distance (Levenshtein plus
// adjacent transpositions), the usual measure of a typing slip.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
