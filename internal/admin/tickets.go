package admin

import (
	"net/http"
	"slices"

	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/tickets"
)

// handleTicketsPage is the support lead's list: the tickets with their
// live clocks, about to breach first, filtered by state, customer, plan
// and priority (the query, as GET /api/v1/tickets takes it).
func (h *handler) handleTicketsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := tickets.Filter{All: q.Get("state") == "all", Customer: q.Get("customer"), Plan: q.Get("plan"), Priority: q.Get("priority")}
		// Every ticket once: the choices come from all of them, the list
		// from those the filter selects.
		every, unmatched, err := h.tickets.Board(r.Context(), tickets.Filter{All: true})
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		p := operatorui.Tickets{Page: h.opPage(r, "Support tickets"), Base: "/admin/tickets", All: f.All, Customer: f.Customer, Plan: f.Plan, Priority: f.Priority}
		for _, lt := range every {
			for _, x := range []struct {
				v    string
				list *[]string
			}{{lt.Customer, &p.Customers}, {lt.Plan, &p.Plans}, {lt.Priority, &p.Priorities}} {
				if !slices.Contains(*x.list, x.v) {
					*x.list = append(*x.list, x.v)
				}
			}
		}
		for _, l := range [][]string{p.Customers, p.Plans, p.Priorities} {
			slices.Sort(l)
		}
		for _, lt := range every {
			if !f.Match(lt) {
				continue
			}
			p.List = append(p.List, operatorui.TicketRow{LiveTicket: lt,
				Breached: slices.ContainsFunc(lt.Clocks, func(c *sla.Clock) bool { return c.State == sla.ClockBreached })})
		}
		for _, u := range unmatched {
			if (f.Customer == "" || u.Customer == f.Customer) && (f.Priority == "" || u.Priority == f.Priority) && f.Plan == "" {
				p.Unmatched = append(p.Unmatched, operatorui.Unmatched{Ticket: u.Ticket, Subject: u.Subject, Customer: u.Customer,
					Priority: u.Priority, Source: u.Source, Reason: u.Reason, Opened: u.Opened, Flags: u.Flags})
			}
		}
		h.render(w, r, http.StatusOK, "tickets", p)
	})
}

// handleTicketPage is one ticket's clocks and events.
func (h *handler) handleTicketPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := h.tickets.Get(r.Context(), r.PathValue("id"))
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		p := operatorui.TicketPage{Page: h.opPage(r, "Ticket "+t.Ticket), Ticket: t.LiveTicket, Unmatched: t.Unmatched}
		for _, e := range t.Events {
			p.Events = append(p.Events, operatorui.TicketEvent{ID: e.ID, Kind: e.Kind, Status: e.Status, Priority: e.Priority, At: e.At})
		}
		h.render(w, r, http.StatusOK, "ticket", p)
	})
}

// handleTargetsPage is the month view: the targets met and breached per
// plan, priority and metric of the tickets opened in ?period= (this month
// by default).
func (h *handler) handleTargetsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		period := r.URL.Query().Get("period")
		if period == "" {
			period = h.now().UTC().Format("2006-01")
		}
		p := operatorui.Targets{Page: h.opPage(r, "Support targets "+period), Period: period}
		rows, err := h.tickets.Month(r.Context(), period)
		if err != nil {
			if sla.IsInput(err) {
				p.Error = reports.PeriodHint + err.Error()
				h.render(w, r, http.StatusBadRequest, "targets", p)
				return
			}
			h.failPage(w, r, err)
			return
		}
		for _, x := range rows {
			p.Rows = append(p.Rows, operatorui.TargetRow{Policy: x.Policy, Plan: x.Plan, Priority: x.Priority, Metric: x.Metric,
				Met: x.Met, Breached: x.Breached, Pending: x.Pending})
		}
		h.render(w, r, http.StatusOK, "targets", p)
	})
}
