package sla

import (
	"fmt"
	"testing"
)

// Performance objectives: pooled or judged per location ("for most
// regions", seed 004), and no data when there is no sample.
func TestPerformanceLocations(t *testing.T) {
	// Mean latency per region in October: eu 40 (30, 50), us 45, ap 70,
	// sa 55. Pooled: (30 + 50 + 45 + 70 + 55) ÷ 5 = 50, not below 50.
	samples := []*Sample{
		{ID: "s1", At: at(t, "2026-10-02T00:00:00Z"), Component: "web", Metric: MetricLatency, Value: 30, Location: "eu"},
		{ID: "s2", At: at(t, "2026-10-03T00:00:00Z"), Component: "web", Metric: MetricLatency, Value: 50, Location: "eu"},
		{ID: "s3", At: at(t, "2026-10-02T00:00:00Z"), Component: "web", Metric: MetricLatency, Value: 45, Location: "us"},
		{ID: "s4", At: at(t, "2026-10-02T00:00:00Z"), Component: "web", Metric: MetricLatency, Value: 70, Location: "ap"},
		{ID: "s5", At: at(t, "2026-10-02T00:00:00Z"), Component: "web", Metric: MetricLatency, Value: 55, Location: "sa"},
		// Outside October: not counted.
		{ID: "s6", At: at(t, "2026-11-02T00:00:00Z"), Component: "web", Metric: MetricLatency, Value: 1, Location: "ap"},
	}
	tests := []struct {
		name    string
		rule    *LocationRule
		period  string
		met     bool
		noData  bool
		credit  float64
		located string // "met of locations"
	}{
		{"pooled: mean 50 is not below 50", nil, "2026-10", false, false, 5, ""},
		// eu 40 and us 45 meet it, ap 70 and sa 55 do not: 2 of 4.
		{"most: 2 of 4 is not more than half", &LocationRule{Most: true}, "2026-10", false, false, 5, "2 of 4"},
		{"at least 2 of 4", &LocationRule{AtLeast: 2}, "2026-10", true, false, 0, "2 of 4"},
		{"at least 3 of 4", &LocationRule{AtLeast: 3}, "2026-10", false, false, 5, "2 of 4"},
		{"all", &LocationRule{All: true}, "2026-10", false, false, 5, "2 of 4"},
		// September has no sample: no data, neither met nor credited.
		{"no samples", nil, "2026-09", false, true, 0, ""},
		{"no samples, by location", &LocationRule{Most: true}, "2026-09", false, true, 0, "0 of 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := testPlan()
			plan.Performance = []*PerfObjective{{ID: "latency", Metric: MetricLatency, Aggregate: "mean", Max: rat("50"), Credit: rat("5"),
				Components: []string{"web"}, Locations: tt.rule}}
			rep := evaluate(t, testPolicy(plan), &Evidence{Samples: samples}, tt.period, "2026-12-01T00:00:00Z")
			p := rep.Subscriptions[0].Performance[0]
			if p.Met != tt.met || p.NoData != tt.noData || p.Credit != tt.credit {
				t.Errorf("met %v, no data %v, credit %v; want %v, %v, %v", p.Met, p.NoData, p.Credit, tt.met, tt.noData, tt.credit)
			}
			met := 0
			for _, l := range p.Locations {
				if l.Met {
					met++
				}
			}
			if got := fmt.Sprintf("%d of %d", met, len(p.Locations)); tt.located != "" && got != tt.located {
				t.Errorf("locations: got %s, want %s (%+v)", got, tt.located, p.Locations)
			}
			if tt.rule != nil && !tt.noData && (len(p.Locations) != 4 || p.Locations[0].Location != "ap" || p.Locations[0].Value != 70 || p.Locations[1].Value != 40) {
				t.Errorf("per location (sorted): got %+v, want ap 70, eu 40, sa 55, us 45", p.Locations)
			}
			if !tt.noData && (p.Value == nil || *p.Value != 50) {
				t.Errorf("value: got %v, want the pooled mean 50", p.Value)
			}
		})
	}
}

// A server's hourly summaries count by their number of checks: mean,
// min and max exact; percentiles by the summaries' means weighted.
func TestPerformanceSummaries(t *testing.T) {
	samples := []*Sample{
		{ID: "h1", At: at(t, "2026-10-02T09:00:00Z"), Component: "web", Metric: MetricLatency, Value: 20, Count: 100, Min: 5, Max: 80},
		{ID: "h2", At: at(t, "2026-10-02T10:00:00Z"), Component: "web", Metric: MetricLatency, Value: 40, Count: 300, Min: 10, Max: 400},
		{ID: "one", At: at(t, "2026-10-02T11:00:00Z"), Component: "web", Metric: MetricLatency, Value: 60},
	}
	tests := []struct {
		agg  string
		want float64
	}{
		// (20·100 + 40·300 + 60·1) ÷ 401 = 14,060 ÷ 401.
		{"mean", 14060.0 / 401},
		{"min", 5},
		{"max", 400},
		// 401 measurements: rank ⌈0.5·401⌉ = 201 lies in the 300 at 40.
		{"p50", 40},
		// rank ⌈0.2·401⌉ = 81 lies in the 100 at 20.
		{"p20", 20},
		// rank ⌈0.999·401⌉ = 401: the single 60.
		{"p99.9", 60},
	}
	for _, tt := range tests {
		t.Run(tt.agg, func(t *testing.T) {
			plan := testPlan()
			plan.Performance = []*PerfObjective{{ID: "lat", Metric: MetricLatency, Aggregate: tt.agg, Max: rat("1000"), Credit: rat("5"), Components: []string{"web"}}}
			rep := evaluate(t, testPolicy(plan), &Evidence{Samples: samples}, "2026-10", "2026-12-01T00:00:00Z")
			p := rep.Subscriptions[0].Performance[0]
			if p.Value == nil || *p.Value != tt.want || p.Samples != 401 {
				t.Errorf("got %v over %d measurements, want %v over 401", p.Value, p.Samples, tt.want)
			}
		})
	}
}
