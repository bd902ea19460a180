// Command monitors benchmarks the server with many HTTP monitors: it starts
// a target HTTP server, writes a configuration of N monitors against it,
// runs the slakeeper binary (built beforehand) for a while, and prints the
// server process's CPU use, resident memory, scheduling lag, results
// stored versus expected, and storage growth per monitor per day.
//
//	go build -o /tmp/slakeeper ./cmd/slakeeper
//	go run ./bench/monitors -bin /tmp/slakeeper -n 10000 -interval 30s -duration 5m
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/bench/internal/benchutil"
	"github.com/slakeeper/slakeeper/internal/store"
)

func main() {
	bin := flag.String("bin", "/tmp/slakeeper", "slakeeper binary")
	n := flag.Int("n", 10000, "monitors")
	interval := flag.Duration("interval", 30*time.Second, "check interval")
	duration := flag.Duration("duration", 5*time.Minute, "measured run time (after one interval of warm-up)")
	dsn := flag.String("database", "", "store DSN (default: an SQLite file in a temp dir)")
	profile := flag.String("cpuprofile", "", "have the server write a CPU profile here")
	flag.Parse()
	if err := run(*bin, *n, *interval, *duration, *dsn, *profile); err != nil {
		log.Fatal(err)
	}
}

func run(bin string, n int, interval, duration time.Duration, dsn, profile string) error {
	dir, err := os.MkdirTemp("", "slakeeper-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if dsn == "" {
		dsn = filepath.Join(dir, "bench.db")
	}
	targets, err := benchutil.Targets(10)
	if err != nil {
		return err
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "components:\n  - {id: web}\nmonitors:\n")
	for i := range n {
		fmt.Fprintf(&cfg, "  - {id: m%05d, component: web, type: http, target: \"http://%s/m%05d\", interval: %s, timeout: 10s}\n", i, targets[i%len(targets)], i, interval)
	}
	cfgPath := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		return err
	}
	args := []string{"--config", cfgPath, "--database", dsn}
	if profile != "" {
		args = append(args, "--cpuprofile", profile)
	}
	base, pid, stop, err := benchutil.Serve(bin, args...)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("slakeeper pid %d: %d HTTP monitors every %s; warming up for one interval\n", pid, n, interval)
	time.Sleep(interval)

	ctx := context.Background()
	st, err := store.Open(ctx, dsn, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	size0, _ := st.Size(ctx)
	cpu0, _ := cpuSeconds(pid)
	t0 := time.Now()
	runs0 := metric(base, "slakeeper_scheduler_runs_total")
	var maxRSS int64
	for time.Since(t0) < duration {
		time.Sleep(30 * time.Second)
		if rss, err := rssBytes(pid); err == nil && rss > maxRSS {
			maxRSS = rss
		}
		fmt.Printf("  %3.0fs: runs %.0f, lag p99 %s, rss %d MB\n", time.Since(t0).Seconds(), metric(base, "slakeeper_scheduler_runs_total")-runs0,
			time.Duration(metric(base, "slakeeper_scheduler_lag_p99_seconds")*1e9), maxRSS>>20)
	}
	elapsed := time.Since(t0)
	cpu1, _ := cpuSeconds(pid)
	runs := metric(base, "slakeeper_scheduler_runs_total") - runs0
	lagP99 := metric(base, "slakeeper_scheduler_lag_p99_seconds")
	lagMax := metric(base, "slakeeper_scheduler_lag_max_seconds")
	skipped := metric(base, "slakeeper_scheduler_skipped_total")
	// Let the last batch commit before counting.
	time.Sleep(time.Second)
	size1, _ := st.Size(ctx)
	var stored int
	from := t0.Add(-time.Second)
	for i := range n {
		rs, err := st.Results(ctx, fmt.Sprintf("m%05d", i), from, t0.Add(elapsed))
		if err != nil {
			return err
		}
		stored += len(rs)
	}
	expected := float64(n) * elapsed.Seconds() / interval.Seconds()
	cpuPct := (cpu1 - cpu0) / elapsed.Seconds() * 100
	perDay := float64(size1-size0) / float64(n) / elapsed.Seconds() * 86400
	fmt.Println()
	fmt.Printf("monitors                 %d at %s\n", n, interval)
	fmt.Printf("measured                 %s\n", elapsed.Round(time.Second))
	fmt.Printf("CPU (slakeeper process)  %.1f %% of one core\n", cpuPct)
	fmt.Printf("resident memory (max)    %d MB\n", maxRSS>>20)
	fmt.Printf("scheduler lag            p99 %s, max %s\n", time.Duration(lagP99*1e9).Round(time.Microsecond), time.Duration(lagMax*1e9).Round(time.Microsecond))
	fmt.Printf("checks run / expected    %.0f / %.0f (skipped %.0f)\n", runs, expected, skipped)
	fmt.Printf("results stored           %d (%.1f %% of checks run)\n", stored, float64(stored)/runs*100)
	fmt.Printf("storage growth           %.0f bytes per monitor per day (%d bytes in %s)\n", perDay, size1-size0, elapsed.Round(time.Second))
	return nil
}

// cpuSeconds reads a process's user+system CPU time from /proc.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start after ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	stt, _ := strconv.ParseFloat(f[12], 64)
	return (ut + stt) / 100, nil // USER_HZ is 100 on Linux
}

func rssBytes(pid int) (int64, error) {
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

// metric reads one unlabelled sample from /metrics.
func metric(base, name string) float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
