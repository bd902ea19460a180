package reports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// counting is a store whose facts are counted as the reports read them.
// With all set it answers EachFactFor as the reports read before they
// chose by type and time: every fact from 1970 to the end of the range.
type counting struct {
	store.Store
	all  bool
	read int
}

func (c *counting) EachFactFor(ctx context.Context, q store.FactQuery, byTime bool, fn func(store.Fact) error) error {
	count := func(f store.Fact) error {
		c.read++
		return fn(f)
	}
	if c.all {
		return c.Store.EachFact(ctx, time.Unix(0, 0), q.To, byTime, func(f store.Fact) error {
			// The subscriptions read for their custom terms alone.
			if len(q.Whole) == 1 && q.Whole[0] == "subscription" && q.Window == nil && f.Type != "subscription" {
				return nil
			}
			return count(f)
		})
	}
	return c.Store.EachFactFor(ctx, q, byTime, count)
}

// historyConfig is comps components under one plan with a minimum
// downtime of 5 minutes, support targets and incident obligations, and
// one customer subscribed since 2025.
func historyConfig(tb testing.TB, comps int) *config.Config {
	tb.Helper()
	var ids []string
	var y strings.Builder
	y.WriteString("components:\n")
	for i := range comps {
		ids = append(ids, fmt.Sprintf("c%04d", i))
		fmt.Fprintf(&y, "  - {id: c%04d}\n", i)
	}
	y.WriteString(`policies: [p.yaml]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-acme, customer: acme, policy: p, plan: pro, fee: "1000.00", start: "2025-01-01T00:00:00Z"}
`)
	pol := "policy: p\ncomponents:\n"
	for _, id := range ids {
		pol += "  - id: " + id + "\n"
	}
	pol += `versions:
  - version: "1"
    effective: 2025-01-01
    plans:
      - id: pro
        objective: 99.9
        period: month
        timezone: Europe/Berlin
        components: [` + strings.Join(ids, ", ") + `]
        uptime:
          min_downtime: 5m
        credits:
          tiers:
            - {below: 99.9, credit: 10}
        support:
          priorities:
            - {id: P1, first_response: 1h}
        incidents:
          update_every: {major: 1h, minor: 4h}
`
	cfg, err := config.Parse("slakeeper.yaml", []byte(y.String()), func(string) string { return "" },
		func(string) (*sla.Policy, error) { return policy.Parse("p.yaml", []byte(pol)) })
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// statusHistory is days of status facts for comps components from
// start: each component down for 10 minutes once a day, at a minute of
// its own.
func statusHistory(comps int, start time.Time, days int) []store.Fact {
	var fs []store.Fact
	for d := range days {
		for c := range comps {
			down := start.AddDate(0, 0, d).Add(time.Duration(60+c%1200) * time.Minute)
			for i, st := range []string{"major_outage", "operational"} {
				at := down.Add(time.Duration(i) * 10 * time.Minute)
				id := fmt.Sprintf("st-%04d-%d-%d", c, d, i)
				fs = append(fs, store.Fact{ID: id, Type: "status", At: at, JSON: []byte(fmt.Sprintf(
					`{"type":"status","id":%q,"at":%q,"component":"c%04d","status":%q,"source":"monitor"}`, id, at.Format(time.RFC3339), c, st))})
			}
		}
	}
	return fs
}

func fact(typ, id string, at time.Time, body string) store.Fact {
	f := store.Fact{ID: id, Type: typ, At: at, JSON: []byte(fmt.Sprintf(`{"type":%q,"id":%q,%s}`, typ, id, body))}
	if !at.IsZero() {
		f.JSON = []byte(fmt.Sprintf(`{"type":%q,"id":%q,"at":%q,%s}`, typ, id, at.Format(time.RFC3339), body))
	}
	return f
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestReportReadsPeriodFacts: over a year of stored status facts and the
// things that reach into a month from before it — an outage under way
// since September, blips across the month's start and end, a second source
// whose last word was months ago, an incident still open, tickets before
// and in the month, a maintenance window across its start — November's
// reports are the same as from every fact before the range's end, while
// reading a fraction of them.
func TestReportReadsPeriodFacts(t *testing.T) {
	ctx := context.Background()
	const comps = 20
	cfg := historyConfig(t, comps)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The month is Berlin's November: 2026-10-31T23:00Z to 2026-11-30T23:00Z.
	fs := statusHistory(comps, ts("2025-12-01T00:00:00Z"), 365)
	status := func(id, comp, src, state, at string) store.Fact {
		return fact("status", id, ts(at), fmt.Sprintf(`"component":%q,"status":%q,"source":%q`, comp, state, src))
	}
	fs = append(fs,
		// c0000's manual source: down since September (through the month).
		status("man-0", "c0000", "manual", "major_outage", "2026-09-03T10:00:00Z"),
		// c0001: a 4-minute blip across the month's start, its start
		// before the day of margin.
		status("blip-1", "c0001", "probe", "major_outage", "2026-10-31T22:58:00Z"),
		status("blip-2", "c0001", "probe", "operational", "2026-10-31T23:02:00Z"),
		// c0002: a source that spoke once, in March.
		status("old-2", "c0002", "probe", "partial_outage", "2026-03-01T00:00:00Z"),
		// c0003: down 3 minutes before the margin and 3 after it: 6
		// minutes, over the minimum, measured whole.
		status("edge-1", "c0003", "probe", "major_outage", "2026-10-30T22:57:00Z"),
		status("edge-2", "c0003", "probe", "operational", "2026-10-30T23:03:00Z"),
		// c0007: a 4-minute blip across the month's end.
		status("end-1", "c0007", "probe", "major_outage", "2026-11-30T22:58:00Z"),
		status("end-2", "c0007", "probe", "operational", "2026-11-30T23:02:00Z"),
		fact("incident", "inc-open", ts("2026-10-20T08:00:00Z"), `"title":"Degraded","severity":"minor","components":{"c0004":"partial_outage"}`),
		fact("incident_update", "inc-open-u1", ts("2026-10-20T09:00:00Z"), `"incident":"inc-open","status":"identified","message":"Found"`),
		fact("incident", "inc-nov", ts("2026-11-10T08:00:00Z"), `"title":"Down","severity":"major","components":{"c0005":"major_outage"}`),
		fact("incident_update", "inc-nov-u1", ts("2026-11-10T10:00:00Z"), `"incident":"inc-nov","status":"resolved","message":"Fixed"`),
		fact("maintenance", "mw-1", time.Time{}, `"components":["c0006"],"start":"2026-10-31T20:00:00Z","end":"2026-11-01T04:00:00Z","announced_at":"2026-10-01T00:00:00Z","title":"Upgrade"`),
		status("mw-down", "c0006", "probe", "major_outage", "2026-10-31T21:00:00Z"),
		status("mw-up", "c0006", "probe", "operational", "2026-11-01T03:00:00Z"),
		fact("ticket", "tk-oct", ts("2026-10-15T10:00:00Z"), `"customer":"acme","priority":"P1","subject":"Old"`),
		fact("ticket_event", "tk-oct-e1", ts("2026-11-02T10:00:00Z"), `"ticket":"tk-oct","kind":"solved"`),
		fact("ticket", "tk-nov", ts("2026-11-05T10:00:00Z"), `"customer":"acme","priority":"P1","subject":"New"`),
		fact("ticket_event", "tk-nov-e1", ts("2026-11-05T10:30:00Z"), `"ticket":"tk-nov","kind":"agent_reply"`),
		fact("customer", "acme-arrears", ts("2026-06-01T00:00:00Z"), `"customer":"acme","standing":"arrears"`),
		fact("customer", "acme-good", ts("2026-09-01T00:00:00Z"), `"customer":"acme","standing":"good"`),
		fact("claim", "claim-1", ts("2026-12-02T00:00:00Z"), `"customer":"acme","subscription":"sub-acme","period":"2026-11"`),
	)
	for i := 0; i < len(fs); i += 5000 {
		if err := st.AppendFacts(ctx, fs[i:min(i+5000, len(fs))]); err != nil {
			t.Fatal(err)
		}
	}
	for _, period := range []string{"2026-11", "2026-Q4", "2026-06"} {
		t.Run(period, func(t *testing.T) {
			q := reports.Query{Period: period, AsOf: ts("2027-01-05T00:00:00Z"), Explain: true}
			from, to, err := reports.EvidenceRange(period)
			if err != nil {
				t.Fatal(err)
			}
			report := func(s *counting) string {
				t.Helper()
				ev, err := reports.ParsedEvidence(ctx, cfg, s, from, to)
				if err != nil {
					t.Fatal(err)
				}
				reps, err := reports.Evaluate(cfg, ev, q, nil)
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.MarshalIndent(reps, "", " ")
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			all, sel := &counting{Store: st, all: true}, &counting{Store: st}
			want, got := report(all), report(sel)
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("reports from the selection differ from those from every fact (-all +selection):\n%s", d)
			}
			if sel.read*3 > all.read {
				t.Errorf("read %d facts, all facts are %d: want at most a third", sel.read, all.read)
			}
			t.Logf("%s: %d facts read, %d before", period, sel.read, all.read)
		})
	}
}

// BenchmarkReportMonth is November's report over a year of status facts
// for 1,000 components (each down 10 minutes a day: 730,000 facts) on
// SQLite, read as before (every fact from 1970 to the range's end) and
// by type and time (Selection); facts/op is how many were read.
func BenchmarkReportMonth(b *testing.B) {
	ctx := context.Background()
	const comps = 1000
	cfg := historyConfig(b, comps)
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "s.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	fs := statusHistory(comps, ts("2025-12-01T00:00:00Z"), 365)
	for i := 0; i < len(fs); i += 10000 {
		if err := st.AppendFacts(ctx, fs[i:min(i+10000, len(fs))]); err != nil {
			b.Fatal(err)
		}
	}
	from, to, err := reports.EvidenceRange("2026-11")
	if err != nil {
		b.Fatal(err)
	}
	q := reports.Query{Period: "2026-11", AsOf: ts("2026-12-01T00:00:00Z")}
	for _, all := range []bool{true, false} {
		name := "selection"
		if all {
			name = "all-facts"
		}
		b.Run(name, func(b *testing.B) {
			s := &counting{Store: st, all: all}
			for b.Loop() {
				ev, err := reports.ParsedEvidence(ctx, cfg, s, from, to)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := reports.Evaluate(cfg, ev, q, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.read)/float64(b.N), "facts/op")
		})
	}
}
