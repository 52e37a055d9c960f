package match

import (
	"fmt"
	"math/rand"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/knowledge"
)

// syntheticKB builds a knowledge base of topics × examples from a vocabulary
// of made-up words, so the benchmark measures the index at scale.
func syntheticKB(topics, examples int, seed int64) (*knowledge.KB, []string) {
	rng := rand.New(rand.NewSource(seed))
	syll := []string{"ka", "lo", "sen", "tri", "mø", "vå", "de", "rin", "ost", "ul", "fje", "bar", "nik", "sø", "kna"}
	word := func() string {
		var b strings.Builder
		for n := 2 + rng.Intn(3); n > 0; n-- {
			b.WriteString(syll[rng.Intn(len(syll))])
		}
		return b.String()
	}
	vocab := make([]string, 20000)
	for i := range vocab {
		vocab[i] = word()
	}
	sentence := func(topicWords []string) string {
		n := 4 + rng.Intn(5)
		ws := make([]string, n)
		for i := range ws {
			if rng.Intn(3) == 0 {
				ws[i] = vocab[rng.Intn(len(vocab))]
			} else {
				ws[i] = topicWords[rng.Intn(len(topicWords))]
			}
		}
		return strings.Join(ws, " ")
	}
	kb := &knowledge.KB{}
	var queries []string
	p := &knowledge.Programme{ID: "synthetic"}
	for t := 0; t < topics; t++ {
		tw := make([]string, 8)
		for i := range tw {
			tw[i] = vocab[rng.Intn(len(vocab))]
		}
		topic := knowledge.Topic{ID: fmt.Sprintf("t%d", t), Kind: knowledge.KindAnswer, Answer: knowledge.Text{NB: sentence(tw), NN: sentence(tw), EN: sentence(tw)}}
		per := examples / 3
		for i := 0; i < examples; i++ {
			s := sentence(tw)
			switch {
			case i < per:
				topic.Examples.NB = append(topic.Examples.NB, s)
			case i < 2*per:
				topic.Examples.NN = append(topic.Examples.NN, s)
			default:
				topic.Examples.EN = append(topic.Examples.EN, s)
			}
		}
		p.Topics = append(p.Topics, topic)
		queries = append(queries, sentence(tw))
	}
	kb.Programmes = []*knowledge.Programme{p}
	return knowledge.Index(kb), queries
}

// BenchmarkMatch is the latency of one question over 1,000 topics × 20 examples.
func BenchmarkMatch(b *testing.B) {
	kb, queries := syntheticKB(1000, 20, 1)
	m := New(kb)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Match(Query{Text: queries[i%len(queries)]})
	}
}

// BenchmarkMatchLatency reports p50 and p99 of single questions, one at a time.
func BenchmarkMatchLatency(b *testing.B) {
	kb, queries := syntheticKB(1000, 20, 1)
	m := New(kb)
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		m.Match(Query{Text: queries[i%len(queries)]})
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkBuildIndex is the time and memory to build the index of 1,000 topics × 20 examples.
func BenchmarkBuildIndex(b *testing.B) {
	kb, _ := syntheticKB(1000, 20, 1)
	b.ReportAllocs()
	var heap uint64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := New(kb)
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(m)
	}
	b.ReportMetric(float64(heap)/(1<<20), "index-MB")
}

// BenchmarkMatchRealKB is one question against the shipped knowledge base.
func BenchmarkMatchRealKB(b *testing.B) {
	m := builtinMatcher(b)
	qs := []string{"Hvem kan søke?", "Hei! Eg arbeider i ein kommune. Når er fristen?", "What costs are covered?", "nar er soknadsfristen"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.Match(Query{Text: qs[i%len(qs)]})
	}
}
