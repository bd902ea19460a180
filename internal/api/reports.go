package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// handleReports evaluates every configured policy (or ?policy=) over the
// stored evidence of a period, for every customer (or ?customer=).
func (h *handler) handleReports() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		period := q.Get("period")
		if period == "" {
			web.JSON(w, http.StatusBadRequest, web.Error{Error: "period is required: 2026-10, 2026-Q4 or 2026", Field: "period"})
			return
		}
		asOf := h.now()
		if v := q.Get("as_of"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				web.JSON(w, http.StatusBadRequest, web.Error{Error: "want an RFC 3339 time", Field: "as_of"})
				return
			}
			asOf = t
		}
		from, end, err := reports.EvidenceRange(period)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		c := h.cfg()
		ev, err := reports.Evidence(r.Context(), c, h.store, from, end)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		explain := false
		switch v := q.Get("explain"); v {
		case "", "false", "0":
		case "true", "1":
			explain = true
		default:
			web.JSON(w, http.StatusBadRequest, web.Error{Error: fmt.Sprintf("want true or false, got %q", v), Field: "explain"})
			return
		}
		customer, ok := scopedCustomer(r, q.Get("customer"))
		if !ok {
			web.Fail(h.log, w, r, &sla.NotFoundError{Msg: fmt.Sprintf("no customer %q", q.Get("customer"))})
			return
		}
		reps, err := reports.Reports(c, ev, reports.Query{Period: period, Policy: q.Get("policy"), Customer: customer, AsOf: asOf, Explain: explain})
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"reports": reps})
	})
}

// scopedCustomer is the customer filter of a request: asked, or, for a
// caller tied to a customer, that customer; ok is false when such a
// caller asks for another customer (which it must not learn exists).
func scopedCustomer(r *http.Request, asked string) (customer string, ok bool) {
	own := auth.Customer(r)
	switch {
	case own == "":
		return asked, true
	case asked == "" || asked == own:
		return own, true
	}
	return "", false
}

// handleExport is the evidence of a period as JSON Lines, the input of
// `slakeeper evaluate`.
func (h *handler) handleExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from, end, err := reports.EvidenceRange(r.URL.Query().Get("period"))
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		ev, err := reports.Evidence(r.Context(), h.cfg(), h.store, from, end)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		_, _ = w.Write(ev)
	})
}
