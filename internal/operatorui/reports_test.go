package operatorui

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// The reports page renders the explained report of every seed example:
// each kind of result (uptime and credits, tickets, incident obligations,
// recovery, performance) with the intervals behind the figures.
func TestReportsPageRendersEverySeed(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../../examples/0*.yaml")
	if err != nil || len(files) != 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, pf := range files {
		t.Run(filepath.Base(pf), func(t *testing.T) {
			pol, err := policy.Load(pf)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := facts.Load(strings.TrimSuffix(pf, ".yaml") + ".jsonl")
			if err != nil {
				t.Fatal(err)
			}
			// Monitoring covered a part of October for one component, none
			// for another: both kinds of coverage line render.
			comps := slices.Sorted(maps.Keys(pol.Components))
			ev.Coverage = append(ev.Coverage, &sla.Coverage{ID: "c1", Component: comps[0], Start: time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC)},
				&sla.Coverage{ID: "c2", Component: comps[len(comps)-1], Start: time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 9, 0, 0, 0, 0, time.UTC)})
			rep, err := sla.Evaluate(sla.Request{Policy: pol, Evidence: ev, Period: "2026-10", AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Explain: true})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := r.Render(&b, "reports", Reports{Page: Page{Title: "Reports", User: "alice"}, Period: "2026-10", Reports: []*sla.Report{rep}}); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			if strings.Contains(page, "Monitoring covered") != hasCoverage(rep) {
				t.Errorf("coverage line: shown %v, want %v", strings.Contains(page, "Monitoring covered"), hasCoverage(rep))
			}
			if !strings.Contains(page, "Policy "+rep.Policy) {
				t.Errorf("no heading for policy %s", rep.Policy)
			}
			for _, s := range rep.Subscriptions {
				if !strings.Contains(page, s.Customer+" / "+s.Subscription) {
					t.Errorf("subscription %s missing", s.Subscription)
				}
				for _, in := range s.Intervals {
					for _, f := range in.Facts {
						if !strings.Contains(page, f) {
							t.Errorf("fact %s behind an interval of %s missing", f, s.Subscription)
						}
					}
				}
			}
			for _, tk := range rep.Tickets {
				if !strings.Contains(page, tk.Ticket) {
					t.Errorf("ticket %s missing", tk.Ticket)
				}
			}
			for _, rc := range rep.Recovery {
				if !strings.Contains(page, "Recovery, plan "+rc.Plan) {
					t.Errorf("recovery of plan %s missing", rc.Plan)
				}
			}
		})
	}
}

func hasCoverage(rep *sla.Report) bool {
	for _, s := range rep.Subscriptions {
		if len(s.Coverage) > 0 {
			return true
		}
	}
	return false
}

// A rolling window's result says so, with the window's bounds, on the
// reports page (and the portal's, which shares it).
func TestReportsPageRollingWindow(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("rolling.yaml", []byte(`policy: internal
components: [{id: api}]
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - {id: slo, objective: 99.95, window: rolling 28d, components: [api]}
`))
	if err != nil {
		t.Fatal(err)
	}
	ev := &sla.Evidence{Subscriptions: []*sla.Subscription{{ID: "s1", Customer: "acme", Plan: "slo", Currency: "EUR", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	rep, err := sla.Evaluate(sla.Request{Policy: pol, Evidence: ev, Period: "2026-11", AsOf: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Render(&b, "reports", Reports{Page: Page{Title: "Reports", User: "alice"}, Period: "2026-11", Reports: []*sla.Report{rep}}); err != nil {
		t.Fatal(err)
	}
	// 28 days of 1,440 minutes: 40.32 allowed at 99.95 % … 20.16.
	for _, want := range []string{"rolling 28d: 13 Oct 2026 00:00 UTC to 10 Nov 2026 00:00 UTC", "20.2 min left", "of 40320"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
