// Package redisstore keeps subscriptions in Redis, for running several
// replicas. It takes a redis.UniversalClient, so a single node, Sentinel or
// Cluster is a matter of configuration (see ParseURL).
//
// Key layout, every key under a configurable prefix P (default "fundbot:"):
//
//	P sub:<platform>:<chat>         hash: platform, chat, lang, programmes, offsets,
//	                                created, changed, active, deactivated (times in Unix ms),
//	                                and per delivery (<item> = <programme>/<call>|<days or "new">):
//	                                  sent|<item>   "<sent ms>|<keep until ms>": the durable record
//	                                  lease|<item>  "<expires ms>|<token>": a send in progress
//	P subs:all                      sorted set, score 0: every subscriber key (paged by lex range)
//	P subs:active                   sorted set, score 0: active subscriber keys
//	P subs:inactive                 sorted set, score = deactivation time (ms): for purging
//	P calls:seen                    hash: "programme/call" → first time seen (Unix ms)
//	P lock:<name>                   string: the leader's random token, with a TTL
//
// The only key with a TTL is the leader lock: evicting volatile keys, or
// losing them, cannot make a reminder go twice. Delivery records live in the
// subscriber's hash, so they last exactly as long as the subscriber and go
// with it on unsubscribe. (Claim keys from before lease-then-record are still
// read and deleted: legacy.go.)
//
// No command walks the keyspace (no KEYS, no SCAN): the sorted sets are the
// indexes. Reads of many keys are pipelined. Multi-key writes are pipelines,
// not transactions, so that they work on a Cluster; they write the record
// before its index entries, and readers skip index entries whose record is
// gone. Scripts touch a single key each and use the server's clock (TIME),
// so Redis 7.0 or newer is needed.
package redisstore
