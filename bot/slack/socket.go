package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// runSocket holds the Socket Mode connection until ctx ends. slack-go
// reconnects by itself (on Slack's "disconnect", a dropped socket or missing
// pings); it gives up only when the app token is rejected.
func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.client, socketmode.OptionLog(libLogger{log: a.log, r: a.red}))
	runErr := make(chan error, 1)
	go func() { runErr <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			select { // let the client close its socket
			case <-runErr:
			case <-time.After(5 * time.Second):
			}
			return nil
		case err := <-runErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", a.red.err(err))
		case evt := <-sm.Events:
			a.onSocketEvent(ctx, sm, evt)
		}
	}
}

// onSocketEvent acknowledges and dispatches one Socket Mode event. A request
// left unacknowledged (every worker busy) comes again later.
func (a *Adapter) onSocketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	var res outcome
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		res = a.onEvent(evt.Request.Payload)
	case socketmode.EventTypeSlashCommand:
		cmd, _ := evt.Data.(slack.SlashCommand)
		res = a.onCommand(cmd)
	case socketmode.EventTypeInteractive:
		cb, _ := evt.Data.(slack.InteractionCallback)
		res = a.onAction(cb)
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not parse it (an event type it does not know):
		// acknowledge it anyway, or Slack sends it again and again.
		bad, _ := evt.Data.(*socketmode.ErrorBadMessage)
		if bad != nil {
			var req socketmode.Request
			if json.Unmarshal(bad.Message, &req) == nil && req.EnvelopeID != "" {
				a.ack(ctx, sm, req.EnvelopeID)
			}
			a.log.Debug("slack socket mode: unparsed message acknowledged", "err", a.red.err(bad.Cause))
		}
		return
	case socketmode.EventTypeConnected:
		a.log.Info("slack socket mode connected")
		return
	case socketmode.EventTypeConnectionError:
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			a.log.Warn("slack socket mode connection failed; retrying", "attempt", ce.Attempt, "in", ce.Backoff, "err", a.red.err(ce.ErrorObj))
		}
		return
	case socketmode.EventTypeIncomingError:
		if ie, ok := evt.Data.(*slack.IncomingEventError); ok {
			a.log.Warn("slack socket mode read failed", "err", a.red.err(ie.ErrorObj))
		}
		return
	case socketmode.EventTypeErrorWriteFailed:
		if wf, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok {
			a.log.Warn("slack socket mode acknowledgement not sent", "err", a.red.err(wf.Cause))
		}
		return
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack socket mode: the app token was rejected")
		return
	default: // connecting, hello, disconnect
		a.log.Debug("slack socket mode", "event", string(evt.Type))
		return
	}
	if res != busy && evt.Request != nil {
		a.ack(ctx, sm, evt.Request.EnvelopeID)
	}
}

func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, envelopeID string) {
	if err := sm.AckCtx(ctx, envelopeID, nil); err != nil {
		a.log.Warn("slack socket mode acknowledgement failed", "err", a.red.err(err))
	}
}

// onEvent handles an Events API payload, from either transport.
func (a *Adapter) onEvent(body []byte) outcome {
	j, ok, err := decodeEvent(body, a.identity())
	if err != nil {
		a.log.Warn("slack event not understood", "err", err)
		return ignored
	}
	if !ok {
		return ignored
	}
	return a.accept(j)
}

// onCommand handles a slash command, from either transport.
func (a *Adapter) onCommand(cmd slack.SlashCommand) outcome {
	j, err := decodeCommand(cmd)
	if err != nil {
		a.log.Warn("slack slash command not understood", "err", err)
		return ignored
	}
	return a.accept(j)
}

// onAction handles an interaction, from either transport.
func (a *Adapter) onAction(cb slack.InteractionCallback) outcome {
	j, ok, err := decodeAction(cb)
	if err != nil {
		a.log.Warn("slack interaction not understood", "err", err)
		return ignored
	}
	if !ok {
		return ignored
	}
	return a.accept(j)
}
