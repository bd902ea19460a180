package sla_test

import (
	"strings"
	"testing"

	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// Seed 004's standard plan in words.
func TestTerms(t *testing.T) {
	pol, err := policy.Load("../../examples/004-infopromo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan := pol.Versions[len(pol.Versions)-1].Plans["standard"]
	got := strings.Join(sla.Terms(plan), "\n")
	for _, want := range []string{"Uptime of at least 99.9 % per month", "Support, Level 1 — Critical: first response 15 min around the clock", "resolution 24 h around the clock"} {
		if !strings.Contains(got, want) {
			t.Errorf("terms lack %q:\n%s", want, got)
		}
	}
}

// A rolling window in words.
func TestTermsRollingWindow(t *testing.T) {
	pol, err := policy.Parse("rolling.yaml", []byte(`policy: internal
components: [{id: api}]
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - {id: slo, objective: 99.95, window: rolling 28d, timezone: Europe/Berlin, components: [api], uptime: {count_in: 5m}}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(sla.Terms(pol.Versions[0].Plans["slo"]), "\n")
	for _, want := range []string{"Uptime of at least 99.95 % over any 28 days (Europe/Berlin) of api.", "from the start of the window"} {
		if !strings.Contains(got, want) {
			t.Errorf("terms lack %q:\n%s", want, got)
		}
	}
}
