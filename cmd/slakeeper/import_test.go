package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/server"
	"github.com/slakeeper/slakeeper/internal/store"
)

// importServer is a real server over SQLite with an ingest token and the
// policy of example 002, behind a proxy that answers 503 to the first
// failFirst requests.
func importServer(t *testing.T, failFirst int32) (base string, st store.Store, posts *atomic.Int32) {
	t.Helper()
	env := map[string]string{"INGEST": "ingest-token-of-enough-length"}
	cfg, err := config.Parse("slakeeper.yaml", []byte("policies: [../../examples/002-bluestone.yaml]\ntokens:\n  - {name: importer, role: ingest, token_env: INGEST}\n"),
		func(k string) string { return env[k] }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(context.Background(), filepath.Join(t.TempDir(), "import.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := server.New(server.Options{Store: st, Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(s.Handler())
	t.Cleanup(backend.Close)
	target, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	posts = &atomic.Int32{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := posts.Add(1); n <= failFirst {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL, st, posts
}

func TestImport(t *testing.T) {
	base, st, posts := importServer(t, 1)
	env := map[string]string{"SLAKEEPER_TOKEN": "ingest-token-of-enough-length"}
	file := "../../examples/002-bluestone.jsonl"

	// Small batches: ticket events sent after their tickets whatever the
	// file's order; the first request fails and is retried.
	code, out, stderr := cliRunEnv(t, env, "import", "--server", base, "--batch", "7", "-o", "json", file)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	var res struct {
		Files []importResult
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if len(res.Files) != 1 || res.Files[0].Facts == 0 || res.Files[0].Stored != res.Files[0].Facts || res.Files[0].Duplicates != 0 {
		t.Fatalf("got %+v, want every fact stored", res.Files)
	}
	if !strings.Contains(stderr, "attempt 1 failed (503 Service Unavailable)") || !strings.Contains(stderr, "facts sent (100%)") {
		t.Errorf("progress: got %q, want the retry and a final 100%% line", stderr)
	}
	n := res.Files[0].Facts
	stored, err := st.Facts(context.Background(), mustTime(t, "1970-01-01T00:00:00Z"), mustTime(t, "9999-01-01T00:00:00Z"))
	if err != nil || len(stored) != n {
		t.Fatalf("store holds %d facts (%v), want %d", len(stored), err, n)
	}

	// Again: nothing new, nothing duplicated.
	before := posts.Load()
	code, out, stderr = cliRunEnv(t, env, "import", "--server", base, file)
	if code != 0 || !strings.Contains(out, "ALREADY STORED") {
		t.Fatalf("import again: exit %d: %s %s", code, out, stderr)
	}
	if got := posts.Load() - before; got != 1 {
		t.Errorf("import again: %d requests, want 1 (one batch of up to 1,000)", got)
	}
	if stored, _ := st.Facts(context.Background(), mustTime(t, "1970-01-01T00:00:00Z"), mustTime(t, "9999-01-01T00:00:00Z")); len(stored) != n {
		t.Errorf("after importing twice the store holds %d facts, want %d", len(stored), n)
	}

	// A file with an error sends nothing and names the line.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"type":"backup","id":"b-1","component":"db","at":"2026-10-01T00:00:00Z"}
{"type":"backup","id":"b-2","component":"db","at":"noon"}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	before = posts.Load()
	code, _, stderr = cliRunEnv(t, env, "import", "--server", base, bad)
	if code != 2 || !strings.Contains(stderr, "bad.jsonl:2: at:") || posts.Load() != before {
		t.Errorf("bad file: exit %d, %q, %d requests; want exit 2 naming line 2 and nothing sent", code, stderr, posts.Load()-before)
	}

	// A refusal by the server names the file's line: an event of a
	// ticket the server does not have.
	orphan := filepath.Join(t.TempDir(), "orphan.jsonl")
	if err := os.WriteFile(orphan, []byte("# one event\n\n"+`{"type":"ticket_event","id":"ev-x","ticket":"tk-none","at":"2026-10-01T00:00:00Z","kind":"agent_reply"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = cliRunEnv(t, env, "import", "--server", base, orphan)
	if code != 2 || !strings.Contains(stderr, `orphan.jsonl:3: ticket: no ticket with id "tk-none"`) {
		t.Errorf("orphan event: exit %d, %q; want exit 2 naming line 3", code, stderr)
	}

	// No token, no server: usage errors.
	if code, _, _ := cliRunEnv(t, nil, "import", "--server", base, file); code != 2 {
		t.Errorf("without a token: exit %d, want 2", code)
	}
	if code, _, _ := cliRunEnv(t, env, "import", file); code != 2 {
		t.Errorf("without --server: exit %d, want 2", code)
	}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
