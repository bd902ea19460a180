package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/helpdesk"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/store/pgtest"
)

// BenchmarkHelpdeskIngest measures the ingest rate of helpdesk webhooks:
// signed generic-form deliveries over HTTP, 16 at a time (a helpdesk's
// bursts), each checked, compared with the ticket's stored state and
// stored durably before the answer. Every ticket gets five deliveries:
// created, the agent's public reply, waiting on the customer, the
// customer's reply (open again), solved. events/s is deliveries
// answered per second. The store is SQLite, or PostgreSQL when
// SLAKEEPER_BENCH_STORE=postgres.
func BenchmarkHelpdeskIngest(b *testing.B) {
	ctx := context.Background()
	var st store.Store
	var err error
	if os.Getenv("SLAKEEPER_BENCH_STORE") == "postgres" {
		st, err = store.Open(ctx, pgtest.DSN(b), nil)
	} else {
		st, err = store.Open(ctx, filepath.Join(b.TempDir(), "hd.db"), nil)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const secret = "bench-secret"
	cfg, err := config.Parse("bench.yaml", []byte(`policies: [../../examples/004-infopromo.yaml]
customers: [{id: bistro}]
subscriptions:
  - {id: sub-bistro, customer: bistro, policy: infopromo, plan: standard, fee: "300.00", currency: CAD, start: "2026-01-01T00:00:00Z"}
helpdesks:
  - {name: crm, kind: generic, secret_env: HD, domains: {bistro.example: bistro}, priorities: {p1: level-1, p2: level-2}, statuses: {waiting: pending_customer}}
`), func(string) string { return secret }, policy.Load)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s, err := New(Options{Store: st, Config: cfg, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	// delivery is the k-th (0–4) delivery of ticket i.
	delivery := func(i, k int) []byte {
		created := now.Add(-time.Duration(i%1000) * time.Minute)
		at := created.Add(time.Duration(k) * 5 * time.Minute)
		status, comment := "open", ""
		switch k {
		case 1:
			comment = fmt.Sprintf(`,"comment":{"id":"a%d","public":true,"author":"agent"}`, i)
		case 2:
			status = "waiting"
		case 3:
			comment = fmt.Sprintf(`,"comment":{"id":"c%d","public":true,"author":"customer"}`, i)
		case 4:
			status = "solved"
		}
		return fmt.Appendf(nil, `{"id":"d%d-%d","at":%q,"ticket":{"id":"T-%d","created_at":%q,"requester":"ops@bistro.example","priority":"P%d","status":%q}%s}`,
			i, k, at.Format(time.RFC3339), i, created.Format(time.RFC3339), 1+i%2, status, comment)
	}
	tickets := (b.N + 4) / 5
	var next, failed atomic.Int64
	const workers = 16
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				n := int(next.Add(1) - 1)
				if n >= b.N {
					return
				}
				// Tickets in turn: delivery n is ticket n%T's (n/T)-th, so
				// a ticket's deliveries come in order and apart, as a
				// helpdesk sends them, and concurrent ones are of
				// different tickets.
				body := delivery(n%tickets, n/tickets)
				req, _ := http.NewRequest("POST", ts.URL+"/api/v1/helpdesk/crm", bytes.NewReader(body))
				req.Header.Set("X-Slakeeper-Signature", helpdesk.HubSignature("sha256", []byte(secret), body))
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d deliveries failed", f, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}
