package sla

import (
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

const vDay = 24 * time.Hour

func vRat(tb testing.TB, s string) *big.Rat {
	tb.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		tb.Fatalf("bad rational %q", s)
	}
	return r
}

func vBusiness(tb testing.TB) *timeline.Calendar {
	tb.Helper()
	nineToFive := []timeline.Window{{Start: 9 * time.Hour, End: 17 * time.Hour}}
	week := map[time.Weekday][]timeline.Window{}
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = nineToFive
	}
	c, err := timeline.NewCalendar(timeline.CalendarSpec{Name: "business", Location: time.UTC, Week: week})
	if err != nil {
		tb.Fatalf("NewCalendar: %v", err)
	}
	return c
}

// vPlan builds a fully populated plan; every call returns fresh values so
// that a case may change anything.
func vPlan(tb testing.TB, id string) *Plan {
	tb.Helper()
	always := timeline.Always(time.UTC)
	business := vBusiness(tb)
	p := &Plan{
		ID:          id,
		Name:        id,
		Objective:   vRat(tb, "99.9"),
		Period:      timeline.Month,
		Location:    time.UTC,
		Components:  []string{"api", "web"},
		Combine:     CombineAny,
		Formula:     FormulaRemoved,
		Weights:     map[Status]int64{MajorOutage: 1000, PartialOutage: 300},
		MinDowntime: time.Minute,
		Excluded:    map[Cause]bool{CauseMaintenance: true, CauseForceMajeure: true},
		// Five days.
		MaintenanceNotice: 5 * vDay,
		Credits: Credits{
			Tiers: []Tier{
				{Below: vRat(tb, "99.9"), Percent: vRat(tb, "10")},
				{Below: vRat(tb, "99"), Percent: vRat(tb, "25")},
			},
			Cap: vRat(tb, "50"),
		},
		Performance: []*PerfObjective{
			{ID: "latency", Metric: "latency_ms", Aggregate: "p95", Max: vRat(tb, "300"), Credit: vRat(tb, "5"), Components: []string{"api"}},
			{ID: "throughput", Metric: "throughput_mbps", Aggregate: "min", Min: vRat(tb, "100"), Credit: vRat(tb, "5")},
		},
		Support: &Support{
			Pause: map[string]bool{"on_hold": true},
			Priorities: map[string]*Targets{
				"p1": {
					Name:            "Critical",
					FirstResponse:   &Target{Duration: time.Hour, Calendar: always},
					OngoingResponse: &Target{Duration: 4 * time.Hour, Calendar: business},
					UpdateEvery:     &Target{Duration: 2 * time.Hour, Calendar: always},
					Resolution:      &Target{Duration: 8 * time.Hour, Calendar: always},
				},
				"p2": {
					Name:          "High",
					FirstResponse: &Target{Duration: 4 * time.Hour, Calendar: business},
				},
			},
			PriorityOrder: []string{"p1", "p2"},
		},
		Incidents: &IncidentRules{
			UpdateEvery: map[string]*Target{"critical": {Duration: 30 * time.Minute, Calendar: always}},
			Postmortem:  &Target{Duration: 40 * time.Hour, Calendar: business},
		},
		Recovery: &Recovery{RTO: 4 * time.Hour, RPO: time.Hour, BackupEvery: vDay, RestoreTests: 1},
	}
	p.Credits.Claim.Within = 30 * vDay
	return p
}

// vVersion has plans "pro" and "basic" and an override of "pro" for
// customer "acme" with a 99.99 % objective.
func vVersion(tb testing.TB, id string) *Version {
	tb.Helper()
	acme := vPlan(tb, "pro")
	acme.Objective = vRat(tb, "99.99")
	return &Version{
		ID:        id,
		Published: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Effective: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Plans:     map[string]*Plan{"pro": vPlan(tb, "pro"), "basic": vPlan(tb, "basic")},
		PlanOrder: []string{"pro", "basic"},
		Overrides: []*Override{{Customer: "acme", Plan: acme}},
	}
}

func TestReductions(t *testing.T) {
	tests := []struct {
		name string
		// edit changes prev and next, which start equal.
		edit func(tb testing.TB, prev, next *Version)
		want []string
	}{
		{
			name: "identical",
			edit: func(testing.TB, *Version, *Version) {},
		},
		{
			name: "plan removed",
			edit: func(_ testing.TB, _, next *Version) {
				delete(next.Plans, "basic")
				next.PlanOrder = []string{"pro"}
			},
			want: []string{`plan "basic": removed`},
		},
		{
			name: "plan added",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["max"] = vPlan(tb, "max")
				next.PlanOrder = append(next.PlanOrder, "max")
			},
		},
		{
			// The credit also drops just below the old objective, where the
			// 99.9 tier paid 10 % and the new objective pays nothing.
			name: "objective lowered",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Objective = vRat(tb, "99.5")
			},
			want: []string{
				`plan "pro": objective lowered from 99.9 % to 99.5 %`,
				`plan "pro": credits lower at 99.899999999 % uptime: 0 % instead of 10 %`,
			},
		},
		{
			name: "objective raised",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Objective = vRat(tb, "99.95")
			},
		},
		{
			name: "period lengthened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Period = timeline.Quarter
			},
			want: []string{`plan "pro": measurement period lengthened from month to quarter`},
		},
		{
			name: "rolling window lengthened",
			edit: func(_ testing.TB, prev, next *Version) {
				prev.Plans["pro"].Rolling, next.Plans["pro"].Rolling = 28, 30
			},
			want: []string{`plan "pro": rolling window lengthened from 28d to 30d`},
		},
		{
			name: "rolling window shortened",
			edit: func(_ testing.TB, prev, next *Version) {
				prev.Plans["pro"].Rolling, next.Plans["pro"].Rolling = 30, 28
			},
		},
		{
			name: "a month becomes 90 rolling days",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Rolling = 90
			},
			want: []string{`plan "pro": measured over a rolling window of 90d instead of each month`},
		},
		{
			name: "a month becomes 28 rolling days",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Rolling = 28
			},
		},
		{
			name: "period shortened",
			edit: func(_ testing.TB, prev, _ *Version) {
				prev.Plans["pro"].Period = timeline.Year
			},
		},
		{
			name: "component removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Components = []string{"web"}
			},
			want: []string{`plan "pro": component "api" no longer covered`},
		},
		{
			name: "component added",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Components = []string{"api", "web", "db"}
			},
		},
		{
			name: "combine any to worst",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Combine = CombineWorst
			},
			want: []string{`plan "pro": components combined by "worst" instead of "any"`},
		},
		{
			name: "formula removed to excused",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Formula = FormulaExcused
			},
			want: []string{`plan "pro": formula changed from "removed" to "excused"`},
		},
		{
			name: "formula excused to removed",
			edit: func(_ testing.TB, prev, _ *Version) {
				prev.Plans["pro"].Formula = FormulaExcused
			},
		},
		{
			name: "weight lowered",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Weights[PartialOutage] = 100
			},
			want: []string{`plan "pro": weight of partial_outage lowered from 300 to 100 thousandths`},
		},
		{
			name: "weight dropped",
			edit: func(_ testing.TB, _, next *Version) {
				delete(next.Plans["pro"].Weights, PartialOutage)
			},
			want: []string{`plan "pro": weight of partial_outage lowered from 300 to 0 thousandths`},
		},
		{
			name: "weight raised",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Weights[Degraded] = 100
			},
		},
		{
			name: "min downtime raised",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].MinDowntime = 5 * time.Minute
			},
			want: []string{`plan "pro": minimum downtime raised from 1m to 5m`},
		},
		{
			name: "cause newly excluded",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Excluded[CauseDDoS] = true
			},
			want: []string{`plan "pro": cause "ddos" newly excluded`},
		},
		{
			name: "cause no longer excluded",
			edit: func(_ testing.TB, _, next *Version) {
				delete(next.Plans["pro"].Excluded, CauseForceMajeure)
			},
		},
		{
			name: "maintenance notice shortened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].MaintenanceNotice = 2 * vDay
			},
			want: []string{`plan "pro": maintenance notice shortened from 5 days to 2 days`},
		},
		{
			// Below 99 % the second tier paid 25 %, now 15 %.
			name: "tier credit lowered",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Tiers[1].Percent = vRat(tb, "15")
			},
			want: []string{`plan "pro": credits lower at 98.999999999 % uptime: 15 % instead of 25 %`},
		},
		{
			// 99.9 → 99.8: at 99.85 % the old schedule paid 10 %, the new
			// one nothing; the first probe below 99.9 shows it.
			name: "tier threshold lowered",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Tiers[0].Below = vRat(tb, "99.8")
			},
			want: []string{`plan "pro": credits lower at 99.899999999 % uptime: 0 % instead of 10 %`},
		},
		{
			name: "tier credit raised",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Tiers[0].Percent = vRat(tb, "15")
			},
		},
		{
			// Linear 10 % per point below the objective, pro rata: at
			// 99.899 % that is 0.001 × 10 = 0.01 % instead of the tier's 10 %.
			name: "tiers replaced by linear",
			edit: func(tb testing.TB, _, next *Version) {
				c := &next.Plans["pro"].Credits
				c.Tiers = nil
				c.Linear = &Linear{Per: vRat(tb, "1"), Percent: vRat(tb, "10"), FromObjective: true, Rounding: RoundProRata}
			},
			want: []string{`plan "pro": credits lower at 99.899999999 % uptime: 0.00000001 % instead of 10 %`},
		},
		{
			// A linear schedule on top of the tiers only ever adds credit.
			name: "linear added to tiers",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Linear = &Linear{Per: vRat(tb, "1"), Percent: vRat(tb, "10"), Rounding: RoundCeil}
			},
		},
		{
			// The tiers never exceed 25 %, so only the cap itself is lower.
			name: "cap lowered",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Cap = vRat(tb, "25")
			},
			want: []string{`plan "pro": credit cap lowered from 50 % to 25 %`},
		},
		{
			// Below 99 % the credit was 25 %, now capped at 20 %.
			name: "cap lowered below a tier",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Cap = vRat(tb, "20")
			},
			want: []string{
				`plan "pro": credits lower at 98.999999999 % uptime: 20 % instead of 25 %`,
				`plan "pro": credit cap lowered from 50 % to 20 %`,
			},
		},
		{
			name: "cap raised to none",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Cap = nil
			},
		},
		{
			name: "claim automatic to on request",
			edit: func(_ testing.TB, prev, _ *Version) {
				prev.Plans["pro"].Credits.Claim.Automatic = true
			},
			want: []string{`plan "pro": credits no longer applied automatically: they must be claimed within 30 days of the period end`},
		},
		{
			name: "claim on request to automatic",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Claim.Automatic = true
			},
		},
		{
			name: "claim window shortened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Claim.Within = 7 * vDay
			},
			want: []string{`plan "pro": claim window shortened from within 30 days of the period end to within 7 days of the period end`},
		},
		{
			name: "claim window lengthened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Claim.Within = 60 * vDay
			},
		},
		{
			// The failure can fall early in the period: conservatively a
			// reduction whatever the lengths.
			name: "claim window from period end to failure",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Credits.Claim.FromFailure = true
				next.Plans["pro"].Credits.Claim.Within = 45 * vDay
			},
			want: []string{`plan "pro": claim window moved from within 30 days of the period end to within 45 days of the service failure`},
		},
		{
			// The period ends no earlier than the failure.
			name: "claim window from failure to period end",
			edit: func(_ testing.TB, prev, _ *Version) {
				prev.Plans["pro"].Credits.Claim.FromFailure = true
			},
		},
		{
			name: "claim window from failure to shorter period end",
			edit: func(_ testing.TB, prev, next *Version) {
				prev.Plans["pro"].Credits.Claim.FromFailure = true
				next.Plans["pro"].Credits.Claim.Within = 7 * vDay
			},
			want: []string{`plan "pro": claim window shortened from within 30 days of the service failure to within 7 days of the period end`},
		},
		{
			name: "claim deadline added",
			edit: func(_ testing.TB, prev, _ *Version) {
				prev.Plans["pro"].Credits.Claim.Within = 0
			},
			want: []string{`plan "pro": claim window shortened from no deadline to within 30 days of the period end`},
		},
		{
			name: "eligibility conditions added",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Eligibility = Eligibility{GoodStanding: true, NotTrial: true}
			},
			want: []string{
				`plan "pro": eligibility condition added: account in good standing`,
				`plan "pro": eligibility condition added: not on a free trial`,
			},
		},
		{
			name: "eligibility condition dropped",
			edit: func(_ testing.TB, prev, _ *Version) {
				prev.Plans["pro"].Eligibility.GoodStanding = true
			},
		},
		{
			name: "performance objective removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Performance = next.Plans["pro"].Performance[1:]
			},
			want: []string{`plan "pro": performance objective "latency" removed`},
		},
		{
			name: "performance max raised",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Performance[0].Max = vRat(tb, "500")
			},
			want: []string{`plan "pro": performance objective "latency": max raised from 300 to 500`},
		},
		{
			name: "performance max lowered",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Performance[0].Max = vRat(tb, "250")
			},
		},
		{
			name: "performance min lowered",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Performance[1].Min = vRat(tb, "50")
			},
			want: []string{`plan "pro": performance objective "throughput": min lowered from 100 to 50`},
		},
		{
			name: "performance credit lowered",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Performance[0].Credit = vRat(tb, "2.5")
			},
			want: []string{`plan "pro": performance objective "latency": credit lowered from 5 % to 2.5 %`},
		},
		{
			// p90 under a max bound lets the slowest 10 % through, not 5 %.
			name: "performance percentile lowered",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Performance[0].Aggregate = "p90"
			},
			want: []string{`plan "pro": performance objective "latency": aggregate changed from p95 to p90`},
		},
		{
			name: "performance percentile raised",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Performance[0].Aggregate = "p99"
			},
		},
		{
			name: "support removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Support = nil
			},
			want: []string{`plan "pro": support targets removed`},
		},
		{
			name: "support pause status added",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Support.Pause["pending"] = true
			},
			want: []string{`plan "pro": support clocks now pause in ticket status "pending"`},
		},
		{
			name: "support pause status dropped",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Support.Pause = nil
			},
		},
		{
			name: "support reopen semantics changed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Support.ReopenRestart = true
			},
			want: []string{`plan "pro": on reopen the resolution clock now restarts instead of continuing`},
		},
		{
			name: "support priority change semantics changed",
			edit: func(_ testing.TB, prev, _ *Version) {
				prev.Plans["pro"].Support.PriorityRestart = true
			},
			want: []string{`plan "pro": after a priority change the targets are now measured from the ticket's creation instead of from the change`},
		},
		{
			name: "support priority removed",
			edit: func(_ testing.TB, _, next *Version) {
				delete(next.Plans["pro"].Support.Priorities, "p2")
			},
			want: []string{`plan "pro": support priority "p2" removed`},
		},
		{
			name: "support target removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Support.Priorities["p1"].Resolution = nil
			},
			want: []string{`plan "pro": support priority "p1": resolution target removed`},
		},
		{
			name: "support target lengthened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Support.Priorities["p1"].FirstResponse.Duration = 4 * time.Hour
			},
			want: []string{`plan "pro": support priority "p1": first response target lengthened from 1h to 4h`},
		},
		{
			name: "support range's lower end removed",
			edit: func(_ testing.TB, prev, _ *Version) {
				prev.Plans["pro"].Support.Priorities["p1"].FirstResponse.Lower = 15 * time.Minute
			},
			want: []string{`plan "pro": support priority "p1": first response range's lower end removed (was 15m)`},
		},
		{
			name: "support range's lower end lengthened",
			edit: func(_ testing.TB, prev, next *Version) {
				prev.Plans["pro"].Support.Priorities["p1"].FirstResponse.Lower = 15 * time.Minute
				next.Plans["pro"].Support.Priorities["p1"].FirstResponse.Lower = 30 * time.Minute
			},
			want: []string{`plan "pro": support priority "p1": first response range's lower end lengthened from 15m to 30m`},
		},
		{
			// 15m-1h becomes a firm 15m: stricter, not looser.
			name: "support range tightened to its lower end",
			edit: func(_ testing.TB, prev, next *Version) {
				prev.Plans["pro"].Support.Priorities["p1"].FirstResponse.Lower = 15 * time.Minute
				next.Plans["pro"].Support.Priorities["p1"].FirstResponse.Duration = 15 * time.Minute
			},
		},
		{
			name: "support target shortened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Support.Priorities["p1"].FirstResponse.Duration = 30 * time.Minute
			},
		},
		{
			name: "support target calendar changed",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["pro"].Support.Priorities["p1"].UpdateEvery.Calendar = vBusiness(tb)
			},
			want: []string{`plan "pro": support priority "p1": update interval calendar changed from "24/7" to "business"`},
		},
		{
			name: "incident rules removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Incidents = nil
			},
			want: []string{`plan "pro": incident rules removed`},
		},
		{
			name: "incident update cadence lengthened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Incidents.UpdateEvery["critical"].Duration = time.Hour
			},
			want: []string{`plan "pro": incident updates for severity "critical" target lengthened from 30m to 1h`},
		},
		{
			name: "incident update cadence removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Incidents.UpdateEvery = nil
			},
			want: []string{`plan "pro": incident updates for severity "critical" target removed`},
		},
		{
			name: "post-mortem lengthened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Incidents.Postmortem.Duration = 80 * time.Hour
			},
			want: []string{`plan "pro": post-mortem target lengthened from 40h to 80h`},
		},
		{
			name: "post-mortem removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Incidents.Postmortem = nil
			},
			want: []string{`plan "pro": post-mortem target removed`},
		},
		{
			name: "post-mortem narrowed to some severities",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Incidents.PostmortemSeverities = map[string]bool{"critical": true}
			},
			want: []string{`plan "pro": post-mortem now required only for severities "critical"`},
		},
		{
			name: "recovery removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Recovery = nil
			},
			want: []string{`plan "pro": recovery objectives removed`},
		},
		{
			name: "recovery objectives loosened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Recovery = &Recovery{RTO: 8 * time.Hour, BackupEvery: 7 * vDay}
			},
			want: []string{
				`plan "pro": RTO lengthened from 4h to 8h`,
				`plan "pro": RPO removed (was 1h)`,
				`plan "pro": backup interval lengthened from 1 day to 7 days`,
				`plan "pro": restore tests per period reduced from 1 to 0`,
			},
		},
		{
			name: "maximum data loss loosened",
			edit: func(_ testing.TB, prev, next *Version) {
				prev.Plans["pro"].Recovery.MaxDataLoss = 24 * time.Hour
				next.Plans["pro"].Recovery.MaxDataLoss = 48 * time.Hour
			},
			want: []string{`plan "pro": maximum data loss lengthened from 1 day to 2 days`},
		},
		{
			name: "upstream objectives loosened",
			edit: func(tb testing.TB, prev, next *Version) {
				prev.Plans["pro"].Upstream = []*UpstreamObjective{{Component: "sf", Objective: vRat(tb, "99.9")}, {Component: "gh", Objective: vRat(tb, "99.5")}, {Component: "aws"}}
				next.Plans["pro"].Upstream = []*UpstreamObjective{{Component: "sf", Objective: vRat(tb, "99.5")}, {Component: "gh"}}
			},
			want: []string{
				`plan "pro": objective on upstream component "sf" lowered from 99.9 % to 99.5 %`,
				`plan "pro": objective on upstream component "gh" removed (was 99.5 %)`,
				`plan "pro": upstream component "aws" no longer reported`,
			},
		},
		{
			name: "upstream objective raised",
			edit: func(tb testing.TB, prev, next *Version) {
				prev.Plans["pro"].Upstream = []*UpstreamObjective{{Component: "sf"}}
				next.Plans["pro"].Upstream = []*UpstreamObjective{{Component: "sf", Objective: vRat(tb, "99.9")}, {Component: "gh"}}
			},
		},
		{
			name: "recovery objectives tightened",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Recovery = &Recovery{RTO: time.Hour, RPO: 15 * time.Minute, BackupEvery: 6 * time.Hour, RestoreTests: 4}
			},
		},
		{
			name: "several plans in plan order",
			edit: func(tb testing.TB, _, next *Version) {
				next.Plans["basic"].Recovery.RestoreTests = 0
				next.Plans["pro"].MinDowntime = 2 * time.Minute
				next.Plans["pro"].Recovery.RTO = 5 * time.Hour
			},
			want: []string{
				`plan "pro": minimum downtime raised from 1m to 2m`,
				`plan "pro": RTO lengthened from 4h to 5h`,
				`plan "basic": restore tests per period reduced from 1 to 0`,
			},
		},
		{
			// acme falls back to the standard plan, whose objective is lower.
			name: "override removed",
			edit: func(_ testing.TB, _, next *Version) {
				next.Overrides = nil
			},
			want: []string{
				`customer "acme" plan "pro": override removed`,
				`customer "acme" plan "pro": objective lowered from 99.99 % to 99.9 %`,
			},
		},
		{
			name: "override reduced",
			edit: func(tb testing.TB, _, next *Version) {
				next.Overrides[0].Plan.Recovery.RPO = 4 * time.Hour
			},
			want: []string{`customer "acme" plan "pro": RPO lengthened from 1h to 4h`},
		},
		{
			name: "override improved",
			edit: func(tb testing.TB, _, next *Version) {
				next.Overrides[0].Plan.Credits.Cap = nil
			},
		},
		{
			// The standard plan's reduction is reported once, under the
			// plan; acme keeps its own override.
			name: "plan reduced under an override",
			edit: func(_ testing.TB, _, next *Version) {
				next.Plans["pro"].Excluded[CauseThirdParty] = true
			},
			want: []string{`plan "pro": cause "third_party" newly excluded`},
		},
		{
			// globex had the standard plan and now gets a worse one.
			name: "new override below the standard plan",
			edit: func(tb testing.TB, _, next *Version) {
				g := vPlan(tb, "basic")
				g.Combine = CombineWorst
				next.Overrides = append(next.Overrides, &Override{Customer: "globex", Plan: g})
			},
			want: []string{`customer "globex" plan "basic": components combined by "worst" instead of "any"`},
		},
		{
			name: "new override above the standard plan",
			edit: func(tb testing.TB, _, next *Version) {
				g := vPlan(tb, "basic")
				g.Objective = vRat(tb, "99.95")
				next.Overrides = append(next.Overrides, &Override{Customer: "globex", Plan: g})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev, next := vVersion(t, "v1"), vVersion(t, "v2")
			tt.edit(t, prev, next)
			got := Reductions(prev, next)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Reductions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreditPercent(t *testing.T) {
	tiers := func(tb testing.TB) *Credits {
		tb.Helper()
		return &Credits{Tiers: []Tier{
			{Below: vRat(tb, "99.5"), Percent: vRat(tb, "10")},
			{Below: vRat(tb, "99.0"), Percent: vRat(tb, "15")},
		}}
	}
	linear := func(tb testing.TB, r Rounding) *Credits {
		tb.Helper()
		return &Credits{Linear: &Linear{Per: vRat(tb, "1"), Percent: vRat(tb, "10"), Rounding: r}}
	}
	tests := []struct {
		name      string
		credits   func(tb testing.TB) *Credits
		objective string
		uptime    string
		want      string
	}{
		// Tiers "< 99.5 → 10 %, < 99.0 → 15 %" under a 99.9 % objective.
		{name: "tiers at 99.5: not strictly below", credits: tiers, objective: "99.9", uptime: "99.5", want: "0"},
		{name: "tiers at 99.4999: below 99.5 only", credits: tiers, objective: "99.9", uptime: "99.4999", want: "10"},
		{name: "tiers at 99.0: below 99.5, not 99.0", credits: tiers, objective: "99.9", uptime: "99.0", want: "10"},
		{name: "tiers at 98.99: below both, largest wins", credits: tiers, objective: "99.9", uptime: "98.99", want: "15"},
		// Under a 99.0 % objective the 99.5 tier is unreachable at 99.2.
		{name: "tiers above the objective", credits: tiers, objective: "99.0", uptime: "99.2", want: "0"},
		// 10 % per 1 point of downtime; 100 − 98.5 = 1.5 points.
		{name: "linear floor: 1 step × 10", credits: func(tb testing.TB) *Credits { return linear(tb, RoundFloor) }, objective: "99.9", uptime: "98.5", want: "10"},
		{name: "linear ceil: 2 steps × 10", credits: func(tb testing.TB) *Credits { return linear(tb, RoundCeil) }, objective: "99.9", uptime: "98.5", want: "20"},
		{name: "linear pro rata: 1.5 steps × 10", credits: func(tb testing.TB) *Credits { return linear(tb, RoundProRata) }, objective: "99.9", uptime: "98.5", want: "15"},
		// Whole steps: 100 − 98 = 2 points, floor and ceil agree.
		{name: "linear ceil on a whole step", credits: func(tb testing.TB) *Credits { return linear(tb, RoundCeil) }, objective: "99.9", uptime: "98", want: "20"},
		// From the objective: 99.9 − 98.5 = 1.4 points × 10 = 14.
		{
			name: "linear pro rata from objective",
			credits: func(tb testing.TB) *Credits {
				c := linear(tb, RoundProRata)
				c.Linear.FromObjective = true
				return c
			},
			objective: "99.9", uptime: "98.5", want: "14",
		},
		// 100 − 90 = 10 points × 10 = 100, capped at 50.
		{
			name: "linear capped",
			credits: func(tb testing.TB) *Credits {
				c := linear(tb, RoundProRata)
				c.Cap = vRat(tb, "50")
				return c
			},
			objective: "99.9", uptime: "90", want: "50",
		},
		// 100 − 80 = 20 points × 10 = 200, capped at the default 100.
		{name: "linear capped at 100 by default", credits: func(tb testing.TB) *Credits { return linear(tb, RoundProRata) }, objective: "99.9", uptime: "80", want: "100"},
		// Tiers give 10 (below 99.5), linear floor gives 1 step × 10 = 10 at
		// 98.6 → tiers 15 (below 99.0) beat linear 10.
		{
			name: "tiers and linear: the larger",
			credits: func(tb testing.TB) *Credits {
				c := tiers(tb)
				c.Linear = linear(tb, RoundFloor).Linear
				return c
			},
			objective: "99.9", uptime: "98.6", want: "15",
		},
		// At 97.5: tiers 15, linear ceil 3 steps × 10 = 30 → 30.
		{
			name: "tiers and linear: linear larger",
			credits: func(tb testing.TB) *Credits {
				c := tiers(tb)
				c.Linear = linear(tb, RoundCeil).Linear
				return c
			},
			objective: "99.9", uptime: "97.5", want: "30",
		},
		// No credit at or above the objective, whatever the schedule says.
		{name: "at the objective", credits: func(tb testing.TB) *Credits { return linear(tb, RoundCeil) }, objective: "99.9", uptime: "99.9", want: "0"},
		{name: "no schedule", credits: func(testing.TB) *Credits { return nil }, objective: "99.9", uptime: "50", want: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, up := vRat(t, tt.objective), vRat(t, tt.uptime)
			got := CreditPercent(tt.credits(t), obj, up)
			if want := vRat(t, tt.want); got.Cmp(want) != 0 {
				t.Errorf("CreditPercent(%s, %s) = %s, want %s", tt.objective, tt.uptime, got.RatString(), want.RatString())
			}
			if obj.Cmp(vRat(t, tt.objective)) != 0 || up.Cmp(vRat(t, tt.uptime)) != 0 {
				t.Errorf("CreditPercent modified its arguments: got objective %s, uptime %s", obj.RatString(), up.RatString())
			}
		})
	}
}

func TestCheckNotice(t *testing.T) {
	published := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// January has 31 days and February 28 in 2026: 1 March is 59 days after
	// 1 January and 2 March is 60.
	tests := []struct {
		name       string
		noticeDays int
		effective  time.Time
		reduce     bool
		want       []string
	}{
		{
			name:       "reducing version 59 days after publication",
			noticeDays: 60,
			effective:  time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			reduce:     true,
			want: []string{`version "v2" takes effect 2026-03-01, before 2026-03-02 (60 days after its publication on 2026-01-01), yet reduces protections: ` +
				`plan "pro": objective lowered from 99.9 % to 99.8 %; plan "pro": credits lower at 99.899999999 % uptime: 0 % instead of 10 %`},
		},
		{
			name:       "reducing version 60 days after publication",
			noticeDays: 60,
			effective:  time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
			reduce:     true,
		},
		{
			name:       "non-reducing version at once",
			noticeDays: 60,
			effective:  published,
		},
		{
			name:      "no notice rule",
			effective: published,
			reduce:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v1 := vVersion(t, "v1")
			v1.Published = published.AddDate(0, -3, 0)
			v1.Effective = published.AddDate(0, -2, 0)
			v2 := vVersion(t, "v2")
			v2.Published, v2.Effective = published, tt.effective
			if tt.reduce {
				v2.Plans["pro"].Objective = vRat(t, "99.8")
			} else {
				v2.Plans["pro"].Objective = vRat(t, "99.95")
			}
			p := &Policy{ID: "p", NoticeDays: tt.noticeDays, Versions: []*Version{v1, v2}}
			errs := p.CheckNotice()
			var got []string
			for _, err := range errs {
				got = append(got, err.Error())
				var ne *NoticeError
				if !errors.As(err, &ne) {
					t.Errorf("got error of type %T, want *NoticeError", err)
				} else if ne.Version != "v2" {
					t.Errorf("got version %q, want %q", ne.Version, "v2")
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckNotice mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
