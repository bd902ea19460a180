package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store/pgtest"
)

// TestFactsOfTypeUsesIndex: the facts of a few types are read through
// the index on (type, at), not by a pass over every fact (EXPLAIN QUERY
// PLAN on SQLite; EXPLAIN on PostgreSQL, with sequential scans off so
// that a small table does not make the planner prefer one).
func TestFactsOfTypeUsesIndex(t *testing.T) {
	ctx := context.Background()
	args := func(s *sqlStore) []any {
		list, err := s.dialect.listArg([]string{"status", "incident"})
		if err != nil {
			t.Fatal(err)
		}
		return []any{list, int64(0), int64(1) << 50}
	}
	t.Run("sqlite", func(t *testing.T) {
		s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "f.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+s.factsOfTypeSQL(), args(&s.sqlStore)...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if p := strings.Join(plan, "\n"); !strings.Contains(p, "SEARCH facts USING INDEX facts_type_at (type=?") {
			t.Errorf("plan of FactsOfType:\n%s\nwant a search of facts through facts_type_at by type", p)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		p, err := OpenPostgres(ctx, pgtest.Schema(t, pgtest.Base(t)), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		tx, err := p.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+p.factsOfTypeSQL(), args(&p.sqlStore)...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if pl := strings.Join(plan, "\n"); !strings.Contains(pl, "facts_type_at") {
			t.Errorf("plan of FactsOfType:\n%s\nwant a scan of facts_type_at", pl)
		}
	})
}

// TestEachFactForUsesIndexes: a period's selection reads every part
// through an index — no pass over all facts — and finds the latest
// statuses through facts_status (EXPLAIN as above).
func TestEachFactForUsesIndexes(t *testing.T) {
	ctx := context.Background()
	q := FactQuery{From: time.Unix(1e9, 0), To: time.Unix(1e9+86400, 0), Whole: []string{"subscription", "incident"},
		Window: []string{"ticket", "sample"}, StatusFrom: time.Unix(1e9-3600, 0), TicketEvents: true}
	t.Run("sqlite", func(t *testing.T) {
		s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "f.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		sql, args, err := s.factQuerySQL(q, true)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		p := strings.Join(plan, "\n")
		if !strings.Contains(p, "facts_status") || !strings.Contains(p, "facts_ticket") || !strings.Contains(p, "facts_type_at") {
			t.Errorf("plan of EachFactFor:\n%s\nwant searches through facts_status, facts_ticket and facts_type_at", p)
		}
		for _, l := range plan {
			if strings.HasPrefix(l, "SCAN facts") {
				t.Errorf("plan of EachFactFor:\n%s\nwant no scan of all facts (%s)", p, l)
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		p, err := OpenPostgres(ctx, pgtest.Schema(t, pgtest.Base(t)), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		sql, args, err := p.factQuerySQL(q, true)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := p.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if pl := strings.Join(plan, "\n"); !strings.Contains(pl, "facts_status") || strings.Contains(pl, "Seq Scan on facts") {
			t.Errorf("plan of EachFactFor:\n%s\nwant facts_status used and no sequential scan of facts", pl)
		}
	})
}
