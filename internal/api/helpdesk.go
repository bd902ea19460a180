package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/helpdesk"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/web"
)

// MaxHelpdeskBody bounds a helpdesk webhook's body: 1 MiB holds any
// ticket event (the generic form's lists go in several requests).
const MaxHelpdeskBody = 1 << 20

// HelpdeskResult is the answer to a helpdesk webhook.
type HelpdeskResult struct {
	Helpdesk string `json:"helpdesk"`
	// Updates counts the ticket updates the payload held (none for an
	// event that tells nothing to the clocks).
	Updates int `json:"updates"`
	// Tickets are the fact ids of the tickets updated.
	Tickets []string `json:"tickets"`
	// Stored counts the new facts; Unchanged the updates that told
	// nothing new (a delivery repeated, a change already known).
	Stored    int `json:"stored"`
	Unchanged int `json:"unchanged"`
	// Ignored says what no clock counts: internal notes, bots' replies.
	Ignored []string `json:"ignored,omitempty"`
}

// handleHelpdesk takes a helpdesk's webhook (docs/helpdesks.md): checks
// its signature, reads its ticket updates and stores them as ticket and
// ticket-event facts, each ticket against its stored state. An unknown
// helpdesk and a bad signature get the same 401, and are logged.
func (h *handler) handleHelpdesk() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		m := h.cfg().Helpdesk(name)
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxHelpdeskBody))
		if err != nil {
			web.JSON(w, http.StatusRequestEntityTooLarge, web.Error{Error: fmt.Sprintf("body: more than %d bytes", MaxHelpdeskBody)})
			return
		}
		if m == nil {
			h.log.Warn("helpdesk webhook refused", "helpdesk", name, "client", h.auth.ClientIP(r), "reason", "no helpdesk of this name")
			web.JSON(w, http.StatusUnauthorized, web.Error{Error: "unknown helpdesk or bad signature"})
			return
		}
		if err := helpdesk.Verify(m, r.Header, body); err != nil {
			h.log.Warn("helpdesk webhook refused", "helpdesk", name, "client", h.auth.ClientIP(r), "reason", err.Error())
			web.JSON(w, http.StatusUnauthorized, web.Error{Error: "unknown helpdesk or bad signature"})
			return
		}
		us, err := helpdesk.Parse(m, r.Header, body)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		res := &HelpdeskResult{Helpdesk: name, Updates: len(us), Tickets: []string{}}
		for i := range us {
			ferr, err := h.helpdeskUpdate(r.Context(), m, &us[i], res)
			if err != nil {
				web.Fail(h.log, w, r, err)
				return
			}
			if ferr != nil {
				h.log.Warn("helpdesk webhook: facts refused", "helpdesk", name, "ticket", us[i].Ticket, "error", ferr.Error)
				web.JSON(w, ferr.Status(), ferr)
				return
			}
		}
		h.log.Debug("helpdesk webhook", "helpdesk", name, "updates", res.Updates, "stored", res.Stored, "ignored", len(res.Ignored))
		web.JSON(w, http.StatusOK, res)
	})
}

// helpdeskUpdate stores the facts of one update against the ticket's
// stored state, all or nothing. The facts are new by construction (their
// ids derive from the helpdesk's and the state has none of them), so they
// go to the store without the intake's lookups; the store keeps the same
// id with the same content once and refuses other content (a conflict:
// another request stored the ticket meanwhile), and then the state is
// read again, once. A refusal of the facts is ferr; err is the server's
// own failure.
func (h *handler) helpdeskUpdate(ctx context.Context, m *helpdesk.Mapping, u *helpdesk.Update, res *HelpdeskResult) (ferr *intake.Refusal, err error) {
	id := helpdesk.TicketID(m, u.Ticket)
	for attempt := 0; ; attempt++ {
		st, err := h.ticketState(ctx, id)
		if err != nil {
			return nil, err
		}
		out, err := helpdesk.Facts(m, u, st)
		if err != nil {
			return nil, err
		}
		if len(out.Facts) > 0 {
			batch, err := facts.ParseBatch("helpdesk "+m.Name, bytes.NewReader(bytes.Join(out.Facts, []byte("\n"))))
			if err != nil {
				if sla.IsInput(err) {
					return intake.InputRefusal(err), nil
				}
				return nil, err
			}
			if ferr := intake.ConfiguredIDs(h.cfg(), batch); ferr != nil {
				return ferr, nil
			}
			fs := make([]store.Fact, len(batch.Facts))
			for i, f := range batch.Facts {
				fs[i] = store.Fact{ID: f.ID, Type: f.Type, At: f.At, JSON: []byte(f.JSON)}
			}
			if err := h.store.AppendFacts(ctx, fs); errors.Is(err, store.ErrConflict) {
				if attempt == 0 {
					continue
				}
				return &intake.Refusal{Code: http.StatusConflict, Error: "another request stored these ids meanwhile with other content: " + err.Error()}, nil
			} else if err != nil {
				return nil, fmt.Errorf("store facts: %w", err)
			}
			res.Stored += len(fs)
		} else {
			res.Unchanged++
		}
		res.Ignored = append(res.Ignored, out.Ignored...)
		if !slices.Contains(res.Tickets, id) {
			res.Tickets = append(res.Tickets, id)
		}
		return nil, nil
	}
}

// ticketState reads ticket id and its events as stored; nil when the
// ticket is not.
func (h *handler) ticketState(ctx context.Context, id string) (*helpdesk.State, error) {
	fs, err := h.store.TicketFacts(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, nil
	}
	ev, err := reports.ParseFacts("stored ticket "+id, fs)
	if err != nil {
		return nil, err
	}
	if len(ev.Tickets) != 1 {
		// The id names another kind of fact: the helpdesk's ticket
		// cannot be stored under it.
		return nil, &sla.ConflictError{Msg: fmt.Sprintf("id %s is used by a stored fact that is no ticket", id)}
	}
	return &helpdesk.State{Ticket: ev.Tickets[0], Events: ev.TicketEvents}, nil
}
