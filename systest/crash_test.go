package systest

import (
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// workers is the scheduler's default number of concurrent sends per
// platform: the most messages that can be in flight at a kill.
const workers = 8

// Issue 8: 10,000 subscribers are due a reminder; fundbot is killed with
// SIGKILL in the middle of the fan-out, twice, and started again on the same
// Redis each time. Every subscriber must get the reminder.
//
//   - The first kill comes when 3,000 messages went out, wherever the
//     workers are. A message that reached Telegram just before the kill but
//     whose record was not yet written goes again: lease-then-record is at
//     least once across a crash. Such duplicates are counted exactly and may
//     not exceed the sends in flight at the kill.
//   - The second kill comes at 6,000 while Telegram is slow, so that every
//     worker is in the middle of a request, which Telegram then never
//     serves: the leased, unsent reminders must go out after the restart,
//     once (before lease-then-record they were lost).
func TestSIGKILLMidFanOutLosesNothing(t *testing.T) {
	skipShort(t)
	admin := redistest.Client(t)
	prefix := redistest.Prefix(t, admin)
	bin := fundbotBinary(t)
	const n = 10_000
	kbDir, _ := kbWithCallAWeekAhead(t)
	ds := seed(t, admin, prefix, kbDir, n)
	store := redisstore.New(admin, prefix)
	fake := telegramfake.New(t)
	env := baseEnv(fake, redistest.URL(), prefix, kbDir, t.TempDir())
	env["FUNDBOT_TELEGRAM_RATE"] = "1000" // the highest the settings allow
	env["FUNDBOT_TELEGRAM_CHAT_RATE"] = "10"

	start := time.Now()
	// measure reads the store after a kill: the leases in flight, and the
	// deliveries that reached Telegram since the last kill but were not
	// recorded. It returns what each chat has received so far.
	var before map[int64]int
	measure := func(when string) (inFlight int, unrecorded []subscription.Delivery) {
		t.Helper()
		reached := perChat(fake, n)
		defer func() { before = reached }()
		recorded := 0
		for i, st := range stateOf(t, store, ds) {
			switch {
			case st == subscription.Sent:
				recorded++
			case st == subscription.Leased:
				inFlight++
			}
			if st != subscription.Sent && reached[chatID(i)] > before[chatID(i)] {
				unrecorded = append(unrecorded, ds[i])
			}
		}
		t.Logf("%s, %s after the first start: %d messages received, %d recorded, %d leases in flight (%d of them delivered, not yet recorded)",
			when, time.Since(start).Round(time.Millisecond), len(fake.Sent()), recorded, inFlight, len(unrecorded))
		if inFlight > workers || len(unrecorded) > inFlight {
			t.Errorf("%d leases in flight, %d delivered but unrecorded; want at most %d (the workers)", inFlight, len(unrecorded), workers)
		}
		return inFlight, unrecorded
	}

	first := serve(t, bin, env, "first")
	waitFor(t, 60*time.Second, "3,000 reminders went out", func() bool { return fake.Count("sendMessage") >= 3000 })
	first.kill()
	// Requests the fake was already handling finish; then nothing moves.
	waitFor(t, 5*time.Second, "the fake has handled every request", func() bool {
		return len(fake.Sent()) == fake.Count("sendMessage")
	})
	_, again := measure("first SIGKILL")
	expectDups := len(again)

	second := serve(t, bin, env, "second")
	waitFor(t, 60*time.Second, "6,000 reminders went out", func() bool { return fake.Count("sendMessage") >= 6000 })
	fake.Slow("sendMessage", time.Second)
	waitFor(t, 10*time.Second, "every worker waits on Telegram", func() bool {
		return fake.Count("sendMessage")-len(fake.Sent()) >= workers
	})
	second.kill()
	// The fake drops a slowed request whose client is gone; past its delay
	// every request in flight has been dropped (or, at the edge, served).
	time.Sleep(1500 * time.Millisecond)
	inFlight, unrecorded := measure("second SIGKILL, Telegram slow")
	fake.Slow("sendMessage", 0)
	if inFlight < workers || len(unrecorded) != 0 {
		t.Errorf("at the second kill %d leases in flight, %d delivered; want all %d workers waiting, none delivered", inFlight, len(unrecorded), workers)
	}

	restart := time.Now()
	third := serve(t, bin, env, "third")
	waitFor(t, 90*time.Second, "every subscriber has a reminder, recorded", func() bool {
		chats, _ := tally(perChat(fake, n))
		return chats == n && states(t, store, ds)[subscription.Sent] == n
	})
	done := time.Since(start)
	// One more tick after the last lease ran out: nothing else may go.
	time.Sleep(2 * time.Second)
	third.stop(t)

	chats, dups := tally(perChat(fake, n))
	t.Logf("all %d subscribers reached %s after the first start (%s after the last restart); %d duplicates, %d lost",
		chats, done.Round(time.Millisecond), time.Since(restart).Round(time.Millisecond), dups, n-chats)
	if chats != n {
		t.Errorf("%d of %d subscribers got their reminder", chats, n)
	}
	if dups != expectDups {
		t.Errorf("%d duplicates; want exactly the %d messages delivered but unrecorded at the first kill", dups, expectDups)
	}
	for _, p := range []*proc{second, third} {
		if p.logged(`"tick failed"`) > 0 {
			t.Errorf("a tick failed after a restart:\n%s", p.tail(20))
		}
	}
}
