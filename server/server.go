// Package server is fundbot's HTTP surface for operators and platforms:
// health and readiness probes, Prometheus metrics, the deadline calendar
// feed, and the platform endpoints (Telegram webhook, Slack events) mounted
// by the caller.
package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fundbot/fundbot/calendar"
	"github.com/fundbot/fundbot/knowledge"
)

// Check is one readiness condition, such as "the store answers".
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Options configure the handler.
type Options struct {
	KB       func() *knowledge.KB // the knowledge base in use
	Checks   []Check              // readiness; the knowledge base check is built in
	Registry *prometheus.Registry // nil: no /metrics
	Host     string               // for calendar UIDs, e.g. "fundbot.kommune.no"
	Clock    func() time.Time
	// Mounts are extra endpoints by path: "/telegram/webhook", "/slack/events" ...
	Mounts map[string]http.Handler
}

// Handler returns the HTTP handler.
func Handler(opt Options) http.Handler {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Host == "" {
		opt.Host = "fundbot"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { ready(w, r, opt) })
	if opt.Registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(opt.Registry, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /calendar.ics", func(w http.ResponseWriter, r *http.Request) {
		lang := knowledge.NB
		if l := r.URL.Query().Get("lang"); l != "" {
			parsed, err := knowledge.ParseLang(l)
			if err != nil {
				http.Error(w, "lang: want nb, nn or en", http.StatusBadRequest)
				return
			}
			lang = parsed
		}
		kb := opt.KB()
		if kb == nil {
			http.Error(w, "knowledge base not loaded", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Content-Disposition", `inline; filename="fundbot-frister.ics"`)
		w.Header().Set("Cache-Control", "max-age=3600")
		_ = calendar.Write(w, kb, lang, opt.Clock(), opt.Host)
	})
	for path, h := range opt.Mounts {
		mux.Handle(path, h)
	}
	return mux
}

type readiness struct {
	Ready  bool              `json:"ready"`
	Failed map[string]string `json:"failed,omitempty"`
}

func ready(w http.ResponseWriter, r *http.Request, opt Options) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	res := readiness{Ready: true, Failed: map[string]string{}}
	if opt.KB == nil || opt.KB() == nil {
		res.Failed["knowledge"] = "not loaded"
	}
	for _, c := range opt.Checks {
		if err := c.Fn(ctx); err != nil {
			// The error names what failed; stores keep secrets out of their errors.
			res.Failed[c.Name] = err.Error()
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if len(res.Failed) > 0 {
		res.Ready = false
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(res)
}
