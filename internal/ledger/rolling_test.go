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
	svc, now := novemberOutage(t, pol, `customers:
  - {id: acme, name: Acme}
  - {id: globex, name: Globex}
subscriptions:
  - {id: sub-m, customer: acme, policy: p, plan: monthly, fee: "100.00", start: "2026-01-01T00:00:00Z"}
  - {id: sub-r, customer: globex, policy: p, plan: internal, fee: "100.00", start: "2026-01-01T00:00:00Z"}
`)
	// 72 hours before now is 1 December 01:00 UTC, still 30 November in
	// Honolulu: a monthly plan there would make October due. The rolling
	// plan names no period; only the UTC plan's November is due.
	if got := svc.Due(now, 72*time.Hour); !slices.Equal(got, []string{"2026-11"}) {
		t.Errorf("due: got %v, want [2026-11]", got)
	}
	res, err := svc.Close(context.Background(), "2026-11", nil)
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
	svc, now := novemberOutage(t, pol, `customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-m, customer: acme, policy: p, plan: pro, fee: "100.00", start: "2026-01-01T00:00:00Z"}
`)
	if got := svc.Due(now, 72*time.Hour); !slices.Equal(got, []string{"2026-11"}) {
		t.Errorf("due: got %v, want [2026-11]", got)
	}
	res, err := svc.Close(context.Background(), "2026-11", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Closed != 1 || len(res.Posted) != 1 || res.Posted[0].Amount != "10.00" {
		t.Errorf("close: got %+v, want November closed with 10.00 posted", res)
	}
}

// novemberOutage is a ledger service over policy pol (file p.yaml) and
// the configuration's customers and subscriptions, with the component api
// two hours down on 10 November 2026 (10 % under 99.9), at 4 December
// 01:00 UTC.
func novemberOutage(t *testing.T, pol, customers string) (*ledger.Service, time.Time) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(pol), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(filepath.Join(dir, "slakeeper.yaml"), []byte("components: [{id: api}]\npolicies: ["+filepath.Join(dir, "p.yaml")+"]\n"+customers),
		func(string) string { return "" }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.AppendFacts(ctx, []store.Fact{
		{ID: "d", Type: "status", At: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), JSON: []byte(`{"type":"status","id":"d","at":"2026-11-10T00:00:00Z","component":"api","status":"major_outage"}`)},
		{ID: "u", Type: "status", At: time.Date(2026, 11, 10, 2, 0, 0, 0, time.UTC), JSON: []byte(`{"type":"status","id":"u","at":"2026-11-10T02:00:00Z","component":"api","status":"operational"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	return ledger.New(st, func() *config.Config { return c }, func() time.Time { return now }, slog.New(slog.DiscardHandler), nil, nil), now
}
