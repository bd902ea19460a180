package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/web"
)

const (
	testOpsToken    = "operator-token-of-enough-length"
	testViewerToken = "viewer-token-of-enough-length"
)

const incidentTestPolicy = `policy: acme
components:
  - id: api
  - id: web
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
`

const incidentTestConfig = `components:
  - {id: api}
  - {id: web}
policies: [acme.yaml]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-acme, customer: acme, policy: acme, plan: standard, fee: "1000.00", start: "2026-01-01T00:00:00Z"}
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: dashboard, role: viewer, token_env: VIEW_TOKEN}
incidents: {severities: [critical, major, minor]}
users:
  - {name: alice, password_hash_env: ALICE_HASH}
`

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type incidentEnv struct {
	t     *testing.T
	cfg   *config.Config
	st    store.Store
	clock *testClock
	url   string
	// evlog records the events the server published (eventLog is in
	// maintenance_test.go).
	evlog *eventLog
	// server is the server under test.
	server *Server
}

func newIncidentEnv(t *testing.T) *incidentEnv {
	t.Helper()
	return newIncidentEnvWith(t, incidentTestConfig, incidentTestPolicy)
}

// newIncidentEnvWith is newIncidentEnv with another configuration and
// policy (acme.yaml).
func newIncidentEnvWith(t *testing.T, cfgYAML, policyYAML string) *incidentEnv {
	t.Helper()
	env := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken, "ALICE_HASH": testAliceHash(t), "BACKUP_TOKEN": testBackupToken}
	return newIncidentEnvWithEnv(t, cfgYAML, policyYAML, env)
}

// newIncidentEnvWithEnv is newIncidentEnvWith with the environment the
// configuration reads its secrets from.
func newIncidentEnvWithEnv(t *testing.T, cfgYAML, policyYAML string, env map[string]string) *incidentEnv {
	t.Helper()
	return newIncidentEnvOn(t, filepath.Join(t.TempDir(), "inc.db"), cfgYAML, policyYAML, env)
}

// newIncidentEnvOn is newIncidentEnvWithEnv on the database db (an SQLite
// file or a postgres:// URL), which another env may share.
func newIncidentEnvOn(t *testing.T, db, cfgYAML, policyYAML string, env map[string]string) *incidentEnv {
	t.Helper()
	cfg, err := config.Parse("slakeeper.yaml", []byte(cfgYAML), func(k string) string { return env[k] },
		func(name string) (*sla.Policy, error) { return policy.Parse(name, []byte(policyYAML)) })
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testClock{t: time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)}
	events := &eventLog{}
	s, err := New(Options{Store: st, Config: cfg, Now: clock.now, Logger: slog.New(events)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &incidentEnv{t: t, cfg: cfg, st: st, clock: clock, url: ts.URL, evlog: events, server: s}
}

// call sends body (nil for none) with the token ("" for none) and decodes
// the answer into out when it is not nil.
func (e *incidentEnv) call(method, path, token, body string, wantCode int, out any) []byte {
	e.t.Helper()
	return apiCall(e.t, e.url, method, path, token, body, wantCode, out)
}

// apiCall sends body ("" for none) to base+path with the bearer token (""
// for none), checks the status code and decodes the answer into out when
// it is not nil.
func apiCall(t testing.TB, base, method, path, token, body string, wantCode int, out any) []byte {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantCode {
		t.Fatalf("%s %s: got %d %s, want %d", method, path, resp.StatusCode, b, wantCode)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return b
}

func (e *incidentEnv) report(period string, asOf time.Time) *sla.SubscriptionReport {
	e.t.Helper()
	from, end, err := reports.EvidenceRange(period)
	if err != nil {
		e.t.Fatal(err)
	}
	ev, err := reports.Evidence(context.Background(), e.cfg, e.st, from, end)
	if err != nil {
		e.t.Fatal(err)
	}
	reps, err := reports.Reports(e.cfg, ev, reports.Query{Period: period, AsOf: asOf})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(reps) != 1 || len(reps[0].Subscriptions) != 1 {
		e.t.Fatalf("want one report with one subscription, got %+v", reps)
	}
	return reps[0].Subscriptions[0]
}

func TestIncidentLifecycleCountsAsDowntime(t *testing.T) {
	e := newIncidentEnv(t)
	opened := e.clock.now()

	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken,
		`{"title":"API unavailable","severity":"critical","components":{"api":"major_outage"},"message":"Investigating errors on the API"}`,
		http.StatusCreated, &inc)
	if !strings.HasPrefix(inc.ID, "inc-") || len(inc.ID) != len("inc-")+16 {
		t.Errorf("id: got %q, want inc- and 16 hex digits", inc.ID)
	}
	if inc.Status != "investigating" || inc.Severity != "critical" || inc.Components["api"] != sla.MajorOutage || !inc.Opened.Equal(opened) || inc.Resolved != nil {
		t.Errorf("created: got %+v", inc)
	}
	if len(inc.Updates) != 1 || inc.Updates[0].Message != "Investigating errors on the API" {
		t.Errorf("opening message: got updates %+v", inc.Updates)
	}

	e.clock.set(opened.Add(30 * time.Minute))
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken,
		`{"status":"identified","message":"A storage node failed","components":{"api":"major_outage"}}`, http.StatusCreated, &inc)
	if inc.Status != "identified" {
		t.Errorf("after update: status %q, want identified", inc.Status)
	}

	// Open, an attribution needs an explicit end.
	var apiErr web.Error
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/attributions", testOpsToken,
		`{"cause":"force_majeure","reason":"Flooding"}`, http.StatusBadRequest, &apiErr)
	if apiErr.Field != "end" {
		t.Errorf("attribution of an open incident: got %+v, want field end", apiErr)
	}

	e.clock.set(opened.Add(time.Hour))
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken,
		`{"status":"resolved","message":"Service restored"}`, http.StatusCreated, &inc)
	if inc.Status != "resolved" || inc.Resolved == nil || !inc.Resolved.Equal(opened.Add(time.Hour)) {
		t.Fatalf("after resolution: got status %q resolved %v", inc.Status, inc.Resolved)
	}

	// The engine counts the hour of major outage against the provider.
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if r := e.report("2026-10", asOf); r.LiableMinutes != 60 {
		t.Errorf("before the attribution: liable %v minutes, want 60 (excluded %v)", r.LiableMinutes, r.ExcludedMinutes)
	}

	e.clock.set(opened.Add(26 * time.Hour))
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/attributions", testOpsToken,
		`{"cause":"force_majeure","reason":"Data-centre flooding (paragraph 13)"}`, http.StatusCreated, &inc)
	if len(inc.Attributions) != 1 {
		t.Fatalf("attributions: got %+v", inc.Attributions)
	}
	a := inc.Attributions[0]
	if a.By != "ops@example.test" || a.Cause != sla.CauseForceMajeure || a.Reason == "" ||
		!a.Start.Equal(opened) || !a.End.Equal(opened.Add(time.Hour)) || len(a.Components) != 1 || a.Components[0] != "api" {
		t.Errorf("attribution: got %+v, want by ops@example.test over api from the opening to the resolution", a)
	}

	r := e.report("2026-10", asOf)
	if r.LiableMinutes != 0 || r.ExcludedMinutes[sla.CauseForceMajeure] != 60 {
		t.Errorf("after the attribution: liable %v, excluded %v; want 0 and force_majeure 60", r.LiableMinutes, r.ExcludedMinutes)
	}

	// Reads: viewer and operator, list and one.
	var list struct{ Incidents []incident.Incident }
	e.call("GET", "/api/v1/incidents", testViewerToken, "", http.StatusOK, &list)
	if len(list.Incidents) != 1 || list.Incidents[0].ID != inc.ID || len(list.Incidents[0].Updates) != 3 {
		t.Errorf("list: got %+v", list.Incidents)
	}
	var one incident.Incident
	e.call("GET", "/api/v1/incidents/"+inc.ID, testOpsToken, "", http.StatusOK, &one)
	if one.ID != inc.ID || one.Status != "resolved" || len(one.Attributions) != 1 {
		t.Errorf("one: got %+v", one)
	}

	// Everything written is valid evidence.
	ev, err := reports.Evidence(context.Background(), e.cfg, e.st, time.Time{}, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := facts.Parse("export", bytes.NewReader(ev))
	if err != nil {
		t.Fatalf("the written facts do not parse: %v\n%s", err, ev)
	}
	if len(parsed.Incidents) != 1 || len(parsed.IncidentUpdates) != 3 || len(parsed.Attributions) != 1 {
		t.Errorf("parsed: %d incidents, %d updates, %d attributions; want 1, 3, 1", len(parsed.Incidents), len(parsed.IncidentUpdates), len(parsed.Attributions))
	}
}

func TestIncidentDenialsAndErrors(t *testing.T) {
	e := newIncidentEnv(t)
	body := `{"title":"Web slow","severity":"minor","components":{"web":"degraded_performance"}}`
	var apiErr web.Error
	e.call("POST", "/api/v1/incidents", testViewerToken, body, http.StatusForbidden, nil)
	e.call("POST", "/api/v1/incidents", "", body, http.StatusUnauthorized, nil)
	e.call("POST", "/api/v1/maintenance", testViewerToken, `{"title":"x","components":["api"],"start":"2026-10-20T00:00:00Z","end":"2026-10-20T01:00:00Z"}`, http.StatusForbidden, nil)
	e.call("GET", "/api/v1/incidents", "", "", http.StatusUnauthorized, nil)
	e.call("POST", "/api/v1/incidents/inc-0000000000000000/updates", testOpsToken, `{"status":"identified","message":"x"}`, http.StatusNotFound, nil)
	e.call("POST", "/api/v1/incidents/inc-0000000000000000/attributions", testOpsToken, `{"cause":"ddos","reason":"x","end":"2026-10-14T10:00:00Z"}`, http.StatusNotFound, nil)
	e.call("GET", "/api/v1/incidents/inc-0000000000000000", testViewerToken, "", http.StatusNotFound, nil)

	e.call("POST", "/api/v1/incidents", testOpsToken, strings.Replace(body, `"minor"`, `"P5"`, 1), http.StatusBadRequest, &apiErr)
	if apiErr.Field != "severity" || !strings.Contains(apiErr.Error, "want one of critical, major, minor") {
		t.Errorf("unknown severity: got %+v, want field severity listing the configured ones", apiErr)
	}
	e.call("POST", "/api/v1/incidents", testOpsToken, strings.Replace(body, `"severity"`, `"status":"fixed","severity"`, 1), http.StatusBadRequest, &apiErr)
	if apiErr.Field != "status" {
		t.Errorf("bad status: got %+v, want field status", apiErr)
	}
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, body, http.StatusCreated, &inc)
	if len(inc.Updates) != 0 {
		t.Errorf("no message and investigating: want no update, got %+v", inc.Updates)
	}
	for _, tt := range []struct{ path, body, field string }{
		{"/api/v1/incidents/" + inc.ID + "/updates", `{"status":"done","message":"x"}`, "status"},
		{"/api/v1/incidents/" + inc.ID + "/updates", `{"status":"resolved","message":"x","components":{"db":"major_outage"}}`, "components.db"},
		{"/api/v1/incidents/" + inc.ID + "/updates", `{"status":"resolved","message":"x","colour":"red"}`, "colour"},
		{"/api/v1/incidents/" + inc.ID + "/attributions", `{"cause":"weather","reason":"x","end":"2026-10-14T10:00:00Z"}`, "cause"},
		{"/api/v1/incidents/" + inc.ID + "/attributions", `{"cause":"ddos","end":"2026-10-14T10:00:00Z"}`, "reason"},
		{"/api/v1/incidents", `{"title":"x","severity":"","components":{"api":"major_outage"}}`, "severity"},
		{"/api/v1/incidents", `{"title":"x","severity":"minor","components":{"api":"down"}}`, "components.api"},
		{"/api/v1/incidents", `{"title":"x","severity":"minor","components":["api"]}`, "components"},
		{"/api/v1/maintenance", `{"title":"x","components":["api"],"start":"tomorrow","end":"2026-10-20T01:00:00Z"}`, "start"},
		{"/api/v1/maintenance", `{"title":"x","components":["api"],"start":"2026-10-20T01:00:00Z","end":"2026-10-20T01:00:00Z"}`, "end"},
	} {
		apiErr = web.Error{}
		e.call("POST", tt.path, testOpsToken, tt.body, http.StatusBadRequest, &apiErr)
		if apiErr.Field != tt.field {
			t.Errorf("%s %s: got %+v, want field %s", tt.path, tt.body, apiErr, tt.field)
		}
	}
}

func TestMaintenanceNoticeWarnings(t *testing.T) {
	e := newIncidentEnv(t)
	now := time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
	e.clock.set(now)
	type answer struct {
		incident.MaintenanceWindow
		Warnings []string `json:"warnings"`
	}
	post := func(start time.Time) answer {
		var a answer
		e.call("POST", "/api/v1/maintenance", testOpsToken, `{"title":"Database upgrade","components":["api"],"start":"`+
			start.Format(time.RFC3339)+`","end":"`+start.Add(2*time.Hour).Format(time.RFC3339)+`"}`, http.StatusCreated, &a)
		return a
	}
	late := post(now.Add(time.Hour))
	if len(late.Warnings) != 1 || !strings.Contains(late.Warnings[0], "48h") || !strings.Contains(late.Warnings[0], "plan standard") {
		t.Errorf("announced 1 h before: got warnings %q, want one naming the 48h notice of plan standard", late.Warnings)
	}
	if !late.AnnouncedAt.Equal(now) || late.State != incident.Upcoming {
		t.Errorf("window: got %+v", late.MaintenanceWindow)
	}
	timely := post(now.Add(72 * time.Hour))
	if len(timely.Warnings) != 0 {
		t.Errorf("announced 3 days before: got warnings %q, want none", timely.Warnings)
	}

	var list struct{ Maintenance []incident.MaintenanceWindow }
	e.call("GET", "/api/v1/maintenance", testViewerToken, "", http.StatusOK, &list)
	if len(list.Maintenance) != 2 || list.Maintenance[0].ID != late.ID || list.Maintenance[1].ID != timely.ID {
		t.Errorf("list: got %+v", list.Maintenance)
	}

	ev, err := reports.Evidence(context.Background(), e.cfg, e.st, time.Time{}, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := facts.Parse("export", bytes.NewReader(ev))
	if err != nil {
		t.Fatalf("the written facts do not parse: %v\n%s", err, ev)
	}
	if len(parsed.Maintenance) != 2 {
		t.Errorf("parsed %d maintenance facts, want 2", len(parsed.Maintenance))
	}
}
