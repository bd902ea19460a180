package storetest

import (
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// testMinuteDays: the minutes' counts summed per monitor, location and
// UTC day, only of the minutes that start in the range asked.
func testMinuteDays(t *testing.T, s store.Store) {
	ms := time.Millisecond
	day := t0.Truncate(24 * time.Hour)
	mustAppend(t, s,
		res("api", "fra", t0, monitor.Up, 100*ms),
		res("api", "fra", t0.Add(time.Hour), monitor.Down, 0),
		res("api", "fra", t0.Add(25*time.Hour), monitor.Degraded, 900*ms), // the next day
		res("api", "local", t0.Add(5*time.Second), monitor.Up, 50*ms),
		res("web", "fra", t0, monitor.Down, 7*ms),
		res("web", "fra", t0.Add(-10*time.Hour), monitor.Up, 7*ms), // before the range
	)
	got, err := s.MinuteDays(ctxFor(t), t0.Add(-time.Hour), far)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.DayCount{
		{MonitorID: "api", Location: "fra", Day: day, Up: 1, Down: 1},
		{MonitorID: "api", Location: "local", Day: day, Up: 1},
		{MonitorID: "web", Location: "fra", Day: day, Down: 1},
		{MonitorID: "api", Location: "fra", Day: day.Add(24 * time.Hour), Degraded: 1},
	}
	if d := diff(want, got); d != "" {
		t.Errorf("day counts (-want +got):\n%s", d)
	}
	// The end is exclusive, by the minute's start.
	got, err = s.MinuteDays(ctxFor(t), t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want = []store.DayCount{
		{MonitorID: "api", Location: "fra", Day: day, Up: 1},
		{MonitorID: "api", Location: "local", Day: day, Up: 1},
		{MonitorID: "web", Location: "fra", Day: day, Down: 1},
	}
	if d := diff(want, got); d != "" {
		t.Errorf("day counts of one hour (-want +got):\n%s", d)
	}
}
