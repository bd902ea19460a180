package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	probing "github.com/prometheus-community/pro-bing"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// defaultPings is how many echo requests a check sends when the monitor
// does not say.
const defaultPings = 3

// pingInterval spaces echo requests so that three fit well inside any
// sensible timeout.
const pingInterval = 100 * time.Millisecond

// checkICMP pings the target host and reports the average round trip as
// Latency and the share of lost echo requests. Total loss is down; loss
// above MaxLossPct is degraded.
func checkICMP(ctx context.Context, m *monitor.Monitor) monitor.Result {
	spec := m.ICMP
	if spec == nil {
		spec = &monitor.ICMPSpec{}
	}
	count := spec.Count
	if count <= 0 {
		count = defaultPings
	}
	host := strings.Trim(m.Target, "[]")
	if host == "" {
		return down("invalid target: empty host")
	}
	if net.ParseIP(host) == nil && !validHostname(host) {
		return down("invalid target: %q is not an IP address or host name", host)
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return down("resolve %s: %s", host, describe(ctx, m, err))
	}
	if len(ips) == 0 {
		return down("resolve %s: no addresses", host)
	}
	ip := ips[0]

	privileged := spec.Privileged
	stats, err := ping(ctx, ip, count, privileged)
	if err != nil && !privileged && errors.Is(err, os.ErrPermission) {
		// Unprivileged (datagram) ICMP on Linux needs the process's group
		// in net.ipv4.ping_group_range, which many hosts and containers
		// leave empty ("1 0"), even for root. A process that may open raw
		// sockets (root, or CAP_NET_RAW) can still ping, so try that
		// before reporting the target down for a local permission problem.
		privileged = true
		stats, err = ping(ctx, ip, count, privileged)
	}
	if err != nil {
		return down("ping %s: %s", ip, describe(ctx, m, err))
	}
	return icmpResult(ip.String(), stats, spec.MaxLossPct)
}

// icmpResult judges a finished ping: total loss is down, loss above
// maxLoss degraded.
func icmpResult(target string, stats *probing.Statistics, maxLoss float64) monitor.Result {
	if stats.PacketsSent == 0 {
		return down("ping %s: no echo request sent", target)
	}
	loss := max(stats.PacketLoss, 0) // duplicates are counted apart; never negative
	res := monitor.Result{State: monitor.Up, PacketLossPct: &loss}
	if stats.PacketsRecv == 0 {
		res.State = monitor.Down
		res.Message = fmt.Sprintf("100%% packet loss (%d sent)", stats.PacketsSent)
		return res
	}
	res.Latency = stats.AvgRtt
	if loss > maxLoss {
		res.State = monitor.Degraded
		res.Message = fmt.Sprintf("packet loss %.1f%% > %g%%", loss, maxLoss)
	}
	return res
}

// ping sends count echo requests to ip and waits for the replies until ctx
// ends. Running out of time is not an error: the replies counted so far
// are the measurement.
func ping(ctx context.Context, ip net.IPAddr, count int, privileged bool) (*probing.Statistics, error) {
	p := probing.New(ip.String())
	p.SetIPAddr(&ip)
	p.SetPrivileged(privileged)
	// The library logs send errors itself; the Result carries what matters.
	p.SetLogger(probing.NoopLogger{})
	p.Count = count
	p.Interval = pingInterval
	p.RecordRtts = false
	p.RecordTTLs = false
	err := p.RunWithContext(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return p.Statistics(), nil
}

// validHostname reports whether s is a plausible DNS host name, so that a
// typo fails as a bad target rather than as a failed lookup.
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}
