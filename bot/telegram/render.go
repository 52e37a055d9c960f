package telegram

import (
	"html"
	"net/url"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/scheduler"
)

// maxMessage is Telegram's limit on a message's text. It counts characters
// after entity parsing; we count the HTML we send in UTF-16 units, which is
// never less, so every part is within the limit.
const maxMessage = 4096

// maxButtonText keeps buttons readable; Telegram cuts long ones anyway.
const maxButtonText = 60

// outgoing is a reply as Telegram messages: HTML parts, and the keyboard
// that goes under the last one.
type outgoing struct {
	parts    []string
	keyboard [][]tgbotapi.InlineKeyboardButton
}

// block is a piece of HTML that is never split, and what joins it to the block before.
type block struct {
	sep  string
	html string
}

// renderReply writes the answer, the sources with their dates, and the
// buttons: suggestions, subscribing, languages.
func renderReply(r bot.Reply, show extras) outgoing {
	lang := r.Lang
	if lang == "" {
		lang = knowledge.NB
	}
	var blocks []block
	blocks = append(blocks, textBlocks(r.Answer, "\n\n", maxMessage)...)
	if show.start {
		blocks = append(blocks, textBlocks(startText.Get(lang), "\n\n", maxMessage)...)
	}
	for i, s := range r.Sources {
		sep := "\n"
		if i == 0 {
			sep = "\n\n"
		}
		blocks = append(blocks, block{sep: sep, html: sourceLine(s, lang)})
	}
	var out outgoing
	for _, s := range r.Suggestions {
		data := topicData(lang, s.Topic)
		if len(data) > maxCallbackData || strings.TrimSpace(s.Text) == "" {
			continue
		}
		out.keyboard = append(out.keyboard, []tgbotapi.InlineKeyboardButton{button(s.Text, data)})
	}
	if len(out.keyboard) > 0 {
		blocks = append(blocks, block{sep: "\n\n", html: "<i>" + html.EscapeString(bot.SuggestionsLabel(lang)) + ":</i>"})
	}
	switch {
	case r.Intent == intentSubscribe:
		out.keyboard = append(out.keyboard, []tgbotapi.InlineKeyboardButton{button(stopButton.Get(lang), commandData(lang, wordStop))})
	case show.subscribe || r.Intent == topicDeadline || r.Intent == intentUnsubscribe:
		out.keyboard = append(out.keyboard, []tgbotapi.InlineKeyboardButton{button(subscribeButton.Get(lang), commandData(lang, wordSubscribe))})
	}
	if show.languages {
		var row []tgbotapi.InlineKeyboardButton
		for _, l := range languageButtons {
			row = append(row, button(l.label, commandData(l.lang, wordLanguage+" "+string(l.lang))))
		}
		out.keyboard = append(out.keyboard, row)
	}
	out.parts = pack(blocks, maxMessage)
	return out
}

// renderReminder writes a scheduler message (plain text) with a button to stop.
func renderReminder(msg scheduler.Message, lang knowledge.Lang) outgoing {
	return outgoing{
		parts:    pack(textBlocks(msg.Text, "\n\n", maxMessage), maxMessage),
		keyboard: [][]tgbotapi.InlineKeyboardButton{{button(stopButton.Get(lang), commandData(lang, wordStop))}},
	}
}

// sourceLine is "<b>Kilde:</b> <a href=…>title</a> (per 24. september 2022)".
func sourceLine(s knowledge.Source, lang knowledge.Lang) string {
	title := strings.TrimSpace(s.Title)
	if title == "" {
		title = s.URL
	}
	if utf8.RuneCountInString(title) > 300 {
		title = string([]rune(title)[:299]) + "…"
	}
	var b strings.Builder
	b.WriteString("<b>" + html.EscapeString(bot.SourceLabel(lang)) + ":</b> ")
	if u, err := url.Parse(s.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		b.WriteString(`<a href="` + html.EscapeString(s.URL) + `">` + html.EscapeString(title) + "</a>")
	} else {
		b.WriteString(html.EscapeString(title))
	}
	if s.AsOf != "" {
		b.WriteString(" (" + html.EscapeString(bot.AsOf(s, lang)) + ")")
	}
	return b.String()
}

func button(text, data string) tgbotapi.InlineKeyboardButton {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > maxButtonText {
		text = string([]rune(text)[:maxButtonText-1]) + "…"
	}
	return tgbotapi.NewInlineKeyboardButtonData(text, data)
}

// textBlocks escapes plain text as blocks of whole paragraphs; a paragraph
// too long for one message is cut at line breaks, then spaces, before escaping,
// so that no cut falls inside an entity.
func textBlocks(text, sep string, limit int) []block {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return nil
	}
	var out []block
	for i, para := range strings.Split(text, "\n\n") {
		para = strings.TrimRight(strings.TrimLeft(para, "\n"), " \t\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		s := sep
		if i > 0 || len(out) > 0 {
			s = "\n\n"
		}
		for j, piece := range splitPlain(para, limit) {
			if j > 0 {
				s = "\n"
			}
			out = append(out, block{sep: s, html: html.EscapeString(piece)})
		}
	}
	return out
}

// escapedLen is the length of html.EscapeString(s) in UTF-16 units.
func escapedLen(r rune) int {
	switch r {
	case '&', '\'':
		return 5 // &amp; &#39;
	case '<', '>':
		return 4
	case '"':
		return 5 // &#34;
	}
	if r > 0xFFFF {
		return 2
	}
	return 1
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// splitPlain cuts s into pieces whose escaped form fits in limit, preferring
// a line break, then a space, and cutting between characters only when a
// single word is longer than a message.
func splitPlain(s string, limit int) []string {
	var out []string
	for s != "" {
		size, cut, lastNL, lastSpace := 0, len(s), -1, -1
		for i, r := range s {
			w := escapedLen(r)
			if size+w > limit {
				cut = i
				break
			}
			size += w
			switch r {
			case '\n':
				lastNL = i
			case ' ':
				lastSpace = i
			}
		}
		if cut == len(s) {
			out = append(out, s)
			break
		}
		next := cut
		switch {
		case lastNL > 0:
			cut, next = lastNL, lastNL+1
		case lastSpace > 0:
			cut, next = lastSpace, lastSpace+1
		}
		if piece := strings.TrimRight(s[:cut], " \n"); piece != "" {
			out = append(out, piece)
		}
		s = strings.TrimLeft(s[next:], " \n")
	}
	return out
}

// pack joins blocks into as few messages as fit, each at most limit long.
func pack(blocks []block, limit int) []string {
	var parts []string
	var cur strings.Builder
	size := 0
	for _, b := range blocks {
		n := utf16Len(b.html)
		if cur.Len() > 0 && size+utf16Len(b.sep)+n > limit {
			parts = append(parts, cur.String())
			cur.Reset()
			size = 0
		}
		if cur.Len() > 0 {
			cur.WriteString(b.sep)
			size += utf16Len(b.sep)
		}
		cur.WriteString(b.html)
		size += n
	}
	if cur.Len() > 0 {
		parts = append(parts, cur.String())
	}
	return parts
}
