package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// sqlStore is the part of the Store that SQLite and PostgreSQL share: each
// query written once, over conn, with what differs between the dialects
// taken from dialect. SQLite and Postgres embed it and add only what each
// does its own way: opening, the batch writes (AppendResults, AppendFacts,
// Enqueue: PostgreSQL in one statement over arrays, SQLite row by row over
// prepared statements), Size, Ping and Close.
//
// A new query goes here, once. SQL that one dialect must write otherwise
// becomes a field of dialect, set for both; a method of its own on SQLite
// or Postgres is for a write that is much faster done its own way.
type sqlStore struct {
	dialect *dialect
	// reader runs queries, writer statements and transactions: SQLite's
	// pool of read-only connections and its single writer connection,
	// PostgreSQL's one pool for both.
	reader conn
	writer db
	log    *slog.Logger
	series seriesCache
	clock  clock
}

// migrate applies the dialect's pending migrations, each in a transaction
// that records it. Concurrent Opens of one database take turns (SQLite's
// transactions take the write lock at BEGIN, PostgreSQL's the dialect's
// migration lock), so the later one finds the migration recorded. logArgs
// are added to the log line of each migration applied.
func (s *sqlStore) migrate(ctx context.Context, logArgs ...any) error {
	ms, err := migrations(s.dialect.name)
	if err != nil {
		return err
	}
	for _, m := range ms {
		applied := false
		err := s.writer.inTx(ctx, func(tx conn) error {
			if s.dialect.migrationLock != "" {
				if _, err := tx.exec(ctx, s.dialect.migrationLock); err != nil {
					return fmt.Errorf("lock: %w", err)
				}
			}
			if _, err := tx.exec(ctx, s.dialect.migrationsTable); err != nil {
				return fmt.Errorf("create schema_migrations: %w", err)
			}
			var n int
			if err := tx.queryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.exec(ctx, m.sql); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return err
			}
			applied = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if applied {
			args := append(append([]any{"store", s.dialect.name}, logArgs...), "migration", m.name)
			s.log.Info("applied migration", args...)
		}
	}
	return nil
}

// seriesIDs resolves the ids of keys, creating missing series. Creation
// commits on its own (a series row is harmless if the caller's write then
// fails), so ids are cached at once; missing keys come sorted, so that
// concurrent writers cannot deadlock on them.
func (s *sqlStore) seriesIDs(ctx context.Context, keys []seriesKey) (map[seriesKey]int32, error) {
	ids := make(map[seriesKey]int32)
	miss := s.series.missing(keys, ids)
	if len(miss) == 0 {
		return ids, nil
	}
	if err := s.dialect.createSeries(ctx, s.writer, miss, ids); err != nil {
		return nil, err
	}
	for _, k := range miss {
		if ids[k] == 0 {
			return nil, fmt.Errorf("read series: %s@%s was not created", k.monitor, k.location)
		}
	}
	s.series.add(ids)
	return ids, nil
}

// Results implements Store.
func (s *sqlStore) Results(ctx context.Context, monitorID string, from, to time.Time) ([]monitor.Result, error) {
	lo, hi := boundsMS(from, to)
	rows, err := s.reader.query(ctx, `SELECT s.location, r.at, r.duration, r.latency, r.state, r.seq, r.message, r.extra
		FROM series s JOIN results r ON r.series = s.id
		WHERE s.monitor = $1 AND r.at >= $2 AND r.at < $3
		ORDER BY r.at, s.location`+s.dialect.collate, monitorID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read results of %s: %w", monitorID, err)
	}
	defer rows.Close()
	return scanResults(monitorID, rows)
}

// Facts implements Store.
func (s *sqlStore) Facts(ctx context.Context, from, to time.Time) ([]Fact, error) {
	var out []Fact
	err := s.EachFact(ctx, from, to, true, func(f Fact) error {
		out = append(out, f)
		return nil
	})
	return out, err
}

// EachFact implements Store.
func (s *sqlStore) EachFact(ctx context.Context, from, to time.Time, byTime bool, fn func(Fact) error) error {
	lo, hi := boundsMS(from, to)
	if !byTime {
		// One pass over the table in its order (dialect.scanAt).
		at := s.dialect.scanAt
		return s.eachFactRow(ctx, `SELECT id, type, at, body FROM facts WHERE `+at+` IS NULL OR (`+at+` >= $1 AND `+at+` < $2) ORDER BY n`, []any{lo, hi}, fn)
	}
	// Two queries, each in the order of the index on at (whose entries
	// SQLite keeps in rowid order within a time): one query with an OR
	// would sort a month of facts in a temporary tree first.
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`SELECT id, type, at, body FROM facts WHERE at IS NULL ORDER BY n`, nil},
		{`SELECT id, type, at, body FROM facts WHERE at >= $1 AND at < $2 ORDER BY at, n`, []any{lo, hi}},
	} {
		if err := s.eachFactRow(ctx, q.sql, q.args, fn); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlStore) eachFactRow(ctx context.Context, query string, args []any, fn func(Fact) error) error {
	rows, err := s.reader.query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read facts: %w", err)
	}
	defer rows.Close()
	var f factRow
	for rows.Next() {
		if err := rows.Scan(&f.id, &f.typ, &f.at, &f.body); err != nil {
			return fmt.Errorf("read facts: %w", err)
		}
		if err := fn(f.fact()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read facts: %w", err)
	}
	return nil
}

// EachFactFor implements Store.
func (s *sqlStore) EachFactFor(ctx context.Context, q FactQuery, byTime bool, fn func(Fact) error) error {
	query, args, err := s.factQuerySQL(q, byTime)
	if err != nil {
		return fmt.Errorf("read facts: %w", err)
	}
	if query == "" {
		return nil
	}
	return s.eachFactRow(ctx, query, args, fn)
}

// factQuerySQL writes q as one query: a branch per part, each on an
// index (facts_type_at for a type's range, facts_ticket for a ticket's
// events, facts_status for the latest status of each component and
// source), merged in EachFact's order. The latest statuses are found by
// skipping through facts_status — the next component, each of its
// sources, the greatest time before StatusFrom — a few index seeks per
// component and source however long their history.
func (s *sqlStore) factQuerySQL(q FactQuery, byTime bool) (string, []any, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	lo, hi := boundsMS(q.From, q.To)
	to := ""
	if len(q.Whole) > 0 || len(q.Window) > 0 || q.TicketEvents || q.StatusTo.IsZero() || !q.StatusTo.Before(q.To) {
		// PostgreSQL refuses a parameter no part uses.
		to = arg(hi)
	}
	const cols = `SELECT id, type, at, body, n FROM facts WHERE `
	var parts []string
	if all := append(append([]string(nil), q.Whole...), q.Window...); len(all) > 0 {
		list, err := s.dialect.listArg(all)
		if err != nil {
			return "", nil, err
		}
		parts = append(parts, cols+s.dialect.inList("type", arg(list))+` AND at IS NULL`)
	}
	if len(q.Whole) > 0 {
		list, err := s.dialect.listArg(q.Whole)
		if err != nil {
			return "", nil, err
		}
		parts = append(parts, cols+s.dialect.inList("type", arg(list))+` AND at < `+to)
	}
	from := ""
	if len(q.Window) > 0 || q.TicketEvents {
		from = arg(lo)
	}
	if len(q.Window) > 0 {
		list, err := s.dialect.listArg(q.Window)
		if err != nil {
			return "", nil, err
		}
		parts = append(parts, cols+s.dialect.inList("type", arg(list))+` AND at >= `+from+` AND at < `+to)
	}
	var ctes []string
	if q.TicketEvents {
		// From each ticket of the window to its events: driven the other
		// way, SQLite walked every event in facts_ticket; so it did when the
		// id kept its column's affinity ("id || ''" has none).
		ctes = append(ctes, `tickets(tid) AS (SELECT id || '' FROM facts WHERE type = 'ticket' AND at >= `+from+` AND at < `+to+`)`)
		parts = append(parts, `SELECT facts.id, facts.type, facts.at, facts.body, facts.n FROM tickets CROSS JOIN facts`+s.dialect.indexedBy("facts_ticket")+
			` WHERE facts.type = 'ticket_event' AND `+s.dialect.factTicket+` = tickets.tid AND facts.at < `+to)
	}
	if !q.StatusFrom.IsZero() {
		end := q.To
		if !q.StatusTo.IsZero() && q.StatusTo.Before(end) {
			end = q.StatusTo
		}
		sf, st := boundsMS(q.StatusFrom, end)
		sfa, sta := arg(sf), to
		if end.Before(q.To) {
			sta = arg(st)
		}
		c, src := s.dialect.statusComponent, s.dialect.statusSource
		fs := `facts` + s.dialect.indexedBy("facts_status")
		ctes = append(ctes, `comps(c) AS (
			SELECT min(`+c+`) FROM `+fs+` WHERE type = 'status'
			UNION ALL
			SELECT (SELECT min(`+c+`) FROM `+fs+` WHERE type = 'status' AND `+c+` > comps.c) FROM comps WHERE comps.c IS NOT NULL
		), keys(c, s) AS (
			SELECT comps.c, (SELECT min(`+src+`) FROM `+fs+` WHERE type = 'status' AND `+c+` = comps.c) FROM comps WHERE comps.c IS NOT NULL
			UNION ALL
			SELECT keys.c, (SELECT min(`+src+`) FROM `+fs+` WHERE type = 'status' AND `+c+` = keys.c AND `+src+` > keys.s) FROM keys WHERE keys.s IS NOT NULL
		), latest(c, s, t) AS (
			SELECT keys.c, keys.s, (SELECT max(at) FROM `+fs+` WHERE type = 'status' AND `+c+` = keys.c AND `+src+` = keys.s AND at < `+sfa+`)
			FROM keys WHERE keys.s IS NOT NULL
		)`)
		parts = append(parts, cols+`type = 'status' AND at >= `+sfa+` AND at < `+sta,
			`SELECT facts.id, facts.type, facts.at, facts.body, facts.n FROM latest CROSS JOIN `+fs+` WHERE facts.type = 'status' AND `+
				c+` = latest.c AND `+src+` = latest.s AND facts.at = latest.t`)
	}
	if len(parts) == 0 {
		return "", nil, nil
	}
	order := `n`
	if byTime {
		order = `at NULLS FIRST, n`
	}
	with := ""
	if len(ctes) > 0 {
		with = "WITH RECURSIVE " + strings.Join(ctes, ",\n\t\t") + "\n\t\t"
	}
	return with + `SELECT id, type, at, body FROM (` + strings.Join(parts, "\n\t\tUNION ALL\n\t\t") + `) f ORDER BY ` + order, args, nil
}

// FactsOfType implements Store.
func (s *sqlStore) FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]Fact, error) {
	if len(types) == 0 {
		return nil, nil
	}
	list, err := s.dialect.listArg(types)
	if err != nil {
		return nil, fmt.Errorf("read facts of type: %w", err)
	}
	lo, hi := boundsMS(from, to)
	rows, err := s.reader.query(ctx, s.factsOfTypeSQL(), list, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read facts of type: %w", err)
	}
	defer rows.Close()
	return scanFacts(rows)
}

// factsOfTypeSQL reads the facts of the types in list $1 with at in
// [$2, $3) or none through the index facts_type_at (migration 0002), one
// range per type, so that the page's few types are read without passing
// over the tickets, samples and other facts stored beside them. The two
// branches keep SQLite on that index: with "at IS NULL OR (range)" in one
// condition it took two ranges of facts_at instead, every type's facts.
func (s *sqlStore) factsOfTypeSQL() string {
	in := s.dialect.inList("type", "$1")
	return `SELECT id, type, at, body FROM (
		SELECT id, type, at, body, n FROM facts WHERE ` + in + ` AND at IS NULL
		UNION ALL
		SELECT id, type, at, body, n FROM facts WHERE ` + in + ` AND at >= $2 AND at < $3) f
		ORDER BY at NULLS FIRST, n`
}

// PutCoverage implements Store.
func (s *sqlStore) PutCoverage(ctx context.Context, runs []CoverageRun) error {
	if len(runs) == 0 {
		return nil
	}
	for _, r := range runs {
		if r.Component == "" || !r.End.After(r.Start) {
			return &sla.InputError{Field: "coverage", Msg: fmt.Sprintf("a run needs a component and an end after its start, got %q %s–%s", r.Component, r.Start, r.End)}
		}
	}
	return s.writer.inTx(ctx, func(tx conn) error {
		for _, r := range runs {
			// The later end wins, whatever order two writers come in.
			if _, err := tx.exec(ctx, `INSERT INTO coverage (component, start_ms, end_ms) VALUES ($1, $2, $3)
				ON CONFLICT (component, start_ms) DO UPDATE SET end_ms =
				CASE WHEN excluded.end_ms > coverage.end_ms THEN excluded.end_ms ELSE coverage.end_ms END`,
				r.Component, ms(r.Start), ms(r.End)); err != nil {
				return fmt.Errorf("put coverage of %s: %w", r.Component, err)
			}
		}
		return nil
	})
}

// Coverage implements Store.
func (s *sqlStore) Coverage(ctx context.Context, before time.Time) ([]CoverageRun, error) {
	rows, err := s.reader.query(ctx, `SELECT component, start_ms, end_ms FROM coverage WHERE start_ms < $1
		ORDER BY component`+s.dialect.collate+`, start_ms`, ms(clampTime(before)))
	if err != nil {
		return nil, fmt.Errorf("read coverage: %w", err)
	}
	defer rows.Close()
	var out []CoverageRun
	for rows.Next() {
		var r CoverageRun
		var a, b int64
		if err := rows.Scan(&r.Component, &a, &b); err != nil {
			return nil, fmt.Errorf("read coverage: %w", err)
		}
		r.Start, r.End = time.UnixMilli(a).UTC(), time.UnixMilli(b).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddSamples implements Store.
func (s *sqlStore) AddSamples(ctx context.Context, ss []SampleSum) error {
	if len(ss) == 0 {
		return nil
	}
	for _, x := range ss {
		if x.Component == "" || x.Metric == "" || x.N < 1 || x.Min > x.Max || math.IsNaN(x.Sum) || math.IsInf(x.Sum, 0) {
			return &sla.InputError{Field: "samples", Msg: fmt.Sprintf("a summary needs a component, a metric, a count of at least 1 and min ≤ max, got %+v", x)}
		}
	}
	return s.writer.inTx(ctx, func(tx conn) error {
		for _, x := range ss {
			if _, err := tx.exec(ctx, `INSERT INTO samples (component, location, metric, hour_ms, n, sum, min, max)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (component, location, metric, hour_ms) DO UPDATE SET n = samples.n + excluded.n, sum = samples.sum + excluded.sum,
				min = CASE WHEN excluded.min < samples.min THEN excluded.min ELSE samples.min END,
				max = CASE WHEN excluded.max > samples.max THEN excluded.max ELSE samples.max END`,
				x.Component, x.Location, x.Metric, ms(x.Hour), x.N, x.Sum, x.Min, x.Max); err != nil {
				return fmt.Errorf("add samples of %s: %w", x.Component, err)
			}
		}
		return nil
	})
}

// Samples implements Store.
func (s *sqlStore) Samples(ctx context.Context, from, to time.Time) ([]SampleSum, error) {
	lo, hi := boundsMS(from, to)
	rows, err := s.reader.query(ctx, `SELECT component, location, metric, hour_ms, n, sum, min, max FROM samples
		WHERE hour_ms >= $1 AND hour_ms < $2
		ORDER BY hour_ms, component`+s.dialect.collate+`, location`+s.dialect.collate+`, metric`+s.dialect.collate, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	defer rows.Close()
	var out []SampleSum
	for rows.Next() {
		var x SampleSum
		var h int64
		if err := rows.Scan(&x.Component, &x.Location, &x.Metric, &h, &x.N, &x.Sum, &x.Min, &x.Max); err != nil {
			return nil, fmt.Errorf("read samples: %w", err)
		}
		x.Hour = time.UnixMilli(h).UTC()
		out = append(out, x)
	}
	return out, rows.Err()
}

// FactsByID implements Store.
func (s *sqlStore) FactsByID(ctx context.Context, ids []string) ([]Fact, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := s.dialect.listArg(ids)
	if err != nil {
		return nil, fmt.Errorf("read facts by id: %w", err)
	}
	rows, err := s.reader.query(ctx, `SELECT id, type, at, body FROM facts
		WHERE `+s.dialect.inList("id", "$1")+` ORDER BY n`, list)
	if err != nil {
		return nil, fmt.Errorf("read facts by id: %w", err)
	}
	defer rows.Close()
	return scanFacts(rows)
}

// TicketFacts implements Store.
func (s *sqlStore) TicketFacts(ctx context.Context, ticket string) ([]Fact, error) {
	rows, err := s.reader.query(ctx, `SELECT id, type, at, body FROM facts
		WHERE id = $1 OR (type = 'ticket_event' AND `+s.dialect.factTicket+` = $1) ORDER BY n`, ticket)
	if err != nil {
		return nil, fmt.Errorf("read ticket %s: %w", ticket, err)
	}
	defer rows.Close()
	return scanFacts(rows)
}

// minuteBounds converts [from, to) to the minute numbers whose start lies in it.
func minuteBounds(from, to time.Time) (lo, hi int64) {
	a, b := boundsMS(from, to)
	return -floorDiv(-a, msPerMinute), -floorDiv(-b, msPerMinute)
}

// hourBounds converts minute bounds to the hour numbers whose start lies
// in [lo, hi) minutes.
func hourBounds(lo, hi int64) (int64, int64) {
	return -floorDiv(-lo, 60), -floorDiv(-hi, 60)
}

// Minutes implements Store. Minute and hour numbers are 32-bit in
// PostgreSQL, but the bounds may lie beyond: hence the casts.
func (s *sqlStore) Minutes(ctx context.Context, monitorID string, from, to time.Time) ([]Minute, error) {
	lo, hi := minuteBounds(from, to)
	hlo, hhi := hourBounds(lo, hi)
	rows, err := s.reader.query(ctx, `SELECT s.location`+s.dialect.collate+` AS loc, CAST(m.minute AS bigint) AS start, 1 AS span,
			m.up, m.degraded, m.down, m.latency_sum, m.latency_max
		FROM series s JOIN minutes m ON m.series = s.id
		WHERE s.monitor = $1 AND m.minute >= CAST($2 AS bigint) AND m.minute < CAST($3 AS bigint)
		UNION ALL
		SELECT s.location`+s.dialect.collate+`, CAST(h.hour AS bigint) * 60, 60, h.up, h.degraded, h.down, h.latency_sum, h.latency_max
		FROM series s JOIN hours h ON h.series = s.id
		WHERE s.monitor = $1 AND h.hour >= CAST($4 AS bigint) AND h.hour < CAST($5 AS bigint)
		ORDER BY start, loc, span`, monitorID, lo, hi, hlo, hhi)
	if err != nil {
		return nil, fmt.Errorf("read minutes of %s: %w", monitorID, err)
	}
	defer rows.Close()
	var out []Minute
	for rows.Next() {
		var (
			loc                                         string
			minute, span, up, deg, down, latSum, latMax int64
		)
		if err := rows.Scan(&loc, &minute, &span, &up, &deg, &down, &latSum, &latMax); err != nil {
			return nil, fmt.Errorf("read minutes of %s: %w", monitorID, err)
		}
		m := minuteFrom(monitorID, loc, minute, up, deg, down, latSum, latMax)
		m.Span = time.Duration(span) * time.Minute
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read minutes of %s: %w", monitorID, err)
	}
	return out, nil
}

// MinutesFrom implements Store.
func (s *sqlStore) MinutesFrom(ctx context.Context, from time.Time) ([]Minute, error) {
	lo := floorDiv(from.UnixMilli(), msPerMinute)
	// One range of the primary key (series, minute) per series: minutes
	// has no index on minute alone, and a scan would read all of it.
	// SQLite's CROSS JOIN keeps series the outer loop; PostgreSQL's
	// LATERAL with OFFSET 0 cannot be flattened into a hash join.
	q := `SELECT s.monitor, s.location, CAST(m.minute AS bigint), m.up, m.degraded, m.down, m.latency_sum, m.latency_max
		FROM series s CROSS JOIN minutes m
		WHERE m.series = s.id AND m.minute >= CAST($1 AS bigint)
		ORDER BY m.minute`
	if s.dialect.name == "postgres" {
		q = `SELECT s.monitor, s.location, CAST(m.minute AS bigint), m.up, m.degraded, m.down, m.latency_sum, m.latency_max
		FROM series s CROSS JOIN LATERAL (SELECT * FROM minutes WHERE series = s.id AND minute >= CAST($1 AS bigint) OFFSET 0) m
		ORDER BY m.minute`
	}
	rows, err := s.reader.query(ctx, q, lo)
	if err != nil {
		return nil, fmt.Errorf("read minutes from %s: %w", from.UTC().Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []Minute
	for rows.Next() {
		var (
			mon, loc                              string
			minute, up, deg, down, latSum, latMax int64
		)
		if err := rows.Scan(&mon, &loc, &minute, &up, &deg, &down, &latSum, &latMax); err != nil {
			return nil, fmt.Errorf("read minutes: %w", err)
		}
		out = append(out, minuteFrom(mon, loc, minute, up, deg, down, latSum, latMax))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read minutes: %w", err)
	}
	return out, nil
}

// FirstMinute implements Store: the earlier of the first minute kept and
// the first minute of the first hourly row that starts at or after from.
func (s *sqlStore) FirstMinute(ctx context.Context, monitorID string, from time.Time) (time.Time, bool, error) {
	lo, _ := minuteBounds(from, from)
	var first *int64
	err := s.reader.queryRow(ctx, `SELECT MIN(x) FROM (
		SELECT MIN(CAST(m.minute AS bigint)) AS x FROM series s JOIN minutes m ON m.series = s.id
		WHERE s.monitor = $1 AND m.minute >= CAST($2 AS bigint)
		UNION ALL
		SELECT MIN(CAST(h.hour AS bigint) * 60 + h.first_minute) FROM series s JOIN hours h ON h.series = s.id
		WHERE s.monitor = $1 AND h.hour >= CAST($3 AS bigint)) f`,
		monitorID, lo, -floorDiv(-lo, 60)).Scan(&first)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("first minute of %s: %w", monitorID, err)
	}
	if first == nil {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(*first * msPerMinute).UTC(), true, nil
}

// RollUp implements Store, series by series (dialect.rollUp).
func (s *sqlStore) RollUp(ctx context.Context, before time.Time, batch int) (int64, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("roll up: batch must be positive, got %d", batch)
	}
	// Whole hours only: the minute that starts the hour of before.
	cut := floorDiv(ms(clampTime(before)), msPerHour) * 60
	ids, err := s.seriesList(ctx)
	if err != nil {
		return 0, fmt.Errorf("roll up: %w", err)
	}
	var total int64
	for _, id := range ids {
		for {
			n, err := s.dialect.rollUp(ctx, s.writer, id, cut, batch)
			total += n
			if err != nil {
				return total, fmt.Errorf("roll up series %d: %w", id, err)
			}
			if n == 0 {
				break
			}
		}
	}
	return total, nil
}

// SetState implements Store.
func (s *sqlStore) SetState(ctx context.Context, st MonitorState) error {
	w, err := encodeState(st)
	if err != nil {
		return err
	}
	ids, err := s.seriesIDs(ctx, []seriesKey{w.key})
	if err != nil {
		return fmt.Errorf("set state: %w", err)
	}
	if _, err := s.writer.exec(ctx, `INSERT INTO states (series, state, confirmed, fails, successes, next_due, updated_at)
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
func (s *sqlStore) States(ctx context.Context) ([]MonitorState, error) {
	rows, err := s.reader.query(ctx, `SELECT s.monitor, s.location, t.state, t.confirmed, t.fails, t.successes, t.next_due, t.updated_at
		FROM series s JOIN states t ON t.series = s.id
		ORDER BY s.monitor`+s.dialect.collate+`, s.location`+s.dialect.collate)
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
func (s *sqlStore) AgentSeq(ctx context.Context, location string) (uint64, error) {
	var seq int64
	err := s.reader.queryRow(ctx, `SELECT seq FROM agents WHERE location = $1`, location).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read agent seq of %s: %w", location, err)
	}
	return uint64(max(seq, 0)), nil
}

// LastResults implements Store.
func (s *sqlStore) LastResults(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.reader.query(ctx, `SELECT location, (SELECT max(r.at) FROM results r WHERE r.series = series.id) FROM series`)
	if err != nil {
		return nil, fmt.Errorf("read the latest results per location: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var loc string
		var at sql.NullInt64
		if err := rows.Scan(&loc, &at); err != nil {
			return nil, fmt.Errorf("read the latest results per location: %w", err)
		}
		if t := time.UnixMilli(at.Int64).UTC(); at.Valid && t.After(out[loc]) {
			out[loc] = t
		}
	}
	return out, rows.Err()
}

// Prune implements Store. Each DELETE is its own transaction (on SQLite's
// writer connection, so appends interleave with a long prune).
func (s *sqlStore) Prune(ctx context.Context, resultsBefore, keepBefore time.Time, batch int) (int64, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("prune: batch must be positive, got %d", batch)
	}
	resCut := ceilMS(clampTime(resultsBefore))
	keepCut := ceilMS(clampTime(keepBefore))
	minCut := floorDiv(ms(clampTime(keepBefore)), msPerMinute)
	hourCut := floorDiv(ms(clampTime(keepBefore)), msPerHour)
	ids, err := s.seriesList(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	var total int64
	del := func(what, q string, args ...any) error {
		n, err := s.deleteBatches(ctx, batch, q, args...)
		total += n
		if err != nil {
			return fmt.Errorf("prune %s: %w", what, err)
		}
		return nil
	}
	for _, id := range ids {
		if err := del("results", s.dialect.pruneResults, id, resCut, batch); err != nil {
			return total, err
		}
		if err := del("minutes", `DELETE FROM minutes WHERE series = $1 AND minute IN (
			SELECT minute FROM minutes WHERE series = $1 AND minute < CAST($2 AS bigint) ORDER BY minute LIMIT $3)`, id, minCut, batch); err != nil {
			return total, err
		}
		if err := del("hours", `DELETE FROM hours WHERE series = $1 AND hour IN (
			SELECT hour FROM hours WHERE series = $1 AND hour < CAST($2 AS bigint) ORDER BY hour LIMIT $3)`, id, hourCut, batch); err != nil {
			return total, err
		}
	}
	if err := del("facts", `DELETE FROM facts WHERE n IN (
		SELECT n FROM facts WHERE at < $1 ORDER BY at LIMIT $2)`, keepCut, batch); err != nil {
		return total, err
	}
	if err := del("samples", `DELETE FROM samples WHERE (component, location, metric, hour_ms) IN (
		SELECT component, location, metric, hour_ms FROM samples WHERE hour_ms < $1 ORDER BY hour_ms LIMIT $2)`, keepCut, batch); err != nil {
		return total, err
	}
	// Coverage is evidence: kept as long as the facts, until its end.
	if err := del("coverage", `DELETE FROM coverage WHERE (component, start_ms) IN (
		SELECT component, start_ms FROM coverage WHERE end_ms < $1 ORDER BY end_ms LIMIT $2)`, keepCut, batch); err != nil {
		return total, err
	}
	n, err := s.pruneNotify(ctx, keepCut, batch)
	return total + n, err
}

// deleteBatches runs q, a DELETE of at most batch rows, until it deletes
// fewer, and returns the rows deleted.
func (s *sqlStore) deleteBatches(ctx context.Context, batch int, q string, args ...any) (int64, error) {
	var total int64
	for {
		n, err := s.writer.exec(ctx, q, args...)
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}

func (s *sqlStore) seriesList(ctx context.Context) ([]int64, error) {
	rows, err := s.reader.query(ctx, `SELECT id FROM series ORDER BY id`)
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

// SetClock implements Store.
func (s *sqlStore) SetClock(now func() time.Time) { s.clock.set(now) }

// MinuteDays implements Store. One grouped pass over the minutes and
// hours in range: the server runs it once at start, not per request.
func (s *sqlStore) MinuteDays(ctx context.Context, from, to time.Time) ([]DayCount, error) {
	lo, hi := minuteBounds(from, to)
	hlo, hhi := hourBounds(lo, hi)
	rows, err := s.reader.query(ctx, `SELECT s.monitor, s.location, x.day, SUM(x.up), SUM(x.degraded), SUM(x.down)
		FROM series s JOIN (
			SELECT series, minute / 1440 AS day, up, degraded, down FROM minutes
			WHERE minute >= CAST($1 AS bigint) AND minute < CAST($2 AS bigint)
			UNION ALL
			SELECT series, hour / 24, up, degraded, down FROM hours
			WHERE hour >= CAST($3 AS bigint) AND hour < CAST($4 AS bigint)) x ON x.series = s.id
		GROUP BY s.monitor, s.location, x.day
		ORDER BY x.day, s.monitor`+s.dialect.collate+`, s.location`+s.dialect.collate, lo, hi, hlo, hhi)
	if err != nil {
		return nil, fmt.Errorf("read day counts: %w", err)
	}
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var (
			d             DayCount
			day           int64
			up, deg, down int64
		)
		if err := rows.Scan(&d.MonitorID, &d.Location, &day, &up, &deg, &down); err != nil {
			return nil, fmt.Errorf("read day counts: %w", err)
		}
		d.Day = time.Unix(day*86400, 0).UTC()
		d.Up, d.Degraded, d.Down = int(up), int(deg), int(down)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read day counts: %w", err)
	}
	return out, nil
}
