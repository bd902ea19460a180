// Command facts measures the evidence intake: the sustained rate of
// POST /api/v1/facts on the slakeeper binary (built beforehand) with an
// SQLite or PostgreSQL store, in batches as slakeeper import sends them.
// The facts are a helpdesk's month: tickets, then their events (each a
// reference the server resolves against the stored tickets), and backup
// runs. It prints facts per second, the latency of a batch and the store's
// bytes per fact.
//
//	go build -o /tmp/slakeeper ./cmd/slakeeper
//	go run ./bench/facts -bin /tmp/slakeeper -n 200000 -batch 1000
//	go run ./bench/facts -bin /tmp/slakeeper -database postgres://postgres@127.0.0.1:5432/test -n 200000
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/bench/internal/benchutil"
)

const token = "bench-ingest-token-of-enough-length"

func main() {
	bin := flag.String("bin", "/tmp/slakeeper", "slakeeper binary")
	n := flag.Int("n", 200000, "facts to send")
	batch := flag.Int("batch", 1000, "facts per request")
	clients := flag.Int("clients", 1, "requests in flight at once")
	database := flag.String("database", "", "store: empty for an SQLite file in a temporary directory, or postgres://…")
	flag.Parse()
	if err := run(*bin, *n, *batch, *clients, *database); err != nil {
		log.Fatal("bench/facts: ", err)
	}
}

// lines are n facts: one ticket in five, each followed by its four events,
// in the order a helpdesk export has them; every tenth slot a backup.
func lines(n int) []string {
	out := make([]string, 0, n)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; len(out) < n; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		tk := fmt.Sprintf("zd:%d", i)
		out = append(out, fmt.Sprintf(`{"type":"ticket","id":%q,"customer":"acme","priority":"P%d","at":%q}`, tk, 1+i%4, at.Format(time.RFC3339)))
		for e, kind := range []string{"agent_reply", "customer_reply", "agent_reply", "solved"} {
			if len(out) < n {
				out = append(out, fmt.Sprintf(`{"type":"ticket_event","id":"%s/e%d","ticket":%q,"at":%q,"kind":%q}`, tk, e, tk, at.Add(time.Duration(e+1)*10*time.Minute).Format(time.RFC3339), kind))
			}
		}
		if i%10 == 0 && len(out) < n {
			out = append(out, fmt.Sprintf(`{"type":"backup","id":"bk-%d","component":"db","at":%q,"ok":true}`, i, at.Format(time.RFC3339)))
		}
	}
	return out
}

func run(bin string, n, batch, clients int, database string) error {
	dir, err := os.MkdirTemp("", "bench-facts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := filepath.Join(dir, "slakeeper.yaml")
	if err := os.WriteFile(cfg, []byte("tokens:\n  - {name: bench, role: ingest, token_env: BENCH_INGEST}\n"), 0o600); err != nil {
		return err
	}
	os.Setenv("BENCH_INGEST", token)
	db := database
	if db == "" {
		db = filepath.Join(dir, "facts.db")
	}
	base, _, stop, err := benchutil.Serve(bin, "--config", cfg, "--database", db)
	if err != nil {
		return err
	}
	defer stop()

	all := lines(n)
	var bodies [][]byte
	for i := 0; i < len(all); i += batch {
		bodies = append(bodies, []byte(strings.Join(all[i:min(i+batch, len(all))], "\n")+"\n"))
	}
	// Batches in order per client; with several clients, client k sends
	// batches k, k+clients, …, so tickets come before their events only
	// within a batch: the generator keeps each ticket with its events.
	lat := make([]time.Duration, len(bodies))
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	began := time.Now()
	for c := range clients {
		wg.Go(func() {
			for i := c; i < len(bodies); i += clients {
				t := time.Now()
				if err := post(base, bodies[i]); err != nil {
					errs <- fmt.Errorf("batch %d: %w", i, err)
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	took := time.Since(began)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	slices.Sort(lat)
	size := int64(0)
	if database == "" {
		for _, f := range []string{"facts.db", "facts.db-wal"} {
			if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
				size += st.Size()
			}
		}
	}
	fmt.Printf("facts %d  batch %d  clients %d  store %s\n", len(all), batch, clients, map[bool]string{true: "sqlite", false: "postgres"}[database == ""])
	fmt.Printf("took %s  facts/s %.0f\n", took.Round(time.Millisecond), float64(len(all))/took.Seconds())
	fmt.Printf("batch latency p50 %s  p99 %s  max %s\n", lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	if size > 0 {
		fmt.Printf("sqlite file %d bytes, %.0f bytes per fact\n", size, float64(size)/float64(len(all)))
	}
	return nil
}

func post(base string, body []byte) error {
	req, err := http.NewRequest("POST", base+"/api/v1/facts", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	return nil
}
