// Package bot is fundbot's platform-neutral conversation: it takes a message,
// finds what it asks, and writes the reply. Adapters (console, Telegram,
// Slack) only translate between their platform and Request/Reply.
package bot

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fundbot/fundbot/insights"
	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/knowledge/match"
)

// DefaultThreshold separates answers from "I'm not sure"; see README for how it was chosen.
const DefaultThreshold = 0.35

// Request is one message to the bot.
type Request struct {
	// Conversation identifies the conversation, e.g. "telegram:123" or
	// "slack:C1:1700000000.000100" (a thread); it keys the context.
	Conversation string
	// Chat is who gets reminders when this message subscribes: "telegram:123",
	// "slack:C1" (a channel) or "slack:U1" (a user's DM). Empty means Conversation.
	Chat string
	Text string
	// Lang forces the reply language; empty means the language of the question.
	Lang knowledge.Lang
	// Topic answers a topic directly (a suggestion button), skipping matching.
	Topic string
	// Now overrides the clock for this request ("what if today were ...").
	Now time.Time
}

// Reply is the bot's answer.
type Reply struct {
	Question    string
	Lang        knowledge.Lang
	Matched     bool // a confident answer from the knowledge base
	Intent      string
	Confidence  float64
	Answer      string // the answer text alone, without sources
	Sources     []knowledge.Source
	Suggestions []Suggestion
}

// Suggestion is a topic the user may want next: a button on chat platforms.
type Suggestion struct {
	Topic string
	Text  string
}

// Commander handles commands such as "abonner" before questions are matched.
// It returns handled=false for anything that is not its command.
type Commander interface {
	Command(ctx context.Context, req Request, lang knowledge.Lang) (reply Reply, handled bool)
}

// Recorder hears of every answered question; insights.Async is one. It must
// not block: answering never waits for statistics.
type Recorder interface {
	Record(e insights.Event)
}

// Options configure a Bot.
type Options struct {
	Threshold        float64          // confidence needed for an answer; 0 means DefaultThreshold
	Clock            func() time.Time // defaults to time.Now
	Context          time.Duration    // how long a conversation's last topic is remembered; 0 means 30 minutes
	Commands         Commander        // optional subscription commands
	MaxConversations int              // context entries kept; 0 means 10,000
	Recorder         Recorder         // optional: learns which questions went unanswered
	// RatePerMinute and RateBurst bound the messages one chat may send; 0 means 20 a minute, bursts of 10.
	RatePerMinute, RateBurst int
}

// Bot answers questions from one knowledge base. It is safe for concurrent use.
type Bot struct {
	matcher   atomic.Pointer[match.Matcher]
	threshold float64
	clock     func() time.Time
	memory    *memory
	commands  Commander
	recorder  Recorder
	limiter   *rateLimiter
}

// New returns a bot over the matcher's knowledge base.
func New(m *match.Matcher, opt Options) *Bot {
	if opt.Threshold <= 0 {
		opt.Threshold = DefaultThreshold
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Context <= 0 {
		opt.Context = 30 * time.Minute
	}
	if opt.MaxConversations <= 0 {
		opt.MaxConversations = 10000
	}
	b := &Bot{threshold: opt.Threshold, clock: opt.Clock, memory: newMemory(opt.Context, opt.MaxConversations), commands: opt.Commands, recorder: opt.Recorder}
	if opt.RatePerMinute <= 0 {
		opt.RatePerMinute = 20
	}
	if opt.RateBurst <= 0 {
		opt.RateBurst = 10
	}
	b.limiter = newRateLimiter(opt.RatePerMinute, opt.RateBurst, opt.MaxConversations)
	b.matcher.Store(m)
	return b
}

// SetMatcher swaps in a matcher over a new knowledge base; questions in flight finish on the old one.
func (b *Bot) SetMatcher(m *match.Matcher) { b.matcher.Store(m) }

// Matcher returns the matcher in use.
func (b *Bot) Matcher() *match.Matcher { return b.matcher.Load() }

// KB returns the knowledge base in use.
func (b *Bot) KB() *knowledge.KB { return b.matcher.Load().KB() }

// Handle answers one message.
func (b *Bot) Handle(ctx context.Context, req Request) Reply {
	now := req.Now
	if now.IsZero() {
		now = b.clock()
	}
	m := b.matcher.Load()
	kb := m.KB()
	prev, _ := b.memory.get(req.Conversation, now)

	who := req.Chat
	if who == "" {
		who = req.Conversation
	}
	if ok, first := b.limiter.allow(who, now); !ok {
		lang := req.Lang
		if lang == "" {
			lang = prev.lang
		}
		if lang == "" {
			lang = knowledge.NB
		}
		r := Reply{Question: req.Text, Lang: lang, Intent: IntentRateLimited}
		if first {
			r.Answer = slowDown.Get(lang)
		}
		return r
	}

	if req.Topic != "" {
		if t := kb.Topic(req.Topic); t != nil {
			lang := req.Lang
			if lang == "" {
				lang = prev.lang
			}
			if lang == "" {
				lang = knowledge.NB
			}
			reply := b.answer(kb, t, lang, now, 1)
			reply.Question = req.Text
			b.memory.put(req.Conversation, turn{topic: t.ID, lang: lang}, now)
			return reply
		}
	}

	res := m.Match(match.Query{Text: req.Text, Lang: req.Lang, PrevLang: prev.lang, PrevTopic: prev.topic})
	lang := res.Lang

	if b.commands != nil {
		if reply, ok := b.commands.Command(ctx, req, lang); ok {
			reply.Question = req.Text
			if reply.Lang == "" {
				reply.Lang = lang
			}
			b.memory.put(req.Conversation, turn{topic: prev.topic, lang: reply.Lang}, now)
			return reply
		}
	}

	var reply Reply
	switch {
	case strings.TrimSpace(req.Text) == "" || res.Topic == nil:
		reply = b.fallback(kb, res, lang, nil)
	case res.OtherScheme != "":
		reply = b.fallback(kb, res, lang, kb.Topic("other_schemes"))
	case !res.Topic.Confident():
		reply = b.fallback(kb, res, lang, res.Topic)
	case res.Confidence < b.threshold:
		reply = b.fallback(kb, res, lang, nil)
	default:
		reply = b.answer(kb, res.Topic, lang, now, res.Confidence)
	}
	reply.Question = req.Text
	if b.recorder != nil {
		e := insights.Event{At: now, Intent: reply.Intent, Lang: string(reply.Lang), Matched: reply.Matched}
		if !reply.Matched && strings.TrimSpace(req.Text) != "" {
			e.Question = req.Text // redacted by the store before it is kept
		}
		b.recorder.Record(e)
	}
	next := turn{topic: reply.Intent, lang: lang}
	if !reply.Matched {
		next.topic = prev.topic // an unanswered message does not change what "it" refers to
	}
	b.memory.put(req.Conversation, next, now)
	return reply
}

// answer renders topic t in lang.
func (b *Bot) answer(kb *knowledge.KB, t *knowledge.Topic, lang knowledge.Lang, now time.Time, conf float64) Reply {
	text := t.Answer.Get(lang)
	if strings.Contains(text, "{deadline_status}") {
		var status string
		if p := kb.Programme(t.Programme); p != nil {
			status = p.DeadlineSentence(now, lang)
		} else if len(kb.Programmes) > 0 {
			status = kb.Programmes[0].DeadlineSentence(now, lang)
		}
		text = strings.ReplaceAll(text, "{deadline_status}", status)
	}
	r := Reply{
		Lang:       lang,
		Matched:    t.Confident(),
		Intent:     t.ID,
		Confidence: round(conf),
		Answer:     strings.TrimSpace(text),
		Sources:    t.Sources,
	}
	for _, id := range t.Related {
		if rt := kb.Topic(id); rt != nil && len(r.Suggestions) < 3 {
			r.Suggestions = append(r.Suggestions, Suggestion{Topic: id, Text: rt.Title.Get(lang)})
		}
	}
	return r
}

// fallback is the honest "I don't know": why, the closest topics, and the source to read.
func (b *Bot) fallback(kb *knowledge.KB, res match.Result, lang knowledge.Lang, known *knowledge.Topic) Reply {
	r := Reply{Lang: lang, Intent: "fallback", Confidence: round(res.Confidence)}
	var text string
	if known != nil {
		r.Intent = known.ID
		text = known.Answer.Get(lang)
		r.Sources = known.Sources
	} else {
		text = notSure.Get(lang)
	}
	if len(r.Sources) == 0 && len(kb.Programmes) > 0 {
		r.Sources = []knowledge.Source{kb.Programmes[0].Source}
	}
	r.Answer = strings.TrimSpace(text)
	if known == nil || known.Kind != knowledge.KindOutOfScope {
		for _, c := range res.Candidates {
			if len(r.Suggestions) == 3 {
				break
			}
			if c.Topic.Kind == knowledge.KindAnswer || c.Topic.Kind == knowledge.KindDeadline {
				r.Suggestions = append(r.Suggestions, Suggestion{Topic: c.Topic.ID, Text: c.Topic.Title.Get(lang)})
			}
		}
	}
	if len(r.Suggestions) == 0 {
		for _, id := range []string{"who_can_apply", "costs_covered", "deadline"} {
			if t := kb.Topic(id); t != nil {
				r.Suggestions = append(r.Suggestions, Suggestion{Topic: id, Text: t.Title.Get(lang)})
			}
		}
	}
	return r
}

// IntentRateLimited marks a message refused because its chat sent too many;
// the Answer is empty after the first refusal in a row: adapters send nothing.
const IntentRateLimited = "rate_limited"

var slowDown = knowledge.Text{
	NB: "Du sender mange meldinger på kort tid. Vent litt, så svarer jeg igjen.",
	NN: "Du sender mange meldingar på kort tid. Vent litt, så svarer eg igjen.",
	EN: "You are sending a lot of messages in a short time. Please wait a moment and I will answer again.",
}

var notSure = knowledge.Text{
	NB: "Det er jeg ikke sikker på, og jeg vil ikke gjette. Se kildesiden under, eller prøv et av forslagene.",
	NN: "Det er eg ikkje sikker på, og eg vil ikkje gjette. Sjå kjeldesida under, eller prøv eitt av forslaga.",
	EN: "I'm not sure about that, and I won't guess. See the source page below, or try one of the suggestions.",
}

func round(f float64) float64 {
	return float64(int(f*1000+0.5)) / 1000
}
