package sla

import (
	"math/big"
	"testing"
)

// TestUpstreamObjective: a plan reports an upstream component's own uptime
// (seed 003's Salesforce, "ensuring customer availability 24/7"), beside its
// own, and holds it to an objective when one is given. October 2026 in UTC is
// 31 × 1,440 = 44,640 minutes.
func TestUpstreamObjective(t *testing.T) {
	tests := []struct {
		name      string
		objective string // "" for none
		from, to  string // salesforce's outage
		status    Status
		down      float64
		uptime    *big.Rat
		met       *bool
	}{
		// 60 min down: 44,580 / 44,640 = 99.8656 %; no objective, no outcome.
		{"reported only", "", "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z", MajorOutage, 60, pctOf(44580, 44640), nil},
		// 0.1 % is 44.64 min; 44 min down: 44,596 / 44,640 = 99.9014 % ≥ 99.9, met.
		{"objective met", "99.9", "2026-10-05T10:00:00Z", "2026-10-05T10:44:00Z", MajorOutage, 44, pctOf(44596, 44640), ptr(true)},
		// 60 min: 99.8656 % < 99.9, missed.
		{"objective missed", "99.9", "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z", MajorOutage, 60, pctOf(44580, 44640), ptr(false)},
		// Degraded weighs 0 in the plan: not down, 100 %.
		{"degraded is not down", "99.9", "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z", Degraded, 0, big.NewRat(100, 1), ptr(true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			uo := &UpstreamObjective{Component: "salesforce"}
			if tt.objective != "" {
				uo.Objective = rat(tt.objective)
			}
			plan.Upstream = []*UpstreamObjective{uo}
			ev := &Evidence{Statuses: down(t, "sf", "salesforce", "m", tt.status, tt.from, tt.to)}
			sr := evaluate(t, testPolicy(plan), ev, "2026-10", "2026-11-05T00:00:00Z").Subscriptions[0]
			if len(sr.Upstream) != 1 {
				t.Fatalf("upstream: got %d reports, want 1", len(sr.Upstream))
			}
			u := sr.Upstream[0]
			want, _ := tt.uptime.Float64()
			if u.Component != "salesforce" || u.DownMinutes != tt.down || u.Uptime != want {
				t.Errorf("got %s %v min down, %v %%; want salesforce %v, %v", u.Component, u.DownMinutes, u.Uptime, tt.down, want)
			}
			if (u.Met == nil) != (tt.met == nil) || (u.Met != nil && *u.Met != *tt.met) {
				t.Errorf("met: got %v, want %v", u.Met, tt.met)
			}
			// The plan's own uptime is untouched: web and api were up.
			checkUptime(t, sr, big.NewRat(100, 1))
		})
	}
}

func ptr[T any](v T) *T { return &v }
