package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxInput is how much of a message is read: questions are short, and a
// longer message must not cost more than this.
const MaxInput = 2000

// Normalize turns a chat message into plain lower-case words: Unicode NFC,
// Slack and Telegram markup, links, emoji and punctuation removed.
func Normalize(msg string) string {
	return strings.Join(Tokens(msg), " ")
}

// Tokens splits a chat message into normalised words.
func Tokens(msg string) []string {
	if len(msg) > MaxInput {
		msg = msg[:MaxInput]
	}
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, " ")
	}
	msg = norm.NFC.String(stripMarkup(msg))
	var tokens []string
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		tokens = appendWord(tokens, b.String())
		b.Reset()
	}
	for _, r := range msg {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == '\'' || r == '’':
			b.WriteByte('\'')
		case unicode.Is(unicode.Cf, r):
			// Invisible: zero-width spaces and joiners, soft hyphens, direction
			// marks. Copied text carries them inside words ("søk\u00adnad").
		default:
			flush()
		}
	}
	flush()
	return tokens
}

// appendWord adds one word, resolving English contractions: "isn't" → "is not",
// "what's" → "what".
func appendWord(tokens []string, w string) []string {
	w = strings.Trim(w, "'")
	if w == "" {
		return tokens
	}
	if !strings.Contains(w, "'") {
		return append(tokens, w)
	}
	if strings.HasSuffix(w, "n't") {
		base := strings.TrimSuffix(w, "n't")
		switch base {
		case "ca":
			base = "can"
		case "wo":
			base = "will"
		}
		if base != "" {
			tokens = append(tokens, base)
		}
		return append(tokens, "not")
	}
	head, _, _ := strings.Cut(w, "'")
	return append(tokens, head)
}

// stripMarkup removes chat-platform markup that is not part of the question.
func stripMarkup(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '<':
			// Slack: <@U123>, <!channel>, <#C1|name>, <https://x|label>, <mailto:x|label>.
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				b.WriteByte(' ')
				i++
				continue
			}
			inner := s[i+1 : i+end]
			if bar := strings.IndexByte(inner, '|'); bar >= 0 && len(inner) > 0 && inner[0] != '@' && inner[0] != '!' {
				b.WriteString(" " + inner[bar+1:] + " ")
			} else {
				b.WriteByte(' ')
			}
			i += end + 1
		case c == '@' && (i == 0 || isSpace(s[i-1])):
			// Telegram and Slack mentions: @fundbot_bot, @here.
			j := i + 1
			for j < len(s) && !isSpace(s[j]) {
				j++
			}
			b.WriteByte(' ')
			i = j
		case c == ':' && i+1 < len(s) && isEmojiNameByte(s[i+1]):
			// Slack emoji codes such as :smile: or :+1:.
			j := i + 1
			for j < len(s) && isEmojiNameByte(s[j]) {
				j++
			}
			if j < len(s) && s[j] == ':' && j-i > 1 {
				b.WriteByte(' ')
				i = j + 1
			} else {
				b.WriteByte(c)
				i++
			}
		case hasURLPrefix(s[i:]):
			j := i
			for j < len(s) && !isSpace(s[j]) {
				j++
			}
			b.WriteByte(' ')
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func hasURLPrefix(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "www.")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isEmojiNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-'
}

// fold maps Norwegian letters to the ASCII spellings people type without
// them (ø→o, å→a, æ→ae, oe→o, aa→a), so "soknadsfrist" finds "søknadsfrist".
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case 'æ', 'ä':
			b.WriteString("ae")
		case 'ø', 'ö':
			b.WriteByte('o')
		case 'å':
			b.WriteByte('a')
		case 'é', 'è', 'ê':
			b.WriteByte('e')
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if strings.Contains(out, "aa") || strings.Contains(out, "oe") {
		out = strings.NewReplacer("aa", "a", "oe", "o").Replace(out)
	}
	return out
}

// squeeze shortens runs of one letter: "hvaaaa" → "hva", "takkk" → "takk".
// keep is the longest run left (1 or 2).
func squeeze(s string, keep int) string {
	var b strings.Builder
	var prev rune
	run := 0
	for _, r := range s {
		if r == prev {
			run++
		} else {
			prev, run = r, 1
		}
		if run <= keep {
			b.WriteRune(r)
		}
	}
	return b.String()
}
