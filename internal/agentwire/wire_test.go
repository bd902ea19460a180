package agentwire

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

func TestCheckVersion(t *testing.T) {
	for _, tc := range []struct {
		value, want string
	}{
		{"2", ""},
		{"", "the agent speaks agent protocol 1 (no Slakeeper-Agent-Protocol header), this side speaks 2: upgrade the agent"},
		{"1", "the agent speaks agent protocol 1, this side speaks 2: upgrade the agent"},
		{"3", "the agent speaks agent protocol 3, this side speaks 2: upgrade this side"},
		{"two", `the agent sent Slakeeper-Agent-Protocol: "two", not a version number`},
	} {
		err := CheckVersion(tc.value, "agent")
		if got := ""; err != nil {
			got = err.Error()
			if got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.value, got, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("%q: no error, want %q", tc.value, tc.want)
		}
	}
}

// A result goes over the wire with lower-case names and milliseconds:
// 12.5 ms is 12.5, not 12500000.
func TestResultWire(t *testing.T) {
	loss := 25.0
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	r := monitor.Result{MonitorID: "web", Location: "eu", At: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), Duration: 12500 * time.Microsecond,
		State: monitor.Down, Message: "timeout", Latency: 3 * time.Millisecond, PacketLossPct: &loss, CertExpiry: &exp, Seq: 7}
	b, err := json.Marshal(FromResult(r))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"monitor":"web","at":"2026-12-04T10:00:00Z","duration_ms":12.5,"state":"down","message":"timeout","latency_ms":3,"packet_loss_pct":25,"cert_expiry":"2027-01-01T00:00:00Z","seq":7}`
	if string(b) != want {
		t.Errorf("wire:\n got %s\nwant %s", b, want)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back.ToResult("eu")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestMonitorWire(t *testing.T) {
	m := &monitor.Monitor{ID: "web", Component: "site", Type: monitor.TypeHTTP, Target: "https://x.test/", Interval: 30 * time.Second, Timeout: 10 * time.Second,
		Locations: []string{"eu", "us"}, DegradedAfter: 800 * time.Millisecond,
		HTTP: &monitor.HTTPSpec{Method: "GET", Headers: map[string]string{"Accept": "application/json"}, ExpectStatus: []int{200},
			JSON: []monitor.JSONAssert{{Path: "status", Equals: "ok"}}, FollowRedirects: true}}
	b, err := json.Marshal(FromMonitor(m))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"id":"web"`, `"interval_ms":30000`, `"timeout_ms":10000`, `"degraded_after_ms":800`, `"expect_status":[200]`, `"json":[{"path":"status","equals":"ok"}]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("wire lacks %s: %s", want, b)
		}
	}
	var back Monitor
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, back.ToMonitor()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
