package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fundbot/fundbot/knowledge"
)

func get(t *testing.T, h http.Handler, path string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body), rec.Result().Header
}

func TestProbesAndFeed(t *testing.T) {
	kb, err := knowledge.Load(knowledge.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	var storeDown atomic.Bool
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "fundbot_test_total", Help: "x"}))
	h := Handler(Options{
		KB:       func() *knowledge.KB { return kb },
		Registry: reg,
		Checks: []Check{{Name: "store", Fn: func(context.Context) error {
			if storeDown.Load() {
				return errors.New("redis 127.0.0.1:6379: connection refused")
			}
			return nil
		}}},
	})

	if code, body, _ := get(t, h, "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body, _ := get(t, h, "/readyz"); code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Errorf("/readyz with the store up = %d %s", code, body)
	}
	storeDown.Store(true)
	if code, body, _ := get(t, h, "/readyz"); code != 503 || !strings.Contains(body, "connection refused") {
		t.Errorf("/readyz with the store down = %d %s", code, body)
	}
	storeDown.Store(false)
	if code, _, _ := get(t, h, "/readyz"); code != 200 {
		t.Errorf("/readyz did not recover: %d", code)
	}
	if code, body, _ := get(t, h, "/metrics"); code != 200 || !strings.Contains(body, "fundbot_test_total") {
		t.Errorf("/metrics = %d", code)
	}
	code, body, hdr := get(t, h, "/calendar.ics?lang=en")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/calendar") || !strings.Contains(body, "Application deadline") {
		t.Errorf("/calendar.ics = %d %s %q", code, hdr.Get("Content-Type"), body[:min(80, len(body))])
	}
	if code, _, _ := get(t, h, "/calendar.ics?lang=de"); code != 400 {
		t.Errorf("an unknown language must be a 400, got %d", code)
	}
}

func TestNotReadyWithoutKnowledge(t *testing.T) {
	h := Handler(Options{KB: func() *knowledge.KB { return nil }})
	if code, body, _ := get(t, h, "/readyz"); code != 503 || !strings.Contains(body, "knowledge") {
		t.Errorf("/readyz without a knowledge base = %d %s", code, body)
	}
}
