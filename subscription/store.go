package subscription

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// ErrNotFound means there is no subscriber with that key.
var ErrNotFound = errors.New("subscriber not found")

// Delivery identifies one message to one subscriber: a reminder Offset days
// before the deadline Call ("programme/call"), or the announcement of a new
// call when Offset is 0. Claiming it makes sure it is sent at most once.
type Delivery struct {
	Subscriber string // Subscriber.Key()
	Call       string // Deadline.Key()
	Offset     int    // days before the deadline; 0 for the announcement
}

// Announcement is the Offset of a "new call" message.
const Announcement = 0

func (d Delivery) String() string {
	off := "new"
	if d.Offset != Announcement {
		off = strconv.Itoa(d.Offset)
	}
	return d.Subscriber + "|" + d.Call + "|" + off
}

// Store keeps subscribers, delivery claims, the calls seen so far and the
// leader lock. Every implementation must pass storetest.Run. Callers declare
// the smaller interfaces they need; this one is the full contract.
type Store interface {
	// Put creates or replaces a subscriber.
	Put(ctx context.Context, s Subscriber) error
	// Get returns the subscriber, or an error wrapping ErrNotFound.
	Get(ctx context.Context, key string) (Subscriber, error)
	// Delete removes the subscriber and its delivery claims; ErrNotFound if there was none.
	Delete(ctx context.Context, key string) error
	// Deactivate marks a subscriber whose chat is gone; ErrNotFound if there is none.
	Deactivate(ctx context.Context, key string, at time.Time) error
	// List returns up to limit subscribers whose keys sort after the key "after", in key order.
	List(ctx context.Context, after string, limit int, activeOnly bool) ([]Subscriber, error)
	// PurgeInactive deletes subscribers deactivated before the given time, with their claims.
	PurgeInactive(ctx context.Context, before time.Time) (int, error)

	// Claim records the delivery under token if nobody holds it; the claim expires after ttl.
	Claim(ctx context.Context, d Delivery, token string, ttl time.Duration) (bool, error)
	// Claimed reports, for each delivery, whether a claim on it exists.
	Claimed(ctx context.Context, ds []Delivery) ([]bool, error)
	// Release removes a claim, only if token still holds it.
	Release(ctx context.Context, d Delivery, token string) error

	// SeeCalls records now as the first sighting of calls not seen before and
	// returns the first sighting of each call.
	SeeCalls(ctx context.Context, calls []string, now time.Time) (map[string]time.Time, error)
	// CallsSeen returns the first sighting of the calls seen before, without writing.
	CallsSeen(ctx context.Context, calls []string) (map[string]time.Time, error)

	// AcquireLock takes or renews the named lock for token. When another token
	// holds it, retryIn says when it expires.
	AcquireLock(ctx context.Context, name, token string, ttl time.Duration) (held bool, retryIn time.Duration, err error)
	// ReleaseLock gives the lock up, only if token holds it.
	ReleaseLock(ctx context.Context, name, token string) error

	Close() error
}
