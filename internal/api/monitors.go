package api

import (
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/web"
)

// handleMonitors lists the monitors with their state and figures,
// filtered and sorted as the console's list (?component, ?state, ?q,
// ?sort, ?order=desc).
func (h *handler) handleMonitors() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		rows, err := h.monitors.List(monitors.Query{Component: q.Get("component"), State: q.Get("state"), Text: q.Get("q"),
			Sort: q.Get("sort"), Desc: q.Get("order") == "desc"})
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"monitors": rows})
	})
}

// monitorDetail is a monitor with its series and the incidents it opened.
type monitorDetail struct {
	*monitors.Detail
	Incidents []incidentRef `json:"incidents"`
}

type incidentRef struct {
	ID     string    `json:"id"`
	Title  string    `json:"title"`
	Status string    `json:"status"`
	Opened time.Time `json:"opened"`
}

// handleMonitor is one monitor: its row, its series per location over
// ?range (1h, 24h, 30d, 90d), its latest failures and the incidents it
// opened.
func (h *handler) handleMonitor() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := h.monitors.Detail(r.Context(), r.PathValue("id"), r.URL.Query().Get("range"))
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		ev, err := h.inc.Evidence(r.Context())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		out := monitorDetail{Detail: d, Incidents: []incidentRef{}}
		for _, inc := range incident.Fold(ev) {
			if monitors.OpenedBy(inc.ID, d.ID) {
				out.Incidents = append(out.Incidents, incidentRef{ID: inc.ID, Title: inc.Title, Status: inc.Status, Opened: inc.Opened.UTC()})
			}
		}
		web.JSON(w, http.StatusOK, out)
	})
}
