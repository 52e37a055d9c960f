package scheduler

import (
	"strings"
	"testing"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

func TestMessagesInEachLanguage(t *testing.T) {
	kb := oneCall(t, "2026-12-17")()
	d := subscription.OpenDeadlines(kb, at(2026, 12, 1, 9, 0))[0]
	now := at(2026, 12, 10, 9, 0)
	tests := []struct {
		lang knowledge.Lang
		late bool
		off  int
		want []string
	}{
		{knowledge.NB, false, 7, []string{"Påminnelse", "IPOS", "17. desember 2026", "om 7 dager", "Kilde: https://", "«stopp»"}},
		{knowledge.NN, false, 7, []string{"Påminning", "om 7 dagar", "Kjelde:", "påminningar"}},
		{knowledge.EN, false, 7, []string{"Reminder", "17 December 2026", "in 7 days", "Source:", "“stop”"}},
		{knowledge.NB, true, 14, []string{"kommer for sent", "3. desember 2026 kl. 09:00"}},
		{knowledge.NN, true, 14, []string{"kjem for seint"}},
		{knowledge.EN, true, 14, []string{"is late", "3 December 2026 at 09:00"}},
		{knowledge.EN, false, subscription.Announcement, []string{"A new call is open in IPOS", "17 December 2026"}},
	}
	for _, tt := range tests {
		sub := subscription.New(subscription.Telegram, "1", tt.lang, now)
		r := Reminder{Subscriber: sub, Deadline: d, Offset: tt.off, Due: d.RemindAt(max(tt.off, 1), oslo), Late: tt.late}
		msg := r.Message(now, oslo)
		for _, w := range tt.want {
			if !strings.Contains(msg.Text, w) {
				t.Errorf("%s late=%v offset=%d: %q lacks %q", tt.lang, tt.late, tt.off, msg.Text, w)
			}
		}
		if len(msg.Text) > 4096 {
			t.Errorf("message longer than Telegram allows")
		}
	}
}
