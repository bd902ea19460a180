package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store"
)

// A plan's budget burning fast is alerted once per rule and episode
// (budget.burn), and its end once (budget.ok); judging again sends
// nothing new. The 99.9 % plan has a budget of 0.1 %: api down for the
// last 10 minutes burns 10/60 ÷ 0.001 = 166.7 over an hour.
func TestBurnRateAlerts(t *testing.T) {
	hook := newHookReceiver(t, 0)
	secret := "whsec_" + "YnVybi1yYXRlLWFsZXJ0cy10ZXN0LXNlY3JldC0wMTI="
	hook.setSecret(secret)
	hook.skew = 30 * time.Minute // the server's clock moves 10 minutes ahead
	dir := t.TempDir()
	polFile := filepath.Join(dir, "acme.yaml")
	if err := os.WriteFile(polFile, []byte(incidentTestPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	e := startNotifyAt(t, filepath.Join(dir, "n.db"), `policies: [`+polFile+`]
alerts:
  - {name: ops-hook, kind: webhook, url: "`+hook.srv.URL+`/ops", secret_env: HOOK_SECRET, events: [budget.burn, budget.ok]}
burn_alerts:
  rules:
    - {name: fast, long: 1h, short: 5m, factor: 14.4, severity: page}
`, map[string]string{"HOOK_SECRET": secret}, nil, clock.now)
	now := clock.now()
	put := func(at time.Time, status string) {
		t.Helper()
		id := fmt.Sprintf("st:api-http:%d:%s", at.Unix(), status)
		body, _ := json.Marshal(statusLine{Type: "status", ID: id, At: at.UTC().Format(time.RFC3339), Component: "api", Status: status, Source: "monitor:api-http"})
		if err := e.st.AppendFacts(context.Background(), []store.Fact{{ID: id, Type: "status", At: at, JSON: body}}); err != nil {
			t.Fatal(err)
		}
	}
	put(now.Add(-48*time.Hour), "operational")
	put(now.Add(-10*time.Minute), "major_outage")
	for range 2 {
		if err := e.s.checkBurn(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Recovered 10 minutes later: the 5-minute window is clean.
	clock.set(now.Add(10 * time.Minute))
	put(now, "operational")
	if err := e.s.checkBurn(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both alerts", func() bool { return len(hook.received()) >= 2 })
	time.Sleep(200 * time.Millisecond) // a duplicate would have come by now
	got := hook.received()
	if len(got) != 2 || got[0].Body.Type != "budget.burn" || got[1].Body.Type != "budget.ok" {
		t.Fatalf("alerts: %+v", got)
	}
	if d := got[0].Body.Data; !strings.Contains(d.Title, "acme/standard") || !strings.Contains(d.Title, "166.7×") || !strings.Contains(d.Message, "Worst component: api") {
		t.Errorf("burn alert: %q / %q", d.Title, d.Message)
	}
	// One episode: the two ids name the same target, rule and start.
	if ep := strings.Split(got[0].ID, "/burn")[0]; !strings.HasPrefix(ep, "burn:acme/standard:fast:") || !strings.HasPrefix(got[1].ID, ep+"/ok") {
		t.Errorf("ids: %s, %s", got[0].ID, got[1].ID)
	}
}
