package whatif

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// TestWhatifChunks: the engine is asked for as few periods as the plans
// allow, each once.
func TestWhatifChunks(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		finest         timeline.Kind
		want           []string
	}{
		{name: "a year", from: "2025", to: "2025", finest: timeline.Month, want: []string{"2025"}},
		{name: "a year's months", from: "2025-01", to: "2025-12", finest: timeline.Month, want: []string{"2025"}},
		{name: "across years", from: "2025-11", to: "2026-Q2", finest: timeline.Month, want: []string{"2025-11", "2025-12", "2026-Q1", "2026-Q2"}},
		{name: "quarter plans", from: "2025-11", to: "2026-02", finest: timeline.Quarter, want: []string{"2025-Q4", "2026-Q1"}},
		{name: "year plans", from: "2025-11", to: "2026-02", finest: timeline.Year, want: []string{"2025", "2026"}},
		{name: "one month", from: "2026-03", finest: timeline.Month, want: []string{"2026-03"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRange(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, r.chunks(tc.finest)); d != "" {
				t.Errorf("chunks (-want +got):\n%s", d)
			}
		})
	}
}
