package match

import (
	"fmt"
	"strings"
)

// Explain shows how a message was read: its words, the terms they became, the
// words the knowledge base does not know, and the best topics. It is for
// knowledge-base editors asking "why did it answer that?".
func (m *Matcher) Explain(q Query) string {
	tokens := Tokens(q.Text)
	lang, sure := m.langs.detect(tokens)
	var b strings.Builder
	fmt.Fprintf(&b, "words:    %s\n", strings.Join(tokens, " "))
	fmt.Fprintf(&b, "language: %s (sure: %v)\n", lang, sure)
	var terms, unknown []string
	for _, tok := range tokens {
		if m.an.stop[tok] {
			continue
		}
		t, n := m.an.analyze([]string{tok}, lang, nil)
		if n > 0 {
			unknown = append(unknown, tok)
		}
		for _, x := range t {
			terms = append(terms, fmt.Sprintf("%s→%s(%.2f×%.1f)", tok, x.term, m.idfOf(x.term), x.weight))
		}
	}
	fmt.Fprintf(&b, "terms:    %s\n", strings.Join(terms, " "))
	fmt.Fprintf(&b, "unknown:  %s\n", strings.Join(unknown, " "))
	res := m.Match(q)
	if res.OtherScheme != "" {
		fmt.Fprintf(&b, "other scheme named: %s\n", res.OtherScheme)
	}
	for _, c := range res.Candidates {
		fmt.Fprintf(&b, "  %-28s %.3f (%s)\n", c.Topic.ID, c.Score, c.Topic.Kind)
	}
	return b.String()
}
