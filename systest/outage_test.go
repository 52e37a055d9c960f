package systest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// Issue 8: Redis stops answering in the middle of a fan-out (a TCP proxy in
// front of it is cut). Questions are still answered, subscribing says plainly
// that it cannot save, the scheduler keeps trying; when Redis is back, the
// remaining reminders go out and the ones sent just before the cut, whose
// records were kept in memory, are not sent again: nothing lost, nothing
// doubled.
func TestRedisOutageMidFanOut(t *testing.T) {
	skipShort(t)
	admin := redistest.Client(t)
	prefix := redistest.Prefix(t, admin)
	proxy := redistest.NewProxy(t)
	bin := fundbotBinary(t)
	const n = 2000
	kbDir, _ := kbWithCallAWeekAhead(t)
	ds := seed(t, admin, prefix, kbDir, n)
	store := redisstore.New(admin, prefix)
	fake := telegramfake.New(t)
	env := baseEnv(fake, "redis://"+proxy.Addr+"/0", prefix, kbDir, t.TempDir())
	env["FUNDBOT_TELEGRAM_RATE"] = "400"

	p := serve(t, bin, env, "fundbot")
	waitFor(t, 60*time.Second, "500 reminders went out", func() bool { return fake.Count("sendMessage") >= 500 })
	// Cut Redis while sends are in flight: their records cannot be written.
	fake.Slow("sendMessage", 500*time.Millisecond)
	waitFor(t, 5*time.Second, "sends are in flight", func() bool { return fake.Count("sendMessage")-len(fake.Sent()) >= 4 })
	proxy.Down()
	cut := time.Now()
	inFlight := fake.Count("sendMessage") - len(fake.Sent())
	waitFor(t, 5*time.Second, "the sends in flight are through", func() bool { return fake.Count("sendMessage") == len(fake.Sent()) })
	fake.Slow("sendMessage", 0)

	// Questions do not need the store.
	asker := telegramfake.User{ID: 42, Name: "Kari", Lang: "nb"}
	fake.Push(telegramfake.TextUpdate(42, "private", asker, "Hvem kan søke?"))
	answer := waitReply(t, fake, 42)
	if !strings.Contains(answer, "offentlig sektor") {
		t.Errorf("answer during the outage: %q", answer)
	}
	// Subscribing does, and says so.
	joiner := telegramfake.User{ID: 43, Name: "Ola", Lang: "nb"}
	fake.Push(telegramfake.TextUpdate(43, "private", joiner, "abonner"))
	if reply := waitReply(t, fake, 43); !strings.Contains(reply, "får ikke lagret abonnementet akkurat nå") {
		t.Errorf("subscribe during the outage: %q; want it to say it cannot save now", reply)
	}
	duringOutage := len(fake.Sent())
	// Stay down until the scheduler has lost the leader lock and given up on
	// the records of the sends in flight (go-redis retries a write for up to
	// the record timeout, 5 s, so a short outage would not show it).
	waitFor(t, 30*time.Second, "the scheduler reports the store down and the records unwritten", func() bool {
		return p.logged("leader lock unavailable") > 0 && p.logged("reminders sent but not recorded") > 0
	})
	time.Sleep(time.Second) // and keep failing a little longer: nothing may go out meanwhile
	stalled := len(fake.Sent()) - duringOutage

	proxy.Up(t)
	back := time.Now()
	waitFor(t, 60*time.Second, "every subscriber has a reminder, recorded", func() bool {
		chats, _ := tally(perChat(fake, n))
		return chats == n && states(t, store, ds)[subscription.Sent] == n
	})
	t.Logf("Redis down for %s; %d reminders sent before the cut (%d of them in flight at the cut), %d while down; all %d out %s after Redis came back",
		back.Sub(cut).Round(time.Millisecond), duringOutage-2, inFlight, stalled, n, time.Since(back).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // a tick more: nothing else may go
	p.stop(t)

	chats, dups := tally(perChat(fake, n))
	if chats != n || dups != 0 {
		t.Errorf("%d of %d subscribers reached, %d duplicates; want all, none twice", chats, n, dups)
	}
	if stalled != 0 {
		t.Errorf("%d reminders went out while Redis was down (each needs a lease)", stalled)
	}
	late := p.logged("recorded reminders sent during a store outage")
	t.Logf("log: %d failed ticks, %d leader-lock failures, %d batches of records written once Redis was back",
		p.logged(`"tick failed"`), p.logged("leader lock unavailable"), late)
	if late == 0 {
		t.Errorf("the sends in flight at the cut were not recorded after the outage")
	}
}

// waitReply waits for the bot's first message to chat and returns its text.
func waitReply(t *testing.T, fake *telegramfake.Server, chat int64) string {
	t.Helper()
	var text string
	waitFor(t, 15*time.Second, fmt.Sprintf("the bot answers chat %d", chat), func() bool {
		for _, m := range fake.Sent() {
			if m.ChatID == chat {
				text = m.Text
				return true
			}
		}
		return false
	})
	return text
}
