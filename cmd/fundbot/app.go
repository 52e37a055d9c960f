package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/config"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// Exit codes.
const (
	exitOK     = 0
	exitFail   = 1 // the command ran and found a problem (validation, eval below target)
	exitConfig = 2 // bad flags or settings
)

// App is the whole program with its outside world injected, so tests run it end to end.
type App struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Clock is "now"; nil means time.Now.
	Clock func() time.Time
}

const usage = `fundbot – answers about Innovasjonsprosjekt i offentlig sektor

Usage:
  fundbot chat [--kb DIR] [--lang nb|nn|en]          talk to the bot in the terminal
  fundbot ask [--json] [--now YYYY-MM-DD] [--lang nb|nn|en] QUESTION|-
  fundbot kb validate [--kb DIR]                      check the knowledge base
  fundbot eval [--min 0.9] FILE.jsonl                 score the bot on an eval file
  fundbot remind --dry-run [--now YYYY-MM-DD] [--list] show the reminders a tick would send
  fundbot subscribers                                 count subscribers by platform and language
  fundbot serve [--kb DIR]                            run the bot: Telegram, Slack, reminders, HTTP
  fundbot config                                      show the effective settings, secrets masked
  fundbot report unanswered [--since 30d] [--top 20]  the questions the bot could not answer
  fundbot report usage [--since 30d]                  questions by topic and language
  fundbot healthcheck                                 exit 0 when the local server answers /healthz

Settings come from the environment (see README, "Configuration"; fundbot config shows them).
`

// Run executes one command line and returns the exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	if a.Clock == nil {
		a.Clock = time.Now
	}
	if len(args) == 0 {
		fmt.Fprint(a.Stderr, usage)
		return exitConfig
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "chat":
		err = a.chat(ctx, rest)
	case "ask":
		err = a.ask(ctx, rest)
	case "kb":
		err = a.kb(rest)
	case "eval":
		err = a.eval(ctx, rest)
	case "remind":
		err = a.remind(ctx, rest)
	case "subscribers":
		err = a.subscribers(ctx, rest)
	case "serve":
		err = a.serve(ctx, rest)
	case "config":
		err = a.showConfig(rest)
	case "report":
		err = a.report(ctx, rest)
	case "healthcheck":
		err = a.healthcheck(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(a.Stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(a.Stderr, "fundbot: unknown command %q\n\n%s", cmd, usage)
		return exitConfig
	}
	return a.exit(err)
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// failure is a command that ran and found its check failed; its output says why.
type failure struct{ msg string }

func (e failure) Error() string { return e.msg }

func (a *App) exit(err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(a.Stderr, "fundbot: %v\n", err)
	var ue usageError
	var cp config.Problems
	switch {
	case errors.As(err, &ue), errors.As(err, &cp), errors.Is(err, flag.ErrHelp):
		return exitConfig
	}
	return exitFail
}

// newFlags returns a flag set that reports to stderr and never exits.
func (a *App) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	return fs
}

// parse accepts flags before and after positional arguments ("ask --json frist?" and "ask frist? --json").
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// settings reads the environment and lets the --kb flag override FUNDBOT_KB_DIR.
func (a *App) settings(kbFlag string) (config.Config, error) {
	cfg, err := config.FromEnv(a.Getenv)
	if err != nil {
		return cfg, err
	}
	if kbFlag != "" {
		cfg.KBDir = kbFlag
	}
	return cfg, nil
}

func loadKB(dir string) (*knowledge.KB, error) {
	if dir == "" {
		kb, err := knowledge.Load(knowledge.Embedded())
		if err != nil {
			return nil, fmt.Errorf("load embedded kb: %w", err)
		}
		return kb, nil
	}
	return knowledge.LoadDir(dir)
}

// newBot loads the knowledge base and builds the bot.
func (a *App) newBot(cfg config.Config) (*bot.Bot, error) {
	kb, err := loadKB(cfg.KBDir)
	if err != nil {
		return nil, err
	}
	return bot.New(match.New(kb), bot.Options{Threshold: cfg.Threshold, Clock: a.Clock}), nil
}

func parseLangFlag(s string) (knowledge.Lang, error) {
	if s == "" {
		return "", nil
	}
	l, err := knowledge.ParseLang(strings.ToLower(s))
	if err != nil {
		return "", usageError{"--lang: " + err.Error()}
	}
	return l, nil
}
