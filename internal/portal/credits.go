package portal

import (
	"cmp"
	"errors"
	"net/http"
	"strings"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// creditsPage is the customer's credits: its claims with their states and
// steps, the ledger entries posted for it with totals by currency, and
// the form to claim a period's credit.
func (h *handler) creditsPage(r *http.Request, form operatorui.Form) (operatorui.PortalCredits, error) {
	customer, now := auth.Customer(r), h.now().UTC()
	p := operatorui.PortalCredits{Page: h.page(r, "Credits"), Form: form, LastPeriod: now.AddDate(0, 0, -now.Day()).Format("2006-01")}
	ctx := r.Context()
	claims, err := h.ledger.Requests(ctx, ledger.Filter{Kind: ledger.KindClaim, Customer: customer})
	if err != nil {
		return p, err
	}
	for _, c := range claims {
		row := operatorui.RequestRow{ID: c.ID, Kind: c.Kind, Subscription: c.Subscription, Period: c.Period, Amount: c.Amount, Currency: c.Currency,
			Note: c.Note, State: c.State, Late: c.Late, Deadline: c.Deadline, Created: c.Created}
		for _, st := range c.Log {
			// The customer sees what happened and why, not the staff's names.
			row.Log = append(row.Log, operatorui.StepRow{At: st.At, Action: st.Action, Reason: st.Reason})
		}
		p.Claims = append(p.Claims, row)
	}
	es, totals, err := h.ledger.Entries(ctx, ledger.Filter{Customer: customer})
	if err != nil {
		return p, err
	}
	for _, e := range es {
		p.Entries = append(p.Entries, operatorui.EntryRow{ID: e.ID, Kind: e.Kind, Subscription: e.Subscription, Period: e.Period,
			Amount: e.Amount, Currency: e.Currency, Reason: e.Reason, Invoice: e.Invoice, At: e.At})
	}
	for _, t := range totals {
		p.Totals = append(p.Totals, operatorui.TotalRow{Currency: t.Currency, Amount: t.Amount, Entries: t.Entries})
	}
	c, err := h.customers.Get(ctx, customer)
	var nf *sla.NotFoundError
	if err != nil && !errors.As(err, &nf) {
		return p, err
	}
	if c != nil {
		for _, s := range c.Subscriptions {
			p.Subscriptions = append(p.Subscriptions, s.ID)
		}
	}
	return p, nil
}

// handleCredits shows the customer's credits.
func (h *handler) handleCredits() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.creditsPage(r, operatorui.Form{})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if r.URL.Query().Get("done") == "claimed" {
			p.Flash = "Your claim is submitted: you will see here when it is decided."
		}
		h.render(w, http.StatusOK, "portal_credits", p)
	})
}

// handleClaim submits the customer's claim; a refusal (past the window,
// nothing due, claimed already) shows at its field.
func (h *handler) handleClaim() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/portal/credits")
			return
		}
		in := ledger.ClaimInput{Subscription: strings.TrimSpace(v.Get("subscription")), Period: strings.TrimSpace(v.Get("period")), Note: v.Get("note")}
		_, err = h.ledger.Claim(r.Context(), auth.Who(r), auth.Customer(r), in)
		if err == nil {
			http.Redirect(w, r, "/portal/credits?done=claimed", http.StatusSeeOther)
			return
		}
		var nf *sla.NotFoundError
		code := http.StatusBadRequest
		switch {
		case errors.As(err, new(*sla.ConflictError)):
			code = http.StatusConflict
		case errors.As(err, &nf):
			code = http.StatusNotFound
		case !sla.IsInput(err):
			h.fail(w, r, err)
			return
		}
		field, msg := fieldOf(err)
		if field != "period" && field != "note" {
			field = "subscription"
		}
		form := operatorui.Form{Name: "claim", Values: map[string]string{"subscription": in.Subscription, "period": in.Period, "note": in.Note},
			Errors: map[string]string{field: cmp.Or(msg, err.Error())}}
		p, perr := h.creditsPage(r, form)
		if perr != nil {
			h.fail(w, r, perr)
			return
		}
		h.render(w, code, "portal_credits", p)
	})
}
