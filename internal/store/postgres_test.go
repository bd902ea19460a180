package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/store/pgtest"
	"github.com/slakeeper/slakeeper/internal/store/storetest"
)

func openPostgres(t testing.TB, dsn string) *store.Postgres {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.OpenPostgres(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgres(t *testing.T) {
	base := pgtest.Base(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openPostgres(t, pgtest.Schema(t, base))
	})
}

// TestPostgresConcurrentOpen opens one fresh schema from several
// goroutines at once: each migration is applied once.
func TestPostgresConcurrentOpen(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			s, err := store.Open(context.Background(), dsn, nil)
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			if _, ok := s.(*store.Postgres); !ok {
				t.Errorf("Open: got %T, want *store.Postgres", s)
			}
			s.Close()
		})
	}
	wg.Wait()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := store.MigrationCount("postgres"); n != want {
		t.Errorf("schema_migrations: got %d rows, want %d", n, want)
	}
}

// TestPostgresReopen checks that state survives a new connection pool and
// that a redelivered agent result is still recognised.
func TestPostgresReopen(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	s := openPostgres(t, dsn)
	r := monitor.Result{MonitorID: "m", Location: "fra", At: time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC), State: monitor.Down, Seq: 3}
	if err := s.AppendResults(ctx, []monitor.Result{r}); err != nil {
		t.Fatalf("AppendResults: %v", err)
	}
	s.Close()
	s2 := openPostgres(t, dsn)
	if err := s2.AppendResults(ctx, []monitor.Result{r}); err != nil {
		t.Fatalf("AppendResults: %v", err)
	}
	got, err := s2.Results(ctx, "m", r.At, r.At.Add(time.Second))
	if err != nil || len(got) != 1 {
		t.Errorf("Results after reopen: got %d, %v; want 1", len(got), err)
	}
	if seq, err := s2.AgentSeq(ctx, "fra"); err != nil || seq != 3 {
		t.Errorf("AgentSeq after reopen: got %d, %v; want 3", seq, err)
	}
}

func TestOpenPostgresBadDSN(t *testing.T) {
	_, err := store.Open(context.Background(), "postgres://u:secret@127.0.0.1:1/db?sslmode=disable&connect_timeout=1", nil)
	if err == nil {
		t.Fatal("got no error")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
	_, err = store.Open(context.Background(), "postgres://u:secret@[bad/db", nil)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("unparsable dsn: got %v, want an error without the password", err)
	}
}

func TestPostgresSecretReopen(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.SecretReopen(t, func(t *testing.T) store.Store { return openPostgres(t, dsn) })
}
