package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fundbot/fundbot/bot/telegram"
	"github.com/fundbot/fundbot/insights"
	"github.com/fundbot/fundbot/internal/slackfake"
	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
)

const webhookSecret = "load-test-webhook-secret"

// server is a fundbot serve process under test.
type server struct {
	cmd  *exec.Cmd
	addr string
	data string // FUNDBOT_DATA_DIR
	logs string // its stderr, a file
	done chan error
}

// buildFundbot builds cmd/fundbot into a temporary folder.
func buildFundbot(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fundbot")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/fundbot/fundbot/cmd/fundbot").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `fundbot serve` with Telegram (webhook) and Slack (HTTP
// mode) pointed at the fakes, the embedded file store in a fresh folder, and
// a clean environment (no REDIS_URL from the caller's).
func startServe(t *testing.T, bin string, tg *telegramfake.Server, sl *slackfake.Server) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{addr: freeAddr(t), data: filepath.Join(dir, "data"), logs: filepath.Join(dir, "stderr.log"), done: make(chan error, 1)}
	stderr, err := os.Create(s.logs)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "serve")
	if cpus := os.Getenv("LOADTEST_SERVER_CPUS"); cpus != "" { // e.g. "0": the server on its own core, away from the generator
		s.cmd = exec.Command("taskset", "-c", cpus, bin, "serve")
	}
	s.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir,
		"TELEGRAM_BOT_TOKEN=" + telegramfake.Token, "TELEGRAM_API_URL=" + tg.URL(),
		"TELEGRAM_WEBHOOK_URL=https://fundbot.example/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET=" + webhookSecret,
		"SLACK_BOT_TOKEN=" + slackBotToken, "SLACK_SIGNING_SECRET=" + slackSecret, "SLACK_MODE=http", "SLACK_API_URL=" + sl.APIURL(),
		"FUNDBOT_HTTP_ADDR=" + s.addr, "FUNDBOT_DATA_DIR=" + s.data, "FUNDBOT_LOG_LEVEL=info",
	}
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait(); stderr.Close() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			if b, err := os.ReadFile(s.logs); err == nil {
				t.Logf("server log (last 4 KB):\n%s", b[max(0, len(b)-4096):])
			}
		}
	})
	select {
	case <-tg.Hooked():
	case err := <-s.done:
		t.Fatalf("fundbot serve exited: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("fundbot serve did not set its Telegram webhook within 30 s")
	}
	return s
}

// stop ends the process with SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("fundbot serve exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("fundbot serve did not stop within 30 s of SIGTERM")
	}
}

// metrics reads the server's Prometheus metrics: questions answered and the Go heap.
type serverMetrics struct {
	questions  float64
	heapInuse  float64 // MiB
	goroutines float64
}

func (s *server) metrics(t *testing.T) serverMetrics {
	t.Helper()
	res, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer res.Body.Close()
	var m serverMetrics
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		name, value, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			value = line[i+1:]
		}
		v, _ := strconv.ParseFloat(value, 64)
		switch {
		case strings.HasPrefix(name, "fundbot_questions_total{"):
			m.questions += v
		case name == "go_memstats_heap_inuse_bytes":
			m.heapInuse = v / (1 << 20)
		case name == "go_goroutines":
			m.goroutines = v
		}
	}
	return m
}

// logLevels counts the server's log lines by level.
func (s *server) logLevels(t *testing.T) (counts map[string]int, samples []string) {
	t.Helper()
	b, err := os.ReadFile(s.logs)
	if err != nil {
		t.Fatal(err)
	}
	counts = map[string]int{}
	for line := range bytes.Lines(b) {
		var rec struct{ Level, Msg string }
		if json.Unmarshal(line, &rec) != nil {
			counts["not JSON"]++
			continue
		}
		counts[rec.Level]++
		if (rec.Level == "WARN" || rec.Level == "ERROR") && len(samples) < 5 {
			samples = append(samples, strings.TrimSpace(string(line)))
		}
	}
	return counts, samples
}

func loadClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: time.Minute,
	}}
}

// telegramUpdate is update i: a private message, four to a chat.
func telegramUpdate(i int) []byte {
	chat := 10_000_000 + i/4
	b, _ := json.Marshal(map[string]any{"update_id": 1 + i, "message": map[string]any{
		"message_id": 1 + i%4, "date": time.Now().Unix(), "text": questions[i%len(questions)],
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Kari", "language_code": "nb"},
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "Kari"},
	}})
	return b
}

// slackEvent is event i: a direct message, four to a user.
func slackEvent(i int) []byte {
	user := fmt.Sprintf("UW%d", i/4)
	b, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
		"event_id": fmt.Sprintf("EvW%08d", i), "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "message", "channel_type": "im", "user": user, "channel": "D" + user,
			"text": questions[i%len(questions)], "ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), i%1_000_000)}})
	return b
}

func slackSign(ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(slackSecret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func TestWebhookLoad(t *testing.T) {
	skipShort(t)
	rate, dur := *loadRate, *loadDuration
	bin := buildFundbot(t)
	tg := telegramfake.New(t)
	sl := newSlackFake(t)
	srv := startServe(t, bin, tg, sl)
	pid := srv.cmd.Process.Pid
	base := "http://" + srv.addr
	rss0, _ := procMemory(pid)
	t.Logf("load: %d requests/s for %v to each endpoint; fundbot serve (pid %d) at %.1f MiB resident after start, %d CPUs",
		rate, dur, pid, rss0, runtime.NumCPU())

	phases := []struct {
		name      string
		build     func(i int) *http.Request
		delivered func() int
		wait      func(n int) bool
	}{
		{"telegram webhook", func(i int) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, base+"/telegram/webhook", bytes.NewReader(telegramUpdate(i)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(telegram.SecretHeader, webhookSecret)
			return req
		}, func() int { return tg.Count("sendMessage") }, func(n int) bool { return tg.WaitSent(n, time.Minute) }},
		{"slack events", func(i int) *http.Request {
			body := slackEvent(i)
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			req, _ := http.NewRequest(http.MethodPost, base+"/slack/events", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", slackSign(ts, body))
			return req
		}, sl.Count, func(n int) bool { return sl.WaitPosts(n, time.Minute) }},
	}
	for _, ph := range phases {
		t.Run(strings.ReplaceAll(ph.name, " ", "_"), func(t *testing.T) {
			before := srv.metrics(t)
			delivered0 := ph.delivered()
			mem := sampleMemory(pid, 100*time.Millisecond)
			cpu0 := procCPU(pid)
			began := time.Now()
			out := run(loadClient(), rate, dur, ph.build)
			s := summarise(out, time.Since(began))
			acked := s.byStatus[http.StatusOK]
			drained := ph.wait(delivered0 + acked)
			drain := time.Since(began) - s.took
			peakRSS := mem.Stop()
			cpu := procCPU(pid) - cpu0
			after := srv.metrics(t)
			handled := int(after.questions - before.questions)
			delivered := ph.delivered() - delivered0
			t.Logf("%s: %v", ph.name, s)
			t.Logf("%s: %d acknowledged, %d answered by the bot, %d messages sent to the fake platform (all within %v after the load ended: %v); "+
				"server CPU %v (%.2f ms a request, %.0f%% of one core); resident memory peak %.1f MiB, Go heap in use %.1f MiB, %0.f goroutines after",
				ph.name, acked, handled, delivered, drain.Round(time.Millisecond), drained,
				cpu, float64(cpu.Microseconds())/1000/float64(s.requests), 100*cpu.Seconds()/(s.took+drain).Seconds(),
				peakRSS, after.heapInuse, after.goroutines)

			// A request without an answer is posted again by the platform; a
			// few under overload are tolerated, more are a fault.
			if n := s.requests - s.answered(); n > s.requests/200 {
				t.Errorf("%d transport errors: %v", n, s.errors)
			}
			for code, n := range s.byStatus {
				if code != http.StatusOK && code != http.StatusServiceUnavailable {
					t.Errorf("%d answers with status %d", n, code)
				}
			}
			if !drained || handled != acked || delivered < acked {
				t.Errorf("%d acknowledged, but %d answered by the bot and %d messages sent: every acknowledged message is answered once", acked, handled, delivered)
			}
			if s.p99 > 3*time.Second && !raceEnabled {
				t.Errorf("p99 acknowledgement %v, want under 3 s (Slack's limit; Telegram is as patient)", s.p99)
			}
		})
	}

	_, hwm := procMemory(pid)
	handled := srv.metrics(t).questions
	srv.stop(t)
	if ins, err := insights.OpenBolt(filepath.Join(srv.data, "insights.db"), time.Hour, knowledge.Oslo(), time.Now); err != nil {
		t.Errorf("open the insights store: %v", err)
	} else {
		usage, err := ins.Usage(context.Background(), time.Now().Add(-time.Hour))
		ins.Close()
		recorded := 0
		for _, u := range usage {
			recorded += u.N
		}
		t.Logf("insights: %d of %.0f questions counted (%v); any others were dropped by the recorder's full queue", recorded, handled, err)
	}
	levels, samples := srv.logLevels(t)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("server: peak resident memory (VmHWM) %.1f MiB; log lines by level %v; this test process (generator and fakes): heap %.1f MiB, %d GCs",
		hwm, levels, float64(ms.HeapInuse)/(1<<20), ms.NumGC)
	if levels["ERROR"] > 0 || levels["not JSON"] > 0 {
		t.Errorf("server logged %d errors and %d lines that are not JSON: %q", levels["ERROR"], levels["not JSON"], samples)
	} else if len(samples) > 0 {
		t.Logf("warnings, e.g.: %q", samples)
	}
}
