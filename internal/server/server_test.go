package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

func TestMetricsPassLint(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, err := config.Demo("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s, err := New(Options{Store: st, Config: cfg, Registry: reg,
		Run: func(ctx context.Context, m *monitor.Monitor) monitor.Result { return monitor.Result{State: monitor.Up} }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if err := s.Ingest(ctx, []monitor.Result{{MonitorID: "web-home", Location: "local", At: time.Now(), State: monitor.Down, Duration: time.Second}}); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
	if n := testutil.CollectAndCount(s.metrics, "slakeeper_check_results_total"); n < 1 {
		t.Errorf("check result series: got %d, want at least 1", n)
	}
	cancel()
	if err := <-done; err != nil && err != context.Canceled {
		t.Errorf("run: %v", err)
	}
}
