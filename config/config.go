// Package config reads fundbot's settings from the environment and checks
// them, reporting every problem at once.
package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Config is every setting of fundbot.
type Config struct {
	KBDir     string  // FUNDBOT_KB_DIR: knowledge base folder; empty means the embedded one
	Threshold float64 // FUNDBOT_THRESHOLD: confidence needed for an answer
}

// Problems lists everything wrong with the settings; it is an error.
type Problems []string

func (p Problems) Error() string {
	return fmt.Sprintf("invalid configuration (%d problem(s)):\n  %s", len(p), strings.Join(p, "\n  "))
}

// FromEnv reads the settings through getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var ps Problems
	c.KBDir = strings.TrimSpace(getenv("FUNDBOT_KB_DIR"))
	if v := strings.TrimSpace(getenv("FUNDBOT_THRESHOLD")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f >= 1 {
			ps = append(ps, fmt.Sprintf("FUNDBOT_THRESHOLD=%q: want a number between 0 and 1, e.g. 0.4", v))
		}
		c.Threshold = f
	}
	if len(ps) > 0 {
		return c, ps
	}
	return c, nil
}
