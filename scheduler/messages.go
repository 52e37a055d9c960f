package scheduler

import (
	"strings"
	"time"

	"github.com/fundbot/fundbot/knowledge"
	"github.com/fundbot/fundbot/subscription"
)

var (
	reminderText = knowledge.Text{
		NB: "Påminnelse: Søknadsfristen for {programme} er {date} – om {days}.",
		NN: "Påminning: Søknadsfristen for {programme} er {date} – om {days}.",
		EN: "Reminder: the deadline for {programme} is {date} – in {days}.",
	}
	announcementText = knowledge.Text{
		NB: "En ny utlysning er åpen i {programme}: søknadsfristen er {date} (om {days}).",
		NN: "Ei ny utlysing er open i {programme}: søknadsfristen er {date} (om {days}).",
		EN: "A new call is open in {programme}: the deadline is {date} (in {days}).",
	}
	lateText = knowledge.Text{
		NB: "Denne påminnelsen kommer for sent: den skulle vært sendt {due} kl. 09:00.",
		NN: "Denne påminninga kjem for seint: ho skulle vore send {due} kl. 09:00.",
		EN: "This reminder is late: it was due on {due} at 09:00.",
	}
	sourceLabel = knowledge.Text{NB: "Kilde", NN: "Kjelde", EN: "Source"}
	stopText    = knowledge.Text{
		NB: "Skriv «stopp» for å slutte å få påminnelser.",
		NN: "Skriv «stopp» for å slutte å få påminningar.",
		EN: "Write “stop” to stop the reminders.",
	}
)

// Message renders the reminder in the subscriber's language as of now.
func (r Reminder) Message(now time.Time, loc *time.Location) Message {
	lang := r.Subscriber.Lang
	d := r.Deadline
	days := d.DaysLeft(now)
	url := d.Call.Source.URL
	if url == "" {
		url = d.Programme.Source.URL
	}
	msg := Message{
		Kind: KindReminder, Programme: d.Programme.ID, Call: d.Key(), Deadline: d.Date(),
		DaysLeft: days, Offset: r.Offset, Late: r.Late, SourceURL: url,
	}
	tmpl := reminderText
	if r.Offset == subscription.Announcement {
		msg.Kind, tmpl = KindAnnouncement, announcementText
	}
	repl := strings.NewReplacer(
		"{programme}", d.Programme.Name.Get(lang),
		"{date}", knowledge.FormatDate(d.Date(), lang),
		"{days}", subscription.Days(days, lang),
		"{due}", knowledge.FormatDate(r.Due.In(loc), lang),
	)
	lines := []string{repl.Replace(tmpl.Get(lang))}
	if r.Late && r.Offset != subscription.Announcement {
		lines = append(lines, repl.Replace(lateText.Get(lang)))
	}
	if url != "" {
		lines = append(lines, sourceLabel.Get(lang)+": "+url)
	}
	lines = append(lines, stopText.Get(lang))
	msg.Text = strings.Join(lines, "\n")
	return msg
}
