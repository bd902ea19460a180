package api

import (
	"fmt"
	"net/http"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/tickets"
	"github.com/slakeeper/slakeeper/internal/web"
)

// handleTickets lists the tickets with their live SLA clocks, the one
// about to breach first: unsolved ones unless ?state=all, by ?customer=,
// ?plan= and ?priority=; and the tickets no plan covers (unmatched), with
// the reason.
func (h *handler) handleTickets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		customer, ok := scopedCustomer(r, q.Get("customer"))
		if !ok {
			web.Fail(h.log, w, r, &sla.NotFoundError{Msg: fmt.Sprintf("no customer %q", q.Get("customer"))})
			return
		}
		f := tickets.Filter{Customer: customer, Plan: q.Get("plan"), Priority: q.Get("priority")}
		switch v := q.Get("state"); v {
		case "", "open":
		case "all":
			f.All = true
		default:
			web.Fail(h.log, w, r, &sla.InputError{Field: "state", Msg: "want open or all, got " + v})
			return
		}
		list, unmatched, err := h.tickets.Board(r.Context(), f)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		if list == nil {
			list = []*sla.LiveTicket{}
		}
		if unmatched == nil {
			unmatched = []tickets.Unmatched{}
		}
		web.JSON(w, http.StatusOK, map[string]any{"tickets": list, "unmatched": unmatched})
	})
}

// handleTicket is one ticket's clocks and events.
func (h *handler) handleTicket() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := h.tickets.Get(r.Context(), r.PathValue("id"))
		if err == nil {
			if _, ok := scopedCustomer(r, t.Customer); !ok {
				// Another customer's ticket: as unknown as a missing one.
				err = &sla.NotFoundError{Msg: fmt.Sprintf("no ticket %q", r.PathValue("id"))}
			}
		}
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, t)
	})
}

// handleTargets counts the targets met, breached and pending per plan,
// priority and metric of the tickets opened in ?period= (required).
func (h *handler) handleTargets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		period := r.URL.Query().Get("period")
		if period == "" {
			web.Fail(h.log, w, r, &sla.InputError{Field: "period", Msg: "required: 2026-11, 2026-Q4 or 2026"})
			return
		}
		rows, err := h.tickets.Month(r.Context(), period)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"period": period, "targets": rows})
	})
}
