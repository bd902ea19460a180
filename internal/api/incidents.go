package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// showIncident answers 201 with the incident folded from the store.
func (h *handler) showIncident(w http.ResponseWriter, r *http.Request, id string) {
	inc, err := h.inc.Find(r.Context(), id)
	if err != nil {
		web.Fail(h.log, w, r, err)
		return
	}
	if inc == nil {
		web.Fail(h.log, w, r, fmt.Errorf("incident %s not found after writing it", id))
		return
	}
	web.JSON(w, http.StatusCreated, inc)
}

// handleCreateIncident opens an incident.
func (h *handler) handleCreateIncident() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in incidents.OpenInput
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		id, err := h.inc.Open(r.Context(), auth.Who(r), in)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		h.showIncident(w, r, id)
	})
}

func (h *handler) handleIncidentUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in incidents.UpdateInput
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		id := r.PathValue("id")
		if err := h.inc.Update(r.Context(), auth.Who(r), id, in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		h.showIncident(w, r, id)
	})
}

// handleIncidentAttribution records an audited attribution; the token's
// or user's name is who decided.
func (h *handler) handleIncidentAttribution() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in incidents.AttributionInput
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		id := r.PathValue("id")
		if err := h.inc.Attribute(r.Context(), auth.Who(r), id, in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		h.showIncident(w, r, id)
	})
}

func (h *handler) handleIncidents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := h.inc.Evidence(r.Context())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"incidents": incident.Fold(ev)})
	})
}

func (h *handler) handleIncident() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		inc, err := h.inc.Find(r.Context(), id)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		if inc == nil {
			web.Fail(h.log, w, r, &sla.NotFoundError{Msg: fmt.Sprintf("no incident %q", id)})
			return
		}
		web.JSON(w, http.StatusOK, inc)
	})
}

// handlePostmortem publishes an incident's post-mortem and answers the
// incident with it.
func (h *handler) handlePostmortem() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in incidents.PostmortemInput
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		by := auth.Who(r)
		if by == "" {
			web.Fail(h.log, w, r, errors.New("postmortem: no token name in the request context"))
			return
		}
		id := r.PathValue("id")
		if _, err := h.inc.PublishPostmortem(r.Context(), by, id, in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		inc, err := h.inc.Find(r.Context(), id)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusCreated, inc)
	})
}

// handleObligations lists the obligations with their due times, whether
// they are met and whether they are overdue.
func (h *handler) handleObligations() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obs, err := h.inc.Obligations(r.Context(), h.now())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"obligations": obs})
	})
}
