package main

import (
	"context"
	"fmt"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/bot/console"
	"github.com/fundbot/fundbot/knowledge"
)

func (a *App) chat(ctx context.Context, args []string) error {
	fs := a.newFlags("chat")
	kbFlag := fs.String("kb", "", "knowledge base folder (default: built in, or FUNDBOT_KB_DIR)")
	langFlag := fs.String("lang", "", "reply language: nb, nn or en (default: the question's)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	lang, err := parseLangFlag(*langFlag)
	if err != nil {
		return err
	}
	cfg, err := a.settings(*kbFlag)
	if err != nil {
		return err
	}
	m, err := loadMatcher(cfg.KBDir)
	if err != nil {
		return err
	}
	opt := bot.Options{Threshold: cfg.Threshold, Clock: a.Clock}
	var b *bot.Bot
	// Subscriptions in the terminal use the same store as the bot would; when
	// it cannot be opened (another fundbot holds the file) questions still work.
	if store, _, err := openSubscriptions(ctx, cfg.Reminders, false); err != nil {
		fmt.Fprintf(a.Stderr, "(reminder commands are off: %v)\n", err)
	} else {
		defer store.Close()
		opt.Commands = bot.NewSubscriptions(store, func() *knowledge.KB { return b.KB() }, a.Clock)
	}
	b = bot.New(m, opt)
	return console.Chat(ctx, b, a.Stdin, a.Stdout, lang)
}
