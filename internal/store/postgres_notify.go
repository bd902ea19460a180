package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
	if _, err := p.pool.Exec(ctx, `INSERT INTO outbound (`+outboundColumns+`)
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

// DueOutbound implements Store.
func (p *Postgres) DueOutbound(ctx context.Context, now time.Time, limit int) ([]Outbound, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT `+outboundColumns+` FROM outbound o
		WHERE state = 'pending' AND next_at <= $1 AND NOT EXISTS (`+earlierPending+`)
		ORDER BY next_at, id LIMIT $2`, ms(clampTime(now)), limit)
	if err != nil {
		return nil, fmt.Errorf("read due outbound: %w", err)
	}
	defer rows.Close()
	return scanOutbounds(rows, "read due outbound")
}

// RecordAttempt implements Store: one statement updates the outbound and
// appends to the log, so both happen or neither.
func (p *Postgres) RecordAttempt(ctx context.Context, a DeliveryAttempt, state string, nextAt time.Time) error {
	r, err := encodeAttempt(a, state, nextAt)
	if err != nil {
		return err
	}
	tag, err := p.pool.Exec(ctx, `WITH o AS (
			UPDATE outbound SET attempts = attempts + 1, state = $1, next_at = $2, last_error = $3::text, updated_at = $4::bigint
			WHERE id = $5
			RETURNING id, recipient, channel, event
		)
		INSERT INTO deliveries (`+deliveryColumns+`)
		SELECT id, coalesce(nullif($6::text, ''), recipient), coalesce(nullif($7::text, ''), channel), coalesce(nullif($8::text, ''), event),
			$4::bigint, $9::boolean, $10::integer, $3::text, $11::bigint
		FROM o`,
		r.state, r.nextAt, r.errText, r.at, r.outbound, r.recipient, r.channel, r.event, r.ok, r.code, r.durUS)
	if err != nil {
		return fmt.Errorf("record attempt of %s: %w", r.outbound, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("record attempt: outbound %s: %w", r.outbound, ErrNotFound)
	}
	return nil
}

// Outbound implements Store.
func (p *Postgres) Outbound(ctx context.Context, id string) (Outbound, error) {
	o, err := scanOutbound(p.pool.QueryRow(ctx, `SELECT `+outboundColumns+` FROM outbound WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Outbound{}, fmt.Errorf("outbound %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Outbound{}, fmt.Errorf("read outbound %s: %w", id, err)
	}
	return o, nil
}

// Deliveries implements Store.
func (p *Postgres) Deliveries(ctx context.Context, recipient string, limit int) ([]DeliveryAttempt, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	var (
		rows pgx.Rows
		err  error
	)
	if recipient == "" {
		rows, err = p.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM deliveries
			ORDER BY at DESC, n DESC LIMIT $1`, limit)
	} else {
		rows, err = p.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM deliveries
			WHERE recipient = $1 ORDER BY at DESC, n DESC LIMIT $2`, recipient, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	return scanDeliveries(rows)
}

// PendingOutbound implements Store.
func (p *Postgres) PendingOutbound(ctx context.Context) (int, error) {
	var n int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM outbound WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending outbound: %w", err)
	}
	return n, nil
}

// PutSubscriber implements Store.
func (p *Postgres) PutSubscriber(ctx context.Context, sub Subscriber) error {
	r, err := encodeSubscriber(sub)
	if err != nil {
		return err
	}
	if _, err := p.pool.Exec(ctx, `INSERT INTO subscribers (id, kind, address, address_key, components, secret, created_at, confirmed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, address = excluded.address,
			address_key = excluded.address_key, components = excluded.components, secret = excluded.secret,
			created_at = excluded.created_at, confirmed_at = excluded.confirmed_at`,
		r.id, r.kind, r.address, r.addressKey, r.components, r.secret, r.createdAt, r.confirmedAt); err != nil {
		return fmt.Errorf("put subscriber %s: %w", r.id, err)
	}
	return nil
}

// Subscriber implements Store.
func (p *Postgres) Subscriber(ctx context.Context, id string) (Subscriber, error) {
	sub, err := scanSubscriber(p.pool.QueryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("subscriber %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("read subscriber %s: %w", id, err)
	}
	return sub, nil
}

// SubscriberByAddress implements Store.
func (p *Postgres) SubscriberByAddress(ctx context.Context, kind, address string) (Subscriber, error) {
	sub, err := scanSubscriber(p.pool.QueryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers
		WHERE kind = $1 AND address_key = $2 ORDER BY created_at, id LIMIT 1`, kind, addressKey(kind, address)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("%s subscriber %s: %w", kind, address, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("read %s subscriber %s: %w", kind, address, err)
	}
	return sub, nil
}

// Subscribers implements Store.
func (p *Postgres) Subscribers(ctx context.Context) ([]Subscriber, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+subscriberColumns+` FROM subscribers ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("read subscribers: %w", err)
	}
	defer rows.Close()
	return scanSubscribers(rows)
}

// DeleteSubscriber implements Store.
func (p *Postgres) DeleteSubscriber(ctx context.Context, id string) error {
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM subscribers WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, `UPDATE outbound SET state = 'failed', last_error = 'unsubscribed', next_at = NULL
			WHERE recipient = $1 AND state = 'pending'`, id); err != nil {
			return fmt.Errorf("cancel its outbound: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete subscriber %s: %w", id, err)
	}
	return nil
}

// PutSession implements Store.
func (p *Postgres) PutSession(ctx context.Context, sess Session) error {
	r, err := encodeSession(sess)
	if err != nil {
		return err
	}
	if _, err := p.pool.Exec(ctx, `INSERT INTO sessions (hash, username, created_at, expires_at, seen_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (hash) DO UPDATE SET username = excluded.username, created_at = excluded.created_at,
			expires_at = excluded.expires_at, seen_at = excluded.seen_at`,
		r.hash, r.user, r.createdAt, r.expiresAt, r.seenAt); err != nil {
		return fmt.Errorf("put session of %s: %w", r.user, err)
	}
	return nil
}

// Session implements Store.
func (p *Postgres) Session(ctx context.Context, hash string) (Session, error) {
	var (
		user                         string
		createdAt, expiresAt, seenAt int64
	)
	err := p.pool.QueryRow(ctx, `SELECT username, created_at, expires_at, seen_at FROM sessions
		WHERE hash = $1 AND expires_at > $2`, hash, p.clock.expiredCut()).Scan(&user, &createdAt, &expiresAt, &seenAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	return sessionFrom(hash, user, createdAt, expiresAt, seenAt), nil
}

// DeleteSession implements Store.
func (p *Postgres) DeleteSession(ctx context.Context, hash string) error {
	if _, err := p.pool.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// Secret implements Store. Of two concurrent first uses, the second's
// INSERT waits for the first's and does nothing; its SELECT, a new
// statement, then sees the first's secret.
func (p *Postgres) Secret(ctx context.Context, name string) ([]byte, error) {
	if err := checkSecretName(name); err != nil {
		return nil, err
	}
	var v []byte
	err := p.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	fresh, err := newSecret()
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	if _, err := p.pool.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("create secret %s: %w", name, err)
	}
	if err := p.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("read secret %s: %w", name, err)
	}
	return v, nil
}

// FactsOfType implements Store.
func (p *Postgres) FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]Fact, error) {
	if len(types) == 0 {
		return nil, nil
	}
	lo, hi := boundsMS(from, to)
	rows, err := p.pool.Query(ctx, `SELECT id, type, at, body FROM facts
		WHERE type = ANY($1::text[]) AND (at IS NULL OR (at >= $2 AND at < $3))
		ORDER BY at NULLS FIRST, n`, types, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read facts of type: %w", err)
	}
	defer rows.Close()
	return scanFacts(rows)
}

// SetClock implements Store.
func (p *Postgres) SetClock(now func() time.Time) { p.clock.set(now) }

// pruneNotify deletes expired sessions and the outbounds done before
// keepCut with their delivery log, batch outbounds per statement.
func (p *Postgres) pruneNotify(ctx context.Context, keepCut int64, batch int) (int64, error) {
	var total int64
	for {
		tag, err := p.pool.Exec(ctx, `DELETE FROM sessions WHERE hash IN (
			SELECT hash FROM sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`, p.clock.expiredCut(), batch)
		if err != nil {
			return total, fmt.Errorf("prune sessions: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < int64(batch) {
			break
		}
	}
	for {
		var n, logged int64
		if err := p.pool.QueryRow(ctx, `WITH o AS (
				DELETE FROM outbound WHERE id IN (
					SELECT id FROM outbound WHERE state <> 'pending' AND updated_at < $1 ORDER BY updated_at, id LIMIT $2)
				RETURNING id
			), d AS (
				DELETE FROM deliveries WHERE outbound IN (SELECT id FROM o) RETURNING 1
			)
			SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM d)`, keepCut, batch).Scan(&n, &logged); err != nil {
			return total, fmt.Errorf("prune outbound: %w", err)
		}
		total += n + logged
		if n < int64(batch) {
			return total, nil
		}
	}
}
