package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/kbtest"
	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// remindEnv is a knowledge base with one deadline, 17 December 2026, and a data folder.
func remindEnv(t *testing.T) map[string]string {
	t.Helper()
	kbDir := t.TempDir()
	kbtest.WriteDir(t, kbDir, kbtest.Programme{ID: "ipos", Name: "IPOS", Calls: []kbtest.Call{{ID: "c1", Deadline: "2026-12-17"}}})
	return map[string]string{"FUNDBOT_KB_DIR": kbDir, "FUNDBOT_DATA_DIR": t.TempDir()}
}

func seed(t *testing.T, store subscription.Store) {
	t.Helper()
	created := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	subs := []subscription.Subscriber{
		subscription.New(subscription.Telegram, "1", knowledge.NB, created),
		subscription.New(subscription.Telegram, "2", knowledge.NB, created),
		subscription.New(subscription.Slack, "C1", knowledge.EN, created),
		subscription.New(subscription.Telegram, "3", knowledge.NN, created),
	}
	subs[3].Offsets = []int{7}
	for _, s := range subs {
		if err := store.Put(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.SeeCalls(context.Background(), []string{"ipos/c1"}, created); err != nil {
		t.Fatal(err)
	}
	if err := store.Deactivate(context.Background(), "telegram:2", created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

func seedBolt(t *testing.T, env map[string]string) {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(env["FUNDBOT_DATA_DIR"], "subscriptions.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	seed(t, store)
}

func TestRemindDryRun(t *testing.T) {
	env := remindEnv(t)
	seedBolt(t, env)
	out, errOut, code := run(t, "", env, "remind", "--dry-run", "--now", "2026-12-03", "--list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"would send 2 message(s) to 2 subscriber(s) (telegram 1, slack 1)",
		"telegram:1", "slack:C1",
		"Påminnelse: Søknadsfristen for IPOS er 17. desember 2026 – om 14 dager.",
		"Reminder: the deadline for IPOS is 17 December 2026 – in 14 days.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "telegram:2") || strings.Contains(out, "telegram:3") {
		t.Errorf("a deactivated subscriber, or one not due, is listed:\n%s", out)
	}
	// A dry run writes nothing: the same run gives the same answer.
	again, _, _ := run(t, "", env, "remind", "--dry-run", "--now", "2026-12-03", "--list")
	if again != out {
		t.Errorf("second dry run differs:\n%s", again)
	}
}

func TestRemindNeedsDryRunAndAValidDate(t *testing.T) {
	env := remindEnv(t)
	if _, errOut, code := run(t, "", env, "remind"); code != exitConfig || !strings.Contains(errOut, "--dry-run") {
		t.Errorf("without --dry-run: exit %d, %s", code, errOut)
	}
	if _, errOut, code := run(t, "", env, "remind", "--dry-run", "--now", "3/12"); code != exitConfig || !strings.Contains(errOut, "YYYY-MM-DD") {
		t.Errorf("bad date: exit %d, %s", code, errOut)
	}
	out, _, code := run(t, "", env, "remind", "--dry-run")
	if code != 0 || !strings.Contains(out, "No subscribers yet") {
		t.Errorf("no data: exit %d, %s", code, out)
	}
}

func TestSubscribersCounts(t *testing.T) {
	env := remindEnv(t)
	seedBolt(t, env)
	out, errOut, code := run(t, "", env, "subscribers")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	fields := func(prefix string) string {
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 0 && f[0] == prefix {
				return strings.Join(f, " ")
			}
		}
		return ""
	}
	if got := fields("telegram"); got != "telegram 1 1 0 2" {
		t.Errorf("telegram row %q\n%s", got, out)
	}
	if got := fields("slack"); got != "slack 0 0 1 1" {
		t.Errorf("slack row %q\n%s", got, out)
	}
	if got := fields("total"); got != "total 1 1 1 3" {
		t.Errorf("total row %q\n%s", got, out)
	}
	if !strings.Contains(out, "3 active subscriber(s); 1 deactivated (deleted 30 days after deactivation)") {
		t.Errorf("summary:\n%s", out)
	}
}

func TestSubscribersOnRedis(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	seed(t, redisstore.New(rdb, prefix))
	env := remindEnv(t)
	env["REDIS_URL"], env["REDIS_PREFIX"] = redistest.URL(), prefix
	out, errOut, code := run(t, "", env, "subscribers")
	if code != 0 || !strings.Contains(out, "3 active subscriber(s)") || !strings.Contains(out, "Redis") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
}
