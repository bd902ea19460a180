package sla

import "testing"

// Coverage: a report says how much of the period the monitoring of each
// tracked component covered, and a period it did not cover at all is no
// data, not 100 % met.
func TestCoverage(t *testing.T) {
	cov := func(id, comp, from, to string) *Coverage {
		return &Coverage{ID: id, Component: comp, Start: at(t, from), End: at(t, to)}
	}
	tests := []struct {
		name     string
		coverage []*Coverage
		period   string
		asOf     string
		// want is per component: minutes covered; a missing component is
		// not tracked.
		want   map[string]float64
		noData bool
		met    bool
	}{
		{
			name:   "nothing tracked: coverage unknown, met as before",
			period: "2026-10", asOf: "2026-11-05T00:00:00Z",
			want: map[string]float64{}, met: true,
		},
		{
			// web 10–12 Oct, two days = 2,880 minutes, and again from 31
			// Oct 23:00 into November: 60 minutes in October. api the
			// whole month in two overlapping facts (44,640 minutes once).
			name: "partly covered",
			coverage: []*Coverage{cov("c1", "web", "2026-10-10T00:00:00Z", "2026-10-12T00:00:00Z"),
				cov("c2", "web", "2026-10-31T23:00:00Z", "2026-11-02T00:00:00Z"),
				cov("c3", "api", "2026-09-01T00:00:00Z", "2026-10-20T00:00:00Z"), cov("c4", "api", "2026-10-15T00:00:00Z", "2026-12-01T00:00:00Z")},
			period: "2026-10", asOf: "2026-11-05T00:00:00Z",
			want: map[string]float64{"web": 2880 + 60, "api": 44640}, met: true,
		},
		{
			// Monitoring began on 3 December; November has no data, though
			// nothing was ever down in it.
			name:     "a month before monitoring began",
			coverage: []*Coverage{cov("c1", "web", "2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z"), cov("c2", "api", "2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z")},
			period:   "2026-11", asOf: "2026-12-04T00:00:00Z",
			want: map[string]float64{"web": 0, "api": 0}, noData: true, met: false,
		},
		{
			// Only web is tracked: api's coverage is unknown, so the
			// period is not called empty.
			name:     "one component untracked",
			coverage: []*Coverage{cov("c1", "web", "2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z")},
			period:   "2026-11", asOf: "2026-12-04T00:00:00Z",
			want: map[string]float64{"web": 0}, met: true,
		},
		{
			// A month still running is covered up to as of: 1 to 3
			// December 12:00 is 2.5 days = 3,600 minutes.
			name:     "month to date",
			coverage: []*Coverage{cov("c1", "web", "2026-11-20T00:00:00Z", "2026-12-31T00:00:00Z"), cov("c2", "api", "2026-12-01T00:00:00Z", "2026-12-05T00:00:00Z")},
			period:   "2026-12", asOf: "2026-12-03T12:00:00Z",
			want: map[string]float64{"web": 3600, "api": 3600}, met: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := evaluate(t, testPolicy(testPlan()), &Evidence{Coverage: tt.coverage}, tt.period, tt.asOf)
			sr := rep.Subscriptions[0]
			got := map[string]float64{}
			for _, c := range sr.Coverage {
				got[c.Component] = c.Minutes
				if c.Minutes > 0 && (c.First == nil || c.Last == nil || !c.First.Before(*c.Last)) {
					t.Errorf("%s: first %v, last %v", c.Component, c.First, c.Last)
				}
				if c.Minutes == 0 && (c.First != nil || c.Last != nil || !c.NoData) {
					t.Errorf("%s: not covered, yet first %v, last %v, no data %v", c.Component, c.First, c.Last, c.NoData)
				}
				if c.Minutes > 0 && c.NoData {
					t.Errorf("%s: covered, yet no data", c.Component)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("coverage: got %v, want %v", got, tt.want)
			}
			for comp, m := range tt.want {
				if got[comp] != m {
					t.Errorf("%s: got %v minutes, want %v", comp, got[comp], m)
				}
			}
			if sr.NoData != tt.noData || sr.Met != tt.met {
				t.Errorf("no data %v, met %v; want %v, %v", sr.NoData, sr.Met, tt.noData, tt.met)
			}
		})
	}
	// The first and last instants of web's October: 10 Oct 00:00 and
	// the period's end.
	rep := evaluate(t, testPolicy(testPlan()), &Evidence{Coverage: tests[1].coverage}, "2026-10", "2026-11-05T00:00:00Z")
	for _, c := range rep.Subscriptions[0].Coverage {
		if c.Component == "web" && (!c.First.Equal(at(t, "2026-10-10T00:00:00Z")) || !c.Last.Equal(at(t, "2026-11-01T00:00:00Z"))) {
			t.Errorf("web: first %v, last %v", c.First, c.Last)
		}
	}
}
