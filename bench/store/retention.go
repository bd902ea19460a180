package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slakeeper/slakeeper/bench/internal/benchutil"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// The retention mode (-days N) measures what a monitor costs to keep:
// it writes N days of results at a 30 s interval for -monitors monitors
// from one location (the server's own checks), then runs the retention
// job as it runs once the raw window is over (every raw result pruned,
// the per-minute aggregates rolled up where the store rolls them up) and
// compacts the file (VACUUM; PostgreSQL: VACUUM FULL), so that what is
// left is the long tail a month beyond the raw window costs. Sizes are
// per table (less its size empty): SQLite's dbstat, PostgreSQL's
// pg_total_relation_size.

// evidenceTables are the tables the retention mode reports.
var evidenceTables = []string{"results", "minutes", "hours"}

// rollUpper is a store that rolls per-minute aggregates up into hourly
// ones; a store without it (before that existed) keeps its minutes.
type rollUpper interface {
	RollUp(ctx context.Context, before time.Time, batch int) (int64, error)
}

func runRetention(ctx context.Context, c config, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	var (
		s     store.Store
		sizes func(ctx context.Context, vacuum bool) (map[string]int64, error)
		where string
		clean []func() error
	)
	defer func() {
		for _, f := range slices.Backward(clean) {
			f()
		}
	}()
	switch c.backend {
	case "sqlite":
		dir, err := os.MkdirTemp(c.dir, "bench-retention-")
		if err != nil {
			return err
		}
		if !c.keep {
			clean = append(clean, func() error { return os.RemoveAll(dir) })
		}
		path := filepath.Join(dir, "store.db")
		sq, err := store.OpenSQLite(ctx, path, logger)
		if err != nil {
			return err
		}
		s, where = sq, "sqlite "+path
		clean = append(clean, sq.Close)
		sizes = func(ctx context.Context, vacuum bool) (map[string]int64, error) {
			return sqliteSizes(ctx, path, vacuum)
		}
	case "postgres":
		dsn := c.dsn
		if dsn == "" {
			dsn = getenv("SLAKEEPER_TEST_POSTGRES")
		}
		if dsn == "" {
			dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		}
		sdsn, version, drop, err := benchutil.PostgresSchema(ctx, dsn, "bench", c.keep)
		if err != nil {
			return err
		}
		clean = append(clean, drop)
		pg, err := store.OpenPostgres(ctx, sdsn, logger)
		if err != nil {
			return err
		}
		s, where = pg, "PostgreSQL "+version
		clean = append(clean, pg.Close)
		sizes = func(ctx context.Context, vacuum bool) (map[string]int64, error) {
			return postgresSizes(ctx, sdsn, vacuum)
		}
	default:
		return fmt.Errorf("-backend: want sqlite or postgres, got %q", c.backend)
	}

	empty, err := sizes(ctx, false)
	if err != nil {
		return err
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(time.Duration(c.days) * 24 * time.Hour)
	t0 := time.Now()
	n, err := writeDays(ctx, s, c.monitors, start, end)
	if err != nil {
		return err
	}
	wrote := time.Since(t0)
	full, err := sizes(ctx, false)
	if err != nil {
		return err
	}
	// The raw window is over: every result goes, and the minutes are
	// rolled up into hours where the store does that.
	rolled := "no (this store keeps the minutes)"
	if r, ok := s.(rollUpper); ok {
		if _, err := r.RollUp(ctx, end, 1000); err != nil {
			return err
		}
		rolled = "yes"
	}
	if _, err := s.Prune(ctx, end, start, 1000); err != nil {
		return err
	}
	tail, err := sizes(ctx, true)
	if err != nil {
		return err
	}

	md := float64(c.monitors * c.days) // monitor-days
	fmt.Fprintf(stdout, "machine: %d CPUs (GOMAXPROCS %d), %s/%s, %s; store: %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), where)
	fmt.Fprintf(stdout, "workload: %d monitors x 1 location, a result every 30 s for %d days: %d results in %.1f s; rolled up: %s\n\n",
		c.monitors, c.days, n, wrote.Seconds(), rolled)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\tbytes written\tper monitor-day\tafter retention\tper monitor-month\t")
	// Less each empty table's pages: what the monitors added.
	for _, t := range evidenceTables {
		full[t] -= empty[t]
		tail[t] = max(tail[t]-empty[t], 0)
	}
	var sumTail float64
	for _, t := range evidenceTables {
		sumTail += float64(tail[t])
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t\n", t, full[t], kib(float64(full[t])/md), tail[t], kib(float64(tail[t])/md*30))
	}
	fmt.Fprintf(tw, "long tail\t\t\t%d\t%s\t\n", int64(sumTail), kib(sumTail/md*30))
	return tw.Flush()
}

func kib(b float64) string {
	if b >= 1<<20 {
		return fmt.Sprintf("%.2f MiB", b/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", b/1024)
}

// writeDays writes a result every 30 s per monitor over [start, end), ten
// minutes of every monitor per call, as a server's batches would after a
// restart; about 2% of the results are not up.
func writeDays(ctx context.Context, s store.Store, monitors int, start, end time.Time) (int, error) {
	n := 0
	rng := rand.New(rand.NewPCG(1, 2))
	var batch []monitor.Result
	for t := start; t.Before(end); t = t.Add(10 * time.Minute) {
		batch = batch[:0]
		for at := t; at.Before(t.Add(10 * time.Minute)); at = at.Add(30 * time.Second) {
			for m := range monitors {
				lat := time.Duration(20_000+rng.IntN(280_000)) * time.Microsecond
				r := monitor.Result{MonitorID: monitorID(m), Location: monitor.LocalLocation,
					At: at.Add(time.Duration(m*7919%30000) * time.Millisecond), Duration: lat + time.Millisecond, Latency: lat, State: monitor.Up}
				switch p := rng.IntN(1000); {
				case p < 5:
					r.State, r.Message, r.Latency = monitor.Down, "Get \"https://svc.example.com/health\": context deadline exceeded", 0
				case p < 20:
					r.State, r.Message = monitor.Degraded, fmt.Sprintf("slow response: %dms > 250ms", lat.Milliseconds())
				}
				batch = append(batch, r)
			}
		}
		if err := s.AppendResults(ctx, batch); err != nil {
			return n, err
		}
		n += len(batch)
	}
	return n, nil
}

// sqliteSizes reads the bytes of each evidence table and its indexes from
// dbstat, after a VACUUM when asked.
func sqliteSizes(ctx context.Context, path string, vacuum bool) (map[string]int64, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if vacuum {
		if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		if _, err := db.ExecContext(ctx, `VACUUM`); err != nil {
			return nil, fmt.Errorf("vacuum: %w", err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize)
		FROM dbstat d LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("dbstat: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		out[name] += n
	}
	return out, rows.Err()
}

// postgresSizes reads pg_total_relation_size of each evidence table (its
// indexes and TOAST included), after a VACUUM FULL when asked.
func postgresSizes(ctx context.Context, dsn string, vacuum bool) (map[string]int64, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	out := map[string]int64{}
	for _, t := range evidenceTables {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, t).Scan(&exists); err != nil {
			return nil, err
		}
		if !exists {
			continue
		}
		if vacuum {
			if _, err := conn.Exec(ctx, "VACUUM FULL "+t); err != nil {
				return nil, fmt.Errorf("vacuum %s: %w", t, err)
			}
		}
		var n int64
		if err := conn.QueryRow(ctx, `SELECT pg_total_relation_size(to_regclass($1))`, t).Scan(&n); err != nil {
			return nil, errors.Join(fmt.Errorf("size of %s", t), err)
		}
		out[t] = n
	}
	return out, nil
}
