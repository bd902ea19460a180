package admin

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
	"github.com/slakeeper/slakeeper/internal/web"
)

// financePage is the month-end page of a period: its closes, the claims
// and adjustments waiting for a decision, the ledger entries and their
// totals by currency.
func (h *handler) financePage(r *http.Request, period string, form operatorui.Form) (operatorui.Finance, error) {
	p := operatorui.Finance{Page: h.opPage(r, "Finance "+period), Period: period, Form: form}
	if _, err := timeline.ParsePeriod(period, nil); err != nil {
		p.Error = reports.PeriodHint + err.Error()
		return p, nil
	}
	ctx := r.Context()
	pending, err := h.ledger.Requests(ctx, ledger.Filter{State: ledger.StateSubmitted})
	if err != nil {
		return p, err
	}
	p.Pending = requestRows(pending)
	es, totals, err := h.ledger.Entries(ctx, ledger.Filter{Period: period})
	if err != nil {
		return p, err
	}
	p.Entries, p.Totals = entryRows(es, totals)
	// When and how many from all the period's closes; the figures of the
	// first financeRows only (the API and the export have them all).
	all, err := h.ledger.Closes(ctx, ledger.Filter{Period: period}, false)
	if err != nil {
		return p, err
	}
	for _, c := range all {
		if p.ClosedAt == nil || c.ClosedAt.Before(*p.ClosedAt) {
			at := c.ClosedAt
			p.ClosedAt = &at
		}
	}
	closes, err := h.ledger.Closes(ctx, ledger.Filter{Period: period, Limit: financeRows}, true)
	if err != nil {
		return p, err
	}
	for _, c := range closes {
		p.Closes = append(p.Closes, operatorui.CloseRow{Subscription: c.Subscription, Customer: c.Customer, Policy: c.Policy,
			Version: c.Version, Uptime: c.Report.Uptime, Objective: c.Report.Objective, Met: c.Report.Met,
			Credit: c.Report.Credit.Amount + " " + c.Report.Credit.Currency, State: c.Report.Credit.State})
	}
	p.More = len(all) - len(p.Closes)
	return p, nil
}

// financeRows is how many closed subscriptions the page lists (the API
// and the export have them all).
const financeRows = 200

// handleFinancePage shows a period (default: last month).
func (h *handler) handleFinancePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := h.now().UTC()
		period := cmp.Or(r.URL.Query().Get("period"), now.AddDate(0, 0, -now.Day()).Format("2006-01"))
		p, err := h.financePage(r, period, operatorui.Form{})
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		code := http.StatusOK
		if p.Error != "" {
			code = http.StatusBadRequest
		}
		h.render(w, r, code, "finance", p)
	})
}

// financeForm runs a finance action; on success 303 back to the period,
// on a refusal the page again with the error at its field.
func (h *handler) financeForm(name string, do func(r *http.Request, v url.Values) (period string, err error), done string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/admin/finance")
			return
		}
		period, err := do(r, v)
		if err == nil {
			http.Redirect(w, r, "/admin/finance?period="+url.QueryEscape(period)+"&done="+done, http.StatusSeeOther)
			return
		}
		var in *sla.InputError
		var ce *sla.ConflictError
		conflict := errors.As(err, &ce)
		if !sla.IsInput(err) && !conflict {
			h.failPage(w, r, err)
			return
		}
		form := formOf(name, v, nil)
		field := ""
		if errors.As(err, &in) {
			if _, ok := v[in.Field]; ok {
				field = in.Field
			}
		}
		form.Errors[field] = err.Error()
		p, perr := h.financePage(r, cmp.Or(period, v.Get("period")), form)
		if perr != nil {
			h.failPage(w, r, perr)
			return
		}
		code := http.StatusBadRequest
		if conflict {
			code = http.StatusConflict
		}
		h.render(w, r, code, "finance", p)
	})
}

func (h *handler) handleCloseForm() http.Handler {
	return h.financeForm("close", func(r *http.Request, v url.Values) (string, error) {
		period := strings.TrimSpace(v.Get("period"))
		if _, err := h.ledger.Close(r.Context(), period, nil); err != nil {
			return period, err
		}
		_, err := h.ledger.Recheck(r.Context(), period)
		return period, err
	}, "closed")
}

func (h *handler) handleDecisionForm(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		h.financeForm("decide-"+id, func(r *http.Request, v url.Values) (string, error) {
			rq, err := h.ledger.Decide(r.Context(), auth.Who(r), kind, id, ledger.Decision{Approve: v.Get("approve") == "yes", Reason: v.Get("reason")})
			if err != nil {
				return v.Get("period"), err
			}
			return rq.Period, nil
		}, "decided").ServeHTTP(w, r)
	})
}

func (h *handler) handleReverseForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		h.financeForm("reverse-"+id, func(r *http.Request, v url.Values) (string, error) {
			e, err := h.ledger.Reverse(r.Context(), auth.Who(r), id, v.Get("reason"))
			if err != nil {
				return v.Get("period"), err
			}
			return e.Period, nil
		}, "reversed").ServeHTTP(w, r)
	})
}

func (h *handler) handleStaffClaimForm() http.Handler {
	return h.financeForm("claim", func(r *http.Request, v url.Values) (string, error) {
		in := ledger.ClaimInput{Subscription: strings.TrimSpace(v.Get("subscription")), Period: strings.TrimSpace(v.Get("period")),
			Note: v.Get("note"), Late: v.Get("late") == "yes", Reason: v.Get("reason")}
		_, err := h.ledger.Claim(r.Context(), auth.Who(r), "", in)
		return in.Period, err
	}, "claimed")
}

// requestRows shows claims and adjustments.
func requestRows(rs []ledger.Request) []operatorui.RequestRow {
	out := make([]operatorui.RequestRow, 0, len(rs))
	for _, r := range rs {
		row := operatorui.RequestRow{ID: r.ID, Kind: r.Kind, Customer: r.Customer, Subscription: r.Subscription, Period: r.Period,
			Amount: r.Amount, Currency: r.Currency, Note: r.Note, By: r.By, State: r.State, Late: r.Late, Deadline: r.Deadline, Created: r.Created}
		for _, st := range r.Log {
			row.Log = append(row.Log, operatorui.StepRow{At: st.At, By: st.By, Action: st.Action, Reason: st.Reason})
		}
		out = append(out, row)
	}
	return out
}

// entryRows shows ledger entries and their totals.
func entryRows(es []ledger.Entry, totals []ledger.Total) ([]operatorui.EntryRow, []operatorui.TotalRow) {
	rows := make([]operatorui.EntryRow, 0, len(es))
	for _, e := range es {
		rows = append(rows, operatorui.EntryRow{ID: e.ID, Kind: e.Kind, Customer: e.Customer, Subscription: e.Subscription, Period: e.Period,
			Amount: e.Amount, Currency: e.Currency, By: e.By, Reason: e.Reason, Invoice: e.Invoice, At: e.At})
	}
	ts := make([]operatorui.TotalRow, 0, len(totals))
	for _, t := range totals {
		ts = append(ts, operatorui.TotalRow{Currency: t.Currency, Amount: t.Amount, Entries: t.Entries})
	}
	return rows, ts
}
