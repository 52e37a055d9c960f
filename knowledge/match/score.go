package match

import (
	"math"
	"sort"

	"github.com/fundbot/fundbot/knowledge"
)

// score returns each topic's best cosine similarity to tokens, or nil when
// the tokens hold nothing to match.
func (m *Matcher) score(tokens []string, lang knowledge.Lang, out []float64) []float64 {
	terms, unknown := m.an.analyze(tokens, lang, make([]qterm, 0, 16))
	return m.scoreTerms(dedupeQ(terms), unknown, out)
}

// scoreTerms writes each topic's score into out (len(m.topics)), or returns
// nil when the terms hold nothing to match.
func (m *Matcher) scoreTerms(terms []qterm, unknown int, out []float64) []float64 {
	uw := m.maxIDF * unknownWeight
	var qsq float64
	for _, t := range terms {
		w := uw // a word known only from lexicon data
		if id, ok := m.ids[t.term]; ok {
			w = m.idf[id] * t.weight
		}
		qsq += w * w
	}
	qsq += float64(unknown) * uw * uw
	if qsq == 0 {
		return nil
	}
	qnorm := math.Sqrt(qsq)

	sc := m.scratch.Get().(*scratch)
	defer m.scratch.Put(sc)
	best := out
	clear(best)
	for _, t := range terms {
		id, ok := m.ids[t.term]
		if !ok {
			continue
		}
		w := m.idf[id]
		add := float32(w * w * t.weight)
		dots := sc.dots
		for _, d := range m.postings[id] {
			if dots[d] == 0 {
				sc.touched = append(sc.touched, d)
			}
			dots[d] += add
		}
		if m.exampleShare < 1 {
			qw := (1 - m.exampleShare) * w * t.weight / qnorm
			for _, c := range m.centroids[id] {
				best[c.topic] += qw * c.weight
			}
		}
	}
	// Only the documents a term reached are read and reset: the cost follows
	// the question, not the size of the knowledge base.
	inv := float32(1 / qnorm)
	for _, d := range sc.touched {
		ti := m.docTopic[d]
		if s := sc.dots[d] * m.docScale[d] * inv; s > sc.near[ti] {
			if sc.near[ti] == 0 {
				sc.nearTouched = append(sc.nearTouched, ti)
			}
			sc.near[ti] = s
		}
		sc.dots[d] = 0
	}
	for _, ti := range sc.nearTouched {
		best[ti] += m.exampleShare * float64(sc.near[ti])
		sc.near[ti] = 0
	}
	sc.touched, sc.nearTouched = sc.touched[:0], sc.nearTouched[:0]
	return best
}

// topicBufs hold per-topic scores while one question is matched: the
// message's, and a sentence's or the question without its greeting.
type topicBufs struct{ best, part []float64 }

// scratch is per-question working memory, pooled so questions do not allocate it.
type scratch struct {
	dots        []float32 // document -> dot product with the question
	touched     []int32   // documents with a non-zero dot product
	near        []float32 // topic -> best document similarity
	nearTouched []int32
}

// idfOf is a term's weight, 0 for a term no document has.
func (m *Matcher) idfOf(term string) float64 {
	if id, ok := m.ids[term]; ok {
		return m.idf[id]
	}
	return 0
}

func dedupeIDs(ids []int32) []int32 {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

// topN returns the n best-scoring topics, best first, by insertion into a
// short list: the knowledge base may hold thousands of topics.
func topN(topics []*knowledge.Topic, scores []float64, n int) []Candidate {
	out := make([]Candidate, 0, n+1)
	for i, s := range scores {
		if s <= 0 || (len(out) == n && s <= out[n-1].Score) {
			continue
		}
		j := len(out)
		out = append(out, Candidate{})
		for j > 0 && out[j-1].Score < s {
			out[j] = out[j-1]
			j--
		}
		out[j] = Candidate{Topic: topics[i], Score: s}
		if len(out) > n {
			out = out[:n]
		}
	}
	return out
}
