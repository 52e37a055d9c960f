package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

// SubscriptionStore is what the subscription commands need from the store.
type SubscriptionStore interface {
	Get(ctx context.Context, key string) (subscription.Subscriber, error)
	Put(ctx context.Context, s subscription.Subscriber) error
	Delete(ctx context.Context, key string) error
	// SeeCalls marks the deadlines shown at subscription as known, so that
	// they are not announced to the subscriber as new later.
	SeeCalls(ctx context.Context, calls []string, now time.Time) (map[string]time.Time, error)
}

// Subscriptions answers the commands subscribe, unsubscribe, status,
// deadlines and language, in bokmål, nynorsk and English, with or without a
// leading "/". Only messages whose first word is a command, followed by
// nothing or by that command's arguments, are commands: a question that
// merely mentions subscribing goes on to the matcher.
type Subscriptions struct {
	store SubscriptionStore
	kb    func() *knowledge.KB
	clock func() time.Time
	loc   *time.Location
}

var _ Commander = (*Subscriptions)(nil)

// NewSubscriptions returns the commands over store; kb gives the knowledge
// base in use (it may be swapped at any time) and clock the time.
func NewSubscriptions(store SubscriptionStore, kb func() *knowledge.KB, clock func() time.Time) *Subscriptions {
	if clock == nil {
		clock = time.Now
	}
	return &Subscriptions{store: store, kb: kb, clock: clock, loc: knowledge.Oslo()}
}

type command int

const (
	cmdSubscribe command = iota + 1
	cmdUnsubscribe
	cmdStatus
	cmdDeadlines
	cmdLanguage
)

// commandWords maps a first word to its command and the language the word
// is in: "en", "nn", "no" (bokmål or nynorsk) or "" (any).
var commandWords = map[string]struct {
	cmd  command
	lang string
}{
	"abonner": {cmdSubscribe, "no"}, "abonnér": {cmdSubscribe, "no"}, "subscribe": {cmdSubscribe, "en"},
	"stopp": {cmdUnsubscribe, "no"}, "stop": {cmdUnsubscribe, "en"}, "unsubscribe": {cmdUnsubscribe, "en"},
	"avslutt": {cmdUnsubscribe, "no"}, // only as "avslutt abonnement(et)"
	"status":  {cmdStatus, ""},
	"frister": {cmdDeadlines, "no"}, "fristar": {cmdDeadlines, "nn"}, "deadlines": {cmdDeadlines, "en"},
	"språk": {cmdLanguage, "no"}, "sprak": {cmdLanguage, "no"}, "målform": {cmdLanguage, "nn"}, "language": {cmdLanguage, "en"},
}

// offsetWord is a number list as users type it: "14", "-5", "14,7".
var offsetWord = regexp.MustCompile(`^[+-]?[0-9][0-9,]*$`)

// fillers may sit between reminder days: "abonner 14, 7 og 1 dager".
var fillers = map[string]bool{"og": true, "and": true, "dager": true, "dagar": true, "dag": true, "days": true, "day": true}

type parsed struct {
	cmd        command
	wordLang   string
	offsets    []string // subscribe: the day arguments
	programmes []string // subscribe: programme ids named
	arg        string   // language: the language asked for
}

// parse recognises a command; ok is false for anything else, free text included.
func (s *Subscriptions) parse(text string) (p parsed, ok bool) {
	fields := strings.Fields(strings.ToLower(strings.TrimSpace(text)))
	if len(fields) == 0 {
		return p, false
	}
	last := fields[len(fields)-1]
	if len(fields) > 1 && strings.HasSuffix(last, "?") {
		return p, false // a question, not a command
	}
	fields[len(fields)-1] = strings.TrimRight(last, ".!?")
	first := strings.TrimPrefix(fields[0], "/")
	first, _, _ = strings.Cut(first, "@") // Telegram: /subscribe@fundbot
	w, found := commandWords[first]
	if !found {
		return p, false
	}
	p.cmd, p.wordLang = w.cmd, w.lang
	args := slices.DeleteFunc(fields[1:], func(f string) bool { return f == "" || f == "," })
	switch p.cmd {
	case cmdSubscribe:
		for _, a := range args {
			switch {
			case offsetWord.MatchString(a):
				p.offsets = append(p.offsets, a)
			case fillers[a]:
			case s.programme(a) != "":
				p.programmes = append(p.programmes, s.programme(a))
			default:
				return p, false
			}
		}
		return p, true
	case cmdUnsubscribe:
		if first == "avslutt" {
			return p, len(args) == 1 && strings.HasPrefix(args[0], "abonnement")
		}
		return p, len(args) == 0
	case cmdLanguage:
		if len(args) > 1 {
			return p, false
		}
		if len(args) == 1 {
			p.arg = args[0]
		}
		return p, true
	}
	return p, len(args) == 0
}

// programme returns the id of the programme named by word, or "".
func (s *Subscriptions) programme(word string) string {
	if kb := s.kb(); kb != nil {
		for _, p := range kb.Programmes {
			if strings.EqualFold(p.ID, word) {
				return p.ID
			}
		}
	}
	return ""
}

// Command handles one message if it is a subscription command.
func (s *Subscriptions) Command(ctx context.Context, req Request, detected knowledge.Lang) (Reply, bool) {
	p, ok := s.parse(req.Text)
	if !ok {
		return Reply{}, false
	}
	now := req.Now
	if now.IsZero() {
		now = s.clock()
	}
	platform, chat, reachable := subscription.FromConversation(req.Conversation)
	key := subscription.Key(platform, chat)

	// The stored language matters only for words that do not tell it.
	var sub subscription.Subscriber
	var getErr error = subscription.ErrNotFound
	if reachable && p.cmd != cmdDeadlines {
		sub, getErr = s.store.Get(ctx, key)
		if getErr == nil && !sub.Active {
			getErr = subscription.ErrNotFound // deactivated: as good as gone
		}
	}
	lang := replyLang(req.Lang, detected, p.wordLang, sub, getErr == nil)
	reply := Reply{Lang: lang, Matched: true, Confidence: 1}
	say := func(intent, text string) (Reply, bool) {
		reply.Intent, reply.Answer = intent, strings.TrimSpace(text)
		return reply, true
	}
	storeDown := getErr != nil && !errors.Is(getErr, subscription.ErrNotFound)

	switch p.cmd {
	case cmdDeadlines:
		text, sources := s.deadlines(now, lang)
		reply.Sources = sources
		return say("deadlines", text)
	case cmdSubscribe:
		if !reachable {
			return say("subscribe", tr("notHere", lang))
		}
		if storeDown {
			return say("subscribe", tr("cannotSave", lang))
		}
		return say("subscribe", s.subscribe(ctx, p, sub, getErr == nil, platform, chat, lang, now))
	case cmdUnsubscribe:
		if !reachable {
			return say("unsubscribe", tr("notHere", lang))
		}
		switch err := s.store.Delete(ctx, key); {
		case err == nil:
			return say("unsubscribe", tr("unsubscribed", lang))
		case errors.Is(err, subscription.ErrNotFound):
			return say("unsubscribe", tr("nothingToStop", lang))
		default:
			return say("unsubscribe", tr("cannotDelete", lang))
		}
	case cmdStatus:
		switch {
		case !reachable:
			return say("status", tr("notHere", lang))
		case storeDown:
			return say("status", tr("cannotRead", lang))
		case getErr != nil:
			return say("status", tr("notSubscribed", lang))
		}
		return say("status", tr("status", lang, s.following(sub, lang), offsetList(sub, lang))+"\n"+s.next(sub, now, lang))
	case cmdLanguage:
		text, in := s.language(ctx, p.arg, sub, getErr, reachable, lang)
		reply.Lang = in
		return say("language", text)
	}
	return Reply{}, false
}

// replyLang picks the reply language: forced, else the command word's own
// language, else the subscriber's, else the one detected.
func replyLang(forced, detected knowledge.Lang, word string, sub subscription.Subscriber, subscribed bool) knowledge.Lang {
	norwegian := func(l knowledge.Lang) bool { return l == knowledge.NB || l == knowledge.NN }
	switch {
	case forced != "":
		return forced
	case word == "en":
		return knowledge.EN
	case word == "nn":
		return knowledge.NN
	case word == "no" && subscribed && norwegian(sub.Lang):
		return sub.Lang
	case word == "no" && norwegian(detected):
		return detected
	case word == "no":
		return knowledge.NB
	case subscribed:
		return sub.Lang
	case detected != "":
		return detected
	}
	return knowledge.NB
}

func (s *Subscriptions) subscribe(ctx context.Context, p parsed, sub subscription.Subscriber, exists bool,
	platform subscription.Platform, chat string, lang knowledge.Lang, now time.Time) string {
	offsets, err := subscription.ParseOffsets(p.offsets)
	var oe *subscription.OffsetError
	if errors.As(err, &oe) {
		if len(oe.Bad) == 0 {
			return tr("tooManyOffsets", lang)
		}
		return tr("badOffsets", lang, shortList(oe.Bad, 3))
	}
	intro := "subscribed"
	if exists {
		intro = "already"
		newOffsets := len(offsets) > 0 && !slices.Equal(offsets, sub.Offsets)
		newProgrammes := len(p.programmes) > 0 && !slices.Equal(p.programmes, sub.Programmes)
		if newOffsets || newProgrammes {
			intro = "updated"
			sub.ChangedAt = now
		}
	} else {
		sub = subscription.New(platform, chat, lang, now)
	}
	if len(offsets) > 0 {
		sub.Offsets = offsets
	}
	if len(p.programmes) > 0 {
		sub.Programmes = slices.Compact(p.programmes)
	}
	sub.Lang = lang
	open := subscription.OpenDeadlines(s.kb(), now)
	keys := make([]string, len(open))
	for i, d := range open {
		keys[i] = d.Key()
	}
	// Record the deadlines first: a subscriber saved without them would later
	// be told of these calls as if they were new.
	if _, err := s.store.SeeCalls(ctx, keys, now); err != nil {
		return tr("cannotSave", lang)
	}
	if err := s.store.Put(ctx, sub); err != nil {
		return tr("cannotSave", lang)
	}
	return tr(intro, lang, s.following(sub, lang), offsetList(sub, lang)) + "\n" + s.next(sub, now, lang) + "\n" + tr("howToStop", lang)
}

// shortList joins the first n values, and "…" for the rest: a message of
// thousands of bad values must not come back as a longer reply.
func shortList(values []string, n int) string {
	if len(values) > n {
		return strings.Join(values[:n], ", ") + ", …"
	}
	return strings.Join(values, ", ")
}

// next says when the next reminder comes, or that none is left; it only
// ever names dates of calls in the knowledge base.
func (s *Subscriptions) next(sub subscription.Subscriber, now time.Time, lang knowledge.Lang) string {
	n, ok := subscription.NextReminder(sub, subscription.OpenDeadlines(s.kb(), now), now, s.loc)
	if !ok {
		return tr("noneLeft", lang)
	}
	return tr("next", lang, knowledge.FormatDate(n.At.In(s.loc), lang), subscription.Days(n.Offset, lang),
		knowledge.FormatDate(n.Deadline.Date(), lang), n.Deadline.Programme.Name.Get(lang))
}

func (s *Subscriptions) following(sub subscription.Subscriber, lang knowledge.Lang) string {
	if len(sub.Programmes) == 0 {
		return tr("allProgrammes", lang)
	}
	names := make([]string, len(sub.Programmes))
	for i, id := range sub.Programmes {
		names[i] = id
		if kb := s.kb(); kb != nil {
			if p := kb.Programme(id); p != nil {
				names[i] = p.Name.Get(lang)
			}
		}
	}
	return strings.Join(names, ", ")
}

func offsetList(sub subscription.Subscriber, lang knowledge.Lang) string {
	return subscription.FormatOffsets(sub.ReminderOffsets(), lang)
}

// deadlines lists the known deadlines from today on, with their sources.
func (s *Subscriptions) deadlines(now time.Time, lang knowledge.Lang) (string, []knowledge.Source) {
	kb := s.kb()
	var lines []string
	var sources []knowledge.Source
	if kb != nil {
		for _, p := range kb.Programmes {
			for _, c := range p.UpcomingCalls(now) {
				d := subscription.Deadline{Programme: p, Call: c}
				when := tr("today", lang)
				if days := d.DaysLeft(now); days > 0 {
					when = tr("inDays", lang, subscription.Days(days, lang))
				}
				lines = append(lines, fmt.Sprintf("• %s: %s (%s)", p.Name.Get(lang), knowledge.FormatDate(c.Date(), lang), when))
				if c.Source.URL != "" && !slices.Contains(sources, c.Source) {
					sources = append(sources, c.Source)
				}
			}
		}
	}
	if len(lines) == 0 {
		return tr("noDeadlines", lang), nil
	}
	return tr("deadlinesHead", lang) + "\n" + strings.Join(lines, "\n"), sources
}

// language shows or sets the reminders' language; a new language is
// confirmed in that language, which it returns.
func (s *Subscriptions) language(ctx context.Context, arg string, sub subscription.Subscriber, getErr error, reachable bool, lang knowledge.Lang) (string, knowledge.Lang) {
	subscribed := getErr == nil
	storeDown := getErr != nil && !errors.Is(getErr, subscription.ErrNotFound)
	if arg == "" {
		switch {
		case storeDown:
			return tr("cannotRead", lang), lang
		case subscribed:
			return tr("langNow", lang, tr("name-"+string(sub.Lang), lang)), lang
		}
		return tr("langNotSubscribed", lang), lang
	}
	want, err := knowledge.ParseLang(arg)
	if err != nil {
		return tr("langUnknown", lang), lang
	}
	switch {
	case !reachable:
		return tr("notHere", want), want
	case storeDown:
		return tr("cannotSave", want), want
	case !subscribed:
		return tr("langNotSubscribed", want), want
	}
	sub.Lang = want
	if err := s.store.Put(ctx, sub); err != nil {
		return tr("cannotSave", want), want
	}
	return tr("langSet", want, tr("name-"+string(want), want)), want
}
