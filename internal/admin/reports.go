package admin

import (
	"net/http"

	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// handleReportsPage shows the reports of a period (?period=2026-11, the
// current month by default), evaluated now with every interval behind
// the figures, as GET /api/v1/reports?explain=true does.
func (h *handler) handleReportsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := h.now().UTC()
		period := r.URL.Query().Get("period")
		if period == "" {
			period = now.Format("2006-01")
		}
		p := operatorui.Reports{Page: h.opPage(r, "Reports "+period), Base: "/admin/reports", Period: period, AsOf: now}
		prev, next, reps, err := reports.Browse(r.Context(), h.cfg(), h.store, reports.Query{Period: period, AsOf: now, Explain: true})
		p.Prev, p.Next = prev, next
		if err != nil {
			if sla.IsInput(err) {
				p.Error = err.Error()
				h.render(w, r, http.StatusBadRequest, "reports", p)
				return
			}
			h.failPage(w, r, err)
			return
		}
		p.Reports = reps
		h.render(w, r, http.StatusOK, "reports", p)
	})
}
