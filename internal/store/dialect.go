package store

import "context"

// dialect is what differs between SQLite and PostgreSQL in the queries
// that sqlStore writes once. The rest of their SQL is common to both:
// placeholders are $1, $2, … (SQLite binds $N to the Nth argument).
type dialect struct {
	// pruneOutbound deletes at most batch outbounds done before keepCut
	// with their delivery log, atomically.
	pruneOutbound func(ctx context.Context, w db, keepCut int64, batch int) (n, logged int64, err error)
}

var sqliteDialect = dialect{
	pruneOutbound: sqlitePruneOutbound,
}

var postgresDialect = dialect{
	pruneOutbound: pgPruneOutbound,
}
