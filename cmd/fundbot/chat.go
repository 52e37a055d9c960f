package main

import (
	"context"

	"github.com/fundbot/fundbot/bot/console"
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
	b, err := a.newBot(cfg)
	if err != nil {
		return err
	}
	return console.Chat(ctx, b, a.Stdin, a.Stdout, lang)
}
