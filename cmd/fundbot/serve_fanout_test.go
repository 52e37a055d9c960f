package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// seedSubscribers stores n Telegram subscribers (chats 100000, 100001, …) who
// subscribed on 1 September 2022, after the 2022 call was first seen.
func seedSubscribers(t *testing.T, store subscription.Store, n int) {
	t.Helper()
	ctx := context.Background()
	kb, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, d := range subscription.OpenDeadlines(kb, sept1) {
		calls = append(calls, d.Key())
	}
	if len(calls) == 0 {
		t.Fatal("no open call on 1 September 2022 in the knowledge base")
	}
	if _, err := store.SeeCalls(ctx, calls, sept1.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := store.Put(ctx, subscription.New(subscription.Telegram, strconv.Itoa(100000+i), knowledge.NB, sept1)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSIGTERMDuringFanOutLosesNothing stops serve while it sends a reminder
// to each of 300 subscribers, then starts it again on the same store: every
// subscriber gets exactly one reminder, from one run or the other.
func TestSIGTERMDuringFanOutLosesNothing(t *testing.T) {
	const subscribers = 300
	for _, backend := range []string{"embedded", "redis"} {
		t.Run(backend, func(t *testing.T) {
			f := telegramfake.New(t)
			f.Slow("sendMessage", 20*time.Millisecond) // Telegram is busy: the fan-out takes a while
			env := serveEnv(t, f)
			switch backend {
			case "embedded":
				store, err := boltstore.Open(filepath.Join(env["FUNDBOT_DATA_DIR"], "subscriptions.db"), boltstore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				seedSubscribers(t, store, subscribers)
				store.Close()
			case "redis":
				redisEnv(t, env, "")
				seedSubscribers(t, redisstore.New(redistest.Client(t), env["REDIS_PREFIX"]), subscribers)
			}
			// 100 a second, 3 s for all; the tick also runs as soon as serve holds the leader lock.
			env["FUNDBOT_TELEGRAM_RATE"] = "100"
			env["FUNDBOT_REMIND_SPEC"] = "* * * * *"
			env["FUNDBOT_SHUTDOWN_TIMEOUT"] = "1s"
			// A send cut off by the hard stop is leased, not recorded: it goes out
			// again when its lease ends, and the restart takes over the leader
			// lock when the old one expires. Short periods keep the test short.
			env["FUNDBOT_SEND_TIMEOUT"] = "1s"
			env["FUNDBOT_SEND_LEASE"] = "2s"
			env["FUNDBOT_LOCK_TTL"] = "2s"
			// 09:05 Oslo, seven days before the 21 September 2022 deadline.
			clock := fixedClock(time.Date(2022, 9, 14, 9, 5, 0, 0, knowledge.Oslo()))

			first := startServe(t, env, clock)
			if !f.WaitSent(60, patience) {
				t.Fatalf("the fan-out did not start: %d sent", len(f.Sent()))
			}
			code, took := first.stop(t) // SIGTERM
			sentBefore := len(f.Sent())
			t.Logf("first run: stopped after %s with %d of %d reminders sent", took, sentBefore, subscribers)
			if code != exitOK {
				t.Errorf("exit %d after SIGTERM, want 0", code)
			}
			if took > time.Second+500*time.Millisecond {
				t.Errorf("serve took %s to stop, FUNDBOT_SHUTDOWN_TIMEOUT is 1s", took)
			}
			if sentBefore >= subscribers {
				t.Fatalf("the fan-out finished before the stop (%d sent): nothing was left for the restart to prove", sentBefore)
			}
			if first.count(t, msgIs("the reminder tick did not finish in time; its unsent reminders go out on the next start")) != 1 {
				t.Error("the log does not say that the tick was cut short")
			}

			env["FUNDBOT_HTTP_ADDR"] = freeAddr(t)
			second := startServe(t, env, clock)
			if !f.WaitSent(subscribers, patience) {
				t.Errorf("after the restart only %d of %d reminders went out", len(f.Sent()), subscribers)
			}
			tick := second.waitLog(t, `"reminder tick"`, msgIs("reminder tick"))
			if code, _ := second.stop(t); code != exitOK {
				t.Errorf("second run: exit %d", code)
			}
			// The first tick after the restart may find a few reminders still
			// leased by the stopped run; they go out when the lease ends.
			t.Logf("second run, first tick: %v", tick["report"])

			perChat := map[int64]int{}
			for _, m := range f.Sent() {
				perChat[m.ChatID]++
				if !strings.Contains(m.Text, "Påminnelse") || !strings.Contains(m.Text, "7 dager") {
					t.Errorf("not the 7-day reminder in chat %d:\n%s", m.ChatID, m.Text)
				}
			}
			var twice, missing []int64
			for i := range subscribers {
				switch chat := int64(100000 + i); {
				case perChat[chat] == 0:
					missing = append(missing, chat)
				case perChat[chat] > 1:
					twice = append(twice, chat)
				}
			}
			if len(twice) > 0 || len(missing) > 0 || len(perChat) != subscribers {
				t.Errorf("each of %d subscribers must get exactly one reminder: %d got more (%v…), %d none (%v…), %d chats in all",
					subscribers, len(twice), head(twice), len(missing), head(missing), len(perChat))
			}
		})
	}
}

// TestShutdownIsBoundedWhenASendHangs stops serve while Telegram never
// answers a reminder: serve returns by FUNDBOT_SHUTDOWN_TIMEOUT anyway.
func TestShutdownIsBoundedWhenASendHangs(t *testing.T) {
	f := telegramfake.New(t)
	env := serveEnv(t, f)
	store, err := boltstore.Open(filepath.Join(env["FUNDBOT_DATA_DIR"], "subscriptions.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seedSubscribers(t, store, 50)
	store.Close()
	env["FUNDBOT_TELEGRAM_RATE"] = "20"
	env["FUNDBOT_SHUTDOWN_TIMEOUT"] = "1s"
	in := startServe(t, env, fixedClock(time.Date(2022, 9, 14, 9, 5, 0, 0, knowledge.Oslo())))
	if !f.WaitSent(3, patience) {
		t.Fatal("the fan-out did not start")
	}
	f.Script("sendMessage", telegramfake.Answer{Hang: true})
	calls := f.Count("sendMessage")
	in.eventually(t, "a send that hangs", func() bool { return f.Count("sendMessage") > calls })

	code, took := in.stop(t)
	if code != exitOK || took > 1500*time.Millisecond {
		t.Errorf("exit %d after %s; want 0 within FUNDBOT_SHUTDOWN_TIMEOUT=1s", code, took)
	}
	if in.count(t, msgIs("stopped with work still running after FUNDBOT_SHUTDOWN_TIMEOUT")) != 1 {
		t.Error("the log does not say that serve stopped with work still running")
	}
}

// head is the first few of chats, for a short failure message.
func head(chats []int64) []int64 { return chats[:min(len(chats), 5)] }
