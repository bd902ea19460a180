package monitors

import (
	"math"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Absorb counts a minute once, the minute read again while it filled by
// what it gained, nothing before the cut or before the latest absorbed;
// the last check is the latest minute's.
func TestAbsorb(t *testing.T) {
	cut := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	tr := NewTracker(cut)
	minute := func(at time.Time, up, down int) store.Minute {
		return store.Minute{MonitorID: "api", Location: "eu", Minute: at, Span: time.Minute, Up: up, Down: down, LatencySum: time.Duration(up+down) * 100 * time.Millisecond}
	}
	at1, at2 := cut.Add(time.Minute), cut.Add(2*time.Minute)
	now := cut.Add(3 * time.Minute)
	checks := func() (int, float64, Figures) {
		f := tr.Figures("api", []string{"eu"}, now)
		return f.Checks24h, f.Uptime24h, f
	}
	tr.Absorb([]store.Minute{minute(cut.Add(-time.Minute), 5, 0), minute(at1, 2, 1)})
	// 10:01: 2 up and 1 down; 09:59 is before the cut (Warm's).
	if n, up, f := checks(); n != 3 || math.Abs(up-200.0/3) > 1e-9 || !f.Last.At.Equal(at1) || f.Last.State != monitor.Up {
		t.Fatalf("after 10:01: %d checks, %.3f %% up, last %+v; want 3, 66.667, 10:01 up", n, up, f.Last)
	}
	// 10:01 read again with one more up: +1, not +4.
	tr.Absorb([]store.Minute{minute(at1, 3, 1)})
	if n, _, _ := checks(); n != 4 {
		t.Fatalf("10:01 read again: %d checks, want 4", n)
	}
	// 10:02 all down: the last check is down; 10:01 again counts nothing.
	tr.Absorb([]store.Minute{minute(at1, 3, 1), minute(at2, 0, 2)})
	if n, up, f := checks(); n != 6 || up != 50 || !f.Last.At.Equal(at2) || f.Last.State != monitor.Down {
		t.Fatalf("after 10:02: %d checks, %.3f %% up, last %+v; want 6, 50, 10:02 down", n, up, f.Last)
	}
	// A minute before the latest absorbed is not counted again.
	tr.Absorb([]store.Minute{minute(at1, 9, 9)})
	if n, _, _ := checks(); n != 6 {
		t.Errorf("an older minute counted again: %d checks, want 6", n)
	}
	// A live check stays the last when its minute is absorbed after it.
	tr.Observe([]monitor.Result{{MonitorID: "api", Location: "eu", At: at2.Add(30 * time.Second), State: monitor.Up, Latency: time.Millisecond}})
	tr.Absorb([]store.Minute{minute(at2, 1, 2)})
	if _, _, f := checks(); !f.Last.At.Equal(at2.Add(30 * time.Second)) {
		t.Errorf("last check: %v, want the live one at 10:02:30", f.Last.At)
	}
}
