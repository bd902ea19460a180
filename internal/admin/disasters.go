package admin

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// disastersPage is the disasters page with form (the submitted one, if
// any).
func (h *handler) disastersPage(r *http.Request, form operatorui.Form) (operatorui.Disasters, error) {
	ds, err := h.inc.Disasters(r.Context())
	if err != nil {
		return operatorui.Disasters{}, err
	}
	p := operatorui.Disasters{Page: h.opPage(r, "Disasters"), Components: componentOptions(h.cfg())}
	p.Form = form
	for _, d := range ds {
		row := operatorui.DisasterRow{ID: d.ID, Title: d.Title, Component: d.Component, Declared: d.Declared,
			Recovery: minutes(d.RecoveryMinutes)}
		if d.Component != "" {
			row.Component = h.cfg().ComponentName(d.Component)
		}
		if d.Restored != nil {
			row.Restored = *d.Restored
		}
		if d.LastBackup != nil && d.DataLossMinutes != nil {
			row.LastBackup, row.DataLoss = *d.LastBackup, minutes(*d.DataLossMinutes)
		}
		for _, o := range d.Objectives {
			row.Objectives = append(row.Objectives, operatorui.ObjectiveRow{Policy: o.Policy, Plan: o.Plan,
				RTO: minutes(o.RTOMinutes), RPO: minutes(o.RPOMinutes), RTOState: o.RTO, RPOState: o.RPO})
		}
		p.List = append(p.List, row)
	}
	return p, nil
}

func minutes(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

func (h *handler) handleDisastersPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.disastersPage(r, operatorui.Form{})
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "disasters", p)
	})
}

// handleDeclareForm declares a disaster from the page's form.
func (h *handler) handleDeclareForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		var id string
		if err == nil {
			id, err = h.inc.DeclareDisaster(r.Context(), auth.Who(r), incidents.DisasterInput{Title: v.Get("title"),
				Component: strings.TrimSpace(v.Get("component")), At: formTime(v.Get("at"))})
			if err == nil {
				http.Redirect(w, r, "/admin/disasters?done=declared#disaster-"+url.PathEscape(id), http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			h.failPage(w, r, err)
			return
		}
		p, perr := h.disastersPage(r, formOf("declare", v, err))
		if perr != nil {
			h.failPage(w, r, perr)
			return
		}
		h.render(w, r, http.StatusBadRequest, "disasters", p)
	})
}

// handleRestoredForm marks a disaster restored now.
func (h *handler) handleRestoredForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := web.ParseForm(w, r); err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "")
			return
		}
		id := r.PathValue("id")
		if err := h.inc.RestoreDisaster(r.Context(), auth.Who(r), id, incidents.RestoredInput{}); err != nil {
			if sla.IsInput(err) {
				h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/admin/disasters")
				return
			}
			h.failPage(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/disasters?done=restored#disaster-"+url.PathEscape(id), http.StatusSeeOther)
	})
}
