package slack

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// Slack's limits on a message.
const (
	maxSectionText = 3000 // characters in one section block's text
	maxBlocks      = 50   // blocks in one message
	maxButtonText  = 75   // characters on a button
	maxButtonValue = 2000
	maxFallback    = 3000 // characters of the notification text we send (Slack truncates at 40,000)
	maxSources     = 5
)

// message is a reply in Block Kit, with the plain text Slack shows in
// notifications and reads to screen readers.
type message struct {
	blocks []slack.Block
	text   string
}

// renderReply writes a bot reply as Block Kit: the answer in sections of at
// most 3,000 characters, a context line with the sources and their dates,
// and buttons for the suggestions and for subscribing. Everything taken from
// the reply is escaped, so it shows as text and never as a mention.
func renderReply(r bot.Reply, j job) message {
	lang := r.Lang
	if lang == "" {
		lang = knowledge.NB
	}
	var tail []slack.Block
	if c := sourcesBlock(r.Sources, lang, j.usage); c != nil {
		tail = append(tail, c)
	}
	if a := actionsBlock(r.Suggestions, lang, j); a != nil {
		tail = append(tail, a)
	}
	blocks := sections(r.Answer, maxBlocks-len(tail))
	return message{blocks: append(blocks, tail...), text: mrkdwn(truncate(fallbackText(r.Answer), maxFallback))}
}

// renderText writes plain text (a reminder) as sections.
func renderText(text string) message {
	return message{blocks: sections(text, maxBlocks), text: mrkdwn(truncate(fallbackText(text), maxFallback))}
}

func fallbackText(s string) string {
	if strings.TrimSpace(s) == "" {
		return "…"
	}
	return s
}

// sections splits text into at most n section blocks; text beyond them is cut with "…".
func sections(text string, n int) []slack.Block {
	parts := split(mrkdwn(fallbackText(strings.TrimSpace(text))), maxSectionText)
	if len(parts) > n {
		parts = parts[:n]
		parts[n-1] = split(parts[n-1], maxSectionText-1)[0] + "…"
	}
	blocks := make([]slack.Block, 0, len(parts))
	for _, p := range parts {
		if p == "" {
			continue
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, p, false, true), nil, nil))
	}
	return blocks
}

// sourcesBlock is the context line: "Kilde: <link|title> · per 24. september 2022".
func sourcesBlock(sources []knowledge.Source, lang knowledge.Lang, usage string) slack.Block {
	var elems []slack.MixedElement
	for i, s := range sources {
		if i == maxSources {
			break
		}
		line := bot.SourceLabel(lang) + ": " + sourceLink(s) + " · " + linkLabel(bot.AsOf(s, lang))
		elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, line, false, true))
	}
	if usage != "" {
		elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, usage, false, true))
	}
	if len(elems) == 0 {
		return nil
	}
	return slack.NewContextBlock(sourcesBlockID, elems...)
}

var urlEscaper = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20")

// sourceLink is a mrkdwn link to the source, or its title alone when its URL is not http(s).
func sourceLink(s knowledge.Source) string {
	title := truncate(strings.TrimSpace(s.Title), 200)
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return linkLabel(title)
	}
	if title == "" {
		title = u.Host
	}
	return "<" + urlEscaper.Replace(s.URL) + "|" + linkLabel(title) + ">"
}

// plainLabel makes text safe for a plain_text field, which Slack does not
// parse; still, no angle bracket or broadcast word survives, should a field
// ever be read as mrkdwn.
func plainLabel(s string) string {
	s = strings.NewReplacer("<", "‹", ">", "›").Replace(s)
	return broadcast.ReplaceAllString(s, "@"+wordJoiner+"$1")
}

var subscribeLabel = map[bool]knowledge.Text{
	false: {NB: "Abonner denne kanalen på påminnelser", NN: "Abonner denne kanalen på påminningar", EN: "Subscribe this channel to reminders"},
	true:  {NB: "Abonner på påminnelser om fristen", NN: "Abonner på påminningar om fristen", EN: "Subscribe to deadline reminders"},
}

// actionsBlock holds a button per suggestion (its value is the topic id) and
// the subscribe button. The block id carries the language, so a click is
// answered in the language of the message clicked.
func actionsBlock(suggestions []bot.Suggestion, lang knowledge.Lang, j job) slack.Block {
	var buttons []slack.BlockElement
	for i, s := range suggestions {
		if len(buttons) == 5 {
			break
		}
		if s.Topic == "" || len(s.Topic) > maxButtonValue || strings.TrimSpace(s.Text) == "" {
			continue
		}
		text := slack.NewTextBlockObject(slack.PlainTextType, plainLabel(truncate(s.Text, maxButtonText)), false, false)
		buttons = append(buttons, slack.NewButtonBlockElement(suggestActionID+strconv.Itoa(i), s.Topic, text))
	}
	if !j.noSubscribe {
		text := slack.NewTextBlockObject(slack.PlainTextType, subscribeLabel[j.to.dm].Get(lang), false, false)
		buttons = append(buttons, slack.NewButtonBlockElement(subscribeAction, subscribeText, text))
	}
	if len(buttons) == 0 {
		return nil
	}
	return slack.NewActionBlock(actionsBlockID+":"+string(lang), buttons...)
}

var sorry = knowledge.Text{
	NB: "Beklager, noe gikk galt hos meg. Prøv igjen om litt.",
	NN: "Orsak, noko gjekk gale hos meg. Prøv igjen om litt.",
	EN: "Sorry, something went wrong on my side. Please try again in a moment.",
}
