package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// operatorRoutes are the operators' web pages under /admin. Every page but
// sign-in needs a signed-in user; every form is a POST, which
// http.CrossOriginProtection (routes.go) refuses from another origin.
func (s *Server) operatorRoutes(mux *http.ServeMux) {
	// Public: the sign-in form and sign-in itself (failures limited per
	// user and address), and the pages' style sheet.
	mux.Handle("GET /admin/signin", s.handleSignInPage())
	mux.Handle("POST /admin/signin", s.handleSignIn())
	mux.Handle("GET /admin/static/", operatorui.Static())
	// Anyone: sign-out ends the request's own session, if it has one.
	mux.Handle("POST /admin/signout", s.handleSignOut())

	// Signed-in operator.
	mux.Handle("GET /admin", s.requireSession(s.handleDashboard()))
	mux.Handle("GET /admin/{$}", s.requireSession(http.RedirectHandler("/admin", http.StatusSeeOther)))
	mux.Handle("GET /admin/incidents/new", s.requireSession(s.handleNewIncidentPage()))
	mux.Handle("POST /admin/incidents", s.requireSession(s.handleOpenForm()))
	mux.Handle("GET /admin/incidents/{id}", s.requireSession(s.handleIncidentAdminPage()))
	mux.Handle("POST /admin/incidents/{id}/updates", s.requireSession(s.handleUpdateForm("update")))
	mux.Handle("POST /admin/incidents/{id}/resolve", s.requireSession(s.handleUpdateForm("resolve")))
	mux.Handle("POST /admin/incidents/{id}/attributions", s.requireSession(s.handleAttributionForm()))
	mux.Handle("POST /admin/incidents/{id}/postmortems", s.requireSession(s.handlePostmortemForm()))
	mux.Handle("GET /admin/maintenance/new", s.requireSession(s.handleMaintenancePage()))
	mux.Handle("POST /admin/maintenance", s.requireSession(s.handleMaintenanceForm()))
	mux.Handle("POST /admin/maintenance/{id}/cancel", s.requireSession(s.handleCancelForm()))
	mux.Handle("GET /admin/subscribers", s.requireSession(s.handleSubscribersPage()))
	mux.Handle("POST /admin/subscribers", s.requireSession(s.handleAddSubscriberForm()))
	mux.Handle("GET /admin/subscribers/{id}", s.requireSession(s.handleSubscriberPage()))
	mux.Handle("GET /admin/subscribers/{id}/remove", s.requireSession(s.handleRemoveSubscriberPage()))
	mux.Handle("POST /admin/subscribers/{id}/remove", s.requireSession(s.handleRemoveSubscriberForm()))
}

// flashes are the outcomes a redirect after an action may announce; the
// query names one, so no text of the request is reflected into the page.
var flashes = map[string]string{
	"opened":     "The incident is open and published.",
	"updated":    "The update is posted.",
	"resolved":   "The incident is resolved.",
	"attributed": "The attribution is recorded.",
	"postmortem": "The post-mortem is published.",
	"scheduled":  "The maintenance window is scheduled.",
	"cancelled":  "The maintenance is cancelled.",
	"removed":    "The subscriber is removed.",
	"signedout":  "You are signed out.",
}

// opPage is the common part of an operator page for the request.
func (s *Server) opPage(r *http.Request, title string) operatorui.Page {
	return operatorui.Page{Title: title, User: who(r), Flash: flashes[r.URL.Query().Get("done")], Now: s.now().UTC()}
}

// operatorCSP is the operator pages' Content-Security-Policy.
const operatorCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// render writes an operator page. The pages are private and change with
// every action: never cached.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// No other site may frame a page (clickjacking its forms); the pages
	// have no script and only this server's style sheet, so a policy
	// that allows nothing else blunts any markup that slipped through.
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", operatorCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	var b strings.Builder
	if err := s.ui.Render(&b, name, data); err != nil {
		s.log.Error("render operator page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

// message renders a page that only says something.
func (s *Server) message(w http.ResponseWriter, r *http.Request, code int, title, text, link string) {
	s.render(w, r, code, "message", operatorui.Message{Page: s.opPage(r, title), Text: text, Link: link})
}

// failPage answers an error of an action that cannot be shown in its
// form: 404 for an unknown incident or window, 409 for a window that can
// no longer be cancelled, else an internal error, logged.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, err error) {
	var nf *notFoundError
	var mnf errNotFound
	switch {
	case errors.As(err, &nf):
		s.message(w, r, http.StatusNotFound, "Not found", nf.Error()+".", "")
		return
	case errors.As(err, &mnf):
		s.message(w, r, http.StatusNotFound, "Not found", mnf.Error()+".", "")
		return
	case errors.As(err, new(*conflictError)):
		s.message(w, r, http.StatusConflict, "Not done", err.Error()+".", "")
		return
	}
	s.log.Error("operator request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.message(w, r, http.StatusInternalServerError, "Something went wrong", "The server could not do this; the error is in its log. Try again.", "")
}

// requireSession admits signed-in users only. A GET without a session is
// sent to sign in and back; any other method is refused (401) and not
// performed, whatever the form says.
func (s *Server) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := s.sessionUser(r)
		if err != nil {
			s.failPage(w, r, err)
			return
		}
		if user == "" {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/admin/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
				return
			}
			s.message(w, r, http.StatusUnauthorized, "Sign in again", "You are not signed in (or your session has ended), so nothing was done. Sign in and submit the form again.", "/admin/signin")
			return
		}
		next.ServeHTTP(w, r.WithContext(withCaller(r, user, "operator")))
	})
}

// maxForm bounds a form body, as maxBody bounds a JSON one.
const maxForm = maxBody

// parseForm reads a form body. A body too large or malformed is an input
// error.
func parseForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return nil, &sla.InputError{Msg: fmt.Sprintf("the form could not be read (at most %d bytes)", maxForm)}
	}
	return r.PostForm, nil
}

func (s *Server) handleSignInPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := localPath(r.URL.Query().Get("next"))
		if user, err := s.sessionUser(r); err == nil && user != "" {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "signin", operatorui.SignIn{Page: s.opPage(r, "Sign in"), Next: next})
	})
}

func (s *Server) handleSignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := parseForm(w, r)
		if err != nil {
			s.message(w, r, http.StatusBadRequest, "Sign in", err.Error(), "/admin/signin")
			return
		}
		name, next := v.Get("name"), localPath(v.Get("next"))
		err = s.checkPassword(r.Context(), s.Config(), name, v.Get("password"), s.clientIP(r))
		if err != nil {
			code, msg := http.StatusUnauthorized, "Unknown user name or wrong password."
			if errors.Is(err, errSignInLimited) {
				code, msg = http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins; try again in %d minutes.", int(failWindow.Minutes()))
			}
			// The password is never shown again, nor logged.
			s.log.Warn("sign-in refused", "user", name, "addr", s.clientIP(r), "reason", err)
			page := s.opPage(r, "Sign in")
			page.Form = operatorui.Form{Name: "signin", Values: map[string]string{"name": name}, Errors: map[string]string{"password": msg}}
			s.render(w, r, code, "signin", operatorui.SignIn{Page: page, Next: next})
			return
		}
		// A new session every time: a cookie planted before sign-in is
		// never promoted, and the one it replaces ends.
		if err := s.deleteSession(r); err != nil {
			s.failPage(w, r, err)
			return
		}
		cookie, err := s.startSession(r.Context(), name)
		if err != nil {
			s.failPage(w, r, err)
			return
		}
		s.setSessionCookie(w, r, cookie, int(sessionMax.Seconds()))
		s.log.Info("signed in", "user", name, "addr", s.clientIP(r))
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

func (s *Server) handleSignOut() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, err := s.sessionUser(r); err == nil && user != "" {
			s.log.Info("signed out", "user", user)
		}
		if err := s.deleteSession(r); err != nil {
			s.failPage(w, r, err)
			return
		}
		s.setSessionCookie(w, r, "", -1)
		http.Redirect(w, r, "/admin/signin?done=signedout", http.StatusSeeOther)
	})
}

// componentOptions are the components an incident may name: the
// configured ones, then those only a policy names.
func componentOptions(c *config.Config) []operatorui.Option {
	var out []operatorui.Option
	seen := map[string]bool{}
	for _, comp := range c.Components {
		out = append(out, operatorui.Option{Value: comp.ID, Label: comp.Name})
		seen[comp.ID] = true
	}
	var extra []string
	for _, p := range c.Policies {
		for id := range p.Components {
			if !seen[id] {
				seen[id] = true
				extra = append(extra, id)
			}
		}
	}
	slices.Sort(extra)
	for _, id := range extra {
		out = append(out, operatorui.Option{Value: id, Label: id})
	}
	return out
}

func (s *Server) incidentForm(r *http.Request, title string) operatorui.IncidentForm {
	c := s.Config()
	f := operatorui.IncidentForm{Page: s.opPage(r, title), Severities: c.Incidents.Severities, Components: componentOptions(c)}
	for _, st := range []string{incident.StatusInvestigating, incident.StatusIdentified, incident.StatusMonitoring, incident.StatusUpdate, incident.StatusResolved} {
		label := operatorui.Label(st)
		if st == incident.StatusUpdate {
			label = "Update (status unchanged)"
		}
		f.Statuses = append(f.Statuses, operatorui.Option{Value: st, Label: label})
	}
	for _, cs := range sla.Causes {
		f.Causes = append(f.Causes, operatorui.Option{Value: string(cs), Label: operatorui.Label(string(cs))})
	}
	for _, st := range sla.Statuses {
		f.Impacts = append(f.Impacts, operatorui.Option{Value: string(st), Label: operatorui.Label(string(st))})
	}
	return f
}

// formOf keeps a submitted form's values to show them again, with err's
// field error (or a general one).
func formOf(name string, v url.Values, err error) operatorui.Form {
	f := operatorui.Form{Name: name, Values: map[string]string{}, Errors: map[string]string{}, Checked: map[string]bool{}}
	for k, vs := range v {
		if k == "password" || len(vs) == 0 {
			continue
		}
		f.Values[k] = vs[0]
		for _, x := range vs {
			f.Checked[k+"="+x] = true
		}
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, err := range errs {
		var in *sla.InputError
		switch {
		case err == nil:
		case errors.As(err, &in):
			if k := formField(in.Field); f.Errors[k] == "" {
				f.Errors[k] = in.Msg
			}
		default:
			f.Errors[""] = err.Error()
		}
	}
	return f
}

var indexRE = regexp.MustCompile(`\[[0-9]+\]$`)

// formField is the form input an API field error belongs to: a list's
// "components[2]" is the "components" checkboxes.
func formField(field string) string { return indexRE.ReplaceAllString(field, "") }

// formImpacts reads the "components.<id>" selects; an empty choice is "not
// affected".
func formImpacts(v url.Values) map[string]string {
	m := map[string]string{}
	for k, vs := range v {
		if id, ok := strings.CutPrefix(k, "components."); ok && len(vs) > 0 && vs[0] != "" {
			m[id] = vs[0]
		}
	}
	return m
}

var localTimeRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$`)

// formTime turns a datetime-local value ("2026-10-14T09:30"), which the
// forms state is UTC, into RFC 3339; anything else is left for the API's
// validation to name.
func formTime(v string) string {
	v = strings.TrimSpace(v)
	if !localTimeRE.MatchString(v) {
		return v
	}
	if len(v) == len("2006-01-02T15:04") {
		v += ":00"
	}
	return v + "Z"
}

func (s *Server) handleNewIncidentPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.incidentForm(r, "Open an incident")
		f.Form = operatorui.Form{Name: "open", Values: map[string]string{"status": incident.StatusInvestigating}}
		s.render(w, r, http.StatusOK, "incident_new", f)
	})
}

func (s *Server) handleOpenForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := parseForm(w, r)
		if err == nil {
			var id string
			id, err = s.openIncident(r.Context(), who(r), openInput{Title: v.Get("title"), Severity: v.Get("severity"), Status: v.Get("status"),
				Cause: v.Get("cause"), Message: v.Get("message"), Components: formImpacts(v)})
			if err == nil {
				http.Redirect(w, r, "/admin/incidents/"+url.PathEscape(id)+"?done=opened", http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			s.failPage(w, r, err)
			return
		}
		f := s.incidentForm(r, "Open an incident")
		f.Form = formOf("open", v, err)
		s.render(w, r, http.StatusBadRequest, "incident_new", f)
	})
}

func (s *Server) handleIncidentAdminPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderIncident(w, r, http.StatusOK, r.PathValue("id"), operatorui.Form{})
	})
}

// renderIncident renders an incident's operator page with form (the
// submitted one, if any).
func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, code int, id string, form operatorui.Form) {
	inc, err := s.findIncident(r.Context(), id)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	if inc == nil {
		s.failPage(w, r, &notFoundError{id})
		return
	}
	title := inc.Title
	if title == "" {
		title = "Incident " + inc.ID
	}
	p := operatorui.IncidentPage{IncidentForm: s.incidentForm(r, title), Incident: incidentAdminView(s.Config(), inc), CanPostmortem: true}
	// The update form starts from the incident's state.
	form.Defaults = map[string]string{"update/status": inc.Status}
	if inc.Status == incident.StatusResolved {
		form.Defaults["update/status"] = incident.StatusUpdate
	}
	for c, st := range inc.Components {
		form.Defaults["update/components."+c] = string(st)
	}
	form.Defaults["resolve/message"] = "This incident has been resolved."
	obls, err := s.incidentObligations(r.Context(), inc.ID)
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	p.Incident.Obligations = obls
	p.Form = form
	s.render(w, r, code, "incident", p)
}

func incidentAdminView(c *config.Config, inc *incident.Incident) operatorui.IncidentView {
	v := operatorui.IncidentView{ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status, Cause: string(inc.Cause),
		Opened: inc.Opened}
	if inc.Resolved != nil {
		v.Resolved = *inc.Resolved
	}
	for _, id := range slices.Sorted(maps.Keys(inc.Components)) {
		v.Impacts = append(v.Impacts, operatorui.Impact{Component: componentName(c, id), Status: string(inc.Components[id])})
	}
	for _, u := range inc.Updates {
		uv := operatorui.UpdateView{At: u.At, Status: u.Status, Message: u.Message}
		for _, id := range slices.Sorted(maps.Keys(u.Components)) {
			uv.Impacts = append(uv.Impacts, componentName(c, id)+": "+operatorui.Label(string(u.Components[id])))
		}
		v.Updates = append(v.Updates, uv)
	}
	for _, a := range inc.Attributions {
		names := make([]string, len(a.Components))
		for i, id := range a.Components {
			names[i] = componentName(c, id)
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
func (s *Server) handleUpdateForm(form string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		v, err := parseForm(w, r)
		done := "updated"
		if err == nil {
			in := updateInput{Status: v.Get("status"), Message: v.Get("message")}
			if form == "resolve" {
				in.Status, done = incident.StatusResolved, "resolved"
			} else {
				in.Components, err = s.changedImpacts(r.Context(), id, formImpacts(v))
			}
			if err == nil {
				err = s.updateIncident(r.Context(), who(r), id, in)
			}
			if err == nil {
				http.Redirect(w, r, "/admin/incidents/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			s.failPage(w, r, err)
			return
		}
		s.renderIncident(w, r, http.StatusBadRequest, id, formOf(form, v, err))
	})
}

// changedImpacts returns the form's impacts when they differ from the
// incident's current ones, else nil: an update that leaves the selects as
// they were changes no impact.
func (s *Server) changedImpacts(ctx context.Context, id string, form map[string]string) (map[string]string, error) {
	inc, err := s.findIncident(ctx, id)
	if err != nil {
		return nil, err
	}
	if inc == nil {
		return nil, &notFoundError{id}
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

func (s *Server) handleAttributionForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		v, err := parseForm(w, r)
		if err == nil {
			in := attributionInput{Cause: v.Get("cause"), Reason: v.Get("reason"), Start: formTime(v.Get("start")), End: formTime(v.Get("end"))}
			if cs := v["components"]; len(cs) > 0 {
				in.Components = cs
			}
			err = s.attributeIncident(r.Context(), who(r), id, in)
			if err == nil {
				http.Redirect(w, r, "/admin/incidents/"+url.PathEscape(id)+"?done=attributed", http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			s.failPage(w, r, err)
			return
		}
		s.renderIncident(w, r, http.StatusBadRequest, id, formOf("attribution", v, err))
	})
}

func (s *Server) handleDashboard() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := s.incidentEvidence(r.Context())
		if err != nil {
			s.failPage(w, r, err)
			return
		}
		now := s.now().UTC()
		d := operatorui.Dashboard{Page: s.opPage(r, "Dashboard"), HasObligations: s.hasObligationRules()}
		obls, err := s.obligationsByIncident(r.Context())
		if err != nil {
			s.failPage(w, r, err)
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
		sevs := s.Config().Incidents.Severities
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
		for _, mw := range incident.Maintenance(ev, now) {
			if mw.State != incident.Past && mw.CancelledAt == nil {
				names := make([]string, len(mw.Components))
				for i, id := range mw.Components {
					names[i] = componentName(s.Config(), id)
				}
				d.Maintenance = append(d.Maintenance, operatorui.MaintenanceRow{ID: mw.ID, Title: mw.Title, State: mw.State,
					Components: names, Start: mw.Start, End: mw.End, Series: mw.Series})
			}
		}
		s.render(w, r, http.StatusOK, "dashboard", d)
	})
}

// hasObligationRules reports whether any policy puts obligations on
// incidents.
func (s *Server) hasObligationRules() bool {
	for _, p := range s.Config().Policies {
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

func (s *Server) handlePostmortemForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		v, err := parseForm(w, r)
		if err == nil {
			_, err = s.publishPostmortem(r.Context(), who(r), id, postmortemInput{Title: v.Get("title"), Summary: v.Get("summary"), URL: v.Get("url")})
			if err == nil {
				http.Redirect(w, r, "/admin/incidents/"+url.PathEscape(id)+"?done=postmortem", http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			s.failPage(w, r, err)
			return
		}
		s.renderIncident(w, r, http.StatusBadRequest, id, formOf("postmortem", v, err))
	})
}

// handleMaintenancePage is the scheduling form. After scheduling
// (?done=scheduled&window=ID) it shows the notice warnings of the window
// or series just scheduled, computed again from the stored windows.
func (s *Server) handleMaintenancePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := operatorui.MaintenanceForm{Page: s.opPage(r, "Schedule maintenance"), Components: componentOptions(s.Config())}
		if id := r.URL.Query().Get("window"); id != "" && r.URL.Query().Get("done") == "scheduled" {
			ws, err := s.noticeWarnings(r.Context(), id)
			if err != nil {
				s.failPage(w, r, err)
				return
			}
			p.Warnings = ws
		}
		s.render(w, r, http.StatusOK, "maintenance_new", p)
	})
}

// noticeWarnings are the maintenance notice warnings of window or series id.
func (s *Server) noticeWarnings(ctx context.Context, id string) ([]string, error) {
	ev, err := s.maintenanceEvidence(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mw := range incident.Maintenance(ev, s.now()) {
		if mw.ID == id || mw.Series == id {
			out = append(out, incident.NoticeWarnings(s.Config().Policies, mw.Components, mw.Start, mw.End, mw.AnnouncedAt)...)
		}
	}
	return out, nil
}

func (s *Server) handleMaintenanceForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := parseForm(w, r)
		if err == nil {
			var ids []string
			ids, _, err = s.scheduleMaintenance(r.Context(), who(r), maintenanceInput{Title: v.Get("title"), Components: v["components"],
				Start: formTime(v.Get("start")), End: formTime(v.Get("end")), RRule: strings.TrimSpace(v.Get("rrule"))})
			if err == nil {
				http.Redirect(w, r, "/admin/maintenance/new?done=scheduled&window="+url.QueryEscape(ids[0]), http.StatusSeeOther)
				return
			}
		}
		if !sla.IsInput(err) {
			s.failPage(w, r, err)
			return
		}
		p := operatorui.MaintenanceForm{Page: s.opPage(r, "Schedule maintenance"), Components: componentOptions(s.Config())}
		p.Form = formOf("maintenance", v, err)
		s.render(w, r, http.StatusBadRequest, "maintenance_new", p)
	})
}

// handleCancelForm cancels a maintenance window or series (the id in the
// path) from now on, with the form's reason.
func (s *Server) handleCancelForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := parseForm(w, r)
		if err == nil {
			_, err = s.cancelMaintenance(r.Context(), who(r), r.PathValue("id"), strings.TrimSpace(v.Get("reason")))
		}
		if err != nil {
			if sla.IsInput(err) {
				s.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "")
				return
			}
			s.failPage(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin?done=cancelled", http.StatusSeeOther)
	})
}
