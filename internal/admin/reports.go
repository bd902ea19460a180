package admin

import (
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
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
		from, end, err := reports.EvidenceRange(period)
		if err != nil {
			if !sla.IsInput(err) {
				h.failPage(w, r, err)
				return
			}
			p.Error = "Want a month (2026-11), a quarter (2026-Q4) or a year (2026): " + err.Error()
			h.render(w, r, http.StatusBadRequest, "reports", p)
			return
		}
		if pp, err := timeline.ParsePeriod(period, time.UTC); err == nil {
			p.Prev = pp.Prev().String()
			// No link to a period that has not begun.
			if next := pp.Next(); !next.Interval().Start.After(now) {
				p.Next = next.String()
			}
		}
		c := h.cfg()
		ev, err := reports.Evidence(r.Context(), c, h.store, from, end)
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		reps, err := reports.Reports(c, ev, reports.Query{Period: period, AsOf: now, Explain: true})
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
