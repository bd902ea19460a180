// Command close measures the month-end close: 10,000 subscriptions on 10
// plans over 500 components and 1,000,000 status facts in the period
// (the defaults), closed once on a fresh store. The store is filled by a
// child process first, so that the figures printed — the close's time and
// the peak memory (max RSS) of the process that closes — are the close's
// alone.
//
//	go run ./bench/close -backend sqlite
//	go run ./bench/close -backend postgres
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
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/slakeeper/slakeeper/bench/internal/benchutil"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/close:", err)
		os.Exit(1)
	}
}

type opts struct {
	backend, dsn, dir, role string
	profile                 string
	subs, comps, plans      int
	facts                   int
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var o opts
	fs := flag.NewFlagSet("close", flag.ContinueOnError)
	fs.StringVar(&o.backend, "backend", "sqlite", "sqlite or postgres")
	fs.StringVar(&o.dsn, "dsn", "", "PostgreSQL server (default SLAKEEPER_TEST_POSTGRES or a local server)")
	fs.IntVar(&o.subs, "subscriptions", 10_000, "subscriptions")
	fs.IntVar(&o.comps, "components", 500, "components")
	fs.IntVar(&o.plans, "plans", 10, "plans, each covering components/plans components")
	fs.IntVar(&o.facts, "facts", 1_000_000, "status facts in November 2026")
	fs.StringVar(&o.role, "role", "", "internal: fill or close, for the child processes")
	fs.StringVar(&o.dir, "dir", "", "internal: the run's directory")
	fs.StringVar(&o.profile, "cpuprofile", "", "write the close's CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.dsn == "" {
		o.dsn = getenv("SLAKEEPER_TEST_POSTGRES")
	}
	if o.dsn == "" {
		o.dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	switch o.role {
	case "fill":
		return fill(ctx, o)
	case "close":
		return closeOnce(ctx, o, stdout)
	}
	// The parent: a directory and (for PostgreSQL) a schema of the run's
	// own, a child to fill the store and one to close it.
	dir, err := os.MkdirTemp("", "bench-close-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.backend == "postgres" {
		sdsn, _, drop, err := benchutil.PostgresSchema(ctx, o.dsn, "bench_close", false)
		if err != nil {
			return err
		}
		defer drop()
		o.dsn = sdsn
	}
	if err := writePolicy(dir, o); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "close of %d subscriptions on %d plans over %d components, %d status facts, %s, %d cores\n",
		o.subs, o.plans, o.comps, o.facts, o.backend, runtime.NumCPU())
	for _, role := range []string{"fill", "close"} {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, self, "-role", role, "-dir", dir, "-backend", o.backend, "-dsn", o.dsn,
			"-subscriptions", fmt.Sprint(o.subs), "-components", fmt.Sprint(o.comps), "-plans", fmt.Sprint(o.plans), "-facts", fmt.Sprint(o.facts), "-cpuprofile", o.profile)
		cmd.Stdout, cmd.Stderr = stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", role, err)
		}
	}
	return nil
}

// writePolicy writes a policy of o.plans plans, each on its own share of
// the components: objective 99.9 %, tiered credits capped at 50 %,
// automatic, in UTC.
func writePolicy(dir string, o opts) error {
	var b strings.Builder
	b.WriteString("policy: bench\ncomponents:\n")
	for c := range o.comps {
		fmt.Fprintf(&b, "  - id: c%03d\n", c)
	}
	b.WriteString("versions:\n  - version: \"1\"\n    effective: 2026-01-01\n    plans:\n")
	per := o.comps / o.plans
	for p := range o.plans {
		fmt.Fprintf(&b, "      - id: p%02d\n        objective: 99.9\n        timezone: UTC\n        components: [", p)
		for c := range per {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "c%03d", p*per+c)
		}
		b.WriteString("]\n        credits: {tiers: [{below: 99.9, credit: 10}, {below: 99.0, credit: 25}], cap: 50}\n")
	}
	return os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(b.String()), 0o600)
}

func open(ctx context.Context, o opts) (store.Store, error) {
	if o.backend == "postgres" {
		return store.Open(ctx, o.dsn, nil)
	}
	return store.Open(ctx, filepath.Join(o.dir, "close.db"), nil)
}

// fill stores the subscriptions and the month of status facts: each
// component goes down and back up at random times, the changes spread
// evenly over November.
func fill(ctx context.Context, o opts) error {
	st, err := open(ctx, o)
	if err != nil {
		return err
	}
	defer st.Close()
	var batch []store.Fact
	flush := func() error {
		err := st.AppendFacts(ctx, batch)
		batch = batch[:0]
		return err
	}
	for i := range o.subs {
		id := fmt.Sprintf("sub-%05d", i)
		batch = append(batch, store.Fact{ID: id, Type: "subscription", JSON: fmt.Appendf(nil,
			`{"type":"subscription","id":"%s","customer":"c%05d","policy":"bench","plan":"p%02d","fee":"100.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}`,
			id, i, i%o.plans)})
		if len(batch) == 10_000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	month := 30 * 24 * time.Hour
	rng := rand.New(rand.NewPCG(1, 2))
	down := make([]bool, o.comps)
	for i := range o.facts {
		at := start.Add(time.Duration(rng.Int64N(int64(month/time.Second))) * time.Second)
		c := rng.IntN(o.comps)
		status := "operational"
		if !down[c] && rng.IntN(4) == 0 {
			status = "major_outage"
		}
		down[c] = status != "operational"
		id := fmt.Sprintf("st-%07d", i)
		batch = append(batch, store.Fact{ID: id, Type: "status", At: at, JSON: fmt.Appendf(nil,
			`{"type":"status","id":"%s","at":"%s","component":"c%03d","status":"%s"}`, id, at.Format(time.RFC3339), c, status)})
		if len(batch) == 10_000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// closeOnce closes November and prints the time and the process's peak
// memory.
func closeOnce(ctx context.Context, o opts, stdout io.Writer) error {
	c, err := config.Parse(filepath.Join(o.dir, "slakeeper.yaml"), []byte("policies: ["+filepath.Join(o.dir, "policy.yaml")+"]\n"), func(string) string { return "" }, policy.Load)
	if err != nil {
		return err
	}
	st, err := open(ctx, o)
	if err != nil {
		return err
	}
	defer st.Close()
	now := func() time.Time { return time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC) }
	svc := ledger.New(st, func() *config.Config { return c }, now, slog.New(slog.DiscardHandler), nil, nil)
	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	res, err := svc.Close(ctx, "2026-11", nil)
	if err != nil {
		return err
	}
	took := time.Since(t0)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	if res.Closed != o.subs {
		return errors.New(fmt.Sprint("closed ", res.Closed, " of ", o.subs))
	}
	fmt.Fprintf(stdout, "closed %d subscriptions, %d entries posted: %.2f s, peak RSS %d MB\n",
		res.Closed, len(res.Posted), took.Seconds(), ru.Maxrss/1024)
	return nil
}
