// Package scheduler sends deadline reminders. A cron entry in Europe/Oslo
// ticks on a fixed spec; each tick works out from stored state which
// reminders are due, so nothing depends on cron catching up missed runs (it
// does not) or on a reminder's own cron entry.
//
// A tick:
//  1. writes the records of messages sent while the store was down (kept in
//     memory meanwhile), and plans nothing until they are written;
//  2. records the first sighting of every open deadline (to announce new calls once);
//  3. reads active subscribers in batches and, for each followed deadline,
//     picks the latest reminder whose 09:00 has passed since the subscriber
//     signed up or the call appeared — a reminder missed while the service was
//     down is sent late, and says so, while the deadline is still ahead;
//  4. drops those already recorded as sent or leased (being sent), and sends
//     the rest through the platform's Notifier under a global and a per-chat
//     rate: lease-then-record, one message at a time.
//
// Lease-then-record: just before a send the delivery is leased (short,
// renewed before each retry, default twice the send timeout and at least a
// minute); once the message went out, a durable record is written beside the
// subscriber. A process that dies between the two leaves only the lease; when
// it runs out, the next tick sends the reminder. So a crash loses nothing,
// and can send again only the messages in flight (at most the workers). A
// send whose outcome is unknown in a live process (timeout, lost response)
// is recorded as sent and not repeated: at most once. Only the replica
// holding the leader lock runs ticks; leases keep delivery single even if two
// ever overlap.
package scheduler
