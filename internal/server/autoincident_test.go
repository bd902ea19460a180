package server

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
)

func TestAutoIncident(t *testing.T) {
	t0 := mustTime(t, "2026-10-14T09:00:00Z")
	e := newMaintEnv(t, nil, t0)
	ctx := context.Background()
	loc := e.cfg.Server.Location
	ingest := func(e *maintEnv, at time.Time, states map[string]monitor.State) {
		t.Helper()
		e.clock.set(at)
		var rs []monitor.Result
		for _, id := range []string{"api-a", "api-b"} {
			if st, ok := states[id]; ok {
				rs = append(rs, monitor.Result{MonitorID: id, Location: loc, At: at, State: st, Message: "test"})
			}
		}
		if err := e.srv.Ingest(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	incidents := func(e *maintEnv) []incident.Incident {
		t.Helper()
		var list struct{ Incidents []incident.Incident }
		e.call("GET", "/api/v1/incidents", testViewerToken, "", http.StatusOK, &list)
		return list.Incidents
	}

	// Both monitors up, then api-a down: a partial outage (api-b is up).
	ingest(e, t0, map[string]monitor.State{"api-a": monitor.Up, "api-b": monitor.Up})
	e.events.take()
	down := t0.Add(time.Minute)
	ingest(e, down, map[string]monitor.State{"api-a": monitor.Down, "api-b": monitor.Up})
	incs := incidents(e)
	if len(incs) != 1 {
		t.Fatalf("got %d incidents, want 1", len(incs))
	}
	inc := incs[0]
	stID := "st:api-a:" + itoa(down.Unix()) + ":major_outage"
	if inc.ID != "auto-"+stID || inc.Severity != "P2" || inc.Components["api"] != sla.PartialOutage || !inc.Opened.Equal(down) ||
		inc.Status != incident.StatusInvestigating || inc.Title != "API outage" {
		t.Errorf("opened: got %+v", inc)
	}
	if len(inc.Updates) != 1 || !strings.Contains(inc.Updates[0].Message, "monitor api-a") || !strings.Contains(inc.Updates[0].Message, "2026-10-14T09:01:00Z") {
		t.Errorf("opening message: got %+v, want it to name the monitor and the time", inc.Updates)
	}
	if got := e.events.take(); !slices.Equal(got, []string{"monitor.down " + stID, "incident.created incident.created:auto-" + stID}) {
		t.Errorf("events: got %q", got)
	}

	// api-b goes down too: no second incident, the first becomes a major
	// outage.
	ingest(e, down.Add(time.Minute), map[string]monitor.State{"api-a": monitor.Down, "api-b": monitor.Down})
	if incs := incidents(e); len(incs) != 1 || incs[0].Components["api"] != sla.MajorOutage || len(incs[0].Updates) != 2 {
		t.Errorf("second monitor down: got %+v, want still 1 incident, now a major outage", incs)
	}

	// A restart replays the stored results: no second incident, and no
	// second opening update.
	e2 := newMaintEnv(t, e.st, down.Add(2*time.Minute))
	if err := e2.srv.resume(ctx, e2.cfg); err != nil {
		t.Fatal(err)
	}
	if incs := incidents(e2); len(incs) != 1 || len(incs[0].Updates) != 2 {
		t.Errorf("after a restart: got %+v, want the one incident with its two updates", incs)
	}

	// api-a recovers; api-b is still down: no recovery yet.
	ingest(e2, down.Add(3*time.Minute), map[string]monitor.State{"api-a": monitor.Up, "api-b": monitor.Down})
	if incs := incidents(e2); incs[0].Status != incident.StatusInvestigating {
		t.Errorf("one monitor recovered: status %q, want still investigating", incs[0].Status)
	}
	e2.events.take()
	// Both up: the incident moves to monitoring with api operational; the
	// operator resolves.
	up := down.Add(4 * time.Minute)
	ingest(e2, up, map[string]monitor.State{"api-a": monitor.Up, "api-b": monitor.Up})
	inc = incidents(e2)[0]
	last := inc.Updates[len(inc.Updates)-1]
	if inc.Status != incident.StatusMonitoring || inc.Resolved != nil || inc.Components["api"] != sla.Operational ||
		!strings.Contains(last.Message, "Automatically detected recovery at 2026-10-14T09:05:00Z") {
		t.Errorf("recovered: got %+v", inc)
	}
	upID := "st:api-b:" + itoa(up.Unix()) + ":operational"
	if got := e2.events.take(); !slices.Equal(got, []string{"monitor.up " + upID, "incident.updated incident.updated:auto-" + stID + ":recovered:" + upID}) {
		t.Errorf("recovery events: got %q", got)
	}

	// The operator resolves; a new outage opens a new incident.
	e2.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken, `{"status":"resolved","message":"Fixed"}`, http.StatusCreated, nil)
	ingest(e2, up.Add(time.Hour), map[string]monitor.State{"api-a": monitor.Down, "api-b": monitor.Down})
	incs = incidents(e2)
	if len(incs) != 2 || incs[0].Components["api"] != sla.MajorOutage || incs[0].Title != "API outage" {
		t.Errorf("a new outage after the resolution: got %+v, want a second incident, a major outage", incs)
	}

	// A restart hours later replays changes that are history: they alert
	// nobody and open nothing.
	e3 := newMaintEnv(t, e.st, up.Add(5*time.Hour))
	if err := e3.srv.resume(ctx, e3.cfg); err != nil {
		t.Fatal(err)
	}
	if got := e3.events.take(); len(got) != 0 {
		t.Errorf("stale replay: got events %q, want none", got)
	}
	if n := len(incidents(e3)); n != 2 {
		t.Errorf("stale replay: %d incidents, want still 2", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestAutoIncidentRelapse checks a monitor that fails again after the
// automatic recovery, before the operator resolved: the same incident is
// taken back to investigating with the component down again, rather than
// left saying all is well (and no second incident is opened); a later
// recovery moves it to monitoring again.
func TestAutoIncidentRelapse(t *testing.T) {
	t0 := mustTime(t, "2026-10-14T09:00:00Z")
	e := newMaintEnv(t, nil, t0)
	ctx := context.Background()
	loc := e.cfg.Server.Location
	ingest := func(at time.Time, st monitor.State) {
		t.Helper()
		e.clock.set(at)
		var rs []monitor.Result
		for _, id := range []string{"api-a", "api-b"} {
			rs = append(rs, monitor.Result{MonitorID: id, Location: loc, At: at, State: st, Message: "test"})
		}
		if err := e.srv.Ingest(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	incidents := func() []incident.Incident {
		t.Helper()
		var list struct{ Incidents []incident.Incident }
		e.call("GET", "/api/v1/incidents", testViewerToken, "", http.StatusOK, &list)
		return list.Incidents
	}
	ingest(t0, monitor.Up)
	ingest(t0.Add(time.Minute), monitor.Down)
	ingest(t0.Add(2*time.Minute), monitor.Up)
	if incs := incidents(); len(incs) != 1 || incs[0].Status != incident.StatusMonitoring || incs[0].Components["api"] != sla.Operational {
		t.Fatalf("after the recovery: got %+v, want one incident, monitoring, api operational", incs)
	}
	e.events.take()

	again := t0.Add(3 * time.Minute)
	ingest(again, monitor.Down)
	incs := incidents()
	if len(incs) != 1 {
		t.Fatalf("relapse: got %d incidents, want the same one", len(incs))
	}
	inc := incs[0]
	said := slices.ContainsFunc(inc.Updates, func(u incident.Update) bool {
		return u.At.Equal(again) && u.Status == incident.StatusInvestigating && strings.Contains(u.Message, "down again")
	})
	if inc.Status != incident.StatusInvestigating || inc.Components["api"] != sla.MajorOutage || !said {
		t.Errorf("relapse: got status %q, api %q, updates %+v; want investigating, major outage, an update saying so", inc.Status, inc.Components["api"], inc.Updates)
	}
	if got := e.events.take(); !slices.ContainsFunc(got, func(s string) bool {
		return strings.HasPrefix(s, "incident.updated incident.updated:"+inc.ID+":relapsed:")
	}) {
		t.Errorf("relapse events: got %q, want an incident.updated", got)
	}
	n := len(inc.Updates)

	// A restart replays the relapse: no second update.
	e2 := newMaintEnv(t, e.st, again.Add(time.Minute))
	if err := e2.srv.resume(ctx, e2.cfg); err != nil {
		t.Fatal(err)
	}
	if incs := incidents(); len(incs) != 1 || len(incs[0].Updates) != n {
		t.Errorf("after a restart: got %+v, want one incident with %d updates", incs, n)
	}

	ingest(again.Add(time.Minute), monitor.Up)
	if inc := incidents()[0]; inc.Status != incident.StatusMonitoring || inc.Components["api"] != sla.Operational {
		t.Errorf("second recovery: got status %q, api %q; want monitoring, operational", inc.Status, inc.Components["api"])
	}
}

// TestAutoIncidentReplayAfterResolution checks a restart that replays a
// relapse after the operator resolved the incident it belonged to: the
// outage was covered by that incident, so no second one is opened for it.
func TestAutoIncidentReplayAfterResolution(t *testing.T) {
	t0 := mustTime(t, "2026-10-14T09:00:00Z")
	e := newMaintEnv(t, nil, t0)
	ctx := context.Background()
	loc := e.cfg.Server.Location
	ingest := func(at time.Time, st monitor.State) {
		t.Helper()
		e.clock.set(at)
		var rs []monitor.Result
		for _, id := range []string{"api-a", "api-b"} {
			rs = append(rs, monitor.Result{MonitorID: id, Location: loc, At: at, State: st, Message: "test"})
		}
		if err := e.srv.Ingest(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	for i, st := range []monitor.State{monitor.Up, monitor.Down, monitor.Up, monitor.Down, monitor.Up} {
		ingest(t0.Add(time.Duration(i)*time.Minute), st)
	}
	var list struct{ Incidents []incident.Incident }
	e.call("GET", "/api/v1/incidents", testViewerToken, "", http.StatusOK, &list)
	if len(list.Incidents) != 1 {
		t.Fatalf("before the resolution: got %d incidents, want 1", len(list.Incidents))
	}
	e.call("POST", "/api/v1/incidents/"+list.Incidents[0].ID+"/updates", testOpsToken, `{"status":"resolved","message":"Fixed"}`, http.StatusCreated, nil)

	e2 := newMaintEnv(t, e.st, t0.Add(10*time.Minute))
	if err := e2.srv.resume(ctx, e2.cfg); err != nil {
		t.Fatal(err)
	}
	e2.call("GET", "/api/v1/incidents", testViewerToken, "", http.StatusOK, &list)
	if len(list.Incidents) != 1 {
		t.Errorf("after a restart: got %d incidents %+v, want still the one, resolved", len(list.Incidents), list.Incidents)
	}
}
