package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/agentwire"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store/pgtest"
)

// serveFixture is a configuration, a policy and a target for serve tests.
type serveFixture struct {
	dir, cfg, policy, db string
	env                  map[string]string
	target               *httptest.Server
}

const (
	viewerToken   = "viewer-token-0123456789"
	operatorToken = "operator-token-0123456789"
	heartbeatTok  = "heartbeat-token-0123456789"
)

func agentToken(loc string) string { return "agent-token-" + loc + "-0123456789" }

func newServeFixture(tb testing.TB) *serveFixture {
	tb.Helper()
	f := &serveFixture{dir: tb.TempDir(), env: map[string]string{
		"VIEWER": viewerToken, "OPERATOR": operatorToken, "HB": heartbeatTok,
		"AGENT_EU": agentToken("eu"), "AGENT_US": agentToken("us"), "AGENT_AP": agentToken("ap"),
	}}
	f.target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status":"ok"}`) }))
	tb.Cleanup(f.target.Close)
	f.policy = filepath.Join(f.dir, "policy.yaml")
	f.cfg = filepath.Join(f.dir, "slakeeper.yaml")
	f.db = filepath.Join(f.dir, "evidence.db")
	write(tb, f.policy, `policy: shop
components:
  - {id: web}
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: pro
        objective: 99.9
        components: [web]
        credits:
          tiers: [{below: "99.9", credit: 10}]
`)
	write(tb, f.cfg, fmt.Sprintf(`components:
  - {id: web, name: Web shop}
monitors:
  - id: web-local
    component: web
    type: http
    target: %s/health
    interval: 1s
  - id: web-global
    component: web
    type: http
    target: %s/health
    interval: 2s
    locations: [eu, us, ap]
    quorum: 2
    fail_after: 1
    recover_after: 1
  - id: nightly
    component: web
    type: heartbeat
    interval: 24h
    heartbeat: {grace: 1h, token_env: HB}
policies: [policy.yaml]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-acme, customer: acme, policy: shop, plan: pro, fee: "1000.00", currency: EUR, start: "2026-01-01T00:00:00Z"}
agents:
  - {location: eu, token_env: AGENT_EU}
  - {location: us, token_env: AGENT_US}
  - {location: ap, token_env: AGENT_AP}
tokens:
  - {name: finance, role: viewer, token_env: VIEWER}
`, f.target.URL, f.target.URL))
	return f
}

func write(tb testing.TB, path, s string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs "slakeeper serve" in-process and waits for /readyz.
func startServe(tb testing.TB, f *serveFixture) (base string, stop func()) {
	tb.Helper()
	addr := freeAddr(tb)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--config", f.cfg, "--database", f.db}, func(k string) string { return f.env[k] }, strings.NewReader(""), io.Discard, &logs)
	}()
	base = "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			tb.Fatalf("serve exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			tb.Fatalf("server not ready in 20 s\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return base, func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("serve: %v\n%s", err, logs.String())
		}
	}
}

func call(tb testing.TB, method, url, token string, body any) (int, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if strings.Contains(url, "/api/v1/agent/") {
		req.Header.Set(agentwire.Header, strconv.Itoa(agentwire.Version))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// agentOutage posts, from two of three locations, web-global down from
// 10:00 to 10:30 on 2026-11-02, so that the quorum (2 of 3) declares an
// outage of 30 minutes; the third location stays up.
func agentOutage(tb testing.TB, base string, t0 time.Time) {
	tb.Helper()
	// Agents stream in real time, so results arrive interleaved by time.
	for i, off := range []time.Duration{0, time.Minute, 30 * time.Minute} {
		for _, loc := range []string{"eu", "us", "ap"} {
			st := monitor.Down
			if loc == "ap" || off == 30*time.Minute {
				st = monitor.Up
			}
			rs := []monitor.Result{{MonitorID: "web-global", At: t0.Add(off), State: st, Seq: uint64(i + 1), Duration: 50 * time.Millisecond}}
			code, body := call(tb, "POST", base+"/api/v1/agent/results", agentToken(loc), wireResults(rs))
			if want := fmt.Sprintf(`"acked_seq": %d`, i+1); code != 200 || !strings.Contains(string(body), want) {
				tb.Fatalf("agent %s: got %d %s, want 200 with %s", loc, code, body, want)
			}
		}
	}
}

func TestServeReportsEqualExportThenEvaluate(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testReportsEqual(t, newServeFixture(t)) })
	t.Run("postgres", func(t *testing.T) {
		f := newServeFixture(t)
		f.db = pgtest.DSN(t)
		testReportsEqual(t, f)
	})
}

func testReportsEqual(t *testing.T, f *serveFixture) {
	base, stop := startServe(t, f)
	agentOutage(t, base, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	const asOf = "2026-12-15T00:00:00Z"
	code, body := call(t, "GET", base+"/api/v1/reports?period=2026-11&as_of="+asOf, viewerToken, nil)
	if code != 200 {
		t.Fatalf("reports: got %d %s", code, body)
	}
	stop()
	var api struct{ Reports []*sla.Report }
	if err := json.Unmarshal(body, &api); err != nil || len(api.Reports) != 1 {
		t.Fatalf("reports body: %v %s", err, body)
	}
	// November 2026 UTC: D = 43,200 min; the quorum outage 10:00–10:30 on
	// the 2nd: N = 30. (43,200 − 30) / 43,200 = 99.9305 % ≥ 99.9: met.
	sr := api.Reports[0].Subscriptions[0]
	if sr.LiableMinutes != 30 || sr.UptimeExact != big.NewRat(43170*100, 43200).RatString() {
		t.Errorf("api: got liable %v uptime %s, want 30 and %s", sr.LiableMinutes, sr.UptimeExact, big.NewRat(43170*100, 43200).RatString())
	}

	exportFile := filepath.Join(f.dir, "2026-11.jsonl")
	if code, _, stderr := cliRunEnv(t, f.env, "export", "--period", "2026-11", "--config", f.cfg, "--database", f.db, "--out", exportFile); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	exported, err := os.ReadFile(exportFile)
	if err != nil {
		t.Fatal(err)
	}
	// The status fact cites the check results that established it.
	if !strings.Contains(string(exported), `"source":"monitor:web-global","evidence":[{"monitor":"web-global","location":"eu"`) {
		t.Errorf("export: no status fact with its evidence:\n%s", exported)
	}
	code, out, stderr := cliRunEnv(t, f.env, "evaluate", "--policy", f.policy, "--facts", exportFile, "--period", "2026-11", "--as-of", asOf, "-o", "json")
	if code != 0 {
		t.Fatalf("evaluate: exit %d: %s", code, stderr)
	}
	var offline sla.Report
	if err := json.Unmarshal([]byte(out), &offline); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(api.Reports[0], &offline); diff != "" {
		t.Errorf("server report and evaluate on the export differ (-api +offline):\n%s", diff)
	}
}

func TestServeDenials(t *testing.T) {
	f := newServeFixture(t)
	base, stop := startServe(t, f)
	defer stop()
	tests := []struct {
		name, method, path, token string
		want                      int
	}{
		{"reports without token", "GET", "/api/v1/reports?period=2026-11", "", 401},
		{"reports with a wrong token", "GET", "/api/v1/reports?period=2026-11", "nope-nope-nope-nope", 401},
		{"reports with an agent token", "GET", "/api/v1/reports?period=2026-11", agentToken("eu"), 401},
		{"reports with a viewer token", "GET", "/api/v1/reports?period=2026-11", viewerToken, 200},
		{"reports without period", "GET", "/api/v1/reports", viewerToken, 400},
		{"export without token", "GET", "/api/v1/export?period=2026-11", "", 401},
		{"agent results without token", "POST", "/api/v1/agent/results", "", 401},
		{"agent results with a viewer token", "POST", "/api/v1/agent/results", viewerToken, 401},
		{"agent monitors with an agent token", "GET", "/api/v1/agent/monitors", agentToken("us"), 200},
		{"heartbeat with a wrong token", "POST", "/api/v1/heartbeat/nightly", "wrong-token-0123456789", 401},
		{"heartbeat of an unknown monitor", "POST", "/api/v1/heartbeat/none", heartbeatTok, 401},
		{"heartbeat of a non-heartbeat monitor", "POST", "/api/v1/heartbeat/web-local", heartbeatTok, 401},
		{"heartbeat with its token", "POST", "/api/v1/heartbeat/nightly", heartbeatTok, 200},
		{"demo endpoints are off outside the demo", "GET", "/demo/ok", "", 404},
		{"health is public", "GET", "/healthz", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := call(t, tt.method, base+tt.path, tt.token, nil); code != tt.want {
				t.Errorf("got %d %s, want %d", code, body, tt.want)
			}
		})
	}
	// An agent cannot report for a monitor of another location, nor for
	// another location: the token decides.
	// Its result is kept (an agent must never wedge on a moved monitor)
	// but does not count.
	code, _ := call(t, "POST", base+"/api/v1/agent/results", agentToken("eu"), wireResults([]monitor.Result{{MonitorID: "web-local", At: time.Now(), State: monitor.Down, Seq: 1}}))
	if code != 200 {
		t.Errorf("agent result for a local monitor: got %d, want 200", code)
	}
	// An agent of protocol 1 (no version header, Go field names) is told
	// to upgrade, and nothing it sent is read.
	req, _ := http.NewRequest("POST", base+"/api/v1/agent/results", strings.NewReader(`{"results": [{"MonitorID": "web-global", "At": "2026-11-24T07:30:00Z", "State": "up", "Seq": 1}]}`))
	req.Header.Set("Authorization", "Bearer "+agentToken("eu"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired || !strings.Contains(string(body), "upgrade the agent") || resp.Header.Get(agentwire.Header) != "2" {
		t.Errorf("an agent of protocol 1: got %d %s, want 426 saying to upgrade the agent", resp.StatusCode, body)
	}
}

// wireResults is the body of POST /api/v1/agent/results for rs.
func wireResults(rs []monitor.Result) agentwire.Results {
	var out agentwire.Results
	for _, r := range rs {
		out.Results = append(out.Results, agentwire.FromResult(r))
	}
	return out
}

func TestServeMetricsAndReload(t *testing.T) {
	f := newServeFixture(t)
	base, stop := startServe(t, f)
	defer stop()
	// Wait for a local check to have run.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := call(t, "GET", base+"/metrics", "", nil)
		if strings.Contains(string(body), `slakeeper_check_results_total{component="web",location="local",monitor="web-local",state="up"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no local check result in metrics:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A bad file is refused and the old configuration keeps running.
	good, _ := os.ReadFile(f.cfg)
	write(t, f.cfg, strings.Replace(string(good), "interval: 1s", "interval: soon", 1))
	waitMetric(t, base, "slakeeper_config_reload_errors_total 1")
	if code, _ := call(t, "GET", base+"/api/v1/reports?period=2026-11", viewerToken, nil); code != 200 {
		t.Errorf("after a refused reload: reports got %d, want 200", code)
	}
	// A good change is applied.
	write(t, f.cfg, strings.Replace(string(good), "id: web-local", "id: web-local2", 1))
	waitMetric(t, base, "slakeeper_config_reloads_total 1")
}

func waitMetric(tb testing.TB, base, line string) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, body := call(tb, "GET", base+"/metrics", "", nil)
		if strings.Contains(string(body), line) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("metric %q not seen", line)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func cliRunEnv(tb testing.TB, env map[string]string, args ...string) (int, string, string) {
	tb.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	if err != nil && exitCode(err) != 0 {
		errb.WriteString(err.Error())
	}
	return exitCode(err), out.String(), errb.String()
}

// TestAgentsReportToServer runs the server and three real agents
// in-process: each agent fetches its monitors, checks the target, and
// delivers its results, which the server stores under its location.
func TestAgentsReportToServer(t *testing.T) {
	f := newServeFixture(t)
	base, stop := startServe(t, f)
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 3)
	for _, loc := range []string{"eu", "us", "ap"} {
		go func() {
			env := map[string]string{"SLAKEEPER_AGENT_TOKEN": agentToken(loc)}
			done <- run(ctx, []string{"agent", "--server", base, "--location", loc, "--buffer", filepath.Join(f.dir, "buf-"+loc)},
				func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, loc := range []string{"eu", "us", "ap"} {
		for {
			_, body := call(t, "GET", base+"/api/v1/agent/ack", agentToken(loc), nil)
			var ack struct {
				Acked uint64 `json:"acked_seq"`
			}
			if json.Unmarshal(body, &ack) == nil && ack.Acked >= 2 {
				break
			}
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("agent %s delivered nothing in 30 s: %s", loc, body)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	cancel()
	for range 3 {
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}
}

// TestServeRestartsAfterStatusChange restarts the server after a confirmed
// outage in the recent past: the detector is rebuilt from stored results,
// the start succeeds, and no status fact is written twice.
func TestServeRestartsAfterStatusChange(t *testing.T) {
	f := newServeFixture(t)
	base, stop := startServe(t, f)
	agentOutage(t, base, time.Now().Add(-40*time.Minute).Truncate(time.Second).Add(123456789*time.Nanosecond))
	stop()
	export := func() string {
		_, out, stderr := cliRunEnv(t, f.env, "export", "--period", time.Now().UTC().Format("2006-01"), "--config", f.cfg, "--database", f.db)
		if stderr != "" {
			t.Fatalf("export: %s", stderr)
		}
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, `"type":"status"`) {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	before := export()
	if strings.Count(before, "\n") != 1 {
		t.Fatalf("want two status facts (down, up), got:\n%s", before)
	}
	_, stop = startServe(t, f)
	stop()
	if after := export(); after != before {
		t.Errorf("status facts changed over a restart:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
