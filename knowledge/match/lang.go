package match

import "github.com/fundbot/fundbot/knowledge"

// langDetector tells bokmål, nynorsk and English apart by marker words.
type langDetector struct {
	markers map[string][]knowledge.Lang // word (and its folded form) -> languages it marks
}

func newLangDetector(lex knowledge.Lexicon) *langDetector {
	d := &langDetector{markers: map[string][]knowledge.Lang{}}
	for _, lang := range knowledge.Langs {
		for _, w := range lex.Markers[lang] {
			for _, t := range Tokens(w) {
				d.addMarker(t, lang)
			}
		}
	}
	// Also recognise markers typed without æøå ("kvifor", "fraa"), unless the
	// folded spelling is another language's word: "frå" folds to bokmål "fra".
	exact := make(map[string]bool, len(d.markers))
	for w := range d.markers {
		exact[w] = true
	}
	for _, lang := range knowledge.Langs {
		for _, w := range lex.Markers[lang] {
			for _, t := range Tokens(w) {
				if f := fold(t); f != t && !exact[f] {
					d.addMarker(f, lang)
				}
			}
		}
	}
	return d
}

func (d *langDetector) addMarker(w string, lang knowledge.Lang) {
	for _, l := range d.markers[w] {
		if l == lang {
			return
		}
	}
	d.markers[w] = append(d.markers[w], lang)
}

// detect returns the language of tokens and whether the evidence was enough to
// be sure; when it was not, the caller keeps the conversation's language.
func (d *langDetector) detect(tokens []string) (knowledge.Lang, bool) {
	var score [3]float64
	for _, t := range tokens {
		langs, ok := d.markers[t]
		if !ok {
			langs = d.markers[fold(t)]
		}
		for _, l := range langs {
			score[langIndex(l)] += 1 / float64(len(langs))
		}
	}
	nb, nn, en := score[0], score[1], score[2]
	switch {
	case en > nb && en > nn:
		return knowledge.EN, true
	case nn > 0 && nn >= nb:
		// Nynorsk text is full of words bokmål shares; one clear marker decides.
		return knowledge.NN, true
	case nb > 0:
		return knowledge.NB, true
	}
	return knowledge.NB, false
}

func langIndex(l knowledge.Lang) int {
	switch l {
	case knowledge.NN:
		return 1
	case knowledge.EN:
		return 2
	}
	return 0
}
