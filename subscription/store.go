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
// call when Offset is 0.
type Delivery struct {
	Subscriber string // Subscriber.Key()
	Call       string // Deadline.Key()
	Offset     int    // days before the deadline; 0 for the announcement
}

// Announcement is the Offset of a "new call" message.
const Announcement = 0

func (d Delivery) String() string { return d.Subscriber + "|" + d.Item() }

// Item names the delivery within its subscriber: "programme/call|7", or
// "programme/call|new" for the announcement.
func (d Delivery) Item() string {
	off := "new"
	if d.Offset != Announcement {
		off = strconv.Itoa(d.Offset)
	}
	return d.Call + "|" + off
}

// DeliveryState is where a delivery stands.
type DeliveryState int

// The states of a delivery. A delivery moves from Due to Leased (someone is
// sending it) and then to Sent, or back to Due when the send failed or the
// lease ran out (the sender died).
const (
	Due    DeliveryState = iota // neither sent nor being sent
	Leased                      // a live lease: someone is sending it right now
	Sent                        // the durable record says it went out
)

func (s DeliveryState) String() string {
	switch s {
	case Leased:
		return "leased"
	case Sent:
		return "sent"
	}
	return "due"
}

// Record is the durable note that a delivery went out. It lives as long as
// its subscriber (deleting the subscriber deletes it) and is kept at least
// for Keep, counted on the store's clock like a lease (to well past its
// deadline), after which the store may drop it.
type Record struct {
	Delivery
	At   time.Time     // when it was sent
	Keep time.Duration // kept at least this long from now
}

// Store keeps subscribers, the leases and records of their deliveries, the
// calls seen so far and the leader lock. Every implementation must pass storetest.Run. Callers declare
// the smaller interfaces they need; this one is the full contract.
type Store interface {
	// Put creates or replaces a subscriber.
	Put(ctx context.Context, s Subscriber) error
	// Get returns the subscriber, or an error wrapping ErrNotFound.
	Get(ctx context.Context, key string) (Subscriber, error)
	// Delete removes the subscriber with its delivery records and leases; ErrNotFound if there was none.
	Delete(ctx context.Context, key string) error
	// Deactivate marks a subscriber whose chat is gone; ErrNotFound if there is none.
	Deactivate(ctx context.Context, key string, at time.Time) error
	// List returns up to limit subscribers whose keys sort after the key "after", in key order.
	List(ctx context.Context, after string, limit int, activeOnly bool) ([]Subscriber, error)
	// PurgeInactive deletes subscribers deactivated before the given time, with their records.
	PurgeInactive(ctx context.Context, before time.Time) (int, error)

	// Lease takes a short lease on a delivery for token, or renews token's
	// own lease, just before sending it: true means "send it now". It is
	// false when the delivery is recorded as sent, when another token holds a
	// live lease, or when the subscriber does not exist (any more). The lease
	// expires after ttl, so that a sender that dies is replaced.
	Lease(ctx context.Context, d Delivery, token string, ttl time.Duration) (bool, error)
	// Record writes the durable records of deliveries that went out and drops
	// their leases. Records of subscribers that no longer exist are dropped;
	// writing a record twice is harmless.
	Record(ctx context.Context, rs []Record) error
	// Release gives up token's lease on a delivery that was not sent, so that
	// the next tick sends it; another token's lease is left alone.
	Release(ctx context.Context, d Delivery, token string) error
	// Deliveries reports the state of each delivery.
	Deliveries(ctx context.Context, ds []Delivery) ([]DeliveryState, error)

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
