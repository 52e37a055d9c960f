package slack

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// plainText turns Slack's message markup into what the person typed, for the
// bot core: <@U1|ola> → @ola, <#C1|general> → #general, <!here> → @here,
// <https://x|label> → label, and &amp; &lt; &gt; back into & < >. Mentions of
// self (the bot's own user id) are dropped: "@fundbot hvem kan søke?" asks
// "hvem kan søke?".
func plainText(s, self string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(unescape(s[:i]))
		b.WriteString(markupText(s[i+1:i+j], self))
		s = s[i+j+1:]
	}
	b.WriteString(unescape(s))
	return strings.TrimSpace(b.String())
}

// markupText is the plain text of one <…> element, without its brackets.
func markupText(t, self string) string {
	target, label, hasLabel := strings.Cut(t, "|")
	label = unescape(label)
	switch {
	case strings.HasPrefix(target, "@"):
		if self != "" && target[1:] == self {
			return ""
		}
		if hasLabel && label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return "@" + target[1:]
	case strings.HasPrefix(target, "#"):
		if hasLabel && label != "" {
			return "#" + label
		}
		return "#" + target[1:]
	case strings.HasPrefix(target, "!"):
		name, _, _ := strings.Cut(target[1:], "^")
		switch name {
		case "channel", "here", "everyone":
			return "@" + name
		}
		return label
	}
	if hasLabel && label != "" {
		return label
	}
	return strings.TrimPrefix(unescape(target), "mailto:")
}

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func unescape(s string) string { return unescaper.Replace(s) }

var (
	escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	// broadcast finds the words Slack may turn into @channel, @here or
	// @everyone notifications; a word joiner after the @ keeps them text.
	broadcast = regexp.MustCompile(`(?i)@(channel|here|everyone)`)
	// bareURL finds links in answers, which become <url> links: they are
	// the one piece of markup fundbot writes itself.
	bareURL = regexp.MustCompile(`https?://[^\s<>|"]+`)
)

const wordJoiner = "\u2060"

// mrkdwn writes plain text as a Slack mrkdwn string that shows the text and
// nothing more: &, < and > are escaped, so no mention, channel link or
// <!here> can form from user input; @channel, @here and @everyone are
// defused; bare http(s) URLs become links.
func mrkdwn(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range bareURL.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		for end > start {
			r, size := utf8.DecodeLastRuneInString(s[start:end])
			if !strings.ContainsRune(".,;:!?)]}»”'", r) {
				break
			}
			end -= size
		}
		b.WriteString(escapeText(s[last:start]))
		link := broadcast.ReplaceAllString(escaper.Replace(s[start:end]), "%40$1") // "@" and "%40" mean the same in a path
		b.WriteString("<" + link + ">")
		last = end
	}
	b.WriteString(escapeText(s[last:]))
	return b.String()
}

// escapeText escapes text with no links in it.
func escapeText(s string) string {
	return broadcast.ReplaceAllString(escaper.Replace(s), "@"+wordJoiner+"$1")
}

// linkLabel is text shown inside a <url|label> link.
func linkLabel(s string) string {
	return strings.ReplaceAll(escapeText(s), "|", "¦")
}

// utf16Len counts text as Slack does for its limits: in UTF-16 code units,
// so an emoji counts twice. It is never less than the number of runes.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// prefixWithin is the longest prefix of s, cut between runes, whose
// utf16Len is at most max.
func prefixWithin(s string, max int) string {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > max {
			return s[:i]
		}
		n += w
	}
	return s
}

// split cuts escaped mrkdwn text into pieces of at most max characters, at a
// paragraph break, a line break or a space where it can, so that no entity
// (&amp;) or link (<…>) is cut in two.
func split(s string, max int) []string {
	var parts []string
	for utf16Len(s) > max {
		head := prefixWithin(s, max)
		at := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > 0 {
				at = i
				break
			}
		}
		if at <= 0 {
			at = safeCut(head)
		}
		if at <= 0 {
			at = len(head)
		}
		if at <= 0 { // max is smaller than one rune
			_, at = utf8.DecodeRuneInString(s)
		}
		parts = append(parts, strings.TrimRight(s[:at], " \n"))
		s = strings.TrimLeft(s[at:], " \n")
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}

// safeCut is where to cut head, a prefix of a longer string, so that an
// entity or link open at its end stays whole: before that entity or link.
func safeCut(head string) int {
	at := len(head)
	if i := strings.LastIndexByte(head, '&'); i >= 0 && !strings.Contains(head[i:], ";") {
		at = i
	}
	if i := strings.LastIndexByte(head[:at], '<'); i >= 0 && !strings.Contains(head[i:at], ">") {
		at = i
	}
	return at
}

// truncate shortens plain text to at most max characters, ending with "…".
func truncate(s string, max int) string {
	if utf16Len(s) <= max {
		return s
	}
	return strings.TrimSpace(prefixWithin(s, max-1)) + "…"
}
