package store

import (
	"context"
	"time"
)

// sqlStore is the part of the Store that SQLite and PostgreSQL share: each
// query written once, over conn, with what differs between the dialects
// taken from dialect. SQLite and Postgres embed it and add what each does
// its own way.
type sqlStore struct {
	dialect *dialect
	// reader runs queries, writer statements and transactions: SQLite's
	// pool of read-only connections and its single writer connection,
	// PostgreSQL's one pool for both.
	reader conn
	writer db
	clock  clock
}

// SetClock implements Store.
func (s *sqlStore) SetClock(now func() time.Time) { s.clock.set(now) }

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
