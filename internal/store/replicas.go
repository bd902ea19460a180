package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/cluster"
	"github.com/slakeeper/slakeeper/internal/monitor"
)

// Replicas is the membership as one renewal read it.
type Replicas struct {
	// Now is the database's clock at the renewal.
	Now     time.Time
	Members []cluster.Member
}

// Handoff is a result queued for the replica Owner.
type Handoff struct {
	Owner  string
	Result monitor.Result
}

// forgetReplicas is how many leases a quiet replica's row is kept, for the
// operators' view of who was there.
const forgetReplicas = 30

// RenewReplica implements Store.
func (s *sqlStore) RenewReplica(ctx context.Context, id, name string, lease, grace time.Duration) (Replicas, error) {
	var out Replicas
	err := s.writer.inTx(ctx, func(tx conn) error {
		var now int64
		if err := tx.queryRow(ctx, s.dialect.dbNow).Scan(&now); err != nil {
			return fmt.Errorf("read the database clock: %w", err)
		}
		n, err := tx.exec(ctx, `UPDATE replicas SET seen_ms = $1, name = $2 WHERE id = $3 AND until_ms IS NULL AND seen_ms > $4`,
			now, name, id, now-lease.Milliseconds())
		if err != nil {
			return fmt.Errorf("renew replica %s: %w", id, err)
		}
		if n == 0 {
			// New, or lapsed: the others have counted it out, so it joins
			// again like a new one.
			if _, err := tx.exec(ctx, `DELETE FROM replicas WHERE id = $1`, id); err != nil {
				return fmt.Errorf("register replica %s: %w", id, err)
			}
			if _, err := tx.exec(ctx, `INSERT INTO replicas (id, name, from_ms, seen_ms) VALUES ($1, $2, CAST($3 AS bigint), CAST($4 AS bigint))`,
				id, name, now+grace.Milliseconds(), now); err != nil {
				return fmt.Errorf("register replica %s: %w", id, err)
			}
		}
		if _, err := tx.exec(ctx, `DELETE FROM replicas WHERE seen_ms < $1`, now-forgetReplicas*lease.Milliseconds()); err != nil {
			return fmt.Errorf("forget quiet replicas: %w", err)
		}
		rs, err := tx.query(ctx, `SELECT id, name, from_ms, seen_ms, until_ms FROM replicas ORDER BY id`)
		if err != nil {
			return fmt.Errorf("read replicas: %w", err)
		}
		defer rs.Close()
		out = Replicas{Now: time.UnixMilli(now).UTC()}
		for rs.Next() {
			var m cluster.Member
			var from, seen int64
			var until sql.NullInt64
			if err := rs.Scan(&m.ID, &m.Name, &from, &seen, &until); err != nil {
				return fmt.Errorf("read replicas: %w", err)
			}
			m.From, m.Seen = time.UnixMilli(from).UTC(), time.UnixMilli(seen).UTC()
			if until.Valid {
				m.Until = time.UnixMilli(until.Int64).UTC()
			}
			out.Members = append(out.Members, m)
		}
		return rs.Err()
	})
	return out, err
}

// LeaveReplica implements Store.
func (s *sqlStore) LeaveReplica(ctx context.Context, id string) error {
	err := s.writer.inTx(ctx, func(tx conn) error {
		var now int64
		if err := tx.queryRow(ctx, s.dialect.dbNow).Scan(&now); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE replicas SET until_ms = $1 WHERE id = $2`, now, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("leave replica %s: %w", id, err)
	}
	return nil
}

// HandOff implements Store.
func (s *sqlStore) HandOff(ctx context.Context, hs []Handoff) error {
	if len(hs) == 0 {
		return nil
	}
	err := s.writer.inTx(ctx, func(tx conn) error {
		for _, h := range hs {
			body, err := json.Marshal(h.Result)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO handoff (owner, body) VALUES ($1, $2)`, h.Owner, string(body)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("hand off %d results: %w", len(hs), err)
	}
	return nil
}

// TakeHandoffs implements Store. The rows are deleted in the transaction
// that reads them, and PostgreSQL skips rows another replica is taking.
func (s *sqlStore) TakeHandoffs(ctx context.Context, owner string, alive []string, limit int) ([]Handoff, error) {
	list, err := s.dialect.listArg(alive)
	if err != nil {
		return nil, err
	}
	lock := ""
	if s.dialect.name == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []Handoff
	err = s.writer.inTx(ctx, func(tx conn) error {
		rs, err := tx.query(ctx, `SELECT n, owner, body FROM handoff WHERE owner = $1 OR NOT (`+s.dialect.inList("owner", "$2")+`)
			ORDER BY n LIMIT $3`+lock, owner, list, limit)
		if err != nil {
			return err
		}
		var ns []string
		for rs.Next() {
			var n int64
			var h Handoff
			var body string
			if err := rs.Scan(&n, &h.Owner, &body); err != nil {
				rs.Close()
				return err
			}
			if err := json.Unmarshal([]byte(body), &h.Result); err != nil {
				rs.Close()
				return fmt.Errorf("handoff %d: %w", n, err)
			}
			ns = append(ns, fmt.Sprint(n))
			out = append(out, h)
		}
		rs.Close()
		if err := rs.Err(); err != nil || len(ns) == 0 {
			return err
		}
		// The ids are integers this query read: safe to inline.
		_, err = tx.exec(ctx, `DELETE FROM handoff WHERE n IN (`+strings.Join(ns, ",")+`)`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("take handoffs for %s: %w", owner, err)
	}
	return out, nil
}
