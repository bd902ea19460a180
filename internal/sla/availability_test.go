package sla

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// The availability tests build policies and evidence in Go so that each case
// shows the whole of its input next to the arithmetic it expects.

func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("bad time %q: %v", s, err)
	}
	return t.UTC()
}

func loc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad rat " + s)
	}
	return r
}

// testPlan is a 99.9 % monthly UTC plan on web and api with the default
// weights, excluding maintenance, force majeure, third party and DDoS.
func testPlan() *Plan {
	return &Plan{
		ID: "pro", Name: "Pro", Objective: rat("99.9"), Period: timeline.Month, Location: time.UTC,
		Components: []string{"web", "api"}, Combine: CombineAny, Formula: FormulaExcused,
		Weights:  map[Status]int64{MajorOutage: 1000, UnderMaintenance: 1000, PartialOutage: 300, Degraded: 0, Operational: 0},
		Excluded: map[Cause]bool{CauseMaintenance: true, CauseForceMajeure: true, CauseThirdParty: true, CauseDDoS: true},
		Credits: Credits{
			Tiers: []Tier{{Below: rat("99.9"), Percent: rat("10")}, {Below: rat("99.5"), Percent: rat("25")}},
			Claim: ClaimRule{Automatic: true},
		},
	}
}

func testPolicy(plan *Plan) *Policy {
	return &Policy{
		ID: "test",
		Components: map[string]*Component{
			"web":        {ID: "web"},
			"api":        {ID: "api"},
			"ai":         {ID: "ai", Beta: true},
			"salesforce": {ID: "salesforce", Upstream: true},
			"app":        {ID: "app", DependsOn: []string{"salesforce"}},
		},
		Versions: []*Version{{ID: "v1", Effective: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Plans: map[string]*Plan{plan.ID: plan}, PlanOrder: []string{plan.ID}}},
	}
}

// down returns the two status facts of one outage.
func down(tb testing.TB, id, comp, source string, st Status, from, to string) []*StatusChange {
	tb.Helper()
	return []*StatusChange{
		{ID: id + "-down", At: at(tb, from), Component: comp, Status: st, Source: source},
		{ID: id + "-up", At: at(tb, to), Component: comp, Status: Operational, Source: source},
	}
}

func sub(tb testing.TB) *Subscription {
	tb.Helper()
	return &Subscription{ID: "s1", Customer: "acme", Plan: "pro", Fee: rat("1000"), Currency: "EUR", Start: at(tb, "2020-01-01T00:00:00Z")}
}

func evaluate(tb testing.TB, pol *Policy, ev *Evidence, period string, asOf string) *Report {
	tb.Helper()
	if len(ev.Subscriptions) == 0 {
		ev.Subscriptions = []*Subscription{sub(tb)}
	}
	rep, err := Evaluate(Request{Policy: pol, Evidence: ev, Period: period, AsOf: at(tb, asOf), Explain: true})
	if err != nil {
		tb.Fatalf("evaluate: %v", err)
	}
	return rep
}

func checkUptime(tb testing.TB, sr *SubscriptionReport, want *big.Rat) {
	tb.Helper()
	if sr.UptimeExact != want.RatString() {
		tb.Errorf("uptime: got %s (%.6f), want %s (%.6f)", sr.UptimeExact, sr.Uptime, want.RatString(), ratFloat(want))
	}
}

// pctOf is (num/den)·100 as an exact fraction.
func pctOf(num, den int64) *big.Rat { return big.NewRat(num*100, den) }

func TestUptimePeriods(t *testing.T) {
	tests := []struct {
		name     string
		zone     string
		period   string
		outage   [2]string
		total    float64 // minutes
		liable   float64
		wantUp   *big.Rat
		wantMet  bool
		monthLen string
	}{
		// 31 days × 1440 = 44,640 min; 60 min down: 44,580 / 44,640.
		{name: "31-day month", zone: "UTC", period: "2026-01", outage: [2]string{"2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z"}, total: 44640, liable: 60, wantUp: pctOf(44580, 44640)},
		// 28 × 1440 = 40,320; 30 min down: 40,290 / 40,320 = 99.9256 % ≥ 99.9.
		{name: "28-day February", zone: "UTC", period: "2026-02", outage: [2]string{"2026-02-10T10:00:00Z", "2026-02-10T10:30:00Z"}, total: 40320, liable: 30, wantUp: pctOf(40290, 40320), wantMet: true},
		// 2028 is a leap year: 29 × 1440 = 41,760; 30 min: 41,730 / 41,760.
		{name: "29-day leap February", zone: "UTC", period: "2028-02", outage: [2]string{"2028-02-29T10:00:00Z", "2028-02-29T10:30:00Z"}, total: 41760, liable: 30, wantUp: pctOf(41730, 41760), wantMet: true},
		// 30 × 1440 = 43,200; 43.2 min is exactly 0.1 %: 99.9 % is met.
		{name: "30-day month, objective met exactly", zone: "UTC", period: "2026-04", outage: [2]string{"2026-04-10T10:00:00Z", "2026-04-10T10:43:12Z"}, total: 43200, liable: 43.2, wantUp: big.NewRat(999, 10), wantMet: true},
		// October 2026 in Berlin ends DST on the 25th: 31 × 1440 + 60 = 44,700.
		{name: "Berlin October, DST ends", zone: "Europe/Berlin", period: "2026-10", outage: [2]string{"2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"}, total: 44700, liable: 60, wantUp: pctOf(44640, 44700)},
		// March 2026 in Berlin starts DST on the 29th: 44,640 − 60 = 44,580.
		{name: "Berlin March, DST starts", zone: "Europe/Berlin", period: "2026-03", outage: [2]string{"2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z"}, total: 44580, liable: 60, wantUp: pctOf(44520, 44580)},
		// New York, November 2026: DST ends on the 1st: 30 × 1440 + 60 = 43,260.
		{name: "New York November, DST ends", zone: "America/New_York", period: "2026-11", outage: [2]string{"2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"}, total: 43260, liable: 60, wantUp: pctOf(43200, 43260)},
		// New York, March 2026: DST starts on the 8th: 44,640 − 60 = 44,580.
		{name: "New York March, DST starts", zone: "America/New_York", period: "2026-03", outage: [2]string{"2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"}, total: 44580, liable: 60, wantUp: pctOf(44520, 44580)},
		// The Berlin month starts at 2026-09-30T22:00Z: an outage 21:00–23:00Z
		// counts 60 min in October (22:00–23:00Z).
		{name: "month bounds are local midnight", zone: "Europe/Berlin", period: "2026-10", outage: [2]string{"2026-09-30T21:00:00Z", "2026-09-30T23:00:00Z"}, total: 44700, liable: 60, wantUp: pctOf(44640, 44700)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			plan.Location = loc(t, tt.zone)
			ev := &Evidence{Statuses: down(t, "o", "web", "m", MajorOutage, tt.outage[0], tt.outage[1])}
			rep := evaluate(t, testPolicy(plan), ev, tt.period, "2030-01-01T00:00:00Z")
			sr := rep.Subscriptions[0]
			if sr.TotalMinutes != tt.total {
				t.Errorf("total minutes: got %v, want %v", sr.TotalMinutes, tt.total)
			}
			if sr.LiableMinutes != tt.liable {
				t.Errorf("liable minutes: got %v, want %v", sr.LiableMinutes, tt.liable)
			}
			checkUptime(t, sr, tt.wantUp)
			if sr.Met != tt.wantMet {
				t.Errorf("met: got %v, want %v", sr.Met, tt.wantMet)
			}
		})
	}
}

func TestOutageAcrossMonthBoundary(t *testing.T) {
	// 2026-10-31 23:30Z → 2026-11-01 00:30Z: 30 min in each month.
	plan := testPlan()
	ev := &Evidence{Statuses: down(t, "o", "web", "m", MajorOutage, "2026-10-31T23:30:00Z", "2026-11-01T00:30:00Z")}
	for _, tt := range []struct {
		period string
		total  int64
	}{{"2026-10", 44640}, {"2026-11", 43200}} {
		rep := evaluate(t, testPolicy(plan), ev, tt.period, "2030-01-01T00:00:00Z")
		sr := rep.Subscriptions[0]
		if sr.LiableMinutes != 30 {
			t.Errorf("%s liable: got %v, want 30", tt.period, sr.LiableMinutes)
		}
		checkUptime(t, sr, pctOf(tt.total-30, tt.total))
	}
	// A quarter of a monthly plan gives one result per month.
	rep := evaluate(t, testPolicy(plan), ev, "2026-Q4", "2030-01-01T00:00:00Z")
	if len(rep.Subscriptions) != 3 {
		t.Fatalf("quarter: got %d results, want 3 months", len(rep.Subscriptions))
	}
	for i, want := range []float64{30, 30, 0} {
		if got := rep.Subscriptions[i].LiableMinutes; got != want {
			t.Errorf("Q4 month %d liable: got %v, want %v", i+1, got, want)
		}
	}
}

func TestOverlapsAndCombine(t *testing.T) {
	const d = 44640 // October 2026 UTC
	tests := []struct {
		name     string
		combine  Combine
		statuses [][]*StatusChange
		liable   float64
		wantUp   *big.Rat
	}{
		{
			// Two monitors of web: 10:00–11:00 and 10:30–11:30. Union 10:00–11:30 = 90.
			name:    "two sources of one component count once",
			combine: CombineAny,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "eu", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z"),
				down(t, "b", "web", "us", MajorOutage, "2026-10-05T10:30:00Z", "2026-10-05T11:30:00Z"),
			},
			liable: 90, wantUp: pctOf(d-90, d),
		},
		{
			// web 10:00–11:00 and api 10:30–11:30: the service is down 10:00–11:30 = 90.
			name:    "any component down: union",
			combine: CombineAny,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z"),
				down(t, "b", "api", "m", MajorOutage, "2026-10-05T10:30:00Z", "2026-10-05T11:30:00Z"),
			},
			liable: 90, wantUp: pctOf(d-90, d),
		},
		{
			// Per component: web 60, api 45; the worst (web, 60) decides.
			name:    "worst component decides",
			combine: CombineWorst,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z"),
				down(t, "b", "api", "m", MajorOutage, "2026-10-05T10:30:00Z", "2026-10-05T11:15:00Z"),
			},
			liable: 60, wantUp: pctOf(d-60, d),
		},
		{
			// Partial (0.3) on web 10:00–12:00 and major on api 11:00–11:30:
			// 10:00–11:00 0.3×60 = 18, 11:00–11:30 1×30 = 30, 11:30–12:00 0.3×30 = 9; N = 57.
			name:    "weights: the larger weight counts at each instant",
			combine: CombineAny,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", PartialOutage, "2026-10-05T10:00:00Z", "2026-10-05T12:00:00Z"),
				down(t, "b", "api", "m", MajorOutage, "2026-10-05T11:00:00Z", "2026-10-05T11:30:00Z"),
			},
			liable: 57, wantUp: pctOf(d*10-570, d*10),
		},
		{
			// Degraded has weight 0 by default: no downtime.
			name:    "degraded performance is not downtime by default",
			combine: CombineAny,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", Degraded, "2026-10-05T10:00:00Z", "2026-10-05T12:00:00Z"),
			},
			liable: 0, wantUp: big.NewRat(100, 1),
		},
		{
			// A later fact from the same source replaces the status: major
			// 10:00, partial 10:20, operational 10:40: 20 + 0.3×20 = 26.
			name:    "status changes within one outage",
			combine: CombineAny,
			statuses: [][]*StatusChange{{
				{ID: "x1", At: at(t, "2026-10-05T10:00:00Z"), Component: "web", Status: MajorOutage, Source: "m"},
				{ID: "x2", At: at(t, "2026-10-05T10:20:00Z"), Component: "web", Status: PartialOutage, Source: "m"},
				{ID: "x3", At: at(t, "2026-10-05T10:40:00Z"), Component: "web", Status: Operational, Source: "m"},
			}},
			liable: 26, wantUp: pctOf(d-26, d),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			plan.Combine = tt.combine
			ev := &Evidence{}
			for _, s := range tt.statuses {
				ev.Statuses = append(ev.Statuses, s...)
			}
			sr := evaluate(t, testPolicy(plan), ev, "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
			if diff := sr.LiableMinutes - tt.liable; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("liable: got %v, want %v", sr.LiableMinutes, tt.liable)
			}
			checkUptime(t, sr, tt.wantUp)
		})
	}
}

func TestDegradedCountsWhenPolicySaysSo(t *testing.T) {
	// "responding within normal parameters" (seed 001): degraded weight 1.
	// 120 min degraded → N = 120.
	plan := testPlan()
	plan.Weights[Degraded] = 1000
	ev := &Evidence{Statuses: down(t, "a", "web", "m", Degraded, "2026-10-05T10:00:00Z", "2026-10-05T12:00:00Z")}
	sr := evaluate(t, testPolicy(plan), ev, "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
	checkUptime(t, sr, pctOf(44640-120, 44640))
}

func TestMaintenance(t *testing.T) {
	const d = 44640
	outage := func(tb testing.TB) []*StatusChange {
		// 09:00–11:00 down; the window is 10:00–12:00.
		return down(tb, "o", "web", "m", MajorOutage, "2026-10-05T09:00:00Z", "2026-10-05T11:00:00Z")
	}
	window := func(tb testing.TB, announced string) *Maintenance {
		return &Maintenance{ID: "mw", Components: []string{"web"}, Start: at(tb, "2026-10-05T10:00:00Z"), End: at(tb, "2026-10-05T12:00:00Z"), AnnouncedAt: at(tb, announced), Title: "upgrade"}
	}
	tests := []struct {
		name      string
		formula   Formula
		announced string
		liable    float64
		maintMin  float64
		excluded  float64
		wantUp    *big.Rat
	}{
		// Announced 72 h ahead, notice 48 h: 10:00–11:00 excused. N = 60.
		{name: "outage overlapping timely maintenance", formula: FormulaExcused, announced: "2026-10-02T10:00:00Z", liable: 60, excluded: 60, wantUp: pctOf(d-60, d)},
		// Exactly 48 h ahead is in time.
		{name: "announced exactly at the notice", formula: FormulaExcused, announced: "2026-10-03T10:00:00Z", liable: 60, excluded: 60, wantUp: pctOf(d-60, d)},
		// 47h59m59s ahead is one second late: nothing excused. N = 120.
		{name: "late-announced maintenance excuses nothing", formula: FormulaExcused, announced: "2026-10-03T10:00:01Z", liable: 120, wantUp: pctOf(d-120, d)},
		// (D − P − N) ÷ (D − P): P = 120, N = 60 (09:00–10:00).
		{name: "formula removed: window out of the period", formula: FormulaRemoved, announced: "2026-10-02T10:00:00Z", liable: 60, maintMin: 120, wantUp: pctOf(d-120-60, d-120)},
		// A late window is not P: (D − 120) ÷ D.
		{name: "formula removed, late window", formula: FormulaRemoved, announced: "2026-10-05T09:00:00Z", liable: 120, wantUp: pctOf(d-120, d)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			plan.Formula = tt.formula
			plan.MaintenanceNotice = 48 * time.Hour
			ev := &Evidence{Statuses: outage(t), Maintenance: []*Maintenance{window(t, tt.announced)}}
			sr := evaluate(t, testPolicy(plan), ev, "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
			if sr.LiableMinutes != tt.liable {
				t.Errorf("liable: got %v, want %v", sr.LiableMinutes, tt.liable)
			}
			if sr.MaintenanceMinutes != tt.maintMin {
				t.Errorf("maintenance minutes: got %v, want %v", sr.MaintenanceMinutes, tt.maintMin)
			}
			if got := sr.ExcludedMinutes[CauseMaintenance]; got != tt.excluded {
				t.Errorf("excluded maintenance: got %v, want %v", got, tt.excluded)
			}
			checkUptime(t, sr, tt.wantUp)
		})
	}
}

func TestMinimumDowntime(t *testing.T) {
	plan := testPlan()
	plan.MinDowntime = 60 * time.Second
	ev := &Evidence{}
	// 59 s: ignored. 60 s: counted. 30 s before and 40 s after the month
	// boundary: 70 s in all, counted (30 s in October, 40 s in November).
	ev.Statuses = append(ev.Statuses, down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T10:00:59Z")...)
	ev.Statuses = append(ev.Statuses, down(t, "b", "web", "m", MajorOutage, "2026-10-06T10:00:00Z", "2026-10-06T10:01:00Z")...)
	ev.Statuses = append(ev.Statuses, down(t, "c", "web", "m", MajorOutage, "2026-10-31T23:59:30Z", "2026-11-01T00:00:40Z")...)
	oct := evaluate(t, testPolicy(plan), ev, "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
	// N = 60 + 30 = 90 s = 1.5 min; ignored 59 s.
	if oct.LiableMinutes != 1.5 {
		t.Errorf("October liable: got %v, want 1.5", oct.LiableMinutes)
	}
	if want := 59.0 / 60; oct.IgnoredMinutes != want {
		t.Errorf("October ignored: got %v, want %v", oct.IgnoredMinutes, want)
	}
	checkUptime(t, oct, big.NewRat((44640*60-90)*100, 44640*60))
	nov := evaluate(t, testPolicy(plan), ev, "2026-11", "2030-01-01T00:00:00Z").Subscriptions[0]
	if want := 40.0 / 60; nov.LiableMinutes != want {
		t.Errorf("November liable: got %v, want %v", nov.LiableMinutes, want)
	}
	var ignored int
	for _, iv := range oct.Intervals {
		if iv.Counted == CountIgnored {
			ignored++
			if len(iv.Facts) == 0 || iv.Facts[0] != "a-down" {
				t.Errorf("ignored interval facts: got %v, want [a-down]", iv.Facts)
			}
		}
	}
	if ignored != 1 {
		t.Errorf("ignored intervals: got %d, want 1", ignored)
	}
}

func TestCausesAndAttribution(t *testing.T) {
	const d = 44640
	tests := []struct {
		name     string
		plan     func(*Plan)
		ev       func(tb testing.TB) *Evidence
		liable   float64
		excluded map[Cause]float64
	}{
		{
			// Cause on the status fact: 60 min DDoS, excluded.
			name: "status fact cause",
			ev: func(tb testing.TB) *Evidence {
				s := down(tb, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z")
				s[0].Cause = CauseDDoS
				return &Evidence{Statuses: s}
			},
			liable: 0, excluded: map[Cause]float64{CauseDDoS: 60},
		},
		{
			// A status fact says maintenance, but no window was announced:
			// 60 min counted against the provider (no_window), not
			// silently excluded as before.
			name: "maintenance cause without a window counts",
			ev: func(tb testing.TB) *Evidence {
				s := down(tb, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z")
				s[0].Cause = CauseMaintenance
				return &Evidence{Statuses: s}
			},
			liable: 60, excluded: map[Cause]float64{},
		},
		{
			// The same, inside a window announced in time (notice 1 h):
			// excluded by the window. An incident saying maintenance
			// 11:00–11:30 past the window's end: 30 counted.
			name: "maintenance cause within a window is excluded, past it counted",
			plan: func(p *Plan) { p.MaintenanceNotice = time.Hour },
			ev: func(tb testing.TB) *Evidence {
				s := down(tb, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:30:00Z")
				s[0].Cause = CauseMaintenance
				return &Evidence{Statuses: s,
					Maintenance:     []*Maintenance{{ID: "mw", Components: []string{"web"}, Start: at(tb, "2026-10-05T10:00:00Z"), End: at(tb, "2026-10-05T11:00:00Z"), AnnouncedAt: at(tb, "2026-10-01T00:00:00Z")}},
					Incidents:       []*Incident{{ID: "inc", At: at(tb, "2026-10-05T11:00:00Z"), Severity: "P3", Components: map[string]Status{"web": MajorOutage}, Cause: CauseMaintenance}},
					IncidentUpdates: []*IncidentUpdate{{ID: "inc-r", Incident: "inc", At: at(tb, "2026-10-05T11:30:00Z"), Status: "resolved"}},
				}
			},
			liable: 30, excluded: map[Cause]float64{CauseMaintenance: 60},
		},
		{
			// Customer-caused downtime is liable when the plan does not exclude it.
			name: "cause not excluded by the plan counts",
			ev: func(tb testing.TB) *Evidence {
				s := down(tb, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z")
				s[0].Cause = CauseCustomer
				return &Evidence{Statuses: s}
			},
			liable: 60, excluded: map[Cause]float64{},
		},
		{
			// Two attributions over 10:00–10:40 of a 10:00–11:00 outage: the
			// later one (customer, made at 12:00) wins over ddos (made at 11:30);
			// customer is excluded here. 10:40–11:00 stays liable: 20.
			name: "latest attribution wins",
			plan: func(p *Plan) { p.Excluded[CauseCustomer] = true },
			ev: func(tb testing.TB) *Evidence {
				return &Evidence{
					Statuses: down(tb, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z"),
					Attributions: []*Attribution{
						{ID: "at2", At: at(tb, "2026-10-05T12:00:00Z"), Components: []string{"web"}, Start: at(tb, "2026-10-05T10:00:00Z"), End: at(tb, "2026-10-05T10:40:00Z"), Cause: CauseCustomer, By: "ops", Reason: "customer's firewall"},
						{ID: "at1", At: at(tb, "2026-10-05T11:30:00Z"), Components: []string{"web"}, Start: at(tb, "2026-10-05T10:00:00Z"), End: at(tb, "2026-10-05T10:40:00Z"), Cause: CauseDDoS, By: "ops", Reason: "first guess"},
					},
				}
			},
			liable: 20, excluded: map[Cause]float64{CauseCustomer: 40},
		},
		{
			// An attribution back to liable overrides a timely maintenance window.
			name: "attribution overrides maintenance",
			plan: func(p *Plan) { p.MaintenanceNotice = time.Hour },
			ev: func(tb testing.TB) *Evidence {
				return &Evidence{
					Statuses:     down(tb, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z"),
					Maintenance:  []*Maintenance{{ID: "mw", Components: []string{"web"}, Start: at(tb, "2026-10-05T10:00:00Z"), End: at(tb, "2026-10-05T11:00:00Z"), AnnouncedAt: at(tb, "2026-10-01T00:00:00Z")}},
					Attributions: []*Attribution{{ID: "at", At: at(tb, "2026-10-06T00:00:00Z"), Components: []string{"web"}, Start: at(tb, "2026-10-05T10:30:00Z"), End: at(tb, "2026-10-05T11:00:00Z"), Cause: CauseLiable, By: "sre", Reason: "overran the window through our fault"}},
				}
			},
			liable: 30, excluded: map[Cause]float64{CauseMaintenance: 30},
		},
		{
			// The incident's cause (force majeure) covers its open window
			// 10:15–10:45 of a 10:00–11:00 monitor outage: 30 excluded, 30 liable.
			name: "incident cause",
			ev: func(tb testing.TB) *Evidence {
				return &Evidence{
					Statuses:        down(tb, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z"),
					Incidents:       []*Incident{{ID: "inc", At: at(tb, "2026-10-05T10:15:00Z"), Severity: "P1", Components: map[string]Status{"web": MajorOutage}, Cause: CauseForceMajeure}},
					IncidentUpdates: []*IncidentUpdate{{ID: "inc-r", Incident: "inc", At: at(tb, "2026-10-05T10:45:00Z"), Status: "resolved"}},
				}
			},
			liable: 30, excluded: map[Cause]float64{CauseForceMajeure: 30},
		},
		{
			// app depends on salesforce (upstream). salesforce down 10:00–11:00,
			// app down 10:00–11:30: 60 third party, 30 liable.
			name: "upstream dependency is third party",
			plan: func(p *Plan) { p.Components = []string{"app"} },
			ev: func(tb testing.TB) *Evidence {
				ev := &Evidence{Statuses: down(tb, "sf", "salesforce", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z")}
				ev.Statuses = append(ev.Statuses, down(tb, "app", "app", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:30:00Z")...)
				return ev
			},
			liable: 30, excluded: map[Cause]float64{CauseThirdParty: 60},
		},
		{
			// Beta components carry no credit: their downtime is not counted.
			name: "beta component",
			plan: func(p *Plan) { p.Components = []string{"web", "ai"} },
			ev: func(tb testing.TB) *Evidence {
				return &Evidence{Statuses: down(tb, "ai", "ai", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T15:00:00Z")}
			},
			liable: 0, excluded: map[Cause]float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			if tt.plan != nil {
				tt.plan(plan)
			}
			sr := evaluate(t, testPolicy(plan), tt.ev(t), "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
			if sr.LiableMinutes != tt.liable {
				t.Errorf("liable: got %v, want %v", sr.LiableMinutes, tt.liable)
			}
			for c, want := range tt.excluded {
				if got := sr.ExcludedMinutes[c]; got != want {
					t.Errorf("excluded %s: got %v, want %v", c, got, want)
				}
			}
			for c, got := range sr.ExcludedMinutes {
				if _, ok := tt.excluded[c]; !ok && got != 0 {
					t.Errorf("excluded %s: got %v, want 0", c, got)
				}
			}
			checkUptime(t, sr, big.NewRat(int64((d-tt.liable)*1000)*100, d*1000))
		})
	}
}

func TestCredits(t *testing.T) {
	// April 2026 UTC: D = 43,200 min. 0.5 % = 216 min, 1 % = 432 min.
	const d = 43200
	tests := []struct {
		name       string
		credits    func(*Credits)
		downMin    int
		fee        string
		wantPct    float64
		wantAmount string
		capped     bool
	}{
		// Tiers < 99.5 → 10, < 99.0 → 15. 216 min: exactly 99.5 % → 0.
		{name: "exactly at the tier threshold: no credit", downMin: 216, wantPct: 0, wantAmount: "0.00"},
		// 217 min: 99.4977 % < 99.5 → 10 % of 1000 = 100.00.
		{name: "just below 99.5", downMin: 217, wantPct: 10, wantAmount: "100.00"},
		// 432 min: exactly 99.0 % is not < 99.0 → still 10 %.
		{name: "exactly 99.0 is the first tier", downMin: 432, wantPct: 10, wantAmount: "100.00"},
		// 433 min: < 99.0 → 15 %.
		{name: "below 99.0", downMin: 433, wantPct: 15, wantAmount: "150.00"},
		// Linear 10 % per 1 % of downtime. 648 min = 1.5 %: floor 1 step → 10.
		{name: "linear floor", credits: linear(RoundFloor), downMin: 648, wantPct: 10, wantAmount: "100.00"},
		// ceil: 2 steps → 20.
		{name: "linear ceil", credits: linear(RoundCeil), downMin: 648, wantPct: 20, wantAmount: "200.00"},
		// pro rata: 1.5 steps → 15.
		{name: "linear pro rata", credits: linear(RoundProRata), downMin: 648, wantPct: 15, wantAmount: "150.00"},
		// 4,320 min = 10 % downtime → 100 % credit, capped at 50.
		{name: "cap", credits: func(c *Credits) { linear(RoundFloor)(c); c.Cap = rat("50") }, downMin: 4320, wantPct: 50, wantAmount: "500.00", capped: true},
		// Half-even cents: 333.33 × 15 % = 49.9995 → 50.00.
		{name: "amount rounds half even up", downMin: 433, fee: "333.33", wantPct: 15, wantAmount: "50.00"},
		// 0.25 × 10 % = 0.025 → 0.02 (half to even).
		{name: "amount rounds half even down", downMin: 217, fee: "0.25", wantPct: 10, wantAmount: "0.02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			plan.Objective = rat("99.5")
			plan.Credits.Tiers = []Tier{{Below: rat("99.5"), Percent: rat("10")}, {Below: rat("99.0"), Percent: rat("15")}}
			if tt.credits != nil {
				tt.credits(&plan.Credits)
			}
			s := sub(t)
			if tt.fee != "" {
				s.Fee = rat(tt.fee)
			}
			start := at(t, "2026-04-10T00:00:00Z")
			ev := &Evidence{Subscriptions: []*Subscription{s}, Statuses: []*StatusChange{
				{ID: "d", At: start, Component: "web", Status: MajorOutage, Source: "m"},
				{ID: "u", At: start.Add(time.Duration(tt.downMin) * time.Minute), Component: "web", Status: Operational, Source: "m"},
			}}
			sr := evaluate(t, testPolicy(plan), ev, "2026-04", "2030-01-01T00:00:00Z").Subscriptions[0]
			checkUptime(t, sr, pctOf(int64(d-tt.downMin), d))
			if sr.Credit.Percent != tt.wantPct {
				t.Errorf("credit: got %v %%, want %v %%", sr.Credit.Percent, tt.wantPct)
			}
			if sr.Credit.Amount != tt.wantAmount || sr.Credit.Owed != tt.wantAmount {
				t.Errorf("amount/owed: got %s/%s, want %s", sr.Credit.Amount, sr.Credit.Owed, tt.wantAmount)
			}
			if sr.Credit.Capped != tt.capped {
				t.Errorf("capped: got %v, want %v", sr.Credit.Capped, tt.capped)
			}
		})
	}
}

func linear(r Rounding) func(*Credits) {
	return func(c *Credits) {
		c.Tiers = nil
		c.Linear = &Linear{Per: rat("1"), Percent: rat("10"), Rounding: r}
	}
}

func TestEligibilityAndClaims(t *testing.T) {
	// 120 min down in October 2026 UTC → 99.7312 % < 99.9 → 10 % of 1000.
	outage := func(tb testing.TB) []*StatusChange {
		return down(tb, "o", "web", "m", MajorOutage, "2026-10-20T10:00:00Z", "2026-10-20T12:00:00Z")
	}
	tests := []struct {
		name      string
		plan      func(*Plan)
		sub       func(*Subscription)
		customers []*Customer
		claims    []*CreditClaim
		asOf      string
		eligible  bool
		state     string
		owed      string
		deadline  string
	}{
		{name: "automatic", eligible: true, state: CreditAutomatic, owed: "100.00", asOf: "2026-11-01T00:00:00Z"},
		{name: "arrears at period end", customers: []*Customer{{ID: "c1", Customer: "acme", Standing: StandingArrears, At: at(t, "2026-10-15T00:00:00Z")}},
			plan: func(p *Plan) { p.Eligibility.GoodStanding = true }, eligible: false, state: CreditNone, owed: "0.00", asOf: "2026-11-01T00:00:00Z"},
		{name: "arrears settled before period end", customers: []*Customer{
			{ID: "c1", Customer: "acme", Standing: StandingArrears, At: at(t, "2026-10-15T00:00:00Z")},
			{ID: "c2", Customer: "acme", Standing: StandingGood, At: at(t, "2026-10-25T00:00:00Z")}},
			plan: func(p *Plan) { p.Eligibility.GoodStanding = true }, eligible: true, state: CreditAutomatic, owed: "100.00", asOf: "2026-11-01T00:00:00Z"},
		{name: "trial", sub: func(s *Subscription) { s.Trial = true }, plan: func(p *Plan) { p.Eligibility.NotTrial = true },
			eligible: false, state: CreditNone, owed: "0.00", asOf: "2026-11-01T00:00:00Z"},
		// Within 7 days of the failure: last liable outage ends 10-20 12:00 → 10-27 12:00.
		{name: "claim in time", plan: onRequest(true), claims: []*CreditClaim{{ID: "cl", At: at(t, "2026-10-27T12:00:00Z"), Customer: "acme", Subscription: "s1", Period: "2026-10"}},
			eligible: true, state: CreditClaimed, owed: "100.00", deadline: "2026-10-27T12:00:00Z", asOf: "2026-11-15T00:00:00Z"},
		{name: "claim one second late", plan: onRequest(true), claims: []*CreditClaim{{ID: "cl", At: at(t, "2026-10-27T12:00:01Z"), Customer: "acme", Subscription: "s1", Period: "2026-10"}},
			eligible: true, state: CreditLate, owed: "0.00", deadline: "2026-10-27T12:00:00Z", asOf: "2026-11-15T00:00:00Z"},
		{name: "no claim yet, still open", plan: onRequest(true), eligible: true, state: CreditOpen, owed: "0.00", deadline: "2026-10-27T12:00:00Z", asOf: "2026-10-25T00:00:00Z"},
		{name: "no claim, expired", plan: onRequest(true), eligible: true, state: CreditExpired, owed: "0.00", deadline: "2026-10-27T12:00:00Z", asOf: "2026-10-28T00:00:00Z"},
		// From the period end: 2026-11-01 + 7 d.
		{name: "window from period end", plan: onRequest(false), eligible: true, state: CreditOpen, owed: "0.00", deadline: "2026-11-08T00:00:00Z", asOf: "2026-11-02T00:00:00Z"}, // claim: on_request (Within 0): no deadline — open years later,
		// and a claim years later is in time. Before, the engine read 0 as
		// a window ending at the period end (expired at once) while the
		// reduction checker read it as no deadline.
		{name: "on request, no deadline, still open", plan: func(p *Plan) { p.Credits.Claim = ClaimRule{} }, eligible: true, state: CreditOpen, owed: "0.00", asOf: "2029-01-01T00:00:00Z"},
		{name: "on request, claimed much later", plan: func(p *Plan) { p.Credits.Claim = ClaimRule{} },
			claims:   []*CreditClaim{{ID: "cl", At: at(t, "2028-06-01T00:00:00Z"), Customer: "acme", Subscription: "s1", Period: "2026-10"}},
			eligible: true, state: CreditClaimed, owed: "100.00", asOf: "2029-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			if tt.plan != nil {
				tt.plan(plan)
			}
			s := sub(t)
			if tt.sub != nil {
				tt.sub(s)
			}
			ev := &Evidence{Subscriptions: []*Subscription{s}, Statuses: outage(t), Customers: tt.customers, Claims: tt.claims}
			cr := evaluate(t, testPolicy(plan), ev, "2026-10", tt.asOf).Subscriptions[0].Credit
			if cr.Eligible != tt.eligible || cr.State != tt.state || cr.Owed != tt.owed {
				t.Errorf("got eligible=%v state=%s owed=%s (%v), want eligible=%v state=%s owed=%s", cr.Eligible, cr.State, cr.Owed, cr.Ineligible, tt.eligible, tt.state, tt.owed)
			}
			if cr.Amount != "100.00" {
				t.Errorf("amount: got %s, want 100.00 (shown even when not owed)", cr.Amount)
			}
			if tt.deadline != "" && (cr.ClaimDeadline == nil || !cr.ClaimDeadline.Equal(at(t, tt.deadline))) {
				t.Errorf("deadline: got %v, want %s", cr.ClaimDeadline, tt.deadline)
			}
			if tt.deadline == "" && cr.ClaimDeadline != nil {
				t.Errorf("deadline: got %v, want none", cr.ClaimDeadline)
			}
		})
	}
}

func onRequest(fromFailure bool) func(*Plan) {
	return func(p *Plan) { p.Credits.Claim = ClaimRule{Within: 7 * 24 * time.Hour, FromFailure: fromFailure} }
}

func TestPartialSubscriptionAndVersions(t *testing.T) {
	// The subscription starts 2026-10-11: D = 21 days × 1440 = 30,240;
	// the 10-05 outage is before it, the 10-20 one (60 min) counts.
	plan := testPlan()
	s := sub(t)
	s.Start = at(t, "2026-10-11T00:00:00Z")
	ev := &Evidence{Subscriptions: []*Subscription{s}}
	ev.Statuses = append(ev.Statuses, down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z")...)
	ev.Statuses = append(ev.Statuses, down(t, "b", "web", "m", MajorOutage, "2026-10-20T10:00:00Z", "2026-10-20T11:00:00Z")...)
	sr := evaluate(t, testPolicy(plan), ev, "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
	if sr.TotalMinutes != 30240 || sr.LiableMinutes != 60 {
		t.Errorf("got total %v liable %v, want 30240 and 60", sr.TotalMinutes, sr.LiableMinutes)
	}

	// A second version from November raises the objective; a customer
	// override gives acme 99.99 in November only.
	pol := testPolicy(testPlan())
	v2plan := testPlan()
	v2plan.Objective = rat("99.95")
	over := testPlan()
	over.Objective = rat("99.99")
	pol.Versions = append(pol.Versions, &Version{ID: "v2", Effective: at(t, "2026-11-01T00:00:00Z"), Plans: map[string]*Plan{"pro": v2plan}, PlanOrder: []string{"pro"},
		Overrides: []*Override{{Customer: "acme", Plan: over}}})
	for _, tt := range []struct {
		period, customer string
		objective        float64
		override         bool
	}{{"2026-10", "acme", 99.9, false}, {"2026-11", "acme", 99.99, true}, {"2026-11", "other", 99.95, false}} {
		s := sub(t)
		s.Customer = tt.customer
		sr := evaluate(t, pol, &Evidence{Subscriptions: []*Subscription{s}}, tt.period, "2030-01-01T00:00:00Z").Subscriptions[0]
		if sr.Objective != tt.objective || sr.Override != tt.override {
			t.Errorf("%s %s: got objective %v override %v, want %v %v", tt.period, tt.customer, sr.Objective, sr.Override, tt.objective, tt.override)
		}
	}
}

func TestPerformanceObjectives(t *testing.T) {
	// Latency p95 below 50 ms, credit 5; throughput mean at least 100, credit 5.
	plan := testPlan()
	plan.Performance = []*PerfObjective{
		{ID: "latency", Metric: MetricLatency, Aggregate: "p95", Max: rat("50"), Credit: rat("5"), Components: []string{"web"}},
		{ID: "throughput", Metric: MetricThroughput, Aggregate: "mean", Min: rat("100"), Credit: rat("5"), Components: []string{"web"}},
	}
	ev := &Evidence{}
	// 20 latency samples 10..29 ms and one of 50 ms: nearest rank p95 of 21
	// values is the ceil(0.95×21) = 20th smallest = 29 < 50: met.
	base := at(t, "2026-10-05T00:00:00Z")
	for i := 0; i < 20; i++ {
		ev.Samples = append(ev.Samples, &Sample{ID: "l" + string(rune('a'+i)), At: base.Add(time.Duration(i) * time.Minute), Component: "web", Metric: MetricLatency, Value: float64(10 + i)})
	}
	ev.Samples = append(ev.Samples, &Sample{ID: "l-high", At: base, Component: "web", Metric: MetricLatency, Value: 50})
	// Throughput 100 and 99.9: mean 99.95 < 100: missed, 5 %.
	ev.Samples = append(ev.Samples, &Sample{ID: "t1", At: base, Component: "web", Metric: MetricThroughput, Value: 100}, &Sample{ID: "t2", At: base, Component: "web", Metric: MetricThroughput, Value: 99.9})
	sr := evaluate(t, testPolicy(plan), ev, "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
	if p := sr.Performance[0]; !p.Met || p.Value == nil || *p.Value != 29 || p.Samples != 21 {
		t.Errorf("latency: got met=%v value=%v samples=%d, want met, 29, 21", p.Met, p.Value, p.Samples)
	}
	if p := sr.Performance[1]; p.Met || p.Credit != 5 {
		t.Errorf("throughput: got met=%v credit=%v, want missed and 5", p.Met, p.Credit)
	}
	// No downtime, so only the performance credit: 5 % of 1000 = 50.00.
	if sr.Credit.Percent != 5 || sr.Credit.Amount != "50.00" {
		t.Errorf("credit: got %v %% %s, want 5 %% 50.00", sr.Credit.Percent, sr.Credit.Amount)
	}
}

func TestIncidentCauseOnlyWhileOpen(t *testing.T) {
	// The incident (third party) is open 10-03 08:00–09:00; a message-only
	// update on 10-05 does not reopen it. Outages 10-04 10:00–11:00 (after
	// resolution: liable) and 10-10 10:00–11:00 (liable). A reopening update
	// on 10-10 09:30 makes the second third party again: liable 60, third
	// party 60.
	ev := &Evidence{
		Incidents: []*Incident{{ID: "inc", At: at(t, "2026-10-03T08:00:00Z"), Severity: "P2", Components: map[string]Status{"web": Operational}, Cause: CauseThirdParty}},
		IncidentUpdates: []*IncidentUpdate{
			{ID: "u1", Incident: "inc", At: at(t, "2026-10-03T09:00:00Z"), Status: "resolved"},
			{ID: "u2", Incident: "inc", At: at(t, "2026-10-05T09:00:00Z"), Status: "update"},
			{ID: "u3", Incident: "inc", At: at(t, "2026-10-10T09:30:00Z"), Status: "investigating"},
		},
	}
	ev.Statuses = append(ev.Statuses, down(t, "a", "web", "m", MajorOutage, "2026-10-04T10:00:00Z", "2026-10-04T11:00:00Z")...)
	ev.Statuses = append(ev.Statuses, down(t, "b", "web", "m", MajorOutage, "2026-10-10T10:00:00Z", "2026-10-10T11:00:00Z")...)
	sr := evaluate(t, testPolicy(testPlan()), ev, "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
	if sr.LiableMinutes != 60 || sr.ExcludedMinutes[CauseThirdParty] != 60 {
		t.Errorf("got liable %v, third party %v; want 60 and 60", sr.LiableMinutes, sr.ExcludedMinutes[CauseThirdParty])
	}
}

func TestPeriodStillRunningIsMonthToDate(t *testing.T) {
	// As of 2026-10-11 00:00Z, October 2026 UTC has run 10 days = 14,400 min.
	// A 60 min outage still open at AsOf counts only up to AsOf: it started
	// 10-10 23:30Z, so 30 min. Uptime (14,400 − 30) / 14,400.
	ev := &Evidence{Statuses: []*StatusChange{{ID: "d", At: at(t, "2026-10-10T23:30:00Z"), Component: "web", Status: MajorOutage, Source: "m"}}}
	sr := evaluate(t, testPolicy(testPlan()), ev, "2026-10", "2026-10-11T00:00:00Z").Subscriptions[0]
	if !sr.Partial || sr.TotalMinutes != 14400 || sr.LiableMinutes != 30 {
		t.Errorf("got partial=%v total=%v liable=%v, want true 14400 30", sr.Partial, sr.TotalMinutes, sr.LiableMinutes)
	}
	checkUptime(t, sr, pctOf(14400-30, 14400))
}

// The error budget, with the arithmetic: October 2026 is 44,640 minutes;
// 99.9 % allows 0.1 % of them, 44.64 minutes.
func TestBudget(t *testing.T) {
	approx := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
	outage := func(tb testing.TB) []*StatusChange {
		return down(tb, "o", "web", "m", MajorOutage, "2026-10-20T10:00:00Z", "2026-10-20T12:00:00Z")
	}
	tests := []struct {
		name string
		plan func(*Plan)
		ev   func(tb testing.TB) *Evidence
		asOf string
		want Budget
	}{
		{
			// 120 min used of 44.64: 75.36 over, 268.8172 % used. With no
			// more downtime the month ends at (44640 − 120) ÷ 44640 =
			// 99.731183 %: under 99.9 (10 %). The 25 % tier starts under
			// 99.5: more than 44520 − 0.995 × 44640 = 103.2 minutes more.
			name: "a month with two hours down",
			ev:   func(tb testing.TB) *Evidence { return &Evidence{Statuses: outage(tb)} },
			asOf: "2026-11-02T00:00:00Z",
			want: Budget{AllowedMinutes: 44.64, UsedMinutes: 120, LeftMinutes: -75.36, UsedPercent: 120 / 44.64 * 100,
				EndUptime: 44520.0 / 44640 * 100, EndCredit: 10, NextTier: &NextTier{Below: 99.5, CreditPercent: 25, MinutesLeft: 103.2}},
		},
		{
			// Twenty days into the month: the allowance is still the whole
			// month's, and the same two hours are used.
			name: "month to date",
			ev:   func(tb testing.TB) *Evidence { return &Evidence{Statuses: outage(tb)} },
			asOf: "2026-10-21T00:00:00Z",
			want: Budget{AllowedMinutes: 44.64, UsedMinutes: 120, LeftMinutes: -75.36, UsedPercent: 120 / 44.64 * 100,
				EndUptime: 44520.0 / 44640 * 100, EndCredit: 10, NextTier: &NextTier{Below: 99.5, CreditPercent: 25, MinutesLeft: 103.2}},
		},
		{
			// Nothing down: all 44.64 left; more than 44.64 minutes reach
			// the 10 % tier.
			name: "an untouched budget",
			ev:   func(tb testing.TB) *Evidence { return &Evidence{} },
			asOf: "2026-10-10T00:00:00Z",
			want: Budget{AllowedMinutes: 44.64, LeftMinutes: 44.64, EndUptime: 100, NextTier: &NextTier{Below: 99.9, CreditPercent: 10, MinutesLeft: 44.64}},
		},
		{
			// The subscription ended on 15 October: D is 14 days, 20,160
			// minutes, 20.16 allowed; 120 used, -99.84 left; with no more
			// downtime (nor any possible) the end uptime is the uptime,
			// 20,040 ÷ 20,160 = 99.404762 %: under 99.5, 25 %, the last
			// tier. Over the whole month (the old arithmetic) it would
			// have read 44,520 ÷ 44,640 and 10 %.
			name: "a subscription that ends mid-month",
			ev: func(tb testing.TB) *Evidence {
				s := sub(tb)
				s.End = at(tb, "2026-10-15T00:00:00Z")
				return &Evidence{Statuses: down(tb, "o", "web", "m", MajorOutage, "2026-10-10T10:00:00Z", "2026-10-10T12:00:00Z"), Subscriptions: []*Subscription{s}}
			},
			asOf: "2026-11-02T00:00:00Z",
			want: Budget{AllowedMinutes: 20.16, UsedMinutes: 120, LeftMinutes: 20.16 - 120, UsedPercent: 120 / 20.16 * 100,
				EndUptime: 20040.0 / 20160 * 100, EndCredit: 25},
		},
		{
			// (D − P − N) ÷ (D − P) with a timely 60-minute window: the
			// denominator is 44,580 minutes, 44.58 allowed.
			name: "maintenance removed from the denominator",
			plan: func(p *Plan) { p.Formula = FormulaRemoved; p.MaintenanceNotice = time.Hour },
			ev: func(tb testing.TB) *Evidence {
				return &Evidence{Maintenance: []*Maintenance{{ID: "mw", Components: []string{"web"}, Start: at(tb, "2026-10-05T10:00:00Z"),
					End: at(tb, "2026-10-05T11:00:00Z"), AnnouncedAt: at(tb, "2026-10-01T00:00:00Z")}}}
			},
			asOf: "2026-11-02T00:00:00Z",
			want: Budget{AllowedMinutes: 44.58, LeftMinutes: 44.58, EndUptime: 100, NextTier: &NextTier{Below: 99.9, CreditPercent: 10, MinutesLeft: 44.58}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			if tt.plan != nil {
				tt.plan(plan)
			}
			ev := tt.ev(t)
			if len(ev.Subscriptions) == 0 {
				ev.Subscriptions = []*Subscription{sub(t)}
			}
			b := evaluate(t, testPolicy(plan), ev, "2026-10", tt.asOf).Subscriptions[0].Budget
			w := tt.want
			if !approx(b.AllowedMinutes, w.AllowedMinutes) || !approx(b.UsedMinutes, w.UsedMinutes) || !approx(b.LeftMinutes, w.LeftMinutes) ||
				!approx(b.UsedPercent, w.UsedPercent) || !approx(b.EndUptime, w.EndUptime) || !approx(b.EndCredit, w.EndCredit) {
				t.Errorf("got %+v, want %+v", b, w)
			}
			if (b.NextTier == nil) != (w.NextTier == nil) || b.NextTier != nil && (!approx(b.NextTier.Below, w.NextTier.Below) ||
				!approx(b.NextTier.CreditPercent, w.NextTier.CreditPercent) || !approx(b.NextTier.MinutesLeft, w.NextTier.MinutesLeft)) {
				t.Errorf("next tier: got %+v, want %+v", b.NextTier, w.NextTier)
			}
		})
	}
}
