// Package detect turns check results into component status changes: it
// confirms each monitor's state per location (FailAfter results in a row to
// go down, RecoverAfter to come back) and then applies the monitor's quorum
// across its locations. It is pure: no I/O and no clock; every time it uses
// comes from the results it is fed.
package detect

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// Evidence is one check result cited by a change.
type Evidence struct {
	Monitor  string        `json:"monitor"`
	Location string        `json:"location"`
	At       time.Time     `json:"at"`
	State    monitor.State `json:"state"`
	Message  string        `json:"message,omitempty"`
}

// Change is a monitor's new verdict on its component.
type Change struct {
	Component string
	Monitor   string
	// At is when the new status began according to the results: the first
	// result of the streak that confirmed it (for a quorum, the moment the
	// quorum-th location's streak began), not the moment it was confirmed.
	At     time.Time
	Status sla.Status
	// Evidence lists the results that established the change, oldest first.
	Evidence []Evidence
}

// Source is the status fact source of the change's monitor. Each monitor is
// its own source; the engine merges the sources of a component, the worst
// status winning.
func (c Change) Source() string { return Source(c.Monitor) }

// Source is the status fact source of monitor id.
func Source(id string) string { return "monitor:" + id }

// Fact returns the change as a status fact with the given id. At is in UTC
// and truncated to whole seconds, as the facts format keeps it.
func (c Change) Fact(id string) sla.StatusChange {
	return sla.StatusChange{ID: id, At: c.At.UTC().Truncate(time.Second), Component: c.Component, Status: c.Status, Source: c.Source()}
}

// Streak is a run of consecutive results that satisfy one condition.
type Streak struct {
	Count int       `json:"count"`
	Start time.Time `json:"start"` // the first result of the run
}

func (s *Streak) extend(ok bool, at time.Time) {
	switch {
	case !ok:
		*s = Streak{}
	case s.Count == 0:
		*s = Streak{Count: 1, Start: at}
	default:
		s.Count++
	}
}

// LocationState is what the detector knows of one monitor at one location:
// the confirmed state and the counters that confirm the next one. Snapshot
// and Restore carry it across restarts.
type LocationState struct {
	Monitor  string `json:"monitor"`
	Location string `json:"location"`
	// State is the confirmed state, Since when its confirming streak began.
	State monitor.State `json:"state"`
	Since time.Time     `json:"since"`
	// BadSince is when the location was last confirmed away from up (zero
	// while up): a location down since 10:05 that was degraded from 10:00 has
	// been failing since 10:00.
	BadSince time.Time `json:"bad_since"`
	// Last is the time of the latest result observed; older results are
	// ignored.
	Last time.Time `json:"last"`
	// The runs of consecutive results that are down, not up, not down and
	// up. FailAfter of them confirm a worse state, RecoverAfter a better one.
	Down    Streak `json:"down"`
	NotUp   Streak `json:"not_up"`
	NotDown Streak `json:"not_down"`
	Up      Streak `json:"up"`
	// Recent holds the latest results, as many as the larger threshold; a
	// confirmation cites those of its streak.
	Recent []Evidence `json:"recent,omitempty"`
	// Evidence is the results that confirmed State.
	Evidence []Evidence `json:"evidence,omitempty"`
	// MonitorStatus and MonitorAt are the monitor's status as last reported
	// in a Change and that change's At; they are the same on every location
	// of a monitor.
	MonitorStatus sla.Status `json:"monitor_status"`
	MonitorAt     time.Time  `json:"monitor_at"`
}

// Detector holds the confirmation state of every monitor. It is safe for
// concurrent use; results of one location must still be observed in the
// order of their times (later ones win, earlier ones are ignored).
type Detector struct {
	mu       sync.Mutex
	monitors map[string]*monState
}

type monState struct {
	m         *monitor.Monitor
	locations map[string]*LocationState
	status    sla.Status
	at        time.Time // the At of the last change
}

// New returns a detector for monitors. Every location starts up and every
// monitor operational, so nothing is reported until a failure is confirmed.
func New(monitors []*monitor.Monitor) *Detector {
	d := &Detector{monitors: map[string]*monState{}}
	d.Update(monitors)
	return d
}

// Locations returns the locations that run m: its Locations, or the server
// itself (monitor.LocalLocation) when it has none.
func Locations(m *monitor.Monitor) []string {
	if len(m.Locations) == 0 {
		return []string{monitor.LocalLocation}
	}
	out := slices.Clone(m.Locations)
	slices.Sort(out)
	return slices.Compact(out)
}

// Quorum returns how many of m's locations must agree: m.Quorum, or a
// majority when it is 0, clamped to between 1 and the number of locations.
func Quorum(m *monitor.Monitor) int {
	n := len(Locations(m))
	q := m.Quorum
	if q <= 0 {
		q = n/2 + 1
	}
	return min(max(q, 1), n)
}

// DefaultSilentAfter is how many of its intervals a location may go
// without a result, while another location of the monitor reports, before
// it stops counting (monitor.Monitor.SilentAfter).
const DefaultSilentAfter = 3

// silentAfter is how long a location may lag the newest result of the
// monitor's other locations before it is silent.
func silentAfter(m *monitor.Monitor) time.Duration {
	n := m.SilentAfter
	if n <= 0 {
		n = DefaultSilentAfter
	}
	return time.Duration(n) * m.Interval
}

// active returns the locations that count: all but the silent ones, those
// whose latest result lags the newest of the monitor's results by more
// than silentAfter (an agent that died). A dead agent must not hold a
// monitor down, nor keep a quorum from forming. A location that has not
// reported yet counts, as up: at a start, the first location to report
// must not decide alone.
func (ms *monState) active() []*LocationState {
	var newest time.Time
	for _, ls := range ms.locations {
		if ls.Last.After(newest) {
			newest = ls.Last
		}
	}
	out := make([]*LocationState, 0, len(ms.locations))
	for _, ls := range ms.locations {
		if len(ms.locations) == 1 || ms.m.Interval <= 0 || ls.Last.IsZero() || newest.Sub(ls.Last) <= silentAfter(ms.m) {
			out = append(out, ls)
		}
	}
	return out
}

// quorumOf is the quorum among n counting locations: the monitor's, or a
// majority of them, at most n.
func quorumOf(m *monitor.Monitor, n int) int {
	q := m.Quorum
	if q <= 0 {
		q = n/2 + 1
	}
	return min(max(q, 1), max(n, 1))
}

// Silent returns the locations of monitor id that are silent now (see
// active), sorted.
func (d *Detector) Silent(id string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	ms := d.monitors[id]
	if ms == nil {
		return nil
	}
	act := ms.active()
	var out []string
	for l, ls := range ms.locations {
		if !slices.Contains(act, ls) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func failAfter(m *monitor.Monitor) int    { return max(m.FailAfter, 1) }
func recoverAfter(m *monitor.Monitor) int { return max(m.RecoverAfter, 1) }

// Update replaces the monitors. A new monitor starts operational; a changed
// one keeps the counters of its remaining locations (a new quorum or
// threshold takes effect at its next result). A removed monitor, and one
// whose component, type or target changed (its past results say nothing
// about the new check), report operational if they were not, at the time
// of their latest result: Update returns those changes, and the caller
// records them like those of Observe, or the removed monitor's last status
// would hold for ever.
func (d *Detector) Update(monitors []*monitor.Monitor) []Change {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Change
	keep := map[string]bool{}
	for _, m := range monitors {
		if m == nil {
			continue
		}
		keep[m.ID] = true
		ms := d.monitors[m.ID]
		if ms != nil && (ms.m.Component != m.Component || ms.m.Type != m.Type || ms.m.Target != m.Target) {
			rc := ms.reset()
			out = append(out, rc...)
			// Start afresh, but the source's facts still may not go back
			// in time.
			ms = &monState{locations: map[string]*LocationState{}, status: sla.Operational, at: ms.at}
			if len(rc) > 0 {
				ms.at = rc[0].At
			}
			d.monitors[m.ID] = ms
		}
		if ms == nil {
			ms = &monState{locations: map[string]*LocationState{}, status: sla.Operational}
			d.monitors[m.ID] = ms
		}
		ms.m = m
		locs := Locations(m)
		for l := range ms.locations {
			if !slices.Contains(locs, l) {
				delete(ms.locations, l)
			}
		}
		for _, l := range locs {
			if ms.locations[l] == nil {
				ms.locations[l] = &LocationState{Monitor: m.ID, Location: l, State: monitor.Up}
			}
		}
	}
	for id, ms := range d.monitors {
		if !keep[id] {
			out = append(out, ms.reset()...)
			delete(d.monitors, id)
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return cmp.Compare(a.Monitor, b.Monitor) })
	return out
}

// reset returns the change that takes a monitor back to operational when
// it stops reporting.
func (ms *monState) reset() []Change {
	if ms.status == sla.Operational {
		return nil
	}
	at := ms.at
	for _, ls := range ms.locations {
		if ls.Last.After(at) {
			at = ls.Last
		}
	}
	return []Change{{Component: ms.m.Component, Monitor: ms.m.ID, At: at, Status: sla.Operational}}
}

// Observe feeds one result and returns the status changes it caused:
// usually none, at most one. A result for an unknown monitor or location, with
// a state other than up, degraded or down, or older than the latest result
// of its location is ignored. A result without a location counts as the
// server's own (monitor.LocalLocation).
func (d *Detector) Observe(r monitor.Result) []Change {
	d.mu.Lock()
	defer d.mu.Unlock()
	ms := d.monitors[r.MonitorID]
	if ms == nil {
		return nil
	}
	loc := r.Location
	if loc == "" {
		loc = monitor.LocalLocation
	}
	ls := ms.locations[loc]
	if ls == nil || r.At.Before(ls.Last) {
		return nil
	}
	switch r.State {
	case monitor.Up, monitor.Degraded, monitor.Down:
	default:
		return nil
	}
	changed := ls.observe(ms.m, r)

	status := ms.verdict()
	if status == ms.status {
		return nil
	}
	c := Change{Component: ms.m.Component, Monitor: ms.m.ID, Status: status}
	switch {
	case !changed:
		// The configuration changed under a standing state: the new
		// verdict holds from now, not retroactively.
		c.At = r.At
		c.Evidence = ms.evidence(status)
	case status.Rank() > ms.status.Rank():
		c.At, c.Evidence = ms.quorumSince(status), ms.evidence(status)
	default:
		// Better: the quorum broke when this location recovered.
		c.At, c.Evidence = ls.Since, slices.Clone(ls.Evidence)
	}
	if c.At.Before(ms.at) {
		// A source's facts must not go back in time, or the engine would
		// reorder them; this can only happen when locations confirm out of
		// order.
		c.At = ms.at
	}
	ms.status, ms.at = status, c.At
	return []Change{c}
}

// observe applies r to the location's streaks and reports whether it
// confirmed a new state.
func (ls *LocationState) observe(m *monitor.Monitor, r monitor.Result) bool {
	ls.Last = r.At
	ls.Down.extend(r.State == monitor.Down, r.At)
	ls.NotUp.extend(r.State != monitor.Up, r.At)
	ls.NotDown.extend(r.State != monitor.Down, r.At)
	ls.Up.extend(r.State == monitor.Up, r.At)
	fail, rec := failAfter(m), recoverAfter(m)
	ls.Recent = append(ls.Recent, Evidence{Monitor: m.ID, Location: ls.Location, At: r.At, State: r.State, Message: r.Message})
	if n := max(fail, rec); len(ls.Recent) > n {
		ls.Recent = slices.Delete(ls.Recent, 0, len(ls.Recent)-n)
	}

	var to monitor.State
	var s Streak
	switch {
	case ls.State != monitor.Down && ls.Down.Count >= fail:
		to, s = monitor.Down, ls.Down
	case ls.State == monitor.Up && ls.NotUp.Count >= fail:
		to, s = monitor.Degraded, ls.NotUp
	case ls.State != monitor.Up && ls.Up.Count >= rec:
		to, s = monitor.Up, ls.Up
	case ls.State == monitor.Down && ls.NotDown.Count >= rec:
		to, s = monitor.Degraded, ls.NotDown
	default:
		return false
	}
	switch {
	case to == monitor.Up:
		ls.BadSince = time.Time{}
	case ls.State == monitor.Up:
		ls.BadSince = ls.NotUp.Start
	}
	ls.State, ls.Since = to, s.Start
	ls.Evidence = slices.Clone(ls.Recent[len(ls.Recent)-min(s.Count, len(ls.Recent)):])
	return true
}

// verdict is the monitor's status from its locations' confirmed states: a
// quorum down is a major outage, a quorum down or degraded is degraded
// performance. Fewer than a quorum say nothing, so one bad location never
// costs the provider anything.
func (ms *monState) verdict() sla.Status {
	act := ms.active()
	q := quorumOf(ms.m, len(act))
	down, bad := 0, 0
	for _, ls := range act {
		switch ls.State {
		case monitor.Down:
			down++
			bad++
		case monitor.Degraded:
			bad++
		}
	}
	switch {
	case down >= q:
		return sla.MajorOutage
	case bad >= q:
		return sla.Degraded
	}
	return sla.Operational
}

// members returns the locations that support status, oldest first by the
// time they began to.
func (ms *monState) members(status sla.Status) []*LocationState {
	var out []*LocationState
	for _, ls := range ms.active() {
		switch {
		case status == sla.MajorOutage && ls.State == monitor.Down,
			status == sla.Degraded && ls.State != monitor.Up,
			status == sla.Operational:
			out = append(out, ls)
		}
	}
	slices.SortFunc(out, func(a, b *LocationState) int {
		return cmp.Or(a.sinceFor(status).Compare(b.sinceFor(status)), cmp.Compare(a.Location, b.Location))
	})
	return out
}

func (ls *LocationState) sinceFor(status sla.Status) time.Time {
	if status == sla.Degraded {
		return ls.BadSince
	}
	return ls.Since
}

// quorumSince is when a worse status began: when the quorum-th of its
// locations began to support it.
func (ms *monState) quorumSince(status sla.Status) time.Time {
	return ms.members(status)[quorumOf(ms.m, len(ms.active()))-1].sinceFor(status)
}

// evidence cites the results of every location supporting status.
func (ms *monState) evidence(status sla.Status) []Evidence {
	var out []Evidence
	for _, ls := range ms.members(status) {
		out = append(out, ls.Evidence...)
	}
	slices.SortStableFunc(out, func(a, b Evidence) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Location, b.Location))
	})
	return out
}

// Last returns the time of the latest result observed for monitor id at
// location ("" for the server's own), zero when none.
func (d *Detector) Last(id, location string) time.Time {
	if location == "" {
		location = monitor.LocalLocation
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if ms := d.monitors[id]; ms != nil {
		if ls := ms.locations[location]; ls != nil {
			return ls.Last
		}
	}
	return time.Time{}
}

// Seed starts monitor id afresh from what its latest status fact says:
// status since at, every location confirmed in the matching state, and
// nothing before at counted. A replica that takes a monitor over from
// another feeds it the results stored since then: a standing outage is
// not reported again, and its end is reported once.
func (d *Detector) Seed(id string, status sla.Status, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ms := d.monitors[id]
	if ms == nil {
		return
	}
	state, bad := monitor.Up, time.Time{}
	switch status {
	case sla.MajorOutage:
		state, bad = monitor.Down, at
	case sla.Degraded:
		state, bad = monitor.Degraded, at
	default:
		status = sla.Operational
	}
	for l := range ms.locations {
		ms.locations[l] = &LocationState{Monitor: id, Location: l, State: state, Since: at, BadSince: bad, Last: at}
	}
	ms.status, ms.at = status, at
}

// Snapshot returns the state of every monitor and location, sorted by
// monitor and location, for Restore after a restart.
func (d *Detector) Snapshot() []LocationState {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []LocationState
	for _, ms := range d.monitors {
		for _, ls := range ms.locations {
			s := *ls
			s.Recent, s.Evidence = slices.Clone(ls.Recent), slices.Clone(ls.Evidence)
			s.MonitorStatus, s.MonitorAt = ms.status, ms.at
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b LocationState) int {
		return cmp.Or(cmp.Compare(a.Monitor, b.Monitor), cmp.Compare(a.Location, b.Location))
	})
	return out
}

// Restore loads the states a Snapshot returned. States of monitors or
// locations the detector does not know (removed since) and states that are
// not valid are skipped. If the configuration changed meanwhile so that a
// monitor's status would now differ, the next result of that monitor
// reports the change.
func (d *Detector) Restore(states []LocationState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range states {
		ms := d.monitors[s.Monitor]
		if ms == nil || ms.locations[s.Location] == nil {
			continue
		}
		switch s.State {
		case monitor.Up, monitor.Degraded, monitor.Down:
		default:
			continue
		}
		ls := s
		ls.Recent, ls.Evidence = slices.Clone(s.Recent), slices.Clone(s.Evidence)
		ls.MonitorStatus, ls.MonitorAt = "", time.Time{}
		ms.locations[s.Location] = &ls
		switch s.MonitorStatus {
		case sla.Operational, sla.Degraded, sla.MajorOutage:
			if !s.MonitorAt.Before(ms.at) {
				ms.status, ms.at = s.MonitorStatus, s.MonitorAt
			}
		}
	}
}
