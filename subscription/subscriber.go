package subscription

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fundbot/fundbot/knowledge"
)

// Platform is where a subscriber receives reminders.
type Platform string

// The platforms fundbot can remind on.
const (
	Telegram Platform = "telegram"
	Slack    Platform = "slack"
	Console  Platform = "console"
)

// Platforms lists every platform.
var Platforms = []Platform{Telegram, Slack, Console}

// ConsoleChat is the chat id of the single terminal conversation.
const ConsoleChat = "local"

// ParsePlatform accepts telegram, slack or console.
func ParsePlatform(s string) (Platform, error) {
	p := Platform(s)
	if slices.Contains(Platforms, p) {
		return p, nil
	}
	return "", fmt.Errorf("unknown platform %q (want telegram, slack or console)", s)
}

// Subscriber is one chat that wants deadline reminders.
type Subscriber struct {
	Platform Platform
	ChatID   string
	Lang     knowledge.Lang
	// Programmes followed by id; empty means every programme, including ones added later.
	Programmes []string
	// Offsets are days before a deadline, sorted descending; empty means DefaultOffsets.
	Offsets   []int
	CreatedAt time.Time
	// ChangedAt is when offsets or programmes last changed; reminders planned
	// before it are not caught up. Zero means CreatedAt.
	ChangedAt     time.Time
	Active        bool
	DeactivatedAt time.Time // when the platform told us the chat is gone; zero while active
}

// New returns an active subscriber with default offsets.
func New(p Platform, chatID string, lang knowledge.Lang, now time.Time) Subscriber {
	return Subscriber{Platform: p, ChatID: chatID, Lang: lang, CreatedAt: now, Active: true}
}

// Key identifies the subscriber in stores and logs: "telegram:123".
func (s Subscriber) Key() string { return Key(s.Platform, s.ChatID) }

// Key joins a platform and a chat id.
func Key(p Platform, chatID string) string { return string(p) + ":" + chatID }

// ParseKey splits "telegram:123" into its platform and chat id.
func ParseKey(key string) (Platform, string, error) {
	p, chat, ok := strings.Cut(key, ":")
	if !ok {
		return "", "", fmt.Errorf("subscriber key %q: want platform:chat", key)
	}
	platform, err := ParsePlatform(p)
	if err != nil {
		return "", "", fmt.Errorf("subscriber key %q: %w", key, err)
	}
	if err := checkChatID(chat); err != nil {
		return "", "", fmt.Errorf("subscriber key %q: %w", key, err)
	}
	return platform, chat, nil
}

// FromConversation finds the subscriber key of a bot conversation:
// "telegram:123" → telegram/123, "slack:C1:T1" → slack/C1 (reminders go to the
// channel, not the thread), "console" → console/local. ok is false for
// conversations that cannot receive reminders, such as one-off "ask" runs.
func FromConversation(conv string) (p Platform, chatID string, ok bool) {
	if conv == string(Console) {
		return Console, ConsoleChat, true
	}
	name, rest, found := strings.Cut(conv, ":")
	if !found {
		return "", "", false
	}
	platform, err := ParsePlatform(name)
	if err != nil {
		return "", "", false
	}
	if platform == Slack {
		rest, _, _ = strings.Cut(rest, ":")
	}
	if checkChatID(rest) != nil {
		return "", "", false
	}
	return platform, rest, true
}

// checkChatID keeps ids to what platforms use (digits, letters, -, _, @, .)
// so that keys built from them stay unambiguous.
func checkChatID(id string) error {
	if id == "" || len(id) > 64 {
		return errors.New("chat id must be 1 to 64 characters")
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_@.+", r)
		if !ok {
			return fmt.Errorf("chat id %q has a character other than letters, digits and -_@.+", id)
		}
	}
	return nil
}

// Validate reports what is wrong with a subscriber before it is stored.
func (s Subscriber) Validate() error {
	var problems []string
	if _, err := ParsePlatform(string(s.Platform)); err != nil {
		problems = append(problems, err.Error())
	}
	if err := checkChatID(s.ChatID); err != nil {
		problems = append(problems, err.Error())
	}
	if !slices.Contains(knowledge.Langs, s.Lang) {
		problems = append(problems, fmt.Sprintf("language %q is not nb, nn or en", s.Lang))
	}
	if _, err := NormalizeOffsets(s.Offsets); err != nil {
		problems = append(problems, err.Error())
	}
	for _, p := range s.Programmes {
		if p == "" || strings.ContainsAny(p, ",\n") {
			problems = append(problems, fmt.Sprintf("programme id %q is empty or has a comma", p))
		}
	}
	if s.CreatedAt.IsZero() {
		problems = append(problems, "created time is missing")
	}
	if len(problems) > 0 {
		return fmt.Errorf("subscriber %s: %s", s.Key(), strings.Join(problems, "; "))
	}
	return nil
}

// Follows reports whether the subscriber wants reminders for the programme.
func (s Subscriber) Follows(programmeID string) bool {
	return len(s.Programmes) == 0 || slices.Contains(s.Programmes, programmeID)
}

// ReminderOffsets are the offsets in use: the subscriber's, or the defaults.
func (s Subscriber) ReminderOffsets() []int {
	if len(s.Offsets) == 0 {
		return DefaultOffsets
	}
	return s.Offsets
}

// Since is the moment from which the subscriber's reminders count: reminders
// planned before it were never promised, so they are not caught up.
func (s Subscriber) Since() time.Time {
	if s.ChangedAt.After(s.CreatedAt) {
		return s.ChangedAt
	}
	return s.CreatedAt
}
