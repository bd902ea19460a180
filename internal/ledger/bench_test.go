package ledger_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store"
)

// BenchmarkClose closes November for 10,000 subscriptions of seed 001's
// starter plan over a month of status facts (SLAKEEPER_BENCH_FACTS, default
// 100,000: a status change of one of the plan's components every ~26 s),
// on SQLite. Each iteration closes a fresh copy of the store.
func BenchmarkClose(b *testing.B) {
	nFacts := 100_000
	if v, err := strconv.Atoi(os.Getenv("SLAKEEPER_BENCH_FACTS")); err == nil && v > 0 {
		nFacts = v
	}
	const subs = 10_000
	ctx := context.Background()
	dir := b.TempDir()
	seed := filepath.Join(dir, "seed.db")
	_, st := killService(b, seed)
	var fs []store.Fact
	flush := func() {
		if err := st.AppendFacts(ctx, fs); err != nil {
			b.Fatal(err)
		}
		fs = fs[:0]
	}
	for i := range subs {
		id := fmt.Sprintf("sub-%05d", i)
		fs = append(fs, store.Fact{ID: id, Type: "subscription", JSON: []byte(fmt.Sprintf(`{"type":"subscription","id":"%s","customer":"c%05d","policy":"bloomneo","plan":"starter","fee":"200.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}`, id, i))})
		if len(fs) == 5000 {
			flush()
		}
	}
	comps := []string{"platform", "api", "database", "ai-agents"}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	step := 30 * 24 * time.Hour / time.Duration(nFacts)
	for i := range nFacts {
		at := start.Add(time.Duration(i) * step)
		status := "operational"
		if i%2 == 0 {
			status = "major_outage"
			if i%4 == 0 {
				status = "degraded_performance"
			}
		}
		id := fmt.Sprintf("s%07d", i)
		fs = append(fs, store.Fact{ID: id, Type: "status", At: at, JSON: []byte(fmt.Sprintf(`{"type":"status","id":"%s","at":"%s","component":"%s","status":"%s"}`,
			id, at.Format(time.RFC3339), comps[(i/2)%len(comps)], status))})
		if len(fs) == 5000 {
			flush()
		}
	}
	flush()
	st.Close()
	data, err := os.ReadFile(seed)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		db := filepath.Join(dir, fmt.Sprintf("run%d.db", i))
		if err := os.WriteFile(db, data, 0o600); err != nil {
			b.Fatal(err)
		}
		svc, st := killService(b, db)
		b.StartTimer()
		res, err := svc.Close(ctx, "2026-11", nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.Closed != subs {
			b.Fatalf("closed %d of %d", res.Closed, subs)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}
