package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
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
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("enqueue: commit: %w", err)
	}
	return nil
}

// DueOutbound implements Store.
func (s *SQLite) DueOutbound(ctx context.Context, now time.Time, limit int) ([]Outbound, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboundColumns+` FROM outbound o
		WHERE state = 'pending' AND next_at <= ? AND NOT EXISTS (`+earlierPending+`)
		ORDER BY next_at, id LIMIT ?`, ms(clampTime(now)), limit)
	if err != nil {
		return nil, fmt.Errorf("read due outbound: %w", err)
	}
	defer rows.Close()
	return scanOutbounds(rows, "read due outbound")
}

// RecordAttempt implements Store.
func (s *SQLite) RecordAttempt(ctx context.Context, a DeliveryAttempt, state string, nextAt time.Time) error {
	r, err := encodeAttempt(a, state, nextAt)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record attempt: begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE outbound SET attempts = attempts + 1, state = ?, next_at = ?,
		last_error = ?, updated_at = ? WHERE id = ?`, r.state, r.nextAt, r.errText, r.at, r.outbound)
	if err != nil {
		return fmt.Errorf("record attempt of %s: %w", r.outbound, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("record attempt of %s: %w", r.outbound, err)
	} else if n == 0 {
		return fmt.Errorf("record attempt: outbound %s: %w", r.outbound, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (`+deliveryColumns+`)
		SELECT id, coalesce(nullif(?, ''), recipient), coalesce(nullif(?, ''), channel), coalesce(nullif(?, ''), event), ?, ?, ?, ?, ?
		FROM outbound WHERE id = ?`,
		r.recipient, r.channel, r.event, r.at, r.ok, r.code, r.errText, r.durUS, r.outbound); err != nil {
		return fmt.Errorf("record attempt of %s: log: %w", r.outbound, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record attempt: commit: %w", err)
	}
	return nil
}

// Outbound implements Store.
func (s *SQLite) Outbound(ctx context.Context, id string) (Outbound, error) {
	o, err := scanOutbound(s.r.QueryRowContext(ctx, `SELECT `+outboundColumns+` FROM outbound WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Outbound{}, fmt.Errorf("outbound %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Outbound{}, fmt.Errorf("read outbound %s: %w", id, err)
	}
	return o, nil
}

// Deliveries implements Store.
func (s *SQLite) Deliveries(ctx context.Context, recipient string, limit int) ([]DeliveryAttempt, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	var (
		rows *sql.Rows
		err  error
	)
	if recipient == "" {
		rows, err = s.r.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
			ORDER BY at DESC, n DESC LIMIT ?`, limit)
	} else {
		rows, err = s.r.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
			WHERE recipient = ? ORDER BY at DESC, n DESC LIMIT ?`, recipient, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	return scanDeliveries(rows)
}

// PendingOutbound implements Store.
func (s *SQLite) PendingOutbound(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM outbound WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending outbound: %w", err)
	}
	return n, nil
}

// PutSubscriber implements Store.
func (s *SQLite) PutSubscriber(ctx context.Context, sub Subscriber) error {
	r, err := encodeSubscriber(sub)
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO subscribers (id, kind, address, address_key, components, secret, created_at, confirmed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, address = excluded.address,
			address_key = excluded.address_key, components = excluded.components, secret = excluded.secret,
			created_at = excluded.created_at, confirmed_at = excluded.confirmed_at`,
		r.id, r.kind, r.address, r.addressKey, r.components, r.secret, r.createdAt, r.confirmedAt); err != nil {
		return fmt.Errorf("put subscriber %s: %w", r.id, err)
	}
	return nil
}

// Subscriber implements Store.
func (s *SQLite) Subscriber(ctx context.Context, id string) (Subscriber, error) {
	sub, err := scanSubscriber(s.r.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("subscriber %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("read subscriber %s: %w", id, err)
	}
	return sub, nil
}

// SubscriberByAddress implements Store.
func (s *SQLite) SubscriberByAddress(ctx context.Context, kind, address string) (Subscriber, error) {
	sub, err := scanSubscriber(s.r.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers
		WHERE kind = ? AND address_key = ? ORDER BY created_at, id LIMIT 1`, kind, addressKey(kind, address)))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("%s subscriber %s: %w", kind, address, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("read %s subscriber %s: %w", kind, address, err)
	}
	return sub, nil
}

// Subscribers implements Store.
func (s *SQLite) Subscribers(ctx context.Context) ([]Subscriber, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("read subscribers: %w", err)
	}
	defer rows.Close()
	return scanSubscribers(rows)
}

// DeleteSubscriber implements Store.
func (s *SQLite) DeleteSubscriber(ctx context.Context, id string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete subscriber %s: begin: %w", id, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM subscribers WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete subscriber %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete subscriber %s: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("delete subscriber %s: %w", id, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbound SET state = 'failed', last_error = 'unsubscribed', next_at = NULL
		WHERE recipient = ? AND state = 'pending'`, id); err != nil {
		return fmt.Errorf("delete subscriber %s: cancel its outbound: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete subscriber %s: commit: %w", id, err)
	}
	return nil
}

// PutSession implements Store.
func (s *SQLite) PutSession(ctx context.Context, sess Session) error {
	r, err := encodeSession(sess)
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO sessions (hash, username, created_at, expires_at, seen_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET username = excluded.username, created_at = excluded.created_at,
			expires_at = excluded.expires_at, seen_at = excluded.seen_at`,
		r.hash, r.user, r.createdAt, r.expiresAt, r.seenAt); err != nil {
		return fmt.Errorf("put session of %s: %w", r.user, err)
	}
	return nil
}

// Session implements Store.
func (s *SQLite) Session(ctx context.Context, hash string) (Session, error) {
	var (
		user                         string
		createdAt, expiresAt, seenAt int64
	)
	err := s.r.QueryRowContext(ctx, `SELECT username, created_at, expires_at, seen_at FROM sessions
		WHERE hash = ? AND expires_at > ?`, hash, s.clock.expiredCut()).Scan(&user, &createdAt, &expiresAt, &seenAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	return sessionFrom(hash, user, createdAt, expiresAt, seenAt), nil
}

// DeleteSession implements Store.
func (s *SQLite) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// Secret implements Store.
func (s *SQLite) Secret(ctx context.Context, name string) ([]byte, error) {
	if err := checkSecretName(name); err != nil {
		return nil, err
	}
	var v []byte
	err := s.r.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	fresh, err := newSecret()
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	// The write lock is taken at BEGIN, so of two processes creating it at
	// once the second finds the first's secret and keeps it.
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create secret %s: begin: %w", name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("create secret %s: %w", name, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("create secret %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create secret %s: commit: %w", name, err)
	}
	return v, nil
}

// FactsOfType implements Store.
func (s *SQLite) FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]Fact, error) {
	if len(types) == 0 {
		return nil, nil
	}
	tj, err := json.Marshal(types)
	if err != nil {
		return nil, fmt.Errorf("read facts of type: %w", err)
	}
	lo, hi := boundsMS(from, to)
	rows, err := s.r.QueryContext(ctx, `SELECT id, type, at, body FROM facts
		WHERE type IN (SELECT value FROM json_each(?)) AND (at IS NULL OR (at >= ? AND at < ?))
		ORDER BY at, n`, string(tj), lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read facts of type: %w", err)
	}
	defer rows.Close()
	return scanFacts(rows)
}

// SetClock implements Store.
func (s *SQLite) SetClock(now func() time.Time) { s.clock.set(now) }

// pruneNotify deletes expired sessions and the outbounds done before
// keepCut with their delivery log, batch outbounds per transaction.
func (s *SQLite) pruneNotify(ctx context.Context, keepCut int64, batch int) (int64, error) {
	var total int64
	for {
		res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE hash IN
			(SELECT hash FROM sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`, s.clock.expiredCut(), batch)
		if err != nil {
			return total, fmt.Errorf("prune sessions: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune sessions: %w", err)
		}
		total += n
		if n < int64(batch) {
			break
		}
	}
	for {
		n, logged, err := s.pruneOutboundBatch(ctx, keepCut, batch)
		total += n + logged
		if err != nil {
			return total, fmt.Errorf("prune outbound: %w", err)
		}
		if n < int64(batch) {
			return total, nil
		}
	}
}

func (s *SQLite) pruneOutboundBatch(ctx context.Context, keepCut int64, batch int) (n, logged int64, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	const done = `SELECT id FROM outbound WHERE state <> 'pending' AND updated_at < ?1 ORDER BY updated_at, id LIMIT ?2`
	res, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE outbound IN (`+done+`)`, keepCut, batch)
	if err != nil {
		return 0, 0, err
	}
	if logged, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	res, err = tx.ExecContext(ctx, `DELETE FROM outbound WHERE id IN (`+done+`)`, keepCut, batch)
	if err != nil {
		return 0, 0, err
	}
	if n, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	return n, logged, nil
}
