package server

import (
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/outbox"
)

// TestPostmortemFormUnknownIncident: a post-mortem for an incident that
// does not exist is a 404 page saying so, valid form or not.
func TestPostmortemFormUnknownIncident(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	for _, id := range []string{"inc-0000000000000000", "x1", "inc-zz%2Fzz"} {
		for _, form := range []url.Values{
			{"title": {"Outage"}, "summary": {"A disk filled up."}},
			{"title": {"Outage"}},
			{"url": {"ftp://x"}},
		} {
			p := b.post("/admin/incidents/"+id+"/postmortems", form)
			if p.code != http.StatusNotFound || !strings.Contains(p.body, "no incident") {
				t.Errorf("%v: got %d, want 404 naming the incident:\n%s", form, p.code, p.body)
			}
		}
	}
}

// TestMaintenanceCancelledEvent: cancelling a window before its start, or
// a series, tells subscribers (maintenance.cancelled, id + "/cancelled");
// a window cancelled while running is announced by its early end instead.
func TestMaintenanceCancelledEvent(t *testing.T) {
	e := newMaintEnv(t, nil, mustTime(t, "2026-10-05T09:00:00Z"))
	var w struct{ ID string }
	e.call("POST", "/api/v1/maintenance", testOpsToken,
		`{"title":"Upgrade","components":["web"],"start":"2026-10-10T20:00:00Z","end":"2026-10-10T22:00:00Z"}`, http.StatusCreated, &w)
	e.events.take()
	e.call("POST", "/api/v1/maintenance/"+w.ID+"/cancel", testOpsToken, `{"reason":"vendor postponed"}`, http.StatusCreated, nil)
	if got, want := e.events.take(), []string{"maintenance.cancelled " + w.ID + "/cancelled"}; !slices.Equal(got, want) {
		t.Errorf("cancel before the start: got events %q, want %q", got, want)
	}
	// Refused cancellations tell nobody.
	e.call("POST", "/api/v1/maintenance/"+w.ID+"/cancel", testOpsToken, `{}`, http.StatusConflict, nil)
	if got := e.events.take(); len(got) != 0 {
		t.Errorf("a refused cancellation published %q", got)
	}

	e.call("POST", "/api/v1/maintenance", testOpsToken,
		`{"title":"Running","components":["web"],"start":"2026-10-12T20:00:00Z","end":"2026-10-12T22:00:00Z"}`, http.StatusCreated, &w)
	e.clock.set(mustTime(t, "2026-10-12T20:30:00Z"))
	e.events.take()
	e.call("POST", "/api/v1/maintenance/"+w.ID+"/cancel", testOpsToken, ``, http.StatusCreated, nil)
	if got := e.events.take(); len(got) != 0 {
		t.Errorf("cancel while running: got events %q, want none (the loop announces the early end)", got)
	}

	var a seriesAnswer
	e.call("POST", "/api/v1/maintenance", testOpsToken, `{"title":"Nightly","components":["api"],
		"rrule":"FREQ=DAILY","start":"2026-10-20T01:00:00Z","duration":"1h"}`, http.StatusCreated, &a)
	e.events.take()
	e.call("POST", "/api/v1/maintenance/"+a.Series+"/cancel", testOpsToken, ``, http.StatusCreated, nil)
	if got, want := e.events.take(), []string{"maintenance.cancelled " + a.Series + "/cancelled"}; !slices.Equal(got, want) {
		t.Errorf("cancel a series: got events %q, want %q", got, want)
	}
}

// TestMaintenanceCancelledReachesSubscribers: a webhook subscriber told of
// a window is told, signed, that it is off.
func TestMaintenanceCancelledReachesSubscribers(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), "", nil)
	h := newHookReceiver(t, 0)
	e.addHook(h, `["api"]`)
	start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
	var w struct{ ID string }
	e.call("POST", "/api/v1/maintenance", testOpsToken, `{"title":"Upgrade","components":["api"],"start":"`+rfc3339(start)+
		`","end":"`+rfc3339(start.Add(time.Hour))+`"}`, http.StatusCreated, &w)
	e.call("POST", "/api/v1/maintenance/"+w.ID+"/cancel", testOpsToken, `{"reason":"internal: vendor slipped"}`, http.StatusCreated, nil)
	eventually(t, "both notifications", func() bool { return len(h.received()) == 2 })
	got := map[string]outbox.Wire{}
	for _, c := range h.received() {
		got[c.Body.Type] = c.Body.Data
	}
	d, ok := got[outbox.EventMaintenanceCancelled]
	if _, sched := got[outbox.EventMaintenanceScheduled]; !ok || !sched {
		t.Fatalf("got %v, want the scheduled and cancelled notifications", got)
	}
	if d.ID != w.ID+"/cancelled" || d.Maintenance != w.ID || d.Title != "Upgrade" || !slices.Equal(d.Components, []string{"api"}) ||
		!strings.Contains(d.Message, "is cancelled") || strings.Contains(d.Message, "vendor") {
		t.Errorf("got cancelled event %+v, want the window's, without the operators' reason", d)
	}
}
