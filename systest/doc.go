// Package systest holds system tests: they build the real fundbot binary,
// run it against the real Redis and a fake Telegram Bot API on loopback, and
// break things the way production does — SIGKILL in the middle of a reminder
// fan-out, Redis going away and coming back — to check that reminders are
// neither lost nor doubled. They skip under -short, and without Redis (fail
// under CI=true, like every Redis test).
package systest
