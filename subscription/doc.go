// Package subscription holds fundbot's subscribers: who wants deadline
// reminders, on which platform, in which language, and how many days before
// each deadline. It defines the Store contract that the Redis store
// (subscription/redisstore) and the embedded file store (subscription/boltstore)
// both implement and that subscription/storetest checks.
//
// Reminders go out at 09:00 Europe/Oslo on the calendar day that lies the
// chosen number of days before a deadline. Dates are calendar dates, so the
// hour stays 09:00 across daylight-saving changes.
package subscription
