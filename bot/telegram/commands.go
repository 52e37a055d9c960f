package telegram

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/fundbot/fundbot/knowledge"
)

// command is what a slash command asks of the core. The core's commands are
// sent by their bokmål word ("abonner", "stopp", "språk"), which it always
// understands; English command names force English replies instead.
type command struct {
	topic string         // answer this topic directly
	word  string         // or send this word, followed by the command's arguments
	lang  knowledge.Lang // reply language; "" means the conversation's
	// hint: with no lang, use the user's Telegram language (first contact).
	hint bool
	show extras
}

// extras are the buttons and lines the adapter adds around a reply.
type extras struct {
	start     bool // the welcome: a line on languages
	languages bool // a row of language buttons
	subscribe bool // a subscribe button
}

// Topic ids of the knowledge base that commands open.
const (
	topicWelcome  = "smalltalk_greeting"
	topicHelp     = "help"
	topicDeadline = "deadline"
)

// Intents of the core's subscription replies (bot.Subscriptions) that get a button.
const (
	intentSubscribe   = "subscribe"   // subscribed (or tried to): offer to stop
	intentUnsubscribe = "unsubscribe" // stopped: offer to subscribe again
)

// The core's command words.
const (
	wordSubscribe = "abonner"
	wordStop      = "stopp"
	wordStatus    = "status"
	wordLanguage  = "språk"
	wordDeadlines = "frister"
)

// commands maps every accepted command name, registered or not, to its meaning.
var commands = map[string]command{
	"start":       {topic: topicWelcome, hint: true, show: extras{start: true, subscribe: true}},
	"help":        {topic: topicHelp, hint: true},
	"hjelp":       {topic: topicHelp},
	"frist":       {topic: topicDeadline, show: extras{subscribe: true}},
	"deadline":    {topic: topicDeadline, lang: knowledge.EN, show: extras{subscribe: true}},
	"frister":     {word: wordDeadlines},
	"deadlines":   {word: wordDeadlines, lang: knowledge.EN},
	"abonner":     {word: wordSubscribe},
	"subscribe":   {word: wordSubscribe, lang: knowledge.EN},
	"stopp":       {word: wordStop},
	"stop":        {word: wordStop, lang: knowledge.EN},
	"unsubscribe": {word: wordStop, lang: knowledge.EN},
	"status":      {word: wordStatus},
	"sprak":       {word: wordLanguage, show: extras{languages: true}},
	"language":    {word: wordLanguage, lang: knowledge.EN, show: extras{languages: true}},
}

// menus are the command lists shown in Telegram's menu, per language_code;
// "" is the default for users whose language has no list of its own.
var menus = []struct {
	code     string
	commands []tgbotapi.BotCommand
}{
	{"", menuNB},
	{"nb", menuNB},
	{"nn", []tgbotapi.BotCommand{
		{Command: "start", Description: "Kom i gang"},
		{Command: "help", Description: "Kva kan eg spørje om?"},
		{Command: "frist", Description: "Når er søknadsfristen?"},
		{Command: "abonner", Description: "Få påminningar om fristen"},
		{Command: "stopp", Description: "Slutt å få påminningar"},
		{Command: "status", Description: "Sjå abonnementet ditt"},
		{Command: "sprak", Description: "Vel språk"},
	}},
	{"en", []tgbotapi.BotCommand{
		{Command: "start", Description: "Get started"},
		{Command: "help", Description: "What can I ask?"},
		{Command: "deadline", Description: "When is the deadline?"},
		{Command: "subscribe", Description: "Get deadline reminders"},
		{Command: "unsubscribe", Description: "Stop the reminders"},
		{Command: "status", Description: "See your subscription"},
		{Command: "language", Description: "Choose the language"},
	}},
}

var menuNB = []tgbotapi.BotCommand{
	{Command: "start", Description: "Kom i gang"},
	{Command: "help", Description: "Hva kan jeg spørre om?"},
	{Command: "frist", Description: "Når er søknadsfristen?"},
	{Command: "abonner", Description: "Få påminnelser om fristen"},
	{Command: "stopp", Description: "Slutt å få påminnelser"},
	{Command: "status", Description: "Se abonnementet ditt"},
	{Command: "sprak", Description: "Velg språk"},
}

// registerCommands sets the menus. A failure is logged, not fatal: the
// commands work without the menu.
func (b *Bot) registerCommands(ctx context.Context) {
	for _, m := range menus {
		cfg := tgbotapi.SetMyCommandsConfig{Commands: m.commands, LanguageCode: m.code}
		for attempt := 0; ; attempt++ {
			callCtx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
			_, err := b.api.request(callCtx, "setMyCommands", cfg)
			cancel()
			if err == nil {
				break
			}
			if d, ok := retryAfter(err); ok && attempt < 2 && d <= b.cfg.MaxReplyWait {
				if b.sleep(ctx, d) != nil {
					return
				}
				continue
			}
			b.log.Warn("could not register the command menu", "language_code", m.code, "err", err)
			break
		}
	}
}

// Texts the adapter writes itself, around the core's replies.
var (
	startText = knowledge.Text{
		NB: "Jeg svarer på bokmål, nynorsk og engelsk – bytt med /sprak. Trykk på knappen under for påminnelser om søknadsfristen.",
		NN: "Eg svarar på bokmål, nynorsk og engelsk – byt med /sprak. Trykk på knappen under for påminningar om søknadsfristen.",
		EN: "I answer in Norwegian (Bokmål or Nynorsk) and English – switch with /language. Press the button below for deadline reminders.",
	}
	subscribeButton = knowledge.Text{NB: "🔔 Påminn meg om fristen", NN: "🔔 Minn meg på fristen", EN: "🔔 Remind me of the deadline"}
	stopButton      = knowledge.Text{NB: "🔕 Stopp påminnelser", NN: "🔕 Stopp påminningar", EN: "🔕 Stop reminders"}
	sorryText       = knowledge.Text{
		NB: "Beklager, noe gikk galt hos meg. Prøv igjen om litt.",
		NN: "Orsak, noko gjekk gale hos meg. Prøv igjen om litt.",
		EN: "Sorry, something went wrong on my side. Please try again in a moment.",
	}
	languageButtons = []struct {
		lang  knowledge.Lang
		label string
	}{{knowledge.NB, "Bokmål"}, {knowledge.NN, "Nynorsk"}, {knowledge.EN, "English"}}
)
