package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Enqueue implements Store.
func (s *SQLite) Enqueue(ctx context.Context, obs []Outbound) error {
	if len(obs) == 0 {
		return nil
	}
	rows, err := encodeOutbounds(obs)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("enqueue: begin: %w", err)
	}
	defer tx.Rollback()
	if err := sqliteInsertOutbound(ctx, tx, rows); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("enqueue: commit: %w", err)
	}
	return nil
}

// sqliteInsertOutbound inserts rows in tx, in their order (seq), skipping
// the ids already stored.
func sqliteInsertOutbound(ctx context.Context, tx *sql.Tx, rows []outboundRow) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO outbound (`+outboundColumns+`, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM outbound)) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	defer ins.Close()
	for _, o := range rows {
		if _, err := ins.ExecContext(ctx, o.id, o.channel, o.recipient, o.event, o.payload,
			o.createdAt, o.nextAt, o.updatedAt, o.attempts, o.state, o.lastError); err != nil {
			return fmt.Errorf("enqueue outbound %s: %w", o.id, err)
		}
	}
	return nil
}

// sqlitePruneOutbound deletes a batch of done outbounds and their log in
// one transaction of two statements, since a WITH in SQLite cannot hold a
// DELETE.
func sqlitePruneOutbound(ctx context.Context, w db, keepCut int64, batch int) (n, logged int64, err error) {
	const done = `SELECT id FROM outbound WHERE state <> 'pending' AND updated_at < $1 ORDER BY updated_at, id LIMIT $2`
	err = w.inTx(ctx, func(tx conn) error {
		var err error
		if logged, err = tx.exec(ctx, `DELETE FROM deliveries WHERE outbound IN (`+done+`)`, keepCut, batch); err != nil {
			return err
		}
		n, err = tx.exec(ctx, `DELETE FROM outbound WHERE id IN (`+done+`)`, keepCut, batch)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	return n, logged, nil
}
