package store_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/store/storetest"
)

// kill9Env names the database a child process of TestSQLiteKill9 writes to.
const kill9Env = "SLAKEEPER_STORE_KILL9_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(kill9Env); path != "" {
		os.Exit(kill9Child(path))
	}
	os.Exit(m.Run())
}

func openSQLite(t testing.TB, path string) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLite(t, filepath.Join(t.TempDir(), "store.db"))
	})
}

var t0 = time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)

func TestSQLiteReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reopen.db")
	s, err := store.OpenSQLite(ctx, path, nil)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	r := monitor.Result{MonitorID: "m", Location: "fra", At: t0, State: monitor.Down, Message: "timeout", Seq: 9}
	if err := s.AppendResults(ctx, []monitor.Result{r}); err != nil {
		t.Fatalf("AppendResults: %v", err)
	}
	if err := s.SetState(ctx, store.MonitorState{MonitorID: "m", Location: "fra", State: monitor.Down, Fails: 1, NextDue: t0.Add(time.Minute)}); err != nil {
		t.Fatalf("SetState: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s2 := openSQLite(t, path)
	got, err := s2.Results(ctx, "m", t0, t0.Add(time.Second))
	if err != nil || len(got) != 1 || got[0].Message != "timeout" {
		t.Errorf("Results after reopen: got %+v, %v; want the stored result", got, err)
	}
	if seq, err := s2.AgentSeq(ctx, "fra"); err != nil || seq != 9 {
		t.Errorf("AgentSeq after reopen: got %d, %v; want 9", seq, err)
	}
	states, err := s2.States(ctx)
	if err != nil || len(states) != 1 || !states[0].NextDue.Equal(t0.Add(time.Minute)) {
		t.Errorf("States after reopen: got %+v, %v", states, err)
	}
	// The redelivered result is still known after a restart.
	if err := s2.AppendResults(ctx, []monitor.Result{r}); err != nil {
		t.Fatalf("AppendResults: %v", err)
	}
	if got, _ := s2.Results(ctx, "m", t0, t0.Add(time.Second)); len(got) != 1 {
		t.Errorf("redelivery after reopen: got %d results, want 1", len(got))
	}
	if n, want := countMigrations(t, path), store.MigrationCount("sqlite"); n != want {
		t.Errorf("schema_migrations: got %d rows, want %d", n, want)
	}
}

func countMigrations(t testing.TB, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_query_only=1")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	return n
}

func TestSQLiteConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "concurrent.db")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			s, err := store.OpenSQLite(context.Background(), path, nil)
			if err != nil {
				t.Errorf("OpenSQLite %d: %v", i, err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	if n, want := countMigrations(t, path), store.MigrationCount("sqlite"); n != want {
		t.Errorf("schema_migrations: got %d rows, want %d", n, want)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name, dsn string
		ok        bool
	}{
		{"sqlite prefix", "sqlite:" + filepath.Join(dir, "a.db"), true},
		{"plain path", filepath.Join(dir, "b.db"), true},
		{"path with ? and #", filepath.Join(dir, "c?x=1#y.db"), true},
		{"empty", "", false},
		{"memory", "sqlite::memory:", false},
		{"unknown scheme", "mysql://u:secret@h/db", false},
		{"directory", "sqlite:" + dir, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(ctx, tt.dsn, nil)
			if tt.ok != (err == nil) {
				t.Fatalf("Open(%q): got error %v, want ok=%v", tt.dsn, err, tt.ok)
			}
			if err != nil {
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			defer s.Close()
			if _, isSQLite := s.(*store.SQLite); !isSQLite {
				t.Errorf("got %T, want *store.SQLite", s)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "c?x=1#y.db")); err != nil {
		t.Errorf("the file named with ? and # was not created there: %v", err)
	}
}

// TestSQLiteKill9 kills a writing process with SIGKILL and checks that
// every result it had acknowledged is in the database.
func TestSQLiteKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "kill9.db")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), kill9Env+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			cmd.Process.Kill() // SIGKILL
			cmd.Wait()
		}
	}
	t.Cleanup(kill)
	acked := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "acked "))
		if err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		acked = n
		if acked >= 3000 {
			break
		}
	}
	kill()
	if acked == 0 {
		t.Fatal("the child acknowledged nothing")
	}
	s := openSQLite(t, path)
	got, err := s.Results(context.Background(), "k", time.Time{}, t0.AddDate(10, 0, 0))
	if err != nil {
		t.Fatalf("Results: %v", err)
	}
	if len(got) < acked {
		t.Errorf("after kill -9: got %d results, want at least the %d acknowledged", len(got), acked)
	}
	// The aggregates were committed with the results, all or nothing.
	mins, err := s.Minutes(context.Background(), "k", time.Time{}, t0.AddDate(10, 0, 0))
	if err != nil {
		t.Fatalf("Minutes: %v", err)
	}
	counted := 0
	for _, m := range mins {
		counted += m.Up + m.Degraded + m.Down
	}
	if counted != len(got) {
		t.Errorf("after kill -9: minutes count %d results, want %d", counted, len(got))
	}
	var check string
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: got %q, %v; want ok", check, err)
	}
}

// kill9Child appends batches of 50 results until it is killed (or has
// written a million), printing the number acknowledged after each commit.
func kill9Child(path string) int {
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	for n := 0; n < 1_000_000; {
		rs := make([]monitor.Result, 50)
		for i := range rs {
			rs[i] = monitor.Result{MonitorID: "k", Location: "local", At: t0.Add(time.Duration(n+i) * time.Second), State: monitor.Up}
		}
		if err := s.AppendResults(ctx, rs); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		n += len(rs)
		fmt.Fprintf(w, "acked %d\n", n)
		if err := w.Flush(); err != nil {
			return 1 // the parent is gone
		}
	}
	return 0
}

func TestSQLiteSecretReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.db")
	storetest.SecretReopen(t, func(t *testing.T) store.Store { return openSQLite(t, path) })
}
