// Command store measures the evidence store: the sustained write rate of
// check results sent through a store.Batcher by many concurrent producers,
// as the scheduler and agent uploads send them, and the storage each result
// takes afterwards (raw row, indexes and its share of the minute
// aggregates).
//
//	go run ./bench/store -backend sqlite -n 200000 -batch 500
//	go run ./bench/store -backend postgres -n 200000 -batch 500
//
// With -days it measures instead what a monitor costs to keep (see
// retention.go):
//
//	go run ./bench/store -backend sqlite -days 7 -monitors 20
//
// PostgreSQL is SLAKEEPER_TEST_POSTGRES (default a local server); the run
// uses a schema of its own, dropped at the end. SQLite uses a file in a
// temporary directory, removed at the end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/slakeeper/slakeeper/bench/internal/benchutil"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/store:", err)
		os.Exit(1)
	}
}

type config struct {
	backend   string
	n         int
	batch     int
	delay     time.Duration
	producers int
	monitors  int
	dsn       string
	dir       string
	keep      bool
	profile   string
	days      int
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("bench/store", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.backend, "backend", "sqlite", "sqlite or postgres")
	fs.IntVar(&c.n, "n", 200000, "results to write")
	fs.IntVar(&c.batch, "batch", 500, "the Batcher's largest batch")
	fs.DurationVar(&c.delay, "delay", 10*time.Millisecond, "the Batcher's longest wait before committing a batch")
	fs.IntVar(&c.producers, "producers", 1000, "concurrent goroutines adding results")
	fs.IntVar(&c.monitors, "monitors", 500, "monitors; each is checked from 3 locations (local and two agents)")
	fs.StringVar(&c.dsn, "dsn", "", "PostgreSQL server (default SLAKEEPER_TEST_POSTGRES or a local server)")
	fs.StringVar(&c.dir, "dir", "", "directory for the SQLite file (default a temporary one)")
	fs.BoolVar(&c.keep, "keep", false, "keep the SQLite file or PostgreSQL schema, to inspect it")
	fs.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the write phase to this file")
	fs.IntVar(&c.days, "days", 0, "instead, measure the storage a monitor costs: write this many days of results at 30 s for -monitors monitors, run the retention job and report bytes per monitor-day and per monitor-month")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.n <= 0 || c.batch <= 0 || c.producers <= 0 || c.monitors <= 0 {
		return errors.New("-n, -batch, -producers and -monitors must be positive")
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if c.days > 0 {
		return runRetention(ctx, c, getenv, stdout, logger)
	}

	var (
		s       store.Store
		cleanup func() error
		err     error
		where   string
	)
	switch c.backend {
	case "sqlite":
		s, where, cleanup, err = openSQLite(ctx, c.dir, c.keep, logger)
	case "postgres":
		dsn := c.dsn
		if dsn == "" {
			dsn = getenv("SLAKEEPER_TEST_POSTGRES")
		}
		if dsn == "" {
			dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		}
		s, where, cleanup, err = openPostgres(ctx, dsn, c.keep, logger)
	default:
		return fmt.Errorf("-backend: want sqlite or postgres, got %q", c.backend)
	}
	if err != nil {
		return err
	}
	defer func() {
		if err := cleanup(); err != nil {
			fmt.Fprintln(stderr, "bench/store: cleanup:", err)
		}
	}()

	empty, err := s.Size(ctx)
	if err != nil {
		return err
	}
	if c.profile != "" {
		f, err := os.Create(c.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	res, err := write(ctx, c, s, logger)
	if c.profile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	size, err := s.Size(ctx)
	if err != nil {
		return err
	}
	// Sanity: every acknowledged result is there.
	stored := 0
	for m := range c.monitors {
		rs, err := s.Results(ctx, monitorID(m), time.Time{}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return err
		}
		stored += len(rs)
	}
	if stored != c.n {
		return fmt.Errorf("wrote %d results, found %d", c.n, stored)
	}

	fmt.Fprintf(stdout, "machine: %d CPUs (GOMAXPROCS %d), %s/%s, %s; store: %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), where)
	fmt.Fprintf(stdout, "workload: %d monitors x 3 locations, one check a minute each; %d producers; batch <= %d, delay %v\n\n",
		c.monitors, c.producers, c.batch, c.delay)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tresults\tseconds\tresults/s\tcommits\tack p50\tack p99\tstore bytes\tbytes/result\t")
	fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t%d\t%v\t%v\t%d\t%.1f\t\n",
		c.backend, c.n, res.elapsed.Seconds(), float64(c.n)/res.elapsed.Seconds(), res.commits,
		res.p50.Round(10*time.Microsecond), res.p99.Round(10*time.Microsecond),
		size, float64(size-empty)/float64(c.n))
	return tw.Flush()
}

type outcome struct {
	elapsed  time.Duration
	p50, p99 time.Duration
	commits  int64
}

// counting counts the Batcher's transactions.
type counting struct {
	store.Store
	n atomic.Int64
}

func (c *counting) AppendResults(ctx context.Context, rs []monitor.Result) error {
	c.n.Add(1)
	return c.Store.AppendResults(ctx, rs)
}

func write(ctx context.Context, c config, s store.Store, logger *slog.Logger) (outcome, error) {
	cs := &counting{Store: s}
	b := store.NewBatcher(cs, c.batch, c.delay, logger)
	defer b.Close()
	gen := newGenerator(c.monitors)
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		mu      sync.Mutex
		firstEr error
		lat     = make([][]time.Duration, c.producers)
	)
	start := time.Now()
	for p := range c.producers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= c.n {
					return
				}
				r := gen.result(i)
				t := time.Now()
				if err := b.Add(ctx, r); err != nil {
					mu.Lock()
					if firstEr == nil {
						firstEr = fmt.Errorf("result %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				lat[p] = append(lat[p], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstEr != nil {
		return outcome{}, firstEr
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return outcome{
		elapsed: elapsed,
		p50:     all[len(all)/2],
		p99:     all[len(all)*99/100],
		commits: cs.n.Load(),
	}, nil
}

// generator makes a realistic stream: each series (monitor x location) is
// checked once a minute at its own second; about 2% of checks are not up
// and carry a message; agents' results carry their sequence numbers; one
// monitor in ten is a ping (packet loss) and one in fifty a certificate
// check.
type generator struct {
	monitors int
	base     time.Time
	seqs     [3]atomic.Uint64
}

var locations = [3]string{monitor.LocalLocation, "fra", "iad"}

func newGenerator(monitors int) *generator {
	return &generator{monitors: monitors, base: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
}

func monitorID(m int) string { return fmt.Sprintf("svc-%03d-http", m) }

func (g *generator) result(i int) monitor.Result {
	series := g.monitors * len(locations)
	k, round := i%series, i/series
	m, l := k%g.monitors, k/g.monitors
	rng := rand.New(rand.NewPCG(uint64(i), 42))
	at := g.base.Add(time.Duration(round)*time.Minute + time.Duration(k*7919%60000)*time.Millisecond)
	lat := time.Duration(20_000+rng.IntN(280_000)) * time.Microsecond
	r := monitor.Result{
		MonitorID: monitorID(m),
		Location:  locations[l],
		At:        at,
		Duration:  lat + time.Duration(rng.IntN(2000))*time.Microsecond,
		Latency:   lat,
		State:     monitor.Up,
	}
	switch p := rng.IntN(1000); {
	case p < 5:
		r.State, r.Message, r.Latency = monitor.Down, "Get \"https://svc.example.com/health\": context deadline exceeded", 0
	case p < 20:
		r.State, r.Message = monitor.Degraded, fmt.Sprintf("slow response: %dms > 250ms", lat.Milliseconds())
	}
	if m%10 == 0 {
		loss := float64(rng.IntN(3)) * 33.3
		r.PacketLossPct = &loss
	}
	if m%50 == 1 {
		exp := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
		r.CertExpiry = &exp
	}
	if l > 0 {
		r.Seq = g.seqs[l].Add(1)
	}
	return r
}

func openSQLite(ctx context.Context, dir string, keep bool, logger *slog.Logger) (store.Store, string, func() error, error) {
	tmp := dir == ""
	if tmp {
		var err error
		if dir, err = os.MkdirTemp("", "bench-store-"); err != nil {
			return nil, "", nil, err
		}
	}
	path := filepath.Join(dir, fmt.Sprintf("bench-%x.db", rand.Uint64()))
	s, err := store.OpenSQLite(ctx, path, logger)
	if err != nil {
		return nil, "", nil, err
	}
	cleanup := func() error {
		err := s.Close()
		if keep {
			return err
		}
		if tmp {
			return errors.Join(err, os.RemoveAll(dir))
		}
		return errors.Join(err, os.Remove(path), os.Remove(path+"-wal"), os.Remove(path+"-shm"))
	}
	return s, "sqlite " + path, cleanup, nil
}

func openPostgres(ctx context.Context, dsn string, keep bool, logger *slog.Logger) (store.Store, string, func() error, error) {
	sdsn, version, drop, err := benchutil.PostgresSchema(ctx, dsn, "bench", keep)
	if err != nil {
		return nil, "", nil, err
	}
	s, err := store.OpenPostgres(ctx, sdsn, logger)
	if err != nil {
		return nil, "", nil, errors.Join(err, drop())
	}
	cleanup := func() error { return errors.Join(s.Close(), drop()) }
	return s, "PostgreSQL " + version, cleanup, nil
}
