package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

var t0 = time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)

func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

func TestFold(t *testing.T) {
	ev := &sla.Evidence{
		Incidents: []*sla.Incident{
			{ID: "inc-1", At: at(0), Title: "API down", Severity: "critical", Components: map[string]sla.Status{"api": sla.MajorOutage}},
			{ID: "inc-2", At: at(100), Severity: "minor", Components: map[string]sla.Status{"web": sla.Degraded}},
		},
		IncidentUpdates: []*sla.IncidentUpdate{
			// Out of order on purpose.
			{ID: "u3", Incident: "inc-1", At: at(60), Status: "resolved"},
			{ID: "u1", Incident: "inc-1", At: at(10), Status: "identified", Components: map[string]sla.Status{"db": sla.PartialOutage}},
			{ID: "u2", Incident: "inc-1", At: at(30), Status: "update", Message: "still working"},
			{ID: "u4", Incident: "inc-2", At: at(110), Status: "resolved"},
			{ID: "u5", Incident: "inc-2", At: at(120), Status: "monitoring"},
			{ID: "orphan", Incident: "inc-9", At: at(5), Status: "resolved"},
		},
		Attributions: []*sla.Attribution{{ID: "a1", Incident: "inc-1", At: at(200), Cause: sla.CauseDDoS, By: "ops", Reason: "flood", Start: at(0), End: at(60), Components: []string{"api"}}},
		Postmortems:  []*sla.Postmortem{{ID: "pm1", Incident: "inc-1", At: at(300), URL: "https://x.test/pm"}},
	}
	incs := Fold(ev)
	if len(incs) != 2 || incs[0].ID != "inc-2" || incs[1].ID != "inc-1" {
		t.Fatalf("order: got %v", incs)
	}
	one := Find(incs, "inc-1")
	if one.Status != StatusResolved || one.Resolved == nil || !one.Resolved.Equal(at(60)) {
		t.Errorf("inc-1: status %q resolved %v", one.Status, one.Resolved)
	}
	if len(one.Updates) != 3 || one.Updates[0].ID != "u1" || one.Updates[2].ID != "u3" {
		t.Errorf("inc-1 updates: %+v", one.Updates)
	}
	if len(one.Components) != 1 || one.Components["db"] != sla.PartialOutage {
		t.Errorf("inc-1 components: %v", one.Components)
	}
	if got := strings.Join(one.AffectedComponents(), ","); got != "api,db" {
		t.Errorf("affected: got %s", got)
	}
	if len(one.Attributions) != 1 || one.Attributions[0].By != "ops" || len(one.Postmortems) != 1 {
		t.Errorf("inc-1 attributions %+v postmortems %+v", one.Attributions, one.Postmortems)
	}
	two := Find(incs, "inc-2")
	if two.Status != StatusMonitoring || two.Resolved != nil {
		t.Errorf("reopened inc-2: status %q resolved %v", two.Status, two.Resolved)
	}
	if Find(incs, "inc-9") != nil {
		t.Error("an update alone makes no incident")
	}
}

func TestMaintenanceStates(t *testing.T) {
	ev := &sla.Evidence{Maintenance: []*sla.Maintenance{
		{ID: "past", Start: at(-120), End: at(-60)},
		{ID: "later", Start: at(600), End: at(660)},
		{ID: "now", Start: at(-10), End: at(10)},
		{ID: "soon", Start: at(60), End: at(120)},
	}}
	got := Maintenance(ev, t0)
	var ids, states []string
	for _, m := range got {
		ids, states = append(ids, m.ID), append(states, m.State)
	}
	if strings.Join(ids, ",") != "soon,later,now,past" || strings.Join(states, ",") != "upcoming,upcoming,ongoing,past" {
		t.Errorf("got %v %v", ids, states)
	}
}

func TestNoticeWarnings(t *testing.T) {
	plan := func(id string, notice time.Duration, comps ...string) *sla.Plan {
		return &sla.Plan{ID: id, MaintenanceNotice: notice, Components: comps}
	}
	p := &sla.Policy{ID: "acme", Versions: []*sla.Version{
		{ID: "old", Effective: at(-100000), Plans: map[string]*sla.Plan{"std": plan("std", 30*24*time.Hour, "api")}, PlanOrder: []string{"std"}},
		{ID: "v2", Effective: at(-1000), Plans: map[string]*sla.Plan{"std": plan("std", 48*time.Hour, "api"), "web": plan("web", 72*time.Hour, "web")}, PlanOrder: []string{"std", "web"},
			Overrides: []*sla.Override{{Customer: "globex", Plan: plan("std", 96*time.Hour, "api")}}},
	}}
	start := at(0)
	// Announced 3 days before: the old version is superseded, the web plan
	// does not cover api; only the override's 96 h notice is missed.
	w := NoticeWarnings([]*sla.Policy{p}, []string{"api"}, start, start.Add(time.Hour), start.Add(-72*time.Hour))
	if len(w) != 1 || !strings.Contains(w[0], "override globex") || !strings.Contains(w[0], "96h") {
		t.Errorf("got %q", w)
	}
	if w := NoticeWarnings([]*sla.Policy{p}, []string{"api"}, start, start.Add(time.Hour), start.Add(-5*24*time.Hour)); w != nil {
		t.Errorf("5 days' notice: got %q", w)
	}
	if w := NoticeWarnings([]*sla.Policy{p}, []string{"api", "web"}, start, start.Add(time.Hour), start.Add(-time.Hour)); len(w) != 3 {
		t.Errorf("1 hour's notice: got %q, want 3 warnings", w)
	}
}

func TestValidation(t *testing.T) {
	known := func(c string) bool { return c == "api" }
	if _, err := Impacts("components", map[string]string{"api": "major_outage"}, known, true); err != nil {
		t.Error(err)
	}
	for _, m := range []map[string]string{nil, {"db": "major_outage"}, {"api": "down"}} {
		if _, err := Impacts("components", m, known, true); err == nil {
			t.Errorf("%v: want an error", m)
		}
	}
	if ValidOpenStatus("resolved") || !ValidUpdateStatus("update") || ValidUpdateStatus("done") {
		t.Error("status validation")
	}
	if CheckCause("cause", "", true) != nil || CheckCause("cause", "", false) == nil {
		t.Error("cause validation")
	}
	if Components("components", []string{"api", "api"}, known) == nil || Components("components", nil, known) == nil {
		t.Error("components validation")
	}
}
