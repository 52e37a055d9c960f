package config

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
)

// Serve are the settings of `fundbot serve`.
type Serve struct {
	HTTPAddr          string        // FUNDBOT_HTTP_ADDR: health, metrics, calendar, webhooks; default ":8080"
	ShutdownTimeout   time.Duration // FUNDBOT_SHUTDOWN_TIMEOUT: longest graceful stop; default 10s
	LogLevel          slog.Level    // FUNDBOT_LOG_LEVEL: debug, info, warn or error; default info
	LogFormat         string        // FUNDBOT_LOG_FORMAT: json or text; default json
	InsightsRetention time.Duration // FUNDBOT_INSIGHTS_RETENTION: unanswered questions kept; default 90d
	ReloadInterval    time.Duration // FUNDBOT_RELOAD_INTERVAL: how often FUNDBOT_KB_DIR is checked for changes; 0 off; default 5s
	PublicHost        string        // FUNDBOT_PUBLIC_HOST: names the calendar's events; default "fundbot"
}

// Serve defaults.
const (
	DefaultHTTPAddr = ":8080"
)

func (c *Config) readServe(getenv func(string) string) Problems {
	var ps Problems
	s := Serve{
		HTTPAddr: DefaultHTTPAddr, ShutdownTimeout: 10 * time.Second, LogLevel: slog.LevelInfo,
		LogFormat: "json", InsightsRetention: 90 * 24 * time.Hour, ReloadInterval: 5 * time.Second,
		PublicHost: "fundbot",
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_HTTP_ADDR")); v != "" {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			ps = append(ps, fmt.Sprintf("FUNDBOT_HTTP_ADDR=%q: want host:port or :port, e.g. :8080", v))
		}
		s.HTTPAddr = v
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_SHUTDOWN_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 5*time.Minute {
			ps = append(ps, fmt.Sprintf("FUNDBOT_SHUTDOWN_TIMEOUT=%q: want a duration from 1s to 5m, e.g. 10s", v))
		}
		s.ShutdownTimeout = d
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_LOG_LEVEL")); v != "" {
		if err := s.LogLevel.UnmarshalText([]byte(v)); err != nil {
			ps = append(ps, fmt.Sprintf("FUNDBOT_LOG_LEVEL=%q: want debug, info, warn or error", v))
		}
	}
	if v := strings.ToLower(strings.TrimSpace(getenv("FUNDBOT_LOG_FORMAT"))); v != "" {
		if v != "json" && v != "text" {
			ps = append(ps, fmt.Sprintf("FUNDBOT_LOG_FORMAT=%q: want json or text", v))
		}
		s.LogFormat = v
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_INSIGHTS_RETENTION")); v != "" {
		d, err := parseDays(v)
		if err != nil || d < 24*time.Hour {
			ps = append(ps, fmt.Sprintf("FUNDBOT_INSIGHTS_RETENTION=%q: want at least one day, e.g. 90d", v))
		}
		s.InsightsRetention = d
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_RELOAD_INTERVAL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || (d > 0 && d < 100*time.Millisecond) {
			ps = append(ps, fmt.Sprintf("FUNDBOT_RELOAD_INTERVAL=%q: want 0 (off) or a duration of at least 100ms, e.g. 5s", v))
		}
		s.ReloadInterval = d
	}
	if v := strings.TrimSpace(getenv("FUNDBOT_PUBLIC_HOST")); v != "" {
		if strings.ContainsAny(v, " /@:") {
			ps = append(ps, fmt.Sprintf("FUNDBOT_PUBLIC_HOST=%q: want a host name such as fundbot.kommune.no", v))
		}
		s.PublicHost = v
	}
	c.Serve = s
	return ps
}

// readEnvFile reads KEY=VALUE lines; blank lines and # comments are skipped,
// and a value may be wrapped in single or double quotes.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("line %d: want KEY=VALUE", n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	return out, sc.Err()
}
