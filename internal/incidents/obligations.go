package incidents

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// Obligation is one thing the policies oblige the operators to do for an
// incident, and by when: a public update (update_every, one per gap
// between updates) or the post-mortem.
type Obligation struct {
	Incident string    `json:"incident"`
	Title    string    `json:"title,omitempty"`
	Severity string    `json:"severity,omitempty"`
	Metric   string    `json:"metric"`
	Due      time.Time `json:"due"`
	// Met is true once done (MetAt), in time or late; Overdue once the due
	// time passed without it being done in time.
	Met     bool      `json:"met"`
	Overdue bool      `json:"overdue"`
	MetAt   time.Time `json:"met_at,omitzero"`
}

// incidentOnlyTypes are the fact types of incidents. Reading only them
// spares the reminder loop and the outage path the status facts, which
// outnumber them by far.
var incidentOnlyTypes = []string{"incident", "incident_update", "attribution", "postmortem"}

// obligationHistory is how long after its resolution an incident's met
// obligations are still listed.
const obligationHistory = 30 * 24 * time.Hour

// Obligations lists the obligations of the incidents open at now or
// resolved within obligationHistory, plus every unmet post-mortem,
// computed by the engine (sla.EvaluateIncident) under the incident rules of
// every plan covering the incident's components in the policy version in
// force at its opening. For update_every, each gap between updates is its
// own obligation: the current one, and those that were missed. When
// several plans oblige the same thing, it is listed once, with the earliest
// due time. Sorted by due time.
func (s *Service) Obligations(ctx context.Context, now time.Time) ([]Obligation, error) {
	ev, err := s.parseFactsOfType(ctx, incidentOnlyTypes)
	if err != nil {
		return nil, err
	}
	updates := map[string][]*sla.IncidentUpdate{}
	for _, u := range ev.IncidentUpdates {
		updates[u.Incident] = append(updates[u.Incident], u)
	}
	pms := map[string][]*sla.Postmortem{}
	for _, p := range ev.Postmortems {
		pms[p.Incident] = append(pms[p.Incident], p)
	}
	folded := map[string]*incident.Incident{}
	for _, f := range incident.Fold(ev) {
		folded[f.ID] = f
	}
	policies := s.cfg().Policies
	type key struct{ incident, metric string }
	best := map[key]Obligation{}
	add := func(o Obligation, start time.Time) {
		k := key{o.Incident, o.Metric + "@" + start.UTC().Format(time.RFC3339)}
		if prev, ok := best[k]; !ok || o.Due.Before(prev.Due) {
			best[k] = o
		}
	}
	for _, in := range ev.Incidents {
		if in.At.After(now) {
			continue
		}
		comps := in.Components
		if f := folded[in.ID]; f != nil {
			comps = map[string]sla.Status{}
			for _, c := range f.AffectedComponents() {
				comps[c] = sla.MajorOutage
			}
		}
		for _, rules := range incidentRules(policies, in.At, comps) {
			rep, err := sla.EvaluateIncident(in, updates[in.ID], pms[in.ID], rules, now)
			if err != nil {
				// One incident's bad facts must not hide the others'
				// obligations.
				s.log.Error("obligations", "incident", in.ID, "err", err)
				continue
			}
			recent := rep.Resolved == nil || now.Sub(*rep.Resolved) <= obligationHistory
			for _, r := range rep.Obligations {
				o := Obligation{Incident: in.ID, Title: in.Title, Severity: in.Severity, Metric: r.Metric, Due: r.Deadline,
					Met: r.AchievedAt != nil, Overdue: r.State == sla.TargetBreached}
				if r.AchievedAt != nil {
					o.MetAt = *r.AchievedAt
				}
				switch r.Metric {
				case sla.MetricPostmortem:
					if recent || !o.Met {
						add(o, time.Time{})
					}
				case sla.MetricUpdateEvery:
					if !recent {
						continue
					}
					cycles, err := updateCycles(in, updates[in.ID], rules, now)
					if err != nil {
						s.log.Error("obligations", "incident", in.ID, "err", err)
						continue
					}
					for _, c := range cycles {
						add(c.Obligation, c.start)
					}
				}
			}
		}
	}
	out := make([]Obligation, 0, len(best))
	for _, o := range best {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Obligation) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Incident, b.Incident), cmp.Compare(a.Metric, b.Metric))
	})
	return out, nil
}

// incidentRules are the incident rules of every plan (overrides included)
// of the policy versions in force at t that cover one of comps.
func incidentRules(policies []*sla.Policy, t time.Time, comps map[string]sla.Status) []*sla.IncidentRules {
	var out []*sla.IncidentRules
	for _, p := range policies {
		v := p.VersionAt(t)
		if v == nil {
			continue
		}
		for _, pl := range v.AllPlans() {
			if pl.Incidents == nil || !slices.ContainsFunc(pl.Components, func(c string) bool { _, ok := comps[c]; return ok }) {
				continue
			}
			if !slices.Contains(out, pl.Incidents) {
				out = append(out, pl.Incidents)
			}
		}
	}
	return out
}

type cycle struct {
	Obligation
	start time.Time
}

// updateCycles splits an incident's update_every obligation into its gaps,
// as EvaluateIncident replays them (from the opening or an update, while
// open, to the next update or the resolution), and has the engine judge
// each gap alone: an incident "opened" at the gap's start whose only update
// closes the gap. It returns the gaps that were missed and the last one
// while the incident is open.
func updateCycles(in *sla.Incident, updates []*sla.IncidentUpdate, rules *sla.IncidentRules, now time.Time) ([]cycle, error) {
	if rules.UpdateEvery[in.Severity] == nil {
		return nil, nil
	}
	var ups []*sla.IncidentUpdate
	for _, u := range updates {
		if !u.At.After(now) {
			ups = append(ups, u)
		}
	}
	slices.SortStableFunc(ups, func(a, b *sla.IncidentUpdate) int { return a.At.Compare(b.At) })
	type gap struct {
		start time.Time
		end   *sla.IncidentUpdate // nil while open at now
	}
	var gaps []gap
	open, start := true, in.At
	for _, u := range ups {
		switch {
		case open:
			gaps = append(gaps, gap{start: start, end: u})
			if u.Status == incident.StatusResolved {
				open = false
			} else {
				start = u.At
			}
		case u.Status == incident.StatusInvestigating || u.Status == incident.StatusIdentified || u.Status == incident.StatusMonitoring:
			open, start = true, u.At
		}
	}
	if open {
		gaps = append(gaps, gap{start: start})
	}
	only := &sla.IncidentRules{UpdateEvery: rules.UpdateEvery}
	var out []cycle
	for i, g := range gaps {
		one := &sla.Incident{ID: in.ID, At: g.start, Severity: in.Severity, Components: in.Components}
		var closing []*sla.IncidentUpdate
		if g.end != nil {
			closing = []*sla.IncidentUpdate{{ID: g.end.ID, Incident: in.ID, At: g.end.At, Status: incident.StatusResolved}}
		}
		rep, err := sla.EvaluateIncident(one, closing, nil, only, now)
		if err != nil {
			return nil, fmt.Errorf("update obligation of incident %s: %w", in.ID, err)
		}
		for _, r := range rep.Obligations {
			if r.Metric != sla.MetricUpdateEvery {
				continue
			}
			last := i == len(gaps)-1 && open
			if r.State != sla.TargetBreached && !last {
				continue
			}
			o := Obligation{Incident: in.ID, Title: in.Title, Severity: in.Severity, Metric: r.Metric, Due: r.Deadline,
				Met: r.AchievedAt != nil, Overdue: r.State == sla.TargetBreached}
			if r.AchievedAt != nil {
				o.MetAt = *r.AchievedAt
			}
			out = append(out, cycle{Obligation: o, start: g.start})
		}
	}
	return out, nil
}

// obligationEventID is the stable id of a reminder (suffix "/due") or an
// overdue alert (suffix "/overdue") of one obligation.
func obligationEventID(o Obligation, suffix string) string {
	return "obligation:" + o.Incident + ":" + o.Metric + ":" + o.Due.UTC().Format("20060102T150405Z") + suffix
}

// ObligationTick publishes outbox.EventObligationDue for each unmet obligation
// within lead of its due time and outbox.EventObligationOverdue for each one past
// it, once each: sent remembers them here, and the stable ids make the
// outbox drop a repeat after a restart.
func (s *Service) ObligationTick(ctx context.Context, now time.Time, lead time.Duration, sent map[string]bool) error {
	obs, err := s.Obligations(ctx, now)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, o := range obs {
		if o.Met {
			continue
		}
		var ev outbox.Event
		switch {
		case o.Overdue:
			ev = outbox.Event{ID: obligationEventID(o, "/overdue"), Kind: outbox.EventObligationOverdue,
				Message: fmt.Sprintf("Overdue since %s: %s of incident %s.", rfc3339(o.Due), obligationText(o.Metric), o.Incident)}
		case !now.Before(o.Due.Add(-lead)):
			ev = outbox.Event{ID: obligationEventID(o, "/due"), Kind: outbox.EventObligationDue,
				Message: fmt.Sprintf("Due at %s: %s of incident %s.", rfc3339(o.Due), obligationText(o.Metric), o.Incident)}
		default:
			continue
		}
		live[ev.ID] = true
		if sent[ev.ID] {
			continue
		}
		ev.At, ev.Title, ev.Severity, ev.Incident = now, o.Title, o.Severity, o.Incident
		if err := s.pub.Publish(ctx, ev); err != nil {
			s.log.Error("publish obligation event", "id", ev.ID, "err", err)
			continue
		}
		sent[ev.ID] = true
	}
	// What is no longer listed cannot come back under the same id.
	for id := range sent {
		if !live[id] {
			delete(sent, id)
		}
	}
	return nil
}

func obligationText(metric string) string {
	switch metric {
	case sla.MetricUpdateEvery:
		return "a public update"
	case sla.MetricPostmortem:
		return "the post-mortem"
	}
	return metric
}

// obligationLoop sends the obligation reminders every obligationEvery
// until ctx ends.
func (s *Service) obligationLoop(ctx context.Context) {
	const obligationEvery = 30 * time.Second
	t := time.NewTicker(obligationEvery)
	defer t.Stop()
	sent := map[string]bool{}
	for {
		if err := s.ObligationTick(ctx, s.now(), s.cfg().Obligations.RemindBefore, sent); err != nil && ctx.Err() == nil {
			s.log.Error("obligations", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
