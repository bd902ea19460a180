//go:build unix

package schedule

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// cpuTime is the user and system CPU time the process has used.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func tenThousand() []*monitor.Monitor {
	ms := make([]*monitor.Monitor, 10000)
	for i := range ms {
		ms[i] = mon(fmt.Sprintf("monitor-%05d", i), 30*time.Second)
	}
	return ms
}

// TestTenThousand runs 10,000 monitors at 30s for ten simulated intervals:
// every monitor runs every interval, about 333 a second, never more than
// twice that in any second. It logs the CPU time spent per simulated
// second; the fake clock skips the idle time, so that is the scheduler's
// own cost (plus synctest's).
func TestTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 monitors")
	}
	const intervals = 10
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		var perSecond [intervals * 30]atomic.Int32
		var results atomic.Int64
		s := New(Options{Run: up, Now: time.Now, OnResult: func(r monitor.Result) {
			results.Add(1)
			perSecond[r.At.Sub(t0)/time.Second].Add(1)
		}})
		s.Update(tenThousand())
		cpu0 := cpuTime(t)
		stop := start(t, s)
		time.Sleep(intervals*30*time.Second - 1)
		stop()
		cpu := cpuTime(t) - cpu0

		if got, want := results.Load(), int64(intervals*10000); got != want {
			t.Errorf("got %d runs, want %d", got, want)
		}
		lo, hi := int32(1<<30), int32(0)
		for i := range perSecond {
			n := perSecond[i].Load()
			lo, hi = min(lo, n), max(hi, n)
		}
		if hi > 2*333 || lo < 333/2 {
			t.Errorf("got between %d and %d starts a second, want about 333 (within ×2)", lo, hi)
		}
		st := s.Stats()
		if st.Skipped != 0 || st.LagMax != 0 {
			t.Errorf("got %d skipped, max lag %v; want 0, 0", st.Skipped, st.LagMax)
		}
		t.Logf("%d runs, %d–%d starts a second; CPU %v for %d simulated seconds: %v a second (%.2f%% of a core)",
			results.Load(), lo, hi, cpu, intervals*30, cpu/(intervals*30), 100*cpu.Seconds()/(intervals*30))
	})
}

// BenchmarkScheduler10k runs 10,000 monitors at 30s with a no-op check on
// the real clock, one second of wall time per iteration, and reports the
// process's CPU use as a percentage of one core, with the checks run a
// second and the CPU time per check.
//
//	go test ./internal/schedule -run '^$' -bench Scheduler10k -benchtime 5x
func BenchmarkScheduler10k(b *testing.B) {
	var runs atomic.Int64
	s := New(Options{Run: up, Now: time.Now, OnResult: func(monitor.Result) { runs.Add(1) }})
	s.Update(tenThousand())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(time.Second) // past the start-up

	cpu0, runs0, wall0 := cpuTime(b), runs.Load(), time.Now()
	b.ResetTimer()
	for range b.N {
		time.Sleep(time.Second)
	}
	b.StopTimer()
	cpu, n, wall := cpuTime(b)-cpu0, runs.Load()-runs0, time.Since(wall0)
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%cpu")
	b.ReportMetric(float64(n)/wall.Seconds(), "runs/s")
	if n > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/run")
	}
	st := s.Stats()
	b.ReportMetric(float64(st.LagP99.Microseconds()), "lag-p99-µs")
}
