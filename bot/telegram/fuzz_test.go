package telegram

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/internal/telegramfake"
)

// FuzzDecodeUpdate feeds arbitrary bytes through everything an update from
// outside touches: decoding, translation to a request, and rendering.
func FuzzDecodeUpdate(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "updates", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed updates: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"update_id":1,"message":{"message_id":1,"from":{"id":1},"chat":{"id":1,"type":"private"},"text":"/","entities":[{"type":"bot_command","offset":0,"length":99}]}}`))
	f.Add([]byte(`{"update_id":2,"message":{"message_id":1,"from":{"id":1},"chat":{"id":-1,"type":"group"},"text":"@fundbot_test_bot@fundbot_test_bot"}}`))
	f.Add([]byte(`{"update_id":3,"callback_query":{"id":"x","from":{"id":1},"message":{"message_id":1,"chat":{"id":1,"type":"private"}},"data":"t:nb:\u0000"}}`))
	f.Add([]byte(`{"update_id":-1}`))
	f.Add([]byte(`[]`))

	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := DecodeUpdate(data)
		if err != nil {
			return
		}
		in := translate(u, testSelf)
		if !in.act {
			return
		}
		if in.req.Conversation != conversation(in.chat) || in.req.Chat != in.req.Conversation {
			t.Fatalf("conversation %q, chat %q for chat id %d", in.req.Conversation, in.req.Chat, in.chat)
		}
		if in.req.Text == "" && in.req.Topic == "" {
			t.Fatalf("a request with neither text nor topic: %+v", in.req)
		}
		// Whatever the user wrote comes back escaped and within limits.
		out := renderReply(bot.Reply{Answer: in.req.Text + "\n\n" + in.req.Topic, Suggestions: []bot.Suggestion{{Topic: in.req.Topic, Text: in.req.Text}}}, in.show)
		for _, p := range out.parts {
			if utf16Len(p) > maxMessage {
				t.Fatalf("a part of %d units", utf16Len(p))
			}
			if _, err := telegramfake.HTMLLen(p); err != nil {
				t.Fatalf("invalid HTML %v: %q", err, p)
			}
		}
		for _, row := range out.keyboard {
			for _, b := range row {
				if b.CallbackData != nil && len(*b.CallbackData) > maxCallbackData {
					t.Fatalf("callback data of %d bytes", len(*b.CallbackData))
				}
			}
		}
	})
}
