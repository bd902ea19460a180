package ledger_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/store"
)

// TestRollingPlanNotClosed: a plan with a rolling window owes no credit,
// so the month-end close leaves its subscriptions out and Due names no
// period for it; the monthly plan beside it is closed as ever.
func TestRollingPlanNotClosed(t *testing.T) {
	dir := t.TempDir()
	pol := `policy: p
components:
  - id: api
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: monthly
        objective: 99.9
        components: [api]
        credits:
          tiers:
            - {below: 99.9, credit: 10}
      - id: internal
        objective: 99.9
        window: rolling 28d
        timezone: Pacific/Honolulu
        components: [api]
`
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(pol), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(filepath.Join(dir, "slakeeper.yaml"), []byte(`components: [{id: api}]
policies: [`+filepath.Join(dir, "p.yaml")+`]
customers:
  - {id: acme, name: Acme}
  - {id: globex, name: Globex}
subscriptions:
  - {id: sub-m, customer: acme, policy: p, plan: monthly, fee: "100.00", start: "2026-01-01T00:00:00Z"}
  - {id: sub-r, customer: globex, policy: p, plan: internal, fee: "100.00", start: "2026-01-01T00:00:00Z"}
`), func(string) string { return "" }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Two hours down in November: the monthly plan owes 10 %.
	err = st.AppendFacts(ctx, []store.Fact{
		{ID: "d", Type: "status", At: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), JSON: []byte(`{"type":"status","id":"d","at":"2026-11-10T00:00:00Z","component":"api","status":"major_outage"}`)},
		{ID: "u", Type: "status", At: time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC), JSON: []byte(`{"type":"status","id":"u","at":"2026-11-10T02:00:00Z","component":"api","status":"operational"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	svc := ledger.New(st, func() *config.Config { return c }, func() time.Time { return now }, slog.New(slog.DiscardHandler), nil, nil)
	// 72 hours before now is 1 December 01:00 UTC, still 30 November in
	// Honolulu: a monthly plan there would make October due. The rolling
	// plan names no period; only the UTC plan's November is due.
	if got := svc.Due(now, 72*time.Hour); !slices.Equal(got, []string{"2026-11"}) {
		t.Errorf("due: got %v, want [2026-11]", got)
	}
	res, err := svc.Close(ctx, "2026-11", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Closed != 1 || res.Open != 0 || len(res.Posted) != 1 || res.Posted[0].Subscription != "sub-m" || res.Posted[0].Amount != "10.00" {
		t.Errorf("close: got %+v, want sub-m closed with 10.00 posted, sub-r left out", res)
	}
}

// A plan measured per month until December and over a rolling window
// from then on: November still closes, under the monthly terms.
func TestMonthClosedAfterMoveToRolling(t *testing.T) {
	dir := t.TempDir()
	pol := `policy: p
components:
  - id: api
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: pro
        objective: 99.9
        components: [api]
        credits:
          tiers:
            - {below: 99.9, credit: 10}
  - version: "2"
    effective: 2026-12-01
    plans:
      - id: pro
        objective: 99.9
        window: rolling 28d
        components: [api]
`
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(pol), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(filepath.Join(dir, "slakeeper.yaml"), []byte(`components: [{id: api}]
policies: [`+filepath.Join(dir, "p.yaml")+`]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-m, customer: acme, policy: p, plan: pro, fee: "100.00", start: "2026-01-01T00:00:00Z"}
`), func(string) string { return "" }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.AppendFacts(ctx, []store.Fact{
		{ID: "d", Type: "status", At: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), JSON: []byte(`{"type":"status","id":"d","at":"2026-11-10T00:00:00Z","component":"api","status":"major_outage"}`)},
		{ID: "u", Type: "status", At: time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC), JSON: []byte(`{"type":"status","id":"u","at":"2026-11-10T02:00:00Z","component":"api","status":"operational"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	svc := ledger.New(st, func() *config.Config { return c }, func() time.Time { return now }, slog.New(slog.DiscardHandler), nil, nil)
	if got := svc.Due(now, 72*time.Hour); !slices.Equal(got, []string{"2026-11"}) {
		t.Errorf("due: got %v, want [2026-11]", got)
	}
	res, err := svc.Close(ctx, "2026-11", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Closed != 1 || len(res.Posted) != 1 || res.Posted[0].Amount != "10.00" {
		t.Errorf("close: got %+v, want November closed with 10.00 posted", res)
	}
}
