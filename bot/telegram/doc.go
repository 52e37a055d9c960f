// Package telegram is fundbot's Telegram adapter. It translates Telegram
// updates into bot.Request values and bot.Reply values into HTML messages
// with inline keyboards, and it is the scheduler's Notifier for reminders in
// Telegram. It holds no conversation logic of its own.
//
// # Receiving updates
//
// Long polling is the default. The adapter runs its own getUpdates loop
// rather than the library's GetUpdatesChan, which logs transport errors (and
// with them the token) and ignores retry_after. An update is confirmed to
// Telegram, and its offset saved in an OffsetStore, only once it has been
// handled; updates still being handled come back in the next poll and are
// skipped. A graceful restart therefore neither drops nor repeats an update;
// after a crash, an update that was in flight may be answered again
// (at least once). Only one replica may poll a token: Telegram answers a second
// poller with 409 Conflict. Run several replicas with a webhook.
//
// With a webhook URL configured, Run registers it with setWebhook and a secret
// token, and Webhook returns the http.Handler to mount. It rejects requests
// without the right X-Telegram-Bot-Api-Secret-Token (compared in constant
// time) with 401, decodes the update itself, queues it and answers 200 at
// once. Telegram counts an update delivered on that 200, so an update queued
// when the process dies is lost (at most once).
//
// # Start-up
//
// New does no network I/O. Run calls getMe until it succeeds, with backoff
// from one second to a minute, so the service starts and keeps retrying while
// Telegram is unreachable; only 401 Unauthorized (a wrong or revoked token)
// ends Run with an error. Reminders sent through Notify before that work
// normally: they do not need getMe.
//
// # Processing
//
// Updates from different chats are handled concurrently, those from one chat
// in order. A panic while handling one update is recovered and logged, and the
// user is told that something went wrong. Malformed updates are logged and
// skipped. In groups the bot answers only its commands, messages that mention
// it and replies to its own messages.
//
// # Secrets
//
// Every Bot API URL contains the token. Errors from the transport are
// rewritten without it, and the logger given to New is wrapped so that no log
// line carries it either.
package telegram
