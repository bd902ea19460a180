package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DueOutbound implements Store.
func (s *sqlStore) DueOutbound(ctx context.Context, now time.Time, limit int) ([]Outbound, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.reader.query(ctx, `SELECT `+outboundColumns+` FROM outbound o
		WHERE state = 'pending' AND next_at <= $1 AND NOT EXISTS (`+earlierPending+`)
		ORDER BY next_at, id LIMIT $2`, ms(clampTime(now)), limit)
	if err != nil {
		return nil, fmt.Errorf("read due outbound: %w", err)
	}
	defer rows.Close()
	return scanOutbounds(rows, "read due outbound")
}

// ClaimOutbound implements Store: one conditional update, which two
// processes cannot both win (PostgreSQL re-reads the row the winner
// changed and finds it no longer due).
func (s *sqlStore) ClaimOutbound(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	n, err := s.writer.exec(ctx, `UPDATE outbound SET next_at = $1 WHERE id = $2 AND state = 'pending' AND next_at <= $3`,
		ms(clampTime(now.Add(lease))), id, ms(clampTime(now)))
	if err != nil {
		return false, fmt.Errorf("claim outbound %s: %w", id, err)
	}
	return n == 1, nil
}

// RecordAttempt implements Store. The log row is copied from the outbound
// in the transaction that updates it, so both happen or neither.
func (s *sqlStore) RecordAttempt(ctx context.Context, a DeliveryAttempt, state string, nextAt time.Time) error {
	r, err := encodeAttempt(a, state, nextAt)
	if err != nil {
		return err
	}
	err = s.writer.inTx(ctx, func(tx conn) error {
		n, err := tx.exec(ctx, `UPDATE outbound SET attempts = attempts + 1, state = $1, next_at = $2,
			last_error = $3, updated_at = $4 WHERE id = $5`, r.state, r.nextAt, r.errText, r.at, r.outbound)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		// The casts tell PostgreSQL the types of parameters it cannot infer
		// from a SELECT list.
		if _, err := tx.exec(ctx, `INSERT INTO deliveries (`+deliveryColumns+`)
			SELECT id, coalesce(nullif(CAST($1 AS text), ''), recipient), coalesce(nullif(CAST($2 AS text), ''), channel),
				coalesce(nullif(CAST($3 AS text), ''), event), CAST($4 AS bigint), CAST($5 AS boolean), CAST($6 AS integer),
				CAST($7 AS text), CAST($8 AS bigint)
			FROM outbound WHERE id = $9`,
			r.recipient, r.channel, r.event, r.at, r.ok, r.code, r.errText, r.durUS, r.outbound); err != nil {
			return fmt.Errorf("log: %w", err)
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("record attempt: outbound %s: %w", r.outbound, err)
	}
	if err != nil {
		return fmt.Errorf("record attempt of %s: %w", r.outbound, err)
	}
	return nil
}

// Outbound implements Store.
func (s *sqlStore) Outbound(ctx context.Context, id string) (Outbound, error) {
	o, err := scanOutbound(s.reader.queryRow(ctx, `SELECT `+outboundColumns+` FROM outbound WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Outbound{}, fmt.Errorf("outbound %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Outbound{}, fmt.Errorf("read outbound %s: %w", id, err)
	}
	return o, nil
}

// Deliveries implements Store.
func (s *sqlStore) Deliveries(ctx context.Context, recipient string, limit int) ([]DeliveryAttempt, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	var (
		rows rows
		err  error
	)
	if recipient == "" {
		rows, err = s.reader.query(ctx, `SELECT `+deliveryColumns+` FROM deliveries
			ORDER BY at DESC, n DESC LIMIT $1`, limit)
	} else {
		rows, err = s.reader.query(ctx, `SELECT `+deliveryColumns+` FROM deliveries
			WHERE recipient = $1 ORDER BY at DESC, n DESC LIMIT $2`, recipient, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	return scanDeliveries(rows)
}

// PendingOutbound implements Store.
func (s *sqlStore) PendingOutbound(ctx context.Context) (int, error) {
	var n int
	if err := s.reader.queryRow(ctx, `SELECT count(*) FROM outbound WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending outbound: %w", err)
	}
	return n, nil
}

// QueuedOutbound implements Store, over the index of pending outbounds
// by recipient and seq.
func (s *sqlStore) QueuedOutbound(ctx context.Context, recipient string, limit int) ([]Outbound, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.reader.query(ctx, `SELECT `+outboundColumns+` FROM outbound
		WHERE state = 'pending' AND recipient = $1 AND attempts = 0 ORDER BY seq DESC LIMIT $2`, recipient, limit)
	if err != nil {
		return nil, fmt.Errorf("read queued outbound of %s: %w", recipient, err)
	}
	defer rows.Close()
	return scanOutbounds(rows, "read queued outbound")
}

// PutSubscriber implements Store.
func (s *sqlStore) PutSubscriber(ctx context.Context, sub Subscriber) error {
	r, err := encodeSubscriber(sub)
	if err != nil {
		return err
	}
	if _, err := s.writer.exec(ctx, `INSERT INTO subscribers (id, kind, address, address_key, components, secret, created_at, confirmed_at, customer)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, address = excluded.address,
			address_key = excluded.address_key, components = excluded.components, secret = excluded.secret,
			created_at = excluded.created_at, confirmed_at = excluded.confirmed_at, customer = excluded.customer`,
		r.id, r.kind, r.address, r.addressKey, r.components, r.secret, r.createdAt, r.confirmedAt, r.customer); err != nil {
		return fmt.Errorf("put subscriber %s: %w", r.id, err)
	}
	return nil
}

// Subscriber implements Store.
func (s *sqlStore) Subscriber(ctx context.Context, id string) (Subscriber, error) {
	sub, err := scanSubscriber(s.reader.queryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("subscriber %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("read subscriber %s: %w", id, err)
	}
	return sub, nil
}

// SubscriberByAddress implements Store.
func (s *sqlStore) SubscriberByAddress(ctx context.Context, kind, address string) (Subscriber, error) {
	sub, err := scanSubscriber(s.reader.queryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers
		WHERE kind = $1 AND address_key = $2 ORDER BY created_at, id LIMIT 1`, kind, addressKey(kind, address)))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("%s subscriber %s: %w", kind, address, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("read %s subscriber %s: %w", kind, address, err)
	}
	return sub, nil
}

// Subscribers implements Store.
func (s *sqlStore) Subscribers(ctx context.Context) ([]Subscriber, error) {
	rows, err := s.reader.query(ctx, `SELECT `+subscriberColumns+` FROM subscribers ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("read subscribers: %w", err)
	}
	defer rows.Close()
	return scanSubscribers(rows)
}

// DeleteSubscriber implements Store.
func (s *sqlStore) DeleteSubscriber(ctx context.Context, id string) error {
	err := s.writer.inTx(ctx, func(tx conn) error {
		n, err := tx.exec(ctx, `DELETE FROM subscribers WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if _, err := tx.exec(ctx, `UPDATE outbound SET state = 'failed', last_error = 'unsubscribed', next_at = NULL
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
func (s *sqlStore) PutSession(ctx context.Context, sess Session) error {
	r, err := encodeSession(sess)
	if err != nil {
		return err
	}
	if _, err := s.writer.exec(ctx, `INSERT INTO sessions (hash, username, created_at, expires_at, seen_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (hash) DO UPDATE SET username = excluded.username, created_at = excluded.created_at,
			expires_at = excluded.expires_at, seen_at = excluded.seen_at`,
		r.hash, r.user, r.createdAt, r.expiresAt, r.seenAt); err != nil {
		return fmt.Errorf("put session of %s: %w", r.user, err)
	}
	return nil
}

// Session implements Store.
func (s *sqlStore) Session(ctx context.Context, hash string) (Session, error) {
	var (
		user                         string
		createdAt, expiresAt, seenAt int64
	)
	err := s.reader.queryRow(ctx, `SELECT username, created_at, expires_at, seen_at FROM sessions
		WHERE hash = $1 AND expires_at > $2`, hash, s.clock.expiredCut()).Scan(&user, &createdAt, &expiresAt, &seenAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	return sessionFrom(hash, user, createdAt, expiresAt, seenAt), nil
}

// DeleteSession implements Store.
func (s *sqlStore) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.writer.exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// Secret implements Store. Of two concurrent first uses (processes, or
// PostgreSQL sessions), the second's INSERT waits for the first's
// transaction (SQLite's takes the write lock at BEGIN) and does nothing;
// its SELECT then reads the first's secret.
func (s *sqlStore) Secret(ctx context.Context, name string) ([]byte, error) {
	if err := checkSecretName(name); err != nil {
		return nil, err
	}
	var v []byte
	err := s.reader.queryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
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
	err = s.writer.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("create secret %s: %w", name, err)
	}
	return v, nil
}

// pruneNotify deletes expired sessions and the outbounds done before
// keepCut with their delivery log, batch outbounds per transaction.
func (s *sqlStore) pruneNotify(ctx context.Context, keepCut int64, batch int) (int64, error) {
	total, err := s.deleteBatches(ctx, batch, `DELETE FROM sessions WHERE hash IN (
		SELECT hash FROM sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`, s.clock.expiredCut(), batch)
	if err != nil {
		return total, fmt.Errorf("prune sessions: %w", err)
	}
	for {
		n, logged, err := s.dialect.pruneOutbound(ctx, s.writer, keepCut, batch)
		total += n + logged
		if err != nil {
			return total, fmt.Errorf("prune outbound: %w", err)
		}
		if n < int64(batch) {
			return total, nil
		}
	}
}

// PutUser implements Store.
func (s *sqlStore) PutUser(ctx context.Context, u User) error {
	disabled := 0
	if u.Disabled {
		disabled = 1
	}
	if _, err := s.writer.exec(ctx, `INSERT INTO users (name, role, customer, hash, disabled, created_at, created_by)
		VALUES ($1, $2, $3, $4, CAST($5 AS bigint), CAST($6 AS bigint), $7)
		ON CONFLICT (name) DO UPDATE SET role = excluded.role, customer = excluded.customer, hash = excluded.hash,
			disabled = excluded.disabled`,
		u.Name, u.Role, u.Customer, u.Hash, disabled, u.CreatedAt.UnixMilli(), u.CreatedBy); err != nil {
		return fmt.Errorf("put user %s: %w", u.Name, err)
	}
	return nil
}

// User implements Store.
func (s *sqlStore) User(ctx context.Context, name string) (User, error) {
	rows, err := s.reader.query(ctx, `SELECT name, role, customer, hash, disabled, created_at, created_by FROM users WHERE name = $1`, name)
	if err != nil {
		return User{}, fmt.Errorf("read user %s: %w", name, err)
	}
	defer rows.Close()
	us, err := scanUsers(rows)
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, fmt.Errorf("user %s: %w", name, ErrNotFound)
	}
	return us[0], nil
}

// Users implements Store.
func (s *sqlStore) Users(ctx context.Context) ([]User, error) {
	rows, err := s.reader.query(ctx, `SELECT name, role, customer, hash, disabled, created_at, created_by FROM users ORDER BY name`+s.dialect.collate)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	defer rows.Close()
	return scanUsers(rows)
}

func scanUsers(rows rows) ([]User, error) {
	var out []User
	for rows.Next() {
		var u User
		var disabled, created int64
		if err := rows.Scan(&u.Name, &u.Role, &u.Customer, &u.Hash, &disabled, &created, &u.CreatedBy); err != nil {
			return nil, fmt.Errorf("read users: %w", err)
		}
		u.Disabled, u.CreatedAt = disabled != 0, time.UnixMilli(created).UTC()
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	return out, nil
}

// PutInvitation implements Store.
func (s *sqlStore) PutInvitation(ctx context.Context, inv Invitation) error {
	if _, err := s.writer.exec(ctx, `INSERT INTO invitations (hash, username, expires_at) VALUES ($1, $2, CAST($3 AS bigint))`,
		inv.Hash, inv.User, inv.Expires.UnixMilli()); err != nil {
		return fmt.Errorf("put invitation of %s: %w", inv.User, err)
	}
	return nil
}

// UseInvitation implements Store: one statement marks it used, so two
// requests with one link cannot both take it.
func (s *sqlStore) UseInvitation(ctx context.Context, hash string, now time.Time) (string, error) {
	rows, err := s.writer.query(ctx, `UPDATE invitations SET used_at = CAST($2 AS bigint)
		WHERE hash = $1 AND used_at IS NULL AND expires_at > CAST($2 AS bigint) RETURNING username`, hash, now.UnixMilli())
	if err != nil {
		return "", fmt.Errorf("use invitation: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return "", fmt.Errorf("use invitation: %w", err)
		}
		return "", fmt.Errorf("invitation: %w", ErrNotFound)
	}
	var user string
	if err := rows.Scan(&user); err != nil {
		return "", fmt.Errorf("use invitation: %w", err)
	}
	return user, nil
}
