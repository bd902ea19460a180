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
