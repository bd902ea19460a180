package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// conn runs SQL on a database or in a transaction: the calls the shared
// queries (sqlStore) need, in the shape of database/sql's. SQLite's conn is
// database/sql; PostgreSQL's is pgx itself rather than its database/sql
// adapter, so that its reads keep pgx's binary protocol and its batch
// writes pass Go slices as arrays.
type conn interface {
	// exec runs a statement and returns the number of rows it affected.
	// Without arguments, the statement may be a script of several (a
	// migration): database/sql runs SQLite's one by one, pgx sends it with
	// the simple protocol.
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rows, error)
	// queryRow's Scan returns an error wrapping sql.ErrNoRows when there is
	// no row, in both dialects (pgx.ErrNoRows wraps it).
	queryRow(ctx context.Context, query string, args ...any) scanner
}

// db is a conn that can also run a transaction.
type db interface {
	conn
	// inTx runs fn in a transaction, committed when fn returns nil and
	// rolled back otherwise.
	inTx(ctx context.Context, fn func(tx conn) error) error
}

// rows are a query's result rows; Close may be called more than once.
type rows interface {
	rowScanner
	Close()
}

// scanner is one row, as queryRow returns it.
type scanner interface {
	Scan(dest ...any) error
}

// sqlConn is a conn over a *sql.DB or *sql.Tx.
type sqlConn struct {
	c interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	// stmts, on a *sql.DB, keeps the statements prepared: SQLite parses
	// a statement anew on each call otherwise, a sixth of the CPU of a
	// small read or write (BenchmarkHelpdeskIngest).
	stmts *stmtCache
}

// stmtCache holds prepared statements by their text; it stops adding
// once full, so that statements built with varying text cannot grow it.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const stmtCacheSize = 256

// stmt is query prepared, or nil when it cannot be cached (a script
// without arguments, a full cache, a failed prepare: the caller runs it
// unprepared and sees the error there).
func (c *stmtCache) stmt(ctx context.Context, query string, args []any) *sql.Stmt {
	if c == nil || len(args) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= stmtCacheSize {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.m[query] = st
	return st
}

func (c sqlConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := c.stmts.stmt(ctx, query, args); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = c.c.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c sqlConn) query(ctx context.Context, query string, args ...any) (rows, error) {
	var r *sql.Rows
	var err error
	if st := c.stmts.stmt(ctx, query, args); st != nil {
		r, err = st.QueryContext(ctx, args...)
	} else {
		r, err = c.c.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (c sqlConn) queryRow(ctx context.Context, query string, args ...any) scanner {
	if st := c.stmts.stmt(ctx, query, args); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.c.QueryRowContext(ctx, query, args...)
}

// sqlRows drops the error of Close: a failure while reading is in Err,
// which every reader checks.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// sqlDB is the db of a *sql.DB.
type sqlDB struct {
	sqlConn
	db *sql.DB
}

func newSQLDB(d *sql.DB) sqlDB {
	return sqlDB{sqlConn{c: d, stmts: &stmtCache{db: d, m: map[string]*sql.Stmt{}}}, d}
}

func (d sqlDB) inTx(ctx context.Context, fn func(tx conn) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(sqlConn{c: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// pgxConn is a conn over a *pgxpool.Pool or pgx.Tx.
type pgxConn struct {
	c interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	}
}

func (c pgxConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.c.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c pgxConn) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := c.c.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (c pgxConn) queryRow(ctx context.Context, query string, args ...any) scanner {
	return c.c.QueryRow(ctx, query, args...)
}

// pgxDB is the db of a *pgxpool.Pool.
type pgxDB struct {
	pgxConn
	pool *pgxpool.Pool
}

func newPgxDB(pool *pgxpool.Pool) pgxDB { return pgxDB{pgxConn{pool}, pool} }

func (d pgxDB) inTx(ctx context.Context, fn func(tx conn) error) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return fn(pgxConn{tx}) })
}
