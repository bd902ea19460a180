package storetest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// testRollUp: RollUp replaces the minutes of the hours that end by its
// time with one row per series and hour whose counts and latency sums
// are the sums of its minutes, in batches; a late minute is added to its
// hour by the next run; Prune deletes hours like minutes.
func testRollUp(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	ms := time.Millisecond
	at := func(h, m, sec int) time.Time {
		return t0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second)
	}
	mustAppend(t, s,
		// 09:xx fra: minutes 05 (two results), 20, 59.
		res("api", "fra", at(0, 5, 10), monitor.Up, 100*ms),
		res("api", "fra", at(0, 5, 40), monitor.Degraded, 900*ms),
		res("api", "fra", at(0, 20, 0), monitor.Down, 0),
		res("api", "fra", at(0, 59, 59), monitor.Up, 300*ms),
		// 09:30 local.
		res("api", "local", at(0, 30, 0), monitor.Up, 40*ms),
		// 10:xx fra: minutes 00 and 30.
		res("api", "fra", at(1, 0, 0), monitor.Up, 50*ms),
		res("api", "fra", at(1, 30, 0), monitor.Down, 2000*ms),
		// 11:10 fra: its hour has not ended at 11:30, it stays a minute.
		res("api", "fra", at(2, 10, 0), monitor.Up, 70*ms),
	)
	before := mustMinutes(t, s, "api", time.Time{}, far)
	if len(before) != 7 {
		t.Fatalf("minutes before the roll-up: got %d, want 7", len(before))
	}
	if _, err := s.RollUp(ctx, at(2, 30, 0), 0); err == nil {
		t.Errorf("RollUp with batch 0: got nil error")
	}
	// Batches of two minutes: hour 09 of fra is rolled in two statements,
	// the second adding to the row of the first.
	n, err := s.RollUp(ctx, at(2, 30, 0), 2)
	if err != nil {
		t.Fatalf("RollUp: %v", err)
	}
	if n != 6 { // fra 09:05, 09:20, 09:59, 10:00, 10:30; local 09:30
		t.Errorf("RollUp: got %d minutes rolled up, want 6", n)
	}
	hour := func(loc string, h, up, deg, down int, sum, max time.Duration) store.Minute {
		return store.Minute{MonitorID: "api", Location: loc, Minute: at(h, 0, 0), Span: time.Hour, Up: up, Degraded: deg, Down: down, LatencySum: sum, LatencyMax: max}
	}
	want := []store.Minute{
		// 09:00 fra: minute 05 (up 1, degraded 1, 100+900 = 1000ms),
		// 20 (down 1, 0ms), 59 (up 1, 300ms): up 2, degraded 1, down 1,
		// latency sum 1000+0+300 = 1300ms, max 900ms.
		hour("fra", 0, 2, 1, 1, 1300*ms, 900*ms),
		// 09:00 local: minute 30, up 1, 40ms.
		hour("local", 0, 1, 0, 0, 40*ms, 40*ms),
		// 10:00 fra: minute 00 (up, 50ms) + 30 (down, 2000ms): 2050ms, max 2000ms.
		hour("fra", 1, 1, 0, 1, 2050*ms, 2000*ms),
		{MonitorID: "api", Location: "fra", Minute: at(2, 10, 0), Span: time.Minute, Up: 1, LatencySum: 70 * ms, LatencyMax: 70 * ms},
	}
	got := mustMinutes(t, s, "api", time.Time{}, far)
	if d := diff(want, got); d != "" {
		t.Errorf("after the roll-up (-want +got):\n%s", d)
	}
	// The same, summed from the minutes read before.
	type key struct {
		loc  string
		hour time.Time
	}
	sums := map[key]store.Minute{}
	for _, m := range before {
		if !m.Minute.Before(at(2, 0, 0)) {
			continue
		}
		k := key{m.Location, m.Minute.Truncate(time.Hour)}
		x := sums[k]
		x.Up, x.Degraded, x.Down = x.Up+m.Up, x.Degraded+m.Degraded, x.Down+m.Down
		x.LatencySum += m.LatencySum
		x.LatencyMax = max(x.LatencyMax, m.LatencyMax)
		sums[k] = x
	}
	for _, h := range got {
		if h.Span != time.Hour {
			continue
		}
		x := sums[key{h.Location, h.Minute}]
		if h.Up != x.Up || h.Degraded != x.Degraded || h.Down != x.Down || h.LatencySum != x.LatencySum || h.LatencyMax != x.LatencyMax {
			t.Errorf("hour %s %v: got %+v, want the sums of its minutes %+v", h.Location, h.Minute, h, x)
		}
	}
	// Nothing left to roll up.
	if n, err := s.RollUp(ctx, at(2, 30, 0), 2); err != nil || n != 0 {
		t.Errorf("RollUp again: got %d, %v; want 0, nil", n, err)
	}
	// The first check is known to the minute, not the hour.
	if first, ok, err := s.FirstMinute(ctx, "api", t0); err != nil || !ok || !first.Equal(at(0, 5, 0)) {
		t.Errorf("FirstMinute: got %v, %v, %v; want %v", first, ok, err, at(0, 5, 0))
	}
	// A result arriving late for a rolled-up hour is a minute until the
	// next roll-up adds it: read together, each result counts once.
	mustAppend(t, s, res("api", "fra", at(0, 45, 0), monitor.Up, 10*ms), res("api", "fra", at(0, 1, 0), monitor.Up, 5*ms))
	got = mustMinutes(t, s, "api", t0, at(1, 0, 0))
	if len(got) != 4 { // the two hours of 09:00 and the minutes 09:01, 09:45
		t.Errorf("with late minutes: got %d rows, want 4: %+v", len(got), got)
	}
	if n, err := s.RollUp(ctx, at(2, 30, 0), 1000); err != nil || n != 2 {
		t.Errorf("RollUp of the late minutes: got %d, %v; want 2, nil", n, err)
	}
	want[0] = hour("fra", 0, 4, 1, 1, (1300+10+5)*ms, 900*ms)
	got = mustMinutes(t, s, "api", time.Time{}, far)
	if d := diff(want, got); d != "" {
		t.Errorf("after rolling up the late minutes (-want +got):\n%s", d)
	}
	if first, _, _ := s.FirstMinute(ctx, "api", t0); !first.Equal(at(0, 1, 0)) {
		t.Errorf("FirstMinute after a late 09:01: got %v, want %v", first, at(0, 1, 0))
	}
	// Prune deletes the hours that end by keepBefore: 09:00 ends at 10:00.
	if _, err := s.Prune(ctx, t0, at(1, 30, 0), 10); err != nil {
		t.Fatalf("Prune: %v", err)
	}
	got = mustMinutes(t, s, "api", time.Time{}, far)
	if d := diff(want[2:], got); d != "" {
		t.Errorf("after Prune (-want +got):\n%s", d)
	}
}

// testRollUpBoundary: the readers give the same answers whether a range
// lies in the minutes, in the hours or across the boundary between them:
// day counts, the first check from a whole hour, and a chart's steps of
// whole hours (the monitors console's 30-day range steps by 2 hours).
func testRollUpBoundary(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	rng := rand.New(rand.NewPCG(7, 7))
	day := t0.Truncate(24 * time.Hour)
	var rs []monitor.Result
	for i := range 3 * 24 * 12 { // three days every 5 minutes, from 00:00 of t0's day
		for _, mon := range []string{"api", "web"} {
			for _, loc := range []string{"fra", "local"} {
				if rng.IntN(10) == 0 {
					continue // a gap
				}
				st := monitor.Up
				switch rng.IntN(20) {
				case 0:
					st = monitor.Down
				case 1:
					st = monitor.Degraded
				}
				at := day.Add(time.Duration(i)*5*time.Minute + time.Duration(rng.IntN(300_000))*time.Millisecond)
				rs = append(rs, res(mon, loc, at, st, time.Duration(1+rng.IntN(900))*time.Millisecond))
			}
		}
	}
	mustAppend(t, s, rs...)
	type answers struct {
		Days   []store.DayCount
		First  []time.Time
		Charts map[string]map[string][5]int64 // monitor, location@step: up, degraded, down, latency sum, max
	}
	read := func() answers {
		t.Helper()
		var a answers
		var err error
		if a.Days, err = s.MinuteDays(ctx, day, day.Add(3*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for h := range 72 {
			first, _, err := s.FirstMinute(ctx, "api", day.Add(time.Duration(h)*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			a.First = append(a.First, first)
		}
		a.Charts = map[string]map[string][5]int64{}
		for _, mon := range []string{"api", "web"} {
			steps := map[string][5]int64{}
			for _, m := range mustMinutes(t, s, mon, day.Add(5*time.Hour), day.Add(61*time.Hour)) {
				k := fmt.Sprintf("%s@%s", m.Location, m.Minute.Truncate(2*time.Hour).Format(time.RFC3339))
				x := steps[k]
				x[0], x[1], x[2], x[3] = x[0]+int64(m.Up), x[1]+int64(m.Degraded), x[2]+int64(m.Down), x[3]+int64(m.LatencySum)
				x[4] = max(x[4], int64(m.LatencyMax))
				steps[k] = x
			}
			a.Charts[mon] = steps
		}
		return a
	}
	fine := read()
	if len(fine.Days) != 12 || len(fine.Charts["api"]) != 2*29 { // 2 locations × 2-hour steps from 04:00 (half of it in range) to 60:00
		t.Fatalf("readers before the roll-up: %d day counts (want 12), %d chart steps (want 58)", len(fine.Days), len(fine.Charts["api"]))
	}
	// The boundary in the middle of the second day, not on an hour: the
	// hours up to 13:00 are rolled up, the minutes after are kept.
	for _, before := range []time.Time{day.Add(37*time.Hour + 25*time.Minute), day.Add(80 * time.Hour)} {
		if _, err := s.RollUp(ctx, before, 500); err != nil {
			t.Fatalf("RollUp(%v): %v", before, err)
		}
		if d := diff(fine, read()); d != "" {
			t.Errorf("readers after a roll-up to %v (-minutes only +rolled up):\n%s", before, d)
		}
	}
	if got := mustMinutes(t, s, "api", time.Time{}, far); len(got) != 2*72 {
		t.Errorf("after rolling up everything: got %d rows, want 144 hours", len(got))
	}
}
