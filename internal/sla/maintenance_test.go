package sla

import (
	"testing"
	"time"
)

func TestMaintenanceInForce(t *testing.T) {
	start := time.Date(2026, 10, 10, 20, 0, 0, 0, time.UTC)
	end := start.Add(2 * time.Hour)
	tests := []struct {
		name      string
		cancelled time.Time
		wantOK    bool
		wantEnd   time.Time
	}{
		{"not cancelled", time.Time{}, true, end},
		{"cancelled before its start: void", start.Add(-time.Hour), false, time.Time{}},
		{"cancelled at its start: void", start, false, time.Time{}},
		{"cancelled while running: ends then", start.Add(30 * time.Minute), true, start.Add(30 * time.Minute)},
		{"cancelled at its end: unchanged", end, true, end},
		{"cancelled after its end: unchanged", end.Add(time.Hour), true, end},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Maintenance{ID: "mw", Components: []string{"api"}, Start: start, End: end, CancelledAt: tt.cancelled}
			got, ok := m.InForce()
			if ok != tt.wantOK {
				t.Fatalf("ok: got %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if !got.End.Equal(tt.wantEnd) || !got.Start.Equal(start) {
				t.Errorf("got %v to %v, want %v to %v", got.Start, got.End, start, tt.wantEnd)
			}
			if !m.End.Equal(end) {
				t.Errorf("InForce changed the window itself: end %v", m.End)
			}
		})
	}
}
