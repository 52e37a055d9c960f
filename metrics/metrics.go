// Package metrics holds fundbot's Prometheus metrics. Labels carry topics,
// languages and outcomes, never message text, user ids or secrets.
package metrics

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/scheduler"
)

// Metrics is one registry with fundbot's collectors.
type Metrics struct {
	Registry    *prometheus.Registry
	questions   *prometheus.CounterVec
	latency     prometheus.Histogram
	reminders   *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
	reloads     *prometheus.CounterVec
}

// New registers the collectors, with the Go runtime and process metrics.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fundbot_questions_total",
			Help: "Questions answered, by topic, reply language and whether the answer was confident.",
		}, []string{"intent", "lang", "matched"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "fundbot_answer_seconds",
			Help:    "Time to answer one question, matching and rendering (not the platform round trip).",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .5},
		}),
		reminders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fundbot_reminders_total",
			Help: "Reminder deliveries by outcome: sent, late, announced, failed, uncertain, deduplicated (taken by another replica), deactivated, rate_limited, busy (leased elsewhere at planning).",
		}, []string{"outcome"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fundbot_store_errors_total",
			Help: "Errors from the subscription or insights store, by component.",
		}, []string{"component"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fundbot_kb_reloads_total",
			Help: "Knowledge base reloads by result (ok, rejected).",
		}, []string{"result"}),
	}
	m.Registry.MustRegister(m.questions, m.latency, m.reminders, m.storeErrors, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveTick counts what one scheduler tick did.
func (m *Metrics) ObserveTick(r scheduler.Report) {
	add := func(outcome string, n int) {
		if n > 0 {
			m.reminders.WithLabelValues(outcome).Add(float64(n))
		}
	}
	add("sent", r.Sent)
	add("late", r.Late)
	add("announced", r.Announced)
	add("failed", r.Failed)
	add("uncertain", r.Uncertain)
	add("deduplicated", r.Taken)
	add("deactivated", r.Deactivated)
	add("rate_limited", r.Throttled)
	add("busy", r.Busy)
}

// WatchDropped exports how many question events the insights recorder had
// to drop because its queue was full (the reports then undercount).
func (m *Metrics) WatchDropped(dropped func() int64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "fundbot_insights_dropped_total",
		Help: "Question events not recorded for the reports because the recorder's queue was full.",
	}, func() float64 { return float64(dropped()) }))
}

// StoreError counts one store failure.
func (m *Metrics) StoreError(component string) { m.storeErrors.WithLabelValues(component).Inc() }

// Reload counts a knowledge base reload.
func (m *Metrics) Reload(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
	} else {
		m.reloads.WithLabelValues("rejected").Inc()
	}
}

// Handler is what answers questions; *bot.Bot is one.
type Handler interface {
	Handle(ctx context.Context, req bot.Request) bot.Reply
}

// Instrumented wraps a Handler: it counts and times every question and logs
// one line for it, with topic, language, confidence and latency, never the text.
type Instrumented struct {
	Next    Handler
	Metrics *Metrics
	Log     *slog.Logger
}

// Handle answers and observes.
func (h Instrumented) Handle(ctx context.Context, req bot.Request) bot.Reply {
	start := time.Now()
	r := h.Next.Handle(ctx, req)
	d := time.Since(start)
	h.Metrics.questions.WithLabelValues(r.Intent, string(r.Lang), strconv.FormatBool(r.Matched)).Inc()
	h.Metrics.latency.Observe(d.Seconds())
	h.Log.LogAttrs(ctx, slog.LevelInfo, "answered",
		slog.String("intent", r.Intent), slog.String("lang", string(r.Lang)),
		slog.Bool("matched", r.Matched), slog.Float64("confidence", r.Confidence),
		slog.Float64("latency_ms", float64(d.Microseconds())/1000))
	h.Log.LogAttrs(ctx, slog.LevelDebug, "question", slog.String("text", req.Text))
	return r
}
