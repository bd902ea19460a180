package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store/pgtest"
)

func TestSQLitePragmas(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	defer s.Close()
	tests := []struct {
		name   string
		db     string
		pragma string
		want   string
	}{
		{"writer journal", "w", "journal_mode", "wal"},
		{"writer synchronous FULL", "w", "synchronous", "2"},
		{"writer busy timeout", "w", "busy_timeout", "10000"},
		{"reader query only", "r", "query_only", "1"},
		{"reader busy timeout", "r", "busy_timeout", "10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := s.w
			if tt.db == "r" {
				db = s.r
			}
			var got string
			if err := db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s: got %q, want %q", tt.pragma, got, tt.want)
			}
		})
	}
	if _, err := s.r.ExecContext(ctx, `DELETE FROM results`); err == nil {
		t.Error("a reader connection could write")
	}
}

func TestMigrations(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		ms, err := migrations(d)
		if err != nil {
			t.Fatalf("migrations(%s): %v", d, err)
		}
		if len(ms) == 0 || ms[0].version != 1 || !strings.HasPrefix(ms[0].name, "0001_") {
			t.Errorf("migrations(%s): got %+v, want 0001_… first", d, ms)
		}
	}
	if _, err := migrations("nosuch"); err == nil {
		t.Error("migrations(nosuch): got no error")
	}
}

func TestTimeArithmetic(t *testing.T) {
	t0 := time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		got  int64
		want int64
	}{
		{"floorDiv positive", floorDiv(7, 2), 3},
		{"floorDiv negative", floorDiv(-7, 2), -4},
		{"floorDiv exact negative", floorDiv(-6, 2), -3},
		{"ceilMS whole", ceilMS(t0), t0.UnixMilli()},
		{"ceilMS fraction", ceilMS(t0.Add(time.Nanosecond)), t0.UnixMilli() + 1},
		{"ceilMS before 1970", ceilMS(time.Unix(-1, 1)), -999},
		{"minuteOf", minuteOf(t0.Add(59999 * time.Millisecond).UnixMilli()), t0.Unix() / 60},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	lo, hi := minuteBounds(t0.Add(time.Millisecond), t0.Add(time.Minute))
	if lo != t0.Unix()/60+1 || hi != t0.Unix()/60+1 {
		t.Errorf("minuteBounds: got [%d, %d), want one empty range at %d", lo, hi, t0.Unix()/60+1)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"/var/lib/x.db", "/var/lib/x.db"},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPostgresSessionSettings checks that commits wait for the disk even
// where the server or role defaults to synchronous_commit=off.
func TestPostgresSessionSettings(t *testing.T) {
	dsn, err := pgtest.WithParam(pgtest.DSN(t), "options", "-c synchronous_commit=off")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := OpenPostgres(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	defer p.Close()
	var got string
	if err := p.pool.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "on" {
		t.Errorf("synchronous_commit: got %q, want on", got)
	}
}
