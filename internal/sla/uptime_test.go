package sla

import (
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// pageRule is the status page's default weighting: major outage fully
// down, partial outage 30 % down, degraded up, maintenance left out.
var pageRule = UptimeRule{
	Weights: map[Status]int64{MajorOutage: 1000, PartialOutage: 300},
	Removed: map[Status]bool{UnderMaintenance: true},
}

func TestUptimes(t *testing.T) {
	paris := loc(t, "Europe/Paris")
	st := func(id, ts, status string) *StatusChange {
		return &StatusChange{ID: id, At: at(t, ts), Component: "api", Status: Status(status), Source: "eu"}
	}
	// Evidence from 1 January, operational since.
	since := st("s0", "2026-01-01T00:00:00Z", "operational")
	tests := []struct {
		name   string
		ev     Evidence
		rule   UptimeRule
		window timeline.Interval
		// want is the exact uptime in percent; "" means no data.
		want string
	}{
		{
			name: "72-minute major outage on a 30-day window",
			ev:   Evidence{Statuses: []*StatusChange{since, st("s1", "2026-10-10T10:00:00Z", "major_outage"), st("s2", "2026-10-10T11:12:00Z", "operational")}},
			rule: pageRule,
			// 30 days = 43 200 min; 1 − 72/43 200 = 99.8333… %
			window: timeline.NewInterval(at(t, "2026-10-01T00:00:00Z"), at(t, "2026-10-31T00:00:00Z")),
			want:   "599/6",
		},
		{
			name: "partial outage weighs 0.3",
			ev:   Evidence{Statuses: []*StatusChange{since, st("s1", "2026-10-10T10:00:00Z", "partial_outage"), st("s2", "2026-10-10T12:00:00Z", "operational")}},
			rule: pageRule,
			// one day = 1 440 min; 120 min × 0.3 = 36 min; 1 − 36/1 440 = 97.5 %
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "195/2",
		},
		{
			name: "partial outage fully down under another weighting",
			ev:   Evidence{Statuses: []*StatusChange{since, st("s1", "2026-10-10T10:00:00Z", "partial_outage"), st("s2", "2026-10-10T12:00:00Z", "operational")}},
			rule: UptimeRule{Weights: map[Status]int64{MajorOutage: 1000, PartialOutage: 1000}},
			// 1 − 120/1 440 = 91.666… %
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "275/3",
		},
		{
			name: "degraded performance counts as up",
			ev:   Evidence{Statuses: []*StatusChange{since, st("s1", "2026-10-10T10:00:00Z", "degraded_performance"), st("s2", "2026-10-10T12:00:00Z", "operational")}},
			rule: pageRule,
			// no weighted downtime: 100 %
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "100",
		},
		{
			name: "a DST day in Paris has 23 hours",
			ev:   Evidence{Statuses: []*StatusChange{since, st("s1", "2026-03-29T10:00:00Z", "major_outage"), st("s2", "2026-03-29T11:09:00Z", "operational")}},
			rule: pageRule,
			// 29 March 2026 in Paris: 00:00 CET (23:00Z on the 28th) to
			// 00:00 CEST (22:00Z on the 29th) = 23 h = 1 380 min;
			// 69 min down: 1 − 69/1 380 = 95 %
			window: timeline.NewInterval(time.Date(2026, 3, 29, 0, 0, 0, 0, paris), time.Date(2026, 3, 30, 0, 0, 0, 0, paris)),
			want:   "95",
		},
		{
			name: "maintenance is left out of the window",
			ev: Evidence{
				Statuses: []*StatusChange{since, st("s1", "2026-10-10T10:00:00Z", "major_outage"), st("s2", "2026-10-10T11:00:00Z", "operational"),
					st("s3", "2026-10-10T20:00:00Z", "under_maintenance"), st("s4", "2026-10-10T22:00:00Z", "operational")},
				Maintenance: []*Maintenance{{ID: "m1", Components: []string{"api"}, Start: at(t, "2026-10-10T02:00:00Z"), End: at(t, "2026-10-10T04:00:00Z")}},
			},
			rule: pageRule,
			// day 1 440 min − window 120 − under maintenance 120 = 1 200;
			// 60 down: 1 − 60/1 200 = 95 %
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "95",
		},
		{
			name: "downtime inside a maintenance window is not counted",
			ev: Evidence{
				Statuses:    []*StatusChange{since, st("s1", "2026-10-10T02:30:00Z", "major_outage"), st("s2", "2026-10-10T03:00:00Z", "operational")},
				Maintenance: []*Maintenance{{ID: "m1", Components: []string{"api"}, Start: at(t, "2026-10-10T02:00:00Z"), End: at(t, "2026-10-10T04:00:00Z")}},
			},
			rule: pageRule,
			// 1 320 min measured, nothing down in them: 100 %
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "100",
		},
		{
			name: "an incident's impact counts as the engine counts it",
			ev: Evidence{
				Statuses:        []*StatusChange{since},
				Incidents:       []*Incident{{ID: "i1", At: at(t, "2026-10-10T10:00:00Z"), Components: map[string]Status{"api": MajorOutage}}},
				IncidentUpdates: []*IncidentUpdate{{ID: "u1", Incident: "i1", At: at(t, "2026-10-10T10:36:00Z"), Status: "resolved"}},
			},
			rule: pageRule,
			// 36 min down in 1 440: 97.5 %
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "195/2",
		},
		{
			name: "measured from the first evidence",
			ev:   Evidence{Statuses: []*StatusChange{st("s1", "2026-10-10T12:00:00Z", "major_outage"), st("s2", "2026-10-10T13:12:00Z", "operational")}},
			rule: pageRule,
			// 12:00 to 24:00 = 720 min; 72 down: 1 − 72/720 = 90 %
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "90",
		},
		{
			name: "measured from the first check when that came before the first fact",
			ev:   Evidence{Statuses: []*StatusChange{st("s1", "2026-10-10T12:00:00Z", "major_outage"), st("s2", "2026-10-10T13:12:00Z", "operational")}},
			rule: UptimeRule{Weights: pageRule.Weights, Removed: pageRule.Removed, Since: map[string]time.Time{"api": at(t, "2026-10-10T06:00:00Z")}},
			// 06:00 to 24:00 = 1 080 min; 72 down: 1 − 72/1 080 = 93.333… %
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "280/3",
		},
		{
			name:   "checked, never changed: up since the first check",
			ev:     Evidence{},
			rule:   UptimeRule{Weights: pageRule.Weights, Removed: pageRule.Removed, Since: map[string]time.Time{"api": at(t, "2026-10-10T18:00:00Z")}},
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "100",
		},
		{
			name:   "no evidence yet",
			ev:     Evidence{Statuses: []*StatusChange{st("s1", "2026-10-12T12:00:00Z", "operational")}},
			rule:   pageRule,
			window: timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z")),
			want:   "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := NewUptimes(&tt.ev, tt.rule)
			// The window alone and among others give the same figure.
			other := timeline.NewInterval(at(t, "2026-08-01T00:00:00Z"), at(t, "2026-11-01T00:00:00Z"))
			for _, figs := range [][]UptimeFigure{u.Component("api", []timeline.Interval{tt.window}), u.Component("api", []timeline.Interval{other, tt.window})} {
				got := figs[len(figs)-1]
				switch {
				case tt.want == "" && got.Uptime != nil:
					t.Errorf("got %s, want no data", got.Uptime.RatString())
				case tt.want != "" && got.Uptime == nil:
					t.Errorf("got no data, want %s", tt.want)
				case tt.want != "" && got.Uptime.Cmp(rat(tt.want)) != 0:
					t.Errorf("got %s (%s %%), want %s", got.Uptime.RatString(), got.Uptime.FloatString(4), tt.want)
				}
			}
		})
	}
	if got := NewUptimes(&Evidence{}, pageRule).Component("api", []timeline.Interval{timeline.NewInterval(at(t, "2026-10-10T00:00:00Z"), at(t, "2026-10-11T00:00:00Z"))}); got[0].Uptime != nil {
		t.Errorf("a component without evidence: got %s, want no data", got[0].Uptime.RatString())
	}
}
