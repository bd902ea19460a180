package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// fixed returns a checker that reports res, for testing what Run does
// around a checker.
func fixed(res monitor.Result) Checker {
	return func(context.Context, *monitor.Monitor) monitor.Result { return res }
}

func TestRunThresholds(t *testing.T) {
	tests := []struct {
		name          string
		res           monitor.Result
		degradedAfter time.Duration
		downAfter     time.Duration
		want          want
	}{
		{"fast", monitor.Result{State: monitor.Up, Latency: 100 * time.Millisecond}, 500 * time.Millisecond, time.Second, want{monitor.Up, ""}},
		{"degraded", monitor.Result{State: monitor.Up, Latency: 600 * time.Millisecond}, 500 * time.Millisecond, time.Second, want{monitor.Degraded, "slow: 600ms > 500ms"}},
		{"down", monitor.Result{State: monitor.Up, Latency: 1200 * time.Millisecond}, 500 * time.Millisecond, time.Second, want{monitor.Down, "slow: 1.2s > 1s"}},
		{"exactly at threshold", monitor.Result{State: monitor.Up, Latency: time.Second}, 0, time.Second, want{monitor.Up, ""}},
		{"no thresholds", monitor.Result{State: monitor.Up, Latency: time.Hour}, 0, 0, want{monitor.Up, ""}},
		{"only down threshold", monitor.Result{State: monitor.Up, Latency: 2 * time.Second}, 0, time.Second, want{monitor.Down, "slow: 2s > 1s"}},
		{"no latency measured", monitor.Result{State: monitor.Up}, time.Nanosecond, time.Nanosecond, want{monitor.Up, ""}},
		{"already down keeps message", monitor.Result{State: monitor.Down, Latency: 2 * time.Second, Message: "status 503, want 200-399"}, 0, time.Second, want{monitor.Down, "status 503, want 200-399"}},
		{"degraded then slow adds reason", monitor.Result{State: monitor.Degraded, Latency: 2 * time.Second, Message: "certificate expires in 3 days (2026-12-01)"}, 0, time.Second, want{monitor.Down, "certificate expires in 3 days (2026-12-01); slow: 2s > 1s"}},
		{"rounded to milliseconds", monitor.Result{State: monitor.Up, Latency: 1234567890 * time.Nanosecond}, 0, time.Second, want{monitor.Down, "slow: 1.235s > 1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Registry{"fake": fixed(tt.res)}
			m := &monitor.Monitor{ID: "m1", Type: "fake", DegradedAfter: tt.degradedAfter, DownAfter: tt.downAfter}
			got := r.Run(context.Background(), m, time.Now)
			assertResult(t, got, tt.want)
			if tt.want.state == monitor.Up {
				return
			}
			if got.Message != tt.want.msg {
				t.Errorf("got message %q, want %q", got.Message, tt.want.msg)
			}
		})
	}
}

func TestRunFillsResult(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	calls := 0
	// Each call advances the clock by 250ms, so Duration is known exactly.
	now := func() time.Time {
		calls++
		return start.Add(time.Duration(calls-1) * 250 * time.Millisecond)
	}
	var gotDeadline time.Duration
	r := Registry{"fake": func(ctx context.Context, m *monitor.Monitor) monitor.Result {
		d, ok := ctx.Deadline()
		if !ok {
			return down("no deadline")
		}
		gotDeadline = time.Until(d)
		return monitor.Result{State: monitor.Up, Latency: time.Millisecond, Location: "ignored"}
	}}
	m := &monitor.Monitor{ID: "api-health", Type: "fake", Timeout: 5 * time.Second}
	got := r.Run(context.Background(), m, now)
	if got.MonitorID != "api-health" {
		t.Errorf("got MonitorID %q, want %q", got.MonitorID, "api-health")
	}
	if !got.At.Equal(start) {
		t.Errorf("got At %v, want %v", got.At, start)
	}
	if got.Duration != 250*time.Millisecond {
		t.Errorf("got Duration %v, want 250ms", got.Duration)
	}
	if got.State != monitor.Up {
		t.Errorf("got state %s (%q), want up", got.State, got.Message)
	}
	if gotDeadline <= 0 || gotDeadline > 5*time.Second {
		t.Errorf("got deadline %v from now, want within 5s", gotDeadline)
	}
}

func TestRunMissingOrBrokenChecker(t *testing.T) {
	r := Registry{
		"panics":    func(context.Context, *monitor.Monitor) monitor.Result { panic("boom") },
		"stateless": fixed(monitor.Result{Message: "forgot"}),
		"nil":       nil,
	}
	tests := []struct {
		name string
		r    Registry
		typ  string
		want want
	}{
		{"unknown type", Default(), "gopher", want{monitor.Down, `no checker for monitor type "gopher"`}},
		{"empty type", Default(), "", want{monitor.Down, `no checker for monitor type ""`}},
		{"heartbeat is not probed", Default(), monitor.TypeHeartbeat, want{monitor.Down, "heartbeat monitors are pushed to the server"}},
		{"nil registry", nil, monitor.TypeHTTP, want{monitor.Down, "no checker"}},
		{"nil checker", r, "nil", want{monitor.Down, "no checker"}},
		{"panic recovered", r, "panics", want{monitor.Down, "internal error: boom"}},
		{"no state is down", r, "stateless", want{monitor.Down, "check reported no state; forgot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.Run(context.Background(), &monitor.Monitor{ID: "m1", Type: tt.typ}, time.Now)
			assertResult(t, got, tt.want)
			if got.MonitorID != "m1" {
				t.Errorf("got MonitorID %q, want m1", got.MonitorID)
			}
		})
	}
	t.Run("nil monitor", func(t *testing.T) {
		got := Default().Run(context.Background(), nil, nil)
		assertResult(t, got, want{monitor.Down, "no monitor"})
	})
}

func TestDefaultHasEveryBuiltIn(t *testing.T) {
	r := Default()
	for _, typ := range []string{"http", "https", "tcp", "dns", "icmp", "tls", "throughput"} {
		if r[typ] == nil {
			t.Errorf("got no checker for %q, want one", typ)
		}
	}
	if r[monitor.TypeHeartbeat] != nil {
		t.Errorf("got a heartbeat checker, want none")
	}
}

func TestDescribe(t *testing.T) {
	m := &monitor.Monitor{Timeout: 200 * time.Millisecond}
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	live, cancel3 := context.WithTimeout(context.Background(), time.Hour)
	defer cancel3()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want string
	}{
		{"monitor deadline", expired, fmt.Errorf("dial: %w", context.DeadlineExceeded), "timeout after 200ms"},
		{"socket deadline at the monitor deadline", expired, os.ErrDeadlineExceeded, "timeout after 200ms"},
		{"a library's shorter limit", live, errors.New("net/http: TLS handshake timeout"), "net/http: TLS handshake timeout"},
		{"a dial's shorter limit", live, &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}, "dial tcp: i/o timeout"},
		{"canceled", canceled, context.Canceled, "check canceled"},
		{"refused", live, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "connection refused"},
		{"url stripped", live, &url.Error{Op: "Get", URL: "http://u:secret@h/?k=secret", Err: errors.New("boom")}, "boom"},
		{"other", live, errors.New("no route to host"), "no route to host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.ctx, m, tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSplitTarget(t *testing.T) {
	tests := []struct {
		name, target, defaultPort string
		host, port                string
		wantErr                   bool
	}{
		{"host and port", "example.com:8443", "", "example.com", "8443", false},
		{"ipv6 and port", "[::1]:443", "", "::1", "443", false},
		{"default port", "example.com", "443", "example.com", "443", false},
		{"bare ipv6 default port", "::1", "443", "::1", "443", false},
		{"bracketed ipv6 default port", "[::1]", "443", "::1", "443", false},
		{"port required", "example.com", "", "", "", true},
		{"empty", "", "443", "", "", true},
		{"empty port", "example.com:", "", "", "", true},
		{"garbage", "a:b:c", "443", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port, err := splitTarget(tt.target, tt.defaultPort)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if host != tt.host || port != tt.port {
				t.Errorf("got %q %q, want %q %q", host, port, tt.host, tt.port)
			}
		})
	}
}

func TestRunHonoursParentCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := &monitor.Monitor{ID: "m1", Type: monitor.TypeTCP, Target: deadPort(t), Timeout: testTimeout}
	got := Default().Run(ctx, m, time.Now)
	if got.State != monitor.Down || !strings.Contains(got.Message, "canceled") {
		t.Errorf("got %s %q, want down, canceled", got.State, got.Message)
	}
}
