package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// maxSkew is how far a request's timestamp may be from our clock: Slack's
// rule against replayed requests.
const maxSkew = 5 * time.Minute

// Reasons a request's signature is rejected. They never contain the secret
// or the expected signature.
var (
	errNoSignature    = errors.New("missing X-Slack-Signature or X-Slack-Request-Timestamp")
	errBadTimestamp   = errors.New("X-Slack-Request-Timestamp is not a Unix time")
	errStaleTimestamp = errors.New("X-Slack-Request-Timestamp is more than 5 minutes from now")
	errBadSignature   = errors.New("X-Slack-Signature does not match the body")
	errNoSecret       = errors.New("no signing secret configured")
)

// verifySignature checks Slack's v0 request signature: "v0=" and the hex
// HMAC-SHA256, keyed with the signing secret, of "v0:{timestamp}:{body}".
// The comparison is constant-time, and a timestamp more than five minutes
// from now is rejected even with a valid signature.
func verifySignature(secret []byte, h http.Header, body []byte, now time.Time) error {
	if len(secret) == 0 {
		return errNoSecret
	}
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return errNoSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return errBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return errStaleTimestamp
	}
	if !hmac.Equal([]byte(sig), []byte(sign(secret, ts, body))) {
		return errBadSignature
	}
	return nil
}

// sign computes the v0 signature of a request.
func sign(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
