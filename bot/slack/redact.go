package slack

import (
	"log/slog"
	"regexp"
	"strings"
)

// redactor keeps secrets out of errors and logs: the tokens and the signing
// secret, response_url addresses (whoever holds one may post to the channel
// for 30 minutes) and URL query strings (the Socket Mode ticket).
type redactor struct{ secrets []string }

var urlQuery = regexp.MustCompile(`(https?|wss?)://([^\s/?#"']+)([^\s?#"']*)\?[^\s"']*`)

// text removes the secrets, and any extra ones, from s.
func (r redactor) text(s string, extra ...string) string {
	for _, list := range [][]string{r.secrets, extra} {
		for _, secret := range list {
			if secret != "" {
				s = strings.ReplaceAll(s, secret, "[redacted]")
			}
		}
	}
	return urlQuery.ReplaceAllString(s, "$1://$2$3?[redacted]")
}

// err returns err with the secrets removed from its message; errors.Is and
// errors.As still see the original.
func (r redactor) err(err error, extra ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.text(msg, extra...)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// libLogger receives slack-go's own log lines and passes them, redacted, to
// the adapter's logger at debug level.
type libLogger struct {
	log *slog.Logger
	r   redactor
}

func (l libLogger) Output(_ int, s string) error {
	l.log.Debug("slack-go", "msg", l.r.text(strings.TrimSpace(s)))
	return nil
}
