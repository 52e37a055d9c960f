package telegramfake

import (
	"strings"
	"sync/atomic"
)

// Updates as Telegram sends them, for Push.

// messageSeq numbers the messages of the updates built here; ids need only
// differ, so one counter for every test is enough.
var messageSeq atomic.Int64

// User is who writes to the bot.
type User struct {
	ID   int64
	Name string
	Lang string // language_code
}

// JSON is the user as Telegram sends it.
func (u User) JSON() map[string]any {
	return map[string]any{"id": u.ID, "is_bot": false, "first_name": u.Name, "language_code": u.Lang}
}

// ChatJSON is a chat as Telegram sends it; kind is private, group or supergroup.
func ChatJSON(id int64, kind string) map[string]any {
	if kind == "private" {
		return map[string]any{"id": id, "type": "private", "first_name": "Kari"}
	}
	return map[string]any{"id": id, "type": kind, "title": "Innovasjon i kommunen"}
}

// botJSON is the fake's own user.
func botJSON() map[string]any {
	return map[string]any{"id": BotID, "is_bot": true, "first_name": "Fundbot", "username": BotName}
}

// TextUpdate is a message; a leading /command gets its bot_command entity.
func TextUpdate(chat int64, kind string, from User, text string) map[string]any {
	msg := map[string]any{
		"message_id": int(messageSeq.Add(1)), "date": 1662012000,
		"from": from.JSON(), "chat": ChatJSON(chat, kind), "text": text,
	}
	if strings.HasPrefix(text, "/") {
		end := strings.IndexAny(text, " \n")
		if end < 0 {
			end = len(text)
		}
		msg["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": end}}
	}
	return map[string]any{"message": msg}
}

// ReplyUpdate is a message answering one of the bot's.
func ReplyUpdate(chat int64, kind string, from User, text string) map[string]any {
	u := TextUpdate(chat, kind, from, text)
	u["message"].(map[string]any)["reply_to_message"] = map[string]any{
		"message_id": 5, "date": 1662011000, "chat": ChatJSON(chat, kind), "text": "Hei!", "from": botJSON(),
	}
	return u
}

// CallbackUpdate is a button click under one of the bot's messages.
func CallbackUpdate(chat int64, from User, queryID, data string) map[string]any {
	return map[string]any{"callback_query": map[string]any{
		"id": queryID, "from": from.JSON(), "chat_instance": "-5512345", "data": data,
		"message": map[string]any{
			"message_id": 9, "date": 1662011000, "chat": ChatJSON(chat, "private"), "text": "Hei!", "from": botJSON(),
		},
	}}
}
