package main

import (
	"fmt"

	"github.com/fundbot/fundbot/knowledge/match"
)

func (a *App) kb(args []string) error {
	if len(args) == 0 || args[0] != "validate" {
		return usageError{"kb: the subcommand is \"validate\": fundbot kb validate [--kb DIR]"}
	}
	fs := a.newFlags("kb validate")
	kbFlag := fs.String("kb", "", "knowledge base folder (default: built in, or FUNDBOT_KB_DIR)")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := a.settings(*kbFlag)
	if err != nil {
		return err
	}
	kb, err := loadKB(cfg.KBDir)
	if err != nil {
		return err
	}
	if problems := match.CheckExamples(match.New(kb)); len(problems) > 0 {
		return failure{problems.Error()}
	}
	n := 0
	for _, t := range kb.Topics() {
		n += len(t.Examples.NB) + len(t.Examples.NN) + len(t.Examples.EN)
	}
	fmt.Fprintf(a.Stdout, "knowledge base OK: %d programme(s), %d topics, %d examples\n", len(kb.Programmes), len(kb.Topics()), n)
	return nil
}
