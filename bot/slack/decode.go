package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/fundbot/fundbot/bot"
	"github.com/fundbot/fundbot/knowledge"
)

// job is one request to answer, decoded from an event, a slash command or a click.
type job struct {
	kind string // mention, dm, command or action: for logs
	key  string // de-duplication key; empty means none
	req  bot.Request
	to   destination
	// noSubscribe hides the subscribe button: the request was itself about subscribing.
	noSubscribe bool
	// usage is the slash command's usage, shown under the help answer.
	usage string
}

// destination is where a reply goes.
type destination struct {
	channel string // C…, G… or D…
	thread  string // thread_ts to reply in; empty for none
	dm      bool
	// responseURL answers slash commands and clicks on ephemeral messages,
	// and is the fallback when the bot may not post in the channel.
	responseURL string
	// responseType set ("ephemeral" or "in_channel") sends the reply through
	// responseURL instead of chat.postMessage.
	responseType string
}

// identity is who the bot is in the workspace, from auth.test.
type identity struct{ userID, botID string }

// envelope is the part of an Events API request (or Socket Mode events_api
// payload) the adapter reads.
type envelope struct {
	Type      string      `json:"type"`
	Challenge string      `json:"challenge"`
	EventID   string      `json:"event_id"`
	Event     *innerEvent `json:"event"`
}

type innerEvent struct {
	Type        string `json:"type"`
	Subtype     string `json:"subtype"`
	User        string `json:"user"`
	BotID       string `json:"bot_id"`
	Text        string `json:"text"`
	TS          string `json:"ts"`
	ThreadTS    string `json:"thread_ts"`
	Channel     string `json:"channel"`
	ChannelType string `json:"channel_type"`
}

var (
	slackID   = regexp.MustCompile(`^[A-Z0-9]{1,32}$`)
	timestamp = regexp.MustCompile(`^[0-9]{1,20}(\.[0-9]{1,12})?$`)
)

// decodeEvent reads an event_callback. ok is false for events the bot does
// not answer: other types, edits and other subtypes, and anything sent by a
// bot, this one included, so bots never talk in a loop.
func decodeEvent(body []byte, self identity) (j job, ok bool, err error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return job{}, false, fmt.Errorf("decode event: %w", err)
	}
	if env.Type != "event_callback" {
		return job{}, false, nil
	}
	ev := env.Event
	if ev == nil {
		return job{}, false, errors.New("decode event: event_callback without an event")
	}
	if ev.BotID != "" || ev.Subtype != "" || ev.User == "" || ev.User == self.userID {
		return job{}, false, nil
	}
	if !slackID.MatchString(ev.User) || !slackID.MatchString(ev.Channel) || !timestamp.MatchString(ev.TS) ||
		(ev.ThreadTS != "" && !timestamp.MatchString(ev.ThreadTS)) {
		return job{}, false, fmt.Errorf("decode %s event: malformed user, channel or ts", ev.Type)
	}
	j.key = "event:" + env.EventID
	if env.EventID == "" {
		j.key = "message:" + ev.Channel + ":" + ev.TS
	}
	selfID := self.userID
	if selfID == "" && ev.Type == "app_mention" { // before auth.test answered: the bot is the one mentioned
		selfID = firstMention(ev.Text)
	}
	text := plainText(ev.Text, selfID)
	switch {
	case ev.Type == "app_mention" && !isDM(ev.Channel):
		thread := ev.ThreadTS
		if thread == "" {
			thread = ev.TS
		}
		j.kind = "mention"
		j.req = bot.Request{Conversation: "slack:" + ev.Channel + ":" + thread, Chat: "slack:" + ev.Channel, Text: text}
		j.to = destination{channel: ev.Channel, thread: thread}
	case ev.Type == "message" && ev.ChannelType == "im":
		j.kind = "dm"
		j.req = bot.Request{Conversation: "slack:" + ev.User, Chat: "slack:" + ev.User, Text: text}
		j.to = destination{channel: ev.Channel, thread: ev.ThreadTS, dm: true}
	default: // app_mention in a DM arrives as message.im too; channel messages are not for us
		return job{}, false, nil
	}
	if text == "" { // only "@fundbot": say what the bot can do
		j.req.Topic = "help"
	}
	j.noSubscribe = isSubscriptionCommand(text)
	return j, true, nil
}

// Subcommands of /fundbot that the adapter translates itself; everything
// else goes to the bot as text ("abonner 14 3 1", "stopp", questions).
func decodeCommand(c slack.SlashCommand) (job, error) {
	if !slackID.MatchString(c.UserID) || !slackID.MatchString(c.ChannelID) {
		return job{}, errors.New("decode slash command: malformed user or channel")
	}
	if err := checkResponseURL(c.ResponseURL); err != nil {
		return job{}, fmt.Errorf("decode slash command: %w", err)
	}
	dm := isDM(c.ChannelID)
	j := job{kind: "command", to: destination{channel: c.ChannelID, dm: dm, responseURL: c.ResponseURL, responseType: "ephemeral"}}
	if c.TriggerID != "" {
		j.key = "trigger:" + c.TriggerID
	}
	j.req.Chat = "slack:" + c.ChannelID
	j.req.Conversation = "slack:" + c.ChannelID + ":" + c.UserID // a user's own context: the answers are theirs alone
	if dm {
		j.req.Chat, j.req.Conversation = "slack:"+c.UserID, "slack:"+c.UserID
	}
	text := plainText(c.Text, "")
	switch fields := strings.Fields(strings.ToLower(text)); {
	case len(fields) == 0, len(fields) == 1 && (fields[0] == "hjelp" || fields[0] == "?"):
		j.req.Topic = "help"
		j.usage = usage(c.Command, knowledge.NB)
	case len(fields) == 1 && fields[0] == "help":
		j.req.Topic, j.req.Lang = "help", knowledge.EN
		j.usage = usage(c.Command, knowledge.EN)
	case len(fields) == 1 && fields[0] == "frist":
		j.req.Topic = "deadline"
	case len(fields) == 1 && fields[0] == "deadline":
		j.req.Topic, j.req.Lang = "deadline", knowledge.EN
	}
	j.req.Text = text
	j.noSubscribe = isSubscriptionCommand(text)
	if changesSubscription(text) && !dm {
		j.to.responseType = "in_channel" // the channel should see who subscribed it, or stopped
	}
	return j, nil
}

// The buttons the adapter puts on replies. The block id carries the reply's
// language: "fundbot_actions:nn".
const (
	actionsBlockID  = "fundbot_actions"
	sourcesBlockID  = "fundbot_sources"
	suggestActionID = "fundbot_topic_" // + index; the value is the topic id
	subscribeAction = "fundbot_subscribe"
	subscribeText   = "abonner"
)

// decodeAction reads a block_actions click on one of the adapter's buttons.
func decodeAction(cb slack.InteractionCallback) (j job, ok bool, err error) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return job{}, false, nil
	}
	var act *slack.BlockAction
	for _, a := range cb.ActionCallback.BlockActions {
		if a != nil && strings.HasPrefix(a.BlockID, actionsBlockID) && strings.HasPrefix(a.ActionID, "fundbot_") {
			act = a
			break
		}
	}
	if act == nil {
		return job{}, false, nil
	}
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	user := cb.User.ID
	if !slackID.MatchString(user) || !slackID.MatchString(channel) {
		return job{}, false, errors.New("decode block_actions: malformed user or channel")
	}
	if cb.ResponseURL != "" {
		if err := checkResponseURL(cb.ResponseURL); err != nil {
			return job{}, false, fmt.Errorf("decode block_actions: %w", err)
		}
	}
	var lang knowledge.Lang
	if _, l, found := strings.Cut(act.BlockID, ":"); found {
		lang, _ = knowledge.ParseLang(l)
	}
	j = job{kind: "action", req: bot.Request{Lang: lang}}
	if cb.TriggerID != "" {
		j.key = "trigger:" + cb.TriggerID
	}
	switch {
	case act.ActionID == subscribeAction:
		j.req.Text = subscribeText
		j.noSubscribe = true
	case strings.HasPrefix(act.ActionID, suggestActionID) && act.Value != "":
		j.req.Topic, j.req.Text = act.Value, act.Text.Text
	default:
		return job{}, false, nil
	}
	dm := isDM(channel)
	j.to = destination{channel: channel, dm: dm, responseURL: cb.ResponseURL}
	thread := cb.Container.ThreadTs
	if thread == "" {
		thread = cb.Message.ThreadTimestamp
	}
	switch {
	case cb.Container.IsEphemeral: // a slash command's answer: only its user sees it
		if cb.ResponseURL == "" {
			return job{}, false, errors.New("decode block_actions: ephemeral message without response_url")
		}
		j.to.responseType = "ephemeral"
		if act.ActionID == subscribeAction && !dm {
			j.to.responseType = "in_channel" // the channel should see it was subscribed
		}
		j.req.Conversation, j.req.Chat = "slack:"+channel+":"+user, "slack:"+channel
		if dm {
			j.req.Conversation, j.req.Chat = "slack:"+user, "slack:"+user
		}
	case dm:
		j.to.thread = thread
		j.req.Conversation, j.req.Chat = "slack:"+user, "slack:"+user
	default:
		if thread == "" {
			thread = cb.Container.MessageTs
		}
		if thread != "" && !timestamp.MatchString(thread) {
			return job{}, false, errors.New("decode block_actions: malformed thread ts")
		}
		j.to.thread = thread
		j.req.Conversation, j.req.Chat = "slack:"+channel+":"+thread, "slack:"+channel
	}
	return j, true, nil
}

// firstMention is the user id in the first <@U…> of a message.
func firstMention(text string) string {
	_, rest, ok := strings.Cut(text, "<@")
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, ">")
	if !ok {
		return ""
	}
	id, _, _ = strings.Cut(id, "|")
	return id
}

// isDM tells a direct-message channel id from a channel's.
func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }

// isSubscriptionCommand reports whether text starts with a word the bot's
// subscription commands take; their replies carry no subscribe button.
func isSubscriptionCommand(text string) bool {
	fields := strings.Fields(strings.ToLower(text))
	if len(fields) == 0 {
		return false
	}
	switch strings.TrimPrefix(fields[0], "/") { // the words of bot.Subscriptions
	case "abonner", "abonnér", "subscribe", "stopp", "stop", "unsubscribe", "avslutt", "status",
		"frister", "fristar", "deadlines", "språk", "sprak", "målform", "language":
		return true
	}
	return false
}

// changesSubscription reports whether text subscribes or unsubscribes.
func changesSubscription(text string) bool {
	fields := strings.Fields(strings.ToLower(text))
	if len(fields) == 0 {
		return false
	}
	switch strings.TrimPrefix(fields[0], "/") {
	case "abonner", "abonnér", "subscribe", "stopp", "stop", "unsubscribe", "avslutt":
		return true
	}
	return false
}

// checkResponseURL accepts the https URLs Slack gives (and http, for tests on loopback).
func checkResponseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("response_url is not an http(s) URL")
	}
	return nil
}

// usage lists the slash command's subcommands, for the help answer, as mrkdwn.
func usage(command string, lang knowledge.Lang) string {
	if !slashName.MatchString(command) {
		command = "/fundbot"
	}
	if lang == knowledge.EN {
		return mrkdwn(fmt.Sprintf("`%[1]s <question>` · `%[1]s deadline` · `%[1]s subscribe [days, e.g. 14 3 1]` · `%[1]s unsubscribe` · `%[1]s status` · `%[1]s help`", command))
	}
	return mrkdwn(fmt.Sprintf("`%[1]s <spørsmål>` · `%[1]s frist` · `%[1]s abonner [dager, f.eks. 14 3 1]` · `%[1]s stopp` · `%[1]s status` · `%[1]s hjelp`", command))
}

var slashName = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
