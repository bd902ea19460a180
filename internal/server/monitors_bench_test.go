package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/store"
)

// BenchmarkMonitorsList: the monitors console's list at 10,000 monitors
// (100 components), each with checks in every hour of the last day and
// every day of the last 30, a hundred of them down. "service" is the
// figures alone (monitors.Service.List); "api" the JSON of all 10,000
// (GET /api/v1/monitors); "page" one page of the list as HTML, sorted by
// p95 (GET /admin/monitors?sort=p95&order=desc).
func BenchmarkMonitorsList(b *testing.B) {
	const n = 10000
	now := mustTime(b, "2026-10-14T09:00:00Z")
	var cfg strings.Builder
	cfg.WriteString("components:\n")
	for c := range 100 {
		fmt.Fprintf(&cfg, "  - {id: c%d, name: Component %d}\n", c, c)
	}
	cfg.WriteString("monitors:\n")
	for i := range n {
		fmt.Fprintf(&cfg, "  - {id: m%05d, component: c%d, type: http, target: \"http://127.0.0.1:9/%d\", interval: 30s, fail_after: 1, recover_after: 1}\n", i, i%100, i)
	}
	_, rest, _ := strings.Cut(monitorsTestConfig, "policies:")
	cfg.WriteString("policies:" + rest)
	e := newMonitorsEnv(b, cfg.String(), now)
	loc := e.cfg.Server.Location
	// Fill the tracker as a day of checks would: a result in each hour,
	// day counts before.
	var rs []monitor.Result
	var days []store.DayCount
	for i := range n {
		id := fmt.Sprintf("m%05d", i)
		for h := 23; h >= 0; h-- {
			rs = append(rs, monitor.Result{MonitorID: id, Location: loc, At: now.Add(-time.Duration(h)*time.Hour + time.Second), State: monitor.Up,
				Latency: time.Duration(20+i%300+h) * time.Millisecond})
		}
		for d := 1; d < 30; d++ {
			days = append(days, store.DayCount{MonitorID: id, Location: loc, Day: now.Truncate(24 * time.Hour).Add(-time.Duration(d) * 24 * time.Hour), Up: 2870, Down: 10})
		}
	}
	tr := monitors.NewTracker(now.Add(-25 * time.Hour))
	tr.Observe(rs)
	tr.Warm(nil, days)
	e.srv.mon = tr
	for i := range 100 {
		e.srv.det.Observe(monitor.Result{MonitorID: fmt.Sprintf("m%05d", i*100), Location: loc, At: now, State: monitor.Down, Message: "status 503"})
	}
	e.clock.set(now.Add(time.Minute))
	svc := monitors.New(e.srv.Config, e.srv.now, e.srv, e.st)

	b.Run("service", func(b *testing.B) {
		for b.Loop() {
			rows, err := svc.List(monitors.Query{Sort: "p95", Desc: true})
			if err != nil || len(rows) != n {
				b.Fatalf("%d rows, %v", len(rows), err)
			}
		}
	})
	get := func(b *testing.B, c *http.Client, path, token string) int {
		req, _ := http.NewRequest("GET", e.url+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return len(body)
	}
	b.Run("api", func(b *testing.B) {
		size := 0
		for b.Loop() {
			size = get(b, http.DefaultClient, "/api/v1/monitors", testViewerToken)
		}
		b.ReportMetric(float64(size), "bytes/op-body")
	})
	jar, _ := cookiejar.New(nil)
	signedIn := &http.Client{Jar: jar}
	resp, err := signedIn.PostForm(e.url+"/admin/signin", url.Values{"name": {"alice"}, "password": {testAlicePassword}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	b.Run("page", func(b *testing.B) {
		size := 0
		for b.Loop() {
			size = get(b, signedIn, "/admin/monitors?sort=p95&order=desc", "")
		}
		b.ReportMetric(float64(size), "bytes/op-body")
	})
}
