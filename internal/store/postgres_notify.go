package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// Enqueue implements Store: one statement, so atomic.
func (p *Postgres) Enqueue(ctx context.Context, obs []Outbound) error {
	if len(obs) == 0 {
		return nil
	}
	rows, err := encodeOutbounds(obs)
	if err != nil {
		return err
	}
	return pgInsertOutbound(ctx, p.pool, rows)
}

// pgExecer is a pool or a transaction.
type pgExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// pgInsertOutbound inserts rows in one statement (so atomically), in their
// order (seq), skipping the ids already stored.
func pgInsertOutbound(ctx context.Context, x pgExecer, rows []outboundRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	var (
		ids, channels, recipients, events = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		payloads                          = make([][]byte, n)
		created, updated                  = make([]int64, n), make([]int64, n)
		next                              = make([]*int64, n)
		attempts                          = make([]int32, n)
		states, lastErrors                = make([]string, n), make([]string, n)
	)
	for i, o := range rows {
		ids[i], channels[i], recipients[i], events[i] = o.id, o.channel, o.recipient, o.event
		payloads[i], created[i], updated[i], next[i] = o.payload, o.createdAt, o.updatedAt, o.nextAt
		attempts[i], states[i], lastErrors[i] = o.attempts, o.state, o.lastError
	}
	if _, err := x.Exec(ctx, `INSERT INTO outbound (`+outboundColumns+`)
		SELECT c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::bigint[], $7::bigint[], $8::bigint[], $9::integer[], $10::text[], $11::text[])
			WITH ORDINALITY AS u(c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, n)
		ORDER BY n -- seq follows the order of obs
		ON CONFLICT (id) DO NOTHING`,
		ids, channels, recipients, events, payloads, created, next, updated, attempts, states, lastErrors); err != nil {
		return fmt.Errorf("enqueue %d outbound: %w", n, err)
	}
	return nil
}

// pgPruneOutbound deletes a batch of done outbounds and their log in one
// statement, so both see the same batch.
func pgPruneOutbound(ctx context.Context, w db, keepCut int64, batch int) (n, logged int64, err error) {
	err = w.queryRow(ctx, `WITH o AS (
			DELETE FROM outbound WHERE id IN (
				SELECT id FROM outbound WHERE state <> 'pending' AND updated_at < $1 ORDER BY updated_at, id LIMIT $2)
			RETURNING id
		), d AS (
			DELETE FROM deliveries WHERE outbound IN (SELECT id FROM o) RETURNING 1
		)
		SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM d)`, keepCut, batch).Scan(&n, &logged)
	if err != nil {
		return 0, 0, err
	}
	return n, logged, nil
}
