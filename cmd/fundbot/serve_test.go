package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fundbot/fundbot/internal/redistest"
	"github.com/fundbot/fundbot/internal/telegramfake"
)

func TestServeAnswersOnTelegramCountsAndLogsWithoutTheText(t *testing.T) {
	f := telegramfake.New(t)
	env := serveEnv(t, f)
	in := startServe(t, env, fixedClock(sept1))

	const question = "Hva er søknadsfristen?"
	m := ask(t, f, 1001, question)
	if !strings.Contains(m.Text, "21. september 2022") || !strings.Contains(m.Text, "20 dager") {
		t.Errorf("the answer lacks the deadline and the days left:\n%s", m.Text)
	}
	if m.ParseMode != "HTML" {
		t.Errorf("parse mode %q, want HTML", m.ParseMode)
	}

	_, metrics := in.get(t, "/metrics")
	const counted = `fundbot_questions_total{intent="deadline",lang="nb",matched="true"} 1`
	if !strings.Contains(metrics, counted) {
		t.Errorf("/metrics lacks %s:\n%s", counted, grepLines(metrics, "fundbot_"))
	}
	if !strings.Contains(metrics, "fundbot_answer_seconds_count 1") {
		t.Errorf("/metrics has no latency of the one answer:\n%s", grepLines(metrics, "fundbot_answer_seconds"))
	}

	answered := in.waitLog(t, `"answered"`, msgIs("answered"))
	if got := in.count(t, msgIs("answered")); got != 1 {
		t.Errorf("%d \"answered\" lines for one question, want 1", got)
	}
	if answered["level"] != "INFO" || answered["intent"] != "deadline" || answered["lang"] != "nb" || answered["matched"] != true {
		t.Errorf("answered line: %v", answered)
	}
	for _, field := range []string{"confidence", "latency_ms"} {
		if _, ok := answered[field]; !ok {
			t.Errorf("the answered line has no %s: %v", field, answered)
		}
	}

	code, took := in.stop(t)
	if code != exitOK {
		t.Errorf("serve exited with %d after a clean stop", code)
	}
	t.Logf("stopped in %s", took)
	logs := in.logs.String()
	if strings.Contains(logs, question) || strings.Contains(logs, "søknadsfristen") {
		t.Errorf("the question text is in the info-level logs:\n%s", logs)
	}
	assertNoSecret(t, "logs", logs)
	first := in.logs.records(t)[0]
	if first["msg"] != "fundbot starting" || !strings.Contains(first["store"].(string), "embedded file store") {
		t.Errorf("the first log line does not say which store is used: %v", first)
	}
	if in.count(t, msgIs("stopped")) != 1 {
		t.Error("no \"stopped\" line at the end")
	}
}

func TestServeHealthAndCalendar(t *testing.T) {
	f := telegramfake.New(t)
	env := serveEnv(t, f)
	in := startServe(t, env, fixedClock(sept1))

	if code, body := in.get(t, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	code, body := in.get(t, "/readyz")
	if code != http.StatusOK || !strings.Contains(body, `"ready":true`) {
		t.Errorf("/readyz: %d %s", code, body)
	}

	// fundbot healthcheck, as the container runs it, against the running serve.
	out, errOut, hc := run(t, "", map[string]string{"FUNDBOT_HTTP_ADDR": env["FUNDBOT_HTTP_ADDR"]}, "healthcheck")
	if hc != exitOK || strings.TrimSpace(out) != "ok" {
		t.Errorf("healthcheck against a running serve: exit %d, %q %q", hc, out, errOut)
	}

	code, ics := in.get(t, "/calendar.ics")
	if code != http.StatusOK {
		t.Fatalf("/calendar.ics: %d %s", code, ics)
	}
	checkICS(t, ics)
	if code, _ := in.get(t, "/calendar.ics?lang=de"); code != http.StatusBadRequest {
		t.Errorf("/calendar.ics?lang=de: %d, want 400", code)
	}
	if code, _ := in.get(t, "/calendar.ics?lang=en"); code != http.StatusOK {
		t.Errorf("/calendar.ics?lang=en: %d, want 200", code)
	}

	in.stop(t)
	_, errOut, hc = run(t, "", map[string]string{"FUNDBOT_HTTP_ADDR": env["FUNDBOT_HTTP_ADDR"]}, "healthcheck")
	if hc != exitFail || !strings.Contains(errOut, "healthcheck") {
		t.Errorf("healthcheck with nothing listening: exit %d, %q; want 1", hc, errOut)
	}
}

// checkICS checks the RFC 5545 rules a calendar client trips over: CRLF line
// ends, lines of at most 75 octets (longer ones folded), a VCALENDAR around
// VEVENTs, and the Oslo time zone on the dates.
func checkICS(t *testing.T, ics string) {
	t.Helper()
	if !strings.HasSuffix(ics, "\r\n") {
		t.Error("the feed does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n")
	var lines []string // unfolded
	for i, l := range raw {
		if strings.Contains(l, "\n") || strings.Contains(l, "\r") {
			t.Fatalf("line %d has a bare LF or CR: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets, more than 75: %q", i+1, len(l), l)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				t.Fatal("the feed begins with a continuation line")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Errorf("not one VCALENDAR: first %q, last %q", lines[0], lines[len(lines)-1])
	}
	events, tzid := 0, false
	for _, l := range lines {
		name, _, ok := strings.Cut(l, ":")
		if !ok {
			t.Errorf("a content line without a colon: %q", l)
		}
		switch {
		case l == "BEGIN:VEVENT":
			events++
		case strings.HasPrefix(name, "DTSTART") && strings.Contains(name, "TZID=Europe/Oslo"):
			tzid = true
		}
	}
	if events == 0 {
		t.Error("the feed has no VEVENT")
	}
	if !tzid && !strings.Contains(ics, "VALUE=DATE") {
		t.Error("no DTSTART in Europe/Oslo (nor an all-day date)")
	}
	if !strings.Contains(strings.Join(lines, "\n"), "20220921") {
		t.Error("the 21 September 2022 deadline is not in the feed")
	}
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) && !strings.HasPrefix(line, "#") {
			out = append(out, strings.TrimRight(line, "\n"))
		}
	}
	return strings.Join(out, "\n")
}

// assertNoSecret fails the test if s holds the bot token or its secret part.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	_, secret, _ := strings.Cut(telegramfake.Token, ":")
	if strings.Contains(s, secret) {
		t.Errorf("%s contain the Telegram token", what)
	}
}

// redisEnv points serve at the test Redis through addr (a proxy, or Redis
// itself when empty) under a fresh key prefix, removed when the test ends.
func redisEnv(t *testing.T, env map[string]string, addr string) {
	t.Helper()
	client := redistest.Client(t)
	u, err := url.Parse(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	if addr != "" {
		u.Host = addr
	}
	env["REDIS_URL"] = u.String()
	env["REDIS_PREFIX"] = redistest.Prefix(t, client)
}

func TestServeReadinessFollowsRedis(t *testing.T) {
	f := telegramfake.New(t)
	env := serveEnv(t, f)
	proxy := redistest.NewProxy(t)
	redisEnv(t, env, proxy.Addr)
	env["FUNDBOT_DATA_DIR"] = filepath.Join(t.TempDir(), "not", "yet") // only the Telegram offset lives there
	in := startServe(t, env, fixedClock(sept1))
	if first := in.logs.records(t)[0]; !strings.Contains(first["store"].(string), "Redis") {
		t.Errorf("the first log line does not name Redis: %v", first)
	}

	proxy.Down()
	body := in.waitStatus(t, "/readyz", http.StatusServiceUnavailable)
	var res struct {
		Ready  bool
		Failed map[string]string
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil || res.Ready || res.Failed["store"] == "" {
		t.Errorf("/readyz while Redis is away should name the store: %s", body)
	}
	if code, _ := in.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz answered %d while Redis is away: the process is up", code)
	}
	if m := ask(t, f, 2001, "Hvem kan søke?"); !strings.Contains(m.Text, "offentlig sektor") {
		t.Errorf("while Redis is away the bot still answers questions, got:\n%s", m.Text)
	}
	in.eventually(t, "an insights store error in /metrics", func() bool {
		_, metrics := in.get(t, "/metrics")
		return strings.Contains(metrics, `fundbot_store_errors_total{component="insights"}`)
	})

	proxy.Up(t)
	in.waitStatus(t, "/readyz", http.StatusOK)
	if m := ask(t, f, 2002, "Hvem kan søke?"); !strings.Contains(m.Text, "offentlig sektor") {
		t.Errorf("after Redis came back, got:\n%s", m.Text)
	}
	if code, took := in.stop(t); code != exitOK {
		t.Errorf("exit %d after %s", code, took)
	}
	if strings.Contains(in.logs.String(), redistest.URL()) && strings.Contains(redistest.URL(), "@") {
		t.Error("the Redis URL with its password is in the logs")
	}
	if n := in.count(t, msgIs("could not save the update offset")); n > 0 {
		t.Errorf("the Telegram offset could not be saved %d times: serve must create FUNDBOT_DATA_DIR", n)
	}
}
