package probe

import (
	"context"
	"net"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// checkTCP connects to the host:port target and closes the connection at
// once. Latency is the time to connect, name resolution included.
func checkTCP(ctx context.Context, m *monitor.Monitor) monitor.Result {
	host, port, err := splitTarget(m.Target, "")
	if err != nil {
		return down("invalid target: %v", err)
	}
	addr := net.JoinHostPort(host, port)
	var d net.Dialer
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", addr)
	latency := time.Since(start)
	if err != nil {
		return down("connect %s: %s", addr, describe(ctx, m, err))
	}
	conn.Close()
	return up(latency)
}
