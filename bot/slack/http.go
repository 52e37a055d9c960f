package slack

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
)

// maxBody bounds a request from Slack; real ones are a few kilobytes.
const maxBody = 1 << 20

// Handler serves the three HTTP-mode endpoints: POST /slack/events (Events
// API), /slack/commands (slash commands) and /slack/interactivity (buttons).
// Point the Slack app's Request URLs at them.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/slack/events", a.EventsHandler())
	mux.Handle("/slack/commands", a.CommandsHandler())
	mux.Handle("/slack/interactivity", a.InteractivityHandler())
	return mux
}

// EventsHandler serves the Events API: it answers the url_verification
// challenge and acknowledges events at once, answering them in the background.
func (a *Adapter) EventsHandler() http.Handler {
	return a.signed(func(w http.ResponseWriter, body []byte) {
		var env envelope
		if err := json.Unmarshal(body, &env); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch env.Type {
		case "url_verification":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"challenge": env.Challenge})
			return
		case "event_callback":
			a.reply(w, a.onEvent(body))
			return
		}
		w.WriteHeader(http.StatusOK) // app_rate_limited and others: nothing to do
	})
}

// CommandsHandler serves the slash command; the answer follows through its response_url.
func (a *Adapter) CommandsHandler() http.Handler {
	return a.signed(func(w http.ResponseWriter, body []byte) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		a.reply(w, a.onCommand(slashCommand(form)))
	})
}

// InteractivityHandler serves button clicks (block_actions).
func (a *Adapter) InteractivityHandler() http.Handler {
	return a.signed(func(w http.ResponseWriter, body []byte) {
		cb, err := decodeInteraction(body)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		a.reply(w, a.onAction(cb))
	})
}

// decodeInteraction reads the form Slack posts to the interactivity URL: a
// JSON document in its "payload" field.
func decodeInteraction(body []byte) (slack.InteractionCallback, error) {
	var cb slack.InteractionCallback
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return cb, err
	}
	payload := form.Get("payload")
	if payload == "" {
		return cb, errors.New("interaction without payload")
	}
	err = json.Unmarshal([]byte(payload), &cb)
	return cb, err
}

// slashCommand reads a slash command form, as slack.SlashCommandParse does.
func slashCommand(f url.Values) slack.SlashCommand {
	return slack.SlashCommand{
		TeamID: f.Get("team_id"), TeamDomain: f.Get("team_domain"),
		EnterpriseID: f.Get("enterprise_id"), EnterpriseName: f.Get("enterprise_name"),
		ChannelID: f.Get("channel_id"), ChannelName: f.Get("channel_name"),
		UserID: f.Get("user_id"), UserName: f.Get("user_name"),
		Command: f.Get("command"), Text: f.Get("text"),
		ResponseURL: f.Get("response_url"), TriggerID: f.Get("trigger_id"), APIAppID: f.Get("api_app_id"),
	}
}

// reply acknowledges: 200 at once, or 503 when busy so Slack tries again.
func (a *Adapter) reply(w http.ResponseWriter, res outcome) {
	if res == busy {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// signed accepts only POST requests whose body carries a valid Slack
// signature; anything else gets 401 before its body is looked at.
func (a *Adapter) signed(next func(w http.ResponseWriter, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := verifySignature(a.secret, r.Header, body, a.clock()); err != nil {
			a.log.Warn("slack request rejected", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		next(w, body)
	})
}
