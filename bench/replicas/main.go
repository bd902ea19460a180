// Command replicas benchmarks several "slakeeper serve" replicas on one
// PostgreSQL database: N replicas (default 3) of the binary share M HTTP
// monitors (default 10,000) at interval I (default 30s) against an
// in-process target that logs each request per monitor. After all are
// ready it measures for D (default 3m) and prints each replica's CPU
// (seconds, and average % of one core) and memory, and overall the checks
// made, the intervals checked more than once, and the monitors left
// unchecked for more than two intervals. With -kill-after it SIGKILLs
// replica 1 that long into the window and reports the largest gap after.
//
//	go run ./bench/replicas -monitors 1000 -duration 40s
//	go run ./bench/replicas -bin /tmp/slakeeper -kill-after 60s -cluster '{heartbeat: 1s, lease: 4s}' -json
//
// PostgreSQL is -postgres (default SLAKEEPER_TEST_POSTGRES or a local
// server); the run uses a schema of its own, dropped at the end. Without
// -bin the binary is built into a temporary directory first.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/slakeeper/slakeeper/bench/internal/benchutil"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/replicas:", err)
		os.Exit(1)
	}
}

type opts struct {
	bin, dsn, cluster           string
	replicas, monitors          int
	interval, timeout, duration time.Duration
	killAfter                   time.Duration
	json, keep                  bool
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o opts
	fs := flag.NewFlagSet("replicas", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "", "slakeeper binary (default: build ./cmd/slakeeper into a temporary directory)")
	fs.StringVar(&o.dsn, "postgres", "", "PostgreSQL server (default SLAKEEPER_TEST_POSTGRES or a local server)")
	fs.IntVar(&o.replicas, "replicas", 3, "replicas")
	fs.IntVar(&o.monitors, "monitors", 10_000, "HTTP monitors")
	fs.DurationVar(&o.interval, "interval", 30*time.Second, "check interval")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "check timeout")
	fs.DurationVar(&o.duration, "duration", 3*time.Minute, "measured window, from when all replicas are ready")
	fs.DurationVar(&o.killAfter, "kill-after", 0, "SIGKILL replica 1 this long into the window (0: never)")
	fs.StringVar(&o.cluster, "cluster", "", "the configuration's cluster: section as a YAML flow mapping, e.g. '{heartbeat: 1s, lease: 4s}' (empty: none)")
	fs.BoolVar(&o.json, "json", false, "print the figures as JSON")
	fs.BoolVar(&o.keep, "keep", false, "keep the PostgreSQL schema")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.replicas < 1 || o.monitors < 1 || o.interval <= 0 || o.duration <= 0 {
		return errors.New("-replicas, -monitors, -interval and -duration must be positive")
	}
	if o.killAfter >= o.duration {
		return errors.New("-kill-after must be shorter than -duration")
	}
	if o.dsn == "" {
		o.dsn = getenv("SLAKEEPER_TEST_POSTGRES")
	}
	if o.dsn == "" {
		o.dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }

	dir, err := os.MkdirTemp("", "bench-replicas-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.bin == "" {
		o.bin = filepath.Join(dir, "slakeeper")
		progress("building %s", o.bin)
		if err := build(ctx, o.bin); err != nil {
			return err
		}
	}
	dsn, version, drop, err := benchutil.PostgresSchema(ctx, o.dsn, "bench_replicas", o.keep)
	if err != nil {
		return err
	}
	defer drop()

	tgt, err := startTarget(o.monitors, 10)
	if err != nil {
		return err
	}
	cfg := filepath.Join(dir, "slakeeper.yaml")
	if err := writeConfig(cfg, o, tgt.addrs); err != nil {
		return err
	}
	tick := clockTick()

	// The replicas start together, as a rollout would start them.
	reps := make([]*replica, o.replicas)
	for i := range reps {
		if reps[i], err = startReplica(o.bin, i+1, cfg, dsn, dir); err != nil {
			return err
		}
	}
	defer func() {
		for _, r := range reps {
			if r != nil {
				r.stop(30 * time.Second)
			}
		}
	}()
	for _, r := range reps {
		if err := r.waitReady(ctx, 5*time.Minute); err != nil {
			return err
		}
	}
	start := time.Now()
	progress("%d replicas ready on PostgreSQL %s; %d monitors every %s; measuring for %s", o.replicas, version, o.monitors, o.interval, o.duration)
	for _, r := range reps {
		r.cpu0, _ = cpuSeconds(r.cmd.Process.Pid, tick)
	}

	// Sample memory as we go: the killed replica's figures are taken just
	// before the kill.
	end := start.Add(o.duration)
	var killAt time.Time
	for now := time.Now(); now.Before(end); now = time.Now() {
		next := now.Add(10 * time.Second)
		if end.Before(next) {
			next = end
		}
		if o.killAfter > 0 && killAt.IsZero() && start.Add(o.killAfter).Before(next) {
			next = start.Add(o.killAfter)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(next)):
		}
		for _, r := range reps {
			r.sample(tick)
		}
		if o.killAfter > 0 && killAt.IsZero() && !time.Now().Before(start.Add(o.killAfter)) {
			killAt = time.Now()
			reps[0].kill()
			progress("  %3.0fs: replica 1 killed", killAt.Sub(start).Seconds())
		}
		for _, r := range reps {
			if !r.killed && r.exited() {
				return fmt.Errorf("replica %d exited during the run:\n%s", r.n, r.tail(20))
			}
		}
		progress("  %3.0fs: %d checks so far", time.Since(start).Seconds(), tgt.count())
	}
	res := tgt.analyse(start, end, killAt, o.interval)
	res.Replicas = make([]replicaResult, len(reps))
	for i, r := range reps {
		alive := r.lastAt.Sub(start).Seconds()
		res.Replicas[i] = replicaResult{Replica: r.n, Pid: r.cmd.Process.Pid, Killed: r.killed, Seconds: alive,
			CPUSeconds: r.cpu - r.cpu0, CPUPercent: (r.cpu - r.cpu0) / alive * 100, RSS: r.rss, PeakRSS: r.peak}
	}
	res.Monitors, res.Interval, res.Duration, res.Cores = o.monitors, o.interval.Seconds(), o.duration.Seconds(), runtime.NumCPU()
	res.ExpectedChecks = float64(o.monitors) * o.duration.Seconds() / o.interval.Seconds()
	if o.killAfter > 0 {
		res.KillAfter = o.killAfter.Seconds()
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printTable(stdout, res, o)
	return nil
}

// build builds the binary from the module the benchmark runs in.
func build(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/slakeeper")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build: %w\n%s", err, out)
	}
	return nil
}

func writeConfig(path string, o opts, addrs []string) error {
	var b strings.Builder
	b.WriteString("components:\n")
	for c := range 10 {
		fmt.Fprintf(&b, "  - {id: c%d}\n", c)
	}
	b.WriteString("monitors:\n")
	for i := range o.monitors {
		fmt.Fprintf(&b, "  - {id: m%05d, component: c%d, type: http, target: \"http://%s/m/%d\", interval: %s, timeout: %s}\n",
			i, i%10, addrs[i%len(addrs)], i, o.interval, min(o.timeout, o.interval))
	}
	if o.cluster != "" {
		fmt.Fprintf(&b, "cluster: %s\n", o.cluster)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// target answers every monitor's path and logs when each request came.
// Several listeners, so that connections spread as over real hosts.
type target struct {
	addrs []string
	mu    sync.Mutex
	log   [][]time.Time // by monitor index
	n     int
}

func startTarget(monitors, listeners int) (*target, error) {
	t := &target{log: make([][]time.Time, monitors)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/m/"))
		if err != nil || i < 0 || i >= monitors {
			http.NotFound(w, r)
			return
		}
		t.mu.Lock()
		t.log[i] = append(t.log[i], now)
		t.n++
		t.mu.Unlock()
		io.WriteString(w, `{"status":"ok"}`)
	})
	for range listeners {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go http.Serve(ln, h)
		t.addrs = append(t.addrs, ln.Addr().String())
	}
	return t, nil
}

func (t *target) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// result is what the benchmark prints.
type result struct {
	Replicas []replicaResult `json:"replicas"`
	Monitors int             `json:"monitors"`
	Interval float64         `json:"interval_seconds"`
	Duration float64         `json:"duration_seconds"`
	Cores    int             `json:"cores"`
	// Checks are the requests the target got in the window; an interval
	// checked n times shows as n−1 requests less than interval/2 after the
	// one before, counted in Twice.
	Checks         int     `json:"checks"`
	ExpectedChecks float64 `json:"expected_checks"`
	Twice          int     `json:"intervals_checked_twice"`
	TwicePercent   float64 `json:"checked_twice_percent"`
	// GapMonitors went more than two intervals without a check in the
	// window (the window's ends count as checks when none came before).
	GapMonitors int     `json:"monitors_gap_over_2_intervals"`
	Unchecked   int     `json:"monitors_unchecked"`
	MaxGap      float64 `json:"largest_gap_seconds"`
	KillAfter   float64 `json:"kill_after_seconds,omitempty"`
	// MaxGapAfterKill is the largest gap that ends after the kill.
	MaxGapAfterKill float64 `json:"largest_gap_after_kill_seconds,omitempty"`
}

type replicaResult struct {
	Replica    int     `json:"replica"`
	Pid        int     `json:"pid"`
	Killed     bool    `json:"killed"`
	Seconds    float64 `json:"measured_seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPercent float64 `json:"cpu_percent_of_one_core"`
	RSS        int64   `json:"rss_bytes"`
	PeakRSS    int64   `json:"peak_rss_bytes"`
}

func (t *target) analyse(start, end, killAt time.Time, interval time.Duration) result {
	t.mu.Lock()
	defer t.mu.Unlock()
	var res result
	var maxGap, maxAfterKill time.Duration
	for _, all := range t.log {
		ts := slices.Clone(all)
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		// The last check before the window starts its first gap.
		first := 0
		for first < len(ts) && ts[first].Before(start) {
			first++
		}
		in := ts[first:]
		for len(in) > 0 && !in[len(in)-1].Before(end) {
			in = in[:len(in)-1]
		}
		if len(in) == 0 {
			res.Unchecked++
		}
		res.Checks += len(in)
		for j := 1; j < len(in); j++ {
			if in[j].Sub(in[j-1]) < interval/2 {
				res.Twice++
			}
		}
		points := append([]time.Time{start}, in...)
		if first > 0 {
			points[0] = ts[first-1]
		}
		points = append(points, end)
		worst := time.Duration(0)
		for j := 1; j < len(points); j++ {
			g := points[j].Sub(points[j-1])
			worst = max(worst, g)
			if !killAt.IsZero() && points[j].After(killAt) {
				maxAfterKill = max(maxAfterKill, g)
			}
		}
		maxGap = max(maxGap, worst)
		// Two intervals is one check missed; a tenth of an interval more
		// is the scheduler's and the target's jitter, not a second miss.
		if worst > 2*interval+interval/10 {
			res.GapMonitors++
		}
	}
	if distinct := res.Checks - res.Twice; distinct > 0 {
		res.TwicePercent = float64(res.Twice) / float64(distinct) * 100
	}
	res.MaxGap = maxGap.Seconds()
	res.MaxGapAfterKill = maxAfterKill.Seconds()
	return res
}

func printTable(w io.Writer, res result, o opts) {
	fmt.Fprintf(w, "%d replicas, %d HTTP monitors every %s, measured %s, %d cores\n\n", len(res.Replicas), res.Monitors, o.interval, o.duration, res.Cores)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "replica\tpid\tmeasured\tCPU s\tCPU % of a core\tRSS MB\tpeak RSS MB\t")
	for _, r := range res.Replicas {
		note := ""
		if r.Killed {
			note = " (killed)"
		}
		fmt.Fprintf(tw, "%d%s\t%d\t%.0fs\t%.1f\t%.1f\t%d\t%d\t\n", r.Replica, note, r.Pid, r.Seconds, r.CPUSeconds, r.CPUPercent, r.RSS>>20, r.PeakRSS>>20)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintf(w, "checks made / expected        %d / %.0f\n", res.Checks, res.ExpectedChecks)
	fmt.Fprintf(w, "intervals checked twice       %d (%.2f %%)\n", res.Twice, res.TwicePercent)
	fmt.Fprintf(w, "monitors with a gap > 2.1×%s %d (never checked: %d)\n", o.interval, res.GapMonitors, res.Unchecked)
	fmt.Fprintf(w, "largest gap                   %.1fs\n", res.MaxGap)
	if res.KillAfter > 0 {
		fmt.Fprintf(w, "largest gap after the kill    %.1fs (replica 1 killed at %.0fs)\n", res.MaxGapAfterKill, res.KillAfter)
	}
}

// replica is one "slakeeper serve" process; its output goes to a file.
type replica struct {
	n       int
	cmd     *exec.Cmd
	base    string
	logPath string
	done    chan struct{}
	killed  bool
	// cpu0 is the CPU time at the window's start; cpu, rss and lastAt the
	// last sample, peak the highest RSS seen (VmHWM).
	cpu0, cpu float64
	rss, peak int64
	lastAt    time.Time
}

func startReplica(bin string, n int, cfg, dsn, dir string) (*replica, error) {
	addr, err := benchutil.FreeAddr()
	if err != nil {
		return nil, err
	}
	r := &replica{n: n, base: "http://" + addr, logPath: filepath.Join(dir, fmt.Sprintf("replica-%d.log", n)), done: make(chan struct{})}
	f, err := os.Create(r.logPath)
	if err != nil {
		return nil, err
	}
	r.cmd = exec.Command(bin, "serve", "--addr", addr, "--config", cfg, "--database", dsn)
	r.cmd.Stdout, r.cmd.Stderr = f, f
	if err := r.cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	go func() { r.cmd.Wait(); f.Close(); close(r.done) }()
	return r, nil
}

func (r *replica) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func (r *replica) waitReady(ctx context.Context, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); ; {
		if resp, err := http.Get(r.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if r.exited() {
			return fmt.Errorf("replica %d exited before it was ready (%s):\n%s", r.n, r.cmd.ProcessState, r.tail(20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("replica %d not ready in %s:\n%s", r.n, timeout, r.tail(20))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// sample reads the replica's CPU time and memory, while it runs.
func (r *replica) sample(tick float64) {
	if r.killed || r.exited() {
		return
	}
	cpu, err := cpuSeconds(r.cmd.Process.Pid, tick)
	if err != nil {
		return
	}
	r.cpu, r.lastAt = cpu, time.Now()
	r.rss, r.peak = memory(r.cmd.Process.Pid)
}

func (r *replica) kill() {
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
	r.killed = true
}

// stop sends SIGTERM and waits, then SIGKILL.
func (r *replica) stop(wait time.Duration) {
	if r.exited() {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(wait):
		r.cmd.Process.Kill()
		<-r.done
	}
}

func (r *replica) tail(n int) string {
	b, _ := os.ReadFile(r.logPath)
	lines := strings.SplitAfter(string(b), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "")
}

// clockTick is the kernel's clock ticks per second (USER_HZ), which
// /proc/<pid>/stat counts CPU time in: 100 on Linux when getconf is absent.
func clockTick() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && v > 0 {
			return v
		}
	}
	return 100
}

// cpuSeconds reads a process's user+system CPU time from /proc.
func cpuSeconds(pid int, tick float64) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (which may hold spaces) start
	// after ')': utime and stime are fields 14 and 15 of the line.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / tick, nil
}

// memory is a process's resident set and its peak (VmRSS, VmHWM).
func memory(pid int) (rss, peak int64) {
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[0], 10, 64)
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak
}
