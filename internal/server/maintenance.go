package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

func (s *Server) maintenanceRoutes(mux *http.ServeMux) {}

// handleMaintenance lists the maintenance windows relative to now.
func (s *Server) handleMaintenance() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := s.incidentEvidence(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"maintenance": incident.Maintenance(ev, s.now())})
	})
}

// handleCreateMaintenance announces a maintenance window now. The answer
// warns when the announcement comes too late for a plan's maintenance
// notice: the window will then not excuse downtime under that plan.
func (s *Server) handleCreateMaintenance() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Title      string   `json:"title"`
			Components []string `json:"components"`
			Start      string   `json:"start"`
			End        string   `json:"end"`
		}
		if err := decodeBody(r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		start, err1 := bodyTime("start", body.Start)
		end, err2 := bodyTime("end", body.End)
		err := errors.Join(required("title", body.Title), incident.Components("components", body.Components, s.knownComponent()),
			required("start", body.Start), err1, required("end", body.End), err2)
		if err == nil && !end.After(start) {
			err = &sla.InputError{Field: "end", Msg: "must be after start"}
		}
		if err != nil {
			s.fail(w, r, firstInput(err))
			return
		}
		now := s.now().UTC().Truncate(time.Second)
		id := newID("mw-")
		f, err := fact("maintenance", id, now, maintenanceFact{Type: "maintenance", ID: id, Components: body.Components,
			Start: rfc3339(start), End: rfc3339(end), AnnouncedAt: rfc3339(now), Title: body.Title})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.store.AppendFacts(r.Context(), []store.Fact{f}); err != nil {
			s.fail(w, r, err)
			return
		}
		mw := incident.Maintenance(&sla.Evidence{Maintenance: []*sla.Maintenance{{ID: id, Components: body.Components,
			Start: start, End: end, AnnouncedAt: now, Title: body.Title}}}, now)[0]
		writeJSON(w, http.StatusCreated, struct {
			incident.MaintenanceWindow
			Warnings []string `json:"warnings,omitempty"`
		}{mw, incident.NoticeWarnings(s.Config().Policies, body.Components, start, end, now)})
	})
}
