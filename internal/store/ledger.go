package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Closing is one subscription's close of a plan period: its snapshot and
// the ledger entries the close posts (automatic credits), stored together
// or not at all.
type Closing struct {
	Record  CloseRecord
	Entries []LedgerEntry
}

// CloseRecord is the immutable snapshot of a subscription's closed plan
// period: the report's figures (JSON) and the hash of its trail.
type CloseRecord struct {
	Policy, Subscription, Period string
	Customer, Version            string
	ClosedAt                     time.Time
	Report                       []byte
	// Trail is the hash of the trail (close_trails), empty when none.
	Trail string
}

// Trail is the intervals behind a closed period's figures (JSON), kept
// once for every subscription on the same plan and window.
type Trail struct {
	Hash      string
	Intervals []byte
}

// LedgerEntry is one entry of the append-only credit ledger. Amount is a
// decimal string, positive for a credit to the customer.
type LedgerEntry struct {
	Seq                            int64
	ID, Kind                       string
	Customer, Subscription, Policy string
	Period, Currency, Amount       string
	At                             time.Time
	Actor, Reason, Ref             string
	// Invoice is the invoice reference billing noted (InvoiceEntry), if
	// any, with when and by whom.
	Invoice, InvoicedBy string
	InvoicedAt          time.Time
}

// CreditRequest is what finance decides: a claim for a period's credit or
// an adjustment proposed after late evidence.
type CreditRequest struct {
	ID, Kind                       string
	Customer, Subscription, Policy string
	Period, Currency, Amount       string
	// Deadline is a claim's deadline; Late marks a claim recorded after
	// it (a staff override, with the reason in Log).
	Deadline time.Time
	Late     bool
	// Note is a claim's text or an adjustment's explanation.
	Note, State string
	CreatedAt   time.Time
	CreatedBy   string
	Log         []RequestStep
}

// RequestStep is one step of a request: who did what, when and why.
type RequestStep struct {
	At                    time.Time
	Actor, Action, Reason string
}

// LedgerFilter selects entries, closes or requests; an empty field
// selects all.
type LedgerFilter struct {
	// ID selects one entry or request.
	ID                                     string
	Policy, Subscription, Customer, Period string
	// Kind and State select requests.
	Kind, State string
	// Limit, if above 0, keeps the first closes (Closes only).
	Limit int
}

func (f LedgerFilter) where(cols ...string) (string, []any) {
	var conds []string
	var args []any
	vals := map[string]string{"id": f.ID, "policy": f.Policy, "subscription": f.Subscription, "customer": f.Customer, "period": f.Period, "kind": f.Kind, "state": f.State}
	for _, c := range cols {
		if v := vals[c]; v != "" {
			args = append(args, v)
			conds = append(conds, fmt.Sprintf("%s = $%d", c, len(args)))
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// closeChunk is how many subscriptions' closes go in one transaction.
const closeChunk = 500

// PutClosings implements Store.
func (s *sqlStore) PutClosings(ctx context.Context, trails []Trail, cs []Closing) (int, error) {
	for _, t := range trails {
		if _, err := s.writer.exec(ctx, `INSERT INTO close_trails (hash, intervals) VALUES ($1, $2) ON CONFLICT DO NOTHING`, t.Hash, string(t.Intervals)); err != nil {
			return 0, fmt.Errorf("store trail: %w", err)
		}
	}
	stored := 0
	for len(cs) > 0 {
		chunk := cs[:min(len(cs), closeChunk)]
		cs = cs[len(chunk):]
		n := 0
		err := s.writer.inTx(ctx, func(tx conn) error {
			n = 0
			// Many rows a statement: a round trip per subscription is most
			// of a close's writing on PostgreSQL. RETURNING names the
			// snapshots that are new; only theirs are posted.
			var entries []LedgerEntry
			for rows := range slices.Chunk(chunk, closeRows) {
				var q strings.Builder
				q.WriteString(`INSERT INTO closes (policy, subscription, period, customer, version, closed_at, report, trail) VALUES `)
				args := make([]any, 0, 8*len(rows))
				for i, c := range rows {
					r := c.Record
					if i > 0 {
						q.WriteString(", ")
					}
					k := len(args)
					fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, CAST($%d AS bigint), $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8)
					args = append(args, r.Policy, r.Subscription, r.Period, r.Customer, r.Version, r.ClosedAt.UnixMilli(), string(r.Report), r.Trail)
				}
				q.WriteString(` ON CONFLICT DO NOTHING RETURNING policy, subscription, period`)
				res, err := tx.query(ctx, q.String(), args...)
				if err != nil {
					return fmt.Errorf("close %d subscriptions: %w", len(rows), err)
				}
				fresh := map[[3]string]bool{}
				for res.Next() {
					var k [3]string
					if err := res.Scan(&k[0], &k[1], &k[2]); err != nil {
						res.Close()
						return fmt.Errorf("close: %w", err)
					}
					fresh[k] = true
				}
				err = res.Err()
				res.Close()
				if err != nil {
					return fmt.Errorf("close: %w", err)
				}
				for _, c := range rows {
					// A snapshot stored before had its entries posted then.
					if r := c.Record; fresh[[3]string{r.Policy, r.Subscription, r.Period}] {
						n++
						entries = append(entries, c.Entries...)
					}
				}
			}
			return insertEntries(ctx, tx, entries)
		})
		if err != nil {
			return stored, err
		}
		stored += n
	}
	return stored, nil
}

// closeRows is how many rows one statement of a close writes.
const closeRows = 250

func insertEntries(ctx context.Context, tx conn, es []LedgerEntry) error {
	for rows := range slices.Chunk(es, closeRows) {
		var q strings.Builder
		q.WriteString(`INSERT INTO ledger (id, kind, customer, subscription, policy, period, currency, amount, at, actor, reason, ref) VALUES `)
		args := make([]any, 0, 12*len(rows))
		for i, e := range rows {
			if i > 0 {
				q.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, CAST($%d AS bigint), $%d, $%d, $%d)",
				k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8, k+9, k+10, k+11, k+12)
			args = append(args, e.ID, e.Kind, e.Customer, e.Subscription, e.Policy, e.Period, e.Currency, e.Amount, e.At.UnixMilli(), e.Actor, e.Reason, e.Ref)
		}
		q.WriteString(` ON CONFLICT (id) DO NOTHING`)
		if _, err := tx.exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("ledger entries: %w", err)
		}
	}
	return nil
}

// Closes implements Store.
func (s *sqlStore) Closes(ctx context.Context, f LedgerFilter, withReport bool) ([]CloseRecord, error) {
	where, args := f.where("policy", "subscription", "customer", "period")
	report := "''"
	if withReport {
		report = "report"
	}
	rows, err := s.reader.query(ctx, `SELECT policy, subscription, period, customer, version, closed_at, `+report+`, trail FROM closes`+where+
		` ORDER BY period`+s.dialect.collate+`, policy`+s.dialect.collate+`, subscription`+s.dialect.collate+limitClause(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("read closes: %w", err)
	}
	defer rows.Close()
	var out []CloseRecord
	for rows.Next() {
		var r CloseRecord
		var at int64
		var rep string
		if err := rows.Scan(&r.Policy, &r.Subscription, &r.Period, &r.Customer, &r.Version, &at, &rep, &r.Trail); err != nil {
			return nil, fmt.Errorf("read closes: %w", err)
		}
		r.ClosedAt, r.Report = time.UnixMilli(at).UTC(), []byte(rep)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read closes: %w", err)
	}
	return out, nil
}

func limitClause(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d", n)
}

// TrailOf implements Store.
func (s *sqlStore) TrailOf(ctx context.Context, hash string) ([]byte, error) {
	var iv string
	if err := s.reader.queryRow(ctx, `SELECT intervals FROM close_trails WHERE hash = $1`, hash).Scan(&iv); err != nil {
		if isNoRows(err) {
			return nil, fmt.Errorf("trail %s: %w", hash, ErrNotFound)
		}
		return nil, fmt.Errorf("read trail %s: %w", hash, err)
	}
	return []byte(iv), nil
}

// Ledger implements Store.
func (s *sqlStore) Ledger(ctx context.Context, f LedgerFilter) ([]LedgerEntry, error) {
	where, args := f.where("id", "policy", "subscription", "customer", "period")
	rows, err := s.reader.query(ctx, `SELECT l.seq, l.id, l.kind, l.customer, l.subscription, l.policy, l.period, l.currency, l.amount, l.at, l.actor, l.reason, l.ref,
		COALESCE(i.ref, ''), COALESCE(i.actor, ''), COALESCE(i.at, 0) FROM ledger l LEFT JOIN invoice_refs i ON i.entry = l.id`+where+` ORDER BY l.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		var e LedgerEntry
		var at, iat int64
		if err := rows.Scan(&e.Seq, &e.ID, &e.Kind, &e.Customer, &e.Subscription, &e.Policy, &e.Period, &e.Currency, &e.Amount, &at,
			&e.Actor, &e.Reason, &e.Ref, &e.Invoice, &e.InvoicedBy, &iat); err != nil {
			return nil, fmt.Errorf("read ledger: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		if iat != 0 {
			e.InvoicedAt = time.UnixMilli(iat).UTC()
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	return out, nil
}

// AppendLedger implements Store.
func (s *sqlStore) AppendLedger(ctx context.Context, es []LedgerEntry) error {
	return s.writer.inTx(ctx, func(tx conn) error { return insertEntries(ctx, tx, es) })
}

// InvoiceEntry implements Store.
func (s *sqlStore) InvoiceEntry(ctx context.Context, entry, ref, actor string, at time.Time) error {
	return s.writer.inTx(ctx, func(tx conn) error {
		var n int64
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM ledger WHERE id = $1`, entry).Scan(&n); err != nil {
			return fmt.Errorf("invoice %s: %w", entry, err)
		}
		if n == 0 {
			return fmt.Errorf("ledger entry %s: %w", entry, ErrNotFound)
		}
		k, err := tx.exec(ctx, `INSERT INTO invoice_refs (entry, ref, at, actor) VALUES ($1, $2, CAST($3 AS bigint), $4) ON CONFLICT DO NOTHING`,
			entry, ref, at.UnixMilli(), actor)
		if err != nil {
			return fmt.Errorf("invoice %s: %w", entry, err)
		}
		if k == 0 {
			return fmt.Errorf("ledger entry %s has an invoice reference already: %w", entry, ErrConflict)
		}
		return nil
	})
}

// PutCreditRequest implements Store.
func (s *sqlStore) PutCreditRequest(ctx context.Context, r CreditRequest, supersede bool) error {
	return s.writer.inTx(ctx, func(tx conn) error {
		if supersede {
			// The pending requests of the kind for the same period give way.
			rows, err := tx.query(ctx, `SELECT id FROM credit_requests WHERE kind = $1 AND policy = $2 AND subscription = $3 AND period = $4 AND state = 'submitted'`,
				r.Kind, r.Policy, r.Subscription, r.Period)
			if err != nil {
				return fmt.Errorf("supersede: %w", err)
			}
			var old []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return fmt.Errorf("supersede: %w", err)
				}
				old = append(old, id)
			}
			rows.Close()
			for _, id := range old {
				if _, err := tx.exec(ctx, `UPDATE credit_requests SET state = 'superseded' WHERE id = $1`, id); err != nil {
					return fmt.Errorf("supersede %s: %w", id, err)
				}
				if err := insertStep(ctx, tx, id, RequestStep{At: r.CreatedAt, Actor: r.CreatedBy, Action: "superseded", Reason: "by " + r.ID}); err != nil {
					return err
				}
			}
		}
		late := 0
		if r.Late {
			late = 1
		}
		k, err := tx.exec(ctx, `INSERT INTO credit_requests (id, kind, customer, subscription, policy, period, currency, amount, deadline, late, note, state, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS bigint), CAST($10 AS bigint), $11, $12, CAST($13 AS bigint), $14) ON CONFLICT DO NOTHING`,
			r.ID, r.Kind, r.Customer, r.Subscription, r.Policy, r.Period, r.Currency, r.Amount, unixMilliOr0(r.Deadline), late, r.Note, r.State,
			r.CreatedAt.UnixMilli(), r.CreatedBy)
		if err != nil {
			return fmt.Errorf("store request %s: %w", r.ID, err)
		}
		if k == 0 {
			return fmt.Errorf("request %s: %w", r.ID, ErrConflict)
		}
		for _, st := range r.Log {
			if err := insertStep(ctx, tx, r.ID, st); err != nil {
				return err
			}
		}
		return nil
	})
}

func unixMilliOr0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func insertStep(ctx context.Context, tx conn, id string, st RequestStep) error {
	if _, err := tx.exec(ctx, `INSERT INTO credit_request_log (request, at, actor, action, reason) VALUES ($1, CAST($2 AS bigint), $3, $4, $5)`,
		id, st.At.UnixMilli(), st.Actor, st.Action, st.Reason); err != nil {
		return fmt.Errorf("log request %s: %w", id, err)
	}
	return nil
}

// CreditRequests implements Store.
func (s *sqlStore) CreditRequests(ctx context.Context, f LedgerFilter) ([]CreditRequest, error) {
	where, args := f.where("id", "kind", "state", "policy", "subscription", "customer", "period")
	rows, err := s.reader.query(ctx, `SELECT id, kind, customer, subscription, policy, period, currency, amount, deadline, late, note, state, created_at, created_by
		FROM credit_requests`+where+` ORDER BY created_at, id`+s.dialect.collate, args...)
	if err != nil {
		return nil, fmt.Errorf("read requests: %w", err)
	}
	var out []CreditRequest
	idx := map[string]int{}
	for rows.Next() {
		var r CreditRequest
		var dl, late, at int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Customer, &r.Subscription, &r.Policy, &r.Period, &r.Currency, &r.Amount, &dl, &late, &r.Note, &r.State, &at, &r.CreatedBy); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read requests: %w", err)
		}
		if dl != 0 {
			r.Deadline = time.UnixMilli(dl).UTC()
		}
		r.Late, r.CreatedAt = late != 0, time.UnixMilli(at).UTC()
		idx[r.ID] = len(out)
		out = append(out, r)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("read requests: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(out))
	for _, r := range out {
		ids = append(ids, r.ID)
	}
	list, err := s.dialect.listArg(ids)
	if err != nil {
		return nil, err
	}
	lr, err := s.reader.query(ctx, `SELECT request, at, actor, action, reason FROM credit_request_log WHERE `+s.dialect.inList("request", "$1")+` ORDER BY at`, list)
	if err != nil {
		return nil, fmt.Errorf("read request log: %w", err)
	}
	defer lr.Close()
	for lr.Next() {
		var id string
		var st RequestStep
		var at int64
		if err := lr.Scan(&id, &at, &st.Actor, &st.Action, &st.Reason); err != nil {
			return nil, fmt.Errorf("read request log: %w", err)
		}
		st.At = time.UnixMilli(at).UTC()
		if i, ok := idx[id]; ok {
			out[i].Log = append(out[i].Log, st)
		}
	}
	if err := lr.Err(); err != nil {
		return nil, fmt.Errorf("read request log: %w", err)
	}
	return out, nil
}

// DecideCreditRequest implements Store.
func (s *sqlStore) DecideCreditRequest(ctx context.Context, id, state string, step RequestStep, entry *LedgerEntry) error {
	return s.writer.inTx(ctx, func(tx conn) error {
		k, err := tx.exec(ctx, `UPDATE credit_requests SET state = $1 WHERE id = $2 AND state = 'submitted'`, state, id)
		if err != nil {
			return fmt.Errorf("decide %s: %w", id, err)
		}
		if k == 0 {
			var cur string
			if err := tx.queryRow(ctx, `SELECT state FROM credit_requests WHERE id = $1`, id).Scan(&cur); err != nil {
				if isNoRows(err) {
					return fmt.Errorf("request %s: %w", id, ErrNotFound)
				}
				return fmt.Errorf("decide %s: %w", id, err)
			}
			return fmt.Errorf("request %s is %s already: %w", id, cur, ErrConflict)
		}
		if err := insertStep(ctx, tx, id, step); err != nil {
			return err
		}
		if entry != nil {
			return insertEntries(ctx, tx, []LedgerEntry{*entry})
		}
		return nil
	})
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// TakeToken implements Store.
func (s *sqlStore) TakeToken(ctx context.Context, key string, burst float64, every time.Duration, now time.Time) (bool, error) {
	ok := false
	err := s.writer.inTx(ctx, func(tx conn) error {
		tokens, at := burst, now.UnixMilli()
		var t float64
		var a int64
		switch err := tx.queryRow(ctx, `SELECT tokens, at FROM rate_limits WHERE key = $1`, key).Scan(&t, &a); {
		case err == nil:
			tokens = min(burst, t+float64(now.UnixMilli()-a)/float64(every.Milliseconds()))
		case !isNoRows(err):
			return fmt.Errorf("rate limit %s: %w", key, err)
		}
		if ok = tokens >= 1; ok {
			tokens--
		}
		_, err := tx.exec(ctx, `INSERT INTO rate_limits (key, tokens, at) VALUES ($1, $2, CAST($3 AS bigint))
			ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at`, key, tokens, at)
		return err
	})
	return ok, err
}

// CountUnconfirmed implements Store.
func (s *sqlStore) CountUnconfirmed(ctx context.Context) (int, error) {
	var n int
	if err := s.reader.queryRow(ctx, `SELECT COUNT(*) FROM subscribers WHERE confirmed_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unconfirmed subscribers: %w", err)
	}
	return n, nil
}
