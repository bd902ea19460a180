package policy

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// FuzzParse checks that no input makes Parse panic, that every error is an
// input error naming the file, and that an accepted policy is complete.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, doc := range []string{minimal, fullPolicy, withPlanKeys("        window: rolling 28d\n"), "", "policy: [", "a: &a [b, c]\nb: *a\n"} {
		f.Add([]byte(doc))
	}
	// A small stack limit turns runaway recursion into a quick crash
	// instead of gigabytes of memory (see TestParseSelfReferentialAlias).
	old := debug.SetMaxStack(4 << 20)
	f.Cleanup(func() { debug.SetMaxStack(old) })
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			if p != nil {
				t.Errorf("got a policy and the error %v", err)
			}
			if !sla.IsInput(err) {
				t.Fatalf("got %T %v, want an input error", err, err)
			}
			return
		}
		if p == nil || len(p.Components) == 0 || len(p.Versions) == 0 || p.Calendars["always"] == nil {
			t.Fatalf("accepted an incomplete policy: %+v", p)
		}
		for i, v := range p.Versions {
			if i > 0 && !p.Versions[i-1].Effective.Before(v.Effective) {
				t.Errorf("versions not in effective order")
			}
			if v.Effective.Before(v.Published) {
				t.Errorf("version %q takes effect before it is published", v.ID)
			}
			for _, id := range v.PlanOrder {
				checkPlan(t, p, v.Plans[id])
			}
			for _, o := range v.Overrides {
				checkPlan(t, p, o.Plan)
			}
		}
	})
}

func checkPlan(t *testing.T, p *sla.Policy, pl *sla.Plan) {
	t.Helper()
	if pl == nil || pl.Objective == nil || pl.Objective.Sign() <= 0 || pl.Location == nil || len(pl.Components) == 0 {
		t.Fatalf("accepted an incomplete plan: %+v", pl)
	}
	for _, c := range pl.Components {
		if p.Components[c] == nil {
			t.Errorf("plan %q covers unknown component %q", pl.ID, c)
		}
	}
	if pl.MinDowntime < 0 || pl.MaintenanceNotice < 0 || pl.Credits.Claim.Within < 0 {
		t.Errorf("plan %q: negative duration", pl.ID)
	}
	if r := pl.Recovery; r != nil && (r.RTO < 0 || r.RPO < 0 || r.BackupEvery < 0 || r.RestoreTests < 0) {
		t.Errorf("plan %q: negative recovery objective", pl.ID)
	}
	for s, w := range pl.Weights {
		if w < 0 || w > 1000 || (s == sla.Operational && w != 0) {
			t.Errorf("plan %q: weight %s = %d", pl.ID, s, w)
		}
	}
	if s := pl.Support; s != nil {
		for _, tg := range s.Priorities {
			for _, x := range []*sla.Target{tg.FirstResponse, tg.OngoingResponse, tg.UpdateEvery, tg.Resolution} {
				if x != nil && (x.Duration <= 0 || x.Calendar == nil) {
					t.Errorf("plan %q: bad target %+v", pl.ID, x)
				}
			}
		}
	}
}
