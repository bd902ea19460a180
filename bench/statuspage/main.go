// Command statuspage benchmarks the public status page on its worst day:
// everybody reloading it at once while the server keeps checking. It seeds
// a store with N components and D days of status history and incidents,
// runs the slakeeper binary (built beforehand) with those components and
// the monitoring benchmark's monitors (M HTTP monitors against a local
// target), waits one check interval, then loads the page with wrk and
// prints the page's size (uncompressed and gzip), then requests per second
// and latency percentiles for a first visit (gzip body), a client without
// gzip, and a revalidation (If-None-Match, 304).
//
//	go build -o /tmp/slakeeper ./cmd/slakeeper
//	go run ./bench/statuspage -bin /tmp/slakeeper -components 1000 -days 90 -monitors 10000 -connections 100 -duration 30s
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/bench/internal/benchutil"
	"github.com/slakeeper/slakeeper/internal/store"
)

func main() {
	bin := flag.String("bin", "/tmp/slakeeper", "slakeeper binary")
	comps := flag.Int("components", 1000, "status page components")
	days := flag.Int("days", 90, "days of status history")
	monitors := flag.Int("monitors", 10000, "HTTP monitors running meanwhile (0: none)")
	interval := flag.Duration("interval", 30*time.Second, "their check interval")
	conns := flag.Int("connections", 100, "wrk connections")
	threads := flag.Int("threads", 2, "wrk threads")
	duration := flag.Duration("duration", 30*time.Second, "wrk duration of each load")
	profile := flag.String("cpuprofile", "", "have the server write a CPU profile here")
	memProfile := flag.String("memprofile", "", "have the server write an allocation profile here")
	save := flag.String("save", "", "write the uncompressed page to this file")
	flag.Parse()
	if _, err := exec.LookPath("wrk"); err != nil {
		log.Fatal("wrk is not installed (apt-get install wrk)")
	}
	if err := run(*bin, *comps, *days, *monitors, *interval, *conns, *threads, *duration, *profile, *memProfile, *save); err != nil {
		log.Fatal(err)
	}
}

func run(bin string, comps, days, monitors int, interval time.Duration, conns, threads int, duration time.Duration, profile, memProfile, save string) error {
	dir, err := os.MkdirTemp("", "slakeeper-bench-page")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "bench.db")
	now := time.Now().UTC()
	nFacts, err := seed(db, comps, days, now)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d components with %d days of history: %d facts\n", comps, days, nFacts)

	targets, err := benchutil.Targets(10)
	if err != nil {
		return err
	}
	var cfg strings.Builder
	cfg.WriteString("components:\n")
	for i := range comps {
		fmt.Fprintf(&cfg, "  - {id: c%03d, name: \"Component %03d\", group: \"Group %d\"}\n", i, i, i/10)
	}
	if monitors > 0 {
		cfg.WriteString("monitors:\n")
		for i := range monitors {
			fmt.Fprintf(&cfg, "  - {id: m%05d, component: c%03d, type: http, target: \"http://%s/m%05d\", interval: %s, timeout: 10s}\n",
				i, i%comps, targets[i%len(targets)], i, interval)
		}
	}
	cfgPath := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		return err
	}
	args := []string{"--config", cfgPath, "--database", db}
	if profile != "" {
		args = append(args, "--cpuprofile", profile)
	}
	if memProfile != "" {
		args = append(args, "--memprofile", memProfile)
	}
	base, _, stop, err := benchutil.Serve(bin, args...)
	if err != nil {
		return err
	}
	defer stop()
	if monitors > 0 {
		fmt.Printf("server up with %d monitors every %s; warming up for one interval\n", monitors, interval)
		time.Sleep(interval)
	}
	// The page as a browser first gets it, and its validator; then as a
	// client that takes no gzip gets it.
	get := func(gzip bool) ([]byte, *http.Response, error) {
		req, _ := http.NewRequest("GET", base+"/", nil)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return nil, nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, nil, fmt.Errorf("GET /: %s", resp.Status)
		}
		return body, resp, nil
	}
	gz, resp, err := get(true)
	if err != nil {
		return err
	}
	plain, plainResp, err := get(false)
	if err != nil {
		return err
	}
	if save != "" {
		if err := os.WriteFile(save, plain, 0o644); err != nil {
			return err
		}
	}
	etag := resp.Header.Get("ETag")
	fmt.Printf("page: %d bytes (%.2f MB) uncompressed, %d bytes (%.0f KB) gzip (Content-Encoding %q, Vary %q), ETag %s\n\n",
		len(plain), float64(len(plain))/1e6, len(gz), float64(len(gz))/1e3, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"), etag)
	if plainResp.Header.Get("Content-Encoding") != "" {
		return fmt.Errorf("GET / without Accept-Encoding: Content-Encoding %q", plainResp.Header.Get("Content-Encoding"))
	}

	fmt.Printf("%-28s %12s %9s %9s %9s %9s\n", "load", "requests/s", "p50", "p90", "p99", "errors")
	for _, l := range []struct {
		name    string
		headers []string
	}{
		{"GET / (gzip, 200)", []string{"Accept-Encoding: gzip"}},
		{"GET / (no gzip, 200)", nil},
		{"GET / revalidate (304)", []string{"Accept-Encoding: gzip", "If-None-Match: " + etag}},
	} {
		res, err := wrk(base+"/", l.headers, conns, threads, duration)
		if err != nil {
			return err
		}
		fmt.Printf("%-28s %12.0f %9s %9s %9s %9s\n", l.name, res.rps, res.p50, res.p90, res.p99, res.errors)
	}
	fmt.Printf("\n%d connections, %d wrk threads, %s each, %d monitors every %s in the same server\n", conns, threads, duration, monitors, interval)
	return nil
}

// seed writes the status history: for every component, outages and
// degradations spread over the days (a fixed seed, so runs compare), and
// an incident for one in four outages.
func seed(db string, comps, days int, now time.Time) (int, error) {
	ctx := context.Background()
	st, err := store.Open(ctx, db, nil)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	start := now.AddDate(0, 0, -days).Truncate(24 * time.Hour)
	var fs []store.Fact
	add := func(typ, id string, at time.Time, v map[string]any) error {
		v["type"], v["id"] = typ, id
		if !at.IsZero() {
			v["at"] = at.Format(time.RFC3339)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		fs = append(fs, store.Fact{ID: id, Type: typ, At: at, JSON: b})
		return nil
	}
	statuses := []string{"major_outage", "partial_outage", "degraded_performance"}
	for c := range comps {
		comp := fmt.Sprintf("c%03d", c)
		src := "monitor:seed-" + comp
		if err := add("status", comp+"-first", start, map[string]any{"component": comp, "status": "operational", "source": src}); err != nil {
			return 0, err
		}
		// About one event a week per component.
		for k := range days / 7 {
			at := start.Add(time.Duration(rng.Int64N(int64(days)*24)) * time.Hour).Add(time.Duration(rng.IntN(60)) * time.Minute)
			dur := time.Duration(5+rng.IntN(115)) * time.Minute
			status := statuses[rng.IntN(len(statuses))]
			id := fmt.Sprintf("%s-%d", comp, k)
			if err := add("status", id+"-down", at, map[string]any{"component": comp, "status": status, "source": src}); err != nil {
				return 0, err
			}
			if err := add("status", id+"-up", at.Add(dur), map[string]any{"component": comp, "status": "operational", "source": src}); err != nil {
				return 0, err
			}
			if k%4 == 0 && status != "degraded_performance" {
				inc := "inc-" + id
				if err := add("incident", inc, at, map[string]any{"title": "Errors on " + comp, "severity": "P2",
					"components": map[string]string{comp: status}}); err != nil {
					return 0, err
				}
				if err := add("incident_update", inc+"-r", at.Add(dur), map[string]any{"incident": inc, "status": "resolved",
					"message": "Fixed."}); err != nil {
					return 0, err
				}
			}
		}
	}
	if err := st.AppendFacts(ctx, fs); err != nil {
		return 0, err
	}
	return len(fs), nil
}

type wrkResult struct {
	rps                   float64
	p50, p90, p99, errors string
}

var (
	rpsRe = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	pctRe = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+(\S+)`)
	errRe = regexp.MustCompile(`(Non-2xx or 3xx responses|Socket errors):\s*(.*)`)
)

func wrk(url string, headers []string, conns, threads int, d time.Duration) (wrkResult, error) {
	args := []string{"-t", fmt.Sprint(threads), "-c", fmt.Sprint(conns), "-d", fmt.Sprintf("%ds", int(d.Seconds())), "--latency"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	var r wrkResult
	if m := rpsRe.FindSubmatch(out); m != nil {
		fmt.Sscan(string(m[1]), &r.rps)
	} else {
		return r, fmt.Errorf("wrk printed no Requests/sec:\n%s", out)
	}
	for _, m := range pctRe.FindAllSubmatch(out, -1) {
		switch string(m[1]) {
		case "50":
			r.p50 = string(m[2])
		case "90":
			r.p90 = string(m[2])
		case "99":
			r.p99 = string(m[2])
		}
	}
	r.errors = "0"
	var errs []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if m := errRe.FindStringSubmatch(sc.Text()); m != nil {
			errs = append(errs, m[1]+": "+m[2])
		}
	}
	if len(errs) > 0 {
		r.errors = strings.Join(errs, "; ")
	}
	return r, nil
}
