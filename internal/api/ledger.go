package api

import (
	"net/http"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/web"
)

// ledgerFilter reads ?period, ?customer, ?subscription, ?state; a
// customer's credential is scoped to its own customer.
func ledgerFilter(r *http.Request, kind string) ledger.Filter {
	q := r.URL.Query()
	f := ledger.Filter{Period: q.Get("period"), Customer: q.Get("customer"), Subscription: q.Get("subscription"), State: q.Get("state"), Kind: kind}
	if c := auth.Customer(r); c != "" {
		f.Customer = c
	}
	return f
}

// handleLedger lists ledger entries with their totals by currency.
func (h *handler) handleLedger() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		es, totals, err := h.ledger.Entries(r.Context(), ledgerFilter(r, ""))
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"entries": es, "totals": totals})
	})
}

// handleCloses lists the closed subscription periods with their
// snapshots.
func (h *handler) handleCloses() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs, err := h.ledger.Closes(r.Context(), ledgerFilter(r, ""), true)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"closes": cs})
	})
}

// handleTrail is the intervals behind a closed period's figures.
func (h *handler) handleTrail() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := h.ledger.Trail(r.Context(), r.PathValue("hash"), auth.Customer(r))
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"trail": r.PathValue("hash"), "intervals": b})
	})
}

// handleClose closes a period now: {period}.
func (h *handler) handleClose() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Period string `json:"period"`
		}
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		res, err := h.ledger.Close(r.Context(), in.Period, nil)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		// A period closed before is checked against the evidence now:
		// what changed since is proposed as adjustments.
		props, err := h.ledger.Recheck(r.Context(), in.Period)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		adj := make([]ledger.Request, 0, len(props))
		for _, p := range props {
			adj = append(adj, ledger.RequestView(p))
		}
		web.JSON(w, http.StatusOK, map[string]any{"period": res.Period, "closed": res.Closed, "already": res.Already, "open": res.Open,
			"posted": res.Posted, "adjustments": adj})
	})
}

// handleRequests lists claims or adjustments.
func (h *handler) handleRequests(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs, err := h.ledger.Requests(r.Context(), ledgerFilter(r, kind))
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{kind + "s": rs})
	})
}

// handleClaim submits a claim: a customer's for itself; staff's on a
// customer's behalf (late, with a reason, when the window has closed).
func (h *handler) handleClaim() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in ledger.ClaimInput
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		c, err := h.ledger.Claim(r.Context(), auth.Who(r), auth.Customer(r), in)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusCreated, ledger.RequestView(*c))
	})
}

// handleDecision approves or rejects a claim or an adjustment: {approve,
// reason}.
func (h *handler) handleDecision(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var d ledger.Decision
		if err := web.Decode(r, &d); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		rq, err := h.ledger.Decide(r.Context(), auth.Who(r), kind, r.PathValue("id"), d)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, ledger.RequestView(*rq))
	})
}

// handleReverse takes an entry back: {reason}.
func (h *handler) handleReverse() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		e, err := h.ledger.Reverse(r.Context(), auth.Who(r), r.PathValue("id"), in.Reason)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusCreated, map[string]any{"id": e.ID, "amount": e.Amount, "currency": e.Currency, "ref": e.Ref})
	})
}

// handleInvoice notes the invoice an entry was billed on: {invoice}.
func (h *handler) handleInvoice() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Invoice string `json:"invoice"`
		}
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		if err := h.ledger.Invoice(r.Context(), auth.Who(r), r.PathValue("id"), in.Invoice); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
