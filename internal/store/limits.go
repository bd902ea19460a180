package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Limit is one key's failed attempts within its window: N of them since
// Since, the latest at Last. The zero Limit is none.
type Limit struct {
	N           int
	Since, Last time.Time
}

// Limits implements Store. The keys' rows are created (if need be) and
// locked in key order, so two callers sharing keys take turns and never
// wait on each other in a cycle; the expired rows are deleted first. On
// PostgreSQL that is a statement of its own that skips rows another
// caller holds; SQLite's single writer does it in the transaction.
func (s *sqlStore) Limits(ctx context.Context, keys []string, expired time.Time, fn func([]Limit) []Limit) error {
	prune, lock := `DELETE FROM limits WHERE since_ms < $1`, ""
	if s.dialect.name == "postgres" {
		prune, lock = `DELETE FROM limits WHERE key IN (SELECT key FROM limits WHERE since_ms < $1 LIMIT 1000 FOR UPDATE SKIP LOCKED)`, " FOR UPDATE"
		if _, err := s.writer.exec(ctx, prune, expired.UnixMilli()); err != nil {
			return fmt.Errorf("prune limits: %w", err)
		}
		prune = ""
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	err := s.writer.inTx(ctx, func(tx conn) error {
		if prune != "" {
			if _, err := tx.exec(ctx, prune, expired.UnixMilli()); err != nil {
				return err
			}
		}
		cur := make([]Limit, len(keys))
		for _, i := range order {
			// A row exists before it is locked: PostgreSQL locks rows, not
			// the absence of one.
			if _, err := tx.exec(ctx, `INSERT INTO limits (key, n, since_ms, last_ms) VALUES ($1, 0, 0, 0) ON CONFLICT (key) DO NOTHING`, keys[i]); err != nil {
				return err
			}
			var n int
			var since, last int64
			if err := tx.queryRow(ctx, `SELECT n, since_ms, last_ms FROM limits WHERE key = $1`+lock, keys[i]).Scan(&n, &since, &last); err != nil {
				return err
			}
			if n > 0 {
				cur[i] = Limit{N: n, Since: time.UnixMilli(since).UTC(), Last: time.UnixMilli(last).UTC()}
			}
		}
		next := fn(cur)
		if len(next) != len(keys) {
			return fmt.Errorf("limits: %d states for %d keys", len(next), len(keys))
		}
		for i, k := range keys {
			if next[i].N > 0 && next[i] == cur[i] {
				continue // unchanged, as for an attempt refused at its limit
			}
			var err error
			if next[i].N <= 0 {
				_, err = tx.exec(ctx, `DELETE FROM limits WHERE key = $1`, k)
			} else {
				_, err = tx.exec(ctx, `UPDATE limits SET n = $2, since_ms = $3, last_ms = $4 WHERE key = $1`,
					k, next[i].N, next[i].Since.UnixMilli(), next[i].Last.UnixMilli())
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("limits of %d keys: %w", len(keys), err)
	}
	return nil
}
