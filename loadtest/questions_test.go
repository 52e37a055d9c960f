package loadtest

// questions are what users ask, in the three languages, answered and not.
var questions = []string{
	"Hvem kan søke?",
	"Kan kommunen vår søke sammen med en bedrift?",
	"Når er søknadsfristen?",
	"Hva dekkes av støtten?",
	"Kven kan søkje om innovasjonsprosjekt?",
	"Kva kostnader blir dekte?",
	"Who can apply for this scheme?",
	"When is the deadline?",
	"What costs are covered?",
	"hvor mye penger kan vi få?",
	"Er dette relevant for en liten kommune i Nordland som vil teste velferdsteknologi?",
	"Hei!",
	"takk for hjelpen",
	"Kan vi søke SkatteFUNN i stedet?",
	"hva er temaene i utlysningen",
	"når kommer neste utlysning?",
	"Må vi ha en forskningspartner?",
	"fristen for byggesaken?",
	"what about county municipalities?",
	"🙂",
}
