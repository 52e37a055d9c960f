package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fundbot/fundbot/insights"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// showConfig prints the effective settings with every secret masked.
func (a *App) showConfig(args []string) error {
	if _, err := parse(a.newFlags("config"), args); err != nil {
		return err
	}
	cfg, err := a.settings("")
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	for _, s := range cfg.Settings() {
		fmt.Fprintf(w, "%s\t%s\n", s.Name, s.Value)
	}
	return w.Flush()
}

// healthcheck asks the local server's /healthz: the container's HEALTHCHECK.
func (a *App) healthcheck(ctx context.Context, args []string) error {
	if _, err := parse(a.newFlags("healthcheck"), args); err != nil {
		return err
	}
	cfg, err := a.settings("")
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(cfg.Serve.HTTPAddr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return failure{fmt.Sprintf("healthcheck: %v", err)}
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return failure{fmt.Sprintf("healthcheck: /healthz answered %s", resp.Status)}
	}
	fmt.Fprintln(a.Stdout, "ok")
	return nil
}

// report prints what editors need to improve the knowledge base.
func (a *App) report(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "unanswered" && args[0] != "usage") {
		return usageError{"report: want \"unanswered\" or \"usage\": fundbot report unanswered [--since 30d|YYYY-MM-DD] [--top 20]"}
	}
	kind := args[0]
	fs := a.newFlags("report " + kind)
	sinceFlag := fs.String("since", "30d", "from this date (YYYY-MM-DD) or this long ago (30d, 72h)")
	top := fs.Int("top", 20, "how many questions to list (unanswered)")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	now := a.Clock()
	since, err := parseSince(*sinceFlag, now)
	if err != nil {
		return usageError{"--since: " + err.Error()}
	}
	cfg, err := a.settings("")
	if err != nil {
		return err
	}
	store, closeStore, err := openInsights(ctx, cfg.Reminders.RedisURL, cfg.Reminders.RedisPrefix, cfg.Reminders.DataDir, cfg.Serve.InsightsRetention, a.Clock)
	if err != nil {
		return err
	}
	defer closeStore()
	w := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	day := since.In(knowledge.Oslo()).Format("2006-01-02")
	switch kind {
	case "unanswered":
		counts, err := store.Unanswered(ctx, since)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.Stdout, "Unanswered questions since %s (personal data redacted), most asked first:\n", day)
		if len(counts) == 0 {
			fmt.Fprintln(a.Stdout, "  none")
		}
		for i, c := range counts {
			if i == *top {
				fmt.Fprintf(a.Stdout, "  … and %d more\n", len(counts)-*top)
				break
			}
			fmt.Fprintf(w, "%6d\t%s\n", c.N, c.Question)
		}
	case "usage":
		rows, err := store.Usage(ctx, since)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.Stdout, "Questions since %s by topic and language:\n", day)
		fmt.Fprintf(w, "count\ttopic\tlang\tanswered\n")
		total, answered := 0, 0
		for _, r := range rows {
			fmt.Fprintf(w, "%d\t%s\t%s\t%v\n", r.N, r.Intent, r.Lang, r.Matched)
			total += r.N
			if r.Matched {
				answered += r.N
			}
		}
		fmt.Fprintf(w, "%d\t(all)\t\t%d answered\n", total, answered)
	}
	return w.Flush()
}

func parseSince(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseInLocation("2006-01-02", v, knowledge.Oslo()); err == nil {
		return d, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD, or a span such as 30d or 72h", v)
}

// openInsights opens the insights store of the configured backend.
func openInsights(ctx context.Context, redisURL, prefix, dataDir string, retention time.Duration, clock func() time.Time) (insights.Store, func(), error) {
	if redisURL != "" {
		opt, err := redisstore.ParseURL(redisURL)
		if err != nil {
			return nil, nil, err
		}
		rdb := redis.NewUniversalClient(opt)
		return insights.NewRedis(rdb, prefix, retention, knowledge.Oslo(), clock), func() { rdb.Close() }, nil
	}
	b, err := insights.OpenBolt(filepath.Join(dataDir, "insights.db"), retention, knowledge.Oslo(), clock)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (while fundbot serve runs on the embedded store it holds this file; stop it, or use Redis)", err)
	}
	return b, func() { b.Close() }, nil
}
