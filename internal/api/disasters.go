package api

import (
	"net/http"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// handleDisasters lists the declared disasters, the latest first, with
// their recovery time, data-loss window and every covering plan's RTO and
// RPO.
func (h *handler) handleDisasters() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds, err := h.inc.Disasters(r.Context())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"disasters": ds})
	})
}

// handleDeclareDisaster declares a disaster: its recovery clock starts.
func (h *handler) handleDeclareDisaster() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in incidents.DisasterInput
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		id, err := h.inc.DeclareDisaster(r.Context(), auth.Who(r), in)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		h.showDisaster(w, r, id)
	})
}

// handleRestored records that service is restored after a disaster.
func (h *handler) handleRestored() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in incidents.RestoredInput
		if r.ContentLength != 0 {
			if err := web.Decode(r, &in); err != nil {
				web.Fail(h.log, w, r, err)
				return
			}
		}
		id := r.PathValue("id")
		if err := h.inc.RestoreDisaster(r.Context(), auth.Who(r), id, in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		h.showDisaster(w, r, id)
	})
}

// showDisaster answers 201 with disaster id as it stands now.
func (h *handler) showDisaster(w http.ResponseWriter, r *http.Request, id string) {
	ds, err := h.inc.Disasters(r.Context())
	if err != nil {
		web.Fail(h.log, w, r, err)
		return
	}
	for _, d := range ds {
		if d.ID == id {
			web.JSON(w, http.StatusCreated, d)
			return
		}
	}
	web.Fail(h.log, w, r, &sla.NotFoundError{Msg: "disaster " + id + " not found after writing it"})
}
