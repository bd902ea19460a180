package server

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/operatorui"
)

// An agent that stops reporting while the others report is alerted once
// (agent.silent), shown to the operators, and alerted again when it is
// back (agent.back); judging again alerts nothing new.
func TestAgentSilentIsAlertedAndShown(t *testing.T) {
	hook := newHookReceiver(t, 0)
	secret := "whsec_" + "c2lsZW50LWFnZW50LXRlc3Qtc2VjcmV0LTAxMjM0NQ=="
	hook.setSecret(secret)
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), `agents:
  - {location: eu, token_env: AGENT_TOKEN}
  - {location: us, token_env: AGENT_TOKEN}
monitors:
  - {id: edge, component: api, type: http, target: "http://127.0.0.1:9/", interval: 30s, locations: [eu, us]}
alerts:
  - {name: ops-hook, kind: webhook, url: "`+hook.srv.URL+`/ops", secret_env: HOOK_SECRET, events: [agent.silent, agent.back]}
`, map[string]string{"HOOK_SECRET": secret, "AGENT_TOKEN": "agent-token-of-enough-length"})
	ctx := context.Background()
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	send := func(loc string, from, to int) {
		t.Helper()
		var rs []monitor.Result
		for i := from; i <= to; i++ {
			rs = append(rs, monitor.Result{MonitorID: "edge", Location: loc, At: t0.Add(time.Duration(i) * 30 * time.Second), State: monitor.Up, Seq: uint64(i + 1)})
		}
		if err := e.s.Ingest(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	// eu's last result at 0, us's at 2 min: 120 s is not over 3 × 30 s.
	send("eu", 0, 0)
	send("us", 0, 3)
	if err := e.s.checkAgents(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.s.Silent(); len(got) != 0 {
		t.Fatalf("silent after 90 s: %v", got)
	}
	// us at 2.5 min: eu lags 150 s > 90 s.
	send("us", 4, 5)
	for range 2 {
		if err := e.s.checkAgents(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.s.Silent(); len(got) != 1 || got[0].Location != "eu" || !got[0].Since.Equal(t0) {
		t.Fatalf("silent: %+v, want eu since its last result", got)
	}
	ns := e.s.Notices()
	if len(ns) != 1 || ns[0].Kind != "agent_silent" || !strings.Contains(ns[0].Title, "Agent eu is silent") {
		t.Errorf("notices: %+v", ns)
	}
	// eu is back.
	send("eu", 6, 6)
	if err := e.s.checkAgents(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both alerts", func() bool { return len(hook.received()) >= 2 })
	time.Sleep(200 * time.Millisecond) // a duplicate would have come by now
	var got []string
	for _, c := range hook.received() {
		got = append(got, c.Body.Type+" "+strings.Split(c.ID, "/ops-hook")[0])
	}
	want := []string{"agent.silent agent:eu:" + itoa(t0.Unix()) + "/silent", "agent.back agent:eu:" + itoa(t0.Unix()) + "/back"}
	if len(got) != 2 || !strings.HasPrefix(got[0], want[0]) || !strings.HasPrefix(got[1], want[1]) {
		t.Errorf("alerts: %q, want %q", got, want)
	}
	if len(e.s.Silent()) != 0 {
		t.Errorf("still silent: %v", e.s.Silent())
	}
}

// A refused configuration and a replay conflict are shown on the
// dashboard, with what to do, until a configuration loads.
func TestDashboardShowsNotices(t *testing.T) {
	e := newIncidentEnv(t)
	e.server.ReloadFailed(errors.New("slakeeper.yaml:12: monitors[0].interval: must be at least 1s"))
	e.server.replayConflict("api-http", errors.New("fact st:api-http:1:major_outage: id already used by a different fact"))
	b := e.browser()
	if p := b.signIn("alice", testAlicePassword); p.code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.code)
	}
	p := b.get("/admin")
	for _, want := range []string{"Needs your attention (2)", `data-notice="reload_refused"`, "slakeeper.yaml:12: monitors[0].interval", "operations.md#7-reloading-the-configuration",
		`data-notice="replay_conflict"`, `href="/admin/monitors/api-http"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	e.server.Reload(e.cfg)
	if kinds := noticeKinds(e.server.Notices()); !slices.Equal(kinds, []string{"replay_conflict"}) {
		t.Errorf("after a reload: %v, want the refused configuration gone", kinds)
	}
}

func noticeKinds(ns []operatorui.Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return out
}

// A reload that removes a monitor drops its console figures; the
// monitors it keeps keep theirs.
func TestReloadForgetsRemovedMonitors(t *testing.T) {
	e := newIncidentEnvWith(t, incidentTestConfig+"monitors:\n  - {id: api-http, component: api, type: http, target: \"http://127.0.0.1:9/\", interval: 30s}\n", incidentTestPolicy)
	at := e.server.Tracker().Cut().Add(time.Minute)
	e.server.Tracker().Observe([]monitor.Result{
		{MonitorID: "gone", Location: "local", At: at, State: monitor.Up, Latency: time.Millisecond},
		{MonitorID: "api-http", Location: "local", At: at, State: monitor.Up, Latency: time.Millisecond},
	})
	e.server.Reload(e.cfg)
	if f := e.server.Tracker().Figures("gone", []string{"local"}, at); !f.Last.At.IsZero() {
		t.Errorf("a removed monitor keeps its figures: %+v", f)
	}
	if f := e.server.Tracker().Figures("api-http", []string{"local"}, at); f.Last.At.IsZero() {
		t.Error("a kept monitor lost its figures")
	}
}
