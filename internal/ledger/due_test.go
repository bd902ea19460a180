package ledger_test

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/policy"
)

// Due names the last plan period that ended settle ago in each plan's
// zone: seed 002's plans are in Oslo (UTC+1 in winter), 004's in UTC.
func TestDue(t *testing.T) {
	c, err := config.Parse("../server/slakeeper.yaml", []byte("policies: [../../examples/002-bluestone.yaml, ../../examples/004-infopromo.yaml]\n"),
		func(string) string { return "" }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	svc := ledger.New(nil, func() *config.Config { return c }, time.Now, slog.New(slog.DiscardHandler), nil, nil)
	const settle = 72 * time.Hour
	for _, tt := range []struct {
		now  time.Time
		want []string
	}{
		// November ends 30 Nov 23:00 UTC in Oslo, 1 Dec 00:00 in UTC.
		{time.Date(2026, 12, 3, 22, 59, 0, 0, time.UTC), []string{"2026-10"}},
		{time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC), []string{"2026-10", "2026-11"}},
		{time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), []string{"2026-11"}},
		// A leap February: 29 days, then 3 days' settle.
		{time.Date(2028, 3, 3, 23, 59, 0, 0, time.UTC), []string{"2028-01", "2028-02"}},
	} {
		if got := svc.Due(tt.now, settle); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.now, got, tt.want)
		}
	}
}
