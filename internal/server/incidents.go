package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// maxBody bounds an incident or maintenance request body; with it every
// fact written stays far below the 1 MiB line limit of the fact format.
const maxBody = 64 << 10

// The facts the incident API writes, in the wire format of docs/facts.md.
type (
	incidentFact struct {
		Type       string            `json:"type"`
		ID         string            `json:"id"`
		At         string            `json:"at"`
		Title      string            `json:"title,omitempty"`
		Severity   string            `json:"severity,omitempty"`
		Components map[string]string `json:"components,omitempty"`
		Cause      string            `json:"cause,omitempty"`
	}
	incidentUpdateFact struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Incident string `json:"incident"`
		At       string `json:"at"`
		Status   string `json:"status"`
		Message  string `json:"message,omitempty"`
		// Components is written when given, even empty: {} puts every
		// component back to operational.
		Components map[string]string `json:"components,omitzero"`
	}
	attributionFact struct {
		Type       string   `json:"type"`
		ID         string   `json:"id"`
		At         string   `json:"at"`
		Components []string `json:"components"`
		Start      string   `json:"start"`
		End        string   `json:"end"`
		Cause      string   `json:"cause"`
		By         string   `json:"by"`
		Reason     string   `json:"reason"`
		Incident   string   `json:"incident,omitempty"`
	}
)

// incidentFactTypes are the fact types the incident API reads back.
var incidentFactTypes = map[string]bool{"incident": true, "incident_update": true, "attribution": true, "postmortem": true, "maintenance": true}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// newID is prefix and 8 random bytes in hex.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
}

// decodeBody reads one JSON object into v, refusing unknown fields, with
// errors that name the field.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return &sla.InputError{Field: te.Field, Msg: fmt.Sprintf("want %s, got a JSON %s", te.Type.Kind(), te.Value)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &sla.InputError{Field: f, Msg: "unknown field"}
		case errors.As(err, &se):
			return &sla.InputError{Msg: fmt.Sprintf("body: not valid JSON at byte %d (at most %d bytes)", se.Offset, maxBody)}
		case errors.Is(err, io.EOF):
			return &sla.InputError{Msg: "body: want a JSON object"}
		default:
			return &sla.InputError{Msg: "body: " + err.Error()}
		}
	}
	if dec.More() {
		return &sla.InputError{Msg: "body: one JSON object only"}
	}
	return nil
}

// bodyTime parses an RFC 3339 time of a request, to whole seconds as the
// engine counts them. An empty value is the zero time.
func bodyTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, &sla.InputError{Field: field, Msg: fmt.Sprintf("want an RFC 3339 time such as 2026-10-05T14:03:00Z, got %q", v)}
	}
	return t.UTC().Truncate(time.Second), nil
}

func required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return &sla.InputError{Field: field, Msg: "required"}
	}
	return nil
}

// knownComponent reports whether a component is configured or named by a
// configured policy.
func (s *Server) knownComponent() func(string) bool {
	c := s.Config()
	known := map[string]bool{}
	for _, comp := range c.Components {
		known[comp.ID] = true
	}
	for _, p := range c.Policies {
		for id := range p.Components {
			known[id] = true
		}
	}
	return func(id string) bool { return known[id] }
}

// incidentEvidence parses the stored incident and maintenance facts.
func (s *Server) incidentEvidence(ctx context.Context) (*sla.Evidence, error) {
	fs, err := s.store.Facts(ctx, time.Unix(0, 0), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	var b bytes.Buffer
	for _, f := range fs {
		if incidentFactTypes[f.Type] {
			b.Write(bytes.TrimSpace(f.JSON))
			b.WriteByte('\n')
		}
	}
	ev, err := facts.Parse("evidence", &b)
	if err != nil {
		// Stored evidence that does not parse is the server's problem,
		// not the client's.
		return nil, fmt.Errorf("stored evidence: %v", err)
	}
	return ev, nil
}

// findIncident folds the stored facts and returns the incident, or nil.
func (s *Server) findIncident(ctx context.Context, id string) (*incident.Incident, error) {
	ev, err := s.incidentEvidence(ctx)
	if err != nil {
		return nil, err
	}
	return incident.Find(incident.Fold(ev), id), nil
}

// notFoundError is a write to an incident that does not exist.
type notFoundError struct{ id string }

func (e *notFoundError) Error() string { return fmt.Sprintf("no incident %q", e.id) }

// failIncident answers an error of the incident functions: 404 for an
// unknown incident, else as s.fail does.
func (s *Server) failIncident(w http.ResponseWriter, r *http.Request, err error) {
	var nf *notFoundError
	if errors.As(err, &nf) {
		writeJSON(w, http.StatusNotFound, apiError{Error: nf.Error()})
		return
	}
	s.fail(w, r, err)
}

func notFoundIncident(w http.ResponseWriter, id string) {
	writeJSON(w, http.StatusNotFound, apiError{Error: (&notFoundError{id}).Error()})
}

// showIncident answers 201 with the incident folded from the store.
func (s *Server) showIncident(w http.ResponseWriter, r *http.Request, id string) {
	inc, err := s.findIncident(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if inc == nil {
		s.fail(w, r, fmt.Errorf("incident %s not found after writing it", id))
		return
	}
	writeJSON(w, http.StatusCreated, inc)
}

func fact(typ, id string, at time.Time, v any) (store.Fact, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return store.Fact{}, err
	}
	return store.Fact{ID: id, Type: typ, At: at, JSON: body}, nil
}

func impactsWire(m map[string]sla.Status) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

// checkSeverity refuses a severity that is not one of the configured
// ones (incidents.severities), listing them.
func checkSeverity(field, sev string, allowed []string) error {
	if !slices.Contains(allowed, sev) {
		what := "required"
		if sev != "" {
			what = fmt.Sprintf("got %q", sev)
		}
		return &sla.InputError{Field: field, Msg: fmt.Sprintf("want one of %s (incidents.severities); %s", strings.Join(allowed, ", "), what)}
	}
	return nil
}

// firstInput returns the first error of a join (so that the client sees
// one field), or err itself.
func firstInput(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if es := j.Unwrap(); len(es) > 0 {
			return es[0]
		}
	}
	return err
}

// openInput is an incident's opening, from the API or the operator UI.
type openInput struct {
	Title      string            `json:"title"`
	Severity   string            `json:"severity"`
	Status     string            `json:"status"`
	Components map[string]string `json:"components"`
	Cause      string            `json:"cause"`
	Message    string            `json:"message"`
}

// updateInput is a public update of an incident.
type updateInput struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	// Components replace the incident's impacts when not nil; empty puts
	// every component back to operational.
	Components map[string]string `json:"components"`
}

// attributionInput is an operator's decision on the cause of an
// incident's downtime. Empty Start, End and nil Components default to the
// incident's opening, resolution and affected components.
type attributionInput struct {
	Cause      string   `json:"cause"`
	Reason     string   `json:"reason"`
	Start      string   `json:"start"`
	End        string   `json:"end"`
	Components []string `json:"components"`
}

// openIncident writes an incident fact, and an incident_update fact when
// the opening carries a message or a status other than investigating, and
// publishes the opening. by is who opened it (logged).
func (s *Server) openIncident(ctx context.Context, by string, in openInput) (string, error) {
	if in.Status == "" {
		in.Status = incident.StatusInvestigating
	}
	// Every field's error is returned (joined): the API shows the first,
	// a form shows each at its field.
	impacts, err := incident.Impacts("components", in.Components, s.knownComponent(), true)
	if err = errors.Join(err, required("title", in.Title), checkSeverity("severity", in.Severity, s.Config().Incidents.Severities),
		incident.CheckStatus("status", in.Status, incident.ValidOpenStatus, "investigating, identified or monitoring"),
		incident.CheckCause("cause", in.Cause, true)); err != nil {
		return "", err
	}
	now := s.now().UTC().Truncate(time.Second)
	id := newID("inc-")
	f, err := fact("incident", id, now, incidentFact{Type: "incident", ID: id, At: rfc3339(now), Title: in.Title,
		Severity: in.Severity, Components: impactsWire(impacts), Cause: in.Cause})
	if err != nil {
		return "", err
	}
	fs := []store.Fact{f}
	if in.Message != "" || in.Status != incident.StatusInvestigating {
		uid := newID(id + ":u-")
		u, err := fact("incident_update", uid, now, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: id,
			At: rfc3339(now), Status: in.Status, Message: in.Message})
		if err != nil {
			return "", err
		}
		fs = append(fs, u)
	}
	if err := s.store.AppendFacts(ctx, fs); err != nil {
		return "", err
	}
	s.log.Info("incident opened", "incident", id, "severity", in.Severity, "by", by)
	s.publishIncident(ctx, Event{ID: EventIncidentCreated + ":" + id, Kind: EventIncidentCreated, At: now, Title: in.Title,
		Message: in.Message, Status: in.Status, Severity: in.Severity, Incident: id, Components: slices.Sorted(maps.Keys(impacts))})
	return id, nil
}

// updateIncident writes a public update of incident id and publishes it
// (as a resolution when its status is resolved).
func (s *Server) updateIncident(ctx context.Context, by, id string, in updateInput) error {
	var impacts map[string]sla.Status
	var impErr error
	if in.Components != nil {
		impacts, impErr = incident.Impacts("components", in.Components, s.knownComponent(), false)
	}
	if err := errors.Join(
		incident.CheckStatus("status", in.Status, incident.ValidUpdateStatus, "investigating, identified, monitoring, update or resolved"),
		required("message", in.Message), impErr); err != nil {
		return err
	}
	inc, err := s.findIncident(ctx, id)
	if err != nil {
		return err
	}
	if inc == nil {
		return &notFoundError{id}
	}
	now := s.now().UTC().Truncate(time.Second)
	uid := newID(id + ":u-")
	u := incidentUpdateFact{Type: "incident_update", ID: uid, Incident: id, At: rfc3339(now), Status: in.Status, Message: in.Message}
	comps := inc.AffectedComponents()
	if in.Components != nil {
		u.Components = impactsWire(impacts)
		comps = slices.Sorted(maps.Keys(impacts))
	}
	f, err := fact("incident_update", uid, now, u)
	if err != nil {
		return err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
		return err
	}
	s.log.Info("incident updated", "incident", id, "status", in.Status, "by", by)
	kind := EventIncidentUpdated
	if in.Status == incident.StatusResolved {
		kind = EventIncidentResolved
	}
	s.publishIncident(ctx, Event{ID: kind + ":" + uid, Kind: kind, At: now, Title: inc.Title, Message: in.Message,
		Status: in.Status, Severity: inc.Severity, Incident: id, Components: comps})
	return nil
}

// attributeIncident records who (by) decided the cause of an incident's
// downtime, and why: an audited fact, since it changes what customers are
// owed. By default it covers every component the incident impacted, from
// its opening to its resolution.
func (s *Server) attributeIncident(ctx context.Context, by, id string, in attributionInput) error {
	start, err1 := bodyTime("start", in.Start)
	end, err2 := bodyTime("end", in.End)
	var compErr error
	if in.Components != nil {
		compErr = incident.Components("components", in.Components, s.knownComponent())
	}
	if err := errors.Join(incident.CheckCause("cause", in.Cause, false), required("reason", in.Reason), err1, err2, compErr); err != nil {
		return err
	}
	if by == "" {
		return errors.New("attribution: no token or user name in the request context")
	}
	inc, err := s.findIncident(ctx, id)
	if err != nil {
		return err
	}
	if inc == nil {
		return &notFoundError{id}
	}
	comps := in.Components
	if comps == nil {
		comps = inc.AffectedComponents()
		if len(comps) == 0 {
			return &sla.InputError{Field: "components", Msg: "the incident impacts no component: name the components"}
		}
	}
	if start.IsZero() {
		start = inc.Opened
	}
	if end.IsZero() {
		if inc.Resolved == nil {
			return &sla.InputError{Field: "end", Msg: "the incident is still open: give the end of the attributed window"}
		}
		end = *inc.Resolved
	}
	if !end.After(start) {
		return &sla.InputError{Field: "end", Msg: fmt.Sprintf("must be after start (%s)", rfc3339(start))}
	}
	now := s.now().UTC().Truncate(time.Second)
	aid := newID("attr-")
	f, err := fact("attribution", aid, now, attributionFact{Type: "attribution", ID: aid, At: rfc3339(now), Components: comps,
		Start: rfc3339(start), End: rfc3339(end), Cause: in.Cause, By: by, Reason: in.Reason, Incident: id})
	if err != nil {
		return err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
		return err
	}
	s.log.Info("attribution", "incident", id, "cause", in.Cause, "by", by, "start", start, "end", end)
	return nil
}

// publishIncident publishes an incident event. The facts are written
// already, so a failure to queue the notifications is logged, not
// returned: answering an error would invite the client to open the
// incident twice.
func (s *Server) publishIncident(ctx context.Context, ev Event) {
	// Absolute when the public address is configured, so that a message
	// links to the page.
	ev.URL = s.Config().Server.PublicURL + "/incidents/" + ev.Incident
	if err := s.publish(ctx, ev); err != nil {
		s.log.Error("publish incident event: subscribers are not told", "event", ev.ID, "err", err)
	}
}

// who is the name of the token or user that authorised the request.
func who(r *http.Request) string {
	by, _ := r.Context().Value(tokenNameKey).(string)
	return by
}

// handleCreateIncident opens an incident.
func (s *Server) handleCreateIncident() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in openInput
		if err := decodeBody(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		id, err := s.openIncident(r.Context(), who(r), in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.showIncident(w, r, id)
	})
}

func (s *Server) handleIncidentUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in updateInput
		if err := decodeBody(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		id := r.PathValue("id")
		if err := s.updateIncident(r.Context(), who(r), id, in); err != nil {
			s.failIncident(w, r, err)
			return
		}
		s.showIncident(w, r, id)
	})
}

// handleIncidentAttribution records an audited attribution; the token's
// or user's name is who decided.
func (s *Server) handleIncidentAttribution() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in attributionInput
		if err := decodeBody(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		id := r.PathValue("id")
		if err := s.attributeIncident(r.Context(), who(r), id, in); err != nil {
			s.failIncident(w, r, err)
			return
		}
		s.showIncident(w, r, id)
	})
}

func (s *Server) handleIncidents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := s.incidentEvidence(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"incidents": incident.Fold(ev)})
	})
}

func (s *Server) handleIncident() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		inc, err := s.findIncident(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if inc == nil {
			notFoundIncident(w, id)
			return
		}
		writeJSON(w, http.StatusOK, inc)
	})
}
