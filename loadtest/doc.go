// Package loadtest holds fundbot's load tests; it has no code of its own.
//
// TestWebhookLoad builds the fundbot binary, starts it as a second process
// with Telegram (webhook) and Slack (HTTP Events API) pointed at fakes on
// loopback, drives both endpoints at a fixed rate and reports the latency of
// the HTTP acknowledgement (p50, p99), errors, answers delivered and the
// server's memory. The in-flight tests send 1,000 questions across 200 chats
// at once through Telegram polling and Slack Socket Mode and check that every
// chat gets each answer once, in the order asked.
//
// By default the load runs for 2 s per endpoint, which CI does; for figures:
//
//	go test ./loadtest -run WebhookLoad -v -load.rate 2000 -load.duration 30s
//
// (or LOADTEST_RATE=2000 LOADTEST_DURATION=30s). LOADTEST_SERVER_CPUS=0 runs
// the server under taskset on CPU 0; run the test itself with taskset -c 1
// so that the generator and the fakes do not take the server's core.
// Everything is skipped under -short.
package loadtest
