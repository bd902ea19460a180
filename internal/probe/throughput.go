package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// maxDownload caps a throughput download so that a misconfigured target
// (a stream, an ISO image) cannot run for ever or fill a link for long.
const maxDownload = 1 << 30

func throughputChecker(t *transports) Checker {
	return func(ctx context.Context, m *monitor.Monitor) monitor.Result {
		return checkThroughput(ctx, m, t)
	}
}

// checkThroughput downloads the target and reports the body's download
// rate. The clock starts when the response headers have arrived, so the
// rate measures transfer rather than connection set-up or server think
// time; Latency is the time to those headers.
func checkThroughput(ctx context.Context, m *monitor.Monitor, t *transports) monitor.Result {
	if err := checkURL(m.Target); err != nil {
		return down("invalid target: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.Target, nil)
	if err != nil {
		return down("invalid request: %s", describe(ctx, m, err))
	}
	req.Header.Set("User-Agent", userAgent)
	// Asking for identity stops the transport from negotiating gzip, so
	// the bytes counted are the bytes that crossed the network.
	req.Header.Set("Accept-Encoding", "identity")
	client := &http.Client{Transport: t.verify}

	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return down("request failed: %s", describe(ctx, m, err))
	}
	defer resp.Body.Close()
	bodyStart := time.Now()
	latency := bodyStart.Sub(start)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return monitor.Result{State: monitor.Down, Latency: latency, Message: fmt.Sprintf("status %d, want 200-299", resp.StatusCode)}
	}
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxDownload))
	// A body already buffered when the headers arrived can take no
	// measurable time; a microsecond floor keeps the rate finite.
	elapsed := max(time.Since(bodyStart), time.Microsecond)
	mbps := float64(n) * 8 / elapsed.Seconds() / 1e6

	res := monitor.Result{State: monitor.Up, Latency: latency}
	if n > 0 {
		res.ThroughputMbps = &mbps
	}
	switch {
	case err != nil:
		res.State = monitor.Down
		res.Message = fmt.Sprintf("download failed after %d bytes (%.1f Mbps): %s", n, mbps, describe(ctx, m, err))
	case n == 0:
		res.State = monitor.Down
		res.Message = "empty body, nothing to measure"
	case m.Throughput != nil && m.Throughput.MinMbps > 0 && mbps < m.Throughput.MinMbps:
		res.State = monitor.Degraded
		res.Message = fmt.Sprintf("throughput %.1f Mbps < %g Mbps", mbps, m.Throughput.MinMbps)
	}
	return res
}
