package incidents_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/store"
)

// killConfig has one component and one operator alert channel that hears
// of every event: an incident's opening has one outbound row.
const killConfig = `components:
  - {id: api, name: API}
alerts:
  - {name: ops, kind: slack, url: "http://127.0.0.1:1/"}
`

// killHelperEnv names the database the helper process opens.
const killHelperEnv = "SLAKEEPER_INCIDENT_KILL_HELPER"

// pausingStore stops the process's progress right after an incident's
// fact is committed: it says so on stdout and sleeps, for the parent to
// kill it there.
type pausingStore struct{ store.Store }

func (p pausingStore) pause(err error) error {
	if err == nil {
		fmt.Println("stored")
		time.Sleep(time.Hour)
	}
	return err
}

func (p pausingStore) AppendFacts(ctx context.Context, fs []store.Fact) error {
	return p.pause(p.Store.AppendFacts(ctx, fs))
}

func (p pausingStore) AppendFactsNotify(ctx context.Context, fs []store.Fact, obs []store.Outbound) error {
	return p.pause(p.Store.AppendFactsNotify(ctx, fs, obs))
}

// TestIncidentKilledAfterItsFact kills (SIGKILL) a process as soon as
// the fact of the incident it opens is committed, before it returns, and
// reopens the database: the incident's opening is queued for the alert
// channel with it. Before the two were written in one transaction, the
// fact stood alone and nobody was told.
func TestIncidentKilledAfterItsFact(t *testing.T) {
	if os.Getenv(killHelperEnv) != "" {
		t.Skip("the helper runs in TestIncidentKillHelper")
	}
	db := filepath.Join(t.TempDir(), "kill.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestIncidentKillHelper$", "-test.v")
	cmd.Env = append(os.Environ(), killHelperEnv+"="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	stored := false
	for sc.Scan() {
		if sc.Text() == "stored" {
			stored = true
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred code runs
		t.Fatal(err)
	}
	cmd.Wait()
	if !stored {
		t.Fatal("the helper stopped before it stored the incident")
	}

	ctx := context.Background()
	st, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs, err := st.FactsOfType(ctx, []string{"incident"}, time.Time{}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("got %d incident facts after the kill, want 1", len(fs))
	}
	id := outbox.EventIncidentCreated + ":" + fs[0].ID + "/alert:ops"
	ob, err := st.Outbound(ctx, id)
	if err != nil {
		t.Fatalf("the incident's notification after the kill: %v", err)
	}
	if ob.State != store.OutboundPending || ob.Event != outbox.EventIncidentCreated || ob.Channel != "slack" {
		t.Errorf("got outbound %+v, want a pending incident.created to slack", ob)
	}
}

// TestIncidentKillHelper is the process TestIncidentKilledAfterItsFact
// kills: it opens an incident and stops once its fact is stored.
func TestIncidentKillHelper(t *testing.T) {
	db := os.Getenv(killHelperEnv)
	if db == "" {
		t.Skip("run by TestIncidentKilledAfterItsFact")
	}
	c, err := config.Parse("slakeeper.yaml", []byte(killConfig), func(string) string { return "" }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps := pausingStore{st}
	cfg := func() *config.Config { return c }
	now := func() time.Time { return time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) }
	log := slog.New(slog.DiscardHandler)
	ob, err := outbox.New(outbox.Options{Store: ps, Config: cfg, Now: now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := incidents.New(incidents.Options{Store: ps, Config: cfg, Now: now, Logger: log, Publisher: ob})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Open(context.Background(), "ops", incidents.OpenInput{Title: "API down", Severity: "P1", Components: map[string]string{"api": "major_outage"}})
	t.Fatalf("the helper was not killed while it paused: open returned %v", err)
}
