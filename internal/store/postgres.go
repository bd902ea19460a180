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
	pool *pgxpool.Pool
	// facts gathers concurrent AppendFacts into one transaction.
	facts factGroup
}

var _ Store = (*Postgres)(nil)

// Shared reports that several servers may use the database at once: they
// run as replicas (internal/cluster).
func (p *Postgres) Shared() bool { return true }

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
	p := &Postgres{sqlStore: sqlStore{dialect: &postgresDialect, reader: db, writer: db, log: orDiscard(logger)}, pool: pool}
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

// pgCreateSeries creates the series in one statement over arrays and
// reads their ids in another.
func pgCreateSeries(ctx context.Context, w db, keys []seriesKey, ids map[seriesKey]int32) error {
	mons := make([]string, len(keys))
	locs := make([]string, len(keys))
	for i, k := range keys {
		mons[i], locs[i] = k.monitor, k.location
	}
	if _, err := w.exec(ctx, `INSERT INTO series (monitor, location)
		SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, mons, locs); err != nil {
		return fmt.Errorf("create series: %w", err)
	}
	rows, err := w.query(ctx, `SELECT s.id, s.monitor, s.location FROM series s
		JOIN unnest($1::text[], $2::text[]) AS k(monitor, location) ON k.monitor = s.monitor AND k.location = s.location`, mons, locs)
	if err != nil {
		return fmt.Errorf("read series: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k seriesKey
		var id int32
		if err := rows.Scan(&id, &k.monitor, &k.location); err != nil {
			return fmt.Errorf("read series: %w", err)
		}
		ids[k] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read series: %w", err)
	}
	return nil
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

// AppendFacts implements Store. Concurrent calls share transactions
// (factGroup): a call returns once the transaction holding its facts has
// committed, or with its own error.
func (p *Postgres) AppendFacts(ctx context.Context, fs []Fact) error {
	return appendFacts(ctx, &p.facts, fs, nil, p.Enqueue, p.commitFacts)
}

// AppendFactsNotify implements Store: the outbounds are inserted in the
// facts' transaction.
func (p *Postgres) AppendFactsNotify(ctx context.Context, fs []Fact, obs []Outbound) error {
	return appendFacts(ctx, &p.facts, fs, obs, p.Enqueue, p.commitFacts)
}

// commitFacts stores the facts of several calls in one transaction when
// every one of them is new, the common case: three round trips for them
// all. Otherwise (a fact stored before, an id in two calls) it rolls back
// and stores each call in its own transaction, where a stored fact is
// checked against the new one. It sends each call its outcome. The
// transactions are not tied to any one caller's context.
func (p *Postgres) commitFacts(calls []*factCall) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if len(calls) > 1 {
		var (
			all []factRow
			obs []outboundRow
		)
		for _, c := range calls {
			all = append(all, c.rows...)
			obs = append(obs, c.obs...)
		}
		ids, types, ats, bodies := factColumns(all)
		err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `INSERT INTO facts (id, type, at, body)
				SELECT id, type, at, body FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS f(id, type, at, body, ord)
				ORDER BY ord
				ON CONFLICT (id) DO NOTHING`, ids, types, ats, bodies)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != int64(len(all)) {
				return errNotAllNew
			}
			return pgInsertOutbound(ctx, tx, obs)
		})
		if err == nil {
			for _, c := range calls {
				c.done <- nil
			}
			return
		}
		if !errors.Is(err, errNotAllNew) {
			for _, c := range calls {
				c.done <- fmt.Errorf("append facts: %w", err)
			}
			return
		}
	}
	for _, c := range calls {
		c.done <- p.appendFactsTx(ctx, c.rows, c.obs)
	}
}

// errNotAllNew rolls back a shared transaction in which some fact was
// not new.
var errNotAllNew = errors.New("not every fact is new")

// factColumns are rows as the arrays of an unnest.
func factColumns(rows []factRow) (ids, types []string, ats []*int64, bodies []string) {
	n := len(rows)
	ids, types, ats, bodies = make([]string, n), make([]string, n), make([]*int64, n), make([]string, n)
	for i, f := range rows {
		ids[i], types[i], ats[i], bodies[i] = f.id, f.typ, f.at, f.body
	}
	return ids, types, ats, bodies
}

// appendFactsTx stores one call's rows in a transaction of its own: a
// fact whose id is stored must equal the stored one.
func (p *Postgres) appendFactsTx(ctx context.Context, rows []factRow, obs []outboundRow) error {
	ids, types, ats, bodies := factColumns(rows)
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
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
			return pgInsertOutbound(ctx, tx, obs)
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
		return pgInsertOutbound(ctx, tx, obs)
	})
	if err != nil {
		return fmt.Errorf("append facts: %w", err)
	}
	return nil
}

// storeTables are the tables Size counts.
var storeTables = []string{"series", "results", "minutes", "hours", "agents", "facts", "states", "schema_migrations",
	"outbound", "deliveries", "subscribers", "sessions", "secrets", "users", "invitations"}

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

// pgRollUp deletes the minutes and adds what it deleted to their hours in
// one statement: a minute updated meanwhile by a late result is either
// deleted with its update counted, or left for the next run.
func pgRollUp(ctx context.Context, w db, series, cut int64, batch int) (int64, error) {
	var n int64
	err := w.queryRow(ctx, `WITH gone AS (
		DELETE FROM minutes WHERE ctid = ANY (ARRAY(
			SELECT ctid FROM minutes WHERE series = $1 AND minute < CAST($2 AS bigint) ORDER BY minute LIMIT $3))
		RETURNING series, minute, up, degraded, down, latency_sum, latency_max
	), hour AS (
		INSERT INTO hours (series, hour, first_minute, up, degraded, down, latency_sum, latency_max)
		SELECT series, minute / 60, min(minute % 60), sum(up), sum(degraded), sum(down), sum(latency_sum), max(latency_max)
		FROM gone GROUP BY 1, 2 ORDER BY 1, 2
		ON CONFLICT (series, hour) DO UPDATE SET
			first_minute = least(hours.first_minute, excluded.first_minute),
			up = hours.up + excluded.up,
			degraded = hours.degraded + excluded.degraded,
			down = hours.down + excluded.down,
			latency_sum = hours.latency_sum + excluded.latency_sum,
			latency_max = greatest(hours.latency_max, excluded.latency_max)
	)
	SELECT count(*) FROM gone`, series, cut, batch).Scan(&n)
	return n, err
}
