package burn

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func plan(objective string) *sla.Plan {
	o, _ := new(big.Rat).SetString(objective)
	return &sla.Plan{ID: "pro", Objective: o, Components: []string{"web"},
		Weights: map[sla.Status]int64{sla.MajorOutage: 1000, sla.PartialOutage: 300}}
}

// evidence: web up since four days ago, down from downAgo to upAgo.
func evidence(downAgo, upAgo time.Duration) *sla.Evidence {
	ev := &sla.Evidence{Statuses: []*sla.StatusChange{
		{ID: "s0", At: now.Add(-96 * time.Hour), Component: "web", Status: sla.Operational, Source: "monitor:m"},
		{ID: "s1", At: now.Add(-downAgo), Component: "web", Status: sla.MajorOutage, Source: "monitor:m"},
	}}
	if upAgo > 0 {
		ev.Statuses = append(ev.Statuses, &sla.StatusChange{ID: "s2", At: now.Add(-upAgo), Component: "web", Status: sla.Operational, Source: "monitor:m"})
	}
	return ev
}

// The workbook's table on a 99.9 % plan (a budget of 0.1 %), with the
// burn rates written out: the error rate over a window divided by 0.001.
func TestWorkbookRules(t *testing.T) {
	tg := []Target{{Key: "p/pro", Policy: "p", Plan: plan("99.9"), Component: []string{"web"}}}
	type fire struct {
		rule        string
		long, short float64
	}
	for _, tc := range []struct {
		name      string
		ev        *sla.Evidence
		want      []fire
		objective string
	}{
		{
			// Down for the last 10 minutes. fast: 10/60 ÷ 0.001 = 166.7
			// and 5/5 ÷ 0.001 = 1000, both over 14.4; slow: 10/360 = 27.8
			// and 10/30 = 333.3 over 6; steady: 10/4320 = 2.31 and 27.8
			// over 1.
			name: "an outage going on", ev: evidence(10*time.Minute, 0),
			want: []fire{{"fast", 10.0 / 60 / 0.001, 1000}, {"slow", 10.0 / 360 / 0.001, 10.0 / 30 / 0.001}, {"steady", 10.0 / 4320 / 0.001, 10.0 / 360 / 0.001}},
		},
		{
			// 10 minutes down, over 20 minutes ago: the 5-minute window is
			// clean, so fast stops; slow (30 min: 10/30) and steady go on.
			name: "an outage just over", ev: evidence(30*time.Minute, 20*time.Minute),
			want: []fire{{"slow", 10.0 / 360 / 0.001, 10.0 / 30 / 0.001}, {"steady", 10.0 / 4320 / 0.001, 10.0 / 360 / 0.001}},
		},
		{
			// One minute down 3 hours ago: 6 h: 1/360 ÷ 0.001 = 2.78, under
			// 6; 3 d: 1/4320 ÷ 0.001 = 0.23, under 1. Nothing fires.
			name: "a blip", ev: evidence(3*time.Hour, 3*time.Hour-time.Minute),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(tc.ev, tg, Workbook, now)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d firings %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Rule.Name != w.rule || math.Abs(g.LongBurn-w.long) > 1e-6 || math.Abs(g.ShortBurn-w.short) > 1e-6 || g.Component != "web" {
					t.Errorf("firing %d: got %s long %.4f short %.4f, want %s long %.4f short %.4f", i, g.Rule.Name, g.LongBurn, g.ShortBurn, w.rule, w.long, w.short)
				}
			}
		})
	}
}

// A subscription whose override promises more burns its own, smaller
// budget; one with the plan's terms is the plan's target.
func TestTargetsPerOverride(t *testing.T) {
	base := plan("99.9")
	better := plan("99.99")
	v := &sla.Version{Effective: now.Add(-time.Hour * 24 * 30), Plans: map[string]*sla.Plan{"pro": base}, PlanOrder: []string{"pro"},
		Overrides: []*sla.Override{{Customer: "acme", Plan: better}}}
	pol := &sla.Policy{ID: "p", Components: map[string]*sla.Component{"web": {ID: "web"}}, Versions: []*sla.Version{v}}
	subs := []*sla.Subscription{{ID: "s-acme", Customer: "acme", Plan: "pro", Policy: "p"}, {ID: "s-globex", Customer: "globex", Plan: "pro", Policy: "p"}}
	ts := Targets([]*sla.Policy{pol}, subs, now)
	if len(ts) != 2 || ts[0].Key != "p/pro" || ts[1].Key != "p/pro/s-acme" || ts[1].Plan != better {
		t.Fatalf("targets: %+v", ts)
	}
	// 99.99 % is a budget of 0.01 %: one minute down in the last hour
	// burns 1/60 ÷ 0.0001 = 166.7 for acme, 16.7 for the plan.
	got := Evaluate(evidence(time.Minute, 0), ts, Workbook[:1], now)
	if len(got) != 2 || math.Abs(got[0].LongBurn-1.0/60/0.001) > 1e-6 || math.Abs(got[1].LongBurn-1.0/60/0.0001) > 1e-6 {
		t.Errorf("firings: %+v", got)
	}
}
