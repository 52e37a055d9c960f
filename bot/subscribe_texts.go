package bot

import (
	"fmt"

	"github.com/fundbot/fundbot/knowledge"
)

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
