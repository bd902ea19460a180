// Package probe runs the active checks of monitors — http, tcp, dns, icmp,
// tls and throughput — and turns what each one found into a
// monitor.Result. Heartbeat monitors are passive (the server receives their
// pushes) and have no checker here.
//
// Latencies are measured with time.Since on the monotonic clock rather
// than with an injected clock: they time real network I/O, which a fake
// clock could not stand in for. Judgements of wall-clock time — when a
// check started, whether a certificate has expired — use injected clocks.
package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// DefaultTimeout bounds a check whose monitor sets no Timeout, so that a
// misconfigured monitor cannot hold a scheduler slot forever.
const DefaultTimeout = 10 * time.Second

// Checker runs one check of m and reports what it found. It honours ctx's
// deadline (the scheduler sets m.Timeout) and never panics.
type Checker func(ctx context.Context, m *monitor.Monitor) monitor.Result

// Registry maps a monitor type to its checker.
type Registry map[string]Checker

// Options configure the built-in checks. The zero value is what Default
// uses.
type Options struct {
	// RootCAs verifies server certificates in the http, tls and throughput
	// checks; nil means the system's roots. Tests set it to trust their own
	// certificate authority.
	RootCAs *x509.CertPool
	// Now is the clock that certificate expiry is judged by; nil means
	// time.Now.
	Now func() time.Time
}

// Default returns the registry with every built-in check: http (also under
// the name https), tcp, dns, icmp, tls and throughput. Its HTTP checks share
// one connection pool across all registries made by Default.
func Default() Registry {
	return New(Options{})
}

// New returns the registry with every built-in check, configured by o. A
// registry with custom RootCAs has its own connection pool; create it once
// and reuse it, since every pool keeps idle connections open.
func New(o Options) Registry {
	if o.Now == nil {
		o.Now = time.Now
	}
	pool := sharedTransports()
	if o.RootCAs != nil {
		pool = newTransports(o.RootCAs)
	}
	h := httpChecker(pool)
	return Registry{
		monitor.TypeHTTP:       h,
		"https":                h,
		monitor.TypeTCP:        checkTCP,
		monitor.TypeDNS:        checkDNS,
		monitor.TypeICMP:       checkICMP,
		monitor.TypeTLS:        tlsChecker(o.RootCAs, o.Now),
		monitor.TypeThroughput: throughputChecker(pool),
	}
}

// Run looks up m.Type, applies m.Timeout (DefaultTimeout when unset) as a
// context deadline and runs the checker. It fills MonitorID, At (from now),
// Duration, and turns a missing checker into a down Result. Latency
// thresholds (DownAfter, DegradedAfter) are applied here, once for all
// checks. Location is left for the caller.
func (r Registry) Run(ctx context.Context, m *monitor.Monitor, now func() time.Time) monitor.Result {
	if now == nil {
		now = time.Now
	}
	start := now()
	if m == nil {
		return monitor.Result{At: start, State: monitor.Down, Message: "no monitor to check"}
	}
	res := r.run(ctx, m)
	res.MonitorID = m.ID
	res.At = start
	res.Duration = now().Sub(start)
	if res.State == "" {
		res.State = monitor.Down
		res.Message = joinMessage("check reported no state", res.Message)
	}
	applyThresholds(&res, m)
	return res
}

func (r Registry) run(ctx context.Context, m *monitor.Monitor) (res monitor.Result) {
	check, ok := r[m.Type]
	if !ok || check == nil {
		msg := fmt.Sprintf("no checker for monitor type %q", m.Type)
		if m.Type == monitor.TypeHeartbeat {
			msg = "heartbeat monitors are pushed to the server, not probed"
		}
		return monitor.Result{State: monitor.Down, Message: msg}
	}
	ctx, cancel := context.WithTimeout(ctx, timeoutOf(m))
	defer cancel()
	// A checker registered by another package may not keep the promise not
	// to panic; one bad check must not take the scheduler down with it.
	defer func() {
		if v := recover(); v != nil {
			res = monitor.Result{State: monitor.Down, Message: fmt.Sprintf("check failed: internal error: %v", v)}
		}
	}()
	return check(ctx, m)
}

// applyThresholds downgrades a result whose latency crossed the monitor's
// thresholds. A result that is already down stays as it is: its own message
// says more than "slow".
func applyThresholds(res *monitor.Result, m *monitor.Monitor) {
	if res.Latency <= 0 || res.State == monitor.Down {
		return
	}
	switch {
	case m.DownAfter > 0 && res.Latency > m.DownAfter:
		res.State = monitor.Down
		res.Message = joinMessage(res.Message, fmt.Sprintf("slow: %s > %s", roundDuration(res.Latency), m.DownAfter))
	case m.DegradedAfter > 0 && res.Latency > m.DegradedAfter:
		res.State = monitor.Degraded
		res.Message = joinMessage(res.Message, fmt.Sprintf("slow: %s > %s", roundDuration(res.Latency), m.DegradedAfter))
	}
}

func timeoutOf(m *monitor.Monitor) time.Duration {
	if m.Timeout > 0 {
		return m.Timeout
	}
	return DefaultTimeout
}

// roundDuration keeps messages readable: nanosecond digits of a network
// latency are noise.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d
}

func joinMessage(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func up(latency time.Duration) monitor.Result {
	return monitor.Result{State: monitor.Up, Latency: latency}
}

func down(format string, args ...any) monitor.Result {
	return monitor.Result{State: monitor.Down, Message: fmt.Sprintf(format, args...)}
}

// describe turns a network error into a short message for people. It
// drops *url.Error's URL, which may carry credentials in its query, and
// names a timeout by the monitor's own limit rather than as "context
// deadline exceeded" — but only when that limit is what ran out: a shorter
// limit inside a library keeps its own words.
func describe(ctx context.Context, m *monitor.Monitor, err error) string {
	var ne net.Error
	timeout := errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
	switch {
	case timeout && deadlinePassed(ctx):
		return fmt.Sprintf("timeout after %s", timeoutOf(m))
	case errors.Is(err, context.Canceled):
		return "check canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// deadlinePassed reports whether ctx's deadline has come. It looks at the
// clock as well as ctx.Err because a socket deadline set to the same
// instant can fire a moment before the context's timer does.
func deadlinePassed(ctx context.Context) bool {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// splitTarget returns host and port of a host:port target, using
// defaultPort when the target has none.
func splitTarget(target, defaultPort string) (string, string, error) {
	if target == "" {
		return "", "", errors.New("empty target")
	}
	host, port, err := net.SplitHostPort(target)
	if err == nil {
		if host == "" || port == "" {
			return "", "", fmt.Errorf("target %q needs host:port", target)
		}
		return host, port, nil
	}
	if defaultPort == "" {
		return "", "", fmt.Errorf("target %q needs host:port", target)
	}
	host = strings.Trim(target, "[]")
	if strings.Contains(host, ":") && net.ParseIP(host) == nil {
		return "", "", fmt.Errorf("target %q is not host or host:port", target)
	}
	return host, defaultPort, nil
}
