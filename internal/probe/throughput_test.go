package probe

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

func TestThroughput(t *testing.T) {
	const size = 8 << 20
	payload := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	mux := http.NewServeMux()
	mux.HandleFunc("/8mib", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept-Encoding"); got != "identity" {
			http.Error(w, "want identity encoding, got "+got, http.StatusBadRequest)
			return
		}
		w.Write(payload)
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Write(payload[:1<<20])
		w.(http.Flusher).Flush()
		select {
		case <-time.After(testTimeout):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name     string
		target   string
		spec     *monitor.ThroughputSpec
		timeout  time.Duration
		want     want
		wantRate bool
	}{
		{"8 MiB download", srv.URL + "/8mib", nil, 0, want{monitor.Up, ""}, true},
		{"modest minimum met", srv.URL + "/8mib", &monitor.ThroughputSpec{MinMbps: 0.001}, 0, want{monitor.Up, ""}, true},
		{"below minimum", srv.URL + "/8mib", &monitor.ThroughputSpec{MinMbps: 1e12}, 0, want{monitor.Degraded, "Mbps < 1e+12 Mbps"}, true},
		{"not found", srv.URL + "/missing", nil, 0, want{monitor.Down, "status 404, want 200-299"}, false},
		{"empty body", srv.URL + "/empty", nil, 0, want{monitor.Down, "empty body"}, false},
		{"stalls mid-body", srv.URL + "/stall", nil, shortTimeout, want{monitor.Down, "timeout after 200ms"}, true},
		{"refused", "http://" + deadPort(t) + "/", nil, 0, want{monitor.Down, "connection refused"}, false},
		{"bad target", "tcp://127.0.0.1:1", nil, 0, want{monitor.Down, "invalid target"}, false},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &monitor.Monitor{Type: monitor.TypeThroughput, Target: tt.target, Throughput: tt.spec, Timeout: tt.timeout}
			got := run(t, r, m)
			t.Logf("%s: %q", got.State, got.Message)
			assertResult(t, got, tt.want)
			if tt.wantRate != (got.ThroughputMbps != nil) {
				t.Fatalf("got ThroughputMbps %v, want set %v", got.ThroughputMbps, tt.wantRate)
			}
			if got.ThroughputMbps != nil && *got.ThroughputMbps <= 0 {
				t.Errorf("got %v Mbps, want > 0", *got.ThroughputMbps)
			}
			if tt.name == "stalls mid-body" && !strings.Contains(got.Message, "after 1048576 bytes") {
				t.Errorf("got message %q, want the bytes read so far", got.Message)
			}
		})
	}
}
