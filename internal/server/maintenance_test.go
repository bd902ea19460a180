package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/web"
)

// maintTestPolicy has a 48 h maintenance notice, hourly updates for P1
// incidents (seed 002) and a post-mortem within 5 business days of a
// 09:00-17:00 calendar with a holiday on Wednesday 2026-10-21 (seed 001),
// and a second plan with laxer obligations.
const maintTestPolicy = `policy: acme
components:
  - id: api
  - id: web
calendars:
  - id: biz
    timezone: UTC
    hours:
      mon-fri: "09:00-17:00"
    holidays:
      dates: [2026-10-21]
    day_length: 8h
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: standard
        objective: 99.9
        period: month
        timezone: UTC
        components: [api, web]
        exclusions: [maintenance, force_majeure]
        maintenance_notice: 48h
        incidents:
          update_every:
            P1: 1h
          postmortem:
            within: 5d
            calendar: biz
      # A second plan with laxer obligations: each obligation is listed
      # once, with the earlier due time.
      - id: premium
        objective: 99.95
        period: month
        timezone: UTC
        components: [api]
        incidents:
          update_every:
            P1: 2h
          postmortem:
            within: 6d
            calendar: biz
`

const maintTestConfig = `components:
  - {id: api, name: API, auto_incident: {severity: P2}}
  - {id: web}
monitors:
  - {id: api-a, component: api, type: http, target: "http://127.0.0.1:9/", interval: 30s, fail_after: 1, recover_after: 1}
  - {id: api-b, component: api, type: http, target: "http://127.0.0.1:9/", interval: 30s, fail_after: 1, recover_after: 1}
policies: [acme.yaml]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-acme, customer: acme, policy: acme, plan: standard, fee: "1000.00", start: "2026-01-01T00:00:00Z"}
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: dashboard, role: viewer, token_env: VIEW_TOKEN}
obligations:
  remind_before: 20m
`

// eventLog records the events the server publishes, from the log line
// publish writes for each.
type eventLog struct {
	mu     sync.Mutex
	events []string // kind + " " + id
}

func (l *eventLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *eventLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *eventLog) WithGroup(string) slog.Handler            { return l }
func (l *eventLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "event" {
		return nil
	}
	var id, kind string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "id":
			id = a.Value.String()
		case "kind":
			kind = a.Value.String()
		}
		return true
	})
	l.mu.Lock()
	l.events = append(l.events, kind+" "+id)
	l.mu.Unlock()
	return nil
}

// take returns the events recorded since the last take.
func (l *eventLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

type maintEnv struct {
	*incidentEnv
	srv    *Server
	events *eventLog
}

// newMaintEnv starts a server on st (a new store when nil) at now.
func newMaintEnv(t *testing.T, st store.Store, now time.Time) *maintEnv {
	t.Helper()
	env := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken}
	cfg, err := config.Parse("slakeeper.yaml", []byte(maintTestConfig), func(k string) string { return env[k] },
		func(name string) (*sla.Policy, error) { return policy.Parse(name, []byte(maintTestPolicy)) })
	if err != nil {
		t.Fatal(err)
	}
	if st == nil {
		st, err = store.Open(context.Background(), filepath.Join(t.TempDir(), "maint.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	clock := &testClock{t: now}
	events := &eventLog{}
	s, err := New(Options{Store: st, Config: cfg, Now: clock.now, Logger: slog.New(events)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &maintEnv{incidentEnv: &incidentEnv{t: t, cfg: cfg, st: st, clock: clock, url: ts.URL}, srv: s, events: events}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type seriesAnswer struct {
	Series   string
	Windows  []incident.MaintenanceWindow
	Warnings []string
}

func TestRecurringMaintenance(t *testing.T) {
	now := mustTime(t, "2026-03-10T12:00:00Z")
	e := newMaintEnv(t, nil, now)
	ctx := context.Background()

	// Weekly on Sundays at 02:30 Berlin time, across the change to summer
	// time on 2026-03-29; the horizon ends 35 days on, 2026-04-14T12:00Z.
	var a seriesAnswer
	e.call("POST", "/api/v1/maintenance", testOpsToken, `{"title":"Database patching","components":["api"],
		"rrule":"FREQ=WEEKLY;BYDAY=SU","start":"2026-03-15T02:30:00+01:00","time_zone":"Europe/Berlin","duration":"1h"}`,
		http.StatusCreated, &a)
	if !strings.HasPrefix(a.Series, "ms-") {
		t.Fatalf("series id %q, want ms-…", a.Series)
	}
	var got []string
	for _, w := range a.Windows {
		got = append(got, w.ID+" "+w.Start.Format(time.RFC3339)+" "+w.End.Format(time.RFC3339))
		if !w.AnnouncedAt.Equal(now) || w.Series != a.Series || w.Title != "Database patching" {
			t.Errorf("window %+v: want announced now, of the series, with its title", w)
		}
	}
	want := []string{
		a.Series + "-20260315T0130Z 2026-03-15T01:30:00Z 2026-03-15T02:30:00Z", // 02:30 CET
		a.Series + "-20260322T0130Z 2026-03-22T01:30:00Z 2026-03-22T02:30:00Z",
		a.Series + "-20260329T0130Z 2026-03-29T01:30:00Z 2026-03-29T02:30:00Z", // 02:30 does not exist: 03:30 CEST
		a.Series + "-20260405T0030Z 2026-04-05T00:30:00Z 2026-04-05T01:30:00Z", // 02:30 CEST
		a.Series + "-20260412T0030Z 2026-04-12T00:30:00Z 2026-04-12T01:30:00Z",
	}
	if !slices.Equal(got, want) {
		t.Errorf("windows:\n got %q\nwant %q", got, want)
	}
	if len(a.Warnings) != 0 {
		t.Errorf("announced 4 days ahead: got warnings %q", a.Warnings)
	}

	// Daily at 02:30 UTC, three times: the first two occurrences come
	// 14.5 h and 38.5 h after the announcement, within the 48 h notice.
	var late seriesAnswer
	e.call("POST", "/api/v1/maintenance", testOpsToken, `{"title":"Cache flush","components":["web"],
		"rrule":"FREQ=DAILY","count":3,"start":"2026-03-11T02:30:00Z","end":"2026-03-11T03:00:00Z"}`, http.StatusCreated, &late)
	if len(late.Windows) != 3 || len(late.Warnings) != 2 ||
		!strings.HasPrefix(late.Warnings[0], "occurrence 2026-03-11T02:30:00Z: ") || !strings.Contains(late.Warnings[0], "48h") ||
		!strings.HasPrefix(late.Warnings[1], "occurrence 2026-03-12T02:30:00Z: ") {
		t.Errorf("late occurrences: got %d windows, warnings %q; want 3 and two warnings for the first two", len(late.Windows), late.Warnings)
	}
	// A series whose only occurrence has passed writes no window, and says so.
	var none seriesAnswer
	e.call("POST", "/api/v1/maintenance", testOpsToken, `{"title":"Once","components":["web"],
		"rrule":"FREQ=DAILY;COUNT=1","start":"2026-03-01T02:30:00Z","duration":"1h"}`, http.StatusCreated, &none)
	if len(none.Windows) != 0 || len(none.Warnings) != 1 || !strings.Contains(none.Warnings[0], "no occurrence starts within the next 35 days") {
		t.Errorf("a spent series: got %+v", none)
	}
	// The status page says in words how each series recurs.
	if _, page := e.get("/", nil); !strings.Contains(page, "Recurring: every Sunday") || !strings.Contains(page, "Recurring: every day, 3 times") {
		t.Errorf("the status page does not say how the series recur:\n%s", page)
	}
	if ev := e.events.take(); !slices.Equal(ev, []string{"maintenance.scheduled " + a.Series + "/scheduled", "maintenance.scheduled " + late.Series + "/scheduled",
		"maintenance.scheduled " + none.Series + "/scheduled"}) {
		t.Errorf("events: got %q, want one maintenance.scheduled per series", ev)
	}

	// Errors name the field.
	for _, tt := range []struct{ body, field string }{
		{`{"title":"x","components":["api"],"rrule":"FREQ=FORTNIGHTLY","start":"2026-03-15T02:30:00Z","duration":"1h"}`, "rrule"},
		{`{"title":"x","components":["api"],"rrule":"FREQ=MINUTELY","start":"2026-03-15T02:30:00Z","duration":"1h"}`, "rrule"},
		{`{"title":"x","components":["api"],"rrule":"FREQ=DAILY","start":"2026-03-15T02:30:00Z"}`, "duration"},
		{`{"title":"x","components":["api"],"rrule":"FREQ=DAILY","start":"2026-03-15T02:30:00Z","duration":"1h","time_zone":"Europe/Nowhere"}`, "time_zone"},
		{`{"title":"x","components":["api"],"rrule":"FREQ=DAILY","start":"2026-03-15T02:30:00Z","duration":"1h","until":"soon"}`, "until"},
		{`{"title":"x","components":["api"],"start":"2026-03-15T02:30:00Z","end":"2026-03-15T03:30:00Z","duration":"1h"}`, "duration"},
		{`{"title":"x","components":["api"],"rrule":"FREQ=HOURLY;BYMINUTE=0,15,30,45","start":"2026-03-15T02:30:00Z","duration":"10m"}`, "rrule"},
	} {
		var apiErr web.Error
		e.call("POST", "/api/v1/maintenance", testOpsToken, tt.body, http.StatusBadRequest, &apiErr)
		if apiErr.Field != tt.field {
			t.Errorf("%s: got %+v, want field %s", tt.body, apiErr, tt.field)
		}
	}

	// The loop writes nothing new while the horizon has not moved.
	count := func() int {
		t.Helper()
		ev, err := e.srv.incidents.MaintenanceEvidence(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(ev.Maintenance)
	}
	sent := map[string]bool{}
	before := count()
	if err := e.srv.incidents.MaintenanceTick(ctx, now, sent); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != before {
		t.Errorf("a tick at the announcement wrote %d windows, want 0", got-before)
	}
	// A week later the horizon reaches 2026-04-21T12:00Z: one more
	// Sunday (04-19); a second tick then writes nothing.
	later := now.Add(7 * 24 * time.Hour)
	for range 2 {
		if err := e.srv.incidents.MaintenanceTick(ctx, later, sent); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != before+1 {
			t.Errorf("after a week: %d windows, want %d", got, before+1)
		}
	}
	ev, _ := e.srv.incidents.MaintenanceEvidence(ctx)
	if !slices.ContainsFunc(ev.Maintenance, func(m *sla.Maintenance) bool {
		return m.ID == a.Series+"-20260419T0030Z" && m.AnnouncedAt.Equal(now)
	}) {
		t.Errorf("the occurrence of 2026-04-19 was not written with the series' announcement")
	}

	// Start and end events, once each, at the window's times.
	e.events.take()
	first := mustTime(t, "2026-03-15T01:30:00Z")
	for _, at := range []time.Time{first.Add(-time.Minute), first, first.Add(time.Minute), first.Add(time.Hour), first.Add(time.Hour + time.Minute)} {
		if err := e.srv.incidents.MaintenanceTick(ctx, at, sent); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.events.take(); !slices.Equal(got, []string{
		"maintenance.started " + a.Series + "-20260315T0130Z/started", "maintenance.completed " + a.Series + "-20260315T0130Z/completed"}) {
		t.Errorf("start and end events: got %q", got)
	}
	e.clock.set(first.Add(30 * time.Minute))
	var list struct {
		Maintenance []incident.MaintenanceWindow
		Series      []struct {
			ID       string
			TimeZone string `json:"time_zone"`
		}
	}
	e.call("GET", "/api/v1/maintenance", testViewerToken, "", http.StatusOK, &list)
	if len(list.Series) != 3 || list.Series[0].TimeZone != "Europe/Berlin" {
		t.Errorf("series listed: %+v", list.Series)
	}
	ongoing := slices.IndexFunc(list.Maintenance, func(w incident.MaintenanceWindow) bool { return w.State == incident.Ongoing })
	if ongoing < 0 || list.Maintenance[ongoing].ID != a.Series+"-20260315T0130Z" {
		t.Errorf("ongoing window: got %+v", list.Maintenance)
	}
}

// TestMaintenanceCancel checks that a cancelled window no longer excuses
// downtime: the engine counts it again.
func TestMaintenanceCancel(t *testing.T) {
	now := mustTime(t, "2026-10-05T09:00:00Z")
	e := newMaintEnv(t, nil, now)
	ctx := context.Background()
	var w struct{ ID string }
	e.call("POST", "/api/v1/maintenance", testOpsToken,
		`{"title":"Upgrade","components":["web"],"start":"2026-10-10T20:00:00Z","end":"2026-10-10T22:00:00Z"}`, http.StatusCreated, &w)
	// An hour of major outage of web inside the window.
	down, err := fact("status", "st-web-1", mustTime(t, "2026-10-10T20:30:00Z"), statusLine{Type: "status", ID: "st-web-1", At: "2026-10-10T20:30:00Z",
		Component: "web", Status: "major_outage", Source: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	up, err := fact("status", "st-web-2", mustTime(t, "2026-10-10T21:30:00Z"), statusLine{Type: "status", ID: "st-web-2", At: "2026-10-10T21:30:00Z",
		Component: "web", Status: "operational", Source: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.AppendFacts(ctx, []store.Fact{down, up}); err != nil {
		t.Fatal(err)
	}
	asOf := mustTime(t, "2026-11-01T00:00:00Z")
	if r := e.report("2026-10", asOf); r.LiableMinutes != 0 || r.ExcludedMinutes[sla.CauseMaintenance] != 60 {
		t.Errorf("announced in time: liable %v, excluded %v; want 0 and maintenance 60", r.LiableMinutes, r.ExcludedMinutes)
	}

	e.call("POST", "/api/v1/maintenance/"+w.ID+"/cancel", testViewerToken, `{"reason":"postponed"}`, http.StatusForbidden, nil)
	e.call("POST", "/api/v1/maintenance/mw-nope/cancel", testOpsToken, `{"reason":"postponed"}`, http.StatusNotFound, nil)
	e.clock.set(mustTime(t, "2026-10-08T12:00:00Z"))
	e.call("POST", "/api/v1/maintenance/"+w.ID+"/cancel", testOpsToken, `{"reason":"vendor postponed"}`, http.StatusCreated, nil)
	e.call("POST", "/api/v1/maintenance/"+w.ID+"/cancel", testOpsToken, `{}`, http.StatusConflict, nil)
	if r := e.report("2026-10", asOf); r.LiableMinutes != 60 {
		t.Errorf("cancelled before its start: liable %v minutes, want 60 (excluded %v)", r.LiableMinutes, r.ExcludedMinutes)
	}
	var list struct{ Maintenance []incident.MaintenanceWindow }
	e.call("GET", "/api/v1/maintenance", testViewerToken, "", http.StatusOK, &list)
	if len(list.Maintenance) != 0 {
		t.Errorf("a cancelled window is still listed: %+v", list.Maintenance)
	}
	// No start or end event for it.
	e.events.take()
	if err := e.srv.incidents.MaintenanceTick(ctx, mustTime(t, "2026-10-10T22:01:00Z"), map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if got := e.events.take(); len(got) != 0 {
		t.Errorf("events of a cancelled window: %q", got)
	}

	// A window cancelled while running ends then: it excuses the time
	// before the cancellation only.
	e.clock.set(mustTime(t, "2026-10-12T09:00:00Z"))
	e.call("POST", "/api/v1/maintenance", testOpsToken,
		`{"title":"Second try","components":["web"],"start":"2026-10-20T20:00:00Z","end":"2026-10-20T22:00:00Z"}`, http.StatusCreated, &w)
	down2, _ := fact("status", "st-web-3", mustTime(t, "2026-10-20T20:00:00Z"), statusLine{Type: "status", ID: "st-web-3", At: "2026-10-20T20:00:00Z",
		Component: "web", Status: "major_outage", Source: "operator"})
	up2, _ := fact("status", "st-web-4", mustTime(t, "2026-10-20T21:00:00Z"), statusLine{Type: "status", ID: "st-web-4", At: "2026-10-20T21:00:00Z",
		Component: "web", Status: "operational", Source: "operator"})
	if err := e.st.AppendFacts(ctx, []store.Fact{down2, up2}); err != nil {
		t.Fatal(err)
	}
	e.clock.set(mustTime(t, "2026-10-20T20:40:00Z"))
	e.call("POST", "/api/v1/maintenance/"+w.ID+"/cancel", testOpsToken, ``, http.StatusCreated, nil)
	// 20:00-20:40 excused; 20:40-21:00 counted (20 min) plus the first 60.
	if r := e.report("2026-10", asOf); r.LiableMinutes != 80 || r.ExcludedMinutes[sla.CauseMaintenance] != 40 {
		t.Errorf("cancelled while running: liable %v, excluded %v; want 80 and maintenance 40", r.LiableMinutes, r.ExcludedMinutes)
	}
	e.events.take()
	sent := map[string]bool{}
	for _, at := range []string{"2026-10-20T20:01:00Z", "2026-10-20T20:41:00Z"} {
		if err := e.srv.incidents.MaintenanceTick(ctx, mustTime(t, at), sent); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.events.take(); !slices.Equal(got, []string{"maintenance.started " + w.ID + "/started", "maintenance.completed " + w.ID + "/completed"}) {
		t.Errorf("events of a window ended early: %q", got)
	}
}

func TestCancelSeries(t *testing.T) {
	now := mustTime(t, "2026-03-01T12:00:00Z")
	e := newMaintEnv(t, nil, now)
	ctx := context.Background()
	var a seriesAnswer
	e.call("POST", "/api/v1/maintenance", testOpsToken, `{"title":"Nightly","components":["api"],
		"rrule":"FREQ=DAILY","start":"2026-03-05T01:00:00Z","duration":"1h"}`, http.StatusCreated, &a)
	if len(a.Windows) != 32 { // 03-05 to 04-05, the horizon ending 04-05T12:00Z
		t.Fatalf("got %d windows, want 32", len(a.Windows))
	}
	e.clock.set(mustTime(t, "2026-03-10T00:00:00Z"))
	e.call("POST", "/api/v1/maintenance/"+a.Series+"/cancel", testOpsToken, `{"reason":"no longer needed"}`, http.StatusCreated, nil)
	var list struct{ Maintenance []incident.MaintenanceWindow }
	e.call("GET", "/api/v1/maintenance", testViewerToken, "", http.StatusOK, &list)
	if len(list.Maintenance) != 5 { // 03-05 to 03-09, all past
		t.Errorf("after cancelling the series: %d windows listed, want the 5 before it", len(list.Maintenance))
	}
	// The loop no longer extends it.
	if err := e.srv.incidents.MaintenanceTick(ctx, mustTime(t, "2026-04-20T00:00:00Z"), map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	ev, _ := e.srv.incidents.MaintenanceEvidence(ctx)
	if len(ev.Maintenance) != 32 {
		t.Errorf("a cancelled series was extended: %d windows, want 32", len(ev.Maintenance))
	}
}

// TestMaintenanceEventsAfterDowntime checks the start and end events of
// windows that came while the server was down: a window still in progress
// is announced late however long ago it started; one that ended meanwhile
// gets its end only (a "started" after the end would come after the fact,
// and the outbox could deliver it after the "completed" of the same
// tick); one that ended long ago gets nothing.
func TestMaintenanceEventsAfterDowntime(t *testing.T) {
	now := mustTime(t, "2026-10-05T09:00:00Z")
	e := newMaintEnv(t, nil, now)
	ctx := context.Background()
	var long, short, old struct{ ID string }
	e.call("POST", "/api/v1/maintenance", testOpsToken,
		`{"title":"Migration","components":["api"],"start":"2026-10-10T00:00:00Z","end":"2026-10-11T00:00:00Z"}`, http.StatusCreated, &long)
	e.call("POST", "/api/v1/maintenance", testOpsToken,
		`{"title":"Reboot","components":["web"],"start":"2026-10-10T08:00:00Z","end":"2026-10-10T09:00:00Z"}`, http.StatusCreated, &short)
	e.call("POST", "/api/v1/maintenance", testOpsToken,
		`{"title":"Old","components":["web"],"start":"2026-10-09T20:00:00Z","end":"2026-10-09T21:00:00Z"}`, http.StatusCreated, &old)
	e.events.take()
	// Back at 10:00 after being down since the 9th, 12:00.
	if err := e.srv.incidents.MaintenanceTick(ctx, mustTime(t, "2026-10-10T10:00:00Z"), map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	got := e.events.take()
	slices.Sort(got)
	want := []string{"maintenance.completed " + short.ID + "/completed", "maintenance.started " + long.ID + "/started"}
	if !slices.Equal(got, want) {
		t.Errorf("events after the downtime: got %q, want %q", got, want)
	}
}

// TestHourlySeriesKeepsExtending checks a dense series weeks after its
// announcement: the occurrence limit is about the horizon ahead, not
// everything since the announcement, so the loop goes on extending it and
// announcing the other windows.
func TestHourlySeriesKeepsExtending(t *testing.T) {
	now := mustTime(t, "2026-03-01T12:00:00Z")
	e := newMaintEnv(t, nil, now)
	ctx := context.Background()
	var a seriesAnswer
	e.call("POST", "/api/v1/maintenance", testOpsToken, `{"title":"Rotation","components":["api"],
		"rrule":"FREQ=HOURLY","start":"2026-03-01T13:00:00Z","duration":"5m"}`, http.StatusCreated, &a)
	if len(a.Windows) != 839 {
		t.Fatalf("got %d windows, want 839 (35 days, hourly, from the next hour)", len(a.Windows))
	}
	var w struct{ ID string }
	e.call("POST", "/api/v1/maintenance", testOpsToken,
		`{"title":"Upgrade","components":["web"],"start":"2026-03-11T11:00:00Z","end":"2026-03-11T14:00:00Z"}`, http.StatusCreated, &w)
	e.events.take()
	later := mustTime(t, "2026-03-11T12:00:00Z")
	if err := e.srv.incidents.MaintenanceTick(ctx, later, map[string]bool{}); err != nil {
		t.Fatalf("tick ten days on: %v", err)
	}
	ev, err := e.srv.incidents.MaintenanceEvidence(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := a.Series + "-20260415T1100Z" // the last start before later + 35 days
	if !slices.ContainsFunc(ev.Maintenance, func(m *sla.Maintenance) bool { return m.ID == last }) {
		t.Errorf("the series was not extended to %s", last)
	}
	if got := e.events.take(); !slices.Contains(got, "maintenance.started "+w.ID+"/started") {
		t.Errorf("events: got %q, want the upgrade's start", got)
	}
}
