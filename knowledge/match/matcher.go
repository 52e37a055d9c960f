// Package match finds the topic a chat message asks about, in bokmål,
// nynorsk or English, and says how sure it is.
package match

import (
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/fundbot/fundbot/knowledge"
)

// Weights of the scoring; chosen by measurement on the eval sets (see README).
const (
	answerDocWeight     = 0.85 // an answer text is weaker evidence than an example question
	unknownWeight       = 1.0  // share of a rare term's weight that an unplaceable word takes
	followUpBonus       = 0.12 // pull towards the last topic when a message opens as a follow-up
	idfFromExamplesOnly = true
	exampleShare        = 0.7 // nearest example vs topic centroid in a topic's score
	smalltalkYield      = 0.3 // a question scoring this much without its smalltalk words beats the greeting around it
)

// Result is the outcome of matching one message.
type Result struct {
	Lang     knowledge.Lang // detected language
	LangSure bool           // false when the message was too short to tell
	// Topic is the best topic, which may be of kind unknown or outofscope; nil when nothing matched.
	Topic      *knowledge.Topic
	Confidence float64 // 0..1
	// Candidates are the best topics, best first, at most 5.
	Candidates []Candidate
	// OtherScheme is set when the message names a scheme the knowledge base does not cover.
	OtherScheme string
	// FollowUp is true when the message opened like a follow-up ("og for ...", "what about ...").
	FollowUp bool
}

// Candidate is one scored topic.
type Candidate struct {
	Topic *knowledge.Topic
	Score float64
}

type doc struct {
	topic  int
	weight float64 // answerDocWeight for answer texts, 1 for examples
	norm   float64
}

// Matcher scores messages against every topic's examples and answers.
// It is immutable once built and safe for concurrent use.
type Matcher struct {
	kb        *knowledge.KB
	topics    []*knowledge.Topic
	an        *analyzer
	langs     *langDetector
	docs      []doc
	docTopic  []int32          // document -> topic, apart from docs for a cache-friendly scoring loop
	docScale  []float32        // document -> weight / norm
	ids       map[string]int32 // term -> id
	terms     []string         // id -> term
	postings  [][]int32        // term id -> documents containing it
	idf       []float64        // term id -> inverse document frequency over topics
	maxIDF    float64
	schemes   [][]string // folded token sequences of other schemes' names
	followUps [][]string
	scratch   sync.Pool
	topicBufs sync.Pool
	// centroids: term id -> (topic, weight) of each topic's normalised mean document vector.
	centroids [][]centroidWeight
	// exampleShare is the weight of the nearest example against the topic centroid.
	exampleShare float64
	// smalltalk marks term ids that occur in greeting, thanks or help examples.
	smalltalk []bool
}

type centroidWeight struct {
	topic  int32
	weight float64
}

// New builds a matcher over kb.
func New(kb *knowledge.KB) *Matcher {
	m := &Matcher{
		kb:    kb,
		an:    newAnalyzer(kb.Lexicon),
		langs: newLangDetector(kb.Lexicon),
		ids:   map[string]int32{},
	}
	type rawDoc struct {
		topic  int
		lang   knowledge.Lang
		tokens []string
		weight float64
	}
	var raws []rawDoc
	for ti, t := range kb.Topics() {
		m.topics = append(m.topics, t)
		for _, lang := range knowledge.Langs {
			for _, ex := range t.Examples.Get(lang) {
				raws = append(raws, rawDoc{ti, lang, Tokens(ex), 1})
			}
			if t.Kind == knowledge.KindAnswer || t.Kind == knowledge.KindUnknown {
				// Each line of an answer is a document of its own, so that a
				// question about one item of a list ("støtter dere barnevern?")
				// finds the line that names it.
				raws = append(raws, rawDoc{ti, lang, Tokens(t.Title.Get(lang)), answerDocWeight})
				for _, line := range strings.Split(t.Answer.Get(lang), "\n") {
					if toks := Tokens(line); len(toks) > 0 {
						raws = append(raws, rawDoc{ti, lang, toks, answerDocWeight})
					}
				}
			}
		}
	}
	for _, r := range raws {
		m.an.learn(r.tokens)
	}
	// Words that appear only in the synonym lists are still words the bot knows.
	for _, group := range kb.Lexicon.Synonyms {
		for _, w := range group {
			m.an.learn(Tokens(w))
		}
	}
	m.an.finish()

	// Terms get dense ids so that building and scoring index slices, not maps.
	termsOf := make([][]int32, len(raws))
	lastTopic := map[int32]int{}
	var df []int
	for i, r := range raws {
		qts, _ := m.an.analyze(r.tokens, r.lang, nil)
		ids := make([]int32, 0, len(qts))
		for _, q := range qts {
			id, ok := m.ids[q.term]
			if !ok {
				id = int32(len(m.terms))
				m.ids[q.term] = id
				m.terms = append(m.terms, q.term)
				df = append(df, 0)
				m.an.known[q.term] = true
			}
			ids = append(ids, id)
		}
		ids = dedupeIDs(ids)
		termsOf[i] = ids
		// Rarity is judged on the questions people ask: answers repeat
		// words like "ikke" that would otherwise look common.
		if r.weight == 1 || !idfFromExamplesOnly {
			for _, id := range ids {
				if last, seen := lastTopic[id]; !seen || last != r.topic {
					lastTopic[id] = r.topic
					df[id]++
				}
			}
		}
	}
	n := float64(len(m.topics))
	m.idf = make([]float64, len(m.terms))
	for id, d := range df {
		m.idf[id] = math.Log(1 + n/float64(max(1, d)))
		m.maxIDF = math.Max(m.maxIDF, m.idf[id])
	}
	m.postings = make([][]int32, len(m.terms))
	for i, r := range raws {
		var sq float64
		for _, id := range termsOf[i] {
			sq += m.idf[id] * m.idf[id]
			m.postings[id] = append(m.postings[id], int32(i))
		}
		m.docs = append(m.docs, doc{topic: r.topic, weight: r.weight, norm: math.Sqrt(sq)})
		m.docTopic = append(m.docTopic, int32(r.topic))
		scale := float32(0)
		if sq > 0 {
			scale = float32(r.weight / math.Sqrt(sq))
		}
		m.docScale = append(m.docScale, scale)
	}
	// Each topic's centroid: the mean of its normalised documents, normalised.
	m.centroids = make([][]centroidWeight, len(m.terms))
	cent := map[int32]float64{}
	flush := func(topic int) {
		var sq float64
		for _, w := range cent {
			sq += w * w
		}
		for id, w := range cent {
			m.centroids[id] = append(m.centroids[id], centroidWeight{int32(topic), w / math.Sqrt(sq)})
		}
		clear(cent)
	}
	for i, d := range m.docs {
		if i > 0 && d.topic != m.docs[i-1].topic {
			flush(m.docs[i-1].topic)
		}
		if d.norm == 0 {
			continue
		}
		for _, id := range termsOf[i] {
			cent[id] += d.weight * m.idf[id] / d.norm
		}
	}
	if len(m.docs) > 0 {
		flush(m.docs[len(m.docs)-1].topic)
	}
	m.exampleShare = exampleShare
	m.smalltalk = make([]bool, len(m.terms))
	for i, d := range m.docs {
		if m.topics[d.topic].Kind == knowledge.KindSmalltalk {
			for _, id := range termsOf[i] {
				m.smalltalk[id] = true
			}
		}
	}
	for _, s := range kb.Lexicon.OtherSchemes {
		if toks := foldAll(Tokens(s)); len(toks) > 0 {
			m.schemes = append(m.schemes, toks)
		}
	}
	for _, s := range kb.Lexicon.FollowUps {
		if toks := foldAll(Tokens(s)); len(toks) > 0 {
			m.followUps = append(m.followUps, toks)
		}
	}
	m.an.done()
	m.topicBufs.New = func() any {
		return &topicBufs{best: make([]float64, len(m.topics)), part: make([]float64, len(m.topics))}
	}
	m.scratch.New = func() any {
		return &scratch{dots: make([]float32, len(m.docs)), near: make([]float32, len(m.topics))}
	}
	return m
}

// KB returns the knowledge base the matcher was built from.
func (m *Matcher) KB() *knowledge.KB { return m.kb }

// Query is one message to match.
type Query struct {
	Text string
	// Lang, when set, is the language to answer in; detection still runs to stem well.
	Lang knowledge.Lang
	// PrevLang is the conversation's last language, used when the message is too short to tell.
	PrevLang knowledge.Lang
	// PrevTopic is the conversation's last topic, for follow-ups.
	PrevTopic string
}

// Match scores q against every topic.
func (m *Matcher) Match(q Query) Result {
	tokens := Tokens(q.Text)
	lang, sure := m.langs.detect(tokens)
	if !sure && q.PrevLang != "" {
		lang = q.PrevLang
	}
	res := Result{Lang: lang, LangSure: sure}
	stemLang := lang
	if q.Lang != "" {
		res.Lang = q.Lang
		if !sure {
			stemLang = q.Lang
		}
	}
	folded := foldAll(tokens)
	for _, s := range m.schemes {
		if containsSeq(folded, s) {
			res.OtherScheme = strings.Join(s, " ")
			break
		}
	}
	for _, f := range m.followUps {
		if hasPrefixSeq(folded, f) {
			res.FollowUp = true
			break
		}
	}

	tb := m.topicBufs.Get().(*topicBufs)
	defer m.topicBufs.Put(tb)
	best := m.score(tokens, stemLang, tb.best)
	if best == nil {
		return res
	}
	// A long message often wraps its question in context ("we are a small
	// municipality and ..."): each sentence is also scored on its own.
	if parts := questions(clip(q.Text)); len(parts) > 0 {
		for _, p := range parts {
			terms, unknown := m.an.analyze(Tokens(p), stemLang, nil)
			if terms = dedupeQ(terms); len(terms) < 2 {
				continue // "Er det relevant?" means little without the sentences before it
			}
			for i, s := range m.scoreTerms(terms, unknown, tb.part) {
				best[i] = math.Max(best[i], s)
			}
		}
	}

	m.yieldSmalltalk(best, tokens, stemLang, tb.part)
	if res.FollowUp && q.PrevTopic != "" {
		for i, t := range m.topics {
			if t.ID == q.PrevTopic && best[i] > 0 {
				best[i] += followUpBonus
			}
		}
	}
	res.Candidates = topN(m.topics, best, 5)
	if len(res.Candidates) > 0 {
		res.Topic = res.Candidates[0].Topic
		res.Confidence = math.Min(1, res.Candidates[0].Score)
	}
	return res
}

// yieldSmalltalk lets a real question win over the greeting or thanks around
// it: "Hei! Hvem kan søke?" asks who can apply. What is left once the
// smalltalk words are taken out must match a topic on its own.
func (m *Matcher) yieldSmalltalk(best []float64, tokens []string, lang knowledge.Lang, buf []float64) {
	var top, small float64
	for i, t := range m.topics {
		if t.Kind == knowledge.KindSmalltalk {
			small = math.Max(small, best[i])
		} else {
			top = math.Max(top, best[i])
		}
	}
	if small <= top {
		return
	}
	terms, unknown := m.an.analyze(tokens, lang, nil)
	rest := terms[:0]
	for _, t := range dedupeQ(terms) {
		if id, ok := m.ids[t.term]; !ok || !m.smalltalk[id] {
			rest = append(rest, t)
		}
	}
	if len(rest)+unknown == 0 {
		return
	}
	var restTop float64
	for i, s := range m.scoreTerms(rest, unknown, buf) {
		if m.topics[i].Kind != knowledge.KindSmalltalk {
			restTop = math.Max(restTop, s)
		}
	}
	if restTop < smalltalkYield {
		return
	}
	for i, t := range m.topics {
		if t.Kind == knowledge.KindSmalltalk && best[i] >= top {
			best[i] = top * 0.99
		}
	}
}

// clip bounds the text that is split into sentences, as Tokens bounds the
// words it reads: a huge message must not cost more than a long question.
func clip(text string) string {
	if len(text) > MaxInput {
		return strings.ToValidUTF8(text[:MaxInput], "")
	}
	return text
}

// questions returns the parts of a multi-sentence message that carry its
// question: sentences ending in "?", and the last sentence. Context such as
// "we are considering applying." is left to the whole-message score. It
// returns nil for a message of one sentence.
func questions(text string) []string {
	var out []string
	start, n := 0, 0
	for i, r := range text {
		switch r {
		case '.', '?', '!', '\n', ';':
			part := text[start:i]
			if strings.TrimSpace(part) != "" {
				n++
				if r == '?' {
					out = append(out, part)
				}
			}
			start = i + 1
		}
	}
	last := strings.TrimSpace(text[start:])
	if last != "" {
		n++
		out = append(out, last)
	}
	if n < 2 {
		return nil
	}
	return out
}

// dedupeQ keeps each term once, with its best weight.
func dedupeQ(terms []qterm) []qterm {
	sort.Slice(terms, func(i, j int) bool {
		if terms[i].term != terms[j].term {
			return terms[i].term < terms[j].term
		}
		return terms[i].weight > terms[j].weight
	})
	out := terms[:0]
	for i, t := range terms {
		if i == 0 || t.term != terms[i-1].term {
			out = append(out, t)
		}
	}
	return out
}

func foldAll(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = fold(t)
	}
	return out
}

func containsSeq(tokens, seq []string) bool {
	for i := 0; i+len(seq) <= len(tokens); i++ {
		if hasPrefixSeq(tokens[i:], seq) {
			return true
		}
	}
	return false
}

func hasPrefixSeq(tokens, seq []string) bool {
	if len(seq) > len(tokens) {
		return false
	}
	for i, s := range seq {
		if tokens[i] != s {
			return false
		}
	}
	return true
}
