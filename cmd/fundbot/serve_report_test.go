package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fundbot/fundbot/internal/telegramfake"
)

// runAt is run with the clock at now.
func runAt(t *testing.T, now time.Time, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }, Clock: fixedClock(now)}
	code = app.Run(context.Background(), args)
	return out.String(), errOut.String(), code
}

func TestReportsAfterServe(t *testing.T) {
	for _, backend := range []string{"embedded", "redis"} {
		t.Run(backend, func(t *testing.T) {
			f := telegramfake.New(t)
			env := serveEnv(t, f)
			if backend == "redis" {
				redisEnv(t, env, "")
			}
			in := startServe(t, env, fixedClock(sept1))
			ask(t, f, 4001, "Hva blir været i Tromsø? Ring meg på 912 34 567 eller skriv til kari.nordmann@example.com")
			ask(t, f, 4002, "hva blir været i   Tromsø?  Ring meg på +47 41 22 33 44 eller skriv til ola@kommune.no")
			ask(t, f, 4003, "Hva blir været i Tromsø? Fødselsnummeret mitt er 01017012345")
			ask(t, f, 4004, "Hvem kan søke?")

			if backend == "embedded" {
				// The running serve holds the file: the report says what to do.
				_, errOut, code := runAt(t, sept1, env, "report", "unanswered")
				if code != exitFail || !strings.Contains(errOut, "stop it, or use Redis") {
					t.Errorf("report while serve holds the file: exit %d, %q", code, errOut)
				}
			}
			if code, _ := in.stop(t); code != exitOK { // flushes the questions being recorded
				t.Fatalf("serve exited with %d", code)
			}

			out, errOut, code := runAt(t, sept1, env, "report", "unanswered", "--since", "2022-08-01")
			if code != exitOK {
				t.Fatalf("report unanswered: exit %d: %s", code, errOut)
			}
			t.Logf("report unanswered:\n%s", out)
			if !regexp.MustCompile(`(?m)^\s+2\s+hva blir været i tromsø\? ring meg på \[telefon\] eller skriv til \[e-post\]$`).MatchString(out) {
				t.Errorf("the repeated question is not counted twice, redacted and normalised:\n%s", out)
			}
			if !regexp.MustCompile(`(?m)^\s+1\s+hva blir været i tromsø\? fødselsnummeret mitt er \[fnr\]$`).MatchString(out) {
				t.Errorf("the question with a national identity number is not listed redacted:\n%s", out)
			}
			for _, personal := range []string{"912", "41 22", "kari.nordmann", "example.com", "ola@", "01017012345", "hvem kan søke"} {
				if strings.Contains(strings.ToLower(out), personal) {
					t.Errorf("the report shows %q:\n%s", personal, out)
				}
			}

			out, errOut, code = runAt(t, sept1, env, "report", "usage", "--since", "2022-08-01")
			if code != exitOK {
				t.Fatalf("report usage: exit %d: %s", code, errOut)
			}
			t.Logf("report usage:\n%s", out)
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`(?m)^1\s+who_can_apply\s+nb\s+true$`),
				regexp.MustCompile(`(?m)^4\s+\(all\)\s+1 answered$`),
			} {
				if !want.MatchString(out) {
					t.Errorf("report usage does not match %s:\n%s", want, out)
				}
			}
		})
	}
}
