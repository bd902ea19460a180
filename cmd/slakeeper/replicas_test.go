package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slakeeper/slakeeper/internal/store/pgtest"
)

// TestReplicasSurviveKill runs three "slakeeper serve" replicas of the
// real binary on one PostgreSQL schema, kills one with SIGKILL mid-run, and
// checks from the outside what replicas promise: each monitor's check runs
// once per interval (not once per replica), the dead replica's monitors
// are picked up within two intervals, every alert webhook is delivered
// once, and each plan period is closed once.
func TestReplicasSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three replicas for about a minute")
	}
	const (
		replicas  = 3
		monitors  = 300
		failing   = 10 // every monitors/failing-th monitor answers 500 for a while
		interval  = 5 * time.Second
		killAfter = 25 * time.Second // after all replicas are ready
		runAfter  = 30 * time.Second // after the kill
		// The outage spans the kill, so that a confirmed outage and its
		// recovery may be seen by different replicas.
		failFrom  = 8 * time.Second
		failUntil = 38 * time.Second
	)
	dsn := pgtest.Schema(t, pgtest.Base(t))
	dir := t.TempDir()
	bin := filepath.Join(dir, "slakeeper")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	// The target: each monitor has its own path; every request is logged
	// with its arrival time. The failing window is set once all replicas
	// are ready (0 until then: no failures).
	var (
		mu       sync.Mutex
		requests = map[string][]time.Time{}
		failA    atomic.Int64 // unix nanoseconds
		failB    atomic.Int64
	)
	isFailing := func(i int) bool { return i%(monitors/failing) == 0 }
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		id, ok := strings.CutPrefix(r.URL.Path, "/m/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		requests[id] = append(requests[id], now)
		mu.Unlock()
		var i int
		fmt.Sscanf(id, "m%03d", &i)
		if n := now.UnixNano(); isFailing(i) && failA.Load() != 0 && n >= failA.Load() && n < failB.Load() {
			http.Error(w, "failing on purpose", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, `{"status":"ok"}`)
	}))
	t.Cleanup(target.Close)

	// The webhook receiver verifies nothing: it only counts deliveries by
	// webhook-id, and notes which monitor's event each one was, for the log.
	var (
		hookMu     sync.Mutex
		deliveries = map[string]int{}
		perEvent   = map[string]int{} // "monitor.down m030" → deliveries
	)
	typeRE, monitorRE := regexp.MustCompile(`"type":"([^"]+)"`), regexp.MustCompile(`monitor (m\d{3})`)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hookMu.Lock()
		defer hookMu.Unlock()
		deliveries[r.Header.Get("webhook-id")]++
		var kind string
		if m := typeRE.FindSubmatch(body); m != nil {
			kind = string(m[1])
		}
		if m := monitorRE.FindSubmatch(body); m != nil {
			kind += " " + string(m[1])
		}
		perEvent[kind]++
	}))
	t.Cleanup(hook.Close)

	// The configuration: 300 HTTP monitors over four components, one
	// policy covering them with two subscriptions that started before last
	// month (the ledger closes the last period ended, settle after its
	// end: at once here, by every replica's loop), and a webhook channel
	// for all alerts.
	policyFile := filepath.Join(dir, "policy.yaml")
	write(t, policyFile, `policy: shop
components:
  - {id: c0}
  - {id: c1}
  - {id: c2}
  - {id: c3}
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: pro
        objective: 99.9
        timezone: UTC
        components: [c0, c1, c2, c3]
        credits:
          tiers: [{below: "99.9", credit: 10}]
`)
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -3, 0)
	var cfg strings.Builder
	cfg.WriteString("components:\n")
	for c := range 4 {
		fmt.Fprintf(&cfg, "  - {id: c%d, name: Component %d}\n", c, c)
	}
	cfg.WriteString("monitors:\n")
	for i := range monitors {
		fmt.Fprintf(&cfg, "  - {id: m%03d, component: c%d, type: http, target: \"%s/m/m%03d\", interval: %s, timeout: 2s}\n",
			i, i%4, target.URL, i, interval)
	}
	fmt.Fprintf(&cfg, `policies: [policy.yaml]
customers:
  - {id: acme, name: Acme}
  - {id: globex, name: Globex}
subscriptions:
  - {id: sub-acme, customer: acme, policy: shop, plan: pro, fee: "1000.00", currency: EUR, start: %[1]q}
  - {id: sub-globex, customer: globex, policy: shop, plan: pro, fee: "300.00", currency: USD, start: %[1]q}
ledger: {settle: 1s, every: 2s}
alerts:
  - {name: ops-hook, kind: webhook, url: "%[2]s/hook", secret_env: HOOK_SECRET}
`, start.Format(time.RFC3339), hook.URL)
	// A dead replica's monitors move within a lease and a heartbeat: 4 s,
	// under one interval.
	cfg.WriteString("cluster: {heartbeat: 1s, lease: 3s}\n")
	cfgFile := filepath.Join(dir, "slakeeper.yaml")
	write(t, cfgFile, cfg.String())
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("replicas-test-signing-key-0123"))

	// Start the replicas together: they race for the migrations and
	// membership as a real rollout would.
	reps := make([]*replica, replicas)
	for i := range reps {
		reps[i] = startReplica(t, bin, i+1, cfgFile, dsn, "HOOK_SECRET="+secret)
	}
	t.Cleanup(func() {
		// Whatever is still running goes before the schema is dropped
		// (cleanups run last-registered first).
		for _, r := range reps {
			r.cmd.Process.Kill()
			<-r.done
		}
		if t.Failed() {
			for _, r := range reps {
				t.Logf("replica %d (pid %d) stderr, last lines:\n%s", r.n, r.cmd.Process.Pid, r.logs.tail(40))
			}
		}
	})
	for _, r := range reps {
		r.waitReady(t, 60*time.Second)
	}
	allReady := time.Now()
	failA.Store(allReady.Add(failFrom).UnixNano())
	failB.Store(allReady.Add(failUntil).UnixNano())
	t.Logf("all %d replicas ready; monitors %d at %s; failing %d monitors from +%s to +%s", replicas, monitors, interval, failing, failFrom, failUntil)

	time.Sleep(time.Until(allReady.Add(killAfter)))
	victim := reps[0]
	killAt := time.Now()
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill replica %d: %v", victim.n, err)
	}
	<-victim.done
	t.Logf("replica %d killed at +%s", victim.n, killAt.Sub(allReady).Round(time.Millisecond))

	time.Sleep(time.Until(killAt.Add(runAfter)))
	stopAt := time.Now()
	for _, r := range reps[1:] {
		r.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, r := range reps[1:] {
		select {
		case <-r.done:
			if ps := r.cmd.ProcessState; !ps.Success() {
				t.Errorf("replica %d exited after SIGTERM: %s", r.n, ps)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("replica %d did not stop within 30 s of SIGTERM", r.n)
		}
	}

	// Errors logged are not failures by themselves, but say where to look.
	for _, r := range reps {
		t.Logf("replica %d logged %d errors", r.n, r.logs.count("level=ERROR"))
	}

	// The checks, as the target saw them (up to the SIGTERM).
	mu.Lock()
	seen := map[string][]time.Time{}
	for id, ts := range requests {
		seen[id] = slices.Clone(ts)
	}
	mu.Unlock()
	var (
		total, twice         int
		twiceBy              [3]int // before all ready, ready→kill, after the kill
		maxGap               time.Duration
		maxGapID             string
		maxGapAt             time.Time
		unchecked, overSlack []string
	)
	limit := 2*interval + time.Second
	for i := range monitors {
		id := fmt.Sprintf("m%03d", i)
		ts := seen[id]
		sort.Slice(ts, func(a, b int) bool { return ts[a].Before(ts[b]) })
		ts = slices.DeleteFunc(ts, func(x time.Time) bool { return x.After(stopAt) })
		if len(ts) == 0 {
			unchecked = append(unchecked, id)
			continue
		}
		total += len(ts)
		for j := 1; j < len(ts); j++ {
			if ts[j].Sub(ts[j-1]) < interval/2 {
				twice++
				switch {
				case ts[j].Before(allReady):
					twiceBy[0]++
				case ts[j].Before(killAt):
					twiceBy[1]++
				default:
					twiceBy[2]++
				}
			}
		}
		// Gaps once all were ready, up to the SIGTERM: a monitor never
		// checked again after the kill shows as a gap to stopAt.
		points := ts
		if !ts[0].Before(allReady) {
			points = append([]time.Time{allReady}, points...)
		}
		points = append(points, stopAt)
		worst := time.Duration(0)
		for j := 1; j < len(points); j++ {
			if !points[j].After(allReady) {
				continue
			}
			if g := points[j].Sub(points[j-1]); g > worst {
				worst = g
				if g > maxGap {
					maxGap, maxGapID, maxGapAt = g, id, points[j-1]
				}
			}
		}
		if worst > limit {
			overSlack = append(overSlack, fmt.Sprintf("%s (%s)", id, worst.Round(time.Millisecond)))
		}
	}
	// An interval checked n times shows as n−1 close pairs: the intervals
	// checked are the requests less the close pairs.
	intervals := total - twice
	pct := 0.0
	if intervals > 0 {
		pct = float64(twice) / float64(intervals) * 100
	}
	t.Logf("checks: %d requests, %d intervals, %d checked twice (%.2f %%): %d before all were ready, %d ready→kill, %d after the kill",
		total, intervals, twice, pct, twiceBy[0], twiceBy[1], twiceBy[2])
	t.Logf("largest gap after all were ready: %s (%s, from +%s; kill at +%s); limit %s",
		maxGap.Round(time.Millisecond), maxGapID, maxGapAt.Sub(allReady).Round(time.Millisecond), killAt.Sub(allReady).Round(time.Millisecond), limit)
	if len(unchecked) > 0 {
		t.Errorf("%d monitors never checked: %v", len(unchecked), head(unchecked, 20))
	}
	if pct >= 1 {
		t.Errorf("%.2f %% of intervals checked twice (%d of %d), want < 1 %%", pct, twice, intervals)
	}
	if len(overSlack) > 0 {
		t.Errorf("%d monitors had a gap longer than %s: %v", len(overSlack), limit, head(overSlack, 20))
	}

	// Webhooks: each id once.
	hookMu.Lock()
	var dups []string
	for id, n := range deliveries {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s ×%d", id, n))
		}
	}
	sort.Strings(dups)
	var events []string
	for k, n := range perEvent {
		events = append(events, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(events)
	nDeliveries := len(deliveries)
	hookMu.Unlock()
	t.Logf("webhooks: %d distinct ids, %d delivered more than once; by event: %v", nDeliveries, len(dups), events)
	if nDeliveries == 0 {
		t.Error("no webhook was delivered (the failing monitors' outages should have been alerted)")
	}
	if len(dups) > 0 {
		t.Errorf("webhook ids delivered more than once: %v", head(dups, 20))
	}

	// Closes: one per (policy, subscription, period).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT policy, subscription, period, count(*) FROM closes GROUP BY 1, 2, 3 ORDER BY 3`)
	if err != nil {
		t.Fatalf("closes: %v", err)
	}
	var closes, closeDups []string
	for rows.Next() {
		var p, s, per string
		var n int
		if err := rows.Scan(&p, &s, &per, &n); err != nil {
			t.Fatal(err)
		}
		closes = append(closes, s+" "+per)
		if n > 1 {
			closeDups = append(closeDups, fmt.Sprintf("%s/%s/%s ×%d", p, s, per, n))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("closes: %d (periods %v)", len(closes), closes)
	if len(closes) == 0 {
		t.Error("no period was closed")
	}
	if len(closeDups) > 0 {
		t.Errorf("periods closed more than once: %v", closeDups)
	}
}

// replica is one "slakeeper serve" process of TestReplicasSurviveKill.
type replica struct {
	n    int
	cmd  *exec.Cmd
	base string
	logs *tailBuffer
	done chan struct{} // closed when the process has exited
}

func startReplica(t *testing.T, bin string, n int, cfg, dsn string, env ...string) *replica {
	t.Helper()
	addr := freeAddr(t)
	r := &replica{n: n, base: "http://" + addr, logs: &tailBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", "--addr", addr, "--config", cfg, "--database", dsn)
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start replica %d: %v", n, err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	return r
}

// waitReady polls /readyz until it answers 200; a replica that exits
// meanwhile fails the test (the cleanup prints the logs).
func (r *replica) waitReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; {
		if resp, err := http.Get(r.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-r.done:
			t.Fatalf("replica %d exited before it was ready: %s", r.n, r.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %d not ready in %s", r.n, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tailBuffer is a process's output, written by exec's copying goroutine
// while the test may read it.
type tailBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// tail is the last n lines.
func (w *tailBuffer) tail(n int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	lines := strings.SplitAfter(w.b.String(), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// count is how many lines hold s.
func (w *tailBuffer) count(s string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for line := range strings.Lines(w.b.String()) {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// head is at most the first n of s.
func head(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… %d more", len(s)-n))
	}
	return s
}
