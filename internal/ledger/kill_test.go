package ledger_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/store"
)

// killSubs is how many subscriptions the killed close has: three of the
// close's chunks.
const killSubs = 2500

func killService(t testing.TB, dbPath string) (*ledger.Service, store.Store) {
	t.Helper()
	c, err := config.Parse(filepath.Join("..", "server", "slakeeper.yaml"), []byte("policies: [../../examples/001-bloomneo.yaml]\n"),
		func(string) string { return "" }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC) }
	return ledger.New(st, func() *config.Config { return c }, now, slog.New(slog.DiscardHandler), nil, nil), st
}

// TestCloseKilledResumes kills (SIGKILL) a process half way through a
// close, after its first stored chunk, and closes again: every
// subscription is closed once and its credit posted once.
func TestCloseKilledResumes(t *testing.T) {
	if os.Getenv("SLAKEEPER_KILL_HELPER") != "" {
		t.Skip("the helper runs in TestCloseKillHelper")
	}
	db := filepath.Join(t.TempDir(), "kill.db")
	_, st := killService(t, db)
	// One outage of 3 days in November under seed 001's starter plan:
	// 90 % uptime, 50 % of 200.00 for every subscription.
	var fs []store.Fact
	add := func(id, typ, js string) { fs = append(fs, store.Fact{ID: id, Type: typ, JSON: []byte(js)}) }
	for i := range killSubs {
		id := fmt.Sprintf("sub-%04d", i)
		add(id, "subscription", fmt.Sprintf(`{"type":"subscription","id":"%s","customer":"c%04d","policy":"bloomneo","plan":"starter","fee":"200.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}`, id, i))
	}
	ctx := context.Background()
	fs = append(fs, store.Fact{ID: "b1", Type: "status", At: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC),
		JSON: []byte(`{"type":"status","id":"b1","at":"2026-11-10T00:00:00Z","component":"platform","status":"major_outage"}`)},
		store.Fact{ID: "b2", Type: "status", At: time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC),
			JSON: []byte(`{"type":"status","id":"b2","at":"2026-11-13T00:00:00Z","component":"platform","status":"operational"}`)})
	if err := st.AppendFacts(ctx, fs); err != nil {
		t.Fatal(err)
	}
	st.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCloseKillHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "SLAKEEPER_KILL_HELPER="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	progressed := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "progress ") {
			progressed = true
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred code runs
		t.Fatal(err)
	}
	cmd.Wait()
	if !progressed {
		t.Fatal("the helper stopped before it stored a chunk")
	}

	svc, st := killService(t, db)
	defer st.Close()
	before, err := st.Closes(ctx, store.LedgerFilter{Period: "2026-11"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 || len(before) >= killSubs {
		t.Fatalf("the kill left %d of %d closed; want some, not all", len(before), killSubs)
	}
	res, err := svc.Close(ctx, "2026-11", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Closed != killSubs-len(before) || res.Already != len(before) {
		t.Errorf("resumed close: %d closed, %d already; want %d and %d", res.Closed, res.Already, killSubs-len(before), len(before))
	}
	es, err := st.Ledger(ctx, store.LedgerFilter{Period: "2026-11"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		if seen[e.Subscription] || e.Amount != "100.00" {
			t.Fatalf("entry %s: %s (seen before: %v)", e.ID, e.Amount, seen[e.Subscription])
		}
		seen[e.Subscription] = true
	}
	if len(es) != killSubs {
		t.Errorf("%d entries, want one per subscription: %d", len(es), killSubs)
	}
}

// TestCloseKillHelper is the process TestCloseKilledResumes kills: it
// closes November and, after the first stored chunk, says so and waits.
func TestCloseKillHelper(t *testing.T) {
	db := os.Getenv("SLAKEEPER_KILL_HELPER")
	if db == "" {
		t.Skip("run by TestCloseKilledResumes")
	}
	svc, _ := killService(t, db)
	svc.Close(context.Background(), "2026-11", func(done, total int) {
		fmt.Printf("progress %d/%d\n", done, total)
		time.Sleep(time.Hour)
	})
}
