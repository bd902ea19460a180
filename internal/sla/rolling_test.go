package sla

import (
	"math"
	"math/big"
	"testing"
	"time"
)

// TestRollingWindow: a plan with a rolling window is measured over its
// last N local days, ending at the requested period's end or at AsOf
// while that period runs; the budget is the window's.
func TestRollingWindow(t *testing.T) {
	tests := []struct {
		name       string
		zone       string
		days       int
		countIn    time.Duration
		subStart   string // the subscription's start, when not long before
		period     string
		asOf       string
		statuses   [][]*StatusChange
		start, end string  // the window
		total      float64 // D, minutes
		liable     float64 // N, minutes
		rounded    float64
	}{
		{
			// 2026-10-13T00:00Z to 2026-11-10T00:00Z: 28 × 1,440 = 40,320
			// minutes across the month boundary. The outage over midnight
			// 31 Oct counts whole, 120 min; the one on 12–13 Oct only from
			// the window's start, 60 of its 120.
			name: "28 days across a month boundary", zone: "UTC", days: 28, period: "2026-11", asOf: "2026-11-10T00:00:00Z",
			statuses: [][]*StatusChange{
				down(t, "a", "web", "m", MajorOutage, "2026-10-31T23:00:00Z", "2026-11-01T01:00:00Z"),
				down(t, "b", "web", "m", MajorOutage, "2026-10-12T23:00:00Z", "2026-10-13T01:00:00Z"),
			},
			start: "2026-10-13T00:00:00Z", end: "2026-11-10T00:00:00Z", total: 40320, liable: 180,
		},
		{
			// Berlin: 2026-10-13 13:00 CEST (11:00Z) to 2026-11-10 13:00 CET
			// (12:00Z). DST ends on 25 Oct, so the 28 local days are
			// 28 × 1,440 + 60 = 40,380 minutes.
			name: "28 local days across DST and a month boundary", zone: "Europe/Berlin", days: 28, period: "2026-11", asOf: "2026-11-10T12:00:00Z",
			statuses: [][]*StatusChange{down(t, "a", "api", "m", MajorOutage, "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z")},
			start:    "2026-10-13T11:00:00Z", end: "2026-11-10T12:00:00Z", total: 40380, liable: 60,
		},
		{
			// October asked after it ended: the window ends with it, at
			// 2026-11-01 00:00 CET (2026-10-31T23:00Z), and starts 30 local
			// days before, 2026-10-02 00:00 CEST (2026-10-01T22:00Z):
			// 30 × 1,440 + 60 = 43,260 minutes.
			name: "30 days to the end of a past month", zone: "Europe/Berlin", days: 30, period: "2026-10", asOf: "2026-12-04T00:00:00Z",
			start: "2026-10-01T22:00:00Z", end: "2026-10-31T23:00:00Z", total: 43260,
		},
		{
			// The subscription began on 1 November: the 28 days are cut to
			// its 9, 12,960 minutes.
			name: "a subscription younger than the window", zone: "UTC", days: 28, subStart: "2026-11-01T00:00:00Z", period: "2026-11", asOf: "2026-11-10T00:00:00Z",
			statuses: [][]*StatusChange{down(t, "a", "web", "m", MajorOutage, "2026-10-31T23:00:00Z", "2026-11-01T01:00:00Z")},
			start:    "2026-11-01T00:00:00Z", end: "2026-11-10T00:00:00Z", total: 12960, liable: 60,
		},
		{
			// count_in lays its grid from the window's start, 00:02Z: the
			// outage 10:03–10:04 is in the cell 10:02–10:07, 5 minutes.
			name: "whole intervals from the window's start", zone: "UTC", days: 28, countIn: 5 * time.Minute, period: "2026-11", asOf: "2026-11-10T00:02:00Z",
			statuses: [][]*StatusChange{down(t, "a", "web", "m", MajorOutage, "2026-11-05T10:03:00Z", "2026-11-05T10:04:00Z")},
			start:    "2026-10-13T00:02:00Z", end: "2026-11-10T00:02:00Z", total: 40320, liable: 5, rounded: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			plan.Location = loc(t, tt.zone)
			plan.Rolling = tt.days
			plan.CountIn = tt.countIn
			plan.Credits = Credits{Claim: ClaimRule{Automatic: true}}
			ev := &Evidence{}
			for _, s := range tt.statuses {
				ev.Statuses = append(ev.Statuses, s...)
			}
			s := sub(t)
			if tt.subStart != "" {
				s.Start = at(t, tt.subStart)
			}
			ev.Subscriptions = []*Subscription{s}
			rep := evaluate(t, testPolicy(plan), ev, tt.period, tt.asOf)
			if len(rep.Subscriptions) != 1 {
				t.Fatalf("got %d results, want 1", len(rep.Subscriptions))
			}
			sr := rep.Subscriptions[0]
			if !sr.Start.Equal(at(t, tt.start)) || !sr.End.Equal(at(t, tt.end)) {
				t.Errorf("window: got %s to %s, want %s to %s", sr.Start, sr.End, tt.start, tt.end)
			}
			if want := "rolling " + itoa(tt.days) + "d"; sr.Window != want || sr.Partial {
				t.Errorf("got window %q partial %v, want %q, not partial", sr.Window, sr.Partial, want)
			}
			if sr.TotalMinutes != tt.total || !near(sr.LiableMinutes, tt.liable) || !near(sr.RoundedMinutes, tt.rounded) {
				t.Errorf("got D %v N %v rounded %v, want %v, %v, %v", sr.TotalMinutes, sr.LiableMinutes, sr.RoundedMinutes, tt.total, tt.liable, tt.rounded)
			}
			// uptime = (D − N) ÷ D × 100, exactly.
			want := new(big.Rat).Quo(new(big.Rat).Sub(big.NewRat(int64(tt.total), 1), new(big.Rat).SetFloat64(tt.liable)), big.NewRat(int64(tt.total), 1))
			checkUptime(t, sr, want.Mul(want, big.NewRat(100, 1)))
			if sr.Met != (ratFloat(want) >= 99.9) {
				t.Errorf("met: got %v at %v %%", sr.Met, sr.Uptime)
			}
			// The budget is the window's: allowed = 0.1 % of D, used = N.
			b := sr.Budget
			approx := func(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
			if !approx(b.AllowedMinutes, tt.total/1000) || !approx(b.UsedMinutes, tt.liable) || !approx(b.LeftMinutes, tt.total/1000-tt.liable) ||
				!approx(b.EndUptime, sr.Uptime) || b.EndCredit != 0 || b.NextTier != nil {
				t.Errorf("budget: got %+v, want allowed %v, used %v", b, tt.total/1000, tt.liable)
			}
			if sr.Credit.Percent != 0 || sr.Credit.Amount != "0.00" {
				t.Errorf("credit: got %+v, want none", sr.Credit)
			}
		})
	}
}

// TestRollingWindowNotBegun: a period that has not begun at AsOf has no
// window yet.
func TestRollingWindowNotBegun(t *testing.T) {
	plan := testPlan()
	plan.Rolling = 28
	plan.Credits = Credits{Claim: ClaimRule{Automatic: true}}
	rep := evaluate(t, testPolicy(plan), &Evidence{}, "2026-12", "2026-11-20T00:00:00Z")
	if len(rep.Subscriptions) != 0 {
		t.Errorf("got %d results for December asked in November, want none", len(rep.Subscriptions))
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// A plan measured per month until June and over a rolling 28 days from
// July gives, for 2026, the six months and then six windows, each ending
// with its month: January is 31 × 1,440 = 44,640 minutes, July's window
// 28 × 1,440 = 40,320.
func TestRollingWindowAfterCalendarVersion(t *testing.T) {
	monthly := testPlan()
	rolling := testPlan()
	rolling.Rolling = 28
	rolling.Credits = Credits{Claim: ClaimRule{Automatic: true}}
	pol := testPolicy(monthly)
	pol.Versions = append(pol.Versions, &Version{ID: "v2", Effective: at(t, "2026-07-01T00:00:00Z"), Plans: map[string]*Plan{"pro": rolling}, PlanOrder: []string{"pro"}})
	rep := evaluate(t, pol, &Evidence{}, "2026", "2027-01-05T00:00:00Z")
	if len(rep.Subscriptions) != 12 {
		t.Fatalf("got %d results, want 12", len(rep.Subscriptions))
	}
	for i, sr := range rep.Subscriptions {
		wantWindow, wantTotal := "", float64(time.Date(2026, time.Month(i+2), 1, 0, 0, 0, 0, time.UTC).Sub(time.Date(2026, time.Month(i+1), 1, 0, 0, 0, 0, time.UTC)).Minutes())
		if i >= 6 {
			wantWindow, wantTotal = "rolling 28d", 40320
		}
		if sr.Window != wantWindow || sr.TotalMinutes != wantTotal {
			t.Errorf("result %d (%s): window %q, %v minutes; want %q, %v", i, sr.Period, sr.Window, sr.TotalMinutes, wantWindow, wantTotal)
		}
	}
	if end := rep.Subscriptions[6].End; !end.Equal(at(t, "2026-08-01T00:00:00Z")) {
		t.Errorf("July's window ends %s, want with July", end)
	}
}
