package admin

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// flashes are the outcomes a redirect after an action may announce; the
// query names one, so no text of the request is reflected into the page.
var flashes = map[string]string{
	"opened":       "The incident is open and published.",
	"updated":      "The update is posted.",
	"resolved":     "The incident is resolved.",
	"attributed":   "The attribution is recorded.",
	"postmortem":   "The post-mortem is published.",
	"scheduled":    "The maintenance window is scheduled.",
	"cancelled":    "The maintenance is cancelled.",
	"removed":      "The subscriber is removed.",
	"declared":     "The disaster is declared: its recovery clock runs.",
	"restored":     "The disaster is marked restored.",
	"signedout":    "You are signed out.",
	"customer":     "The customer is created.",
	"standing":     "The standing is recorded.",
	"subscribed":   "The subscription is created.",
	"changed":      "The subscription is changed: the old terms end and the new ones start at the date given.",
	"imported":     "The customer list is imported.",
	"invited":      "The invitation is sent.",
	"user-reset":   "A new password link is sent.",
	"user-disable": "The user is disabled: its sessions end at their next request.",
	"user-enable":  "The user is enabled.",
	"closed":       "The period is closed: snapshots stored, credits posted, changes since proposed as adjustments.",
	"decided":      "The decision is recorded.",
	"reversed":     "The entry is reversed.",
	"claimed":      "The claim is submitted.",
}

// opPage is the common part of an operator page for the request.
func (h *handler) opPage(r *http.Request, title string) operatorui.Page {
	p := operatorui.Page{Title: title, User: auth.Who(r), Flash: flashes[r.URL.Query().Get("done")], Now: h.now().UTC(), May: map[string]bool{}}
	if role := auth.Role(r); role != "" {
		for _, perm := range auth.Permissions {
			p.May[string(perm)] = auth.Allowed(role, perm)
		}
	}
	return p
}

// render writes an operator page (operatorui.Write: private, never
// cached).
func (h *handler) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	if err := h.ui.Write(w, code, name, data); err != nil {
		h.log.Error("render operator page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// message renders a page that only says something.
func (h *handler) message(w http.ResponseWriter, r *http.Request, code int, title, text, link string) {
	h.render(w, r, code, "message", operatorui.Message{Page: h.opPage(r, title), Text: text, Link: link})
}

// failPage answers an error of an action that cannot be shown in its
// form: 404 for an unknown incident or window, 409 for a window that can
// no longer be cancelled, else an internal error, logged.
func (h *handler) failPage(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.As(err, new(*sla.NotFoundError)):
		h.message(w, r, http.StatusNotFound, "Not found", err.Error()+".", "")
		return
	case errors.As(err, new(*sla.ConflictError)):
		h.message(w, r, http.StatusConflict, "Not done", err.Error()+".", "")
		return
	}
	h.log.Error("operator request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	h.message(w, r, http.StatusInternalServerError, "Something went wrong", "The server could not do this; the error is in its log. Try again.", "")
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

func (h *handler) incidentForm(r *http.Request, title string) operatorui.IncidentForm {
	c := h.cfg()
	f := operatorui.IncidentForm{Page: h.opPage(r, title), Severities: c.Incidents.Severities, Components: componentOptions(c)}
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
