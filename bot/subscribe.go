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

// tr renders the named text in lang.
func tr(name string, lang knowledge.Lang, args ...any) string {
	t, ok := commandTexts[name]
	if !ok {
		panic("bot: no text " + name) // a typo in this file; the tests cover every name
	}
	if len(args) == 0 {
		return t.Get(lang)
	}
	return fmt.Sprintf(t.Get(lang), args...)
}

var commandTexts = map[string]knowledge.Text{
	"notHere": {
		NB: "Påminnelser kan bare settes opp i Telegram, Slack eller i chat-terminalen.",
		NN: "Påminningar kan berre setjast opp i Telegram, Slack eller i chat-terminalen.",
		EN: "Reminders can only be set up in Telegram, Slack or the chat terminal.",
	},
	"cannotSave": {
		NB: "Jeg får ikke lagret abonnementet akkurat nå. Prøv igjen om litt – spørsmål svarer jeg gjerne på i mellomtiden.",
		NN: "Eg får ikkje lagra abonnementet akkurat no. Prøv igjen om litt – spørsmål svarar eg gjerne på i mellomtida.",
		EN: "I can't save your subscription right now. Please try again in a little while – I'm happy to answer questions meanwhile.",
	},
	"cannotRead": {
		NB: "Jeg får ikke hentet abonnementet ditt akkurat nå. Prøv igjen om litt.",
		NN: "Eg får ikkje henta abonnementet ditt akkurat no. Prøv igjen om litt.",
		EN: "I can't look up your subscription right now. Please try again in a little while.",
	},
	"cannotDelete": {
		NB: "Jeg får ikke avsluttet abonnementet akkurat nå. Prøv igjen om litt.",
		NN: "Eg får ikkje avslutta abonnementet akkurat no. Prøv igjen om litt.",
		EN: "I can't end your subscription right now. Please try again in a little while.",
	},
	"badOffsets": {
		NB: "Påminnelser kan komme fra 1 til 365 dager før fristen. Dette kunne jeg ikke bruke: %s. Eksempel: «abonner 14 7 1».",
		NN: "Påminningar kan kome frå 1 til 365 dagar før fristen. Dette kunne eg ikkje bruke: %s. Døme: «abonner 14 7 1».",
		EN: "Reminders can come 1 to 365 days before a deadline. I couldn't use: %s. Example: “subscribe 14 7 1”.",
	},
	"tooManyOffsets": {
		NB: "Du kan ha høyst 10 påminnelser per frist. Eksempel: «abonner 14 7 1».",
		NN: "Du kan ha høgst 10 påminningar per frist. Døme: «abonner 14 7 1».",
		EN: "You can have at most 10 reminders per deadline. Example: “subscribe 14 7 1”.",
	},
	"subscribed": {
		NB: "Du abonnerer nå på påminnelser om søknadsfrister for %s, %s dager før fristen, kl. 09:00 norsk tid.",
		NN: "Du abonnerer no på påminningar om søknadsfristar for %s, %s dagar før fristen, kl. 09:00 norsk tid.",
		EN: "You are now subscribed to deadline reminders for %s, %s days before each deadline, at 09:00 Norwegian time.",
	},
	"updated": {
		NB: "Abonnementet er oppdatert: %s, %s dager før fristen, kl. 09:00 norsk tid.",
		NN: "Abonnementet er oppdatert: %s, %s dagar før fristen, kl. 09:00 norsk tid.",
		EN: "Your subscription is updated: %s, %s days before each deadline, at 09:00 Norwegian time.",
	},
	"already": {
		NB: "Du abonnerer allerede: %s, %s dager før fristen, kl. 09:00 norsk tid.",
		NN: "Du abonnerer allereie: %s, %s dagar før fristen, kl. 09:00 norsk tid.",
		EN: "You are already subscribed: %s, %s days before each deadline, at 09:00 Norwegian time.",
	},
	"status": {
		NB: "Du følger %s og får påminnelser %s dager før fristen, kl. 09:00 norsk tid.",
		NN: "Du følgjer %s og får påminningar %s dagar før fristen, kl. 09:00 norsk tid.",
		EN: "You follow %s and get reminders %s days before each deadline, at 09:00 Norwegian time.",
	},
	"next": {
		NB: "Neste påminnelse: %s kl. 09:00 (%s før fristen %s for %s).",
		NN: "Neste påminning: %s kl. 09:00 (%s før fristen %s for %s).",
		EN: "Next reminder: %s at 09:00 (%s before the %s deadline for %s).",
	},
	"noneLeft": {
		NB: "Ingen påminnelser gjenstår for fristene jeg kjenner nå. Du får beskjed når en ny utlysning åpner.",
		NN: "Ingen påminningar står att for fristane eg kjenner no. Du får melding når ei ny utlysing opnar.",
		EN: "No reminders are left for the deadlines I know now. You'll hear from me when a new call opens.",
	},
	"howToStop": {
		NB: "Skriv «stopp» for å avslutte.",
		NN: "Skriv «stopp» for å avslutte.",
		EN: "Write “stop” to unsubscribe.",
	},
	"allProgrammes": {NB: "alle programmer", NN: "alle program", EN: "all programmes"},
	"unsubscribed": {
		NB: "Abonnementet er avsluttet, og det jeg hadde lagret om deg er slettet. Skriv «abonner» hvis du vil ha påminnelser igjen.",
		NN: "Abonnementet er avslutta, og det eg hadde lagra om deg er sletta. Skriv «abonner» om du vil ha påminningar igjen.",
		EN: "Your subscription has ended, and what I had stored about you is deleted. Write “subscribe” to get reminders again.",
	},
	"nothingToStop": {
		NB: "Du har ikke noe abonnement, så det er ingenting å avslutte.",
		NN: "Du har ikkje noko abonnement, så det er ingenting å avslutte.",
		EN: "You have no subscription, so there is nothing to end.",
	},
	"notSubscribed": {
		NB: "Du abonnerer ikke på påminnelser. Skriv «abonner» for å få beskjed 30, 14, 7 og 1 dag før søknadsfrister.",
		NN: "Du abonnerer ikkje på påminningar. Skriv «abonner» for å få melding 30, 14, 7 og 1 dag før søknadsfristar.",
		EN: "You are not subscribed to reminders. Write “subscribe” to hear from me 30, 14, 7 and 1 day before deadlines.",
	},
	"deadlinesHead": {NB: "Kjente søknadsfrister:", NN: "Kjende søknadsfristar:", EN: "Known deadlines:"},
	"today":         {NB: "i dag", NN: "i dag", EN: "today"},
	"inDays":        {NB: "om %s", NN: "om %s", EN: "in %s"},
	"noDeadlines": {
		NB: "Jeg kjenner ingen kommende søknadsfrister akkurat nå.",
		NN: "Eg kjenner ingen komande søknadsfristar akkurat no.",
		EN: "I don't know of any upcoming deadlines right now.",
	},
	"langNow": {
		NB: "Påminnelsene dine kommer på %s. Skriv «språk nb», «språk nn» eller «språk en» for å bytte.",
		NN: "Påminningane dine kjem på %s. Skriv «språk nb», «språk nn» eller «språk en» for å byte.",
		EN: "Your reminders are in %s. Write “language nb”, “language nn” or “language en” to change.",
	},
	"langSet": {
		NB: "Påminnelsene dine kommer nå på %s.",
		NN: "Påminningane dine kjem no på %s.",
		EN: "Your reminders will now be in %s.",
	},
	"langNotSubscribed": {
		NB: "Jeg svarer på språket du skriver på. Språket for påminnelser velger du når du abonnerer: skriv «abonner», deretter for eksempel «språk nn».",
		NN: "Eg svarar på språket du skriv på. Språket for påminningar vel du når du abonnerer: skriv «abonner», deretter til dømes «språk nn».",
		EN: "I answer in the language you write in. You choose the language of reminders once subscribed: write “subscribe”, then for example “language en”.",
	},
	"langUnknown": {
		NB: "Jeg kan bokmål (nb), nynorsk (nn) og engelsk (en). Skriv for eksempel «språk nn».",
		NN: "Eg kan bokmål (nb), nynorsk (nn) og engelsk (en). Skriv til dømes «språk nn».",
		EN: "I know Bokmål (nb), Nynorsk (nn) and English (en). Write for example “language en”.",
	},
	"name-nb": {NB: "bokmål", NN: "bokmål", EN: "Bokmål"},
	"name-nn": {NB: "nynorsk", NN: "nynorsk", EN: "Nynorsk"},
	"name-en": {NB: "engelsk", NN: "engelsk", EN: "English"},
}
