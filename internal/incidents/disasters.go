package incidents

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// DisasterInput declares a disaster: the start of the recovery-time
// clock of the plans whose recovery objectives cover its component (all
// of them when it names none). At defaults to now.
type DisasterInput struct {
	Title     string `json:"title"`
	Component string `json:"component"`
	At        string `json:"at"`
}

// RestoredInput ends a disaster's clock. At defaults to now.
type RestoredInput struct {
	At string `json:"at"`
}

// Disaster is a declared disaster with its recovery so far, and per plan
// whose recovery objectives cover it how it stands against them.
type Disaster struct {
	ID        string     `json:"id"`
	Title     string     `json:"title,omitempty"`
	Component string     `json:"component,omitempty"`
	Declared  time.Time  `json:"declared"`
	Restored  *time.Time `json:"restored,omitempty"`
	// RecoveryMinutes is restored − declared, or now − declared while
	// not restored.
	RecoveryMinutes float64 `json:"recovery_minutes"`
	// LastBackup is the last successful backup at or before the
	// declaration (of the component or the whole service), and
	// DataLossMinutes the time from it to the declaration: what a
	// restore from it loses. Absent when there is no such backup.
	LastBackup      *time.Time  `json:"last_backup,omitempty"`
	DataLossMinutes *float64    `json:"data_loss_minutes,omitempty"`
	Objectives      []Objective `json:"objectives"`
}

// Objective is one plan's recovery objectives for a disaster: RTO and
// RPO in minutes (0: none) and their state, met, breached or (RTO of a
// disaster not restored within it yet) running.
type Objective struct {
	Policy     string  `json:"policy"`
	Plan       string  `json:"plan"`
	RTOMinutes float64 `json:"rto_minutes,omitempty"`
	RTO        string  `json:"rto"`
	RPOMinutes float64 `json:"rpo_minutes,omitempty"`
	RPO        string  `json:"rpo"`
}

// The states of an objective.
const (
	ObjectiveMet      = "met"
	ObjectiveBreached = "breached"
	ObjectiveRunning  = "running"
	ObjectiveNone     = "none"
)

// recoveryFactTypes are what the disasters are computed from.
var recoveryFactTypes = []string{"disaster", "restored", "backup"}

// DeclareDisaster writes a disaster fact on behalf of by and returns its
// id. Input errors are *sla.InputError naming the field.
func (s *Service) DeclareDisaster(ctx context.Context, by string, in DisasterInput) (string, error) {
	now := s.now().UTC().Truncate(time.Second)
	at, err := bodyTime("at", in.At)
	if err != nil {
		return "", err
	}
	if at.IsZero() {
		at = now
	}
	if at.After(now) {
		return "", &sla.InputError{Field: "at", Msg: "a disaster is declared when it has happened, not ahead"}
	}
	in.Title = strings.TrimSpace(in.Title)
	if err := required("title", in.Title); err != nil {
		return "", err
	}
	if in.Component != "" && !s.cfg().KnownComponent()(in.Component) {
		return "", &sla.InputError{Field: "component", Msg: fmt.Sprintf("no component %q in the configuration or its policies", in.Component)}
	}
	id := newID("dr-")
	f, err := fact("disaster", id, at, disasterFact{Type: "disaster", ID: id, At: rfc3339(at), Component: in.Component, Title: in.Title})
	if err != nil {
		return "", err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
		return "", err
	}
	s.log.Warn("disaster declared", "disaster", id, "component", in.Component, "at", at, "by", by)
	return id, nil
}

// RestoreDisaster writes the restoration of disaster id on behalf of by.
// An unknown disaster is *sla.NotFoundError, one restored already
// *sla.ConflictError.
func (s *Service) RestoreDisaster(ctx context.Context, by, id string, in RestoredInput) error {
	now := s.now().UTC().Truncate(time.Second)
	at, err := bodyTime("at", in.At)
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = now
	}
	ds, err := s.Disasters(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ds, func(d Disaster) bool { return d.ID == id })
	switch {
	case i < 0:
		return &sla.NotFoundError{Msg: fmt.Sprintf("no disaster %q", id)}
	case ds[i].Restored != nil:
		return &sla.ConflictError{Msg: fmt.Sprintf("disaster %s was restored at %s", id, rfc3339(*ds[i].Restored))}
	case at.Before(ds[i].Declared):
		return &sla.InputError{Field: "at", Msg: fmt.Sprintf("must not be before the declaration (%s)", rfc3339(ds[i].Declared))}
	case at.After(now):
		return &sla.InputError{Field: "at", Msg: "a restoration is recorded when it has happened, not ahead"}
	}
	rid := id + ":restored"
	f, err := fact("restored", rid, at, restoredFact{Type: "restored", ID: rid, Disaster: id, At: rfc3339(at)})
	if err != nil {
		return err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return &sla.ConflictError{Msg: fmt.Sprintf("disaster %s was restored meanwhile", id)}
		}
		return err
	}
	s.log.Warn("disaster restored", "disaster", id, "at", at, "by", by)
	return nil
}

// Disasters are the declared disasters, the latest first, each with its
// recovery as of now computed by the engine (sla.EvaluateRecovery) under
// every plan, overrides included, of the policy versions in force at the
// declaration whose recovery objectives cover the disaster's component.
func (s *Service) Disasters(ctx context.Context) ([]Disaster, error) {
	ev, err := s.parseFactsOfType(ctx, recoveryFactTypes)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	policies := s.cfg().Policies
	out := make([]Disaster, 0, len(ev.Disasters))
	for _, d := range ev.Disasters {
		one := Disaster{ID: d.ID, Title: d.Title, Component: d.Component, Declared: d.At, Objectives: []Objective{}}
		// The engine judges a disaster declared within the period: this
		// one, in a period of its own second.
		period := timeline.NewInterval(d.At, d.At.Add(time.Second))
		comps := []string{d.Component}
		if d.Component == "" {
			comps = nil
		}
		base := sla.EvaluateRecovery("", &sla.Recovery{}, period, ev, comps, now)
		if r := disasterResult(base, d.ID); r != nil {
			one.Restored, one.RecoveryMinutes, one.DataLossMinutes = r.Restored, r.RecoveryMinutes, r.DataLossMinutes
			if r.DataLossMinutes != nil {
				t := d.At.Add(-time.Duration(*r.DataLossMinutes * float64(time.Minute)))
				one.LastBackup = &t
			}
		}
		for _, p := range policies {
			v := p.VersionAt(d.At)
			if v == nil {
				continue
			}
			for _, pl := range v.AllPlans() {
				if pl.Recovery == nil || (d.Component != "" && !slices.Contains(pl.Components, d.Component)) {
					continue
				}
				rep := sla.EvaluateRecovery(pl.ID, pl.Recovery, period, ev, pl.Components, now)
				r := disasterResult(rep, d.ID)
				if r == nil {
					continue
				}
				o := Objective{Policy: p.ID, Plan: pl.ID, RTOMinutes: r.RTOMinutes, RPOMinutes: r.RPOMinutes, RTO: ObjectiveNone, RPO: ObjectiveNone}
				switch {
				case r.RTOMinutes == 0:
				case r.RTOMet:
					o.RTO = ObjectiveMet
				case r.Restored == nil && r.RecoveryMinutes <= r.RTOMinutes:
					o.RTO = ObjectiveRunning
				default:
					o.RTO = ObjectiveBreached
				}
				switch {
				case r.RPOMinutes == 0:
				case r.RPOMet:
					o.RPO = ObjectiveMet
				default:
					o.RPO = ObjectiveBreached
				}
				if !slices.Contains(one.Objectives, o) {
					one.Objectives = append(one.Objectives, o)
				}
			}
		}
		out = append(out, one)
	}
	slices.SortStableFunc(out, func(a, b Disaster) int { return cmp.Or(b.Declared.Compare(a.Declared), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

func disasterResult(rep *sla.RecoveryReport, id string) *sla.DisasterResult {
	if rep == nil {
		return nil
	}
	for _, r := range rep.Disasters {
		if r.Disaster == id {
			return r
		}
	}
	return nil
}

// The facts of disasters, in the wire format of docs/facts.md.
type (
	disasterFact struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		At        string `json:"at"`
		Component string `json:"component,omitempty"`
		Title     string `json:"title,omitempty"`
	}
	restoredFact struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Disaster string `json:"disaster"`
		At       string `json:"at"`
	}
)
