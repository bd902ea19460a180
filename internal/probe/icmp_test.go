package probe

import (
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	probing "github.com/prometheus-community/pro-bing"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

func TestICMPLoopback(t *testing.T) {
	tests := []struct {
		name string
		spec *monitor.ICMPSpec
	}{
		// Unprivileged first: where ping_group_range excludes us, this
		// exercises the fallback to raw sockets.
		{"unprivileged or fallback", nil},
		{"privileged", &monitor.ICMPSpec{Privileged: true, Count: 2}},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &monitor.Monitor{Type: monitor.TypeICMP, Target: "127.0.0.1", ICMP: tt.spec}
			got := run(t, r, m)
			t.Logf("%s: %q latency %v", got.State, got.Message, got.Latency)
			if got.State == monitor.Down && icmpForbidden(got.Message) {
				t.Skipf("ICMP sockets are not allowed here: %s", got.Message)
			}
			assertResult(t, got, want{monitor.Up, ""})
			if got.PacketLossPct == nil || *got.PacketLossPct != 0 {
				t.Errorf("got packet loss %v, want 0", got.PacketLossPct)
			}
			if got.Latency <= 0 {
				t.Errorf("got latency %v, want > 0", got.Latency)
			}
		})
	}
}

// icmpForbidden reports whether a message says the sandbox forbids ICMP
// sockets rather than that the ping failed.
func icmpForbidden(msg string) bool {
	for _, s := range []string{"permission denied", "operation not permitted", "protocol not supported", "address family not supported"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func TestICMPBadTarget(t *testing.T) {
	tests := []struct {
		name, target string
		want         want
	}{
		{"empty", "", want{monitor.Down, "invalid target: empty host"}},
		{"not a host", "bad host!", want{monitor.Down, `invalid target: "bad host!" is not an IP address or host name`}},
		{"empty label", "a..b", want{monitor.Down, "invalid target"}},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, r, &monitor.Monitor{Type: monitor.TypeICMP, Target: tt.target, Timeout: shortTimeout})
			assertResult(t, got, tt.want)
		})
	}
}

func TestICMPResult(t *testing.T) {
	tests := []struct {
		name    string
		stats   probing.Statistics
		maxLoss float64
		want    want
		latency time.Duration
	}{
		{"no loss", probing.Statistics{PacketsSent: 3, PacketsRecv: 3, AvgRtt: time.Millisecond}, 0, want{monitor.Up, ""}, time.Millisecond},
		{"some loss", probing.Statistics{PacketsSent: 3, PacketsRecv: 2, PacketLoss: 100.0 / 3, AvgRtt: time.Millisecond}, 0, want{monitor.Degraded, "packet loss 33.3% > 0%"}, time.Millisecond},
		{"loss within limit", probing.Statistics{PacketsSent: 4, PacketsRecv: 3, PacketLoss: 25, AvgRtt: time.Millisecond}, 30, want{monitor.Up, ""}, time.Millisecond},
		{"total loss", probing.Statistics{PacketsSent: 3, PacketLoss: 100}, 100, want{monitor.Down, "100% packet loss (3 sent)"}, 0},
		{"nothing sent", probing.Statistics{}, 0, want{monitor.Down, "no echo request sent"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := icmpResult("127.0.0.1", &tt.stats, tt.maxLoss)
			assertResult(t, got, tt.want)
			if got.Latency != tt.latency {
				t.Errorf("got latency %v, want %v", got.Latency, tt.latency)
			}
			if tt.stats.PacketsSent > 0 && (got.PacketLossPct == nil || *got.PacketLossPct != tt.stats.PacketLoss) {
				t.Errorf("got loss %v, want %v", got.PacketLossPct, tt.stats.PacketLoss)
			}
		})
	}
}

func TestPermissionErrorsTriggerFallback(t *testing.T) {
	// This is how a refused ICMP socket comes back from pro-bing (via
	// golang.org/x/net/icmp); the fallback relies on errors.Is seeing
	// through it.
	for _, errno := range []syscall.Errno{syscall.EACCES, syscall.EPERM} {
		err := &net.OpError{Op: "listen", Net: "udp4", Err: os.NewSyscallError("socket", errno)}
		if !errors.Is(err, os.ErrPermission) {
			t.Errorf("got errors.Is(%v, os.ErrPermission) false, want true", err)
		}
	}
}
