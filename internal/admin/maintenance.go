package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// handleMaintenancePage is the scheduling form. After scheduling
// (?done=scheduled&window=ID) it shows the notice warnings of the window
// or series just scheduled, computed again from the stored windows.
func (h *handler) handleMaintenancePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := operatorui.MaintenanceForm{Page: h.opPage(r, "Schedule maintenance"), Components: componentOptions(h.cfg())}
		if id := r.URL.Query().Get("window"); id != "" && r.URL.Query().Get("done") == "scheduled" {
			ws, err := h.inc.NoticeWarnings(r.Context(), id)
			if err != nil {
				h.failPage(w, r, err)
				return
			}
			p.Warnings = ws
		}
		h.render(w, r, http.StatusOK, "maintenance_new", p)
	})
}

func (h *handler) handleMaintenanceForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err == nil {
			var ids []string
			ids, _, err = h.inc.ScheduleMaintenance(r.Context(), auth.Who(r), incidents.MaintenanceInput{Title: v.Get("title"), Components: v["components"],
				Start: formTime(v.Get("start")), End: formTime(v.Get("end")), RRule: strings.TrimSpace(v.Get("rrule"))})
			if err == nil {
				http.Redirect(w, r, "/admin/maintenance/new?done=scheduled&window="+url.QueryEscape(ids[0]), http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			h.failPage(w, r, err)
			return
		}
		p := operatorui.MaintenanceForm{Page: h.opPage(r, "Schedule maintenance"), Components: componentOptions(h.cfg())}
		p.Form = formOf("maintenance", v, err)
		h.render(w, r, http.StatusBadRequest, "maintenance_new", p)
	})
}

// handleCancelForm cancels a maintenance window or series (the id in the
// path) from now on, with the form's reason.
func (h *handler) handleCancelForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err == nil {
			_, err = h.inc.CancelMaintenance(r.Context(), auth.Who(r), r.PathValue("id"), strings.TrimSpace(v.Get("reason")))
		}
		if err != nil {
			if sla.IsInput(err) {
				h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "")
				return
			}
			h.failPage(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin?done=cancelled", http.StatusSeeOther)
	})
}
