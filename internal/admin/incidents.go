package admin

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

func (h *handler) handleNewIncidentPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := h.incidentForm(r, "Open an incident")
		f.Form = operatorui.Form{Name: "open", Values: map[string]string{"status": incident.StatusInvestigating}}
		prefillFromOutage(r.URL.Query(), f.Form.Values)
		h.render(w, r, http.StatusOK, "incident_new", f)
	})
}

func (h *handler) handleOpenForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err == nil {
			var id string
			id, err = h.inc.Open(r.Context(), auth.Who(r), incidents.OpenInput{Title: v.Get("title"), Severity: v.Get("severity"), Status: v.Get("status"),
				Cause: v.Get("cause"), Message: v.Get("message"), Components: formImpacts(v), Started: formTime(v.Get("started"))})
			if err == nil {
				http.Redirect(w, r, "/admin/incidents/"+url.PathEscape(id)+"?done=opened", http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			h.failPage(w, r, err)
			return
		}
		f := h.incidentForm(r, "Open an incident")
		f.Form = formOf("open", v, err)
		h.render(w, r, http.StatusBadRequest, "incident_new", f)
	})
}

func (h *handler) handleIncidentAdminPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderIncident(w, r, http.StatusOK, r.PathValue("id"), operatorui.Form{})
	})
}

// renderIncident renders an incident's operator page with form (the
// submitted one, if any).
func (h *handler) renderIncident(w http.ResponseWriter, r *http.Request, code int, id string, form operatorui.Form) {
	inc, err := h.inc.Find(r.Context(), id)
	if err != nil {
		h.failPage(w, r, err)
		return
	}
	if inc == nil {
		h.failPage(w, r, &sla.NotFoundError{Msg: fmt.Sprintf("no incident %q", id)})
		return
	}
	title := inc.Title
	if title == "" {
		title = "Incident " + inc.ID
	}
	p := operatorui.IncidentPage{IncidentForm: h.incidentForm(r, title), Incident: incidentAdminView(h.cfg(), inc), CanPostmortem: true}
	// The update form starts from the incident's state.
	form.Defaults = map[string]string{"update/status": inc.Status}
	if inc.Status == incident.StatusResolved {
		form.Defaults["update/status"] = incident.StatusUpdate
	}
	for c, st := range inc.Components {
		form.Defaults["update/components."+c] = string(st)
	}
	form.Defaults["resolve/message"] = "This incident has been resolved."
	// An attribution is about downtime: it defaults to the outage the
	// monitors saw on the incident's components, not to the incident's
	// opening and resolution, which came later and may end sooner.
	if start, end, ok := h.outageSpan(r.Context(), inc); ok {
		form.Defaults["attribution/start"] = start.UTC().Format("2006-01-02T15:04:05")
		if !end.IsZero() {
			form.Defaults["attribution/end"] = end.UTC().Format("2006-01-02T15:04:05")
		}
	}
	obls, err := h.incidentObligations(r.Context(), inc.ID)
	if err != nil {
		h.failPage(w, r, err)
		return
	}
	p.Incident.Obligations = obls
	p.Form = form
	h.render(w, r, code, "incident", p)
}

func incidentAdminView(c *config.Config, inc *incident.Incident) operatorui.IncidentView {
	v := operatorui.IncidentView{ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status, Cause: string(inc.Cause),
		Opened: inc.Opened}
	if inc.Resolved != nil {
		v.Resolved = *inc.Resolved
	}
	for _, id := range slices.Sorted(maps.Keys(inc.Components)) {
		v.Impacts = append(v.Impacts, operatorui.Impact{Component: c.ComponentName(id), Status: string(inc.Components[id])})
	}
	for _, u := range inc.Updates {
		uv := operatorui.UpdateView{At: u.At, Status: u.Status, Message: u.Message}
		for _, id := range slices.Sorted(maps.Keys(u.Components)) {
			uv.Impacts = append(uv.Impacts, c.ComponentName(id)+": "+operatorui.Label(string(u.Components[id])))
		}
		v.Updates = append(v.Updates, uv)
	}
	for _, a := range inc.Attributions {
		names := make([]string, len(a.Components))
		for i, id := range a.Components {
			names[i] = c.ComponentName(id)
		}
		v.Attributions = append(v.Attributions, operatorui.AttributionView{At: a.At, Start: a.Start, End: a.End, Cause: string(a.Cause),
			By: a.By, Reason: a.Reason, Components: names})
	}
	for _, pm := range inc.Postmortems {
		v.Postmortems = append(v.Postmortems, operatorui.PostmortemView{At: pm.At, Title: pm.Title, Summary: pm.Summary, URL: pm.URL})
	}
	return v
}

// handleUpdateForm posts an update (form "update") or a resolution (form
// "resolve").
func (h *handler) handleUpdateForm(form string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		v, err := web.ParseForm(w, r)
		done := "updated"
		if err == nil {
			in := incidents.UpdateInput{Status: v.Get("status"), Message: v.Get("message")}
			if form == "resolve" {
				in.Status, done = incident.StatusResolved, "resolved"
			} else {
				in.Components, err = h.changedImpacts(r.Context(), id, formImpacts(v))
			}
			if err == nil {
				err = h.inc.Update(r.Context(), auth.Who(r), id, in)
			}
			if err == nil {
				http.Redirect(w, r, "/admin/incidents/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			h.failPage(w, r, err)
			return
		}
		h.renderIncident(w, r, http.StatusBadRequest, id, formOf(form, v, err))
	})
}

// changedImpacts returns the form's impacts when they differ from the
// incident's current ones, else nil: an update that leaves the selects as
// they were changes no impact.
func (h *handler) changedImpacts(ctx context.Context, id string, form map[string]string) (map[string]string, error) {
	inc, err := h.inc.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if inc == nil {
		return nil, &sla.NotFoundError{Msg: fmt.Sprintf("no incident %q", id)}
	}
	cur := map[string]string{}
	for c, st := range inc.Components {
		cur[c] = string(st)
	}
	if maps.Equal(cur, form) {
		return nil, nil
	}
	return form, nil
}

func (h *handler) handleAttributionForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		v, err := web.ParseForm(w, r)
		if err == nil {
			in := incidents.AttributionInput{Cause: v.Get("cause"), Reason: v.Get("reason"), Start: formTime(v.Get("start")), End: formTime(v.Get("end"))}
			if cs := v["components"]; len(cs) > 0 {
				in.Components = cs
			}
			err = h.inc.Attribute(r.Context(), auth.Who(r), id, in)
			if err == nil {
				http.Redirect(w, r, "/admin/incidents/"+url.PathEscape(id)+"?done=attributed", http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			h.failPage(w, r, err)
			return
		}
		h.renderIncident(w, r, http.StatusBadRequest, id, formOf("attribution", v, err))
	})
}

func (h *handler) handleDashboard() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := h.inc.Evidence(r.Context())
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		now := h.now().UTC()
		d := operatorui.Dashboard{Page: h.opPage(r, "Dashboard"), HasObligations: h.hasObligationRules()}
		obls, err := h.obligationsByIncident(r.Context())
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		for _, inc := range incident.Fold(ev) {
			row := operatorui.IncidentRow{ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status, Opened: inc.Opened,
				Obligations: unmet(obls[inc.ID])}
			if inc.Resolved == nil {
				d.Open = append(d.Open, row)
				continue
			}
			row.Resolved = *inc.Resolved
			// Resolved incidents stay listed while something is still
			// owed for them (a post-mortem), or for a week.
			if now.Sub(row.Resolved) < 7*24*time.Hour || len(row.Obligations) > 0 {
				d.Resolved = append(d.Resolved, row)
			}
		}
		// The most severe first (the configured order), then the oldest.
		sevs := h.cfg().Incidents.Severities
		rank := func(sev string) int {
			if i := slices.Index(sevs, sev); i >= 0 {
				return i
			}
			return len(sevs)
		}
		slices.SortStableFunc(d.Open, func(a, b operatorui.IncidentRow) int {
			return cmp.Or(cmp.Compare(rank(a.Severity), rank(b.Severity)), a.Opened.Compare(b.Opened))
		})
		slices.SortStableFunc(d.Resolved, func(a, b operatorui.IncidentRow) int { return b.Resolved.Compare(a.Resolved) })
		d.Outages = h.outagesWithoutIncident(incident.Fold(ev))
		if h.notices != nil {
			d.Notices = h.notices()
		}
		for _, mw := range incident.Maintenance(ev, now) {
			if mw.State != incident.Past && mw.CancelledAt == nil {
				names := make([]string, len(mw.Components))
				for i, id := range mw.Components {
					names[i] = h.cfg().ComponentName(id)
				}
				d.Maintenance = append(d.Maintenance, operatorui.MaintenanceRow{ID: mw.ID, Title: mw.Title, State: mw.State,
					Components: names, Start: mw.Start, End: mw.End, Series: mw.Series})
			}
		}
		h.render(w, r, http.StatusOK, "dashboard", d)
	})
}

// outageSpan is the downtime the monitors saw on inc's components around
// it: every monitor's episode away from operational that overlaps the
// incident's span (opening to resolution, or now), from the first one's
// start to the last one's end (zero while one goes on). ok is false when
// no monitor saw one.
func (h *handler) outageSpan(ctx context.Context, inc *incident.Incident) (start, end time.Time, ok bool) {
	ts, isType := h.store.(reports.TypeStore)
	if !isType || len(inc.Components) == 0 {
		return start, end, false
	}
	until := h.now()
	if inc.Resolved != nil {
		until = *inc.Resolved
	}
	fs, err := ts.FactsOfType(ctx, []string{"status"}, inc.Opened.Add(-incidents.MaxBackdate), until.Add(time.Minute))
	if err != nil {
		h.log.Warn("attribution defaults: read status facts", "incident", inc.ID, "err", err)
		return start, end, false
	}
	ev, err := reports.ParseFacts("stored evidence", fs)
	if err != nil {
		return start, end, false
	}
	type episode struct{ from, to time.Time }
	open := map[string]time.Time{} // source → start of its episode in progress
	var eps []episode
	sts := ev.Statuses
	slices.SortStableFunc(sts, func(a, b *sla.StatusChange) int { return a.At.Compare(b.At) })
	for _, st := range sts {
		if _, ok := inc.Components[st.Component]; !ok || !strings.HasPrefix(st.Source, "monitor:") {
			continue
		}
		from, down := open[st.Source]
		switch {
		case st.Status != sla.Operational && !down:
			open[st.Source] = st.At
		case st.Status == sla.Operational && down:
			eps = append(eps, episode{from, st.At})
			delete(open, st.Source)
		}
	}
	for _, from := range open {
		eps = append(eps, episode{from: from})
	}
	for _, e := range eps {
		if e.from.After(until) || !e.to.IsZero() && e.to.Before(inc.Opened) {
			continue // not this incident's
		}
		if !ok || e.from.Before(start) {
			start = e.from
		}
		switch {
		case !ok:
			end = e.to
		case end.IsZero() || e.to.IsZero():
			end = time.Time{}
		case e.to.After(end):
			end = e.to
		}
		ok = true
	}
	return start, end, ok
}

// hasObligationRules reports whether any policy puts obligations on
// incidents.
func (h *handler) hasObligationRules() bool {
	for _, p := range h.cfg().Policies {
		for _, v := range p.Versions {
			for _, pl := range v.Plans {
				if r := pl.Incidents; r != nil && (len(r.UpdateEvery) > 0 || r.Postmortem != nil) {
					return true
				}
			}
		}
	}
	return false
}

func (h *handler) handlePostmortemForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		v, err := web.ParseForm(w, r)
		if err == nil {
			_, err = h.inc.PublishPostmortem(r.Context(), auth.Who(r), id, incidents.PostmortemInput{Title: v.Get("title"), Summary: v.Get("summary"), URL: v.Get("url")})
			if err == nil {
				http.Redirect(w, r, "/admin/incidents/"+url.PathEscape(id)+"?done=postmortem", http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			h.failPage(w, r, err)
			return
		}
		h.renderIncident(w, r, http.StatusBadRequest, id, formOf("postmortem", v, err))
	})
}

// obligationsByIncident are the obligations of the incidents open now or
// recently resolved (incidents.Service.Obligations), by incident id,
// as the operator pages show them.
func (h *handler) obligationsByIncident(ctx context.Context) (map[string][]operatorui.Obligation, error) {
	obls, err := h.inc.Obligations(ctx, h.now())
	if err != nil {
		return nil, err
	}
	out := map[string][]operatorui.Obligation{}
	for _, o := range obls {
		title := o.Metric
		switch o.Metric {
		case sla.MetricUpdateEvery:
			title = "Public update"
		case sla.MetricPostmortem:
			title = "Post-mortem"
		}
		out[o.Incident] = append(out[o.Incident], operatorui.Obligation{Title: title, Due: o.Due, Met: o.Met, MetAt: o.MetAt, Overdue: o.Overdue})
	}
	return out, nil
}

// incidentObligations are one incident's obligations.
func (h *handler) incidentObligations(ctx context.Context, id string) ([]operatorui.Obligation, error) {
	m, err := h.obligationsByIncident(ctx)
	return m[id], err
}

// unmet keeps the obligations still to do (due or overdue): what the
// dashboard lists.
func unmet(obls []operatorui.Obligation) []operatorui.Obligation {
	var out []operatorui.Obligation
	for _, o := range obls {
		if !o.Met {
			out = append(out, o)
		}
	}
	return out
}
