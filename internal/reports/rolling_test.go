package reports_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// TestRollingWindowReadsItsDays: a 30-day rolling window asked for
// November on 5 November reaches back into October, further than a
// month's evidence; the stored evidence read for it covers the window.
// Berlin: 2026-10-06 01:00 CEST (2026-10-05T23:00Z) to 2026-11-05 01:00 CET
// (2026-11-05T00:00Z), 30 × 1,440 + 60 = 43,260 minutes. c0000 is down
// 01:00–01:10Z every day: 6 to 31 October and 1 to 4 November are 30
// outages, 300 minutes; uptime (43,260 − 300) ÷ 43,260 = 99.3065 %.
func TestRollingWindowReadsItsDays(t *testing.T) {
	ctx := context.Background()
	const pol = `policy: p
components:
  - id: c0000
versions:
  - version: "1"
    effective: 2025-01-01
    plans:
      - id: pro
        objective: 99.9
        window: rolling 30d
        timezone: Europe/Berlin
        components: [c0000]
`
	cfg, err := config.Parse("slakeeper.yaml", []byte(`components:
  - {id: c0000}
policies: [p.yaml]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-acme, customer: acme, policy: p, plan: pro, fee: "1000.00", start: "2025-01-01T00:00:00Z"}
`), func(string) string { return "" }, func(string) (*sla.Policy, error) { return policy.Parse("p.yaml", []byte(pol)) })
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.AppendFacts(ctx, statusHistory(1, ts("2026-06-01T00:00:00Z"), 200)); err != nil {
		t.Fatal(err)
	}
	from, to, err := reports.EvidenceRange("2026-11")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := reports.ParsedEvidence(ctx, cfg, &counting{Store: st}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	reps, err := reports.Evaluate(cfg, ev, reports.Query{Period: "2026-11", AsOf: ts("2026-11-05T00:00:00Z")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sr := reps[0].Subscriptions[0]
	if !sr.Start.Equal(ts("2026-10-05T23:00:00Z")) || !sr.End.Equal(ts("2026-11-05T00:00:00Z")) || sr.Window != "rolling 30d" {
		t.Errorf("window: got %s %s to %s", sr.Window, sr.Start, sr.End)
	}
	if sr.TotalMinutes != 43260 || sr.LiableMinutes != 300 {
		t.Errorf("got D %v, N %v, want 43,260 and 300", sr.TotalMinutes, sr.LiableMinutes)
	}
	// (43,260 − 300) ÷ 43,260 × 100 = 4,296,000 ÷ 43,260 = 71,600 ÷ 721.
	if sr.UptimeExact != "71600/721" {
		t.Errorf("uptime: got %s, want 71600/721", sr.UptimeExact)
	}
}
