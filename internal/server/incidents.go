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
	"net/http"
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

func notFoundIncident(w http.ResponseWriter, id string) {
	writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("no incident %q", id)})
}

// appendAndShow writes facts and answers 201 with the incident folded from
// the store.
func (s *Server) appendAndShow(w http.ResponseWriter, r *http.Request, id string, fs ...store.Fact) {
	if err := s.store.AppendFacts(r.Context(), fs); err != nil {
		s.fail(w, r, err)
		return
	}
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

// handleCreateIncident opens an incident: an incident fact, and an
// incident_update fact when the opening carries a message or a status
// other than investigating.
func (s *Server) handleCreateIncident() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Title      string            `json:"title"`
			Severity   string            `json:"severity"`
			Status     string            `json:"status"`
			Components map[string]string `json:"components"`
			Cause      string            `json:"cause"`
			Message    string            `json:"message"`
		}
		if err := decodeBody(r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		if body.Status == "" {
			body.Status = incident.StatusInvestigating
		}
		impacts, err := incident.Impacts("components", body.Components, s.knownComponent(), true)
		if err == nil {
			err = errors.Join(required("title", body.Title), incident.CheckSeverity("severity", body.Severity),
				incident.CheckStatus("status", body.Status, incident.ValidOpenStatus, "investigating, identified or monitoring"),
				incident.CheckCause("cause", body.Cause, true))
		}
		if err != nil {
			s.fail(w, r, firstInput(err))
			return
		}
		now := s.now().UTC().Truncate(time.Second)
		id := newID("inc-")
		f, err := fact("incident", id, now, incidentFact{Type: "incident", ID: id, At: rfc3339(now), Title: body.Title,
			Severity: body.Severity, Components: impactsWire(impacts), Cause: body.Cause})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		fs := []store.Fact{f}
		if body.Message != "" || body.Status != incident.StatusInvestigating {
			uid := newID(id + ":u-")
			u, err := fact("incident_update", uid, now, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: id,
				At: rfc3339(now), Status: body.Status, Message: body.Message})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			fs = append(fs, u)
		}
		s.appendAndShow(w, r, id, fs...)
	})
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

func (s *Server) handleIncidentUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Status     string            `json:"status"`
			Message    string            `json:"message"`
			Components map[string]string `json:"components"`
		}
		if err := decodeBody(r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		err := errors.Join(
			incident.CheckStatus("status", body.Status, incident.ValidUpdateStatus, "investigating, identified, monitoring, update or resolved"),
			required("message", body.Message))
		var impacts map[string]sla.Status
		if err == nil && body.Components != nil {
			impacts, err = incident.Impacts("components", body.Components, s.knownComponent(), false)
		}
		if err != nil {
			s.fail(w, r, firstInput(err))
			return
		}
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
		now := s.now().UTC().Truncate(time.Second)
		uid := newID(id + ":u-")
		u := incidentUpdateFact{Type: "incident_update", ID: uid, Incident: id, At: rfc3339(now), Status: body.Status, Message: body.Message}
		if body.Components != nil {
			u.Components = impactsWire(impacts)
		}
		f, err := fact("incident_update", uid, now, u)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.appendAndShow(w, r, id, f)
	})
}

// handleIncidentAttribution records who decided the cause of an
// incident's downtime, and why. By default it covers every component the
// incident impacted, from its opening to its resolution.
func (s *Server) handleIncidentAttribution() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Cause      string   `json:"cause"`
			Reason     string   `json:"reason"`
			Start      string   `json:"start"`
			End        string   `json:"end"`
			Components []string `json:"components"`
		}
		if err := decodeBody(r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		start, err1 := bodyTime("start", body.Start)
		end, err2 := bodyTime("end", body.End)
		err := errors.Join(incident.CheckCause("cause", body.Cause, false), required("reason", body.Reason), err1, err2)
		if err == nil && body.Components != nil {
			err = incident.Components("components", body.Components, s.knownComponent())
		}
		if err != nil {
			s.fail(w, r, firstInput(err))
			return
		}
		by, _ := r.Context().Value(tokenNameKey).(string)
		if by == "" {
			s.fail(w, r, errors.New("attribution: no token name in the request context"))
			return
		}
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
		comps := body.Components
		if comps == nil {
			comps = inc.AffectedComponents()
			if len(comps) == 0 {
				s.fail(w, r, &sla.InputError{Field: "components", Msg: "the incident impacts no component: name the components"})
				return
			}
		}
		if start.IsZero() {
			start = inc.Opened
		}
		if end.IsZero() {
			if inc.Resolved == nil {
				s.fail(w, r, &sla.InputError{Field: "end", Msg: "the incident is still open: give the end of the attributed window"})
				return
			}
			end = *inc.Resolved
		}
		if !end.After(start) {
			s.fail(w, r, &sla.InputError{Field: "end", Msg: fmt.Sprintf("must be after start (%s)", rfc3339(start))})
			return
		}
		now := s.now().UTC().Truncate(time.Second)
		aid := newID("attr-")
		f, err := fact("attribution", aid, now, attributionFact{Type: "attribution", ID: aid, At: rfc3339(now), Components: comps,
			Start: rfc3339(start), End: rfc3339(end), Cause: body.Cause, By: by, Reason: body.Reason, Incident: id})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.log.Info("attribution", "incident", id, "cause", body.Cause, "by", by, "start", start, "end", end)
		s.appendAndShow(w, r, id, f)
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
