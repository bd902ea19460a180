package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// testBackupToken is the heartbeat token of the backup and restore-test
// jobs.
const testBackupToken = "backup-job-token-of-enough-length"

const recoveryPolicy = `policy: acme
components:
  - id: api
  - id: db
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: standard
        objective: 99.9
        period: month
        timezone: UTC
        components: [api, db]
        recovery: {rto: 2h, rpo: 4h, backup_every: 24h, restore_tests: 1}
`

// recoveryConfig has a backup job and a restore-test job as heartbeat
// monitors of the db component.
const recoveryConfig = incidentTestConfig + `monitors:
  - id: nightly-backup
    component: db
    type: heartbeat
    interval: 24h
    heartbeat: {grace: 1h, token_env: BACKUP_TOKEN, records: backup}
  - id: restore-drill
    component: db
    type: heartbeat
    interval: 720h
    heartbeat: {grace: 24h, token_env: BACKUP_TOKEN, records: restore_test}
`

func newRecoveryEnv(t *testing.T) *incidentEnv {
	t.Helper()
	return newIncidentEnvWith(t, strings.Replace(recoveryConfig, "components:\n  - {id: api}\n  - {id: web}", "components:\n  - {id: api}\n  - {id: db}", 1), recoveryPolicy)
}

// fullReport is the one policy's report of period as of asOf, from the
// API.
func (e *incidentEnv) fullReport(period string, asOf time.Time) *sla.Report {
	e.t.Helper()
	var out struct{ Reports []*sla.Report }
	e.call("GET", "/api/v1/reports?period="+period+"&as_of="+asOf.Format(time.RFC3339), testViewerToken, "", http.StatusOK, &out)
	if len(out.Reports) != 1 {
		e.t.Fatalf("got %d reports, want 1", len(out.Reports))
	}
	return out.Reports[0]
}

func (e *incidentEnv) beat(monitor, state string) string {
	e.t.Helper()
	var out struct{ Status, Fact string }
	path := "/api/v1/heartbeat/" + monitor
	if state != "" {
		path += "?state=" + state
	}
	e.call("POST", path, testBackupToken, "", http.StatusOK, &out)
	return out.Fact
}

// The calls of a job declared a backup or restore-test job are evidence
// of the recovery objectives: daily backups and a monthly restore test
// are measured live, and a disaster's data loss runs from the last
// successful one.
func TestHeartbeatsRecordBackups(t *testing.T) {
	e := newRecoveryEnv(t)
	e.clock.set(mustTime(t, "2026-11-01T02:00:00Z"))
	for day := range 30 {
		e.clock.set(mustTime(t, "2026-11-01T02:00:00Z").Add(time.Duration(day) * 24 * time.Hour))
		if day == 10 {
			// The job ran and failed: a backup fact, not ok; the gap
			// grows to two days.
			if id := e.beat("nightly-backup", "fail"); id == "" {
				t.Fatal("a failed run recorded no fact")
			}
			continue
		}
		if id := e.beat("nightly-backup", ""); !strings.HasPrefix(id, "backup:nightly-backup:") {
			t.Fatalf("day %d: fact %q, want a backup fact", day, id)
		}
	}
	e.clock.set(mustTime(t, "2026-11-20T09:00:00Z"))
	e.beat("restore-drill", "")
	rep := e.fullReport("2026-11", mustTime(t, "2026-12-01T00:00:00Z"))
	if len(rep.Recovery) != 1 {
		t.Fatalf("recovery: got %+v, want one plan's", rep.Recovery)
	}
	rec := rep.Recovery[0]
	// Backups at 02:00 every day but 11 November: the longest gap is
	// 10 → 12 November, 48 hours = 2,880 minutes.
	if rec.LongestGapMinutes != 2880 || rec.BackupsMet {
		t.Errorf("backups: longest gap %v min, met %v; want 2880, not met", rec.LongestGapMinutes, rec.BackupsMet)
	}
	if rec.RestoreTests != 1 || !rec.RestoreTestsMet {
		t.Errorf("restore tests: %d, met %v; want 1, met", rec.RestoreTests, rec.RestoreTestsMet)
	}
}

// Disasters are declared and closed from the API and the operator pages,
// with RTO and RPO against every covering plan.
func TestDisasters(t *testing.T) {
	e := newRecoveryEnv(t)
	e.clock.set(mustTime(t, "2026-11-03T01:00:00Z"))
	e.beat("nightly-backup", "")

	// Denials first: nothing is declared without an operator.
	body := `{"title": "Primary database lost", "component": "db"}`
	e.call("POST", "/api/v1/disasters", "", body, http.StatusUnauthorized, nil)
	e.call("POST", "/api/v1/disasters", testViewerToken, body, http.StatusForbidden, nil)
	e.call("POST", "/api/v1/disasters", testOpsToken, `{"title": "x", "component": "nope"}`, http.StatusBadRequest, nil)
	e.call("POST", "/api/v1/disasters", testOpsToken, `{"component": "db"}`, http.StatusBadRequest, nil)
	e.call("POST", "/api/v1/disasters", testOpsToken, `{"title": "x", "at": "2026-11-04T00:00:00Z"}`, http.StatusBadRequest, nil)
	e.call("GET", "/api/v1/disasters", "", "", http.StatusUnauthorized, nil)

	e.clock.set(mustTime(t, "2026-11-03T06:00:00Z"))
	var d incidents.Disaster
	e.call("POST", "/api/v1/disasters", testOpsToken, body, http.StatusCreated, &d)
	// Declared 5 hours after the backup: past the 4-hour RPO; the RTO
	// clock runs.
	if d.DataLossMinutes == nil || *d.DataLossMinutes != 300 || len(d.Objectives) != 1 ||
		d.Objectives[0].RPO != incidents.ObjectiveBreached || d.Objectives[0].RTO != incidents.ObjectiveRunning {
		t.Fatalf("declared: got %+v", d)
	}
	e.clock.set(mustTime(t, "2026-11-03T07:30:00Z"))
	e.call("POST", "/api/v1/disasters/"+d.ID+"/restored", testViewerToken, "", http.StatusForbidden, nil)
	e.call("POST", "/api/v1/disasters/nope/restored", testOpsToken, "", http.StatusNotFound, nil)
	e.call("POST", "/api/v1/disasters/"+d.ID+"/restored", testOpsToken, `{"at": "2026-11-03T05:00:00Z"}`, http.StatusBadRequest, nil)
	e.call("POST", "/api/v1/disasters/"+d.ID+"/restored", testOpsToken, "", http.StatusCreated, &d)
	if d.Restored == nil || d.RecoveryMinutes != 90 || d.Objectives[0].RTO != incidents.ObjectiveMet {
		t.Fatalf("restored: got %+v, want 90 minutes, RTO met", d)
	}
	e.call("POST", "/api/v1/disasters/"+d.ID+"/restored", testOpsToken, "", http.StatusConflict, nil)
	var list struct{ Disasters []incidents.Disaster }
	e.call("GET", "/api/v1/disasters", testViewerToken, "", http.StatusOK, &list)
	if len(list.Disasters) != 1 || list.Disasters[0].ID != d.ID {
		t.Errorf("list: got %+v", list.Disasters)
	}
	// The report's recovery shows the same.
	rep := e.fullReport("2026-11", mustTime(t, "2026-12-01T00:00:00Z"))
	if ds := rep.Recovery[0].Disasters; len(ds) != 1 || !ds[0].RTOMet || ds[0].RPOMet {
		t.Errorf("report: got %+v, want RTO met, RPO missed", ds)
	}

	// The operator pages: declare (a bad time shown at its field), see
	// the running clock, mark restored.
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	p := b.post("/admin/disasters", url.Values{"title": {"Region lost"}, "at": {"tomorrow"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, "Time") {
		t.Fatalf("bad form: got %d %s", p.code, p.body)
	}
	p = b.post("/admin/disasters", url.Values{"title": {"Region lost"}, "component": {""}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("declare form: got %d %s", p.code, p.body)
	}
	p = b.get(p.location)
	checkLabels(t, p.body)
	if !strings.Contains(p.body, "Region lost") || !strings.Contains(p.body, "Not restored") || !strings.Contains(p.body, "The disaster is declared") {
		t.Fatalf("disasters page: %s", p.body)
	}
	e.call("GET", "/api/v1/disasters", testViewerToken, "", http.StatusOK, &list)
	var region string
	for _, x := range list.Disasters {
		if x.Title == "Region lost" {
			region = x.ID
		}
	}
	e.clock.set(mustTime(t, "2026-11-03T10:00:00Z"))
	if p = b.post("/admin/disasters/"+region+"/restored", url.Values{}); p.code != http.StatusSeeOther {
		t.Fatalf("restored form: got %d %s", p.code, p.body)
	}
	p = b.get("/admin/disasters")
	if strings.Contains(p.body, "Not restored") || !strings.Contains(p.body, "Breached") {
		t.Errorf("after restoring: %s", p.body)
	}
	if fs, err := e.st.FactsByID(context.Background(), []string{region, region + ":restored"}); err != nil || len(fs) != 2 {
		t.Errorf("stored facts: %v %v", fs, err)
	}
}

// The operators' reports page: each subscription's figures, and behind
// them the intervals and the facts that established them.
func TestReportsPage(t *testing.T) {
	e := newIncidentEnv(t)
	e.statusFact("api", "monitor:api-http", "major_outage", mustTime(t, "2026-10-05T10:00:00Z"))
	e.statusFact("api", "monitor:api-http", "operational", mustTime(t, "2026-10-05T11:00:00Z"))
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	p := b.get("/admin/reports?period=2026-10")
	if p.code != http.StatusOK {
		t.Fatalf("reports page: got %d %s", p.code, p.body)
	}
	checkLabels(t, p.body)
	// As of 14 October 09:00 the month so far is 13 days 9 hours, 19,260
	// minutes; 60 of them down: (19,260 − 60) ÷ 19,260 = 99.688 %, under
	// the 99.9 % objective.
	for _, want := range []string{"Policy acme", "acme / sub-acme", "(to date)", "99.688 %", "Missed", "60 min", "of 19260", "<details>", "Intervals behind the figures",
		`href="/admin/reports?period=2026-09"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("reports page lacks %q", want)
		}
	}
	if strings.Contains(p.body, `href="/admin/reports?period=2026-11"`) {
		t.Error("a link to November, which has not begun")
	}
	// The facts behind the downtime are named.
	if !strings.Contains(p.body, "st:api") && !strings.Contains(p.body, "api-http") {
		t.Errorf("reports page names no fact behind the downtime")
	}
	if p = b.get("/admin/reports?period=2026-13"); p.code != http.StatusBadRequest || !strings.Contains(p.body, "Want a month") {
		t.Errorf("bad period: got %d", p.code)
	}
	// The current month by default.
	if p = b.get("/admin/reports"); p.code != http.StatusOK || !strings.Contains(p.body, `value="2026-10"`) {
		t.Errorf("default period: got %d", p.code)
	}
}

// Reports say how much of a period the monitoring covered: the server's
// check results become runs of coverage, and a month without any is no
// data, not 100 % met.
func TestReportCoverage(t *testing.T) {
	e := newIncidentEnvWith(t, incidentTestConfig+`monitors:
  - {id: web-tcp, component: web, type: tcp, target: "127.0.0.1:9", interval: 60s}
  - {id: api-tcp, component: api, type: tcp, target: "127.0.0.1:9", interval: 60s}
`, incidentTestPolicy)
	// Two hours of checks on 10 October, every minute, on both: each
	// result covers its minute and a minute of slack, so the run is
	// 00:00 to 02:01 (the last result at 01:59 + 2 min): 121 minutes.
	var rs []monitor.Result
	start := mustTime(t, "2026-10-10T00:00:00Z")
	for at := start; at.Before(start.Add(2 * time.Hour)); at = at.Add(time.Minute) {
		for _, m := range []string{"web-tcp", "api-tcp"} {
			rs = append(rs, monitor.Result{MonitorID: m, Location: "local", At: at, State: monitor.Up, Duration: time.Millisecond})
		}
	}
	// A late result, from before the run (an agent's buffer): a run of
	// its own, 09:00 to 09:02 on the 9th.
	rs = append(rs, monitor.Result{MonitorID: "web-tcp", Location: "local", At: mustTime(t, "2026-10-09T09:00:00Z"), State: monitor.Down, Duration: time.Millisecond})
	if err := e.server.Ingest(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	rep := e.fullReport("2026-10", mustTime(t, "2026-10-14T09:00:00Z"))
	sr := rep.Subscriptions[0]
	got := map[string]float64{}
	for _, c := range sr.Coverage {
		got[c.Component] = c.Minutes
	}
	if got["web"] != 123 || got["api"] != 121 || sr.NoData || !sr.Met {
		t.Errorf("October: coverage %v, no data %v, met %v; want web 123, api 121 minutes, data, met", got, sr.NoData, sr.Met)
	}
	// September: monitored components, no result at all.
	rep = e.fullReport("2026-09", mustTime(t, "2026-10-14T09:00:00Z"))
	if sr := rep.Subscriptions[0]; !sr.NoData || sr.Met || sr.Uptime != 100 {
		t.Errorf("September: no data %v, met %v, uptime %v; want no data, not met (uptime 100 as computed)", sr.NoData, sr.Met, sr.Uptime)
	}
	// The export carries the same coverage.
	from, end, err := reports.EvidenceRange("2026-10")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := reports.Evidence(context.Background(), e.cfg, e.st, from, end)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(ev), `"type":"coverage"`); n != 3 {
		t.Errorf("export: %d coverage facts, want 3 (web twice, api once):\n%s", n, ev)
	}
}

// The server's own checks measure the performance objectives: latency per
// location, summarised hourly, judged per location by the policy's rule.
func TestChecksFeedPerformanceObjectives(t *testing.T) {
	policy := incidentTestPolicy + `        performance:
          - {id: latency, metric: latency_ms, aggregate: mean, below: "50", locations: most, credit: 5, components: [api]}
`
	e := newIncidentEnvWith(t, incidentTestConfig+`monitors:
  - {id: api-http, component: api, type: http, target: "http://127.0.0.1:9/", interval: 60s}
`, policy)
	// One hour on 10 October: local answers in 30 ms, eu half in 40 and
	// half in 80 (mean 60), us in 45; eu's batch is delivered twice (an
	// agent that lost the acknowledgement) and counts once; a failed
	// check measured no latency.
	var local, eu, us []monitor.Result
	start := mustTime(t, "2026-10-10T09:00:00Z")
	for i := range 60 {
		at := start.Add(time.Duration(i) * time.Minute)
		lat := 40 * time.Millisecond
		if i%2 == 1 {
			lat = 80 * time.Millisecond
		}
		local = append(local, monitor.Result{MonitorID: "api-http", Location: "local", At: at, State: monitor.Up, Latency: 30 * time.Millisecond})
		eu = append(eu, monitor.Result{MonitorID: "api-http", Location: "eu", At: at, State: monitor.Up, Latency: lat, Seq: uint64(i + 1)})
		us = append(us, monitor.Result{MonitorID: "api-http", Location: "us", At: at, State: monitor.Up, Latency: 45 * time.Millisecond, Seq: uint64(i + 1)})
	}
	local = append(local, monitor.Result{MonitorID: "api-http", Location: "local", At: start.Add(time.Hour), State: monitor.Down, Latency: 9 * time.Second})
	ctx := context.Background()
	for _, rs := range [][]monitor.Result{local, eu, us, eu} {
		if err := e.server.Ingest(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	rep := e.fullReport("2026-10", mustTime(t, "2026-10-14T09:00:00Z"))
	perf := rep.Subscriptions[0].Performance
	if len(perf) != 1 {
		t.Fatalf("performance: got %+v", perf)
	}
	p := perf[0]
	// 180 measurements; mean (30·60 + 60·60 + 45·60) ÷ 180 = 45. Per
	// location: eu 60 misses, local 30 and us 45 meet: 2 of 3, most.
	if p.Samples != 180 || p.Value == nil || *p.Value != 45 || !p.Met || p.NoData || p.Rule != "most" || len(p.Locations) != 3 {
		t.Fatalf("latency: got %+v (value %v)", p, p.Value)
	}
	for _, l := range p.Locations {
		want := map[string]float64{"eu": 60, "local": 30, "us": 45}[l.Location]
		if l.Value != want || l.Samples != 60 || l.Met != (want < 50) {
			t.Errorf("location %s: got %+v, want mean %v over 60", l.Location, l, want)
		}
	}
	// September: no sample, no data, no credit.
	rep = e.fullReport("2026-09", mustTime(t, "2026-10-14T09:00:00Z"))
	if p := rep.Subscriptions[0].Performance[0]; !p.NoData || p.Met || p.Credit != 0 {
		t.Errorf("September: got %+v, want no data, not met, no credit", p)
	}
	// The export carries the hourly summaries: one per location.
	from, end, err := reports.EvidenceRange("2026-10")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := reports.Evidence(ctx, e.cfg, e.st, from, end)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(ev), `"type":"sample"`); n != 3 {
		t.Errorf("export: %d sample facts, want 3:\n%s", n, ev)
	}
}
