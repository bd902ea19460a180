package sla

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// obUpdate is an incident update in a test table: time and status. Updates
// get the ids u1, u2, … in table order.
type obUpdate struct{ at, status string }

func obUpdates(tb testing.TB, incident string, ups []obUpdate) []*IncidentUpdate {
	tb.Helper()
	out := make([]*IncidentUpdate, len(ups))
	for i, u := range ups {
		out[i] = &IncidentUpdate{ID: fmt.Sprintf("u%d", i+1), Incident: incident, At: obTime(tb, u.at), Status: u.status}
	}
	return out
}

// obPostmortems builds post-mortems with the ids p1, p2, … at the times given.
func obPostmortems(tb testing.TB, incident string, ats ...string) []*Postmortem {
	tb.Helper()
	out := make([]*Postmortem, len(ats))
	for i, at := range ats {
		out[i] = &Postmortem{ID: fmt.Sprintf("p%d", i+1), Incident: incident, At: obTime(tb, at)}
	}
	return out
}

func TestEvaluateIncident(t *testing.T) {
	c := obCals(t)
	// Seed 002: critical errors get a status report every hour (24/7 in
	// Berlin). Seed 001: a post-mortem within 5 business days, here 5 × 8 h
	// of the 08:00–16:00 CET calendar, for critical and major incidents.
	rules := &IncidentRules{
		UpdateEvery:          map[string]*Target{"critical": {Duration: time.Hour, Calendar: c.berlin}},
		Postmortem:           &Target{Duration: 40 * time.Hour, Calendar: c.cet},
		PostmortemSeverities: map[string]bool{"critical": true, "major": true},
	}
	const (
		ue  = MetricUpdateEvery
		pm  = MetricPostmortem
		met = TargetMet
		br  = TargetBreached
		pd  = TargetPending
		h   = time.Hour
		m   = time.Minute
		sec = time.Second
	)
	tests := []struct {
		name        string
		rules       *IncidentRules
		severity    string
		opened      string
		updates     []obUpdate
		postmortems []string
		asOf        string
		// wantResolved is the resolution time, empty while open.
		wantResolved string
		want         []obWant
	}{
		{
			// Opened 10:00Z; updates at 11:00, 12:00 and resolved at 13:00: three
			// gaps of exactly 60 min, each on its deadline: met. The deadline
			// reported is the last one (12:00 + 1 h = 13:00Z). Post-mortem:
			// resolved Monday 2 February 13:00Z = 14:00 CET; 40 h = Monday 14–16
			// (2 h), Tuesday–Friday 4 × 8 h (34 h), Monday 9 February 08:00 + 6 h
			// = 14:00 CET = 13:00Z; none published as of Tuesday 10 February
			// 12:00Z (13:00 CET): breached, used 2 + 32 + 8 + 5 = 47 h.
			name: "hourly updates exactly on time", rules: rules, severity: "critical",
			opened: "2026-02-02T10:00:00Z",
			updates: []obUpdate{
				{"2026-02-02T11:00:00Z", "investigating"},
				{"2026-02-02T12:00:00Z", "identified"},
				{"2026-02-02T13:00:00Z", "resolved"},
			},
			asOf: "2026-02-10T12:00:00Z", wantResolved: "2026-02-02T13:00:00Z",
			want: []obWant{
				{metric: ue, state: met, target: h, cal: "24/7", deadline: "2026-02-02T13:00:00Z",
					achieved: "2026-02-02T13:00:00Z", used: h, cycles: 3, facts: []string{"I1", "u1", "u2", "u3"}},
				{metric: pm, state: br, target: 40 * h, cal: "cet", deadline: "2026-02-09T13:00:00Z",
					used: 47 * h, facts: []string{"I1", "u3"}},
			},
		},
		{
			// The second update at 12:00:01 is one second late (due 12:00Z):
			// one breach of three gaps; the worst gap is 1 h 1 s; the deadline
			// reported is the missed one. The gap 12:00:01 → 13:00:01 is exactly
			// 1 h again. Post-mortem from 13:00:01Z: 40 h of CET business time end
			// 9 February 13:00:01Z; published at 12:00Z on the 9th: met, used
			// 40 h − 1 h 1 s.
			name: "an hourly update one second late", rules: rules, severity: "critical",
			opened: "2026-02-02T10:00:00Z",
			updates: []obUpdate{
				{"2026-02-02T11:00:00Z", "investigating"},
				{"2026-02-02T12:00:01Z", "identified"},
				{"2026-02-02T13:00:01Z", "resolved"},
			},
			postmortems: []string{"2026-02-09T12:00:00Z"},
			asOf:        "2026-02-10T12:00:00Z", wantResolved: "2026-02-02T13:00:01Z",
			want: []obWant{
				{metric: ue, state: br, target: h, cal: "24/7", deadline: "2026-02-02T12:00:00Z",
					achieved: "2026-02-02T13:00:01Z", used: h + sec, cycles: 3, breaches: 1},
				{metric: pm, state: met, target: 40 * h, cal: "cet", deadline: "2026-02-09T13:00:01Z",
					achieved: "2026-02-09T12:00:00Z", used: 40*h - h - sec, facts: []string{"I1", "u3", "p1"}},
			},
		},
		{
			// Open at asOf 11:59:59Z: the gap since 11:00 is 59 min 59 s of 1 h,
			// due 12:00Z: pending; the worst gap is the first (1 h). No
			// post-mortem obligation while open.
			name: "open incident, next update not yet due", rules: rules, severity: "critical",
			opened:  "2026-02-02T10:00:00Z",
			updates: []obUpdate{{"2026-02-02T11:00:00Z", "investigating"}},
			asOf:    "2026-02-02T11:59:59Z",
			want: []obWant{{metric: ue, state: pd, target: h, cal: "24/7", deadline: "2026-02-02T12:00:00Z",
				used: h, cycles: 2, facts: []string{"I1", "u1"}}},
		},
		{
			// As of 12:00Z exactly, the open gap has reached its deadline:
			// breached.
			name: "open incident, next update due at asOf", rules: rules, severity: "critical",
			opened:  "2026-02-02T10:00:00Z",
			updates: []obUpdate{{"2026-02-02T11:00:00Z", "investigating"}},
			asOf:    "2026-02-02T12:00:00Z",
			want: []obWant{{metric: ue, state: br, target: h, cal: "24/7", deadline: "2026-02-02T12:00:00Z",
				used: h, cycles: 2, breaches: 1}},
		},
		{
			// Resolved at 10:45, reopened at 13:00 by "investigating", resolved
			// again at 13:30; a "postmortem" note at 14:00 changes nothing. Gaps:
			// 10:00 → 10:45 (45 min) and 13:00 → 13:30 (30 min); the resolved
			// time 10:45–13:00 does not count. The last resolution (13:30Z =
			// 14:30 CET Monday) decides the post-mortem: Monday 14:30–16:00
			// (1.5 h), Tuesday–Friday 32 h (33.5 h), Monday 08:00 + 6.5 h = 14:30
			// CET = 13:30Z. As of Wednesday 4 February 12:00Z (13:00 CET): Monday
			// 1.5 h + Tuesday 8 h + Wednesday 08:00–13:00 5 h = 14.5 h: pending.
			name: "reopened incident", rules: rules, severity: "critical",
			opened: "2026-02-02T10:00:00Z",
			updates: []obUpdate{
				{"2026-02-02T10:45:00Z", "resolved"},
				{"2026-02-02T13:00:00Z", "investigating"},
				{"2026-02-02T13:30:00Z", "resolved"},
				{"2026-02-02T14:00:00Z", "postmortem"},
			},
			asOf: "2026-02-04T12:00:00Z", wantResolved: "2026-02-02T13:30:00Z",
			want: []obWant{
				{metric: ue, state: met, target: h, cal: "24/7", deadline: "2026-02-02T14:00:00Z",
					achieved: "2026-02-02T13:30:00Z", used: 45 * m, cycles: 2, facts: []string{"I1", "u1", "u2", "u3"}},
				{metric: pm, state: pd, target: 40 * h, cal: "cet", deadline: "2026-02-09T13:30:00Z",
					used: 14*h + 30*m, facts: []string{"I1", "u3"}},
			},
		},
		{
			// Major incident: no update cadence; resolved Thursday 15 January
			// 14:00 CET (13:00Z). 40 h: Thursday 14–16 (2 h), Friday (10 h),
			// Monday (18 h), Tuesday (26 h), Wednesday (34 h), Thursday 22
			// January 08:00 + 6 h = 14:00 CET = 13:00Z. Published exactly then:
			// met. The earlier of two post-mortems (given out of order) counts.
			name: "post-mortem on the fifth business day", rules: rules, severity: "major",
			opened:      "2026-01-15T12:00:00+01:00",
			updates:     []obUpdate{{"2026-01-15T14:00:00+01:00", "resolved"}},
			postmortems: []string{"2026-01-23T09:00:00Z", "2026-01-22T13:00:00Z"},
			asOf:        "2026-01-31T00:00:00Z", wantResolved: "2026-01-15T13:00:00Z",
			want: []obWant{{metric: pm, state: met, target: 40 * h, cal: "cet", deadline: "2026-01-22T13:00:00Z",
				achieved: "2026-01-22T13:00:00Z", used: 40 * h, facts: []string{"I1", "u1", "p2"}}},
		},
		{
			// The same published one second later: breached (the extra second
			// is business time, 40 h 1 s used).
			name: "post-mortem one second late", rules: rules, severity: "major",
			opened:      "2026-01-15T12:00:00+01:00",
			updates:     []obUpdate{{"2026-01-15T14:00:00+01:00", "resolved"}},
			postmortems: []string{"2026-01-22T13:00:01Z"},
			asOf:        "2026-01-31T00:00:00Z", wantResolved: "2026-01-15T13:00:00Z",
			want: []obWant{{metric: pm, state: br, target: 40 * h, cal: "cet", deadline: "2026-01-22T13:00:00Z",
				achieved: "2026-01-22T13:00:01Z", used: 40*h + sec}},
		},
		{
			// Not published as of Wednesday 21 January 12:00Z (13:00 CET): used
			// 2 + 8 + 8 + 8 + 5 = 31 h: pending. The post-mortem after asOf
			// has not happened yet.
			name: "post-mortem pending", rules: rules, severity: "major",
			opened:      "2026-01-15T12:00:00+01:00",
			updates:     []obUpdate{{"2026-01-15T14:00:00+01:00", "resolved"}},
			postmortems: []string{"2026-01-21T12:00:01Z"},
			asOf:        "2026-01-21T12:00:00Z", wantResolved: "2026-01-15T13:00:00Z",
			want: []obWant{{metric: pm, state: pd, target: 40 * h, cal: "cet", deadline: "2026-01-22T13:00:00Z",
				used: 31 * h, facts: []string{"I1", "u1"}}},
		},
		{
			// Not published as of the deadline: breached.
			name: "post-mortem missing at the deadline", rules: rules, severity: "major",
			opened:  "2026-01-15T12:00:00+01:00",
			updates: []obUpdate{{"2026-01-15T14:00:00+01:00", "resolved"}},
			asOf:    "2026-01-22T13:00:00Z", wantResolved: "2026-01-15T13:00:00Z",
			want: []obWant{{metric: pm, state: br, target: 40 * h, cal: "cet", deadline: "2026-01-22T13:00:00Z",
				used: 40 * h}},
		},
		{
			// A minor incident has neither a cadence nor a post-mortem duty.
			name: "minor incident has no obligations", rules: rules, severity: "minor",
			opened:  "2026-01-15T12:00:00Z",
			updates: []obUpdate{{"2026-01-15T14:00:00Z", "resolved"}},
			asOf:    "2026-01-31T00:00:00Z", wantResolved: "2026-01-15T14:00:00Z",
			want: []obWant{},
		},
		{
			// Without rules there are no obligations, and the resolution is still
			// reported.
			name: "no rules", severity: "critical",
			opened:  "2026-01-15T12:00:00Z",
			updates: []obUpdate{{"2026-01-15T14:00:00Z", "resolved"}},
			asOf:    "2026-01-31T00:00:00Z", wantResolved: "2026-01-15T14:00:00Z",
			want: []obWant{},
		},
		{
			// Without a cadence target and open: only the resolution matters, and
			// there is none.
			name: "open incident without a cadence", rules: rules, severity: "major",
			opened: "2026-01-15T12:00:00Z",
			asOf:   "2026-01-31T00:00:00Z",
			want:   []obWant{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := &Incident{ID: "I1", At: obTime(t, tt.opened), Severity: tt.severity,
				Components: map[string]Status{"web": MajorOutage, "api": PartialOutage}}
			got, err := EvaluateIncident(inc, obUpdates(t, "I1", tt.updates), obPostmortems(t, "I1", tt.postmortems...), tt.rules, obTime(t, tt.asOf))
			if err != nil {
				t.Fatalf("EvaluateIncident: %v", err)
			}
			if got.Incident != "I1" || got.Severity != tt.severity || !got.Opened.Equal(inc.At) {
				t.Errorf("got incident %q severity %q opened %v, want I1 %q %v", got.Incident, got.Severity, got.Opened, tt.severity, inc.At)
			}
			if diff := cmp.Diff([]string{"api", "web"}, got.Components); diff != "" {
				t.Errorf("components mismatch (-want +got):\n%s", diff)
			}
			var resolved string
			if got.Resolved != nil {
				resolved = got.Resolved.UTC().Format(time.RFC3339)
			}
			if resolved != tt.wantResolved {
				t.Errorf("got resolved %q, want %q", resolved, tt.wantResolved)
			}
			obCompare(t, got.Obligations, tt.want)
		})
	}
}

func TestEvaluateIncidentErrors(t *testing.T) {
	opened := "2026-02-02T10:00:00Z"
	tests := []struct {
		name        string
		updates     []*IncidentUpdate
		postmortems []*Postmortem
		asOf        string
		want        []string
	}{
		{
			name:    "update before the opening",
			updates: []*IncidentUpdate{{ID: "up-early", Incident: "I1", At: obTime(t, "2026-02-02T09:00:00Z"), Status: "investigating"}},
			asOf:    "2026-02-03T00:00:00Z",
			want:    []string{"up-early", "before incident I1"},
		},
		{
			name:    "update of another incident",
			updates: []*IncidentUpdate{{ID: "up-other", Incident: "I2", At: obTime(t, "2026-02-02T11:00:00Z"), Status: "investigating"}},
			asOf:    "2026-02-03T00:00:00Z",
			want:    []string{"up-other", `"I2"`},
		},
		{
			name:        "post-mortem of another incident",
			postmortems: []*Postmortem{{ID: "pm-other", Incident: "I2", At: obTime(t, "2026-02-02T11:00:00Z")}},
			asOf:        "2026-02-03T00:00:00Z",
			want:        []string{"pm-other", `"I2"`},
		},
		{
			name:        "post-mortem before the opening",
			postmortems: []*Postmortem{{ID: "pm-early", Incident: "I1", At: obTime(t, "2026-02-01T11:00:00Z")}},
			asOf:        "2026-02-03T00:00:00Z",
			want:        []string{"pm-early", "before incident I1"},
		},
		{
			name: "asOf before the opening",
			asOf: "2026-02-02T09:00:00Z",
			want: []string{"I1", "after the evaluation time"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := &Incident{ID: "I1", At: obTime(t, opened), Severity: "critical"}
			got, err := EvaluateIncident(inc, tt.updates, tt.postmortems, &IncidentRules{}, obTime(t, tt.asOf))
			if err == nil {
				t.Fatalf("got report %+v, want an error", got)
			}
			if !IsInput(err) {
				t.Errorf("got error %v, want an input error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
