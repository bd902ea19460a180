package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// Postgres is the Store in a PostgreSQL database (the tables of the
// connection's current schema, so one database can hold several stores
// with different search_path settings).
type Postgres struct {
	sqlStore
	pool   *pgxpool.Pool
	log    *slog.Logger
	series seriesCache
}

var _ Store = (*Postgres)(nil)

// OpenPostgres connects to the database at dsn (a postgres:// URL or a
// key=value string as libpq takes) and applies its pending migrations.
// Unless the dsn sets synchronous_commit, sessions use "on", so that a
// commit returns only once it is on disk whatever the server's default.
func OpenPostgres(ctx context.Context, dsn string, logger *slog.Logger) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the dsn, password included.
		return nil, errors.New("open postgres: cannot parse the connection string")
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["synchronous_commit"]; !ok {
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "slakeeper"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	db := newPgxDB(pool)
	p := &Postgres{sqlStore: sqlStore{dialect: &postgresDialect, reader: db, writer: db}, pool: pool, log: orDiscard(logger)}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return p, nil
}

func (p *Postgres) migrate(ctx context.Context) error {
	ms, err := migrations("postgres")
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error { return p.apply(ctx, tx, m) }); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration in tx unless it is recorded. The advisory lock,
// per schema and held until the transaction ends, makes concurrent Opens
// of one database take turns: the second finds the migration recorded.
func (p *Postgres) apply(ctx context.Context, tx pgx.Tx, m migration) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('slakeeper.store.migrate'), hashtext(coalesce(current_schema(), '')))`); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var done bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version).Scan(&done); err != nil {
		return err
	}
	if done {
		return nil
	}
	// Without arguments Exec uses the simple protocol, which runs a file of
	// several statements.
	if _, err := tx.Exec(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
		return err
	}
	p.log.Info("applied migration", "store", "postgres", "migration", m.name)
	return nil
}

// seriesIDs resolves the ids of keys, creating missing series. Creation
// commits on its own (a series row is harmless if the caller's write then
// fails), so ids are cached at once; the rows are created in sorted order
// so that concurrent writers cannot deadlock on them.
func (p *Postgres) seriesIDs(ctx context.Context, keys []seriesKey) (map[seriesKey]int32, error) {
	ids := make(map[seriesKey]int32)
	miss := p.series.missing(keys, ids)
	if len(miss) == 0 {
		return ids, nil
	}
	mons := make([]string, len(miss))
	locs := make([]string, len(miss))
	for i, k := range miss {
		mons[i], locs[i] = k.monitor, k.location
	}
	if _, err := p.pool.Exec(ctx, `INSERT INTO series (monitor, location)
		SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, mons, locs); err != nil {
		return nil, fmt.Errorf("create series: %w", err)
	}
	rows, err := p.pool.Query(ctx, `SELECT s.id, s.monitor, s.location FROM series s
		JOIN unnest($1::text[], $2::text[]) AS k(monitor, location) ON k.monitor = s.monitor AND k.location = s.location`, mons, locs)
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k seriesKey
		var id int32
		if err := rows.Scan(&id, &k.monitor, &k.location); err != nil {
			return nil, fmt.Errorf("read series: %w", err)
		}
		ids[k] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	for _, k := range miss {
		if ids[k] == 0 {
			return nil, fmt.Errorf("read series: %s@%s was not created", k.monitor, k.location)
		}
	}
	p.series.add(ids)
	return ids, nil
}

// retryable reports whether a statement failed only for losing a race
// (a deadlock or serialization failure), so that running it again is right.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// appendResultsSQL inserts a batch, the minute aggregates of the rows
// actually inserted (a result already stored is skipped by the
// unique indexes) and the agents' highest seq, in one statement: one round
// trip, atomic. Rows come sorted by (series, at, seq) and minutes by
// (series, minute), so concurrent batches take locks in one order; a
// deadlock that still happens is retried.
const appendResultsSQL = `WITH ins AS (
	INSERT INTO results (at, series, duration, latency, state, seq, message, extra)
	SELECT * FROM unnest($1::bigint[], $2::integer[], $3::integer[], $4::integer[], $5::smallint[], $6::bigint[], $7::text[], $8::text[])
	ON CONFLICT DO NOTHING
	RETURNING series, at, state, latency
), agent AS (
	INSERT INTO agents (location, seq)
	SELECT * FROM unnest($9::text[], $10::bigint[])
	ON CONFLICT (location) DO UPDATE SET seq = greatest(agents.seq, excluded.seq)
)
INSERT INTO minutes (series, minute, up, degraded, down, latency_sum, latency_max)
SELECT series, (at / 60000)::integer,
	count(*) FILTER (WHERE state = 0),
	count(*) FILTER (WHERE state = 1),
	count(*) FILTER (WHERE state = 2),
	sum(latency), max(latency)
FROM ins
GROUP BY 1, 2
ORDER BY 1, 2
ON CONFLICT (series, minute) DO UPDATE SET
	up = minutes.up + excluded.up,
	degraded = minutes.degraded + excluded.degraded,
	down = minutes.down + excluded.down,
	latency_sum = minutes.latency_sum + excluded.latency_sum,
	latency_max = greatest(minutes.latency_max, excluded.latency_max)`

// AppendResults implements Store.
func (p *Postgres) AppendResults(ctx context.Context, rs []monitor.Result) error {
	if len(rs) == 0 {
		return nil
	}
	rows, err := encodeResults(rs)
	if err != nil {
		return err
	}
	ids, err := p.seriesIDs(ctx, rowKeys(rows))
	if err != nil {
		return fmt.Errorf("append results: %w", err)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := ids[rows[i].key], ids[rows[j].key]
		if a != b {
			return a < b
		}
		if rows[i].at != rows[j].at {
			return rows[i].at < rows[j].at
		}
		return seqOf(rows[i]) < seqOf(rows[j])
	})
	n := len(rows)
	var (
		ats     = make([]int64, n)
		series  = make([]int32, n)
		durs    = make([]int32, n)
		lats    = make([]int32, n)
		states  = make([]int16, n)
		seqs    = make([]*int64, n)
		msgs    = make([]*string, n)
		extras  = make([]*string, n)
		agLocs  []string
		agSeqs  []int64
		attempt int
	)
	for i, r := range rows {
		ats[i], series[i], durs[i], lats[i], states[i] = r.at, ids[r.key], r.durUS, r.latUS, r.state
		seqs[i], msgs[i], extras[i] = r.seq, r.message, r.extra
	}
	agLocs, agSeqs = agentMax(rows)
	if agLocs == nil {
		agLocs, agSeqs = []string{}, []int64{}
	}
	for {
		_, err = p.pool.Exec(ctx, appendResultsSQL, ats, series, durs, lats, states, seqs, msgs, extras, agLocs, agSeqs)
		if err == nil || !retryable(err) || attempt >= 5 || ctx.Err() != nil {
			break
		}
		attempt++
	}
	if err != nil {
		return fmt.Errorf("append %d results: %w", n, err)
	}
	return nil
}

func seqOf(r row) int64 {
	if r.seq == nil {
		return 0
	}
	return *r.seq
}

// Results implements Store.
func (p *Postgres) Results(ctx context.Context, monitorID string, from, to time.Time) ([]monitor.Result, error) {
	lo, hi := boundsMS(from, to)
	rows, err := p.pool.Query(ctx, `SELECT s.location, r.at, r.duration, r.latency, r.state, r.seq, r.message, r.extra
		FROM series s JOIN results r ON r.series = s.id
		WHERE s.monitor = $1 AND r.at >= $2 AND r.at < $3
		ORDER BY r.at, s.location COLLATE "C"`, monitorID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read results of %s: %w", monitorID, err)
	}
	defer rows.Close()
	return scanResults(monitorID, rows)
}

// AppendFacts implements Store.
func (p *Postgres) AppendFacts(ctx context.Context, fs []Fact) error {
	if len(fs) == 0 {
		return nil
	}
	rows, err := encodeFacts(fs)
	if err != nil {
		return err
	}
	n := len(rows)
	ids, types, ats, bodies := make([]string, n), make([]string, n), make([]*int64, n), make([]string, n)
	for i, f := range rows {
		ids[i], types[i], ats[i], bodies[i] = f.id, f.typ, f.at, f.body
	}
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		inserted := map[string]bool{}
		res, err := tx.Query(ctx, `INSERT INTO facts (id, type, at, body)
			SELECT id, type, at, body FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS f(id, type, at, body, ord)
			ORDER BY ord
			ON CONFLICT (id) DO NOTHING
			RETURNING id`, ids, types, ats, bodies)
		if err != nil {
			return err
		}
		for res.Next() {
			var id string
			if err := res.Scan(&id); err != nil {
				res.Close()
				return err
			}
			inserted[id] = true
		}
		if err := res.Err(); err != nil {
			return err
		}
		// Every fact not inserted by this statement (its id was stored
		// before, or earlier in this batch) must equal the stored one.
		var check []string
		first := map[string]bool{}
		for _, f := range rows {
			if inserted[f.id] && !first[f.id] {
				first[f.id] = true
				continue
			}
			check = append(check, f.id)
		}
		if len(check) == 0 {
			return nil
		}
		stored := map[string]factRow{}
		res, err = tx.Query(ctx, `SELECT id, type, at, body FROM facts WHERE id = ANY($1)`, check)
		if err != nil {
			return err
		}
		for res.Next() {
			var f factRow
			if err := res.Scan(&f.id, &f.typ, &f.at, &f.body); err != nil {
				res.Close()
				return err
			}
			stored[f.id] = f
		}
		if err := res.Err(); err != nil {
			return err
		}
		first = map[string]bool{}
		for _, f := range rows {
			if inserted[f.id] && !first[f.id] {
				first[f.id] = true
				continue
			}
			if old, ok := stored[f.id]; !ok || !old.same(f) {
				return fmt.Errorf("fact %s: %w", f.id, ErrConflict)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append facts: %w", err)
	}
	return nil
}

// Facts implements Store.
func (p *Postgres) Facts(ctx context.Context, from, to time.Time) ([]Fact, error) {
	lo, hi := boundsMS(from, to)
	rows, err := p.pool.Query(ctx, `SELECT id, type, at, body FROM facts
		WHERE at IS NULL OR (at >= $1 AND at < $2)
		ORDER BY at NULLS FIRST, n`, lo, hi)
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

// Minutes implements Store.
func (p *Postgres) Minutes(ctx context.Context, monitorID string, from, to time.Time) ([]Minute, error) {
	lo, hi := minuteBounds(from, to)
	rows, err := p.pool.Query(ctx, `SELECT s.location, m.minute, m.up, m.degraded, m.down, m.latency_sum, m.latency_max
		FROM series s JOIN minutes m ON m.series = s.id
		WHERE s.monitor = $1 AND m.minute >= $2::bigint AND m.minute < $3::bigint
		ORDER BY m.minute, s.location COLLATE "C"`, monitorID, lo, hi)
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
func (p *Postgres) FirstMinute(ctx context.Context, monitorID string, from time.Time) (time.Time, bool, error) {
	lo, _ := minuteBounds(from, from)
	var first *int64
	err := p.pool.QueryRow(ctx, `SELECT MIN(m.minute) FROM series s JOIN minutes m ON m.series = s.id
		WHERE s.monitor = $1 AND m.minute >= $2::bigint`, monitorID, lo).Scan(&first)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("first minute of %s: %w", monitorID, err)
	}
	if first == nil {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(*first * msPerMinute).UTC(), true, nil
}

// SetState implements Store.
func (p *Postgres) SetState(ctx context.Context, st MonitorState) error {
	w, err := encodeState(st)
	if err != nil {
		return err
	}
	ids, err := p.seriesIDs(ctx, []seriesKey{w.key})
	if err != nil {
		return fmt.Errorf("set state: %w", err)
	}
	if _, err := p.pool.Exec(ctx, `INSERT INTO states (series, state, confirmed, fails, successes, next_due, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (series) DO UPDATE SET
			state = excluded.state, confirmed = excluded.confirmed,
			fails = excluded.fails, successes = excluded.successes,
			next_due = excluded.next_due, updated_at = excluded.updated_at`,
		ids[w.key], w.state, w.confirmed, w.fails, w.successes, w.nextDue, w.updatedAt); err != nil {
		return fmt.Errorf("set state of %s@%s: %w", st.MonitorID, st.Location, err)
	}
	return nil
}

// States implements Store.
func (p *Postgres) States(ctx context.Context) ([]MonitorState, error) {
	rows, err := p.pool.Query(ctx, `SELECT s.monitor, s.location, t.state, t.confirmed, t.fails, t.successes, t.next_due, t.updated_at
		FROM series s JOIN states t ON t.series = s.id
		ORDER BY s.monitor COLLATE "C", s.location COLLATE "C"`)
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
func (p *Postgres) AgentSeq(ctx context.Context, location string) (uint64, error) {
	var seq int64
	err := p.pool.QueryRow(ctx, `SELECT seq FROM agents WHERE location = $1`, location).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read agent seq of %s: %w", location, err)
	}
	return uint64(max(seq, 0)), nil
}

// Prune implements Store. Each DELETE is its own transaction.
func (p *Postgres) Prune(ctx context.Context, resultsBefore, keepBefore time.Time, batch int) (int64, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("prune: batch must be positive, got %d", batch)
	}
	resCut := ceilMS(clampTime(resultsBefore))
	keepCut := ceilMS(clampTime(keepBefore))
	minCut := floorDiv(ms(clampTime(keepBefore)), msPerMinute)
	var ids []int32
	rows, err := p.pool.Query(ctx, `SELECT id FROM series ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	ids, err = pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	var total int64
	del := func(what, q string, args ...any) error {
		for {
			tag, err := p.pool.Exec(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("prune %s: %w", what, err)
			}
			total += tag.RowsAffected()
			if tag.RowsAffected() < int64(batch) {
				return nil
			}
		}
	}
	for _, id := range ids {
		if err := del("results", `DELETE FROM results WHERE ctid = ANY (ARRAY(
			SELECT ctid FROM results WHERE series = $1 AND at < $2 LIMIT $3))`, id, resCut, batch); err != nil {
			return total, err
		}
		if err := del("minutes", `DELETE FROM minutes WHERE series = $1 AND minute IN (
			SELECT minute FROM minutes WHERE series = $1 AND minute < $2::bigint ORDER BY minute LIMIT $3)`, id, minCut, batch); err != nil {
			return total, err
		}
	}
	if err := del("facts", `DELETE FROM facts WHERE n IN (
		SELECT n FROM facts WHERE at < $1 ORDER BY at LIMIT $2)`, keepCut, batch); err != nil {
		return total, err
	}
	n, err := p.pruneNotify(ctx, keepCut, batch)
	return total + n, err
}

// storeTables are the tables Size counts.
var storeTables = []string{"series", "results", "minutes", "agents", "facts", "states", "schema_migrations",
	"outbound", "deliveries", "subscribers", "sessions", "secrets"}

// Size implements Store: the store's tables with their indexes and TOAST,
// as found through the connection's search_path.
func (p *Postgres) Size(ctx context.Context) (int64, error) {
	var n int64
	if err := p.pool.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0)::bigint
		FROM unnest($1::text[]) AS t`, storeTables).Scan(&n); err != nil {
		return 0, fmt.Errorf("size: %w", err)
	}
	return n, nil
}

// Ping implements Store.
func (p *Postgres) Ping(ctx context.Context) error {
	if err := p.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Close implements Store.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}
