package sla

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// The incident update statuses that matter to obligations.
const (
	IncidentResolved   = "resolved"
	IncidentPostmortem = "postmortem"
)

// EvaluateIncident computes the obligations of one incident as of asOf.
// updates and postmortems are the incident's facts in any order; updates are
// sorted stably by At (ties keep their input order) and facts after asOf are
// ignored, as they have not happened yet. A nil r yields no obligations.
//
//   - Resolution. An update with Status "resolved" resolves the incident; a
//     later update with status investigating, identified or monitoring
//     reopens it; "update" (a message only) changes nothing. The incident is
//     resolved at the update that began the resolution still in force at
//     asOf; Resolved is nil while it is open.
//   - update_every, when r.UpdateEvery has a target for the severity: each
//     gap while the incident is open must be at most the target in business
//     time of the target's calendar: from the opening to the first update,
//     between updates, and from the last one to the resolution, or to asOf
//     while open. A reopening update starts a new gap; updates while resolved
//     do not count. A gap is met when it ends at or before its deadline
//     (calendar Add of the target from its start); an open gap is breached
//     only when asOf ≥ its deadline and pending before. The result reports
//     Cycles, Breaches, UsedMinutes of the longest gap, the deadline of the
//     first breached gap or else of the last one, and AchievedAt, the end of
//     the last gap when it is closed.
//   - postmortem, when r.Postmortem is set, the incident is resolved and
//     r.PostmortemSeverities is empty or holds its severity: deadline is the
//     calendar Add of the duration from the resolution. It is met when the
//     first post-mortem (by At) was published at or before the deadline,
//     breached when later or when none is published by asOf ≥ deadline, and
//     pending otherwise. UsedMinutes is the business time from the
//     resolution to the publication (or asOf), 0 when published before it.
//
// Components lists the ids of the incident's components sorted. Facts list
// the incident id and the ids of the updates and post-mortems that decided.
// EvaluateIncident returns an error, naming the fact, for an update or a
// post-mortem of another incident or dated before the incident's opening,
// and when asOf is before the opening.
func EvaluateIncident(inc *Incident, updates []*IncidentUpdate, postmortems []*Postmortem, r *IncidentRules, asOf time.Time) (*IncidentReport, error) {
	if inc == nil {
		return nil, &InputError{Msg: "incident: missing incident"}
	}
	if asOf.Before(inc.At) {
		return nil, &InputError{Field: "at", Msg: fmt.Sprintf("incident %s: opened at %s, after the evaluation time %s",
			inc.ID, oblTime(inc.At), oblTime(asOf))}
	}
	var ups []*IncidentUpdate
	for _, u := range updates {
		if u == nil {
			return nil, &InputError{Msg: fmt.Sprintf("incident %s: missing update", inc.ID)}
		}
		if u.Incident != inc.ID {
			return nil, &InputError{Field: "incident", Msg: fmt.Sprintf("incident update %s: belongs to incident %q, not %q", u.ID, u.Incident, inc.ID)}
		}
		if u.At.Before(inc.At) {
			return nil, &InputError{Field: "at", Msg: fmt.Sprintf("incident update %s: at %s is before incident %s was opened at %s",
				u.ID, oblTime(u.At), inc.ID, oblTime(inc.At))}
		}
		if !u.At.After(asOf) {
			ups = append(ups, u)
		}
	}
	slices.SortStableFunc(ups, func(a, b *IncidentUpdate) int { return a.At.Compare(b.At) })
	var first *Postmortem
	for _, p := range postmortems {
		if p == nil {
			return nil, &InputError{Msg: fmt.Sprintf("incident %s: missing post-mortem", inc.ID)}
		}
		if p.Incident != inc.ID {
			return nil, &InputError{Field: "incident", Msg: fmt.Sprintf("postmortem %s: belongs to incident %q, not %q", p.ID, p.Incident, inc.ID)}
		}
		if p.At.Before(inc.At) {
			return nil, &InputError{Field: "at", Msg: fmt.Sprintf("postmortem %s: at %s is before incident %s was opened at %s",
				p.ID, oblTime(p.At), inc.ID, oblTime(inc.At))}
		}
		if !p.At.After(asOf) && (first == nil || p.At.Before(first.At)) {
			first = p
		}
	}

	rep := &IncidentReport{
		Incident:    inc.ID,
		Severity:    inc.Severity,
		Components:  slices.Sorted(maps.Keys(inc.Components)),
		Opened:      inc.At.UTC(),
		Obligations: []*TargetResult{},
	}
	if rep.Components == nil {
		rep.Components = []string{}
	}

	// Replay the updates: the gaps while open and the resolution.
	type gap struct {
		start, end time.Time
		from, to   string // fact ids; to is empty for a gap open at asOf
	}
	var gaps []gap
	open, start, from := true, inc.At, inc.ID
	var resolved *IncidentUpdate
	for _, u := range ups {
		switch {
		case open:
			gaps = append(gaps, gap{start: start, end: u.At, from: from, to: u.ID})
			if u.Status == IncidentResolved {
				open, resolved = false, u
			} else {
				start, from = u.At, u.ID
			}
		case reopens(u.Status):
			open, resolved = true, nil
			start, from = u.At, u.ID
		}
	}
	if open {
		gaps = append(gaps, gap{start: start, end: asOf, from: from})
	}
	if resolved != nil {
		at := resolved.At.UTC()
		rep.Resolved = &at
	}
	if r == nil {
		return rep, nil
	}

	if tg := r.UpdateEvery[inc.Severity]; tg != nil {
		cal := targetCalendar(tg)
		cs := make([]oblCycle, 0, len(gaps))
		facts := []string{inc.ID}
		for _, g := range gaps {
			deadline, err := cal.Add(g.start, tg.Duration)
			if err != nil {
				return nil, fmt.Errorf("incident %s: update deadline in calendar %s: %w", inc.ID, cal.Name(), err)
			}
			c := oblCycle{target: tg, deadline: deadline, used: cal.Elapsed(g.start, g.end), end: g.end, done: g.to != ""}
			switch {
			case c.done && !g.end.After(deadline):
				c.state = TargetMet
			case c.done || !asOf.Before(deadline):
				c.state = TargetBreached
			default:
				c.state = TargetPending
			}
			cs = append(cs, c)
			for _, id := range []string{g.from, g.to} {
				if id != "" && !slices.Contains(facts, id) {
					facts = append(facts, id)
				}
			}
		}
		res := oblRecurring(MetricUpdateEvery, cs)
		res.Facts = facts
		rep.Obligations = append(rep.Obligations, res)
	}

	if pm := r.Postmortem; pm != nil && resolved != nil && (len(r.PostmortemSeverities) == 0 || r.PostmortemSeverities[inc.Severity]) {
		cal := targetCalendar(pm)
		deadline, err := cal.Add(resolved.At, pm.Duration)
		if err != nil {
			return nil, fmt.Errorf("incident %s: post-mortem deadline in calendar %s: %w", inc.ID, cal.Name(), err)
		}
		res := &TargetResult{
			Metric:        MetricPostmortem,
			TargetMinutes: oblMinutes(pm.Duration),
			Calendar:      cal.Name(),
			Deadline:      deadline.UTC(),
			Facts:         []string{inc.ID, resolved.ID},
		}
		end := asOf
		if first != nil {
			end = first.At
			at := first.At.UTC()
			res.AchievedAt = &at
			res.Facts = append(res.Facts, first.ID)
		}
		res.UsedMinutes = oblMinutes(cal.Elapsed(resolved.At, end))
		switch {
		case first != nil && !first.At.After(deadline):
			res.State = TargetMet
		case first != nil || !asOf.Before(deadline):
			res.State = TargetBreached
		default:
			res.State = TargetPending
		}
		rep.Obligations = append(rep.Obligations, res)
	}
	return rep, nil
}

// oblTime formats t for a message.
func oblTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
