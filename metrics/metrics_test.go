package metrics

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/scheduler"
)

func TestTickOutcomesAreCounted(t *testing.T) {
	m := New()
	m.ObserveTick(scheduler.Report{Sent: 5, Late: 1, Failed: 2, Taken: 3, Throttled: 4, Busy: 6})
	m.ObserveTick(scheduler.Report{Sent: 1})
	for outcome, want := range map[string]float64{"sent": 6, "late": 1, "failed": 2, "deduplicated": 3, "rate_limited": 4, "busy": 6} {
		if got := testutil.ToFloat64(m.reminders.WithLabelValues(outcome)); got != want {
			t.Errorf("reminders{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
	var dropped int64 = 7
	m.WatchDropped(func() int64 { return dropped })
	if n, err := testutil.GatherAndCount(m.Registry, "fundbot_insights_dropped_total"); err != nil || n != 1 {
		t.Errorf("dropped counter not exported: %d %v", n, err)
	}
}

type cannedBot struct{}

func (cannedBot) Handle(context.Context, bot.Request) bot.Reply {
	return bot.Reply{Intent: "deadline", Lang: "nb", Matched: true, Confidence: 0.9}
}

func TestInstrumentedLogsNoQuestionText(t *testing.T) {
	var buf bytes.Buffer
	m := New()
	h := Instrumented{Next: cannedBot{}, Metrics: m, Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	h.Handle(context.Background(), bot.Request{Text: "ring meg på 91234567, når er fristen?"})
	line := buf.String()
	if !strings.Contains(line, `"intent":"deadline"`) || !strings.Contains(line, `"latency_ms"`) {
		t.Errorf("the answered line lacks intent or latency: %s", line)
	}
	if strings.Contains(line, "91234567") || strings.Contains(line, "fristen") {
		t.Errorf("the question text reached the info log: %s", line)
	}
	if got := testutil.ToFloat64(m.questions.WithLabelValues("deadline", "nb", "true")); got != 1 {
		t.Errorf("questions counter = %v, want 1", got)
	}
}
