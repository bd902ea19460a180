package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/web"
)

func TestObligations(t *testing.T) {
	e := newMaintEnv(t, nil, mustTime(t, "2026-10-14T10:00:00Z"))
	ctx := context.Background()
	at := func(s string) { e.clock.set(mustTime(t, s)) }

	// Seed 002: a critical (P1) incident gets a public update every hour.
	// Opened 10:00 (Wednesday), updates at 10:40 and 12:10.
	var p1 incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"API down","severity":"P1","components":{"api":"major_outage"}}`, http.StatusCreated, &p1)
	at("2026-10-14T10:40:00Z")
	e.call("POST", "/api/v1/incidents/"+p1.ID+"/updates", testOpsToken, `{"status":"identified","message":"Storage node"}`, http.StatusCreated, nil)
	at("2026-10-14T12:10:00Z")
	e.call("POST", "/api/v1/incidents/"+p1.ID+"/updates", testOpsToken, `{"status":"identified","message":"Replacing it"}`, http.StatusCreated, nil)

	obs, err := e.srv.incidents.Obligations(ctx, mustTime(t, "2026-10-14T12:30:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	want := []incidents.Obligation{
		// 10:00 → 10:40: due 11:00, met in time: not listed.
		// 10:40 → 12:10: due 10:40 + 1h = 11:40; the update came at 12:10,
		// 30 minutes late: met, and overdue.
		{Incident: p1.ID, Title: "API down", Severity: "P1", Metric: "update_every", Due: mustTime(t, "2026-10-14T11:40:00Z"),
			Met: true, Overdue: true, MetAt: mustTime(t, "2026-10-14T12:10:00Z")},
		// 12:10 → now (12:30): due 13:10, pending. The premium plan's 2h
		// would be due 14:10; the earlier due is listed, once.
		{Incident: p1.ID, Title: "API down", Severity: "P1", Metric: "update_every", Due: mustTime(t, "2026-10-14T13:10:00Z")},
	}
	if d := cmp.Diff(want, obs); d != "" {
		t.Errorf("seed 002 obligations (-want +got):\n%s", d)
	}

	// Seed 001: a post-mortem within 5 business days of the resolution
	// (09:00-17:00, 8 h a day, Wednesday 2026-10-21 a holiday). A P2
	// incident resolved Friday 2026-10-16 at 16:00: Friday 16-17 is 1 h,
	// Monday 8 h (9), Tuesday 8 h (17), Wednesday a holiday, Thursday 8 h
	// (25), Friday 8 h (33), Monday 10-26 09:00 + 7 h = 16:00 (40 h = 5
	// days). Without the holiday it would be Friday 10-23 16:00. The
	// premium plan's 6 days would be due 10-27 16:00.
	at("2026-10-16T14:00:00Z")
	var p2 incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"Web slow","severity":"P2","components":{"api":"partial_outage"}}`, http.StatusCreated, &p2)
	at("2026-10-16T16:00:00Z")
	e.call("POST", "/api/v1/incidents/"+p2.ID+"/updates", testOpsToken, `{"status":"resolved","message":"Fixed"}`, http.StatusCreated, nil)
	pmDue := mustTime(t, "2026-10-26T16:00:00Z")
	obs, err = e.srv.incidents.Obligations(ctx, mustTime(t, "2026-10-19T09:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(obs, func(o incidents.Obligation) bool { return o.Incident == p2.ID })
	if i < 0 || obs[i] != (incidents.Obligation{Incident: p2.ID, Title: "Web slow", Severity: "P2", Metric: "postmortem", Due: pmDue}) {
		t.Errorf("seed 001 post-mortem: got %+v, want due %v, pending", obs, pmDue)
	}
	if n := len(slices.DeleteFunc(slices.Clone(obs), func(o incidents.Obligation) bool { return o.Incident != p2.ID })); n != 1 {
		t.Errorf("the post-mortem is listed %d times, want once", n)
	}

	// Reminders: lead 20m (obligations.remind_before). Each event once,
	// ids stable across a restart (a new sent set), none once met.
	sent := map[string]bool{}
	tick := func(now string, sent map[string]bool) []string {
		t.Helper()
		e.events.take()
		if err := e.srv.incidents.ObligationTick(ctx, mustTime(t, now), e.cfg.Obligations.RemindBefore, sent); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range e.events.take() {
			if strings.HasPrefix(ev, "obligation") {
				out = append(out, ev)
			}
		}
		return out
	}
	// The P1 incident is still open: resolve it so only the post-mortem
	// (and the P1's own post-mortem) remain unmet.
	at("2026-10-19T08:00:00Z")
	e.call("POST", "/api/v1/incidents/"+p1.ID+"/updates", testOpsToken, `{"status":"resolved","message":"Done"}`, http.StatusCreated, nil)
	pmID := "obligation:" + p2.ID + ":postmortem:20261026T160000Z"
	p1pm := "obligation:" + p1.ID + ":postmortem:"
	filter := func(evs []string) []string {
		return slices.DeleteFunc(evs, func(s string) bool { return strings.Contains(s, p1pm) })
	}
	if got := filter(tick("2026-10-26T15:39:00Z", sent)); len(got) != 0 {
		t.Errorf("21 minutes before: got %q, want nothing yet", got)
	}
	if got := filter(tick("2026-10-26T15:40:00Z", sent)); !slices.Equal(got, []string{"obligation.due " + pmID + "/due"}) {
		t.Errorf("20 minutes before: got %q", got)
	}
	if got := filter(tick("2026-10-26T15:50:00Z", sent)); len(got) != 0 {
		t.Errorf("again: got %q, want nothing (sent once)", got)
	}
	if got := filter(tick("2026-10-26T16:00:00Z", sent)); !slices.Equal(got, []string{"obligation.overdue " + pmID + "/overdue"}) {
		t.Errorf("at the due time: got %q", got)
	}
	if got := filter(tick("2026-10-26T16:30:00Z", sent)); len(got) != 0 {
		t.Errorf("overdue again: got %q, want nothing (sent once)", got)
	}
	// After a restart the same event has the same id, which the outbox
	// refuses twice.
	if got := filter(tick("2026-10-26T16:31:00Z", map[string]bool{})); !slices.Equal(got, []string{"obligation.overdue " + pmID + "/overdue"}) {
		t.Errorf("after a restart: got %q, want the same id", got)
	}

	// Publishing the post-mortem meets it (late).
	at("2026-10-27T10:00:00Z")
	e.call("POST", "/api/v1/incidents/"+p2.ID+"/postmortem", testOpsToken, `{"title":"Slow web","summary":"A cache node failed."}`, http.StatusCreated, nil)
	if got := filter(tick("2026-10-27T10:01:00Z", map[string]bool{})); len(got) != 0 {
		t.Errorf("met: got %q, want nothing", got)
	}
	var list struct{ Obligations []incidents.Obligation }
	e.call("GET", "/api/v1/obligations", testViewerToken, "", http.StatusOK, &list)
	i = slices.IndexFunc(list.Obligations, func(o incidents.Obligation) bool { return o.Incident == p2.ID })
	if i < 0 || !list.Obligations[i].Met || !list.Obligations[i].Overdue || !list.Obligations[i].MetAt.Equal(mustTime(t, "2026-10-27T10:00:00Z")) {
		t.Errorf("GET obligations: got %+v, want the post-mortem met late at 10:00", list.Obligations)
	}
}

func TestPostmortemAPI(t *testing.T) {
	e := newMaintEnv(t, nil, mustTime(t, "2026-10-14T10:00:00Z"))
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"API down","severity":"P2","components":{"api":"major_outage"}}`, http.StatusCreated, &inc)
	body := `{"title":"What happened","summary":"A disk filled up.\n\nWe now alert at 80 %.","url":"https://example.test/pm/1"}`
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/postmortem", testViewerToken, body, http.StatusForbidden, nil)
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/postmortem", "", body, http.StatusUnauthorized, nil)
	e.call("POST", "/api/v1/incidents/inc-nope/postmortem", testOpsToken, body, http.StatusNotFound, nil)
	for _, tt := range []struct{ body, field string }{
		{`{"title":"Only a title"}`, "summary"},
		{`{"url":"ftp://example.test/pm"}`, "url"},
		{`{"summary":"x","colour":"red"}`, "colour"},
	} {
		var apiErr web.Error
		e.call("POST", "/api/v1/incidents/"+inc.ID+"/postmortem", testOpsToken, tt.body, http.StatusBadRequest, &apiErr)
		if apiErr.Field != tt.field {
			t.Errorf("%s: got %+v, want field %s", tt.body, apiErr, tt.field)
		}
	}
	e.clock.set(mustTime(t, "2026-10-15T10:00:00Z"))
	var got incident.Incident
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/postmortem", testOpsToken, body, http.StatusCreated, &got)
	if len(got.Postmortems) != 1 {
		t.Fatalf("postmortems: got %+v", got.Postmortems)
	}
	pm := got.Postmortems[0]
	if pm.Title != "What happened" || pm.Summary != "A disk filled up.\n\nWe now alert at 80 %." || pm.URL != "https://example.test/pm/1" ||
		!pm.At.Equal(mustTime(t, "2026-10-15T10:00:00Z")) {
		t.Errorf("postmortem: got %+v", pm)
	}
	// The function the operator UI calls.
	id, err := e.srv.incidents.PublishPostmortem(context.Background(), "alice", inc.ID, incidents.PostmortemInput{URL: "https://example.test/pm/2"})
	if err != nil || id == "" {
		t.Errorf("publishPostmortem: got %q, %v", id, err)
	}
}
