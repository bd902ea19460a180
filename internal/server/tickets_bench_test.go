package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/store"
)

// BenchmarkTicketsTick measures one recomputation of the live clocks of
// 10,000 open tickets (each with three events) under seed 002's work-hours
// plan, as the alert loop does every 30 s: ns/op is one tick, read from
// SQLite, parsed and evaluated; cpu-share-% is that tick's share of the
// 30 s between ticks; heap-MB the live heap after it, heap-sys-MB the heap
// taken from the system, which bounds a tick's peak.
func BenchmarkTicketsTick(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "t.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cfg, err := config.Parse("bench.yaml", []byte("policies: [../../examples/002-bluestone.yaml]\n"), func(string) string { return "" }, policy.Load)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	fs := []store.Fact{{ID: "sub-1", Type: "subscription", JSON: []byte(`{"type":"subscription","id":"sub-1","customer":"acme","plan":"standard","fee":"100.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}`)}}
	prio := []string{"critical", "high", "standard"}
	for i := range 10000 {
		at := now.Add(-time.Duration(i%4000) * time.Minute)
		id := fmt.Sprintf("zd:%d", i)
		fs = append(fs, store.Fact{ID: id, Type: "ticket", At: at, JSON: []byte(fmt.Sprintf(`{"type":"ticket","id":%q,"at":%q,"customer":"acme","priority":%q}`, id, at.Format(time.RFC3339), prio[i%3]))})
		for j, kind := range []string{"customer_reply", "status", "status"} {
			eat := at.Add(time.Duration(j+1) * time.Minute)
			status := ""
			if kind == "status" {
				status = map[int]string{1: "pending_customer", 2: "open"}[j]
			}
			eid := fmt.Sprintf("%s/%d", id, j)
			body := fmt.Sprintf(`{"type":"ticket_event","id":%q,"ticket":%q,"at":%q,"kind":%q`, eid, id, eat.Format(time.RFC3339), kind)
			if status != "" {
				body += fmt.Sprintf(`,"status":%q`, status)
			}
			fs = append(fs, store.Fact{ID: eid, Type: "ticket_event", At: eat, JSON: []byte(body + "}")})
		}
	}
	if err := st.AppendFacts(ctx, fs); err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{Store: st, Config: cfg, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if err := s.ticketAl.Tick(ctx); err != nil {
			b.Fatal(err)
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(100*per.Seconds()/30, "cpu-share-%")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
	// The heap the process took from the system: the peak of a tick.
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MB")
}
