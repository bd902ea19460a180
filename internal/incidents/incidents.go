// Package incidents is the service behind incidents, maintenance and
// their obligations: it checks what operators submit (from the API or the
// operator pages alike), writes the facts, publishes the events, opens
// incidents on confirmed outages of components configured so, and runs
// the maintenance and reminder loops. What the facts mean is folded by
// the pure package incident; this one does the I/O around it.
package incidents

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Store is what the service reads and writes: facts.
type Store interface {
	AppendFacts(ctx context.Context, fs []store.Fact) error
	Facts(ctx context.Context, from, to time.Time) ([]store.Fact, error)
	FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error)
}

var _ Store = (store.Store)(nil)

// Publisher tells subscribers and operators of an event (outbox.Service).
// PublishFacts stores the facts that record the event with its
// notifications, in one transaction.
type Publisher interface {
	Publish(ctx context.Context, ev outbox.Event) error
	PublishFacts(ctx context.Context, fs []store.Fact, ev outbox.Event) error
}

// Options are the service's dependencies.
type Options struct {
	Store     Store
	Config    func() *config.Config
	Now       func() time.Time
	Logger    *slog.Logger
	Publisher Publisher
}

// Service is the incidents, maintenance and obligations of one server.
type Service struct {
	store Store
	cfg   func() *config.Config
	now   func() time.Time
	log   *slog.Logger
	pub   Publisher
}

// New returns the service; its loops run from Run.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Config == nil || o.Now == nil || o.Logger == nil || o.Publisher == nil {
		return nil, errors.New("incidents: store, config, clock, logger and publisher are required")
	}
	return &Service{store: o.Store, cfg: o.Config, now: o.Now, log: o.Logger, pub: o.Publisher}, nil
}

// newID is prefix and 8 random bytes in hex.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
}

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

// FactTypes are the fact types of incidents and maintenance: what the
// incident API folds and what the status page shows besides the status
// facts. Series and cancellations belong with the windows, or a
// cancelled window would still show.
var FactTypes = []string{"attribution", "incident", "incident_update", "maintenance", "maintenance_cancel", "maintenance_series", "postmortem"}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

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

// Evidence parses the stored incident and maintenance facts.
func (s *Service) Evidence(ctx context.Context) (*sla.Evidence, error) {
	fs, err := s.store.Facts(ctx, time.Unix(0, 0), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	var b bytes.Buffer
	for _, f := range fs {
		if slices.Contains(FactTypes, f.Type) {
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

// Find folds the stored facts and returns the incident, or nil.
func (s *Service) Find(ctx context.Context, id string) (*incident.Incident, error) {
	ev, err := s.Evidence(ctx)
	if err != nil {
		return nil, err
	}
	return incident.Find(incident.Fold(ev), id), nil
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

// OpenInput is an incident's opening, from the API or the operator UI.
type OpenInput struct {
	Title      string            `json:"title"`
	Severity   string            `json:"severity"`
	Status     string            `json:"status"`
	Components map[string]string `json:"components"`
	Cause      string            `json:"cause"`
	Message    string            `json:"message"`
	// Started is when the incident began, RFC 3339, when that is earlier
	// than its opening: the outage a monitor confirmed before anyone
	// opened it. Empty means now; at most MaxBackdate ago.
	Started string `json:"started"`
}

// MaxBackdate is how far back an incident's start may be set: far enough
// for an outage noticed late, not so far that a typo rewrites a month.
const MaxBackdate = 7 * 24 * time.Hour

// UpdateInput is a public update of an incident.
type UpdateInput struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	// Components replace the incident's impacts when not nil; empty puts
	// every component back to operational.
	Components map[string]string `json:"components"`
}

// AttributionInput is an operator's decision on the cause of an
// incident's downtime. Empty Start, End and nil Components default to the
// incident's opening, resolution and affected components.
type AttributionInput struct {
	Cause      string   `json:"cause"`
	Reason     string   `json:"reason"`
	Start      string   `json:"start"`
	End        string   `json:"end"`
	Components []string `json:"components"`
}

// Open writes an incident fact, and an incident_update fact when
// the opening carries a message or a status other than investigating, and
// publishes the opening. by is who opened it (logged).
func (s *Service) Open(ctx context.Context, by string, in OpenInput) (string, error) {
	if in.Status == "" {
		in.Status = incident.StatusInvestigating
	}
	// Every field's error is returned (joined): the API shows the first,
	// a form shows each at its field.
	impacts, err := incident.Impacts("components", in.Components, s.cfg().KnownComponent(), true)
	now := s.now().UTC().Truncate(time.Second)
	started, errStarted := bodyTime("started", in.Started)
	switch {
	case errStarted != nil:
	case started.After(now):
		errStarted = &sla.InputError{Field: "started", Msg: fmt.Sprintf("is after now (%s): an incident cannot start in the future", rfc3339(now))}
	case !started.IsZero() && now.Sub(started) > MaxBackdate:
		errStarted = &sla.InputError{Field: "started", Msg: fmt.Sprintf("is more than %s before now: record older downtime as status facts or an attribution", MaxBackdate)}
	}
	if err = errors.Join(err, required("title", in.Title), checkSeverity("severity", in.Severity, s.cfg().Incidents.Severities),
		incident.CheckStatus("status", in.Status, incident.ValidOpenStatus, "investigating, identified or monitoring"),
		incident.CheckCause("cause", in.Cause, true), errStarted); err != nil {
		return "", err
	}
	if !started.IsZero() {
		// The incident, its opening message and its notification are
		// dated at its start: the evidence says when it began.
		now = started
	}
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
	if err := s.storeIncident(ctx, fs, outbox.Event{ID: outbox.EventIncidentCreated + ":" + id, Kind: outbox.EventIncidentCreated, At: now, Title: in.Title,
		Message: in.Message, Status: in.Status, Severity: in.Severity, Incident: id, Components: slices.Sorted(maps.Keys(impacts))}); err != nil {
		return "", err
	}
	s.log.Info("incident opened", "incident", id, "severity", in.Severity, "by", by)
	return id, nil
}

// Update writes a public update of incident id and publishes it
// (as a resolution when its status is resolved).
func (s *Service) Update(ctx context.Context, by, id string, in UpdateInput) error {
	var impacts map[string]sla.Status
	var impErr error
	if in.Components != nil {
		impacts, impErr = incident.Impacts("components", in.Components, s.cfg().KnownComponent(), false)
	}
	if err := errors.Join(
		incident.CheckStatus("status", in.Status, incident.ValidUpdateStatus, "investigating, identified, monitoring, update or resolved"),
		required("message", in.Message), impErr); err != nil {
		return err
	}
	inc, err := s.Find(ctx, id)
	if err != nil {
		return err
	}
	if inc == nil {
		return &sla.NotFoundError{Msg: fmt.Sprintf("no incident %q", id)}
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
	kind := outbox.EventIncidentUpdated
	if in.Status == incident.StatusResolved {
		kind = outbox.EventIncidentResolved
	}
	if err := s.storeIncident(ctx, []store.Fact{f}, outbox.Event{ID: kind + ":" + uid, Kind: kind, At: now, Title: inc.Title, Message: in.Message,
		Status: in.Status, Severity: inc.Severity, Incident: id, Components: comps}); err != nil {
		return err
	}
	s.log.Info("incident updated", "incident", id, "status", in.Status, "by", by)
	return nil
}

// Attribute records who (by) decided the cause of an incident's
// downtime, and why: an audited fact, since it changes what customers are
// owed. By default it covers every component the incident impacted, from
// its opening to its resolution.
func (s *Service) Attribute(ctx context.Context, by, id string, in AttributionInput) error {
	start, err1 := bodyTime("start", in.Start)
	end, err2 := bodyTime("end", in.End)
	var compErr error
	if in.Components != nil {
		compErr = incident.Components("components", in.Components, s.cfg().KnownComponent())
	}
	if err := errors.Join(incident.CheckCause("cause", in.Cause, false), required("reason", in.Reason), err1, err2, compErr); err != nil {
		return err
	}
	if by == "" {
		return errors.New("attribution: no token or user name in the request context")
	}
	inc, err := s.Find(ctx, id)
	if err != nil {
		return err
	}
	if inc == nil {
		return &sla.NotFoundError{Msg: fmt.Sprintf("no incident %q", id)}
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

// storeIncident writes an incident's facts fs and the notifications of
// their event ev in one transaction (outbox.PublishFacts): a crash cannot
// store the one without the other, and an error means neither is stored.
func (s *Service) storeIncident(ctx context.Context, fs []store.Fact, ev outbox.Event) error {
	// Absolute when the public address is configured, so that a message
	// links to the page.
	ev.URL = s.cfg().Server.PublicURL + "/incidents/" + ev.Incident
	return s.pub.PublishFacts(ctx, fs, ev)
}
