package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fundbot/fundbot/config"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/scheduler"
	"github.com/fundbot/fundbot/subscription"
	"github.com/fundbot/fundbot/subscription/boltstore"
	"github.com/fundbot/fundbot/subscription/redisstore"
)

// openSubscriptions opens the configured store: Redis when REDIS_URL is set,
// else the file in FUNDBOT_DATA_DIR. readOnly opens the file only for
// reading, and fails with boltstore.ErrNoData when there is none yet. The
// file belongs to one process at a time: while the bot runs on it, reports
// wait a second and then say so (run several processes on Redis instead).
func openSubscriptions(ctx context.Context, r config.Reminders, readOnly bool) (subscription.Store, string, error) {
	if r.RedisURL != "" {
		s, err := redisstore.Open(ctx, r.RedisURL, r.RedisPrefix)
		if err != nil {
			return nil, "", err
		}
		return s, fmt.Sprintf("Redis %s, prefix %q", r.Redacted(), r.RedisPrefix), nil
	}
	path := filepath.Join(r.DataDir, "subscriptions.db")
	s, err := boltstore.Open(path, boltstore.Options{ReadOnly: readOnly})
	if err != nil {
		return nil, path, err
	}
	return s, path, nil
}

// schedulerOptions turns the settings into scheduler options; the caller adds
// the notifiers, the clock and the logger.
func schedulerOptions(r config.Reminders) scheduler.Options {
	interval := func(perSecond float64) time.Duration {
		if perSecond <= 0 {
			return 0
		}
		return time.Duration(float64(time.Second) / perSecond)
	}
	return scheduler.Options{
		Spec: r.Spec, LockTTL: r.LockTTL, PurgeAfter: r.PurgeAfter, Timeout: r.SendTimeout, Lease: r.SendLease,
		Limits: map[subscription.Platform]scheduler.Limit{
			subscription.Telegram: {Rate: r.TelegramRate, Burst: 1, PerChat: interval(r.TelegramChatRate)},
			subscription.Slack:    {Rate: r.SlackRate, Burst: 1, PerChat: interval(r.SlackChatRate)},
			subscription.Console:  {},
		},
	}
}

// remind previews what a scheduler tick would send.
func (a *App) remind(ctx context.Context, args []string) error {
	fs := a.newFlags("remind")
	dryRun := fs.Bool("dry-run", false, "print what would be sent, send nothing (required for now)")
	nowFlag := fs.String("now", "", "plan as of 09:00 Oslo time on this date (YYYY-MM-DD); default: now")
	list := fs.Bool("list", false, "also list every recipient")
	kbFlag := fs.String("kb", "", "knowledge base folder (default: built in, or FUNDBOT_KB_DIR)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if !*dryRun {
		return usageError{"remind: only --dry-run exists; reminders are sent by the running bot's scheduler"}
	}
	now := a.Clock()
	if *nowFlag != "" {
		day, err := time.ParseInLocation("2006-01-02", *nowFlag, knowledge.Oslo())
		if err != nil {
			return usageError{fmt.Sprintf("--now %q: want YYYY-MM-DD", *nowFlag)}
		}
		now = day.Add(subscription.ReminderHour * time.Hour)
	}
	cfg, err := a.settings(*kbFlag)
	if err != nil {
		return err
	}
	kb, err := loadKB(cfg.KBDir)
	if err != nil {
		return err
	}
	store, where, err := openSubscriptions(ctx, cfg.Reminders, true)
	if errors.Is(err, boltstore.ErrNoData) {
		fmt.Fprintf(a.Stdout, "No subscribers yet (no data at %s): nothing would be sent.\n", where)
		return nil
	}
	if err != nil {
		return err
	}
	defer store.Close()
	sched, err := scheduler.New(store, func() *knowledge.KB { return kb }, schedulerOptions(cfg.Reminders))
	if err != nil {
		return err
	}

	type group struct {
		text  string
		count int
	}
	var groups []*group
	byText := map[string]*group{}
	recipients := map[string]bool{}
	perPlatform := map[subscription.Platform]int{}
	total := 0
	w := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
	err = sched.Preview(ctx, now, func(batch []scheduler.Reminder) error {
		for _, r := range batch {
			msg := r.Message(now, knowledge.Oslo())
			total++
			recipients[r.Subscriber.Key()] = true
			perPlatform[r.Subscriber.Platform]++
			g := byText[msg.Text]
			if g == nil {
				g = &group{text: msg.Text}
				byText[msg.Text] = g
				groups = append(groups, g)
			}
			g.count++
			if *list {
				what := fmt.Sprintf("%d days before", r.Offset)
				if r.Offset == subscription.Announcement {
					what = "new call"
				}
				late := ""
				if r.Late {
					late = "late"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Subscriber.Key(), r.Subscriber.Lang, r.Deadline.Key(), what, late)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.Flush()
	if *list && total > 0 {
		fmt.Fprintln(a.Stdout)
	}
	var platforms []string
	for _, p := range subscription.Platforms {
		if perPlatform[p] > 0 {
			platforms = append(platforms, fmt.Sprintf("%s %d", p, perPlatform[p]))
		}
	}
	fmt.Fprintf(a.Stdout, "A tick at %s (Europe/Oslo) would send %d message(s) to %d subscriber(s)",
		now.In(knowledge.Oslo()).Format("2006-01-02 15:04"), total, len(recipients))
	if len(platforms) > 0 {
		fmt.Fprintf(a.Stdout, " (%s)", strings.Join(platforms, ", "))
	}
	fmt.Fprintf(a.Stdout, ".\nStore: %s\n", where)
	for _, g := range groups {
		fmt.Fprintf(a.Stdout, "\n%d ×\n  %s\n", g.count, strings.ReplaceAll(g.text, "\n", "\n  "))
	}
	return nil
}

// subscribers prints counts by platform and language.
func (a *App) subscribers(ctx context.Context, args []string) error {
	fs := a.newFlags("subscribers")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.settings("")
	if err != nil {
		return err
	}
	counts := map[subscription.Platform]map[knowledge.Lang]int{}
	inactive := 0
	store, where, err := openSubscriptions(ctx, cfg.Reminders, true)
	switch {
	case errors.Is(err, boltstore.ErrNoData):
	case err != nil:
		return err
	default:
		defer store.Close()
		after := ""
		for {
			page, err := store.List(ctx, after, 1000, false)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			after = page[len(page)-1].Key()
			for _, s := range page {
				if !s.Active {
					inactive++
					continue
				}
				if counts[s.Platform] == nil {
					counts[s.Platform] = map[knowledge.Lang]int{}
				}
				counts[s.Platform][s.Lang]++
			}
		}
	}
	w := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "platform\tnb\tnn\ten\ttotal\t")
	sums := map[knowledge.Lang]int{}
	all := 0
	for _, p := range subscription.Platforms {
		row := 0
		fmt.Fprintf(w, "%s\t", p)
		for _, l := range knowledge.Langs {
			n := counts[p][l]
			row += n
			sums[l] += n
			fmt.Fprintf(w, "%d\t", n)
		}
		all += row
		fmt.Fprintf(w, "%d\t\n", row)
	}
	fmt.Fprintf(w, "total\t%d\t%d\t%d\t%d\t\n", sums[knowledge.NB], sums[knowledge.NN], sums[knowledge.EN], all)
	w.Flush()
	fmt.Fprintf(a.Stdout, "\n%d active subscriber(s); %d deactivated (deleted %s after deactivation).\nStore: %s\n",
		all, inactive, days(cfg.Reminders.PurgeAfter), where)
	return nil
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
