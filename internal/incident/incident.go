// Package incident folds the incident evidence (incident, incident_update,
// attribution and postmortem facts) into the incidents a status page and
// the API show, and lists maintenance windows relative to a given time. It
// is pure: it reads sla.Evidence and does no I/O.
package incident

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// The incident statuses, as incident_update facts name them. StatusUpdate
// is a message only: it changes nothing.
const (
	StatusInvestigating = "investigating"
	StatusIdentified    = "identified"
	StatusMonitoring    = "monitoring"
	StatusResolved      = "resolved"
	StatusUpdate        = "update"
)

// Statuses are the states an incident can be in, in lifecycle order.
var Statuses = []string{StatusInvestigating, StatusIdentified, StatusMonitoring, StatusResolved}

// Incident is one incident as its facts make it up at the end of the
// evidence.
type Incident struct {
	ID       string `json:"id"`
	Title    string `json:"title,omitempty"`
	Severity string `json:"severity,omitempty"`
	// Status is the status of the latest update that set one
	// (investigating when there is none).
	Status string `json:"status"`
	// Components are the current impacts: the opening's, replaced by each
	// update that gives components. A resolved incident keeps its last
	// impacts for display; the engine counts none after the resolution.
	Components map[string]sla.Status `json:"components"`
	Cause      sla.Cause             `json:"cause,omitempty"`
	Opened     time.Time             `json:"opened"`
	// Resolved is the time of the resolution in force; nil while open.
	Resolved     *time.Time    `json:"resolved,omitempty"`
	Updates      []Update      `json:"updates"`
	Attributions []Attribution `json:"attributions"`
	Postmortems  []Postmortem  `json:"postmortems"`

	// opened are the impacts the incident was opened with.
	opened map[string]sla.Status
}

// Update is one public update on an incident.
type Update struct {
	ID         string                `json:"id"`
	At         time.Time             `json:"at"`
	Status     string                `json:"status"`
	Message    string                `json:"message,omitempty"`
	Components map[string]sla.Status `json:"components,omitempty"`
}

// Attribution is an operator's audited decision about the cause of the
// downtime of some of the incident's components.
type Attribution struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Cause      sla.Cause `json:"cause"`
	By         string    `json:"by"`
	Reason     string    `json:"reason"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Components []string  `json:"components"`
}

// Postmortem is the publication of the incident's post-mortem.
type Postmortem struct {
	ID  string    `json:"id"`
	At  time.Time `json:"at"`
	URL string    `json:"url,omitempty"`
	// Title and Summary are the post-mortem's text when the status page
	// hosts it; Summary is plain text, paragraphs separated by blank lines.
	Title   string `json:"title,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// Fold builds every incident of the evidence, newest (by opening) first;
// ties are ordered by id. Updates, attributions and post-mortems are in
// time order (ties keep the evidence's order); ones that name an incident
// not in the evidence are ignored.
func Fold(ev *sla.Evidence) []*Incident {
	if ev == nil {
		return []*Incident{}
	}
	byID := make(map[string]*Incident, len(ev.Incidents))
	out := make([]*Incident, 0, len(ev.Incidents))
	for _, in := range ev.Incidents {
		if in == nil || byID[in.ID] != nil {
			continue
		}
		inc := &Incident{ID: in.ID, Title: in.Title, Severity: in.Severity, Status: StatusInvestigating,
			Components: maps.Clone(in.Components), Cause: in.Cause, Opened: in.At, opened: in.Components,
			Updates: []Update{}, Attributions: []Attribution{}, Postmortems: []Postmortem{}}
		if inc.Components == nil {
			inc.Components = map[string]sla.Status{}
		}
		byID[in.ID] = inc
		out = append(out, inc)
	}
	for _, u := range ev.IncidentUpdates {
		if inc := byID[u.Incident]; u != nil && inc != nil {
			inc.Updates = append(inc.Updates, Update{ID: u.ID, At: u.At, Status: u.Status, Message: u.Message, Components: maps.Clone(u.Components)})
		}
	}
	for _, a := range ev.Attributions {
		if inc := byID[a.Incident]; a != nil && inc != nil {
			inc.Attributions = append(inc.Attributions, Attribution{ID: a.ID, At: a.At, Cause: a.Cause, By: a.By, Reason: a.Reason,
				Start: a.Start, End: a.End, Components: slices.Clone(a.Components)})
		}
	}
	for _, pm := range ev.Postmortems {
		if inc := byID[pm.Incident]; pm != nil && inc != nil {
			inc.Postmortems = append(inc.Postmortems, Postmortem{ID: pm.ID, At: pm.At, URL: pm.URL, Title: pm.Title, Summary: pm.Summary})
		}
	}
	for _, inc := range out {
		slices.SortStableFunc(inc.Updates, func(a, b Update) int { return a.At.Compare(b.At) })
		slices.SortStableFunc(inc.Attributions, func(a, b Attribution) int { return a.At.Compare(b.At) })
		slices.SortStableFunc(inc.Postmortems, func(a, b Postmortem) int { return a.At.Compare(b.At) })
		for _, u := range inc.Updates {
			if u.Components != nil {
				inc.Components = maps.Clone(u.Components)
			}
			switch {
			case u.Status == StatusResolved:
				if inc.Resolved == nil {
					at := u.At
					inc.Resolved = &at
				}
				inc.Status = u.Status
			case u.Status == StatusInvestigating || u.Status == StatusIdentified || u.Status == StatusMonitoring:
				// A later update with another status reopens it.
				inc.Resolved = nil
				inc.Status = u.Status
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Incident) int {
		if c := b.Opened.Compare(a.Opened); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Find returns the incident with the id, or nil.
func Find(incs []*Incident, id string) *Incident {
	for _, in := range incs {
		if in.ID == id {
			return in
		}
	}
	return nil
}

// AffectedComponents lists, sorted, every component the incident impacted
// at its opening or in any update: the default scope of an attribution.
func (inc *Incident) AffectedComponents() []string {
	set := map[string]bool{}
	for c := range inc.opened {
		set[c] = true
	}
	for c := range inc.Components {
		set[c] = true
	}
	for _, u := range inc.Updates {
		for c := range u.Components {
			set[c] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// The maintenance window states relative to a time.
const (
	Upcoming = "upcoming"
	Ongoing  = "ongoing"
	Past     = "past"
)

// MaintenanceWindow is a maintenance fact as a status page shows it.
type MaintenanceWindow struct {
	ID          string    `json:"id"`
	Title       string    `json:"title,omitempty"`
	Components  []string  `json:"components"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	AnnouncedAt time.Time `json:"announced_at"`
	// Series is the maintenance series the window is an occurrence of.
	Series string `json:"series,omitempty"`
	// CancelledAt is set when the window was cancelled while running; End
	// is then the cancellation.
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	// State is upcoming (now before Start), ongoing (Start ≤ now < End) or
	// past (End ≤ now).
	State string `json:"state"`
}

// Maintenance lists the evidence's maintenance windows relative to now:
// the upcoming ones first (soonest first), then the ongoing ones, then the
// past ones (most recent first). A window cancelled before its start is
// left out; one cancelled while running ends at the cancellation.
func Maintenance(ev *sla.Evidence, now time.Time) []MaintenanceWindow {
	out := []MaintenanceWindow{}
	if ev == nil {
		return out
	}
	for _, m := range ev.Maintenance {
		if m == nil {
			continue
		}
		m, ok := m.InForce()
		if !ok {
			continue
		}
		w := MaintenanceWindow{ID: m.ID, Title: m.Title, Components: slices.Clone(m.Components),
			Start: m.Start, End: m.End, AnnouncedAt: m.AnnouncedAt, Series: m.Series, State: windowState(m.Start, m.End, now)}
		if !m.CancelledAt.IsZero() && m.CancelledAt.Equal(m.End) {
			at := m.CancelledAt
			w.CancelledAt = &at
		}
		out = append(out, w)
	}
	rank := map[string]int{Upcoming: 0, Ongoing: 1, Past: 2}
	slices.SortStableFunc(out, func(a, b MaintenanceWindow) int {
		if c := cmp.Compare(rank[a.State], rank[b.State]); c != 0 {
			return c
		}
		var c int
		if a.State == Past {
			c = b.End.Compare(a.End)
		} else {
			c = a.Start.Compare(b.Start)
		}
		if c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

func windowState(start, end, now time.Time) string {
	switch {
	case now.Before(start):
		return Upcoming
	case now.Before(end):
		return Ongoing
	}
	return Past
}

// NoticeWarnings says, one line per plan, when a maintenance window on the
// components announced at announced comes too late to excuse downtime:
// for every plan of every policy that covers one of the components, in a
// version in force at some point of [start, end), whose maintenance notice
// (overrides included) is not met, as the engine decides it (announced
// after start − notice). Sorted; nil when every notice is met.
func NoticeWarnings(policies []*sla.Policy, components []string, start, end, announced time.Time) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, v := range versionsInForce(p.Versions, start, end) {
			plans := make([]*sla.Plan, 0, len(v.Plans)+len(v.Overrides))
			for _, id := range v.PlanOrder {
				if pl := v.Plans[id]; pl != nil {
					plans = append(plans, pl)
				}
			}
			for _, o := range v.Overrides {
				if o != nil && o.Plan != nil {
					plans = append(plans, o.Plan)
				}
			}
			for i, pl := range plans {
				if !covers(pl, components) || !announced.After(start.Add(-pl.MaintenanceNotice)) {
					continue
				}
				name := pl.ID
				if i >= len(v.PlanOrder) {
					name = pl.ID + " (override " + v.Overrides[i-len(v.PlanOrder)].Customer + ")"
				}
				msg := fmt.Sprintf("policy %s, version %s, plan %s requires a maintenance notice of %s: announced at %s, the window starting %s will not excuse downtime under that plan",
					p.ID, v.ID, name, noticeText(pl.MaintenanceNotice), announced.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
				if !seen[msg] {
					seen[msg] = true
					out = append(out, msg)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// versionsInForce are the versions in force at start and those that take
// effect before end (versions are sorted by Effective).
func versionsInForce(vs []*sla.Version, start, end time.Time) []*sla.Version {
	var out []*sla.Version
	for i, v := range vs {
		if v == nil || !v.Effective.Before(end) {
			continue
		}
		// Superseded at or before start: not in force in the window.
		if i+1 < len(vs) && vs[i+1] != nil && !vs[i+1].Effective.After(start) {
			continue
		}
		out = append(out, v)
	}
	return out
}

func covers(pl *sla.Plan, components []string) bool {
	for _, c := range components {
		if slices.Contains(pl.Components, c) {
			return true
		}
	}
	return false
}

// noticeText words a notice as "48h", "90m" or "1h30m".
func noticeText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
