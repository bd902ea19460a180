package whatif_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/whatif"
)

// inForce promises 99.9 % a month in UTC: 10 % below 99.9, 25 % below
// 99.0.
const inForce = `policy: acme
components: [{id: api}]
versions:
  - version: "1"
    effective: 2025-01-01
    plans:
      - id: standard
        objective: 99.9
        timezone: UTC
        components: [api]
        credits:
          tiers:
            - {below: "99.9", credit: 10}
            - {below: "99.0", credit: 25}
`

// proposed promises 99.95 %: 10 % below 99.95, 15 % below 99.9.
const proposed = `policy: acme
components: [{id: api}]
versions:
  - version: "2"
    effective: 2027-01-01
    plans:
      - id: standard
        objective: 99.95
        timezone: UTC
        components: [api]
        credits:
          tiers:
            - {below: "99.95", credit: 10}
            - {below: "99.9", credit: 15}
`

// evidence: two subscriptions on the plan, one in USD (fee 1000), one in
// EUR (fee 500); 30 minutes down in March 2026, 60 in April.
const evidence = `{"type":"customer","id":"acme","name":"Acme","standing":"good"}
{"type":"customer","id":"globex","name":"Globex","standing":"good"}
{"type":"subscription","id":"sub-acme","customer":"acme","policy":"acme","plan":"standard","fee":"1000.00","currency":"USD","start":"2026-01-01T00:00:00Z"}
{"type":"subscription","id":"sub-globex","customer":"globex","policy":"acme","plan":"standard","fee":"500.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}
{"type":"subscription","id":"sub-other","customer":"globex","policy":"other","plan":"gold","fee":"9.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}
{"type":"status","id":"s1","at":"2026-03-10T10:00:00Z","component":"api","status":"major_outage"}
{"type":"status","id":"s2","at":"2026-03-10T10:30:00Z","component":"api","status":"operational"}
{"type":"status","id":"s3","at":"2026-04-20T08:00:00Z","component":"api","status":"major_outage"}
{"type":"status","id":"s4","at":"2026-04-20T09:00:00Z","component":"api","status":"operational"}
`

func parse(t testing.TB, name, yaml string) *sla.Policy {
	t.Helper()
	p, err := policy.Parse(name, []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func compare(t testing.TB, prop, from, to string) (*whatif.Result, error) {
	t.Helper()
	ev, err := facts.Parse("evidence", strings.NewReader(evidence))
	if err != nil {
		t.Fatal(err)
	}
	r, err := whatif.ParseRange(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return whatif.Compare(whatif.Request{InForce: parse(t, "acme.yaml", inForce), Proposed: parse(t, "proposed.yaml", prop), Evidence: ev, Range: r,
		AsOf: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
}

// TestWhatifMonthWithOutage works a month with a known outage out by hand
// under 99.9 and under a proposed 99.95.
//
// March 2026 (UTC) has 31 × 1440 = 44,640 minutes; 30 down:
// 44,610 / 44,640 = 99.93280… %. 99.9: met, no credit. 99.95: missed,
// first tier (below 99.95 → 10 %): 100.00 USD of 1,000, 50.00 EUR of 500.
//
// April has 30 × 1440 = 43,200 minutes; 60 down: 43,140 / 43,200 =
// 99.86111… %. 99.9: missed, 10 % (100.00 USD, 50.00 EUR). 99.95:
// missed, below 99.9 → 15 % (150.00 USD, 75.00 EUR).
//
// Totals over March and April: USD in force 100.00, proposed 250.00,
// difference 150.00; EUR 50.00, 125.00, 75.00. Met: 1 of the 2 rows per
// currency: March met in force, neither month proposed.
func TestWhatifMonthWithOutage(t *testing.T) {
	res, err := compare(t, proposed, "2026-03", "2026-04")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Period, Subscription, Currency string
		InUptime, PrUptime             float64
		InMet, PrMet                   bool
		InCredit, PrCredit, Difference string
		InVersion, PrVersion           string
	}
	var got []row
	for _, r := range res.Rows {
		if r.InForce == nil || r.Proposed == nil {
			t.Fatalf("row %s %s lacks a side", r.Period, r.Subscription)
		}
		got = append(got, row{r.Period, r.Subscription, r.Currency, r.InForce.Uptime, r.Proposed.Uptime, r.InForce.Met, r.Proposed.Met,
			r.InForce.Credit, r.Proposed.Credit, r.Difference, r.InForce.Version, r.Proposed.Version})
	}
	march := 100 * 44610.0 / 44640
	april := 100 * 43140.0 / 43200
	want := []row{
		{"2026-03", "sub-acme", "USD", march, march, true, false, "0.00", "100.00", "100.00", "1", "2"},
		{"2026-03", "sub-globex", "EUR", march, march, true, false, "0.00", "50.00", "50.00", "1", "2"},
		{"2026-04", "sub-acme", "USD", april, april, false, false, "100.00", "150.00", "50.00", "1", "2"},
		{"2026-04", "sub-globex", "EUR", april, april, false, false, "50.00", "75.00", "25.00", "1", "2"},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if r := res.Rows[0]; r.InForce.UptimeExact != r.Proposed.UptimeExact || r.InForce.Objective != 99.9 || r.Proposed.Objective != 99.95 {
		t.Errorf("March: exact %s / %s, objectives %v / %v", r.InForce.UptimeExact, r.Proposed.UptimeExact, r.InForce.Objective, r.Proposed.Objective)
	}
	wantTotals := []*whatif.Total{
		{Currency: "EUR", Rows: 2, MetInForce: 1, MetProposed: 0, InForce: "50.00", Proposed: "125.00", Difference: "75.00", InForceOwed: "50.00", ProposedOwed: "125.00"},
		{Currency: "USD", Rows: 2, MetInForce: 1, MetProposed: 0, InForce: "100.00", Proposed: "250.00", Difference: "150.00", InForceOwed: "100.00", ProposedOwed: "250.00"},
	}
	if d := cmp.Diff(wantTotals, res.Totals); d != "" {
		t.Errorf("totals (-want +got):\n%s", d)
	}
	if res.Policy != "acme" || res.Proposed != "acme" || res.ProposedVersion != "2" || res.From != "2026-03" || res.To != "2026-04" {
		t.Errorf("head: %+v", res)
	}
}

// TestWhatifRangeChunks evaluates a range across a year boundary: months
// outside it are not reported, whatever the engine was asked for.
func TestWhatifRangeChunks(t *testing.T) {
	res, err := compare(t, proposed, "2025-12", "2026-Q2")
	if err != nil {
		t.Fatal(err)
	}
	var periods []string
	for _, r := range res.Rows {
		if r.Subscription == "sub-acme" {
			periods = append(periods, r.Period)
		}
	}
	// The subscriptions start in January 2026: nothing in December 2025.
	if want := []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}; !cmp.Equal(periods, want) {
		t.Errorf("periods %v, want %v", periods, want)
	}
}

// TestWhatifMissingPlan refuses a proposed policy without a subscription's
// plan, naming the plan and the subscription.
func TestWhatifMissingPlan(t *testing.T) {
	_, err := compare(t, strings.ReplaceAll(proposed, "id: standard", "id: premium"), "2026-03", "")
	if err == nil || !sla.IsInput(err) {
		t.Fatalf("got %v, want an input error", err)
	}
	for _, s := range []string{`no plan "standard"`, `"sub-acme"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %s", err, s)
		}
	}
}

func TestWhatifParseRange(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want, field string
		months                      int
	}{
		{name: "one month", from: "2026-03", want: "2026-03", months: 1},
		{name: "year", from: "2025", to: "2025", want: "2025", months: 12},
		{name: "quarters", from: "2025-Q4", to: "2026-Q1", want: "2025-Q4..2026-Q1", months: 6},
		{name: "backwards", from: "2026-03", to: "2026-02", field: "to"},
		{name: "no from", field: "from"},
		{name: "bad", from: "2026-13", field: "from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := whatif.ParseRange(tc.from, tc.to)
			if tc.field != "" {
				in, ok := err.(*sla.InputError)
				if !ok || in.Field != tc.field {
					t.Fatalf("got %v, want an input error at %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.String() != tc.want || r.Months() != tc.months {
				t.Errorf("got %s (%d months), want %s (%d)", r, r.Months(), tc.want, tc.months)
			}
		})
	}
}

// TestWhatifRollingWindow: a proposed 30-day rolling window is compared
// month by month, each window the 30 days that end with the month (UTC),
// even where the range covers a quarter whole. March's window, 2 March to
// 1 April, holds the 30 minutes of 10 March: (43,200 − 30) ÷ 43,200; April's,
// 1 April to 1 May, the 60 of 20 April: (43,200 − 60) ÷ 43,200. A rolling
// window owes no credit.
func TestWhatifRollingWindow(t *testing.T) {
	const rolling = `policy: acme
components: [{id: api}]
versions:
  - version: "2"
    effective: 2027-01-01
    plans:
      - id: standard
        objective: 99.9
        window: rolling 30d
        timezone: UTC
        components: [api]
`
	res, err := compare(t, rolling, "2026-01", "2026-06")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 12 {
		t.Fatalf("got %d rows, want 6 months × 2 subscriptions", len(res.Rows))
	}
	for _, r := range res.Rows {
		if r.Subscription != "sub-acme" {
			continue
		}
		liable := map[string]float64{"2026-03": 30, "2026-04": 60}[r.Period]
		p := r.Proposed
		if p == nil || p.Window != "rolling 30d" || p.TotalMinutes != 43200 || p.LiableMinutes != liable || p.Credit != "0.00" {
			t.Errorf("%s proposed: %+v, want 43,200 minutes, %v liable, no credit", r.Period, p, liable)
			continue
		}
		if want := 100 * (43200 - liable) / 43200; math.Abs(p.Uptime-want) > 1e-9 {
			t.Errorf("%s: uptime %v, want %v", r.Period, p.Uptime, want)
		}
		if r.InForce == nil || r.InForce.Window != "" {
			t.Errorf("%s in force: %+v, want a calendar month", r.Period, r.InForce)
		}
	}
}

// TestWhatifSupportTargets: a proposal that only shortens a support
// target changes no uptime or credit, but the tickets it would have
// breached show. acme's ticket of 5 March was first answered after 2 h:
// met under 4 h, missed under 1 h; its ticket of 2 April after 30 min:
// met under both.
func TestWhatifSupportTargets(t *testing.T) {
	withSupport := func(within string) string {
		return strings.Replace(inForce, "        credits:\n", "        support:\n          priorities:\n            - {id: P1, first_response: "+within+"}\n        credits:\n", 1)
	}
	ev, err := facts.Parse("evidence", strings.NewReader(evidence+
		`{"type":"ticket","id":"t-mar","at":"2026-03-05T10:00:00Z","customer":"acme","priority":"P1","subject":"Slow"}
{"type":"ticket_event","id":"t-mar-1","at":"2026-03-05T12:00:00Z","ticket":"t-mar","kind":"agent_reply"}
{"type":"ticket","id":"t-apr","at":"2026-04-02T10:00:00Z","customer":"acme","priority":"P1","subject":"Down"}
{"type":"ticket_event","id":"t-apr-1","at":"2026-04-02T10:30:00Z","ticket":"t-apr","kind":"agent_reply"}
`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := whatif.ParseRange("2026-03", "2026-04")
	if err != nil {
		t.Fatal(err)
	}
	res, err := whatif.Compare(whatif.Request{InForce: parse(t, "acme.yaml", withSupport("4h")), Proposed: parse(t, "proposed.yaml", withSupport("1h")),
		Evidence: ev, Range: r, AsOf: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	type counts struct{ Tickets, InMet, InMissed, PrMet, PrMissed int }
	got := map[string]counts{}
	for _, row := range res.Rows {
		got[row.Period+" "+row.Subscription] = counts{row.InForce.Tickets, row.InForce.TargetsMet, row.InForce.TargetsMissed, row.Proposed.TargetsMet, row.Proposed.TargetsMissed}
		if row.InForce.Credit != row.Proposed.Credit {
			t.Errorf("%s %s: credit %s in force, %s proposed: a support target changed it", row.Period, row.Subscription, row.InForce.Credit, row.Proposed.Credit)
		}
	}
	want := map[string]counts{
		"2026-03 sub-acme":   {Tickets: 1, InMet: 1, PrMissed: 1},
		"2026-04 sub-acme":   {Tickets: 1, InMet: 1, PrMet: 1},
		"2026-03 sub-globex": {},
		"2026-04 sub-globex": {},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("tickets per row (-want +got):\n%s", d)
	}
	for _, tot := range res.Totals {
		wantIn, wantPr := 0, 0
		if tot.Currency == "USD" {
			wantPr = 1
		}
		if tot.TargetsMissedInForce != wantIn || tot.TargetsMissedProposed != wantPr {
			t.Errorf("%s totals: missed %d in force, %d proposed; want %d, %d", tot.Currency, tot.TargetsMissedInForce, tot.TargetsMissedProposed, wantIn, wantPr)
		}
	}
}
