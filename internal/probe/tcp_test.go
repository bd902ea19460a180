package probe

import (
	"net"
	"testing"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	// The check only connects; the kernel completes the handshake from
	// the backlog, so nothing needs to accept.

	tests := []struct {
		name   string
		target string
		want   want
	}{
		{"open port", l.Addr().String(), want{monitor.Up, ""}},
		{"refused", deadPort(t), want{monitor.Down, "connection refused"}},
		{"no port", "127.0.0.1", want{monitor.Down, "invalid target"}},
		{"empty", "", want{monitor.Down, "invalid target: empty target"}},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, r, &monitor.Monitor{Type: monitor.TypeTCP, Target: tt.target})
			t.Logf("%s: %q", got.State, got.Message)
			assertResult(t, got, tt.want)
			if got.State == monitor.Up && got.Latency <= 0 {
				t.Errorf("got latency %v, want > 0", got.Latency)
			}
		})
	}
}
