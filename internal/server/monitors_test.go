package server

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

const monitorsTestConfig = `components:
  - {id: api, name: API, auto_incident: {severity: P2}}
  - {id: web, name: Website}
monitors:
  - {id: api-a, component: api, type: http, target: "http://127.0.0.1:9/a", interval: 30s, fail_after: 1, recover_after: 1}
  - {id: api-b, component: api, type: http, target: "http://127.0.0.1:9/b", interval: 30s, fail_after: 1, recover_after: 1}
  - {id: web-1, component: web, type: http, target: "http://127.0.0.1:9/", interval: 30s, fail_after: 1, recover_after: 1}
policies: [acme.yaml]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-acme, customer: acme, policy: acme, plan: standard, fee: "1000.00", start: "2026-01-01T00:00:00Z"}
incidents: {severities: [P1, P2, P3]}
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: dashboard, role: viewer, token_env: VIEW_TOKEN}
  - {name: acme-portal, role: customer, customer: acme, token_env: T_CUSTOMER}
  - {name: ingest-bot, role: ingest, token_env: T_INGEST}
users:
  - {name: alice, password_hash_env: ALICE_HASH}
`

const (
	testCustomerToken = "acme-customer-token-of-enough-length"
)

// monitorsEnv is a server with three monitors (api-a, api-b of API,
// web-1 of Website) on a test clock.
type monitorsEnv struct {
	*incidentEnv
	srv *Server
}

func newMonitorsEnv(t testing.TB, cfgYAML string, now time.Time) *monitorsEnv {
	t.Helper()
	env := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken, "T_CUSTOMER": testCustomerToken,
		"T_INGEST": testIngestToken, "ALICE_HASH": testAliceHash(t)}
	cfg, err := config.Parse("slakeeper.yaml", []byte(cfgYAML), func(k string) string { return env[k] },
		func(name string) (*sla.Policy, error) { return policy.Parse(name, []byte(incidentTestPolicy)) })
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "mon.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testClock{t: now}
	s, err := New(Options{Store: st, Config: cfg, Now: clock.now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	tt, _ := t.(*testing.T)
	return &monitorsEnv{incidentEnv: &incidentEnv{t: tt, cfg: cfg, st: st, clock: clock, url: ts.URL}, srv: s}
}

// ingest stores results at their times, the clock set to the last.
func (e *monitorsEnv) ingest(t testing.TB, rs ...monitor.Result) {
	t.Helper()
	for _, r := range rs {
		if r.Location == "" {
			r.Location = e.cfg.Server.Location
		}
		e.clock.set(r.At)
		if err := e.srv.Ingest(context.Background(), []monitor.Result{r}); err != nil {
			t.Fatal(err)
		}
	}
}

// monitorsScenario: api-a up at 100 and 200 ms, then down (503); api-b
// and web-1 up. api-a's confirmed outage opens an incident (API has
// auto_incident).
func monitorsScenario(t testing.TB, e *monitorsEnv, t0 time.Time) {
	ms := time.Millisecond
	e.ingest(t,
		monitor.Result{MonitorID: "api-a", At: t0, State: monitor.Up, Latency: 100 * ms},
		monitor.Result{MonitorID: "api-b", At: t0, State: monitor.Up, Latency: 30 * ms},
		monitor.Result{MonitorID: "web-1", At: t0, State: monitor.Up, Latency: 10 * ms},
		monitor.Result{MonitorID: "api-a", At: t0.Add(30 * time.Second), State: monitor.Up, Latency: 200 * ms},
		monitor.Result{MonitorID: "api-b", At: t0.Add(30 * time.Second), State: monitor.Up, Latency: 40 * ms},
		monitor.Result{MonitorID: "api-a", At: t0.Add(time.Minute), State: monitor.Down, Latency: 5 * ms, Message: "status 503, want 200"},
	)
	e.clock.set(t0.Add(90 * time.Second))
}

type monitorList struct {
	Monitors []monitors.Row `json:"monitors"`
}

func ids(rows []monitors.Row) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return strings.Join(out, ",")
}

func TestMonitorsAPI(t *testing.T) {
	t0 := mustTime(t, "2026-10-14T09:00:00Z")
	e := newMonitorsEnv(t, monitorsTestConfig, t0)
	monitorsScenario(t, e, t0)

	var list monitorList
	e.call("GET", "/api/v1/monitors", testViewerToken, "", http.StatusOK, &list)
	if got := ids(list.Monitors); got != "api-a,api-b,web-1" {
		t.Fatalf("monitors: got %s", got)
	}
	a := list.Monitors[0]
	down := t0.Add(time.Minute)
	if a.State != monitors.StateDown || a.Status != sla.MajorOutage || a.Since == nil || !a.Since.Equal(down) || a.ComponentName != "API" {
		t.Errorf("api-a: got state %s status %s since %v, want down since %v", a.State, a.Status, a.Since, down)
	}
	if a.Last == nil || a.Last.Message != "status 503, want 200" || a.Last.State != monitor.Down || a.LatencyMS != nil {
		t.Errorf("api-a's last check: got %+v (latency %v), want the 503 without latency", a.Last, a.LatencyMS)
	}
	if a.Checks24h != 3 || a.Uptime24h == nil || fmt.Sprintf("%.3f", *a.Uptime24h) != "66.667" || a.Uptime30d == nil {
		t.Errorf("api-a: got %d checks, uptime %v, want 3 and 66.667 %%", a.Checks24h, a.Uptime24h)
	}
	// p50 of {100, 200} ms is 100 ms, p95 200 ms, within a bucket (19 %).
	if a.P50MS == nil || *a.P50MS < 81 || *a.P50MS > 119 || a.P95MS == nil || *a.P95MS < 162 || *a.P95MS > 238 {
		t.Errorf("api-a: p50 %v, p95 %v, want about 100 and 200 ms", a.P50MS, a.P95MS)
	}
	if b := list.Monitors[1]; b.State != monitors.StateUp || b.LatencyMS == nil || *b.LatencyMS != 40 || *b.Uptime24h != 100 {
		t.Errorf("api-b: got %+v", b)
	}

	for _, tt := range []struct{ name, query, want string }{
		{"state", "state=down", "api-a"},
		{"component", "component=web", "web-1"},
		{"text in the message", "q=503", "api-a"},
		{"text in the target", "q=9%2Fb", "api-b"},
		{"latency, slowest first", "sort=latency&order=desc", "api-b,web-1,api-a"},
		{"uptime, lowest first", "sort=uptime_24h", "api-a,api-b,web-1"},
		{"state, worst first", "sort=state", "api-a,api-b,web-1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var l monitorList
			e.call("GET", "/api/v1/monitors?"+tt.query, testViewerToken, "", http.StatusOK, &l)
			if got := ids(l.Monitors); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	e.call("GET", "/api/v1/monitors?state=sideways", testViewerToken, "", http.StatusBadRequest, nil)
	e.call("GET", "/api/v1/monitors?sort=colour", testViewerToken, "", http.StatusBadRequest, nil)

	var d struct {
		monitors.Row
		Range     string                `json:"range"`
		Series    []monitors.Series     `json:"series"`
		Failures  []monitors.Check      `json:"failures"`
		Incidents []struct{ ID string } `json:"incidents"`
	}
	e.call("GET", "/api/v1/monitors/api-a?range=1h", testViewerToken, "", http.StatusOK, &d)
	if d.Range != "1h" || len(d.Series) != 1 || len(d.Series[0].Points) != 3 {
		t.Fatalf("api-a over 1h: got %+v, want one location with the three results", d.Series)
	}
	if d.P50MS == nil || *d.P50MS != 100 || *d.P95MS != 200 {
		t.Errorf("api-a's exact p50, p95: got %v, %v, want 100, 200", d.P50MS, d.P95MS)
	}
	if len(d.Failures) != 1 || d.Failures[0].Message != "status 503, want 200" {
		t.Errorf("failures: got %+v", d.Failures)
	}
	if len(d.Incidents) != 1 || !strings.HasPrefix(d.Incidents[0].ID, "auto-st:api-a:") {
		t.Errorf("incidents opened: got %+v, want the automatic one", d.Incidents)
	}
	e.call("GET", "/api/v1/monitors/api-a?range=24h", testViewerToken, "", http.StatusOK, &d)
	if len(d.Series) != 1 || len(d.Series[0].Points) != 1 || d.Series[0].Points[0].Down != 1 || d.Series[0].Points[0].Up != 2 {
		t.Errorf("api-a over 24h: got %+v, want one 5-minute step of 2 up, 1 down", d.Series)
	}
	e.call("GET", "/api/v1/monitors/api-b", testViewerToken, "", http.StatusOK, &d)
	if len(d.Incidents) != 0 || len(d.Failures) != 0 {
		t.Errorf("api-b opened %+v and failed %+v, want nothing", d.Incidents, d.Failures)
	}
	e.call("GET", "/api/v1/monitors/nothere", testViewerToken, "", http.StatusNotFound, nil)
	e.call("GET", "/api/v1/monitors/api-a?range=2d", testViewerToken, "", http.StatusBadRequest, nil)
}

// Monitors are staff's: no credential is 401, a customer's or an
// ingesting system's token 403.
func TestMonitorsAPIDenials(t *testing.T) {
	e := newMonitorsEnv(t, monitorsTestConfig, mustTime(t, "2026-10-14T09:00:00Z"))
	for _, path := range []string{"/api/v1/monitors", "/api/v1/monitors/api-a"} {
		e.call("GET", path, "", "", http.StatusUnauthorized, nil)
		e.call("GET", path, testCustomerToken, "", http.StatusForbidden, nil)
		e.call("GET", path, testIngestToken, "", http.StatusForbidden, nil)
		e.call("GET", path, testOpsToken, "", http.StatusOK, nil)
	}
	b := e.browser()
	if p := b.get("/admin/monitors"); p.code != http.StatusSeeOther || !strings.Contains(p.location, "/admin/signin") {
		t.Errorf("/admin/monitors signed out: got %d to %q, want the sign-in page", p.code, p.location)
	}
}

// The list page filters and sorts without JavaScript: plain links and a
// GET form.
func TestMonitorsPage(t *testing.T) {
	t0 := mustTime(t, "2026-10-14T09:00:00Z")
	e := newMonitorsEnv(t, monitorsTestConfig, t0)
	monitorsScenario(t, e, t0)
	b := e.browser()
	if p := b.post("/admin/signin", url.Values{"name": {"alice"}, "password": {testAlicePassword}}); p.code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.code)
	}
	p := b.get("/admin/monitors?state=down")
	if p.code != http.StatusOK || !strings.Contains(p.body, `data-monitor="api-a"`) || strings.Contains(p.body, `data-monitor="api-b"`) ||
		!strings.Contains(p.body, "status 503, want 200") {
		t.Errorf("down monitors: got %d\n%s", p.code, p.body)
	}
	p = b.get("/admin/monitors/api-a?range=1h")
	if p.code != http.StatusOK || strings.Count(p.body, `<circle class="pt"`) != 3 || !strings.Contains(p.body, "API outage") {
		t.Errorf("api-a's page: got %d\n%s", p.code, p.body)
	}
	if p := b.get("/admin/monitors/nothere"); p.code != http.StatusNotFound {
		t.Errorf("unknown monitor: got %d", p.code)
	}
}

// A confirmed outage no incident covers is on the dashboard with a link
// that opens an incident prefilled; one an open incident covers is not.
func TestDashboardOutagesWithoutIncident(t *testing.T) {
	t0 := mustTime(t, "2026-10-14T09:00:00Z")
	e := newMonitorsEnv(t, monitorsTestConfig, t0)
	monitorsScenario(t, e, t0) // api-a down: API's incident opened by itself
	down := t0.Add(2 * time.Minute)
	e.ingest(t, monitor.Result{MonitorID: "web-1", At: down, State: monitor.Down, Message: "connection refused"})
	b := e.browser()
	if p := b.post("/admin/signin", url.Values{"name": {"alice"}, "password": {testAlicePassword}}); p.code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.code)
	}
	p := b.get("/admin")
	if !strings.Contains(p.body, `data-outage="web-1"`) || strings.Contains(p.body, `data-outage="api-a"`) || !strings.Contains(p.body, "connection refused") {
		t.Fatalf("dashboard: want web-1's outage only\n%s", p.body)
	}
	link := regexp.MustCompile(`href="(/admin/incidents/new\?[^"]+)"`).FindStringSubmatch(p.body)
	if link == nil {
		t.Fatalf("no link to open an incident:\n%s", p.body)
	}
	form := b.get(html.UnescapeString(link[1]))
	for _, want := range []string{`value="Website outage"`, `<option value="major_outage" selected>`, "monitor web-1 confirmed it from 2026-10-14T09:02:00Z"} {
		if !strings.Contains(form.body, want) {
			t.Errorf("prefilled form lacks %q:\n%s", want, form.body)
		}
	}
}
