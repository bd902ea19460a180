package sla

import (
	"math"
	"math/big"
	"testing"
	"time"
)

// TestCountInWholeIntervals: with uptime.count_in every liable piece is
// rounded out to the grid of whole intervals from the period's start (in
// the plan's zone), the cells counted once each at the heaviest weight in
// them.
func TestCountInWholeIntervals(t *testing.T) {
	const oct = 44640 // October 2026: 31 × 1440 minutes
	tests := []struct {
		name     string
		zone     string
		step     time.Duration
		combine  Combine
		statuses [][]*StatusChange
		total    float64 // D, minutes
		liable   float64 // N, minutes
		rounded  float64 // what the rounding added to N
		excluded float64 // third_party minutes
	}{
		{
			// 10:02:30–10:03:10 is 40 s in the cell 10:00–10:05: 5 min,
			// 5 − 2/3 = 4 1/3 added.
			name: "40 seconds count as one interval", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:02:30Z", "2026-10-05T10:03:10Z")},
			total:    oct, liable: 5, rounded: 5 - 40.0/60,
		},
		{
			// 10:01–10:02 and 10:03–10:04 share the cell 10:00–10:05: 5, not 10.
			name: "two outages in one interval count once", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:01:00Z", "2026-10-05T10:02:00Z"),
				down(t, "b", "web", "m", MajorOutage, "2026-10-05T10:03:00Z", "2026-10-05T10:04:00Z"),
			},
			total: oct, liable: 5, rounded: 3,
		},
		{
			// 10:04–10:06 touches 10:00–10:05 and 10:05–10:10: 10 min.
			name: "an outage across a cell boundary counts both", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:04:00Z", "2026-10-05T10:06:00Z")},
			total:    oct, liable: 10, rounded: 8,
		},
		{
			// 10:05–10:10 is exactly one cell: 5, nothing added (the end is
			// exclusive, so 10:10–10:15 is not touched).
			name: "an aligned outage is not extended", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:05:00Z", "2026-10-05T10:10:00Z")},
			total:    oct, liable: 5, rounded: 0,
		},
		{
			// web 10:01–10:02 and api 10:08–10:09 under combine any: the
			// cells 10:00–10:05 and 10:05–10:10, 10 min.
			name: "two components, union of their cells", zone: "UTC", step: 5 * time.Minute, combine: CombineAny,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:01:00Z", "2026-10-05T10:02:00Z"),
				down(t, "b", "api", "m", MajorOutage, "2026-10-05T10:08:00Z", "2026-10-05T10:09:00Z"),
			},
			total: oct, liable: 10, rounded: 8,
		},
		{
			// web 10:01–10:02 (one cell, 5); api 10:01–10:02 and 10:06–10:07
			// (two cells, 10): worst is api, 10 min, 8 of them added.
			name: "combine worst rounds each component", zone: "UTC", step: 5 * time.Minute, combine: CombineWorst,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:01:00Z", "2026-10-05T10:02:00Z"),
				down(t, "b", "api", "m", MajorOutage, "2026-10-05T10:01:00Z", "2026-10-05T10:02:00Z"),
				down(t, "c", "api", "m", MajorOutage, "2026-10-05T10:06:00Z", "2026-10-05T10:07:00Z"),
			},
			total: oct, liable: 10, rounded: 8,
		},
		{
			// A partial outage (weight 0.3) 10:01–10:02: the cell counts
			// 5 × 0.3 = 1.5 min (the minute itself was 0.3).
			name: "a partial outage counts its weight", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{down(t, "a", "web", "m", PartialOutage, "2026-10-05T10:01:00Z", "2026-10-05T10:02:00Z")},
			total:    oct, liable: 1.5, rounded: 1.2,
		},
		{
			// partial 10:01–10:02 and major 10:03–10:04 in one cell: the
			// heaviest weight counts, 5 × 1 = 5.
			name: "the heaviest weight in a cell counts", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", PartialOutage, "2026-10-05T10:01:00Z", "2026-10-05T10:02:00Z"),
				down(t, "b", "web", "m2", MajorOutage, "2026-10-05T10:03:00Z", "2026-10-05T10:04:00Z"),
			},
			total: oct, liable: 5, rounded: 5 - 1.3,
		},
		{
			// third_party (excluded) 10:00–10:04, then liable 10:04–10:04:30:
			// the cell 10:00–10:05 counts whole against the provider, so
			// the excluded 4 minutes become liable: N = 5, excluded 0.
			name: "a liable cell takes excluded time in it", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{
				{{ID: "x", At: at(t, "2026-10-05T10:00:00Z"), Component: "web", Status: MajorOutage, Source: "m", Cause: CauseThirdParty}},
				{{ID: "y", At: at(t, "2026-10-05T10:04:00Z"), Component: "web", Status: MajorOutage, Source: "m"}},
				{{ID: "z", At: at(t, "2026-10-05T10:04:30Z"), Component: "web", Status: Operational, Source: "m"}},
			},
			total: oct, liable: 5, rounded: 4.5, excluded: 0,
		},
		{
			// Excluded downtime alone is not rounded: third_party
			// 10:01–10:02 stays 1 excluded minute.
			name: "excluded downtime is not rounded", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{{
				{ID: "x", At: at(t, "2026-10-05T10:01:00Z"), Component: "web", Status: MajorOutage, Source: "m", Cause: CauseThirdParty},
				{ID: "y", At: at(t, "2026-10-05T10:02:00Z"), Component: "web", Status: Operational, Source: "m"},
			}},
			total: oct, liable: 0, rounded: 0, excluded: 1,
		},
		{
			// The grid starts at the period's start in the plan's zone:
			// October in Asia/Kolkata (UTC+5:30) starts 2026-09-30T18:30Z,
			// so hours run :30–:30 in UTC. 10:20Z–10:40Z touches
			// 09:30–10:30Z and 10:30–11:30Z: 120 min (on a UTC grid it
			// would be one hour, 10:00–11:00Z).
			name: "the grid is aligned to the period start in the zone", zone: "Asia/Kolkata", step: time.Hour,
			statuses: [][]*StatusChange{down(t, "a", "web", "m", MajorOutage, "2026-10-05T10:20:00Z", "2026-10-05T10:40:00Z")},
			total:    oct, liable: 120, rounded: 100,
		},
		{
			// Berlin, October 2026: DST ends 2026-10-25T01:00Z (03:00 CEST
			// → 02:00 CET), D = 44,640 + 60 = 44,700. The 15-minute grid runs
			// from 2026-09-30T22:00Z in real time: 00:50Z–01:05Z touches
			// 00:45–01:00Z and 01:00–01:15Z, 30 min.
			name: "15-minute grid across the DST change", zone: "Europe/Berlin", step: 15 * time.Minute,
			statuses: [][]*StatusChange{down(t, "a", "web", "m", MajorOutage, "2026-10-25T00:50:00Z", "2026-10-25T01:05:00Z")},
			total:    44700, liable: 30, rounded: 15,
		},
		{
			// 2026-09-30T23:58Z–2026-10-01T00:02Z: October's share is its
			// first cell 00:00–00:05, 5 min; the September part is not
			// October's.
			name: "the cell is clipped to the period", zone: "UTC", step: 5 * time.Minute,
			statuses: [][]*StatusChange{down(t, "a", "web", "m", MajorOutage, "2026-09-30T23:58:00Z", "2026-10-01T00:02:00Z")},
			total:    oct, liable: 5, rounded: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			plan.Location = loc(t, tt.zone)
			plan.CountIn = tt.step
			if tt.combine != "" {
				plan.Combine = tt.combine
			}
			ev := &Evidence{}
			for _, s := range tt.statuses {
				ev.Statuses = append(ev.Statuses, s...)
			}
			sr := evaluate(t, testPolicy(plan), ev, "2026-10", "2030-01-01T00:00:00Z").Subscriptions[0]
			if sr.TotalMinutes != tt.total {
				t.Errorf("total minutes: got %v, want %v", sr.TotalMinutes, tt.total)
			}
			if !near(sr.LiableMinutes, tt.liable) {
				t.Errorf("liable minutes: got %v, want %v", sr.LiableMinutes, tt.liable)
			}
			if !near(sr.RoundedMinutes, tt.rounded) {
				t.Errorf("rounded minutes: got %v, want %v", sr.RoundedMinutes, tt.rounded)
			}
			if !near(sr.ExcludedMinutes[CauseThirdParty], tt.excluded) {
				t.Errorf("excluded third_party minutes: got %v, want %v", sr.ExcludedMinutes[CauseThirdParty], tt.excluded)
			}
			// uptime = (D − N) ÷ D exactly, N in thousandths of a minute.
			n := new(big.Rat).SetFloat64(tt.liable)
			want := new(big.Rat).Quo(new(big.Rat).Sub(big.NewRat(int64(tt.total), 1), n), big.NewRat(int64(tt.total), 1))
			want.Mul(want, big.NewRat(100, 1))
			if math.Abs(sr.Uptime-ratFloat(want)) > 1e-9 {
				t.Errorf("uptime: got %v, want %v", sr.Uptime, ratFloat(want))
			}
		})
	}
}

// near compares minutes computed from thousandths of seconds.
func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestCountInReductions: counting in whole intervals counts at least the
// downtime itself, so dropping it reduces protections; a step that is a
// multiple of the old one covers the old cells (both run from the period
// start) and does not.
func TestCountInReductions(t *testing.T) {
	tests := []struct {
		before, after time.Duration
		want          string
	}{
		{5 * time.Minute, 0, `plan "pro": downtime no longer counted in whole intervals of 5m (now as it is)`},
		{10 * time.Minute, 15 * time.Minute, `plan "pro": downtime no longer counted in whole intervals of 10m (now in whole intervals of 15m)`},
		{5 * time.Minute, 15 * time.Minute, ""},
		{0, 5 * time.Minute, ""},
	}
	for _, tt := range tests {
		a, b := testPlan(), testPlan()
		a.CountIn, b.CountIn = tt.before, tt.after
		prev := &Version{ID: "1", Plans: map[string]*Plan{"pro": a}, PlanOrder: []string{"pro"}}
		next := &Version{ID: "2", Plans: map[string]*Plan{"pro": b}, PlanOrder: []string{"pro"}}
		got := Reductions(prev, next)
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%v → %v: got %q, want no reduction", tt.before, tt.after, got)
		case tt.want != "" && (len(got) != 1 || got[0] != tt.want):
			t.Errorf("%v → %v: got %q, want %q", tt.before, tt.after, got, tt.want)
		}
	}
}

// TestNextBusinessMoment: a first response of zero on seed 002's
// 08:00–16:00 Europe/Berlin calendar (Mon–Fri) is due at once inside
// hours and at the next opening outside them. DST ends on Sunday
// 2026-10-25, so Monday the 26th opens at 08:00 CET = 07:00Z, where
// Friday the 23rd closed at 16:00 CEST = 14:00Z.
func TestNextBusinessMoment(t *testing.T) {
	c := obCals(t)
	sup := &Support{Pause: map[string]bool{"pending": true}, Priorities: map[string]*Targets{"p1": {FirstResponse: &Target{Duration: 0, Calendar: c.cet}}}}
	const fr, met, br, pd = MetricFirstResponse, TargetMet, TargetBreached, TargetPending
	tests := []struct {
		name    string
		created string
		events  []obEvent
		asOf    string
		want    obWant
	}{
		{
			// Saturday 10:00 CEST: due Monday 08:00 CET = 07:00Z; the reply
			// then is met, with 0 business time used.
			name: "weekend ticket answered at the opening", created: "2026-10-24T10:00:00+02:00",
			events: []obEvent{{TicketAgentReply, "2026-10-26T08:00:00+01:00", ""}}, asOf: "2026-10-27T00:00:00Z",
			want: obWant{metric: fr, state: met, cal: "cet", deadline: "2026-10-26T07:00:00Z", achieved: "2026-10-26T07:00:00Z"},
		},
		{
			// The same ticket answered at 08:00:01 CET: one second late.
			name: "one second after the opening is breached", created: "2026-10-24T10:00:00+02:00",
			events: []obEvent{{TicketAgentReply, "2026-10-26T08:00:01+01:00", ""}}, asOf: "2026-10-27T00:00:00Z",
			want: obWant{metric: fr, state: br, cal: "cet", deadline: "2026-10-26T07:00:00Z", achieved: "2026-10-26T07:00:01Z", used: time.Second},
		},
		{
			// As of Sunday nothing is due yet: pending (Add(t, 0) would
			// have made it due, and breached, on Saturday at 08:00Z).
			name: "pending over the weekend", created: "2026-10-24T10:00:00+02:00", asOf: "2026-10-25T12:00:00Z",
			want: obWant{metric: fr, state: pd, cal: "cet", deadline: "2026-10-26T07:00:00Z"},
		},
		{
			// Created exactly at Friday's closing, 16:00 CEST = 14:00Z: the
			// window is open up to, not including, 16:00, so it is due at
			// Monday's opening.
			name: "created at the closing", created: "2026-10-23T16:00:00+02:00",
			events: []obEvent{{TicketAgentReply, "2026-10-26T07:59:00+01:00", ""}}, asOf: "2026-10-27T00:00:00Z",
			want: obWant{metric: fr, state: met, cal: "cet", deadline: "2026-10-26T07:00:00Z", achieved: "2026-10-26T06:59:00Z"},
		},
		{
			// Tuesday 10:00 CET (09:00Z), inside hours: due at once; the reply
			// in the same second is met, a minute later breached.
			name: "inside hours, at once", created: "2026-10-27T10:00:00+01:00",
			events: []obEvent{{TicketAgentReply, "2026-10-27T10:00:00+01:00", ""}}, asOf: "2026-10-28T00:00:00Z",
			want: obWant{metric: fr, state: met, cal: "cet", deadline: "2026-10-27T09:00:00Z", achieved: "2026-10-27T09:00:00Z"},
		},
		{
			name: "inside hours, a minute later", created: "2026-10-27T10:00:00+01:00",
			events: []obEvent{{TicketAgentReply, "2026-10-27T10:01:00+01:00", ""}}, asOf: "2026-10-28T00:00:00Z",
			want: obWant{metric: fr, state: br, cal: "cet", deadline: "2026-10-27T09:00:00Z", achieved: "2026-10-27T09:01:00Z", used: time.Minute},
		},
		{
			// Paused (pending) from its creation, Tuesday 10:00 CET, to 15:30
			// CET: due when the pause ends, 14:30Z.
			name: "paused from the start", created: "2026-10-27T10:00:00+01:00",
			events: []obEvent{{TicketStatus, "2026-10-27T10:00:00+01:00", "pending"}, {TicketStatus, "2026-10-27T15:30:00+01:00", "open"}, {TicketAgentReply, "2026-10-27T15:30:00+01:00", ""}},
			asOf:   "2026-10-28T00:00:00Z",
			want:   obWant{metric: fr, state: met, cal: "cet", deadline: "2026-10-27T14:30:00Z", achieved: "2026-10-27T14:30:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := &Ticket{ID: "T1", At: obTime(t, tt.created), Customer: "acme", Priority: "p1"}
			tr, err := EvaluateTicket(tk, obEvents(t, "T1", tt.events), sup, obTime(t, tt.asOf))
			if err != nil {
				t.Fatal(err)
			}
			obCompare(t, tr.Targets, []obWant{tt.want})
		})
	}
}
