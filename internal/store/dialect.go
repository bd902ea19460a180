package store

import (
	"context"
	"encoding/json"
)

// dialect is what differs between SQLite and PostgreSQL in the queries
// that sqlStore writes once. The rest of their SQL is common to both:
// placeholders are $1, $2, … (SQLite binds $N to the Nth argument),
// CAST(x AS bigint) stands where PostgreSQL must be told a parameter's type
// and SQLite ignores it, and ORDER BY … NULLS FIRST is SQLite's default
// written out for PostgreSQL.
type dialect struct {
	// name is the folder of the dialect's migrations and the "store" of
	// its log lines.
	name string
	// migrationsTable creates, if need be, the table of applied migrations.
	migrationsTable string
	// migrationLock, unless empty, runs first in each migration's
	// transaction so that concurrent Opens of one database take turns.
	migrationLock string
	// collate follows a text column in ORDER BY so that it compares bytes,
	// as SQLite's default collation does and a PostgreSQL database's may not.
	collate string
	// scanAt is the facts' at column in a filter that must not use the
	// index on at: a full pass in stored order reads each row's body once
	// (SQLite would otherwise look each row up from the index; a unary +
	// keeps it off the index; PostgreSQL scans its primary key).
	scanAt string
	// inList is a condition: column is one of the strings of the list
	// param, bound to listArg's value.
	inList  func(column, param string) string
	listArg func([]string) (any, error)
	// dbNow reads the database's clock in unix milliseconds: the one clock
	// every replica of a cluster shares.
	dbNow string
	// factTicket is the "ticket" field of a fact's body, as the index
	// facts_ticket (migration 0006) holds it.
	factTicket string
	// statusComponent and statusSource are a status fact's component and
	// source ("" when absent), as the index facts_status (migration 0013)
	// holds them.
	statusComponent, statusSource string
	// indexedBy follows "FROM facts" to keep a query on the named index:
	// SQLite's planner takes facts_type_at for a type's facts otherwise,
	// every status or ticket event there is; PostgreSQL's chooses well.
	indexedBy func(index string) string
	// pruneResults deletes at most $3 results of series $1 with at before
	// $2.
	pruneResults string
	// rollUp rolls at most batch minutes of series (the earliest, before
	// minute cut) up into their hours, atomically, and returns how many.
	rollUp func(ctx context.Context, w db, series, cut int64, batch int) (int64, error)
	// createSeries creates the series keys (sorted, none stored yet as far
	// as the cache knows), committed before it returns, and sets their ids.
	createSeries func(ctx context.Context, w db, keys []seriesKey, ids map[seriesKey]int32) error
	// pruneOutbound deletes at most batch outbounds done before keepCut
	// with their delivery log, atomically.
	pruneOutbound func(ctx context.Context, w db, keepCut int64, batch int) (n, logged int64, err error)
}

var sqliteDialect = dialect{
	name: "sqlite",
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
	// Not needed: a transaction takes the write lock at BEGIN (_txlock).
	migrationLock: "",
	collate:       "",
	scanAt:        "+at",
	dbNow:         `SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)`,
	inList: func(column, param string) string {
		return column + ` IN (SELECT value FROM json_each(` + param + `))`
	},
	listArg: func(l []string) (any, error) {
		b, err := json.Marshal(l)
		return string(b), err
	},
	factTicket:      `json_extract(body, '$.ticket')`,
	statusComponent: `json_extract(body, '$.component')`,
	statusSource:    `coalesce(json_extract(body, '$.source'), '')`,
	indexedBy:       func(index string) string { return " INDEXED BY " + index },
	pruneResults: `DELETE FROM results WHERE series = $1 AND at IN
		(SELECT at FROM results WHERE series = $1 AND at < $2 ORDER BY at LIMIT $3)`,
	createSeries:  sqliteCreateSeries,
	rollUp:        sqliteRollUp,
	pruneOutbound: sqlitePruneOutbound,
}

var postgresDialect = dialect{
	name: "postgres",
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`,
	// Per schema, held until the transaction ends.
	migrationLock: `SELECT pg_advisory_xact_lock(hashtext('slakeeper.store.migrate'), hashtext(coalesce(current_schema(), '')))`,
	collate:       ` COLLATE "C"`,
	scanAt:        "at",
	dbNow:         `SELECT CAST(extract(epoch FROM clock_timestamp()) * 1000 AS bigint)`,
	inList: func(column, param string) string {
		return column + ` = ANY(CAST(` + param + ` AS text[]))`
	},
	listArg:         func(l []string) (any, error) { return l, nil },
	factTicket:      `(CAST(body AS jsonb) ->> 'ticket')`,
	statusComponent: `(CAST(body AS jsonb) ->> 'component')`,
	statusSource:    `coalesce(CAST(body AS jsonb) ->> 'source', '')`,
	indexedBy:       func(string) string { return "" },
	pruneResults: `DELETE FROM results WHERE ctid = ANY (ARRAY(
		SELECT ctid FROM results WHERE series = $1 AND at < $2 LIMIT $3))`,
	createSeries:  pgCreateSeries,
	rollUp:        pgRollUp,
	pruneOutbound: pgPruneOutbound,
}
