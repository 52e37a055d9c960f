package systest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// programmeID is the programme of the knowledge base the tests copy.
const programmeID = "innovasjonsprosjekt-offentlig-sektor"

// callID is the call the tests add, with a deadline a week ahead.
const callID = "systest"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// fundbotBinary builds cmd/fundbot once per test run.
func fundbotBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "fundbot-systest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "fundbot")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/fundbot/fundbot/cmd/fundbot")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// skipShort skips a system test under -short.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("system test: builds and runs the binary (skipped under -short)")
	}
}

// kbWithCallAWeekAhead copies the knowledge base and adds a call whose
// 7-day reminder is due now: its deadline is 7 days after today in Oslo (6
// before 09:00, when today's reminder time has not come yet, so yesterday's
// is due, late). It returns the folder and the call's deadline.
func kbWithCallAWeekAhead(t *testing.T) (dir string, deadline subscription.Deadline) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "kb")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "knowledge", "data"))); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(knowledge.Oslo())
	days := 7
	if now.Hour() < subscription.ReminderHour {
		days = 6
	}
	date := time.Date(now.Year(), now.Month(), now.Day()+days, 0, 0, 0, 0, knowledge.Oslo()).Format("2006-01-02")
	path := filepath.Join(dir, "programmes", programmeID+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	call := fmt.Sprintf(`calls:
  - id: %q
    deadline: %q
    timezone: Europe/Oslo
    status: confirmed
    source:
      title: "Forskningsrådet: Innovasjonsprosjekt i offentlig sektor"
      url: https://www.forskningsradet.no/
      as_of: %q
`, callID, date, now.Format("2006-01-02"))
	if !bytes.Contains(data, []byte("\ncalls:\n")) {
		t.Fatalf("%s has no calls list to add to", path)
	}
	data = bytes.Replace(data, []byte("\ncalls:\n"), []byte("\n"+call), 1)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.LoadDir(dir)
	if err != nil {
		t.Fatalf("the copied knowledge base with the added call: %v", err)
	}
	for _, d := range subscription.OpenDeadlines(kb, now) {
		if d.Key() == programmeID+"/"+callID {
			return dir, d
		}
	}
	t.Fatalf("the added call (%s) is not open", date)
	return "", subscription.Deadline{}
}

// chatID is the Telegram chat of subscriber i.
func chatID(i int) int64 { return 5_000_000 + int64(i) }

// seed stores n Telegram subscribers who signed up two days ago and follow
// the programme on the 7-day offset, and marks the open calls as seen then
// (as subscribing does), so each of them is due exactly one reminder.
func seed(t *testing.T, rdb redis.UniversalClient, prefix, kbDir string, n int) []subscription.Delivery {
	t.Helper()
	ctx := context.Background()
	store := redisstore.New(rdb, prefix)
	created := time.Now().Add(-48 * time.Hour)
	kb, err := knowledge.LoadDir(kbDir)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, d := range subscription.OpenDeadlines(kb, created) {
		calls = append(calls, d.Key())
	}
	if _, err := store.SeeCalls(ctx, calls, created); err != nil {
		t.Fatal(err)
	}
	ds := make([]subscription.Delivery, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				sub := subscription.New(subscription.Telegram, fmt.Sprint(chatID(i)), knowledge.NB, created)
				sub.Programmes, sub.Offsets = []string{programmeID}, []int{7}
				if err := store.Put(ctx, sub); err != nil {
					failed.Store(err)
					return
				}
				ds[i] = subscription.Delivery{Subscriber: sub.Key(), Call: programmeID + "/" + callID, Offset: 7}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatalf("seeding: %v", err)
	}
	return ds
}

// stateOf reads each delivery's state, in pages.
func stateOf(t *testing.T, store *redisstore.Store, ds []subscription.Delivery) []subscription.DeliveryState {
	t.Helper()
	out := make([]subscription.DeliveryState, 0, len(ds))
	for start := 0; start < len(ds); start += 1000 {
		st, err := store.Deliveries(context.Background(), ds[start:min(start+1000, len(ds))])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st...)
	}
	return out
}

// states counts the deliveries by state.
func states(t *testing.T, store *redisstore.Store, ds []subscription.Delivery) map[subscription.DeliveryState]int {
	t.Helper()
	out := map[subscription.DeliveryState]int{}
	for _, s := range stateOf(t, store, ds) {
		out[s]++
	}
	return out
}

// perChat counts the messages each of the first n seeded chats received.
func perChat(fake *telegramfake.Server, n int) map[int64]int {
	out := map[int64]int{}
	for _, m := range fake.Sent() {
		if m.ChatID >= chatID(0) && m.ChatID < chatID(n) {
			out[m.ChatID]++
		}
	}
	return out
}

// tally sums a per-chat count: chats reached, and messages beyond the first.
func tally(counts map[int64]int) (chats, duplicates int) {
	for _, c := range counts {
		chats++
		duplicates += c - 1
	}
	return chats, duplicates
}

// proc is a running fundbot serve.
type proc struct {
	cmd    *exec.Cmd
	log    string // its stderr (JSON log lines)
	exited chan struct{}
}

// serve starts `fundbot serve` with env on top of a minimal environment.
func serve(t *testing.T, bin string, env map[string]string, name string) *proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() { cmd.Wait(); logFile.Close(); close(p.exited) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s log (last lines):\n%s", name, p.tail(40))
		}
	})
	return p
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop asks the process to shut down (SIGTERM) and waits for it.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		t.Errorf("fundbot did not stop within 20 s of SIGTERM")
		p.kill()
	}
}

// logged counts the log lines that contain s.
func (p *proc) logged(s string) int {
	data, _ := os.ReadFile(p.log)
	return bytes.Count(data, []byte(s))
}

func (p *proc) tail(n int) string {
	data, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// waitFor polls cond every 50 ms until it holds or within has passed.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(within)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out after %s waiting until %s", within, what)
		case <-tick.C:
		}
	}
}

// baseEnv is the environment of a fundbot serve under test.
func baseEnv(fake *telegramfake.Server, redisURL, prefix, kbDir, dataDir string) map[string]string {
	return map[string]string{
		"TELEGRAM_BOT_TOKEN":   telegramfake.Token,
		"TELEGRAM_API_URL":     fake.URL(),
		"REDIS_URL":            redisURL,
		"REDIS_PREFIX":         prefix,
		"FUNDBOT_HTTP_ADDR":    "127.0.0.1:0",
		"FUNDBOT_DATA_DIR":     dataDir,
		"FUNDBOT_KB_DIR":       kbDir,
		"FUNDBOT_REMIND_SPEC":  "@every 1s",
		"FUNDBOT_LOCK_TTL":     "2s",
		"FUNDBOT_SEND_TIMEOUT": "2s",
		"FUNDBOT_SEND_LEASE":   "5s",
		"FUNDBOT_LOG_LEVEL":    "info",
	}
}
