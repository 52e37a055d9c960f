package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// redactHandler removes the token from every message and attribute before
// the next handler sees them: a last line of defence behind the scrubbed
// errors, for whatever a future log line might carry.
type redactHandler struct {
	next  slog.Handler
	scrub *strings.Replacer
}

func newRedactHandler(next slog.Handler, scrub *strings.Replacer) *redactHandler {
	if r, ok := next.(*redactHandler); ok {
		next = r.next
	}
	return &redactHandler{next: next, scrub: scrub}
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.scrub.Replace(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(clean), scrub: h.scrub}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), scrub: h.scrub}
}

// attr returns a with the token removed from any text it holds.
func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(h.scrub.Replace(a.Value.String()))
	case slog.KindGroup:
		group := a.Value.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		a.Value = slog.GroupValue(clean...)
	case slog.KindAny:
		v := a.Value.Any()
		var s string
		if err, ok := v.(error); ok {
			s = err.Error()
		} else {
			s = fmt.Sprintf("%+v", v)
		}
		if clean := h.scrub.Replace(s); clean != s {
			a.Value = slog.StringValue(clean)
		} else if _, ok := v.(error); ok {
			a.Value = slog.StringValue(s)
		}
	}
	return a
}
