package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// minimal is the smallest valid policy. Its plan keys end on line 10, so
// withPlanKeys adds keys from line 11 on.
const minimal = `policy: acme
components:
  - id: app
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: standard
        objective: 99.9
        components: [app]
`

// withPlanKeys appends keys (indented by 8 spaces) to minimal's plan.
func withPlanKeys(keys string) string { return minimal + keys }

// withCalendars inserts a calendars list after the components: "calendars:"
// is line 4, the first calendar starts on line 5.
func withCalendars(cals string) string {
	return strings.Replace(minimal, "versions:\n", "calendars:\n"+cals+"versions:\n", 1)
}

// fullPolicy uses every key of the language.
const fullPolicy = `policy: full
title: Full policy
notice_days: 30
components:
  - id: api
    name: Public API
  - id: web
  - id: ai
    experimental: true
  - id: salesforce
    upstream: true
  - id: sync
    depends_on: [salesforce]
calendars:
  - id: office
    timezone: Europe/Berlin
    hours:
      mon-fri: "09:00-17:00"
      sat: ["10:00-12:00", "13:00-14:00"]
    holidays:
      countries: [DE]
      dates: [2026-12-24]
    day_length: 8h
  - id: nights
    timezone: America/New_York
    always: true
    holidays: {countries: [us]}
    closed_on_holidays: true
versions:
  - version: "2026"
    published: 2025-12-01
    effective: 2026-01-01T00:00:00+01:00
    plans:
      - id: gold
        name: Gold
        objective: "99,95"
        period: quarter
        timezone: Europe/Berlin
        components: [api, web, ai, sync]
        combine: worst
        uptime:
          formula: removed
          weights: {partial_outage: 0.5, degraded_performance: 0.125}
          min_downtime: 90s
        exclusions: [maintenance, force_majeure, third_party, customer, ddos]
        maintenance_notice: 2d
        credits:
          tiers:
            - {below: 99.95, credit: 10}
            - {below: "99%", credit: 25}
          linear: {credit: 5, per: 0.5, from: objective, rounding: pro_rata}
          cap: 50
          claim: {within: 7d, from: failure}
        eligibility: {good_standing: true, no_trial: true}
        performance:
          - {id: latency, metric: latency_ms, aggregate: p95, below: 50, credit: 5}
          - {metric: throughput_mbps, aggregate: min, at_least: 100, credit: "2.5", components: [api]}
        support:
          calendar: office
          pause: [pending_customer, on_hold]
          reopen: restart
          priority_change: restart
          priorities:
            - id: P1
              name: Critical
              first_response: {within: 1h, calendar: always}
              update_every: 4h
              resolution: 1d4h
            - id: P2
              calendar: nights
              first_response: 2d
              ongoing_response: 30m
        incidents:
          calendar: office
          update_every:
            critical: {within: 1h, calendar: always}
            major: 4h
          postmortem: {within: 5d, severities: [critical]}
        recovery: {rto: 12h, rpo: 4h, backup_every: 1d, restore_tests: 1}
`

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t *testing.T, doc string) *sla.Policy {
	t.Helper()
	p, err := Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad rational %q", s)
	}
	return r
}

func ratEq(a, b *big.Rat) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Cmp(b) == 0
}

func ratStr(r *big.Rat) string {
	if r == nil {
		return "<nil>"
	}
	return r.RatString()
}

func loc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseMinimalDefaults(t *testing.T) {
	p := mustParse(t, minimal)
	if p.ID != "acme" || p.Title != "" || p.NoticeDays != 0 {
		t.Errorf("policy: got id %q title %q notice %d, want acme, empty, 0", p.ID, p.Title, p.NoticeDays)
	}
	c := p.Components["app"]
	if c == nil || c.Name != "app" || c.Beta || c.Upstream || len(c.DependsOn) != 0 {
		t.Errorf("component: got %+v, want app named after its id, not beta, not upstream", c)
	}
	always := p.Calendars["always"]
	if always == nil {
		t.Fatal("no built-in calendar always")
	}
	if got := always.DayLength(); got != 24*time.Hour {
		t.Errorf("always day length: got %v, want 24h", got)
	}
	if len(p.Versions) != 1 {
		t.Fatalf("versions: got %d, want 1", len(p.Versions))
	}
	v := p.Versions[0]
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if v.ID != "1" || !v.Effective.Equal(jan1) || !v.Published.Equal(jan1) {
		t.Errorf("version: got %q effective %v published %v, want 1, both 2026-01-01 UTC", v.ID, v.Effective, v.Published)
	}
	if len(v.Overrides) != 0 || len(v.PlanOrder) != 1 || v.PlanOrder[0] != "standard" {
		t.Errorf("version: got plan order %v, %d overrides, want [standard], none", v.PlanOrder, len(v.Overrides))
	}
	pl := v.Plans["standard"]
	if pl == nil {
		t.Fatal("no plan standard")
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", pl.Name, "standard"},
		{"objective", ratStr(pl.Objective), "999/10"},
		{"period", pl.Period, timeline.Month},
		{"timezone", pl.Location.String(), "UTC"},
		{"components", fmt.Sprint(pl.Components), "[app]"},
		{"combine", pl.Combine, sla.CombineAny},
		{"formula", pl.Formula, sla.FormulaExcused},
		{"weights", fmt.Sprint(pl.Weights), fmt.Sprint(map[sla.Status]int64{sla.MajorOutage: 1000, sla.UnderMaintenance: 1000, sla.PartialOutage: 300, sla.Degraded: 0, sla.Operational: 0})},
		{"min downtime", pl.MinDowntime, time.Duration(0)},
		{"exclusions", len(pl.Excluded), 0},
		{"maintenance notice", pl.MaintenanceNotice, time.Duration(0)},
		{"credit tiers", len(pl.Credits.Tiers), 0},
		{"credit linear", pl.Credits.Linear == nil, true},
		{"credit cap", pl.Credits.Cap == nil, true},
		{"claim automatic", pl.Credits.Claim.Automatic, true},
		{"eligibility", pl.Eligibility, sla.Eligibility{}},
		{"performance", len(pl.Performance), 0},
		{"support", pl.Support == nil, true},
		{"incidents", pl.Incidents == nil, true},
		{"recovery", pl.Recovery == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseFullPolicy(t *testing.T) {
	p := mustParse(t, fullPolicy)
	if p.ID != "full" || p.Title != "Full policy" || p.NoticeDays != 30 {
		t.Errorf("policy: got %q %q %d, want full, Full policy, 30", p.ID, p.Title, p.NoticeDays)
	}
	if c := p.Components["api"]; c.Name != "Public API" {
		t.Errorf("api name: got %q, want Public API", c.Name)
	}
	if !p.Components["ai"].Beta {
		t.Error("ai: experimental component should carry no credit (Beta)")
	}
	if !p.Components["salesforce"].Upstream {
		t.Error("salesforce: got not upstream, want upstream")
	}
	if got := fmt.Sprint(p.Components["sync"].DependsOn); got != "[salesforce]" {
		t.Errorf("sync depends_on: got %s, want [salesforce]", got)
	}

	office, nights := p.Calendars["office"], p.Calendars["nights"]
	if office == nil || nights == nil || p.Calendars["always"] == nil {
		t.Fatalf("calendars: got %v, want office, nights and always", p.Calendars)
	}
	if got := office.DayLength(); got != 8*time.Hour {
		t.Errorf("office day length: got %v, want 8h", got)
	}
	if got := nights.DayLength(); got != 24*time.Hour {
		t.Errorf("nights day length: got %v, want 24h", got)
	}
	berlin, ny := loc(t, "Europe/Berlin"), loc(t, "America/New_York")
	openChecks := []struct {
		name string
		cal  *timeline.Calendar
		at   time.Time
		want bool
	}{
		{"office Monday 09:00", office, time.Date(2026, 10, 5, 9, 0, 0, 0, berlin), true},
		{"office Monday 17:00 (end excluded)", office, time.Date(2026, 10, 5, 17, 0, 0, 0, berlin), false},
		{"office Saturday 11:00", office, time.Date(2026, 10, 10, 11, 0, 0, 0, berlin), true},
		{"office Saturday 12:30 (between windows)", office, time.Date(2026, 10, 10, 12, 30, 0, 0, berlin), false},
		{"office Sunday", office, time.Date(2026, 10, 11, 11, 0, 0, 0, berlin), false},
		{"office German Unity Day (DE holiday)", office, time.Date(2026, 10, 3, 11, 0, 0, 0, berlin), false},
		{"office Christmas Eve (listed date, a Thursday)", office, time.Date(2026, 12, 24, 10, 0, 0, 0, berlin), false},
		{"nights at 3am", nights, time.Date(2026, 7, 6, 3, 0, 0, 0, ny), true},
		{"nights on observed Independence Day", nights, time.Date(2026, 7, 3, 12, 0, 0, 0, ny), false},
	}
	for _, c := range openChecks {
		if got := c.cal.IsOpen(c.at); got != c.want {
			t.Errorf("%s: got open %v, want %v", c.name, got, c.want)
		}
	}

	v := p.Versions[0]
	if want := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC); !v.Published.Equal(want) {
		t.Errorf("published: got %v, want %v", v.Published, want)
	}
	if want := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC); !v.Effective.Equal(want) || v.Effective.Location() != time.UTC {
		t.Errorf("effective: got %v, want %v in UTC", v.Effective, want)
	}
	pl := v.Plans["gold"]
	if pl == nil {
		t.Fatal("no plan gold")
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", pl.Name, "Gold"},
		{"objective (decimal comma)", ratStr(pl.Objective), "1999/20"},
		{"period", pl.Period, timeline.Quarter},
		{"timezone", pl.Location.String(), "Europe/Berlin"},
		{"components", fmt.Sprint(pl.Components), "[api web ai sync]"},
		{"combine", pl.Combine, sla.CombineWorst},
		{"formula", pl.Formula, sla.FormulaRemoved},
		{"weight major (default kept)", pl.Weights[sla.MajorOutage], int64(1000)},
		{"weight maintenance (default kept)", pl.Weights[sla.UnderMaintenance], int64(1000)},
		{"weight partial", pl.Weights[sla.PartialOutage], int64(500)},
		{"weight degraded", pl.Weights[sla.Degraded], int64(125)},
		{"weight operational", pl.Weights[sla.Operational], int64(0)},
		{"min downtime", pl.MinDowntime, 90 * time.Second},
		{"exclusions", len(pl.Excluded), 5},
		{"excludes ddos", pl.Excluded[sla.CauseDDoS], true},
		{"maintenance notice (wall-clock days)", pl.MaintenanceNotice, 48 * time.Hour},
		{"tiers", len(pl.Credits.Tiers), 2},
		{"cap", ratStr(pl.Credits.Cap), "50"},
		{"claim automatic", pl.Credits.Claim.Automatic, false},
		{"claim within", pl.Credits.Claim.Within, 7 * 24 * time.Hour},
		{"claim from failure", pl.Credits.Claim.FromFailure, true},
		{"eligibility", pl.Eligibility, sla.Eligibility{GoodStanding: true, NotTrial: true}},
		{"performance", len(pl.Performance), 2},
		{"recovery", fmt.Sprintf("%+v", *pl.Recovery), fmt.Sprintf("%+v", sla.Recovery{RTO: 12 * time.Hour, RPO: 4 * time.Hour, BackupEvery: 24 * time.Hour, RestoreTests: 1})},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(pl.Credits.Tiers) == 2 {
		for i, want := range [][2]string{{"99.95", "10"}, {"99", "25"}} {
			tier := pl.Credits.Tiers[i]
			if !ratEq(tier.Below, rat(t, want[0])) || !ratEq(tier.Percent, rat(t, want[1])) {
				t.Errorf("tier %d: got below %s credit %s, want %s, %s", i, ratStr(tier.Below), ratStr(tier.Percent), want[0], want[1])
			}
		}
	}
	if l := pl.Credits.Linear; l == nil || !ratEq(l.Percent, rat(t, "5")) || !ratEq(l.Per, rat(t, "0.5")) || !l.FromObjective || l.Rounding != sla.RoundProRata {
		t.Errorf("linear: got %+v, want 5 %% per 0.5 points below the objective, pro rata", l)
	}
	if len(pl.Performance) == 2 {
		lat, thr := pl.Performance[0], pl.Performance[1]
		if lat.ID != "latency" || lat.Metric != sla.MetricLatency || lat.Aggregate != "p95" || !ratEq(lat.Max, rat(t, "50")) || lat.Min != nil || !ratEq(lat.Credit, rat(t, "5")) {
			t.Errorf("latency objective: got %+v, want p95 below 50, credit 5", lat)
		}
		if got := fmt.Sprint(lat.Components); got != "[api web ai sync]" {
			t.Errorf("latency components: got %s, want the plan's", got)
		}
		if thr.ID != sla.MetricThroughput || thr.Aggregate != "min" || !ratEq(thr.Min, rat(t, "100")) || thr.Max != nil || !ratEq(thr.Credit, rat(t, "2.5")) || fmt.Sprint(thr.Components) != "[api]" {
			t.Errorf("throughput objective: got %+v, want id from the metric, min at least 100, credit 2.5, [api]", thr)
		}
	}

	s := pl.Support
	if s == nil {
		t.Fatal("no support")
	}
	if !s.Pause["pending_customer"] || !s.Pause["on_hold"] || len(s.Pause) != 2 || !s.ReopenRestart || !s.PriorityRestart {
		t.Errorf("support: got pause %v reopen restart %v priority restart %v, want 2 pauses, both restart", s.Pause, s.ReopenRestart, s.PriorityRestart)
	}
	if got := fmt.Sprint(s.PriorityOrder); got != "[P1 P2]" {
		t.Errorf("priority order: got %s, want [P1 P2]", got)
	}
	targets := []struct {
		name     string
		tg       *sla.Target
		duration time.Duration
		calendar string
	}{
		{"P1 first response (own calendar)", s.Priorities["P1"].FirstResponse, time.Hour, "always"},
		{"P1 update every (support calendar)", s.Priorities["P1"].UpdateEvery, 4 * time.Hour, "office"},
		{"P1 resolution 1d4h (business day of 8h)", s.Priorities["P1"].Resolution, 12 * time.Hour, "office"},
		{"P2 first response 2d (priority calendar, 24h days)", s.Priorities["P2"].FirstResponse, 48 * time.Hour, "nights"},
		{"P2 ongoing response", s.Priorities["P2"].OngoingResponse, 30 * time.Minute, "nights"},
		{"incident critical updates", pl.Incidents.UpdateEvery["critical"], time.Hour, "always"},
		{"incident major updates", pl.Incidents.UpdateEvery["major"], 4 * time.Hour, "office"},
		{"post-mortem 5 business days", pl.Incidents.Postmortem, 40 * time.Hour, "office"},
	}
	for _, c := range targets {
		if c.tg == nil {
			t.Errorf("%s: got no target", c.name)
			continue
		}
		if c.tg.Duration != c.duration || c.tg.Calendar.Name() != c.calendar {
			t.Errorf("%s: got %v on %s, want %v on %s", c.name, c.tg.Duration, c.tg.Calendar.Name(), c.duration, c.calendar)
		}
	}
	if s.Priorities["P1"].Name != "Critical" || s.Priorities["P2"].Name != "P2" {
		t.Errorf("priority names: got %q, %q, want Critical, P2 (the id)", s.Priorities["P1"].Name, s.Priorities["P2"].Name)
	}
	if s.Priorities["P1"].OngoingResponse != nil || s.Priorities["P2"].Resolution != nil {
		t.Error("targets not given should be nil")
	}
	if got := pl.Incidents.PostmortemSeverities; len(got) != 1 || !got["critical"] {
		t.Errorf("post-mortem severities: got %v, want [critical]", got)
	}
}

// TestParseValues checks the accepted spellings of numbers and durations.
func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		keys string
		get  func(*sla.Plan) any
		want any
	}{
		{"objective plain", "", func(p *sla.Plan) any { return ratStr(p.Objective) }, "999/10"},
		{"tier decimal comma", "        credits: {tiers: [{below: \"99,5\", credit: 10}]}\n", func(p *sla.Plan) any { return ratStr(p.Credits.Tiers[0].Below) }, "199/2"},
		{"tier percent sign", "        credits: {tiers: [{below: 99.5%, credit: \"10 %\"}]}\n", func(p *sla.Plan) any { return ratStr(p.Credits.Tiers[0].Percent) }, "10"},
		{"exact decimal, not a float", "        credits: {tiers: [{below: 99.99, credit: 10}]}\n", func(p *sla.Plan) any { return ratStr(p.Credits.Tiers[0].Below) }, "9999/100"},
		{"duration seconds", "        maintenance_notice: 90s\n", func(p *sla.Plan) any { return p.MaintenanceNotice }, 90 * time.Second},
		{"duration hours and minutes", "        maintenance_notice: 1h30m\n", func(p *sla.Plan) any { return p.MaintenanceNotice }, 90 * time.Minute},
		{"duration fractional hours", "        maintenance_notice: 1.5h\n", func(p *sla.Plan) any { return p.MaintenanceNotice }, 90 * time.Minute},
		{"duration days are 24h on the wall clock", "        maintenance_notice: 7d\n", func(p *sla.Plan) any { return p.MaintenanceNotice }, 7 * 24 * time.Hour},
		{"duration days and hours", "        maintenance_notice: 1d12h\n", func(p *sla.Plan) any { return p.MaintenanceNotice }, 36 * time.Hour},
		{"duration sub-second dropped", "        uptime: {min_downtime: 1.9s}\n", func(p *sla.Plan) any { return p.MinDowntime }, time.Second},
		{"duration zero", "        maintenance_notice: 0s\n", func(p *sla.Plan) any { return p.MaintenanceNotice }, time.Duration(0)},
		{"weight three decimals", "        uptime: {weights: {partial_outage: 0.125}}\n", func(p *sla.Plan) any { return p.Weights[sla.PartialOutage] }, int64(125)},
		{"weight as a string", "        uptime: {weights: {partial_outage: \"0,5\"}}\n", func(p *sla.Plan) any { return p.Weights[sla.PartialOutage] }, int64(500)},
		{"weight zero", "        uptime: {weights: {major_outage: 0}}\n", func(p *sla.Plan) any { return p.Weights[sla.MajorOutage] }, int64(0)},
		{"claim automatic spelled out", "        credits: {tiers: [{below: 99, credit: 10}], claim: automatic}\n", func(p *sla.Plan) any { return p.Credits.Claim.Automatic }, true},
		{"claim on request: no deadline", "        credits: {tiers: [{below: 99, credit: 10}], claim: on_request}\n", func(p *sla.Plan) any { return fmt.Sprint(p.Credits.Claim) }, fmt.Sprint(sla.ClaimRule{})},
		{"claim from period end by default", "        credits: {tiers: [{below: 99, credit: 10}], claim: {within: 30d}}\n", func(p *sla.Plan) any { return fmt.Sprint(p.Credits.Claim) }, fmt.Sprint(sla.ClaimRule{Within: 30 * 24 * time.Hour})},
		{"linear from downtime by default", "        credits: {linear: {credit: 10, per: 1, rounding: floor}}\n", func(p *sla.Plan) any { return p.Credits.Linear.FromObjective }, false},
		{"credits default to automatic claim", "        credits: {tiers: [{below: 99, credit: 10}]}\n", func(p *sla.Plan) any { return p.Credits.Claim.Automatic }, true},
		{"performance aggregate defaults to mean", "        performance: [{metric: packet_loss_pct, below: 0.1, credit: 5}]\n", func(p *sla.Plan) any { return p.Performance[0].Aggregate }, "mean"},
		{"performance p99.9", "        performance: [{metric: latency_ms, aggregate: p99.9, below: 80, credit: 5}]\n", func(p *sla.Plan) any { return p.Performance[0].Aggregate }, "p99.9"},
		{"support calendar defaults to always", "        support: {priorities: [{id: p1, first_response: 2d}]}\n", func(p *sla.Plan) any {
			return fmt.Sprint(p.Support.Priorities["p1"].FirstResponse.Calendar.Name(), " ", p.Support.Priorities["p1"].FirstResponse.Duration)
		}, "always 48h0m0s"},
		{"support target range", "        support: {priorities: [{id: p1, first_response: 5m-15m}]}\n", func(p *sla.Plan) any {
			t := p.Support.Priorities["p1"].FirstResponse
			return fmt.Sprint(t.Lower, " ", t.Duration)
		}, "5m0s 15m0s"},
		// 2 business days of the always calendar: 48 h; an en dash works too.
		{"support target range in a mapping", "        support: {priorities: [{id: p1, resolution: {within: 1d – 2d, calendar: always}}]}\n", func(p *sla.Plan) any {
			t := p.Support.Priorities["p1"].Resolution
			return fmt.Sprint(t.Lower, " ", t.Duration, " ", t.Calendar.Name())
		}, "24h0m0s 48h0m0s always"},
		{"support reopen and priority change defaults", "        support: {priorities: [{id: p1}]}\n", func(p *sla.Plan) any { return fmt.Sprint(p.Support.ReopenRestart, p.Support.PriorityRestart) }, "false false"},
		{"postmortem without severities covers all", "        incidents: {postmortem: {within: 2d}}\n", func(p *sla.Plan) any {
			return fmt.Sprint(len(p.Incidents.PostmortemSeverities), " ", p.Incidents.Postmortem.Duration, " ", p.Incidents.Postmortem.Calendar.Name())
		}, "0 48h0m0s always"},
		{"recovery max data loss", "        recovery: {rpo: 4h, max_data_loss: 24h}\n", func(p *sla.Plan) any { return fmt.Sprintf("%+v", *p.Recovery) }, fmt.Sprintf("%+v", sla.Recovery{RPO: 4 * time.Hour, MaxDataLoss: 24 * time.Hour})},
		{"recovery restore tests only", "        recovery: {restore_tests: 2}\n", func(p *sla.Plan) any { return fmt.Sprintf("%+v", *p.Recovery) }, fmt.Sprintf("%+v", sla.Recovery{RestoreTests: 2})},
		{"exclusions listed twice", "        exclusions: [ddos, ddos]\n", func(p *sla.Plan) any { return len(p.Excluded) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, withPlanKeys(tt.keys))
			if got := tt.get(p.Versions[0].Plans["standard"]); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestParseCalendars checks the hours syntax, holidays and day lengths.
func TestParseCalendars(t *testing.T) {
	// 2026-10-05 is a Monday.
	day := func(wd int, h, m int, l *time.Location) time.Time {
		return time.Date(2026, 10, 4+wd, h, m, 0, 0, l)
	}
	tests := []struct {
		name      string
		cal       string
		dayLength time.Duration
		open      []time.Time
		closed    []time.Time
	}{
		{
			name:      "weekday range in UTC by default",
			cal:       "    hours: {mon-fri: \"08:00-16:00\"}\n",
			dayLength: 8 * time.Hour,
			open:      []time.Time{day(1, 8, 0, time.UTC), day(5, 15, 59, time.UTC)},
			closed:    []time.Time{day(1, 7, 59, time.UTC), day(1, 16, 0, time.UTC), day(6, 10, 0, time.UTC), day(0, 10, 0, time.UTC)},
		},
		{
			name:      "list of days, upper case",
			cal:       "    hours: {\"MON,wed, Fri\": \"09:00-10:00\"}\n",
			dayLength: time.Hour,
			open:      []time.Time{day(1, 9, 30, time.UTC), day(3, 9, 30, time.UTC), day(5, 9, 30, time.UTC)},
			closed:    []time.Time{day(2, 9, 30, time.UTC), day(4, 9, 30, time.UTC)},
		},
		{
			name:      "range wrapping over the weekend",
			cal:       "    hours: {fri-mon: \"10:00-11:00\"}\n",
			dayLength: time.Hour,
			open:      []time.Time{day(5, 10, 0, time.UTC), day(6, 10, 0, time.UTC), day(0, 10, 0, time.UTC), day(1, 10, 0, time.UTC)},
			closed:    []time.Time{day(2, 10, 0, time.UTC), day(4, 10, 0, time.UTC)},
		},
		{
			name:      "daily with a window to midnight",
			cal:       "    hours: {daily: \"20:00-24:00\"}\n",
			dayLength: 4 * time.Hour,
			open:      []time.Time{day(0, 23, 59, time.UTC), day(3, 20, 0, time.UTC)},
			closed:    []time.Time{day(3, 0, 0, time.UTC), day(3, 19, 59, time.UTC)},
		},
		{
			name:      "two windows a day and a separate Saturday; day length is the longest day",
			cal:       "    hours:\n      mon-fri: [\"07:00-12:00\", \"13:00-19:00\"]\n      sat: \"09:00-21:00\"\n",
			dayLength: 12 * time.Hour,
			open:      []time.Time{day(2, 7, 0, time.UTC), day(2, 13, 0, time.UTC), day(6, 20, 0, time.UTC)},
			closed:    []time.Time{day(2, 12, 30, time.UTC), day(2, 19, 0, time.UTC)},
		},
		{
			name:      "two keys add windows to the same day",
			cal:       "    hours:\n      mon-fri: \"09:00-12:00\"\n      mon: \"12:00-17:00\"\n",
			dayLength: 8 * time.Hour,
			open:      []time.Time{day(1, 12, 0, time.UTC), day(1, 16, 59, time.UTC)},
			closed:    []time.Time{day(2, 12, 0, time.UTC)},
		},
		{
			name:      "explicit day length",
			cal:       "    hours: {mon-fri: \"09:00-17:00\"}\n    day_length: 7h30m\n",
			dayLength: 7*time.Hour + 30*time.Minute,
		},
		{
			name:      "day length of one whole day",
			cal:       "    hours: {mon-fri: \"09:00-17:00\"}\n    day_length: 1d\n",
			dayLength: 24 * time.Hour,
		},
		{
			name:      "hours are local to the time zone",
			cal:       "    timezone: America/New_York\n    hours: {mon-fri: \"07:00-19:00\"}\n",
			dayLength: 12 * time.Hour,
			open:      []time.Time{time.Date(2026, 10, 5, 11, 0, 0, 0, time.UTC)},
			closed:    []time.Time{time.Date(2026, 10, 5, 10, 59, 0, 0, time.UTC), time.Date(2026, 10, 5, 23, 0, 0, 0, time.UTC)},
		},
		{
			name:      "country holidays in lower case and explicit dates",
			cal:       "    timezone: Europe/Oslo\n    hours: {mon-fri: \"08:00-16:00\"}\n    holidays: {countries: [no], dates: [2026-10-07]}\n",
			dayLength: 8 * time.Hour,
			open:      []time.Time{time.Date(2026, 10, 6, 10, 0, 0, 0, time.UTC)},
			// 2026-05-14 is Ascension Day in Norway, a Thursday.
			closed: []time.Time{time.Date(2026, 5, 14, 10, 0, 0, 0, time.UTC), time.Date(2026, 10, 7, 10, 0, 0, 0, time.UTC)},
		},
		{
			name:      "always open ignores holidays",
			cal:       "    always: true\n    holidays: {dates: [2026-10-07]}\n",
			dayLength: 24 * time.Hour,
			open:      []time.Time{time.Date(2026, 10, 7, 10, 0, 0, 0, time.UTC), day(0, 3, 0, time.UTC)},
		},
		{
			name:      "always open closed on holidays",
			cal:       "    always: true\n    holidays: {dates: [2026-10-07]}\n    closed_on_holidays: true\n",
			dayLength: 24 * time.Hour,
			open:      []time.Time{time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)},
			closed:    []time.Time{time.Date(2026, 10, 7, 10, 0, 0, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, withCalendars("  - id: c\n"+tt.cal))
			c := p.Calendars["c"]
			if c == nil {
				t.Fatal("no calendar c")
			}
			if got := c.DayLength(); got != tt.dayLength {
				t.Errorf("day length: got %v, want %v", got, tt.dayLength)
			}
			for _, at := range tt.open {
				if !c.IsOpen(at) {
					t.Errorf("%s: got closed, want open", at.Format(time.RFC3339))
				}
			}
			for _, at := range tt.closed {
				if c.IsOpen(at) {
					t.Errorf("%s: got open, want closed", at.Format(time.RFC3339))
				}
			}
		})
	}
}

// TestParseBusinessDayTargets checks that "d" in a target is one business
// day of the target's calendar.
func TestParseBusinessDayTargets(t *testing.T) {
	doc := withCalendars("  - id: work\n    hours: {mon-fri: \"08:00-16:00\"}\n  - id: long\n    hours: {mon-fri: \"08:00-16:00\"}\n    day_length: 10h\n") +
		"        support:\n" +
		"          calendar: work\n" +
		"          priorities:\n" +
		"            - {id: a, first_response: 2d, resolution: 1d30m}\n" +
		"            - {id: b, calendar: long, first_response: 2d}\n" +
		"            - {id: c, first_response: {within: 2d, calendar: always}}\n"
	p := mustParse(t, doc)
	pr := p.Versions[0].Plans["standard"].Support.Priorities
	tests := []struct {
		name string
		tg   *sla.Target
		want time.Duration
		cal  string
	}{
		{"two work days of 8h", pr["a"].FirstResponse, 16 * time.Hour, "work"},
		{"one work day and 30 minutes", pr["a"].Resolution, 8*time.Hour + 30*time.Minute, "work"},
		{"two days of an explicit 10h day", pr["b"].FirstResponse, 20 * time.Hour, "long"},
		{"two days of the 24/7 calendar", pr["c"].FirstResponse, 48 * time.Hour, "always"},
	}
	for _, tt := range tests {
		if tt.tg == nil || tt.tg.Duration != tt.want || tt.tg.Calendar.Name() != tt.cal {
			t.Errorf("%s: got %+v, want %v on %s", tt.name, tt.tg, tt.want, tt.cal)
		}
	}
}

// wantErr is one expected input error: its line, its field path (empty for
// errors the YAML reader reports) and a part of its message.
type wantErr struct {
	line  int
	field string
	msg   string
}

// checkErr fails unless err is an input error list that holds want.
func checkErr(t *testing.T, err error, want wantErr) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %d: %s: %s", want.line, want.field, want.msg)
	}
	if !sla.IsInput(err) {
		t.Fatalf("got %T %v, want an input error", err, err)
	}
	var list sla.InputErrors
	var one *sla.InputError
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = sla.InputErrors{one}
	}
	for _, e := range list {
		if e.File != "test.yaml" {
			t.Errorf("error %q: got file %q, want test.yaml", e, e.File)
		}
		if e.Line == want.line && e.Field == want.field && strings.Contains(e.Msg, want.msg) {
			return
		}
	}
	t.Errorf("got errors:\n%v\nwant one at line %d, field %q, containing %q", err, want.line, want.field, want.msg)
}

const plan0 = "versions[0].plans[0]"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want wantErr
	}{
		// Syntax and structure.
		{"empty document", "", wantErr{0, "", "empty"}},
		{"comment only", "# nothing here\n", wantErr{0, "", "empty"}},
		{"YAML syntax error", "policy: acme\ntitle: a: b\n", wantErr{2, "", "mapping values are not allowed in this context"}},
		{"duplicate key", "policy: acme\npolicy: other\n", wantErr{2, "", `mapping key "policy" already defined at line 1`}},
		{"unknown top-level key", minimal + "polcy: x\n", wantErr{11, "", "field polcy is not a known key here"}},
		{"unknown plan key", withPlanKeys("        objectve: 99\n"), wantErr{11, "", "field objectve is not a known key here"}},
		{"unknown component key", strings.Replace(minimal, "  - id: app\n", "  - id: app\n    beta_feature: true\n", 1), wantErr{4, "", "field beta_feature is not a known key here"}},
		{"unknown key in a target", withPlanKeys("        support:\n          priorities:\n            - id: p1\n              first_response: {within: 2h, calender: always}\n"),
			wantErr{14, plan0 + ".support.priorities[0].first_response.calender", "is not a known key here (want within, calendar)"}},
		{"unknown key in a claim", withPlanKeys("        credits:\n          tiers: [{below: 99, credit: 10}]\n          claim: {within: 7d, by: email}\n"),
			wantErr{13, plan0 + ".credits.claim.by", "is not a known key here (want within, from)"}},

		// Policy level.
		{"bad policy id", strings.Replace(minimal, "policy: acme", "policy: acme corp", 1), wantErr{1, "policy", `want an id (letters, digits, '-', '_', '.'), got "acme corp"`}},
		{"missing policy id", strings.Replace(minimal, "policy: acme\n", "", 1), wantErr{0, "policy", `got ""`}},
		{"negative notice days", "notice_days: -5\n" + minimal, wantErr{1, "notice_days", "must not be negative, got -5"}},
		{"no components", strings.Replace(minimal, "components:\n  - id: app\n", "", 1), wantErr{0, "components", "a policy needs at least one component"}},
		{"no versions", "policy: acme\ncomponents:\n  - id: app\n", wantErr{0, "versions", "a policy needs at least one version"}},
		{"bad component id", strings.Replace(minimal, "  - id: app\n", "  - id: app\n  - id: \"my app\"\n", 1), wantErr{4, "components[1].id", `want an id, got "my app"`}},

		// Objective.
		{"objective not a number", strings.Replace(minimal, "objective: 99.9", "objective: high", 1), wantErr{9, plan0 + ".objective", `want a decimal number such as 99.95, got "high"`}},
		{"objective above 100", strings.Replace(minimal, "objective: 99.9", "objective: 100.5", 1), wantErr{9, plan0 + ".objective", "must be between 0 and 100, got 100.5"}},
		{"objective zero", strings.Replace(minimal, "objective: 99.9", "objective: 0", 1), wantErr{9, plan0 + ".objective", "must be above 0"}},
		{"objective negative", strings.Replace(minimal, "objective: 99.9", "objective: -99", 1), wantErr{9, plan0 + ".objective", `want a decimal number such as 99.95, got "-99"`}},
		{"objective with exponent", strings.Replace(minimal, "objective: 99.9", "objective: 9.99e1", 1), wantErr{9, plan0 + ".objective", "want a decimal number"}},
		{"missing objective", strings.Replace(minimal, "        objective: 99.9\n", "", 1), wantErr{8, plan0 + ".objective", "required (the uptime promised"}},

		// Components and references.
		{"unknown component in a plan", strings.Replace(minimal, "components: [app]", "components: [app, db]", 1), wantErr{10, plan0 + ".components[1]", `unknown component "db"`}},
		{"plan without components", strings.Replace(minimal, "components: [app]", "components: []", 1), wantErr{10, plan0 + ".components", "a plan covers at least one component"}},
		{"unknown dependency", strings.Replace(minimal, "  - id: app\n", "  - id: app\n    depends_on: [db]\n", 1), wantErr{4, "components[0].depends_on[0]", `unknown component "db"`}},
		{"self dependency", strings.Replace(minimal, "  - id: app\n", "  - id: app\n    depends_on: [app]\n", 1), wantErr{4, "components[0].depends_on[0]", "cannot depend on itself"}},
		{"upstream component covered", strings.Replace(strings.Replace(minimal, "  - id: app\n", "  - id: app\n  - id: sf\n    upstream: true\n", 1), "components: [app]", "components: [app, sf]", 1),
			wantErr{12, plan0 + ".components[1]", `component "sf" is a third party's (upstream) and cannot be covered`}},
		{"unknown performance component", withPlanKeys("        performance:\n          - {metric: latency_ms, below: 50, credit: 5, components: [db]}\n"), wantErr{12, plan0 + ".performance[0].components[0]", `unknown component "db"`}},

		// Calendars and references to them.
		{"unknown support calendar", withPlanKeys("        support:\n          calendar: office\n          priorities: [{id: p1, first_response: 2h}]\n"), wantErr{12, plan0 + ".support.calendar", `unknown calendar "office"`}},
		{"unknown priority calendar", withPlanKeys("        support:\n          priorities: [{id: p1, calendar: office, first_response: 2h}]\n"), wantErr{12, plan0 + ".support.priorities[0].calendar", `unknown calendar "office"`}},
		{"unknown target calendar", withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: {within: 2h, calendar: office}}\n"), wantErr{13, plan0 + ".support.priorities[0].first_response", `unknown calendar "office"`}},
		{"unknown incidents calendar", withPlanKeys("        incidents:\n          calendar: office\n"), wantErr{12, plan0 + ".incidents.calendar", `unknown calendar "office"`}},
		{"unknown incident target calendar", withPlanKeys("        incidents:\n          update_every:\n            critical: {within: 1h, calendar: office}\n"), wantErr{13, plan0 + ".incidents.update_every.critical", `unknown calendar "office"`}},
		{"unknown postmortem calendar", withPlanKeys("        incidents:\n          postmortem: {within: 5d, calendar: office}\n"), wantErr{12, plan0 + ".incidents.postmortem.calendar", `unknown calendar "office"`}},
		{"bad calendar id", withCalendars("  - id: \"\"\n    always: true\n"), wantErr{5, "calendars[0].id", `want an id, got ""`}},
		{"window with one-digit hour", withCalendars("  - id: c\n    hours:\n      mon-fri: \"8:00-16:00\"\n"), wantErr{7, "calendars[0].hours.mon-fri", `want a window HH:MM-HH:MM with start before end (24:00 allowed as end), got "8:00-16:00"`}},
		{"window ending before it starts", withCalendars("  - id: c\n    hours:\n      mon-fri: \"16:00-08:00\"\n"), wantErr{7, "calendars[0].hours.mon-fri", `got "16:00-08:00"`}},
		{"window past midnight", withCalendars("  - id: c\n    hours:\n      mon-fri: \"08:00-24:30\"\n"), wantErr{7, "calendars[0].hours.mon-fri", `got "08:00-24:30"`}},
		{"window minute 60", withCalendars("  - id: c\n    hours:\n      mon-fri: \"08:60-16:00\"\n"), wantErr{7, "calendars[0].hours.mon-fri", `got "08:60-16:00"`}},
		{"bad window in a list", withCalendars("  - id: c\n    hours:\n      mon-fri: [\"08:00-12:00\", \"13:00-17\"]\n"), wantErr{7, "calendars[0].hours.mon-fri", `got "13:00-17"`}},
		{"window as a mapping", withCalendars("  - id: c\n    hours:\n      mon-fri: {from: \"08:00\"}\n"), wantErr{7, "calendars[0].hours.mon-fri", `want a window "08:00-16:00" or a list of them`}},
		{"bad day key", withCalendars("  - id: c\n    hours:\n      weekdays: \"08:00-16:00\"\n"), wantErr{7, "calendars[0].hours.weekdays", `want days such as mon-fri, sat, mon,wed or daily, got "weekdays"`}},
		{"bad day in a range", withCalendars("  - id: c\n    hours:\n      mon-fr: \"08:00-16:00\"\n"), wantErr{7, "calendars[0].hours.mon-fr", "want days such as"}},
		{"overlapping windows", withCalendars("  - id: c\n    hours:\n      mon-fri: \"08:00-16:00\"\n      mon: \"12:00-18:00\"\n"), wantErr{5, "calendars[0]", "overlap"}},
		{"calendar without hours", withCalendars("  - id: c\n    timezone: UTC\n"), wantErr{5, "calendars[0].hours", `give opening hours (e.g. mon-fri: "08:00-16:00") or always: true`}},
		{"always calendar with hours", withCalendars("  - id: c\n    always: true\n    hours: {mon: \"08:00-16:00\"}\n"), wantErr{7, "calendars[0].hours", "a calendar that is always open has no hours"}},
		{"unknown time zone", withCalendars("  - id: c\n    timezone: Mars/Olympus\n    always: true\n"), wantErr{6, "calendars[0].timezone", `unknown IANA time zone "Mars/Olympus"`}},
		{"local time zone", withCalendars("  - id: c\n    timezone: Local\n    always: true\n"), wantErr{6, "calendars[0].timezone", `unknown IANA time zone "Local"`}},
		{"unknown plan time zone", withPlanKeys("        timezone: CET-ish\n"), wantErr{11, plan0 + ".timezone", `unknown IANA time zone "CET-ish"`}},
		{"bad holiday date", withCalendars("  - id: c\n    always: true\n    holidays: {dates: [2026-12-24, 2026-02-30]}\n"), wantErr{7, "calendars[0].holidays.dates[1]", `want a date YYYY-MM-DD, got "2026-02-30"`}},
		{"unknown holiday country", withCalendars("  - id: c\n    always: true\n    holidays: {countries: [XX]}\n"), wantErr{5, "calendars[0]", `holiday country "XX": unknown`}},
		{"day length over a day in days", withCalendars("  - id: c\n    always: true\n    day_length: 2d\n"), wantErr{7, "calendars[0].day_length", `want a duration of at most 24h such as 8h, got "2d"`}},
		{"day length not a duration", withCalendars("  - id: c\n    always: true\n    day_length: eight hours\n"), wantErr{7, "calendars[0].day_length", `got "eight hours"`}},

		// Durations.
		{"bad maintenance notice", withPlanKeys("        maintenance_notice: 2 days\n"), wantErr{11, plan0 + ".maintenance_notice", `want a duration such as 90s, 15m, 2h, 7d or 1d12h, got "2 days"`}},
		{"empty maintenance notice", withPlanKeys("        maintenance_notice: \"\"\n"), wantErr{11, plan0 + ".maintenance_notice", "required"}},
		{"duration without unit", withPlanKeys("        uptime: {min_downtime: \"5\"}\n"), wantErr{11, plan0 + ".uptime.min_downtime", `got "5"`}},
		{"duration with milliseconds", withPlanKeys("        uptime: {min_downtime: 500ms}\n"), wantErr{11, plan0 + ".uptime.min_downtime", `got "500ms"`}},
		{"negative duration", withPlanKeys("        maintenance_notice: -1h\n"), wantErr{11, plan0 + ".maintenance_notice", `got "-1h"`}},
		{"days after hours", withPlanKeys("        maintenance_notice: 4h1d\n"), wantErr{11, plan0 + ".maintenance_notice", `got "4h1d"`}},
		{"too many days", withPlanKeys("        maintenance_notice: 36601d\n"), wantErr{11, plan0 + ".maintenance_notice", `got "36601d"`}},
		{"bad recovery duration", withPlanKeys("        recovery: {rto: 12 hours}\n"), wantErr{11, plan0 + ".recovery.rto", `got "12 hours"`}},
		{"claim without within", withPlanKeys("        credits: {tiers: [{below: 99, credit: 10}], claim: {from: failure}}\n"), wantErr{11, plan0 + ".credits.claim.within", "required"}},
		{"range with ends reversed", withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: 15m-5m}\n"), wantErr{13, plan0 + ".support.priorities[0].first_response", "a range's lower end (15m) must be longer than zero and shorter than its upper end (5m)"}},
		{"range with a bad lower end", withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: {within: soon-15m}}\n"), wantErr{13, plan0 + ".support.priorities[0].first_response", `the range's lower end: want a duration such as 30m, 2h or 2d (business days), got "soon"`}},
		{"range with a bad upper end", withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: 5m-}\n"), wantErr{13, plan0 + ".support.priorities[0].first_response", `want a duration such as 30m, 2h or 2d (business days), got ""`}},
		{"bad target", withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: soon}\n"), wantErr{13, plan0 + ".support.priorities[0].first_response", `want a duration such as 30m, 2h or 2d (business days), got "soon"`}},
		{"zero target", withPlanKeys("        support:\n          priorities:\n            - {id: p1, resolution: 0h}\n"), wantErr{13, plan0 + ".support.priorities[0].resolution", "a target must be longer than zero"}},
		{"target as a list", withPlanKeys("        support:\n          priorities:\n            - {id: p1, resolution: [2h]}\n"), wantErr{13, plan0 + ".support.priorities[0].resolution", "want a duration such as 2h or {within: 2h, calendar: id}"}},
		{"bad incident update target", withPlanKeys("        incidents:\n          update_every: {critical: hourly}\n"), wantErr{12, plan0 + ".incidents.update_every.critical", `got "hourly"`}},
		{"postmortem without within", withPlanKeys("        incidents:\n          postmortem: {severities: [critical]}\n"), wantErr{12, plan0 + ".incidents.postmortem.within", "required"}},

		// Uptime.
		{"weight above 1", withPlanKeys("        uptime: {weights: {partial_outage: 1.5}}\n"), wantErr{11, plan0 + ".uptime.weights.partial_outage", `want a weight from 0 to 1 with at most 3 decimals, got "1.5"`}},
		{"weight with four decimals", withPlanKeys("        uptime: {weights: {partial_outage: 0.3333}}\n"), wantErr{11, plan0 + ".uptime.weights.partial_outage", `got "0.3333"`}},
		{"negative weight", withPlanKeys("        uptime: {weights: {partial_outage: -0.5}}\n"), wantErr{11, plan0 + ".uptime.weights.partial_outage", `got "-0.5"`}},
		{"weight of unknown status", withPlanKeys("        uptime: {weights: {down: 1}}\n"), wantErr{11, plan0 + ".uptime.weights.down", "unknown status; want one of operational, degraded_performance, under_maintenance, partial_outage, major_outage"}},
		{"operational weight", withPlanKeys("        uptime: {weights: {operational: 0.5}}\n"), wantErr{11, plan0 + ".uptime.weights.operational", "operational cannot count as downtime"}},
		{"removed formula without maintenance exclusion", withPlanKeys("        uptime: {formula: removed}\n        exclusions: [force_majeure]\n"), wantErr{11, plan0 + ".uptime.formula", "formula removed takes maintenance out of the period, so exclusions must list maintenance"}},
		{"removed formula without exclusions", withPlanKeys("        uptime:\n          formula: removed\n"), wantErr{12, plan0 + ".uptime.formula", "exclusions must list maintenance"}},
		{"unknown formula", withPlanKeys("        uptime: {formula: strict}\n"), wantErr{11, plan0 + ".uptime.formula", `want excused ((total − downtime) ÷ total) or removed ((D − P − N) ÷ (D − P)), got "strict"`}},
		{"liable cannot be excluded", withPlanKeys("        exclusions: [liable]\n"), wantErr{11, plan0 + ".exclusions[0]", `want one of maintenance, force_majeure, third_party, customer, ddos, got "liable"`}},
		{"unknown cause", withPlanKeys("        exclusions: [maintenance, weather]\n"), wantErr{11, plan0 + ".exclusions[1]", `got "weather"`}},
		{"unknown combine", withPlanKeys("        combine: all\n"), wantErr{11, plan0 + ".combine", `want any (down when any covered component is down) or worst (per component, the worst decides), got "all"`}},
		{"unknown period", withPlanKeys("        period: week\n"), wantErr{11, plan0 + ".period", `want month, quarter or year, got "week"`}},

		// Credits.
		{"credits without a schedule", withPlanKeys("        credits: {cap: 50}\n"), wantErr{11, plan0 + ".credits", "give tiers or linear"}},
		{"tier credit above 100", withPlanKeys("        credits: {tiers: [{below: 99, credit: 150}]}\n"), wantErr{11, plan0 + ".credits.tiers[0].credit", "must be between 0 and 100, got 150"}},
		{"tier without threshold", withPlanKeys("        credits: {tiers: [{credit: 10}]}\n"), wantErr{11, plan0 + ".credits.tiers[0].below", `got ""`}},
		{"cap not a number", withPlanKeys("        credits: {tiers: [{below: 99, credit: 10}], cap: half}\n"), wantErr{11, plan0 + ".credits.cap", `got "half"`}},
		{"linear without rounding", withPlanKeys("        credits: {linear: {credit: 10, per: 1}}\n"), wantErr{11, plan0 + ".credits.linear.rounding", "required: floor (whole steps), ceil (any started step) or pro_rata"}},
		{"linear unknown rounding", withPlanKeys("        credits: {linear: {credit: 10, per: 1, rounding: nearest}}\n"), wantErr{11, plan0 + ".credits.linear.rounding", `want floor, ceil or pro_rata, got "nearest"`}},
		{"linear per zero", withPlanKeys("        credits: {linear: {credit: 10, per: 0, rounding: floor}}\n"), wantErr{11, plan0 + ".credits.linear.per", "must be above 0"}},
		{"linear unknown from", withPlanKeys("        credits: {linear: {credit: 10, per: 1, from: uptime, rounding: floor}}\n"), wantErr{11, plan0 + ".credits.linear.from", `got "uptime"`}},
		{"claim neither automatic nor a window", withPlanKeys("        credits: {tiers: [{below: 99, credit: 10}], claim: manual}\n"), wantErr{11, plan0 + ".credits.claim", `want automatic, on_request or {within: 7d, from: period_end|failure}, got "manual"`}},
		{"claim within 0", withPlanKeys("        credits: {tiers: [{below: 99, credit: 10}], claim: {within: 0s}}\n"), wantErr{11, plan0 + ".credits.claim.within", `want a window longer than 0 (for no deadline, write claim: on_request), got "0s"`}},
		{"claim from unknown", withPlanKeys("        credits: {tiers: [{below: 99, credit: 10}], claim: {within: 7d, from: invoice}}\n"), wantErr{11, plan0 + ".credits.claim.from", `want period_end or failure, got "invoice"`}},
		{"claim as a list", withPlanKeys("        credits: {tiers: [{below: 99, credit: 10}], claim: [7d]}\n"), wantErr{11, plan0 + ".credits.claim", "want automatic, on_request or {within: 7d, from: period_end|failure}"}},

		// Performance.
		{"performance with both bounds", withPlanKeys("        performance:\n          - {metric: latency_ms, below: 50, at_least: 1, credit: 5}\n"), wantErr{12, plan0 + ".performance[0]", "give exactly one bound"}},
		{"performance locations", withPlanKeys("        performance:\n          - {metric: latency_ms, below: 50, credit: 5, locations: sometimes}\n"), wantErr{12, plan0 + ".performance[0].locations", "want most, all or a number of locations"}},
		{"performance without a bound", withPlanKeys("        performance:\n          - {metric: latency_ms, credit: 5}\n"), wantErr{12, plan0 + ".performance[0]", "give exactly one bound"}},
		{"performance unknown metric", withPlanKeys("        performance:\n          - {metric: jitter_ms, below: 5, credit: 5}\n"), wantErr{12, plan0 + ".performance[0].metric", `want one of latency_ms, packet_loss_pct, throughput_mbps, got "jitter_ms"`}},
		{"performance bad aggregate", withPlanKeys("        performance:\n          - {metric: latency_ms, aggregate: p100, below: 5, credit: 5}\n"), wantErr{12, plan0 + ".performance[0].aggregate", `want mean, min, max or a percentile such as p95, got "p100"`}},
		{"performance bound not a number", withPlanKeys("        performance:\n          - {metric: latency_ms, below: fast, credit: 5}\n"), wantErr{12, plan0 + ".performance[0].below", `want a number, got "fast"`}},
		{"performance without credit", withPlanKeys("        performance:\n          - {metric: latency_ms, below: 50}\n"), wantErr{12, plan0 + ".performance[0].credit", `got ""`}},

		// Support.
		{"support without priorities", withPlanKeys("        support: {calendar: always}\n"), wantErr{11, plan0 + ".support.priorities", "list at least one priority"}},
		{"support bad reopen", withPlanKeys("        support: {reopen: resume, priorities: [{id: p1}]}\n"), wantErr{11, plan0 + ".support.reopen", `want continue or restart, got "resume"`}},
		{"support bad priority change", withPlanKeys("        support: {priority_change: keep, priorities: [{id: p1}]}\n"), wantErr{11, plan0 + ".support.priority_change", `want recompute (targets from creation) or restart (from the change), got "keep"`}},
		{"priority without id", withPlanKeys("        support:\n          priorities:\n            - {first_response: 2h}\n"), wantErr{13, plan0 + ".support.priorities[0].id", `want an id, got ""`}},

		// Recovery.
		{"upstream not upstream", withPlanKeys("        upstream: [{component: app}]\n"), wantErr{11, plan0 + ".upstream[0].component", `"app" is not upstream: true`}},
		{"upstream unknown", withPlanKeys("        upstream: [{component: nope}]\n"), wantErr{11, plan0 + ".upstream[0].component", `unknown component "nope"`}},
		{"bad max data loss", withPlanKeys("        recovery: {max_data_loss: 24 hours}\n"), wantErr{11, plan0 + ".recovery.max_data_loss", `got "24 hours"`}},
		{"negative restore tests", withPlanKeys("        recovery: {restore_tests: -1}\n"), wantErr{11, plan0 + ".recovery.restore_tests", "must not be negative"}},

		// Duplicate ids.
		{"duplicate component", strings.Replace(minimal, "  - id: app\n", "  - id: app\n  - id: app\n", 1), wantErr{4, "components[1].id", `component "app" is defined twice`}},
		{"duplicate calendar", withCalendars("  - id: c\n    always: true\n  - id: c\n    always: true\n"), wantErr{7, "calendars[1].id", `calendar "c" is defined twice`}},
		{"duplicate version", minimal + "  - version: \"1\"\n    effective: 2026-02-01\n    plans: [{id: standard, objective: 99, components: [app]}]\n", wantErr{11, "versions[1].version", `version "1" is defined twice`}},
		{"duplicate plan", minimal + "      - {id: standard, objective: 99, components: [app]}\n", wantErr{11, "versions[0].plans[1].id", `plan "standard" is defined twice`}},
		{"duplicate priority", withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: 1h}\n            - {id: p1, first_response: 2h}\n"), wantErr{14, plan0 + ".support.priorities[1].id", `priority "p1" is defined twice`}},
		{"duplicate performance objective", withPlanKeys("        performance:\n          - {metric: latency_ms, below: 50, credit: 5}\n          - {metric: latency_ms, aggregate: p99, below: 80, credit: 5}\n"), wantErr{13, plan0 + ".performance[1].id", `performance objective "latency_ms" is defined twice`}},
		{"duplicate tier threshold", withPlanKeys("        credits:\n          tiers:\n            - {below: 99.5, credit: 10}\n            - {below: \"99,50\", credit: 15}\n"), wantErr{14, plan0 + ".credits.tiers[1].below", "two tiers have the threshold 99,50"}},
		{"duplicate override", minimal + "    overrides:\n      - {customer: globex, plan: standard, set: {objective: 99.95}}\n      - {customer: globex, plan: standard, set: {objective: 99.99}}\n", wantErr{13, "versions[0].overrides[1]", `customer "globex" already has an override of plan "standard"`}},

		// Overrides.
		{"override of an unknown plan", minimal + "    overrides:\n      - customer: globex\n        plan: gold\n        set: {objective: 99.95}\n", wantErr{13, "versions[0].overrides[0].plan", `unknown plan "gold"`}},
		{"override changing the plan id", minimal + "    overrides:\n      - {customer: globex, plan: standard, set: {id: gold}}\n", wantErr{12, "versions[0].overrides[0].set.id", "an override keeps the plan's id"}},
		{"override with bad customer id", minimal + "    overrides:\n      - {customer: \"Globex Inc\", plan: standard}\n", wantErr{12, "versions[0].overrides[0].customer", `want a customer id, got "Globex Inc"`}},
		{"override setting a bad value", minimal + "    overrides:\n      - customer: globex\n        plan: standard\n        set: {objective: 101}\n", wantErr{14, "versions[0].overrides[0].set.objective", "must be between 0 and 100, got 101"}},
		{"override for a customer and a class", minimal + "    overrides:\n      - {customer: globex, class: enterprise, plan: standard}\n", wantErr{12, "versions[0].overrides[0].class", "an override is for one customer or for a class of customers, not both"}},
		{"override with bad class id", minimal + "    overrides:\n      - {class: \"Big Accounts\", plan: standard}\n", wantErr{12, "versions[0].overrides[0].class", `want a class id, got "Big Accounts"`}},
		{"duplicate class override", minimal + "    overrides:\n      - {class: enterprise, plan: standard, set: {objective: 99.95}}\n      - {class: enterprise, plan: standard, set: {objective: 99.99}}\n", wantErr{13, "versions[0].overrides[1]", `class "enterprise" already has an override of plan "standard"`}},
		{"override with unknown key", minimal + "    overrides:\n      - customer: globex\n        plan: standard\n        set: {objectiv: 99.95}\n", wantErr{14, "", "field objectiv is not a known key here"}},

		// Versions.
		{"version without name", strings.Replace(minimal, "  - version: \"1\"\n    effective: 2026-01-01\n", "  - effective: 2026-01-01\n", 1), wantErr{5, "versions[0].version", "required"}},
		{"version without effective date", strings.Replace(minimal, "    effective: 2026-01-01\n", "", 1), wantErr{5, "versions[0].effective", "required"}},
		{"bad effective date", strings.Replace(minimal, "effective: 2026-01-01", "effective: 01/01/2026", 1), wantErr{6, "versions[0].effective", `want a date 2026-01-31 or a time 2026-01-31T09:00:00Z, got "01/01/2026"`}},
		{"bad published date", strings.Replace(minimal, "    effective: 2026-01-01\n", "    effective: 2026-01-01\n    published: 2026-13-01\n", 1), wantErr{7, "versions[0].published", `got "2026-13-01"`}},
		{"effective before published", strings.Replace(minimal, "    effective: 2026-01-01\n", "    effective: 2026-01-01\n    published: 2026-01-02\n", 1), wantErr{6, "versions[0].effective", "a version cannot take effect before it is published (2026-01-02T00:00:00Z)"}},
		{"version without plans", strings.Replace(minimal, "    plans:\n      - id: standard\n        objective: 99.9\n        components: [app]\n", "    plans: []\n", 1), wantErr{7, "versions[0].plans", "a version needs at least one plan"}},
		{"two versions at the same time", minimal + "  - version: \"2\"\n    effective: 2026-01-01T00:00:00Z\n    plans: [{id: standard, objective: 99.95, components: [app]}]\n", wantErr{12, "versions[1].effective", `versions "1" and "2" take effect at the same time`}},
		{"plan with bad id", strings.Replace(minimal, "      - id: standard\n", "      - id: \"gold plan\"\n", 1), wantErr{8, plan0 + ".id", `want an id, got "gold plan"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("test.yaml", []byte(tt.doc))
			if err != nil && p != nil {
				t.Errorf("got a policy and an error, want no policy with an error")
			}
			checkErr(t, err, tt.want)
		})
	}
}

// TestParseErrorFormat checks the message users see.
func TestParseErrorFormat(t *testing.T) {
	_, err := Parse("bluestone.yaml", []byte(strings.Replace(minimal, "objective: 99.9", "objective: 199", 1)))
	want := "bluestone.yaml:9: versions[0].plans[0].objective: must be between 0 and 100, got 199"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestParseReportsEveryError checks that one pass lists all problems, in
// the file's order for independent keys, and stops at 50.
func TestParseReportsEveryError(t *testing.T) {
	doc := strings.Replace(strings.Replace(minimal, "objective: 99.9", "objective: 199", 1), "components: [app]", "components: [app, db]", 1)
	_, err := Parse("test.yaml", []byte(doc))
	var list sla.InputErrors
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("got %v, want two errors", err)
	}
	if list[0].Line != 9 || list[1].Line != 10 {
		t.Errorf("got lines %d, %d, want 9, 10", list[0].Line, list[1].Line)
	}

	var b strings.Builder
	b.WriteString("policy: acme\ncomponents:\n")
	for range 60 {
		b.WriteString("  - id: \"bad id\"\n")
	}
	_, err = Parse("test.yaml", []byte(b.String()))
	if !errors.As(err, &list) || len(list) != 50 {
		t.Errorf("got %d errors, want 50 (the cap)", len(list))
	}
}

func TestNoticeDays(t *testing.T) {
	const head = `policy: acme
notice_days: 60
components:
  - id: app
versions:
  - version: "1"
    effective: 2026-01-01
    plans: [{id: std, objective: 99.9, components: [app]}]
    overrides: [{customer: globex, plan: std, set: {objective: 99.99}}]
`
	// v2 returns the second version's lines; its effective key is on line 12.
	v2 := func(published, effective, objective string, override bool) string {
		s := "  - version: \"2\"\n"
		if published != "" {
			s += "    published: " + published + "\n"
		} else {
			s += "    # no published date\n"
		}
		s += "    effective: " + effective + "\n"
		s += "    plans: [{id: std, objective: " + objective + ", components: [app]}]\n"
		if override {
			s += "    overrides: [{customer: globex, plan: std, set: {objective: 99.99}}]\n"
		}
		return s
	}
	tests := []struct {
		name string
		doc  string
		// errMsgs empty: accepted.
		errMsgs []string
	}{
		{"reduction inside the notice is refused", head + v2("2026-03-01", "2026-04-29", "99.5", true),
			[]string{`version "2" reduces protections (plan "std": objective lowered from 99.9 % to 99.5 %) and so cannot take effect before 2026-04-30T00:00:00Z, 60 days after it was published on 2026-03-01T00:00:00Z; it says 2026-04-29T00:00:00Z`}},
		{"reduction exactly at the notice is accepted", head + v2("2026-03-01", "2026-04-30", "99.5", true), nil},
		{"reduction after the notice is accepted", head + v2("2026-03-01", "2026-06-01", "99.5", true), nil},
		{"reduction one second early is refused", head + v2("2026-03-01T12:00:00Z", "2026-04-30T11:59:59Z", "99.5", true), []string{"cannot take effect before 2026-04-30T12:00:00Z"}},
		{"reduction at the same time of day is accepted", head + v2("2026-03-01T12:00:00Z", "2026-04-30T12:00:00Z", "99.5", true), nil},
		{"reduction without a published date is refused", head + v2("", "2026-09-01", "99.5", true), []string{"60 days after it was published on 2026-09-01T00:00:00Z"}},
		{"improvement takes effect at once", head + v2("", "2026-02-01", "99.95", true), nil},
		{"unchanged version takes effect at once", head + v2("", "2026-02-01", "99.9", true), nil},
		{"dropping an override is a reduction", head + v2("2026-03-01", "2026-03-02", "99.9", false), []string{`customer "globex" plan "std": override removed`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("test.yaml", []byte(tt.doc))
			if len(tt.errMsgs) == 0 {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				if len(p.Versions) != 2 || p.Versions[1].ID != "2" {
					t.Errorf("got versions %v, want 1 then 2", p.Versions)
				}
				return
			}
			for _, m := range tt.errMsgs {
				checkErr(t, err, wantErr{12, "versions[1].effective", m})
			}
		})
	}

	t.Run("no notice rule without notice_days", func(t *testing.T) {
		doc := strings.Replace(head, "notice_days: 60\n", "", 1) + v2("", "2026-02-01", "99", false)
		if _, err := Parse("test.yaml", []byte(doc)); err != nil {
			t.Errorf("got %v, want accepted", err)
		}
	})
	t.Run("versions are compared in effective order, not file order", func(t *testing.T) {
		// The reducing version comes first in the file.
		doc := "policy: acme\nnotice_days: 60\ncomponents:\n  - id: app\nversions:\n" +
			"  - version: \"2\"\n    published: 2026-03-01\n    effective: 2026-04-01\n    plans: [{id: std, objective: 99.5, components: [app]}]\n" +
			"  - version: \"1\"\n    effective: 2026-01-01\n    plans: [{id: std, objective: 99.9, components: [app]}]\n"
		p, err := Parse("test.yaml", []byte(doc))
		checkErr(t, err, wantErr{8, "versions[0].effective", `version "2" reduces protections`})
		if p != nil {
			t.Error("got a policy, want none")
		}
	})
	t.Run("versions are sorted by effective date", func(t *testing.T) {
		doc := "policy: acme\ncomponents:\n  - id: app\nversions:\n" +
			"  - {version: b, effective: 2026-06-01, plans: [{id: std, objective: 99.5, components: [app]}]}\n" +
			"  - {version: a, effective: 2026-01-01, plans: [{id: std, objective: 99.9, components: [app]}]}\n"
		p := mustParse(t, doc)
		if p.Versions[0].ID != "a" || p.Versions[1].ID != "b" {
			t.Errorf("got %s, %s, want a, b", p.Versions[0].ID, p.Versions[1].ID)
		}
		if v := p.VersionAt(time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)); v == nil || v.ID != "a" {
			t.Errorf("version at 2026-05-31: got %v, want a", v)
		}
	})
}

func TestOverridesReplaceWholeKeys(t *testing.T) {
	doc := `policy: acme
components:
  - id: app
  - id: api
calendars:
  - id: office
    hours: {mon-fri: "09:00-17:00"}
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: std
        name: Standard
        objective: 99.9
        components: [app, api]
        uptime:
          weights: {partial_outage: 0.5}
          min_downtime: 5m
        exclusions: [maintenance, force_majeure]
        maintenance_notice: 48h
        credits:
          tiers: [{below: 99.9, credit: 10}]
          cap: 50
          claim: {within: 30d}
        support:
          calendar: office
          priorities: [{id: p1, first_response: 4h}]
    overrides:
      - customer: globex
        plan: std
        set:
          objective: 99.95
          uptime: {min_downtime: 1m}
          credits:
            tiers: [{below: 99.95, credit: 25}]
      - customer: initech
        plan: std
        set:
          name: Initech custom
          exclusions: []
          components: [app]
`
	p := mustParse(t, doc)
	v := p.Versions[0]
	base := v.Plans["std"]
	globex, initech := v.PlanFor("globex", "", "std"), v.PlanFor("initech", "", "std")
	if got := v.PlanFor("acme", "", "std"); got != base {
		t.Errorf("a customer without override: got %p, want the plan %p", got, base)
	}
	if globex == base || initech == base || globex == nil || initech == nil {
		t.Fatal("customers with overrides should get their own plans")
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"base keeps its objective", ratStr(base.Objective), "999/10"},
		{"base keeps its weights", base.Weights[sla.PartialOutage], int64(500)},
		{"override id", globex.ID, "std"},
		{"override name inherited", globex.Name, "Standard"},
		{"override objective set", ratStr(globex.Objective), "1999/20"},
		{"override min downtime set", globex.MinDowntime, time.Minute},
		// uptime replaced whole: the weight from the base's uptime is gone.
		{"override weights back to defaults", globex.Weights[sla.PartialOutage], int64(300)},
		{"override credits replaced whole: no cap", globex.Credits.Cap == nil, true},
		{"override credits replaced whole: automatic claim", globex.Credits.Claim.Automatic, true},
		{"override tier", ratStr(globex.Credits.Tiers[0].Percent), "25"},
		{"override exclusions inherited", len(globex.Excluded), 2},
		{"override notice inherited", globex.MaintenanceNotice, 48 * time.Hour},
		{"override support inherited", globex.Support.Priorities["p1"].FirstResponse.Duration, 4 * time.Hour},
		{"override components inherited", fmt.Sprint(globex.Components), "[app api]"},
		{"second override name", initech.Name, "Initech custom"},
		{"empty list clears exclusions", len(initech.Excluded), 0},
		{"components replaced", fmt.Sprint(initech.Components), "[app]"},
		{"second override keeps base objective", ratStr(initech.Objective), "999/10"},
		{"second override keeps base cap", ratStr(initech.Credits.Cap), "50"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestParseClassOverrides: seed 000's "for enterprise users … higher
// uptime guarantees may be defined" as an override for a class of
// customers; a customer's own override comes before its class's, the
// class's before the plan, and custom terms start from what PlanFor gives.
func TestParseClassOverrides(t *testing.T) {
	const doc = `
policy: blum
components: [{id: web}]
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - {id: platform, objective: 99, components: [web]}
      - {id: other, objective: 98, components: [web]}
    overrides:
      - class: enterprise
        plan: platform
        set: {objective: 99.9}
      - customer: globex
        plan: platform
        set: {objective: 99.95}
`
	v := mustParse(t, doc).Versions[0]
	sub := func(customer, class, plan, set string) *sla.Subscription {
		return &sla.Subscription{ID: "s", Customer: customer, Class: class, Plan: plan, Set: []byte(set)}
	}
	tests := []struct {
		name string
		sub  *sla.Subscription
		want string // the objective
	}{
		{"no class: the plan", sub("acme", "", "platform", ""), "99"},
		{"another class: the plan", sub("acme", "smb", "platform", ""), "99"},
		{"the class: its override", sub("acme", "enterprise", "platform", ""), "999/10"},
		{"the customer's own override over its class's", sub("globex", "enterprise", "platform", ""), "1999/20"},
		{"the customer's own override without a class", sub("globex", "", "platform", ""), "1999/20"},
		{"a plan the class has no override of", sub("acme", "enterprise", "other", ""), "98"},
		// custom terms replace credits only: the objective stays the class's
		{"custom terms over the class's override", sub("acme", "enterprise", "platform", `{"credits":{"tiers":[{"below":"99.9","credit":"10"}]}}`), "999/10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := v.PlanOf(tt.sub)
			if err != nil {
				t.Fatal(err)
			}
			if got := ratStr(pl.Objective); got != tt.want {
				t.Errorf("objective: got %s, want %s", got, tt.want)
			}
		})
	}
	if o := v.OverrideFor("acme", "enterprise", "platform"); o == nil || o.Class != "enterprise" || o.Customer != "" {
		t.Errorf("OverrideFor: got %+v, want the class enterprise's", o)
	}
}

// TestParseExamples parses every example policy and checks seed 002's
// mapping.
func TestParseExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example policies: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := Load(f); err != nil {
				t.Errorf("Load: %v", err)
			}
		})
	}

	p, err := Load("../../examples/002-bluestone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	std := p.Versions[0].Plans["standard"]
	checks := []struct {
		name      string
		got, want any
	}{
		{"objective", ratStr(std.Objective), "199/2"},
		{"formula", std.Formula, sla.FormulaRemoved},
		{"timezone", std.Location.String(), "Europe/Oslo"},
		{"first tier", ratStr(std.Credits.Tiers[0].Below) + " " + ratStr(std.Credits.Tiers[0].Percent), "199/2 10"},
		{"second tier", ratStr(std.Credits.Tiers[1].Below) + " " + ratStr(std.Credits.Tiers[1].Percent), "99 15"},
		{"claim window", std.Credits.Claim.Within, 30 * 24 * time.Hour},
		{"critical: 2 work hours", std.Support.Priorities["critical"].FirstResponse.Duration, 2 * time.Hour},
		{"standard: 2 work days of 8h", std.Support.Priorities["standard"].FirstResponse.Duration, 16 * time.Hour},
		{"work hours calendar", std.Support.Priorities["standard"].FirstResponse.Calendar.Name(), "cet-work-hours"},
		{"hourly critical updates", std.Incidents.UpdateEvery["critical"].Duration, time.Hour},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("002 %s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
	if sla.IsInput(err) {
		t.Errorf("got an input error for a missing file, want an I/O error")
	}
}

// The tests below describe behaviour that the parser gets wrong today; see
// the comments for the input, what it does and what it should do.

// TestParseRefusesOverflowingDurations: days and hours are added without an
// overflow check, so "36600d2000000h" wraps around to a negative duration
// that wall-clock keys accept (-2245695h34m33s). Want: refused, naming the
// field.
func TestParseRefusesOverflowingDurations(t *testing.T) {
	tests := []struct {
		name  string
		keys  string
		field string
	}{
		{"maintenance notice", "        maintenance_notice: 36600d2000000h\n", plan0 + ".maintenance_notice"},
		{"recovery objective", "        recovery: {rto: 36600d2000000h}\n", plan0 + ".recovery.rto"},
		{"claim window", "        credits: {tiers: [{below: 99, credit: 10}], claim: {within: 36600d2000000h}}\n", plan0 + ".credits.claim.within"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(withPlanKeys(tt.keys)))
			checkErr(t, err, wantErr{11, tt.field, "want a duration"})
		})
	}
}

// TestParseTypeErrorsNameTheKey: a value of the wrong YAML type is reported
// by the YAML library as "cannot unmarshal str `sixty` into int" or "cannot
// unmarshal map into []policy.rawComponent": the line is right, but the key
// is not named and Go type names leak. Want: the key named, no Go names.
func TestParseTypeErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		line int
		key  string
	}{
		{"string for an integer", "policy: acme\nnotice_days: sixty\n" + strings.TrimPrefix(minimal, "policy: acme\n"), 2, "notice_days"},
		{"mapping for a list", "policy: acme\ncomponents: {id: app}\n", 2, "components"},
		{"scalar for a plan", strings.Replace(minimal, "      - id: standard\n        objective: 99.9\n        components: [app]\n", "      - standard\n", 1), 8, "plans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.doc))
			if err == nil || !sla.IsInput(err) {
				t.Fatalf("got %v, want an input error", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, fmt.Sprintf("test.yaml:%d: ", tt.line)) {
				t.Errorf("got %q, want it at line %d", msg, tt.line)
			}
			if !strings.Contains(msg, tt.key) {
				t.Errorf("got %q, want it to name %s", msg, tt.key)
			}
			if strings.Contains(msg, "policy.raw") {
				t.Errorf("got %q, want no Go type names", msg)
			}
		})
	}
}

// TestParseDayLengthOver24Hours: the parser's own day_length check only
// refuses more than one day when written in days ("2d"); "25h" slips
// through to the calendar constructor, whose error names the calendar
// (line 5, field calendars[0]) instead of day_length. Want: line 7, field
// calendars[0].day_length, like "2d".
func TestParseDayLengthOver24Hours(t *testing.T) {
	_, err := Parse("test.yaml", []byte(withCalendars("  - id: c\n    always: true\n    day_length: 25h\n")))
	checkErr(t, err, wantErr{7, "calendars[0].day_length", "at most 24h"})
}

// TestParseAliasExpansionIsBounded: the line index walks through YAML
// aliases and so expands them: a document of 300 bytes with five nested
// aliases costs about 2.5 million allocations and a second to refuse, and
// each further level costs ten times more (a "billion laughs" denial of service). Want:
// refused as an input error at a cost independent of the expansion.
func TestParseAliasExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("policy: acme\ncomponents:\n  - id: app\n    depends_on: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	b.WriteString("calendars:\n")
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&b, "  - id: c%d\n    always: true\n    holidays:\n      dates: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	doc := []byte(b.String())
	var err error
	allocs := testing.AllocsPerRun(1, func() { _, err = Parse("test.yaml", doc) })
	if err == nil || !sla.IsInput(err) {
		t.Errorf("got %v, want an input error", err)
	}
	if allocs > 100_000 {
		t.Errorf("got %.0f allocations for a %d-byte document, want under 100000", allocs, len(doc))
	}
}

// TestParseRefusesSecondDocument: a file with two YAML documents is read up
// to the first "---" and the rest is silently ignored, so a policy
// concatenated with another (or a plan pasted after a stray "---") loses
// keys without a word. Want: refused, naming the line of the second
// document.
func TestParseRefusesSecondDocument(t *testing.T) {
	doc := minimal + "---\npolicy: other\n"
	p, err := Parse("test.yaml", []byte(doc))
	if err == nil {
		t.Fatalf("got policy %q, want an error for the second document", p.ID)
	}
	if msg := err.Error(); !sla.IsInput(err) || !(strings.Contains(msg, "test.yaml:11:") || strings.Contains(msg, "test.yaml:12:")) {
		t.Errorf("got %v, want an input error at line 11 or 12", err)
	}
}

// TestParseSelfReferentialAlias: the line index (yamlpos.Index.add) follows
// aliases without remembering where it has been, so the 11-byte document
// "a: &a [*a]" recurses without end: the index grows by one ever longer path
// per level until the process dies of a stack overflow, having used
// gigabytes of memory on the way (with Go's default 1 GB stack limit).
// Want: an input error. The parse runs in a child process with a 1 MB stack
// so that the crash stays small and does not take this test binary down.
func TestParseSelfReferentialAlias(t *testing.T) {
	const doc = "a: &a [*a]\n"
	if os.Getenv("SLAKEEPER_SELF_ALIAS_CHILD") == "1" {
		debug.SetMaxStack(1 << 20)
		_, err := Parse("test.yaml", []byte(doc))
		if !sla.IsInput(err) {
			t.Fatalf("got %v, want an input error", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestParseSelfReferentialAlias$")
	cmd.Env = append(os.Environ(), "SLAKEEPER_SELF_ALIAS_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := string(out)
		if i := strings.Index(msg, "\n\n"); i > 0 {
			msg = msg[:i]
		}
		t.Errorf("Parse(%q) in a child process: %v\n%s", doc, err, msg)
	}
}

// TestParseUpstreamObjectives: plan.upstream names upstream components, each
// with an optional objective.
func TestParseUpstreamObjectives(t *testing.T) {
	doc := strings.Replace(minimal, "  - id: app\n", "  - id: app\n  - id: sf\n    upstream: true\n", 1)
	p := mustParse(t, doc+"        upstream: [{component: sf, objective: 99.5}, {component: sf}]\n")
	u := p.Versions[0].Plans["standard"].Upstream
	if got := fmt.Sprint(len(u), " ", u[0].Component, " ", u[0].Objective.RatString(), " ", u[1].Objective == nil); got != "2 sf 199/2 true" {
		t.Errorf("got %s, want 2 sf 199/2 true", got)
	}
	// The two extra component lines move the plan keys to line 13.
	_, err := Parse("test.yaml", []byte(doc+"        upstream: [{component: sf, objective: 101}]\n"))
	checkErr(t, err, wantErr{13, "versions[0].plans[0].upstream[0].objective", ""})
}
