package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run executes fundbot with args and stdin, as a user would from the shell.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
		Clock:  func() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) },
	}
	code = app.Run(context.Background(), args)
	return out.String(), errOut.String(), code
}

func decodeAnswer(t *testing.T, line string) askJSON {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, line)
	}
	for _, field := range []string{"question", "lang", "matched", "intent", "confidence", "answer", "sources", "suggestions"} {
		if _, ok := raw[field]; !ok {
			t.Errorf("contract field %q missing in %s", field, line)
		}
	}
	var a askJSON
	if err := json.Unmarshal([]byte(line), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAskJSONContract(t *testing.T) {
	out, errOut, code := run(t, "", nil, "ask", "--json", "--now", "2022-05-20", "Hva er søknadsfristen?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("want exactly one line of JSON, got %d:\n%s", len(lines), out)
	}
	a := decodeAnswer(t, lines[0])
	if a.Question != "Hva er søknadsfristen?" || a.Lang != "nb" || !a.Matched || a.Intent != "deadline" {
		t.Errorf("unexpected reply: %+v", a)
	}
	if a.Confidence <= 0 || a.Confidence > 1 {
		t.Errorf("confidence %v outside 0..1", a.Confidence)
	}
	if !strings.Contains(a.Answer, "21. september 2022") || !strings.Contains(a.Answer, "124") {
		t.Errorf("deadline answer should give the date and the 124 days left: %q", a.Answer)
	}
	if strings.Contains(a.Answer, "forskningsradet.no") {
		t.Errorf("the source belongs in sources, not in the answer text: %q", a.Answer)
	}
	if len(a.Sources) == 0 || a.Sources[0].AsOf != "2022-09-24" || !strings.HasPrefix(a.Sources[0].URL, "https://www.forskningsradet.no/") {
		t.Errorf("sources = %+v", a.Sources)
	}
}

func TestAskLangFlagAndFallback(t *testing.T) {
	out, _, code := run(t, "", nil, "ask", "--json", "--lang", "en", "Hvem kan søke?")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	a := decodeAnswer(t, strings.TrimSpace(out))
	if a.Lang != "en" || !a.Matched || a.Intent != "who_can_apply" {
		t.Errorf("--lang en should answer who_can_apply in English: %+v", a)
	}

	out, _, _ = run(t, "", nil, "ask", "--json", "Hva blir været i Tromsø på lørdag?")
	a = decodeAnswer(t, strings.TrimSpace(out))
	if a.Matched {
		t.Errorf("a weather question must not get a confident answer: %+v", a)
	}
	if len(a.Sources) == 0 || a.Answer == "" {
		t.Errorf("a fallback still says something and points to the source: %+v", a)
	}
}

func TestAskBatchKeepsOrder(t *testing.T) {
	in := "Hvem kan søke?\nWhat costs are covered?\nKva tema støttar de?\n"
	out, errOut, code := run(t, in, nil, "ask", "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines for 3 questions, got %d", len(lines))
	}
	want := []struct{ q, lang, intent string }{
		{"Hvem kan søke?", "nb", "who_can_apply"},
		{"What costs are covered?", "en", "costs_covered"},
		{"Kva tema støttar de?", "nn", "themes"},
	}
	for i, w := range want {
		a := decodeAnswer(t, lines[i])
		if a.Question != w.q || string(a.Lang) != w.lang || a.Intent != w.intent {
			t.Errorf("line %d: got (%q, %s, %s), want %+v", i+1, a.Question, a.Lang, a.Intent, w)
		}
	}
}

func TestAskPlainText(t *testing.T) {
	out, _, code := run(t, "", nil, "ask", "Hva dekkes?")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"personal", "Kilde: ", "per 24. september 2022"} {
		if !strings.Contains(out, want) {
			t.Errorf("plain answer lacks %q:\n%s", want, out)
		}
	}
}

func TestAskUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"ask"},
		{"ask", "--now", "27.11.2026", "frist?"},
		{"ask", "--lang", "de", "frist?"},
		{"nosuchcommand"},
	} {
		_, errOut, code := run(t, "", nil, args...)
		if code != exitConfig || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with a message", args, code, errOut)
		}
	}
}

func TestChatThroughPipe(t *testing.T) {
	in := "hei\nhvem kan søke?\nog for fylkeskommuner?\n/help\nwhat about the deadline?\n/quit\nthis line is never read\n"
	out, errOut, code := run(t, in, map[string]string{"FUNDBOT_DATA_DIR": t.TempDir()}, "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"> ", "offentlig sektor", "/quit", "21 September 2022"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "never read") {
		t.Error("chat went on after /quit")
	}
}

func TestKBValidate(t *testing.T) {
	out, errOut, code := run(t, "", nil, "kb", "validate")
	if code != 0 {
		t.Fatalf("the built-in knowledge base does not validate (exit %d):\n%s", code, errOut)
	}
	if !strings.Contains(out, "knowledge base OK") {
		t.Errorf("output: %s", out)
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "programmes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "programmes", "x.yaml"), []byte("id: x\ntopics:\n  - id: t\n    kind: answer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = run(t, "", map[string]string{"FUNDBOT_KB_DIR": dir}, "kb", "validate")
	if code != exitFail {
		t.Fatalf("a broken knowledge base must exit 1, got %d", code)
	}
	for _, want := range []string{"programmes/x.yaml: topic t:", "general.yaml: file is missing", "has no nb text"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validation output lacks %q:\n%s", want, errOut)
		}
	}
}

func TestBadConfigListsEveryProblem(t *testing.T) {
	_, errOut, code := run(t, "", map[string]string{"FUNDBOT_THRESHOLD": "high"}, "ask", "frist?")
	if code != exitConfig || !strings.Contains(errOut, "FUNDBOT_THRESHOLD") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestChatSubscribesInTheTerminal(t *testing.T) {
	env := map[string]string{"FUNDBOT_DATA_DIR": t.TempDir()}
	out, errOut, code := run(t, "abonner 14 3 1\nstatus\n", env, "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "14, 3 og 1 dager") {
		t.Errorf("subscribe with offsets not confirmed:\n%s", out)
	}
	// The subscription outlives the session: a new chat sees it, and stopping deletes it.
	out, _, _ = run(t, "status\nstopp\nstatus\n", env, "chat")
	if !strings.Contains(out, "Du følger") || !strings.Contains(out, "slettet") || !strings.Contains(out, "Du abonnerer ikke") {
		t.Errorf("status, stop and status again:\n%s", out)
	}
}
