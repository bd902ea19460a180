package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/whatif"
)

// whatifProposal raises the demo's promises: pro to 99.95 (10 % below
// it, 20 % below 99.9), starter to 99.9 (10 % below it).
const whatifProposal = `policy: demo-next
components:
  - {id: web}
  - {id: api}
  - {id: batch}
versions:
  - version: "2"
    effective: 2027-01-01
    plans:
      - id: starter
        objective: 99.9
        timezone: Europe/Berlin
        components: [web, api]
        credits:
          tiers:
            - {below: "99.9", credit: 10}
      - id: pro
        objective: 99.95
        timezone: Europe/Berlin
        components: [web, api, batch]
        credits:
          tiers:
            - {below: "99.95", credit: 10}
            - {below: "99.9", credit: 20}
`

// TestWhatifCommand compares the demo policy with a proposal over a store
// where the API was down 3 hours in October 2026. October 2026 in Berlin
// has 44,700 minutes (DST ends); 180 down: 44,520 / 44,700 = 99.59731… %.
// In force: acme's pro (99.9) is missed, 10 % of 1,200.00 = 120.00 EUR;
// globex's starter (99.5) is met, 0.00 USD. Proposed: pro below 99.9 →
// 20 % = 240.00 EUR; starter below 99.9 → 10 % of 300.00 = 30.00 USD.
func TestWhatifCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 7, 9, 0, 0, 0, time.UTC)
	if err := st.AppendFacts(context.Background(), []store.Fact{
		{ID: "d1", Type: "status", At: at, JSON: []byte(`{"type":"status","id":"d1","at":"2026-10-07T09:00:00Z","component":"api","status":"major_outage"}`)},
		{ID: "d2", Type: "status", At: at.Add(3 * time.Hour), JSON: []byte(`{"type":"status","id":"d2","at":"2026-10-07T12:00:00Z","component":"api","status":"operational"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	prop := filepath.Join(dir, "proposed.yaml")
	if err := os.WriteFile(prop, []byte(whatifProposal), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := cliRun(t, "whatif", "--policy", prop, "--replaces", "demo", "--from", "2026-Q4", "--to", "2026-Q4", "--database", db, "-o", "json")
	if code != 0 {
		t.Fatalf("json: %d %q", code, errOut)
	}
	var res whatif.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var oct []*whatif.Row
	for _, r := range res.Rows {
		if r.Period == "2026-10" {
			oct = append(oct, r)
		}
	}
	if len(oct) != 2 {
		t.Fatalf("October rows: %+v", oct)
	}
	type want struct {
		sub, inCredit, prCredit, diff string
		inMet, prMet                  bool
	}
	for i, w := range []want{{"sub-acme", "120.00", "240.00", "120.00", false, false}, {"sub-globex", "0.00", "30.00", "30.00", true, false}} {
		r := oct[i]
		if r.Subscription != w.sub || r.InForce.Credit != w.inCredit || r.Proposed.Credit != w.prCredit || r.Difference != w.diff ||
			r.InForce.Met != w.inMet || r.Proposed.Met != w.prMet {
			t.Errorf("row %d: got %s in force %+v proposed %+v diff %s, want %+v", i, r.Subscription, r.InForce, r.Proposed, r.Difference, w)
		}
		if got := r.InForce.Uptime; got < 99.5973 || got > 99.5974 {
			t.Errorf("%s uptime %v, want 99.59731…", r.Subscription, got)
		}
	}
	if len(res.Totals) != 2 || res.Totals[0].Currency != "EUR" || res.Totals[0].Difference != "120.00" || res.Totals[1].Proposed != "30.00" {
		t.Errorf("totals: %+v %+v", res.Totals[0], res.Totals[1])
	}
	if !strings.Contains(errOut, "evidence read") || !strings.Contains(errOut, "evaluated 2 of 2 ") {
		t.Errorf("progress on stderr: %q", errOut)
	}

	code, out, _ = cliRun(t, "whatif", "--policy", prop, "--replaces", "demo", "--from", "2026-10", "--database", db)
	if code != 0 || !strings.Contains(out, "What-if demo → demo-next (version 2), 2026-10 to 2026-10") ||
		!strings.Contains(out, "99.5973 % of 99.9") || !strings.Contains(out, "240.00 EUR") {
		t.Errorf("table: %d\n%s", code, out)
	}
	code, out, _ = cliRun(t, "whatif", "--policy", prop, "--replaces", "demo", "--from", "2026-10", "--database", db, "-o", "csv")
	if code != 0 || !strings.HasPrefix(out, strings.Join(whatifColumns, ",")+"\n") ||
		!strings.Contains(out, "2026-10,acme,sub-acme,EUR,false,1,pro,99.9,99.597315,false,120.00,120.00,0,0,0,2,pro,99.95,99.597315,false,240.00,240.00,0,0,0,120.00\n") {
		t.Errorf("csv: %d\n%s", code, out)
	}

	// Refusals: the proposal's own id is not configured; a plan it lacks.
	if code, _, errOut = cliRun(t, "whatif", "--policy", prop, "--from", "2026-10", "--database", db); code != 2 || !strings.Contains(errOut, `"demo-next"`) {
		t.Errorf("unknown policy: %d %q", code, errOut)
	}
	noStarter := filepath.Join(dir, "nostarter.yaml")
	os.WriteFile(noStarter, []byte(strings.Replace(whatifProposal, "id: starter", "id: basic", 1)), 0o644)
	if code, _, errOut = cliRun(t, "whatif", "--policy", noStarter, "--replaces", "demo", "--from", "2026-10", "--database", db); code != 2 || !strings.Contains(errOut, `no plan "starter"`) {
		t.Errorf("missing plan: %d %q", code, errOut)
	}
	if code, _, errOut = cliRun(t, "whatif", "--policy", prop, "--from", "2026-13", "--database", db); code != 2 || !strings.Contains(errOut, "from") {
		t.Errorf("bad period: %d %q", code, errOut)
	}
	if code, out, _ = cliRun(t, "whatif", "--help"); code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "slakeeper whatif --policy") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, _ = cliRun(t, "whatif", "--from", "2026-10"); code != 2 {
		t.Errorf("no --policy: %d", code)
	}
}
