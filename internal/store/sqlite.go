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
	insert, upsertMinute, upsertAgent, insertFact, selectFact *sql.Stmt
	// facts gathers concurrent AppendFacts into one transaction.
	facts factGroup
}

// busyTimeout is how long a statement waits for another process's lock on
// the file before failing.
const busyTimeout = 10 * time.Second

// OpenSQLite opens (creating if need be) the SQLite database at path and
// applies its pending migrations.
func OpenSQLite(ctx context.Context, path string, logger *slog.Logger) (*SQLite, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		return nil, fmt.Errorf("open sqlite: want a file path, got %q (an in-memory database cannot be shared by the writer and the readers)", path)
	}
	s := &SQLite{sqlStore: sqlStore{dialect: &sqliteDialect, log: orDiscard(logger)}, path: path}
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
	if err := s.migrate(ctx, "path", s.path); err != nil {
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
		{&s.insertFact, `INSERT INTO facts (id, type, at, body) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`},
		{&s.selectFact, `SELECT type, at, body FROM facts WHERE id = ?`},
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

// sqliteCreateSeries creates series one at a time in a transaction of the
// writer: new series are rare (their ids are cached), and SQLite has no
// arrays to pass them as one.
func sqliteCreateSeries(ctx context.Context, w db, keys []seriesKey, ids map[seriesKey]int32) error {
	return w.inTx(ctx, func(tx conn) error {
		for _, k := range keys {
			if _, err := tx.exec(ctx, `INSERT INTO series (monitor, location) VALUES ($1, $2) ON CONFLICT DO NOTHING`, k.monitor, k.location); err != nil {
				return fmt.Errorf("create series %s@%s: %w", k.monitor, k.location, err)
			}
			var id int32
			if err := tx.queryRow(ctx, `SELECT id FROM series WHERE monitor = $1 AND location = $2`, k.monitor, k.location).Scan(&id); err != nil {
				return fmt.Errorf("read series %s@%s: %w", k.monitor, k.location, err)
			}
			ids[k] = id
		}
		return nil
	})
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
	ids, err := s.seriesIDs(ctx, rowKeys(rows))
	if err != nil {
		return fmt.Errorf("append results: %w", err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append results: begin: %w", err)
	}
	defer tx.Rollback()
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
	return nil
}

// AppendFacts implements Store. Concurrent calls share transactions
// (factGroup): a call returns once the transaction holding its facts has
// committed, or with its own error.
func (s *SQLite) AppendFacts(ctx context.Context, fs []Fact) error {
	return appendFacts(ctx, &s.facts, fs, nil, s.Enqueue, s.commitFacts)
}

// AppendFactsNotify implements Store: the outbounds are inserted in the
// facts' transaction.
func (s *SQLite) AppendFactsNotify(ctx context.Context, fs []Fact, obs []Outbound) error {
	return appendFacts(ctx, &s.facts, fs, obs, s.Enqueue, s.commitFacts)
}

// commitFacts stores the calls' facts in one transaction, each call under
// a savepoint (a conflict undoes only its call's facts), and sends each
// call its outcome. The transaction is not
// tied to any one caller's context.
func (s *SQLite) commitFacts(calls []*factCall) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fail := func(err error) {
		for _, c := range calls {
			c.done <- err
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("append facts: begin: %w", err))
		return
	}
	defer tx.Rollback()
	insert, sel := tx.StmtContext(ctx, s.insertFact), tx.StmtContext(ctx, s.selectFact)
	outcome := make([]error, len(calls))
	for i, c := range calls {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT facts_call`); err != nil {
			fail(fmt.Errorf("append facts: savepoint: %w", err))
			return
		}
		outcome[i] = appendFactRows(ctx, insert, sel, c.rows)
		if outcome[i] == nil && len(c.obs) > 0 {
			outcome[i] = sqliteInsertOutbound(ctx, tx, c.obs)
		}
		if outcome[i] != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO facts_call`); err != nil {
				fail(fmt.Errorf("append facts: rollback to savepoint: %w", err))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE facts_call`); err != nil {
			fail(fmt.Errorf("append facts: release savepoint: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("append facts: commit: %w", err))
		return
	}
	for i, c := range calls {
		c.done <- outcome[i]
	}
}

// appendFactRows inserts rows; a stored fact with the same id and content
// is kept, one with other content is ErrConflict.
func appendFactRows(ctx context.Context, insert, sel *sql.Stmt, rows []factRow) error {
	for _, f := range rows {
		res, err := insert.ExecContext(ctx, f.id, f.typ, f.at, f.body)
		if err != nil {
			return fmt.Errorf("append fact %s: %w", f.id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("append fact %s: %w", f.id, err)
		} else if n == 1 {
			continue
		}
		old := factRow{id: f.id}
		if err := sel.QueryRowContext(ctx, f.id).Scan(&old.typ, &old.at, &old.body); err != nil {
			return fmt.Errorf("append fact %s: %w", f.id, err)
		}
		if !old.same(f) {
			return fmt.Errorf("append fact %s: %w", f.id, ErrConflict)
		}
	}
	return nil
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
	for _, st := range []*sql.Stmt{s.insert, s.upsertMinute, s.upsertAgent, s.insertFact, s.selectFact} {
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

// sqliteRollUp adds the minutes to their hours and deletes them in one
// transaction of the single writer, so both statements see the same
// minutes.
func sqliteRollUp(ctx context.Context, w db, series, cut int64, batch int) (int64, error) {
	const some = `minute IN (SELECT minute FROM minutes WHERE series = $1 AND minute < $2 ORDER BY minute LIMIT $3)`
	var n int64
	err := w.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, `INSERT INTO hours (series, hour, first_minute, up, degraded, down, latency_sum, latency_max)
			SELECT series, minute / 60, MIN(minute % 60), SUM(up), SUM(degraded), SUM(down), SUM(latency_sum), MAX(latency_max)
			FROM minutes WHERE series = $1 AND `+some+`
			GROUP BY series, minute / 60
			ON CONFLICT (series, hour) DO UPDATE SET
				first_minute = min(first_minute, excluded.first_minute),
				up = up + excluded.up,
				degraded = degraded + excluded.degraded,
				down = down + excluded.down,
				latency_sum = latency_sum + excluded.latency_sum,
				latency_max = max(latency_max, excluded.latency_max)`, series, cut, batch); err != nil {
			return err
		}
		var err error
		n, err = tx.exec(ctx, `DELETE FROM minutes WHERE series = $1 AND `+some, series, cut, batch)
		return err
	})
	return n, err
}
