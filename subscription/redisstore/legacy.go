package redisstore

import "github.com/fundbot/fundbot/subscription"

// Before lease-then-record, a delivery was claimed with a key of its own that
// expired 30 days after the deadline:
//
//	P claim:<sub>|<call>|<offset>   string with a TTL: the claiming token
//	P claims:<sub>                  set with a TTL: the subscriber's claim keys
//
// Nothing writes them any more. Until the last one expires, a claim still
// counts as a record (so an upgrade sends nothing twice), and Delete still
// removes a subscriber's claims. This file can go once no deployment has
// claims left: 30 days after the last deadline claimed before the upgrade.

func (s *Store) legacyClaimKey(d subscription.Delivery) string { return s.p + "claim:" + d.String() }
func (s *Store) legacyClaimsKey(sub string) string             { return s.p + "claims:" + sub }
