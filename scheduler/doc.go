// Package scheduler sends deadline reminders. A cron entry in Europe/Oslo
// ticks on a fixed spec; each tick works out from stored state which
// reminders are due, so nothing depends on cron catching up missed runs (it
// does not) or on a reminder's own cron entry.
//
// A tick:
//  1. records the first sighting of every open deadline (to announce new calls once);
//  2. reads active subscribers in batches and, for each followed deadline,
//     picks the latest reminder whose 09:00 has passed since the subscriber
//     signed up or the call appeared — a reminder missed while the service was
//     down is sent late, and says so, while the deadline is still ahead;
//  3. drops those already claimed, and sends the rest through the platform's
//     Notifier under a global and a per-chat rate, claiming each one (store
//     SET NX) just before it is sent.
//
// Only the replica holding the leader lock runs ticks; the claims keep
// delivery exactly-once even if two ever overlap. A send whose outcome is
// unknown (timeout, lost response) is not repeated: reminders are at most
// once, never twice.
package scheduler
