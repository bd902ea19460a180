package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// The demo does what the README's tour promises: the flaky API's
// confirmed outage opens an incident by itself, and the dashboard's
// obligations have something to show — its next update due within the
// hour (the demo policy's update_every for P2).
func TestDemoOutageOpensAnIncident(t *testing.T) {
	cfg, err := config.Demo("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testClock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	s, err := New(Options{Store: st, Config: cfg, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	// /demo/flaky is down in minutes 0 and 1 of every ten; the monitor
	// confirms after two failures.
	for i := range 2 {
		at := clock.now().Add(time.Duration(i) * 10 * time.Second)
		clock.set(at)
		if err := s.Ingest(context.Background(), []monitor.Result{{MonitorID: "api-flaky", Location: "local", At: at, State: monitor.Down, Message: "HTTP 503"}}); err != nil {
			t.Fatal(err)
		}
	}
	const viewer = "slakeeper-demo-viewer"
	var list struct{ Incidents []incident.Incident }
	apiCall(t, ts.URL, "GET", "/api/v1/incidents", viewer, "", http.StatusOK, &list)
	if len(list.Incidents) != 1 || list.Incidents[0].Severity != "P2" || list.Incidents[0].Status != incident.StatusInvestigating {
		t.Fatalf("incidents: %+v, want the demo outage's P2 incident", list.Incidents)
	}
	var obs struct {
		Obligations []struct {
			Incident, Metric string
			Due              time.Time
			Met              bool
		}
	}
	apiCall(t, ts.URL, "GET", "/api/v1/obligations", viewer, "", http.StatusOK, &obs)
	if len(obs.Obligations) == 0 || obs.Obligations[0].Metric != "update_every" || obs.Obligations[0].Met ||
		!obs.Obligations[0].Due.Equal(time.Date(2026, 12, 4, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("obligations: %+v, want an update due an hour after the opening", obs.Obligations)
	}
}
