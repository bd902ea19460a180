package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/web"
)

// handleMaintenance lists the maintenance windows relative to now, and the
// series.
func (h *handler) handleMaintenance() http.Handler {
	type series struct {
		ID          string     `json:"id"`
		Title       string     `json:"title,omitempty"`
		Components  []string   `json:"components"`
		Start       time.Time  `json:"start"`
		TimeZone    string     `json:"time_zone"`
		RRule       string     `json:"rrule"`
		Duration    string     `json:"duration"`
		Until       *time.Time `json:"until,omitempty"`
		Count       int        `json:"count,omitempty"`
		AnnouncedAt time.Time  `json:"announced_at"`
		CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := h.inc.MaintenanceEvidence(r.Context())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		ss := []series{}
		for _, ms := range ev.MaintenanceSeries {
			x := series{ID: ms.ID, Title: ms.Title, Components: ms.Components, Start: ms.Start, TimeZone: ms.Location.String(),
				RRule: ms.RRule, Duration: ms.Duration.String(), Count: ms.Count, AnnouncedAt: ms.AnnouncedAt}
			if !ms.Until.IsZero() {
				x.Until = &ms.Until
			}
			if !ms.CancelledAt.IsZero() {
				x.CancelledAt = &ms.CancelledAt
			}
			ss = append(ss, x)
		}
		web.JSON(w, http.StatusOK, map[string]any{"maintenance": incident.Maintenance(ev, h.now()), "series": ss})
	})
}

// handleCreateMaintenance announces a maintenance window or series now.
// The answer warns when the announcement comes too late for a plan's
// maintenance notice: the window will then not excuse downtime under that
// plan.
func (h *handler) handleCreateMaintenance() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in incidents.MaintenanceInput
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		by := auth.Who(r)
		ids, warnings, err := h.inc.ScheduleMaintenance(r.Context(), by, in)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		ev, err := h.inc.MaintenanceEvidence(r.Context())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		now := h.now()
		windows := map[string]incident.MaintenanceWindow{}
		for _, mw := range incident.Maintenance(ev, now) {
			windows[mw.ID] = mw
		}
		if in.RRule == "" {
			web.JSON(w, http.StatusCreated, struct {
				incident.MaintenanceWindow
				Warnings []string `json:"warnings,omitempty"`
			}{windows[ids[0]], warnings})
			return
		}
		occ := make([]incident.MaintenanceWindow, 0, len(ids)-1)
		for _, id := range ids[1:] {
			occ = append(occ, windows[id])
		}
		web.JSON(w, http.StatusCreated, struct {
			Series   string                       `json:"series"`
			Windows  []incident.MaintenanceWindow `json:"windows"`
			Warnings []string                     `json:"warnings,omitempty"`
		}{ids[0], occ, warnings})
	})
}

func (h *handler) handleCancelMaintenance() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength != 0 {
			if err := web.Decode(r, &body); err != nil {
				web.Fail(h.log, w, r, err)
				return
			}
		}
		by := auth.Who(r)
		if by == "" {
			web.Fail(h.log, w, r, errors.New("cancel maintenance: no token name in the request context"))
			return
		}
		id := r.PathValue("id")
		cid, err := h.inc.CancelMaintenance(r.Context(), by, id, body.Reason)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusCreated, map[string]string{"id": cid, "maintenance": id})
	})
}
