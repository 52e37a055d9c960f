package telegramfake

import (
	"fmt"
	"regexp"
	"unicode/utf8"
)

var (
	tagPattern    = regexp.MustCompile(`^<(/?)(b|i|a)( href="[^"<>]*")?>`)
	entityPattern = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]+);`)
)

// HTMLLen checks text the way Telegram's HTML parse mode does (for the tags
// fundbot uses: b, i, a href) and returns its length after parsing, in UTF-16
// units, which is what the 4096-character limit counts.
func HTMLLen(text string) (int, error) {
	var open []string
	n := 0
	for i := 0; i < len(text); {
		switch text[i] {
		case '<':
			m := tagPattern.FindStringSubmatch(text[i:])
			if m == nil {
				return 0, fmt.Errorf("unsupported start tag at byte offset %d", i)
			}
			if m[1] == "/" {
				if len(open) == 0 || open[len(open)-1] != m[2] {
					return 0, fmt.Errorf("unmatched end tag at byte offset %d", i)
				}
				open = open[:len(open)-1]
			} else {
				if (m[2] == "a") != (m[3] != "") {
					return 0, fmt.Errorf("bad tag at byte offset %d", i)
				}
				open = append(open, m[2])
			}
			i += len(m[0])
		case '&':
			m := entityPattern.FindString(text[i:])
			if m == "" {
				return 0, fmt.Errorf("unsupported entity at byte offset %d", i)
			}
			n++
			i += len(m)
		case '>':
			return 0, fmt.Errorf("unescaped > at byte offset %d", i)
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			n++
			if r > 0xFFFF {
				n++
			}
			i += size
		}
	}
	if len(open) > 0 {
		return 0, fmt.Errorf("unclosed tag <%s>", open[len(open)-1])
	}
	return n, nil
}
