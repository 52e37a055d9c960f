package match

import "github.com/fundbot/fundbot/knowledge"

// CheckExamples matches every topic's own examples back and reports those that
// land on another topic: an example the matcher cannot place will confuse users too.
func CheckExamples(m *Matcher) knowledge.Problems {
	var ps knowledge.Problems
	for _, t := range m.topics {
		for _, lang := range knowledge.Langs {
			for _, ex := range t.Examples.Get(lang) {
				res := m.Match(Query{Text: ex, Lang: lang})
				if res.Topic == nil {
					ps = append(ps, knowledge.Problem{File: t.File, Topic: t.ID, Msg: "example " + quote(ex) + " matches no topic"})
					continue
				}
				if res.Topic.ID != t.ID && !(res.OtherScheme != "" && t.ID == "other_schemes") {
					ps = append(ps, knowledge.Problem{File: t.File, Topic: t.ID, Msg: "example " + quote(ex) + " matches topic " + res.Topic.ID + " instead"})
				}
			}
		}
	}
	return ps
}

func quote(s string) string { return "«" + s + "»" }
