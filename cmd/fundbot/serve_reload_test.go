package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fundbot/fundbot/internal/telegramfake"
	"github.com/fundbot/fundbot/knowledge"
)

// kbCopy is a writable copy of the built-in knowledge base, for FUNDBOT_KB_DIR.
func kbCopy(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kb")
	if err := os.CopyFS(dir, knowledge.Embedded()); err != nil {
		t.Fatal(err)
	}
	// A reload must pass `kb validate`: so must the copy, or every reload is rejected.
	if _, errOut, code := run(t, "", map[string]string{"FUNDBOT_KB_DIR": dir}, "kb", "validate"); code != exitOK {
		t.Fatalf("the built-in knowledge base does not pass kb validate, so serve would reject every reload of it:\n%s", errOut)
	}
	return dir
}

// markAnswer puts marker in front of the bokmål answer of topic, as an editor would.
func markAnswer(t *testing.T, dir, topic, marker string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "programmes", "*.yaml"))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		at := -1
		for i, l := range lines {
			if strings.TrimSpace(l) == "- id: "+topic {
				at = i
			}
			if at >= 0 && i > at && strings.TrimSpace(l) == "answer:" {
				nb := lines[i+1]
				switch key := strings.TrimSpace(nb); {
				case key == "nb: |-" || key == "nb: |" || key == "nb: >-" || key == ">":
					indent := lines[i+2][:len(lines[i+2])-len(strings.TrimLeft(lines[i+2], " "))]
					lines = append(lines[:i+2], append([]string{indent + marker}, lines[i+2:]...)...)
				case strings.HasPrefix(key, "nb: "):
					lines[i+1] = strings.Replace(nb, "nb: ", fmt.Sprintf("nb: %q # ", marker), 1)
				default:
					t.Fatalf("%s: the nb answer of %s is not where expected: %q", path, topic, nb)
				}
				if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
	}
	t.Fatalf("topic %s not found in %s", topic, dir)
}

// reloads counts the "knowledge base reloaded" lines, with why when it is not empty.
func reloads(why string) func(map[string]any) bool {
	return func(rec map[string]any) bool {
		return rec["msg"] == "knowledge base reloaded" && (why == "" || rec["why"] == why)
	}
}

func TestServeReloadsAGoodKnowledgeBaseAndKeepsItOverABrokenOne(t *testing.T) {
	f := telegramfake.New(t)
	env := serveEnv(t, f)
	dir := kbCopy(t)
	env["FUNDBOT_KB_DIR"] = dir
	env["FUNDBOT_RELOAD_INTERVAL"] = "200ms"
	in := startServe(t, env, fixedClock(sept1))

	const question = "Hvem kan søke?"
	if m := ask(t, f, 3001, question); strings.Contains(m.Text, "Oppdatert") {
		t.Fatalf("marked before the edit:\n%s", m.Text)
	}

	markAnswer(t, dir, "who_can_apply", "Oppdatert svar nummer 1.")
	in.waitLog(t, "that the edit was loaded", reloads("files changed"))
	if m := ask(t, f, 3002, question); !strings.Contains(m.Text, "Oppdatert svar nummer 1.") {
		t.Errorf("after the edit the answer is still the old one:\n%s", m.Text)
	}

	broken := filepath.Join(dir, "programmes", "broken.yaml")
	if err := os.WriteFile(broken, []byte("id: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rejected := in.waitLog(t, "that the broken file was rejected", msgIs("knowledge base rejected; the previous one keeps serving"))
	if rejected["level"] != "ERROR" || !strings.Contains(fmt.Sprint(rejected["problems"]), "broken.yaml") {
		t.Errorf("the rejection does not name the broken file: %v", rejected)
	}
	if m := ask(t, f, 3003, question); !strings.Contains(m.Text, "Oppdatert svar nummer 1.") {
		t.Errorf("with a broken knowledge base the last good one must keep serving:\n%s", m.Text)
	}
	in.waitStatus(t, "/readyz", 200)
	_, metrics := in.get(t, "/metrics")
	for _, want := range []string{`fundbot_kb_reloads_total{result="ok"} 1`, `fundbot_kb_reloads_total{result="rejected"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(metrics, "fundbot_kb_reloads"))
		}
	}

	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	markAnswer(t, dir, "who_can_apply", "Oppdatert svar nummer 2.")
	in.eventually(t, "a second reload", func() bool { return in.count(t, reloads("files changed")) == 2 })
	if m := ask(t, f, 3004, question); !strings.Contains(m.Text, "Oppdatert svar nummer 2.") {
		t.Errorf("after the fix the new answer is not used:\n%s", m.Text)
	}
}

func TestServeReloadsOnSIGHUP(t *testing.T) {
	f := telegramfake.New(t)
	env := serveEnv(t, f)
	dir := kbCopy(t)
	env["FUNDBOT_KB_DIR"] = dir
	env["FUNDBOT_RELOAD_INTERVAL"] = "0" // only SIGHUP reloads
	in := startServe(t, env, fixedClock(sept1))

	markAnswer(t, dir, "who_can_apply", "Lastet etter SIGHUP.")
	if m := ask(t, f, 3101, "Hvem kan søke?"); strings.Contains(m.Text, "Lastet etter SIGHUP.") {
		t.Fatalf("reloaded without SIGHUP while FUNDBOT_RELOAD_INTERVAL=0:\n%s", m.Text)
	}
	// serve is ready, so its SIGHUP handler is in place: the signal does not end the test binary.
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	in.waitLog(t, "of a reload on SIGHUP", reloads("SIGHUP"))
	if m := ask(t, f, 3102, "Hvem kan søke?"); !strings.Contains(m.Text, "Lastet etter SIGHUP.") {
		t.Errorf("after SIGHUP the answer is still the old one:\n%s", m.Text)
	}
}
