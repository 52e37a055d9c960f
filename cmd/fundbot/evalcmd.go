package main

import (
	"context"
	"fmt"
	"os"

	"github.com/fundbot/fundbot/bot/eval"
)

func (a *App) eval(ctx context.Context, args []string) error {
	fs := a.newFlags("eval")
	minRate := fs.Float64("min", 0, "exit 1 when overall accuracy is below this (0..1)")
	kbFlag := fs.String("kb", "", "knowledge base folder (default: built in, or FUNDBOT_KB_DIR)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"eval: give one eval file (JSON lines)"}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return usageError{fmt.Sprintf("eval: %v", err)}
	}
	defer f.Close()
	cases, err := eval.Read(f)
	if err != nil {
		return fmt.Errorf("eval %s: %w", pos[0], err)
	}
	cfg, err := a.settings(*kbFlag)
	if err != nil {
		return err
	}
	b, err := a.newBot(cfg)
	if err != nil {
		return err
	}
	rep := eval.Run(ctx, b, cases)
	rep.Print(a.Stdout)
	if rep.Overall.Rate() < *minRate {
		return failure{fmt.Sprintf("accuracy %.1f%% is below --min %.1f%%", 100*rep.Overall.Rate(), 100**minRate)}
	}
	return nil
}
