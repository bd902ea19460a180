package openslo

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slakeeper/slakeeper/internal/policy"
)

// Seed 002's standard plan — 99.5 % per calendar month in Oslo — as an
// OpenSLO SLI and SLO: target 0.995, budgeted in one-minute slices over a
// month starting at the version's effective date in Europe/Oslo, the
// SLI counting the plan's monitors' check results.
func TestExportSeed002(t *testing.T) {
	pol, err := policy.Load("../../examples/002-bluestone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Export(pol, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), func(c string) []string { return []string{c + "-https", c + "-tcp"} })
	if err != nil {
		t.Fatal(err)
	}
	docs := decode(out)
	if len(docs) != 4 {
		t.Fatalf("got %d documents, want an SLI and an SLO for each of the 2 plans:\n%s", len(docs), out)
	}
	sli, slo := docs[0], docs[1]
	if sli["apiVersion"] != "openslo/v1" || sli["kind"] != "SLI" || slo["kind"] != "SLO" {
		t.Fatalf("kinds: %v %v", sli["kind"], slo["kind"])
	}
	spec := slo["spec"].(map[string]any)
	obj := spec["objectives"].([]any)[0].(map[string]any)
	tw := spec["timeWindow"].([]any)[0].(map[string]any)
	cal := tw["calendar"].(map[string]any)
	if obj["target"] != 0.995 || obj["timeSliceWindow"] != "1m" || spec["budgetingMethod"] != "Timeslices" ||
		tw["duration"] != "1M" || tw["isRolling"] != false || cal["timeZone"] != "Europe/Oslo" || spec["indicatorRef"] != sli["metadata"].(map[string]any)["name"] {
		t.Errorf("SLO spec: %v", spec)
	}
	good := sli["spec"].(map[string]any)["ratioMetric"].(map[string]any)["good"].(map[string]any)["metricSource"].(map[string]any)["spec"].(map[string]any)["query"].(string)
	if !strings.Contains(good, `state="up"`) || !strings.Contains(good, `monitor=~"`) || !strings.Contains(good, "-https|") {
		t.Errorf("good query: %s", good)
	}
	if d := spec["description"].(string); !strings.Contains(d, "force_majeure") || !strings.Contains(d, "credits") {
		t.Errorf("description should name what the SLO cannot carry: %s", d)
	}
	if n := slo["metadata"].(map[string]any)["name"].(string); strings.ToLower(n) != n || strings.ContainsAny(n, " _.") {
		t.Errorf("name %q is not DNS-1123", n)
	}
}

func TestExportWithoutMonitors(t *testing.T) {
	pol, err := policy.Load("../../examples/001-bloomneo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Export(pol, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `component=~"`) {
		t.Errorf("without monitors the query selects by component:\n%s", out)
	}
	if _, err := Export(pol, time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), nil); err == nil || !strings.Contains(err.Error(), "no version in force") {
		t.Errorf("before the first version: %v", err)
	}
}

// A plan with a rolling window exports as a rolling OpenSLO window of its
// days, with no calendar.
func TestExportRollingWindow(t *testing.T) {
	pol, err := policy.Parse("rolling.yaml", []byte(`policy: rolling
components:
  - id: api
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: internal
        objective: 99.95
        window: rolling 28d
        components: [api]
`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Export(pol, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	docs := decode(out)
	if len(docs) != 2 {
		t.Fatalf("got %d documents, want 2:\n%s", len(docs), out)
	}
	tw := docs[1]["spec"].(map[string]any)["timeWindow"].([]any)[0].(map[string]any)
	if _, cal := tw["calendar"]; tw["duration"] != "28d" || tw["isRolling"] != true || cal {
		t.Errorf("time window: got %v, want 28d, rolling, no calendar", tw)
	}
}

// decode splits the export into its YAML documents.
func decode(out []byte) []map[string]any {
	var docs []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(string(out)))
	for {
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			return docs
		}
		docs = append(docs, d)
	}
}
