package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// benchConfig is 10,000 http monitors at 30 s on 100 components, each
// checked from 3 locations, with a latency objective on every component.
func benchConfig(b *testing.B) *config.Config {
	b.Helper()
	var y, comps strings.Builder
	y.WriteString("components:\n")
	for c := range 100 {
		fmt.Fprintf(&y, "  - {id: c%03d}\n", c)
		fmt.Fprintf(&comps, "  - id: c%03d\n", c)
	}
	y.WriteString("policies: [p.yaml]\nagents:\n  - {location: eu, token_env: T}\n  - {location: us, token_env: T}\nmonitors:\n")
	for m := range 10000 {
		fmt.Fprintf(&y, "  - {id: m%05d, component: c%03d, type: http, target: \"http://127.0.0.1:9/\", interval: 30s, locations: [local, eu, us]}\n", m, m%100)
	}
	pol := "policy: p\ncomponents:\n" + comps.String() + `versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: pro
        objective: 99.9
        period: month
        timezone: UTC
        components: [` + func() string {
		var ids []string
		for c := range 100 {
			ids = append(ids, fmt.Sprintf("c%03d", c))
		}
		return strings.Join(ids, ", ")
	}() + `]
        performance:
          - {id: latency, metric: latency_ms, aggregate: p95, below: "50", locations: most, credit: 5}
`
	cfg, err := config.Parse("bench.yaml", []byte(y.String()), func(string) string { return "agent-token-of-enough-length" },
		func(string) (*sla.Policy, error) { return policy.Parse("p.yaml", []byte(pol)) })
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// benchResults are one 30 s round of every monitor from every location.
func benchResults(at time.Time) []monitor.Result {
	rs := make([]monitor.Result, 0, 30000)
	for _, loc := range []string{"local", "eu", "us"} {
		for m := range 10000 {
			rs = append(rs, monitor.Result{MonitorID: fmt.Sprintf("m%05d", m), Location: loc, At: at, State: monitor.Up,
				Latency: time.Duration(20+m%40) * time.Millisecond})
		}
	}
	return rs
}

// BenchmarkEvidenceObserve measures what the coverage and the performance
// samples add to the ingest of each result (ns/op is per result), and
// reports the storage of a day of samples for 10,000 monitors at 30 s:
// 100 components × 3 locations × 24 hours of latency summaries.
func BenchmarkEvidenceObserve(b *testing.B) {
	cfg := benchConfig(b)
	cov, perf := newCoverage(), newSamples()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	round := benchResults(start)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; n < b.N; i++ {
		at := start.Add(time.Duration(i) * 30 * time.Second)
		for j := range round {
			round[j].At = at
		}
		k := min(len(round), b.N-n)
		cov.observe(cfg, round[:k])
		perf.observe(cfg, round[:k])
		n += k
	}
	b.StopTimer()

	// A day of summaries in a fresh SQLite store.
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "s.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	before := dbSize(b, st)
	day := newSamples()
	for h := range 24 {
		day.observe(cfg, benchResults(start.Add(time.Duration(h)*time.Hour)))
	}
	if err := day.flush(context.Background(), st); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(dbSize(b, st)-before)/10000, "sample-bytes/monitor/day")
}

func dbSize(b *testing.B, st store.Store) int64 {
	b.Helper()
	n, err := st.Size(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return n
}
