package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// recorder collects results.
type recorder struct {
	mu      sync.Mutex
	results []monitor.Result
}

func (r *recorder) add(x monitor.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, x)
}

func (r *recorder) all() []monitor.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]monitor.Result(nil), r.results...)
}

// starts returns the start times of id's runs.
func (r *recorder) starts(id string) []time.Time {
	var out []time.Time
	for _, x := range r.all() {
		if x.MonitorID == id {
			out = append(out, x.At)
		}
	}
	return out
}

// start runs s until the returned function is called; that function
// returns once Run has.
func start(tb testing.TB, s *Scheduler) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		tb.Helper()
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: got %v, want nil", err)
		}
	}
}

func mon(id string, interval time.Duration) *monitor.Monitor {
	return &monitor.Monitor{ID: id, Component: "c", Type: monitor.TypeHTTP, Interval: interval, Timeout: interval / 2}
}

func up(ctx context.Context, m *monitor.Monitor) monitor.Result {
	return monitor.Result{State: monitor.Up}
}

// sleeper returns a run function that takes d(m, k) for the k-th run of m.
func sleeper(d func(m *monitor.Monitor, k int) time.Duration) RunFunc {
	var mu sync.Mutex
	n := map[string]int{}
	return func(ctx context.Context, m *monitor.Monitor) monitor.Result {
		mu.Lock()
		k := n[m.ID]
		n[m.ID]++
		mu.Unlock()
		time.Sleep(d(m, k))
		return monitor.Result{State: monitor.Up}
	}
}

func TestFirstRunsSpread(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		interval time.Duration
		bucket   time.Duration
	}{
		{name: "1,000 at 30s, per second", n: 1000, interval: 30 * time.Second, bucket: time.Second},
		{name: "1,000 at 1m, per 2 seconds", n: 1000, interval: time.Minute, bucket: 2 * time.Second},
		{name: "3,000 at 10s, per second", n: 3000, interval: 10 * time.Second, bucket: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				rec := &recorder{}
				s := New(Options{Run: up, Location: "local", Now: time.Now, OnResult: rec.add})
				var ms []*monitor.Monitor
				for i := range tt.n {
					ms = append(ms, mon(fmt.Sprintf("m%04d", i), tt.interval))
				}
				s.Update(ms)
				stop := start(t, s)
				time.Sleep(tt.interval - 1)
				synctest.Wait()
				stop()

				buckets := make([]int, tt.interval/tt.bucket)
				for _, r := range rec.all() {
					buckets[r.At.Sub(t0)/tt.bucket]++
				}
				if got := len(rec.all()); got != tt.n {
					t.Errorf("first interval: got %d runs, want %d (one per monitor)", got, tt.n)
				}
				avg := float64(tt.n) / float64(len(buckets))
				for i, got := range buckets {
					if float64(got) > 2*avg || float64(got) < avg/2 {
						t.Errorf("bucket %d: got %d starts, want about %.0f (within ×2)", i, got, avg)
					}
				}
			})
		})
	}
}

func TestNoDrift(t *testing.T) {
	const interval = 30 * time.Second
	tests := []struct {
		name string
		run  func(m *monitor.Monitor, k int) time.Duration
	}{
		{name: "instant checks", run: func(*monitor.Monitor, int) time.Duration { return 0 }},
		{name: "checks of varying length", run: func(_ *monitor.Monitor, k int) time.Duration {
			return time.Duration(k*7919%29000) * time.Millisecond
		}},
		{name: "checks just under the interval", run: func(*monitor.Monitor, int) time.Duration { return interval - time.Millisecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				rec := &recorder{}
				m := mon("web", interval)
				m.Timeout = interval
				s := New(Options{Run: sleeper(tt.run), Now: time.Now, OnResult: rec.add})
				s.Update([]*monitor.Monitor{m})
				stop := start(t, s)
				due0 := phaseDue(m, t0)
				time.Sleep(due0.Sub(t0) + 100*interval - time.Millisecond)
				stop()

				got := rec.starts("web")
				if len(got) != 100 {
					t.Fatalf("got %d runs, want 100", len(got))
				}
				for k, at := range got {
					if want := due0.Add(time.Duration(k) * interval); !at.Equal(want) {
						t.Errorf("run %d: got start %v, want %v", k, at.Sub(t0), want.Sub(t0))
					}
				}
				if st := s.Stats(); st.Skipped != 0 || st.LagMax != 0 {
					t.Errorf("got %d skipped, max lag %v; want 0, 0", st.Skipped, st.LagMax)
				}
			})
		})
	}
}

func TestSlowCheckDoesNotOverlap(t *testing.T) {
	tests := []struct {
		name        string
		interval    time.Duration
		runFor      time.Duration
		wantGap     time.Duration // between starts
		wantSkipped uint64        // after four runs
	}{
		{name: "2.5 intervals", interval: 10 * time.Second, runFor: 25 * time.Second, wantGap: 30 * time.Second, wantSkipped: 6},
		{name: "1.5 intervals", interval: 10 * time.Second, runFor: 15 * time.Second, wantGap: 20 * time.Second, wantSkipped: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				rec := &recorder{}
				var running, overlaps atomic.Int32
				run := func(ctx context.Context, m *monitor.Monitor) monitor.Result {
					if running.Add(1) > 1 {
						overlaps.Add(1)
					}
					time.Sleep(tt.runFor)
					running.Add(-1)
					return monitor.Result{State: monitor.Up}
				}
				m := mon("slow", tt.interval)
				m.Timeout = time.Minute
				s := New(Options{Run: run, Now: time.Now, OnResult: rec.add})
				s.Update([]*monitor.Monitor{m})
				stop := start(t, s)
				due0 := phaseDue(m, t0)
				time.Sleep(due0.Sub(t0) + 3*tt.wantGap + time.Second)
				st := s.Stats()
				stop()

				if overlaps.Load() != 0 {
					t.Errorf("got %d overlapping runs, want 0", overlaps.Load())
				}
				got := rec.starts("slow")
				var want []time.Time
				for k := range 4 {
					want = append(want, due0.Add(time.Duration(k)*tt.wantGap))
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("starts (-want +got):\n%s", diff)
				}
				if st.Runs != 4 || st.Skipped != tt.wantSkipped {
					t.Errorf("got %d runs, %d skipped; want 4, %d", st.Runs, st.Skipped, tt.wantSkipped)
				}
			})
		})
	}
}

func TestBoundedConcurrency(t *testing.T) {
	tests := []struct {
		name        string
		monitors    int
		concurrency int
		runFor      time.Duration
	}{
		{name: "10 slots for 200 checks of 5s every 10s", monitors: 200, concurrency: 10, runFor: 5 * time.Second},
		{name: "1 slot", monitors: 20, concurrency: 1, runFor: 3 * time.Second},
		{name: "more slots than needed", monitors: 20, concurrency: 50, runFor: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var inFlight, peak atomic.Int32
				run := func(ctx context.Context, m *monitor.Monitor) monitor.Result {
					n := inFlight.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					time.Sleep(tt.runFor)
					inFlight.Add(-1)
					return monitor.Result{State: monitor.Up}
				}
				s := New(Options{Run: run, Now: time.Now, Concurrency: tt.concurrency})
				var ms []*monitor.Monitor
				for i := range tt.monitors {
					ms = append(ms, mon(fmt.Sprintf("m%d", i), 10*time.Second))
				}
				s.Update(ms)
				stop := start(t, s)
				maxQueued := 0
				for range 60 {
					time.Sleep(time.Second)
					synctest.Wait()
					st := s.Stats()
					if st.InFlight > tt.concurrency {
						t.Errorf("Stats: got %d in flight, want at most %d", st.InFlight, tt.concurrency)
					}
					maxQueued = max(maxQueued, st.Queued)
				}
				st := s.Stats()
				stop()

				demand := tt.monitors * int(tt.runFor) / int(10*time.Second)
				wantPeak := min(tt.concurrency, demand)
				if got := int(peak.Load()); got > tt.concurrency || got < wantPeak {
					t.Errorf("got peak %d in flight, want between %d and %d", got, wantPeak, tt.concurrency)
				}
				if over := demand > tt.concurrency; over != (maxQueued > 0) || over != (st.LagMax > 0) {
					t.Errorf("got max queued %d, max lag %v; want both > 0 only when demand %d exceeds %d slots",
						maxQueued, st.LagMax, demand, tt.concurrency)
				}
			})
		})
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		timeout  time.Duration
		want     time.Duration
	}{
		{name: "the monitor's timeout", interval: 30 * time.Second, timeout: 3 * time.Second, want: 3 * time.Second},
		{name: "no timeout is the interval", interval: 30 * time.Second, want: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{}
				var deadline time.Duration
				var hasDeadline bool
				run := func(ctx context.Context, m *monitor.Monitor) monitor.Result {
					d, ok := ctx.Deadline()
					deadline, hasDeadline = time.Until(d), ok
					<-ctx.Done()
					return monitor.Result{State: monitor.Down, Message: ctx.Err().Error()}
				}
				m := mon("m", tt.interval)
				m.Timeout = tt.timeout
				s := New(Options{Run: run, Now: time.Now, OnResult: rec.add})
				s.Update([]*monitor.Monitor{m})
				stop := start(t, s)
				// Stop while the first check waits for its deadline; the
				// stop waits for it.
				time.Sleep(time.Until(phaseDue(m, time.Now())) + tt.want/2)
				stop()

				got := rec.all()
				if len(got) != 1 {
					t.Fatalf("got %d results, want 1", len(got))
				}
				if !hasDeadline || deadline != tt.want {
					t.Errorf("got deadline %v after start (set %v), want %v", deadline, hasDeadline, tt.want)
				}
				if got[0].Duration != tt.want || got[0].Message != context.DeadlineExceeded.Error() {
					t.Errorf("got duration %v, message %q; want %v, %q", got[0].Duration, got[0].Message, tt.want, context.DeadlineExceeded)
				}
			})
		})
	}
}

func TestResultFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		run := func(ctx context.Context, m *monitor.Monitor) monitor.Result {
			time.Sleep(1500 * time.Millisecond)
			return monitor.Result{MonitorID: "wrong", Location: "wrong", State: monitor.Degraded, Latency: time.Second}
		}
		m := mon("m", 10*time.Second)
		s := New(Options{Run: run, Location: "eu-west", Now: time.Now, OnResult: rec.add})
		s.Update([]*monitor.Monitor{m})
		t0 := time.Now()
		stop := start(t, s)
		time.Sleep(10 * time.Second)
		stop()
		want := []monitor.Result{{MonitorID: "m", Location: "eu-west", At: phaseDue(m, t0), Duration: 1500 * time.Millisecond, State: monitor.Degraded, Latency: time.Second}}
		if diff := cmp.Diff(want, rec.all()); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
	})
}

func TestUpdate(t *testing.T) {
	const iv = 10 * time.Second
	a, b, d := mon("a", iv), mon("b", iv), mon("d", iv)
	a2, c, d2 := mon("a", 2*iv), mon("c", iv), mon("d", iv)
	d2.Target = "changed"
	rec := &recorder{}
	var t0, t1 time.Time
	synctest.Test(t, func(t *testing.T) {
		t0 = time.Now()
		s := New(Options{Run: up, Now: time.Now, OnResult: rec.add})
		s.Update([]*monitor.Monitor{a, b, d})
		stop := start(t, s)
		time.Sleep(60 * time.Second)
		synctest.Wait()
		t1 = time.Now()
		s.Update([]*monitor.Monitor{a2, c, d2, {ID: "hb", Type: monitor.TypeHeartbeat, Interval: iv}, {ID: "none"}})
		if got := s.Stats().Monitors; got != 3 {
			t.Errorf("after the update: got %d monitors, want 3 (no heartbeat, none without an interval)", got)
		}
		time.Sleep(60*time.Second - 1)
		stop()
	})

	every := func(first time.Time, step time.Duration, until time.Time) []time.Time {
		var out []time.Time
		for at := first; at.Before(until); at = at.Add(step) {
			out = append(out, at)
		}
		return out
	}
	end := t1.Add(60 * time.Second)
	tests := []struct {
		name string
		id   string
		want []time.Time
	}{
		{name: "unchanged but for its target, it keeps its schedule", id: "d", want: every(phaseDue(d, t0), iv, end)},
		{name: "removed, it no longer runs", id: "b", want: every(phaseDue(b, t0), iv, t1)},
		{name: "added, it starts at its phase", id: "c", want: every(phaseDue(c, t1), iv, end)},
		{name: "a new interval moves it to its phase on that interval", id: "a",
			want: append(every(phaseDue(a, t0), iv, t1), every(phaseDue(a2, t1), 2*iv, end)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rec.starts(tt.id)); diff != "" {
				t.Errorf("starts of %s (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}

func TestUpdateRemovedWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		started := make(chan struct{}, 1)
		run := func(ctx context.Context, m *monitor.Monitor) monitor.Result {
			started <- struct{}{}
			time.Sleep(5 * time.Second)
			return monitor.Result{State: monitor.Up}
		}
		s := New(Options{Run: run, Now: time.Now, OnResult: rec.add})
		m := mon("m", 30*time.Second)
		m.Timeout = 10 * time.Second
		s.Update([]*monitor.Monitor{m})
		stop := start(t, s)
		<-started
		s.Update(nil)
		time.Sleep(time.Minute)
		stop()
		if got := len(rec.all()); got != 0 {
			t.Errorf("got %d results of the removed monitor, want 0", got)
		}
	})
}

func TestResume(t *testing.T) {
	const iv = 30 * time.Second
	tests := []struct {
		name   string
		resume time.Duration // the saved due time, from the restart
		want   time.Duration // the first run, from the restart
	}{
		{name: "due later", resume: 7 * time.Second, want: 7 * time.Second},
		{name: "due at the restart", resume: 0, want: 0},
		{name: "missed while stopped: next one on the same phase, not now", resume: -2 * time.Second, want: 28 * time.Second},
		{name: "several missed", resume: -95 * time.Second, want: 25 * time.Second},
		{name: "further than an interval ahead: the monitor's phase", resume: time.Hour, want: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				restart := time.Now()
				m := mon("a", iv)
				want := restart.Add(tt.want)
				if tt.want < 0 {
					want = phaseDue(m, restart)
				}
				rec := &recorder{}
				s := New(Options{Run: up, Now: time.Now, OnResult: rec.add, Resume: map[string]time.Time{"a": restart.Add(tt.resume)}})
				s.Update([]*monitor.Monitor{m})
				if got := s.NextDue()["a"]; !got.Equal(want) {
					t.Errorf("NextDue: got %v, want %v", got.Sub(restart), want.Sub(restart))
				}
				stop := start(t, s)
				time.Sleep(iv - 1)
				stop()
				if got := rec.starts("a"); len(got) != 1 || !got[0].Equal(want) {
					t.Errorf("got runs %v, want one at %v", got, want)
				}
			})
		})
	}
}

func TestNextDueRoundTrip(t *testing.T) {
	const iv = 30 * time.Second
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		ms := []*monitor.Monitor{mon("a", iv), mon("b", iv), mon("c", time.Minute)}
		s1 := New(Options{Run: up, Now: time.Now})
		s1.Update(ms)
		stop := start(t, s1)
		time.Sleep(45 * time.Second)
		stop()
		saved := s1.NextDue()
		want := map[string]time.Time{}
		for _, m := range ms {
			want[m.ID] = phaseDue(m, t0.Add(45*time.Second+1))
		}
		if diff := cmp.Diff(want, saved); diff != "" {
			t.Errorf("NextDue (-want +got):\n%s", diff)
		}
		// Shift the saved times, as if the phases had been chosen otherwise:
		// the restarted scheduler keeps them.
		for id := range saved {
			saved[id] = saved[id].Add(time.Second)
		}
		rec := &recorder{}
		s2 := New(Options{Run: up, Now: time.Now, OnResult: rec.add, Resume: saved})
		s2.Update(ms)
		stop = start(t, s2)
		time.Sleep(time.Minute)
		stop()
		for _, m := range ms {
			if got := rec.starts(m.ID); len(got) == 0 || !got[0].Equal(saved[m.ID]) {
				t.Errorf("%s: got runs %v, want the first at %v", m.ID, got, saved[m.ID])
			}
		}
	})
}

func TestGracefulStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		var ctxErr error
		run := func(ctx context.Context, m *monitor.Monitor) monitor.Result {
			time.Sleep(5 * time.Second)
			ctxErr = ctx.Err()
			return monitor.Result{State: monitor.Up}
		}
		// With one slot, the second monitor waits for the first and never
		// starts: stopping drops it.
		s := New(Options{Run: run, Now: time.Now, OnResult: rec.add, Concurrency: 1,
			Resume: map[string]time.Time{"a": time.Now().Add(time.Second), "b": time.Now().Add(time.Second)}})
		ms := []*monitor.Monitor{mon("a", 30*time.Second), mon("b", 30*time.Second)}
		for _, m := range ms {
			m.Timeout = 10 * time.Second
		}
		s.Update(ms)
		stop := start(t, s)
		time.Sleep(3 * time.Second)
		t1 := time.Now()
		stop()
		if got, want := time.Since(t1), 3*time.Second; got != want {
			t.Errorf("Run returned %v after cancel, want %v (when the check in flight ended)", got, want)
		}
		if got := len(rec.all()); got != 1 {
			t.Errorf("got %d results, want 1", got)
		}
		if ctxErr != nil {
			t.Errorf("check's context: got %v, want nil (not cancelled by the stop)", ctxErr)
		}
		if st := s.Stats(); st.InFlight != 0 || st.Queued != 0 || st.Runs != 1 {
			t.Errorf("got %d in flight, %d queued, %d runs; want 0, 0, 1", st.InFlight, st.Queued, st.Runs)
		}
	})
}

func TestLag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		due := time.Now().Add(time.Second)
		s := New(Options{Run: sleeper(func(*monitor.Monitor, int) time.Duration { return 2 * time.Second }), Now: time.Now, Concurrency: 1,
			Resume: map[string]time.Time{"a": due, "b": due, "c": due}})
		s.Update([]*monitor.Monitor{mon("a", time.Minute), mon("b", time.Minute), mon("c", time.Minute)})
		stop := start(t, s)
		time.Sleep(30 * time.Second)
		stop()
		want := Stats{Monitors: 3, Runs: 3, LagLast: 4 * time.Second, LagMax: 4 * time.Second, LagP99: 4 * time.Second}
		if diff := cmp.Diff(want, s.Stats()); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}
	})
}

func TestPanickingCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		run := func(ctx context.Context, m *monitor.Monitor) monitor.Result {
			if m.ID == "bad" {
				panic("boom")
			}
			return monitor.Result{State: monitor.Up}
		}
		s := New(Options{Run: run, Now: time.Now, OnResult: rec.add, Logger: slog.New(slog.DiscardHandler)})
		s.Update([]*monitor.Monitor{mon("bad", 10*time.Second), mon("good", 10*time.Second)})
		stop := start(t, s)
		time.Sleep(30 * time.Second)
		stop()
		if got := len(rec.starts("bad")); got != 0 {
			t.Errorf("got %d results of the panicking check, want 0", got)
		}
		if got := len(rec.starts("good")); got != 3 {
			t.Errorf("got %d results of the good check, want 3", got)
		}
	})
}

func TestRunErrors(t *testing.T) {
	if err := New(Options{}).Run(context.Background()); err == nil {
		t.Error("Run without a run function: got nil, want an error")
	}
	synctest.Test(t, func(t *testing.T) {
		s := New(Options{Run: up, Now: time.Now})
		stop := start(t, s)
		synctest.Wait()
		if err := s.Run(context.Background()); err == nil {
			t.Error("second Run: got nil, want an error")
		}
		stop()
	})
}

func TestRunsAt(t *testing.T) {
	tests := []struct {
		name      string
		locations []string
		location  string
		want      bool
	}{
		{"no locations, server", nil, monitor.LocalLocation, true},
		{"no locations, agent", nil, "eu", false},
		{"listed", []string{"eu", "us"}, "us", true},
		{"not listed", []string{"eu", "us"}, "ap", false},
		{"server not listed", []string{"eu"}, monitor.LocalLocation, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RunsAt(&monitor.Monitor{Locations: tt.locations}, tt.location); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPhaseDue(t *testing.T) {
	base := time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)
	m := mon("web", 30*time.Second)
	first := phaseDue(m, base)
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"at the phase", first, first},
		{"just after", first.Add(1), first.Add(30 * time.Second)},
		{"a day later", first.Add(24*time.Hour - 1), first.Add(24 * time.Hour)},
		{"before 1970", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).Add(first.Sub(base))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := phaseDue(m, tt.now); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if d := first.Sub(base); d < 0 || d >= 30*time.Second {
		t.Errorf("got first due %v after a whole interval, want within [0, 30s)", d)
	}
}

// Owns splits the slots: a monitor runs only in the slots its scheduler
// owns, on its phase grid, and the others are counted.
func TestOwnsSkipsOthersSlots(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		handover := time.Now().Add(25 * time.Second)
		s := New(Options{Run: up, Location: "local", OnResult: rec.add,
			// "a" is this replica's until the handover, "b" after it.
			Owns: func(m *monitor.Monitor, due time.Time) bool {
				return (m.ID == "a") == due.Before(handover)
			}})
		s.Update([]*monitor.Monitor{mon("a", 10*time.Second), mon("b", 10*time.Second)})
		stop := start(t, s)
		time.Sleep(60 * time.Second)
		stop()
		a, b := rec.starts("a"), rec.starts("b")
		if len(a) < 2 || len(a) > 3 || len(b) < 3 || len(b) > 4 {
			t.Fatalf("a ran %d times, b %d, want a before 25 s and b after", len(a), len(b))
		}
		for _, at := range a {
			if !at.Before(handover) {
				t.Errorf("a ran at %s, after the handover", at)
			}
		}
		for _, at := range b {
			if at.Before(handover) {
				t.Errorf("b ran at %s, before the handover", at)
			}
		}
		if st := s.Stats(); st.Others != uint64(12-len(a)-len(b)) && st.Others != uint64(11-len(a)-len(b)) {
			t.Errorf("others = %d, runs %d", st.Others, st.Runs)
		}
	})
}
