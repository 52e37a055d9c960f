// Package slack is fundbot's Slack adapter. It only translates: Slack events,
// slash commands and button clicks become bot.Requests, and bot.Replies
// become Block Kit messages. It also implements scheduler.Notifier, so
// reminders reach Slack channels and users.
//
// Two transports deliver the same events. Socket Mode (the default) needs no
// public URL: Run opens a WebSocket to Slack with the app-level token. HTTP
// mode serves the Events API, slash command and interactivity endpoints
// (Handler), each verifying Slack's request signature.
//
// Every request is acknowledged at once and answered asynchronously by a
// bounded pool of workers, so Slack's 3-second limit holds however slow the
// Web API is. Events Slack retries are answered once: their event_id is
// remembered for 15 minutes. Messages from bots, including this one, are
// ignored, and nothing from a user can become a live mention in a reply.
package slack
