package public

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/statuspage"
)

// BenchmarkStatusPageRender measures one re-render of the home page, as
// done once per change of the evidence: 100 components, each with 90 days
// of status changes (an outage a day), 50 incidents; the figures by the
// engine, the template, gzip.
func BenchmarkStatusPageRender(b *testing.B) {
	const comps = 100
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var yaml strings.Builder
	yaml.WriteString("components:\n")
	for i := range comps {
		fmt.Fprintf(&yaml, "  - {id: c%03d, name: Component %d, group: Group %d}\n", i, i, i/10)
	}
	yaml.WriteString("status_page: {time_zone: Europe/Paris}\n")
	cfg, err := config.Parse("bench.yaml", []byte(yaml.String()), func(string) string { return "" }, nil)
	if err != nil {
		b.Fatal(err)
	}
	ev := &sla.Evidence{}
	start := now.AddDate(0, 0, -92).Truncate(24 * time.Hour)
	for i := range comps {
		comp := fmt.Sprintf("c%03d", i)
		ev.Statuses = append(ev.Statuses, &sla.StatusChange{ID: comp + "-0", At: start, Component: comp, Status: sla.Operational, Source: "monitor:m"})
		for d := range 92 {
			down := start.AddDate(0, 0, d).Add(time.Duration((i*37+d*11)%1380) * time.Minute)
			st := sla.MajorOutage
			if (i+d)%3 == 0 {
				st = sla.PartialOutage
			}
			ev.Statuses = append(ev.Statuses,
				&sla.StatusChange{ID: fmt.Sprintf("%s-%d-d", comp, d), At: down, Component: comp, Status: st, Source: "monitor:m"},
				&sla.StatusChange{ID: fmt.Sprintf("%s-%d-u", comp, d), At: down.Add(time.Duration(1+(i+d)%45) * time.Minute), Component: comp, Status: sla.Operational, Source: "monitor:m"})
		}
	}
	for k := range 50 {
		at := start.Add(time.Duration(k) * 42 * time.Hour)
		id := fmt.Sprintf("inc-%d", k)
		ev.Incidents = append(ev.Incidents, &sla.Incident{ID: id, At: at, Title: "Incident " + id, Severity: "minor",
			Components: map[string]sla.Status{fmt.Sprintf("c%03d", k%comps): sla.PartialOutage}})
		ev.IncidentUpdates = append(ev.IncidentUpdates, &sla.IncidentUpdate{ID: id + "-r", Incident: id, At: at.Add(time.Hour), Status: "resolved", Message: "Fixed"})
	}
	r, err := statuspage.New()
	if err != nil {
		b.Fatal(err)
	}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		snap := buildSnapshot(cfg, ev, now, nil, nil)
		var page bytes.Buffer
		if err := r.Page(&page, snap.view); err != nil {
			b.Fatal(err)
		}
		pg, err := compressPage(page.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		size = len(pg.gz)
		if page.Len() < comps*90*50 {
			b.Fatalf("page of %d bytes: bars missing", page.Len())
		}
	}
	b.ReportMetric(float64(size), "gzip-bytes")
}
