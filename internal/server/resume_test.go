package server

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// A restart in the middle of an outage that began more than a day ago
// writes no second major_outage fact (the replay of a fixed 24-hour window
// used to, dated at the window's first result), and the outage's end after
// the restart is reported once.
func TestRestartKeepsALongOutageOne(t *testing.T) {
	t0 := mustTime(t, "2026-10-14T09:00:00Z")
	e := newMaintEnv(t, nil, t0)
	ctx := context.Background()
	loc := e.cfg.Server.Location
	ingest := func(e *maintEnv, at time.Time, st monitor.State) {
		t.Helper()
		e.clock.set(at)
		if err := e.srv.Ingest(ctx, []monitor.Result{{MonitorID: "api-a", Location: loc, At: at, State: st, Message: "test"}}); err != nil {
			t.Fatal(err)
		}
	}
	// Down from t0, a result every half hour for 30 hours.
	for at := t0; at.Before(t0.Add(30 * time.Hour)); at = at.Add(30 * time.Minute) {
		ingest(e, at, monitor.Down)
	}
	restart := t0.Add(30 * time.Hour)
	e2 := newMaintEnv(t, e.st, restart)
	if err := e2.srv.resume(ctx, e2.cfg); err != nil {
		t.Fatal(err)
	}
	if got := statusFacts(t, e2.st, "api-a", t0); !slices.Equal(got, []string{"major_outage"}) {
		t.Fatalf("after the restart: %v, want the one major_outage", got)
	}
	ingest(e2, restart.Add(time.Minute), monitor.Down)
	ingest(e2, restart.Add(2*time.Minute), monitor.Up)
	if got := statusFacts(t, e2.st, "api-a", t0); !slices.Equal(got, []string{"major_outage", "operational"}) {
		t.Fatalf("after the recovery: %v, want major_outage then operational", got)
	}
}

// BenchmarkResume measures a restart's rebuild of the detector with
// 10,000 monitors at 30 s from 3 locations: the last ten minutes of
// results stored (20 rounds, 600,000 results) and 1,000 monitors in an
// outage that began two days before. The rebuild reads each monitor's
// results since its latest status fact, at most 20 intervals, so older
// history (90 days of it in production) adds only index depth.
//
//	go test ./internal/server -run '^$' -bench BenchmarkResume -benchtime 3x
func BenchmarkResume(b *testing.B) {
	cfg := benchConfig(b)
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "resume.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for i := range 20 {
		if err := st.AppendResults(ctx, benchResults(now.Add(-time.Duration(20-i)*30*time.Second))); err != nil {
			b.Fatal(err)
		}
	}
	var fs []store.Fact
	since := now.Add(-48 * time.Hour)
	for m := range 1000 {
		id := fmt.Sprintf("st:m%05d:%d:major_outage", m, since.Unix())
		body, _ := json.Marshal(statusLine{Type: "status", ID: id, At: since.Format(time.RFC3339), Component: fmt.Sprintf("c%03d", m%100),
			Status: "major_outage", Source: "monitor:" + fmt.Sprintf("m%05d", m)})
		fs = append(fs, store.Fact{ID: id, Type: "status", At: since, JSON: body})
	}
	if err := st.AppendFacts(ctx, fs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := New(Options{Store: st, Config: cfg, Now: func() time.Time { return now }})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.resume(ctx, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/restart")
}
