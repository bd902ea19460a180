package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite is the Store in one SQLite file (pure Go driver). Writes go
// through a single connection, so they are serialized; reads use a pool of
// read-only connections that run in parallel with the writer (WAL mode).
// Every commit is synced (synchronous=FULL), so an acknowledged write
// survives a crash of the process or the machine.
type SQLite struct {
	sqlStore
	path string
	w    *sql.DB // one connection: the only writer
	r    *sql.DB // read-only connections
	// Prepared once on the writer connection: re-parsing the SQL of each
	// row's statement would cost more than running it.
	insert, upsertMinute, upsertAgent *sql.Stmt
	log                               *slog.Logger
	series                            seriesCache
}

var _ Store = (*SQLite)(nil)

// busyTimeout is how long a statement waits for another process's lock on
// the file before failing.
const busyTimeout = 10 * time.Second

// OpenSQLite opens (creating if need be) the SQLite database at path and
// applies its pending migrations.
func OpenSQLite(ctx context.Context, path string, logger *slog.Logger) (*SQLite, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		return nil, fmt.Errorf("open sqlite: want a file path, got %q (an in-memory database cannot be shared by the writer and the readers)", path)
	}
	s := &SQLite{sqlStore: sqlStore{dialect: &sqliteDialect}, path: path, log: orDiscard(logger)}
	var err error
	if s.w, err = sql.Open("sqlite", sqliteDSN(path, false)); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.writer = newSQLDB(s.w)
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.setupRetry(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if s.r, err = sql.Open("sqlite", sqliteDSN(path, true)); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.reader = newSQLDB(s.r)
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if err := s.r.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

// sqliteDSN builds the driver's DSN: a file: URI (so that '?' and '#' in
// the path are escaped rather than cut) with the pragmas every connection
// gets.
func sqliteDSN(path string, readOnly bool) string {
	p := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(filepath.Clean(path))
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_journal_mode", "WAL")
		// FULL syncs the WAL at every commit: an acknowledged write survives
		// power loss, not only a killed process.
		q.Set("_synchronous", "FULL")
		// Transactions take the write lock at BEGIN, so that two processes
		// never both read and then fail to upgrade.
		q.Set("_txlock", "immediate")
		// 32 MiB of page cache keeps the pages where each series' results
		// and minutes grow (two per series) in memory for a few thousand
		// series.
		q.Add("_pragma", "cache_size(-32768)")
	}
	return "file:" + p + "?" + q.Encode()
}

// setupRetry runs setup, again while another process holds the file busy:
// switching a new file to WAL mode, or recovering a WAL, can fail at once
// with SQLITE_BUSY instead of waiting for the busy timeout.
func (s *SQLite) setupRetry(ctx context.Context) error {
	wait := time.NewTimer(0)
	defer wait.Stop()
	for tries := 1; ; tries++ {
		err := s.setup(ctx)
		if err == nil || !isBusy(err) || tries >= 100 {
			return err
		}
		wait.Reset(time.Duration(tries) * 10 * time.Millisecond)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%w)", err, ctx.Err())
		case <-wait.C:
		}
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

func (s *SQLite) setup(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal (is the file system local?)", mode)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.insert, `INSERT INTO results (series, at, duration, latency, state, seq, message, extra)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`},
		{&s.upsertMinute, `INSERT INTO minutes (series, minute, up, degraded, down, latency_sum, latency_max)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (series, minute) DO UPDATE SET
				up = up + excluded.up,
				degraded = degraded + excluded.degraded,
				down = down + excluded.down,
				latency_sum = latency_sum + excluded.latency_sum,
				latency_max = max(latency_max, excluded.latency_max)`},
		{&s.upsertAgent, `INSERT INTO agents (location, seq) VALUES (?, ?)
			ON CONFLICT (location) DO UPDATE SET seq = max(seq, excluded.seq)`},
	} {
		if *p.stmt != nil {
			continue
		}
		var err error
		if *p.stmt, err = s.w.PrepareContext(ctx, p.sql); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
	}
	return nil
}

func (s *SQLite) migrate(ctx context.Context) error {
	ms, err := migrations("sqlite")
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration in a transaction unless it is recorded. BEGIN
// IMMEDIATE takes the write lock first, so another process opening the
// same file waits and then finds it recorded.
func (s *SQLite) apply(ctx context.Context, m migration) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, m.version, m.name); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.log.Info("applied migration", "store", "sqlite", "path", s.path, "migration", m.name)
	return nil
}

// seriesIDs resolves the ids of keys, creating missing series in tx.
// The caller adds the ids to the cache once tx has committed.
func (s *SQLite) seriesIDs(ctx context.Context, tx *sql.Tx, keys []seriesKey) (map[seriesKey]int32, error) {
	ids := make(map[seriesKey]int32)
	for _, k := range s.series.missing(keys, ids) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO series (monitor, location) VALUES (?, ?) ON CONFLICT DO NOTHING`, k.monitor, k.location); err != nil {
			return nil, fmt.Errorf("create series %s@%s: %w", k.monitor, k.location, err)
		}
		var id int32
		if err := tx.QueryRowContext(ctx, `SELECT id FROM series WHERE monitor = ? AND location = ?`, k.monitor, k.location).Scan(&id); err != nil {
			return nil, fmt.Errorf("read series %s@%s: %w", k.monitor, k.location, err)
		}
		ids[k] = id
	}
	return ids, nil
}

// AppendResults implements Store.
func (s *SQLite) AppendResults(ctx context.Context, rs []monitor.Result) error {
	if len(rs) == 0 {
		return nil
	}
	rows, err := encodeResults(rs)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append results: begin: %w", err)
	}
	defer tx.Rollback()
	ids, err := s.seriesIDs(ctx, tx, rowKeys(rows))
	if err != nil {
		return fmt.Errorf("append results: %w", err)
	}
	ins := tx.StmtContext(ctx, s.insert)
	aggs := map[minuteKey]*minuteAgg{}
	for _, r := range rows {
		id := ids[r.key]
		res, err := ins.ExecContext(ctx, id, r.at, r.durUS, r.latUS, r.state, r.seq, r.message, r.extra)
		if err != nil {
			return fmt.Errorf("append results: insert: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("append results: insert: %w", err)
		} else if n == 0 {
			continue // an agent result already stored
		}
		k := minuteKey{id, minuteOf(r.at)}
		a := aggs[k]
		if a == nil {
			a = &minuteAgg{}
			aggs[k] = a
		}
		a.add(r.state, r.latUS)
	}
	upMin := tx.StmtContext(ctx, s.upsertMinute)
	for _, k := range sortedMinuteKeys(aggs) {
		a := aggs[k]
		if _, err := upMin.ExecContext(ctx, k.series, k.minute, a.up, a.degraded, a.down, a.latSum, a.latMax); err != nil {
			return fmt.Errorf("append results: minutes: %w", err)
		}
	}
	locs, seqs := agentMax(rows)
	upAgent := tx.StmtContext(ctx, s.upsertAgent)
	for i, l := range locs {
		if _, err := upAgent.ExecContext(ctx, l, seqs[i]); err != nil {
			return fmt.Errorf("append results: agent seq: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append results: commit: %w", err)
	}
	s.series.add(ids)
	return nil
}

// Results implements Store.
func (s *SQLite) Results(ctx context.Context, monitorID string, from, to time.Time) ([]monitor.Result, error) {
	lo, hi := boundsMS(from, to)
	rows, err := s.r.QueryContext(ctx, `SELECT s.location, r.at, r.duration, r.latency, r.state, r.seq, r.message, r.extra
		FROM series s JOIN results r ON r.series = s.id
		WHERE s.monitor = ? AND r.at >= ? AND r.at < ?
		ORDER BY r.at, s.location`, monitorID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read results of %s: %w", monitorID, err)
	}
	defer rows.Close()
	return scanResults(monitorID, rows)
}

// AppendFacts implements Store.
func (s *SQLite) AppendFacts(ctx context.Context, fs []Fact) error {
	if len(fs) == 0 {
		return nil
	}
	rows, err := encodeFacts(fs)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append facts: begin: %w", err)
	}
	defer tx.Rollback()
	for _, f := range rows {
		res, err := tx.ExecContext(ctx, `INSERT INTO facts (id, type, at, body) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, f.id, f.typ, f.at, f.body)
		if err != nil {
			return fmt.Errorf("append fact %s: %w", f.id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("append fact %s: %w", f.id, err)
		} else if n == 1 {
			continue
		}
		old := factRow{id: f.id}
		if err := tx.QueryRowContext(ctx, `SELECT type, at, body FROM facts WHERE id = ?`, f.id).Scan(&old.typ, &old.at, &old.body); err != nil {
			return fmt.Errorf("append fact %s: %w", f.id, err)
		}
		if !old.same(f) {
			return fmt.Errorf("append fact %s: %w", f.id, ErrConflict)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append facts: commit: %w", err)
	}
	return nil
}

// Facts implements Store.
func (s *SQLite) Facts(ctx context.Context, from, to time.Time) ([]Fact, error) {
	lo, hi := boundsMS(from, to)
	rows, err := s.r.QueryContext(ctx, `SELECT id, type, at, body FROM facts
		WHERE at IS NULL OR (at >= ? AND at < ?)
		ORDER BY at, n`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	defer rows.Close()
	var out []Fact
	for rows.Next() {
		var f factRow
		if err := rows.Scan(&f.id, &f.typ, &f.at, &f.body); err != nil {
			return nil, fmt.Errorf("read facts: %w", err)
		}
		out = append(out, f.fact())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	return out, nil
}

// minuteBounds converts [from, to) to the minute numbers whose start lies in it.
func minuteBounds(from, to time.Time) (lo, hi int64) {
	a, b := boundsMS(from, to)
	return -floorDiv(-a, msPerMinute), -floorDiv(-b, msPerMinute)
}

// Minutes implements Store.
func (s *SQLite) Minutes(ctx context.Context, monitorID string, from, to time.Time) ([]Minute, error) {
	lo, hi := minuteBounds(from, to)
	rows, err := s.r.QueryContext(ctx, `SELECT s.location, m.minute, m.up, m.degraded, m.down, m.latency_sum, m.latency_max
		FROM series s JOIN minutes m ON m.series = s.id
		WHERE s.monitor = ? AND m.minute >= ? AND m.minute < ?
		ORDER BY m.minute, s.location`, monitorID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read minutes of %s: %w", monitorID, err)
	}
	defer rows.Close()
	var out []Minute
	for rows.Next() {
		var (
			loc                                   string
			minute, up, deg, down, latSum, latMax int64
		)
		if err := rows.Scan(&loc, &minute, &up, &deg, &down, &latSum, &latMax); err != nil {
			return nil, fmt.Errorf("read minutes of %s: %w", monitorID, err)
		}
		out = append(out, minuteFrom(monitorID, loc, minute, up, deg, down, latSum, latMax))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read minutes of %s: %w", monitorID, err)
	}
	return out, nil
}

// FirstMinute implements Store.
func (s *SQLite) FirstMinute(ctx context.Context, monitorID string, from time.Time) (time.Time, bool, error) {
	lo, _ := minuteBounds(from, from)
	var first sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MIN(m.minute) FROM series s JOIN minutes m ON m.series = s.id
		WHERE s.monitor = ? AND m.minute >= ?`, monitorID, lo).Scan(&first)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("first minute of %s: %w", monitorID, err)
	}
	if !first.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(first.Int64 * msPerMinute).UTC(), true, nil
}

// SetState implements Store.
func (s *SQLite) SetState(ctx context.Context, st MonitorState) error {
	w, err := encodeState(st)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set state: begin: %w", err)
	}
	defer tx.Rollback()
	ids, err := s.seriesIDs(ctx, tx, []seriesKey{w.key})
	if err != nil {
		return fmt.Errorf("set state: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO states (series, state, confirmed, fails, successes, next_due, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (series) DO UPDATE SET
			state = excluded.state, confirmed = excluded.confirmed,
			fails = excluded.fails, successes = excluded.successes,
			next_due = excluded.next_due, updated_at = excluded.updated_at`,
		ids[w.key], w.state, w.confirmed, w.fails, w.successes, w.nextDue, w.updatedAt); err != nil {
		return fmt.Errorf("set state of %s@%s: %w", st.MonitorID, st.Location, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set state: commit: %w", err)
	}
	s.series.add(ids)
	return nil
}

// States implements Store.
func (s *SQLite) States(ctx context.Context) ([]MonitorState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.monitor, s.location, t.state, t.confirmed, t.fails, t.successes, t.next_due, t.updated_at
		FROM series s JOIN states t ON t.series = s.id
		ORDER BY s.monitor, s.location`)
	if err != nil {
		return nil, fmt.Errorf("read states: %w", err)
	}
	defer rows.Close()
	var out []MonitorState
	for rows.Next() {
		var (
			mon, loc           string
			state, conf        *int64
			fails, succ        int64
			nextDue, updatedAt *int64
		)
		if err := rows.Scan(&mon, &loc, &state, &conf, &fails, &succ, &nextDue, &updatedAt); err != nil {
			return nil, fmt.Errorf("read states: %w", err)
		}
		st, err := stateFrom(mon, loc, state, conf, fails, succ, nextDue, updatedAt)
		if err != nil {
			return nil, fmt.Errorf("read state of %s@%s: %w", mon, loc, err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read states: %w", err)
	}
	return out, nil
}

// AgentSeq implements Store.
func (s *SQLite) AgentSeq(ctx context.Context, location string) (uint64, error) {
	var seq int64
	err := s.r.QueryRowContext(ctx, `SELECT seq FROM agents WHERE location = ?`, location).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read agent seq of %s: %w", location, err)
	}
	return uint64(max(seq, 0)), nil
}

// Prune implements Store. Each DELETE is its own transaction on the writer
// connection, so appends interleave with a long prune.
func (s *SQLite) Prune(ctx context.Context, resultsBefore, keepBefore time.Time, batch int) (int64, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("prune: batch must be positive, got %d", batch)
	}
	resCut := ceilMS(clampTime(resultsBefore))
	keepCut := ceilMS(clampTime(keepBefore))
	minCut := floorDiv(ms(clampTime(keepBefore)), msPerMinute)
	ids, err := s.seriesList(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	var total int64
	del := func(what, q string, args ...any) error {
		for {
			res, err := s.w.ExecContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("prune %s: %w", what, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("prune %s: %w", what, err)
			}
			total += n
			if n < int64(batch) {
				return nil
			}
		}
	}
	for _, id := range ids {
		if err := del("results", `DELETE FROM results WHERE series = ?1 AND at IN
			(SELECT at FROM results WHERE series = ?1 AND at < ?2 ORDER BY at LIMIT ?3)`, id, resCut, batch); err != nil {
			return total, err
		}
		if err := del("minutes", `DELETE FROM minutes WHERE series = ?1 AND minute IN
			(SELECT minute FROM minutes WHERE series = ?1 AND minute < ?2 ORDER BY minute LIMIT ?3)`, id, minCut, batch); err != nil {
			return total, err
		}
	}
	if err := del("facts", `DELETE FROM facts WHERE n IN
		(SELECT n FROM facts WHERE at < ? ORDER BY at LIMIT ?)`, keepCut, batch); err != nil {
		return total, err
	}
	n, err := s.pruneNotify(ctx, keepCut, batch)
	return total + n, err
}

func (s *SQLite) seriesList(ctx context.Context) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM series ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Size implements Store: the database's pages, the WAL's committed ones
// included.
func (s *SQLite) Size(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&n); err != nil {
		return 0, fmt.Errorf("size: %w", err)
	}
	return n, nil
}

// Ping implements Store.
func (s *SQLite) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite %s: %w", s.path, err)
	}
	if _, err := s.r.ExecContext(ctx, `SELECT 1`); err != nil {
		return fmt.Errorf("ping sqlite %s: %w", s.path, err)
	}
	return nil
}

// Close implements Store.
func (s *SQLite) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.insert, s.upsertMinute, s.upsertAgent} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite %s: %w", s.path, err)
	}
	return nil
}
