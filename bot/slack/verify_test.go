package slack

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The example from Slack's documentation on verifying requests.
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = "1531420618"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestVerifySignature(t *testing.T) {
	docTime, _ := strconv.ParseInt(docTimestamp, 10, 64)
	now := time.Unix(docTime, 0)
	header := func(ts, sig string) http.Header {
		h := http.Header{}
		if ts != "" {
			h.Set("X-Slack-Request-Timestamp", ts)
		}
		if sig != "" {
			h.Set("X-Slack-Signature", sig)
		}
		return h
	}
	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"Slack's example", docSecret, header(docTimestamp, docSignature), docBody, now, nil},
		{"4 min 59 s later", docSecret, header(docTimestamp, docSignature), docBody, now.Add(299 * time.Second), nil},
		{"5 min 1 s later", docSecret, header(docTimestamp, docSignature), docBody, now.Add(301 * time.Second), errStaleTimestamp},
		{"from the future", docSecret, header(docTimestamp, docSignature), docBody, now.Add(-301 * time.Second), errStaleTimestamp},
		{"other body", docSecret, header(docTimestamp, docSignature), docBody + "&x=1", now, errBadSignature},
		{"other secret", "another", header(docTimestamp, docSignature), docBody, now, errBadSignature},
		{"upper-case hex", docSecret, header(docTimestamp, "v0=A2114D57B48EAC39B9AD189DD8316235A7B4A8D21A10BD27519666489C69B503"), docBody, now, errBadSignature},
		{"no signature", docSecret, header(docTimestamp, ""), docBody, now, errNoSignature},
		{"no timestamp", docSecret, header("", docSignature), docBody, now, errNoSignature},
		{"negative timestamp", docSecret, header("-1", docSignature), docBody, now, errBadTimestamp},
		{"no secret configured", "", header(docTimestamp, docSignature), docBody, now, errNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := verifySignature([]byte(tt.secret), tt.h, []byte(tt.body), tt.now); !errors.Is(err, tt.want) {
				t.Errorf("verifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	docTime, _ := strconv.ParseInt(docTimestamp, 10, 64)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", docTimestamp)
	h.Set("X-Slack-Signature", docSignature)
	for b.Loop() {
		if err := verifySignature([]byte(docSecret), h, []byte(docBody), time.Unix(docTime, 0)); err != nil {
			b.Fatal(err)
		}
	}
}
