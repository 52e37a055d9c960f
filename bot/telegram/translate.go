package telegram

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// maxUpdate bounds an update's JSON; Telegram's are far smaller.
const maxUpdate = 1 << 20

// DecodeUpdate reads one update as Telegram sends it (a webhook body, or an
// element of getUpdates' result). It fails on anything without an update_id.
func DecodeUpdate(data []byte) (tgbotapi.Update, error) {
	if len(data) > maxUpdate {
		return tgbotapi.Update{}, errors.New("update larger than 1 MiB")
	}
	var head struct {
		UpdateID *int `json:"update_id"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return tgbotapi.Update{}, err
	}
	if head.UpdateID == nil || *head.UpdateID < 0 {
		return tgbotapi.Update{}, errors.New("update without a valid update_id")
	}
	var u tgbotapi.Update
	if err := json.Unmarshal(data, &u); err != nil {
		return tgbotapi.Update{UpdateID: *head.UpdateID}, err
	}
	return u, nil
}

// incoming is one update turned into work for the core.
type incoming struct {
	update   int
	chat     int64
	replyTo  int    // the message to reply to, in groups
	callback string // a callback query to answer
	act      bool   // whether the core is asked at all
	req      bot.Request
	show     extras
	hint     knowledge.Lang // the user's Telegram language, for the apology
}

// translate turns an update into a request for the core. It does no I/O. A
// callback query is always to be answered, even when nothing else is done.
func translate(u tgbotapi.Update, self tgbotapi.User) incoming {
	switch {
	case u.Message != nil:
		return fromMessage(u.UpdateID, u.Message, self)
	case u.CallbackQuery != nil:
		return fromCallback(u.UpdateID, u.CallbackQuery)
	}
	return incoming{update: u.UpdateID} // edits, channel posts, member changes: not for us
}

func conversation(chat int64) string { return "telegram:" + strconv.FormatInt(chat, 10) }

func fromMessage(id int, m *tgbotapi.Message, self tgbotapi.User) incoming {
	in := incoming{update: id}
	if m.Chat == nil || m.From == nil || m.From.IsBot {
		return in
	}
	private := m.Chat.Type == "private"
	group := m.Chat.Type == "group" || m.Chat.Type == "supergroup"
	text := strings.TrimSpace(m.Text)
	if (!private && !group) || text == "" {
		return in
	}
	in.chat = m.Chat.ID
	in.hint = langHint(m.From.LanguageCode)
	in.req = bot.Request{Conversation: conversation(m.Chat.ID), Chat: conversation(m.Chat.ID)}
	if group {
		in.replyTo = m.MessageID
	}

	if name, at, args, ok := parseCommand(text); ok {
		if at != "" && !strings.EqualFold(at, self.UserName) {
			return in // another bot's command
		}
		cmd, known := commands[strings.ToLower(name)]
		if !known {
			if group {
				return in
			}
			cmd = commands["help"]
		}
		in.act = true
		in.show = cmd.show
		in.req.Lang = cmd.lang
		if cmd.lang == "" && cmd.hint {
			in.req.Lang = in.hint
		}
		if cmd.topic != "" {
			in.req.Topic = cmd.topic
			in.req.Text = text
			return in
		}
		in.req.Text = strings.TrimSpace(cmd.word + " " + args)
		if args != "" {
			in.show.languages = false // "/sprak nn" chose already
		}
		return in
	}

	if group {
		mentioned := mentions(text, self.UserName) || textMentions(m.Entities, self.ID)
		repliedTo := m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.ID == self.ID && self.ID != 0
		if !mentioned && !repliedTo {
			return in
		}
		text = stripMention(text, self.UserName)
		if text == "" {
			in.req.Topic = topicWelcome // just "@fundbot": say hello
		}
	}
	in.act = true
	in.req.Text = text
	return in
}

// parseCommand splits "/frist@fundbot_bot 14 7" into its name, the bot it
// names and the arguments. Names are what Telegram allows: 1-32 of a-z, 0-9, _.
func parseCommand(text string) (name, at, args string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", "", false
	}
	head, rest := text[1:], ""
	if i := strings.IndexFunc(head, unicode.IsSpace); i >= 0 {
		head, rest = head[:i], head[i:]
	}
	name, at, _ = strings.Cut(head, "@")
	if name == "" || len(name) > 32 {
		return "", "", "", false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return "", "", "", false
		}
	}
	return name, at, strings.Join(strings.Fields(rest), " "), true
}

// mentions reports "@username" in text as a word of its own, in any case.
func mentions(text, username string) bool {
	if username == "" {
		return false
	}
	_, ok := findMention(text, username)
	return ok
}

func findMention(text, username string) (int, bool) {
	low, at := strings.ToLower(text), "@"+strings.ToLower(username)
	for from := 0; ; {
		i := strings.Index(low[from:], at)
		if i < 0 {
			return 0, false
		}
		i += from
		end := i + len(at)
		if end == len(low) || !isNameRune(low[end:]) {
			return i, true
		}
		from = end
	}
}

func isNameRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// stripMention removes every "@username" so the core sees only the question.
func stripMention(text, username string) string {
	for {
		i, ok := findMention(text, username)
		if !ok {
			break
		}
		text = text[:i] + text[i+1+len(username):]
	}
	return strings.Trim(strings.Join(strings.Fields(text), " "), " ,:")
}

// textMentions reports a mention of the bot by id (a user picked from a list).
func textMentions(entities []tgbotapi.MessageEntity, selfID int64) bool {
	for _, e := range entities {
		if e.Type == "text_mention" && e.User != nil && e.User.ID == selfID && selfID != 0 {
			return true
		}
	}
	return false
}

// langHint maps Telegram's language_code (IETF) to a language we answer in.
func langHint(code string) knowledge.Lang {
	code = strings.ToLower(code)
	switch {
	case code == "nn" || strings.HasPrefix(code, "nn-"):
		return knowledge.NN
	case code == "nb" || code == "no" || strings.HasPrefix(code, "nb-") || strings.HasPrefix(code, "no-"):
		return knowledge.NB
	case code == "en" || strings.HasPrefix(code, "en-"):
		return knowledge.EN
	}
	return ""
}

// Button data: "t:<lang>:<topic>" answers a topic, "c:<lang>:<text>" sends
// a command; lang is the reply language the button was shown in.
const maxCallbackData = 64

func topicData(lang knowledge.Lang, topic string) string { return "t:" + string(lang) + ":" + topic }
func commandData(lang knowledge.Lang, text string) string {
	return "c:" + string(lang) + ":" + text
}

func fromCallback(id int, q *tgbotapi.CallbackQuery) incoming {
	in := incoming{update: id, callback: q.ID}
	if q.Message == nil || q.Message.Chat == nil || q.From == nil {
		return in // a button on an inline message: nothing to answer into
	}
	kind, rest, _ := strings.Cut(q.Data, ":")
	code, value, ok := strings.Cut(rest, ":")
	value = strings.TrimSpace(value)
	if !ok || value == "" || len(q.Data) > maxCallbackData || (kind != "t" && kind != "c") {
		return in
	}
	var lang knowledge.Lang
	if code != "" {
		l, err := knowledge.ParseLang(code)
		if err != nil {
			return in
		}
		lang = l
	}
	in.chat = q.Message.Chat.ID
	in.hint = langHint(q.From.LanguageCode)
	in.req = bot.Request{Conversation: conversation(in.chat), Chat: conversation(in.chat), Lang: lang}
	switch kind {
	case "t":
		in.req.Topic = value
		in.show.subscribe = value == topicDeadline
	case "c":
		in.req.Text = value
		in.show.languages = value == wordLanguage
	}
	in.act = true
	return in
}
