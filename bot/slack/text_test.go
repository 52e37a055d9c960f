package slack

import (
	"strings"
	"testing"
)

func TestPlainTextReadsSlackMarkup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<@UBOT> hvem kan søke?", "hvem kan søke?"},
		{"hei <@UBOT|fundbot>, hva dekkes?", "hei , hva dekkes?"},
		{"<@U1> og <@U2|kari> lurer", "@U1 og @kari lurer"},
		{"<!channel> <!here|here> <!everyone>", "@channel @here @everyone"},
		{"<!subteam^S1|@økonomi> frist?", "@økonomi frist?"},
		{"<!date^1392734382^{date}|17. feb 2014> frist", "17. feb 2014 frist"},
		{"se <https://example.org/a?b=1&amp;c=2|siden> og <https://example.org>", "se siden og https://example.org"},
		{"<mailto:post@kommune.no|post@kommune.no>", "post@kommune.no"},
		{"<#C1|tilskudd> spør", "#tilskudd spør"},
		{"R&amp;D &lt;3 &gt; 2", "R&D <3 > 2"},
		{"&lt;!channel&gt;", "<!channel>"},
		{"a < b", "a < b"}, // not markup: Slack escapes a real "<", but be lenient
		{"", ""},
	}
	for _, tt := range tests {
		if got := plainText(tt.in, "UBOT"); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMrkdwnShowsTextAndNothingMore(t *testing.T) {
	tests := []struct{ in, want string }{
		{"R&D <3", "R&amp;D &lt;3"},
		{"<!channel> <@U1> <#C1>", "&lt;!channel&gt; &lt;@U1&gt; &lt;#C1&gt;"},
		{"hei @channel og @Here, @everyone!", "hei @\u2060channel og @\u2060Here, @\u2060everyone!"},
		{"Les https://example.org/a?b=1&c=2.", "Les <https://example.org/a?b=1&amp;c=2>."},
		{"(se https://example.org/x)", "(se <https://example.org/x>)"},
		{"https://x.org/<!here>", "<https://x.org/>&lt;!here&gt;"},
		{"a|b", "a|b"},
	}
	for _, tt := range tests {
		if got := mrkdwn(tt.in); got != tt.want {
			t.Errorf("mrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitKeepsEntitiesAndLinksWhole(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
	}{
		{"paragraphs", strings.Repeat("Et avsnitt om fristen.\n\n", 400), 3000},
		{"one long word", strings.Repeat("x", 7000), 3000},
		{"entities at the cut", strings.Repeat("&amp;", 1000), 3001},
		{"link at the cut", strings.Repeat("y", 2990) + "<https://example.org/very/long/path>" + strings.Repeat("z", 100), 3000},
		{"emoji count twice", strings.Repeat("😀", 2000), 3000},
		{"short", "kort", 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := split(tt.in, tt.max)
			for _, p := range parts {
				if n := utf16Len(p); n > tt.max {
					t.Errorf("a part holds %d characters, max %d", n, tt.max)
				}
				if i := strings.LastIndexByte(p, '&'); i >= 0 && !strings.Contains(p[i:], ";") {
					t.Errorf("an entity is cut: …%q", p[max(0, len(p)-10):])
				}
				if strings.Count(p, "<") != strings.Count(p, ">") {
					t.Errorf("a link is cut: %q…", p[:min(len(p), 40)])
				}
			}
			joined := strings.Join(parts, "")
			if strip(joined) != strip(tt.in) {
				t.Error("text was lost or changed in splitting")
			}
		})
	}
}

func strip(s string) string { return strings.Join(strings.Fields(s), "") }

func TestTruncate(t *testing.T) {
	if got := truncate("Hvem kan søke?", 8); got != "Hvem ka…" || utf16Len(got) > 8 {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("kort", 8); got != "kort" {
		t.Errorf("truncate = %q", got)
	}
}
