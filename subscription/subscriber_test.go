package subscription

import (
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/knowledge"
)

func TestFromConversation(t *testing.T) {
	tests := []struct {
		conv     string
		platform Platform
		chat     string
		ok       bool
	}{
		{"telegram:123", Telegram, "123", true},
		{"telegram:-100123", Telegram, "-100123", true},
		{"slack:C1", Slack, "C1", true},
		{"slack:C1:1712345678.000100", Slack, "C1", true},
		{"console", Console, ConsoleChat, true},
		{"ask:0", "", "", false},
		{"telegram:", "", "", false},
		{"telegram:a b", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		p, chat, ok := FromConversation(tt.conv)
		if p != tt.platform || chat != tt.chat || ok != tt.ok {
			t.Errorf("FromConversation(%q) = %q, %q, %v; want %q, %q, %v", tt.conv, p, chat, ok, tt.platform, tt.chat, tt.ok)
		}
	}
}

func FuzzFromConversation(f *testing.F) {
	for _, s := range []string{"telegram:1", "slack:C1:T", "console", "x:y", ":::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, conv string) {
		p, chat, ok := FromConversation(conv)
		if !ok {
			return
		}
		gp, gc, err := ParseKey(Key(p, chat))
		if err != nil || gp != p || gc != chat {
			t.Fatalf("%q → key %q does not parse back: %v", conv, Key(p, chat), err)
		}
	})
}

func TestValidateListsEveryProblem(t *testing.T) {
	s := Subscriber{Platform: "fax", ChatID: "", Lang: "de", Offsets: []int{0}}
	err := s.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"fax", "chat id", "language", "not valid: 0", "created"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	ok := New(Telegram, "1", knowledge.NB, time.Now())
	if err := ok.Validate(); err != nil {
		t.Fatalf("a new subscriber is invalid: %v", err)
	}
}

func TestSinceIsTheLaterOfCreatedAndChanged(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Subscriber{CreatedAt: created}
	if !s.Since().Equal(created) {
		t.Fatal("without a change, Since is CreatedAt")
	}
	s.ChangedAt = created.Add(time.Hour)
	if !s.Since().Equal(s.ChangedAt) {
		t.Fatal("after a change, Since is ChangedAt")
	}
}
