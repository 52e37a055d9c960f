package slack

import (
	"strconv"
	"testing"
	"time"
)

func TestSeenRemembersLongerThanSlackRetries(t *testing.T) {
	s := newSeen(dedupeTTL, 100)
	if !s.add("Ev1", testNow) {
		t.Fatal("a new key was taken for a repeat")
	}
	for _, after := range []time.Duration{0, time.Minute, 5*time.Minute + 30*time.Second, 14 * time.Minute} { // Slack retries at once, after ~1 and ~5 minutes
		if s.add("Ev1", testNow.Add(after)) {
			t.Errorf("a retry %s later was taken as new", after)
		}
	}
	if !s.add("Ev1", testNow.Add(dedupeTTL)) {
		t.Error("the key was not forgotten after the TTL")
	}
}

func TestSeenIsBounded(t *testing.T) {
	s := newSeen(time.Hour, 100)
	for i := range 10000 {
		s.add("Ev"+strconv.Itoa(i), testNow.Add(time.Duration(i)*time.Millisecond))
	}
	if n := s.len(); n > 100 {
		t.Errorf("%d keys held, want at most 100", n)
	}
	if cap(s.order) > 1000 {
		t.Errorf("queue capacity %d: memory is not bounded", cap(s.order))
	}
	if s.add("Ev9999", testNow.Add(10*time.Second)) {
		t.Error("the newest key was dropped")
	}
	if !s.add("Ev0", testNow.Add(10*time.Second)) {
		t.Error("the oldest key should have been dropped first")
	}
}

func TestSeenForget(t *testing.T) {
	s := newSeen(time.Hour, 100)
	s.add("Ev1", testNow)
	s.forget("Ev1") // not taken after all (busy): Slack's retry must be answered
	if !s.add("Ev1", testNow) {
		t.Error("a forgotten key is still remembered")
	}
}
