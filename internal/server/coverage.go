package server

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// coverageEvery is how often the runs of monitoring coverage are written;
// a report flushes them first (freshStore), so none is stale.
const coverageEvery = 10 * time.Second

// coverage tracks, per component, the runs of monitoring: a check result
// at t covers [t, t + interval + slack) of its component, whatever it
// found; a result within a run extends it, one after a gap starts another
// (and so does a late one before every run, such as an agent delivering
// its buffer after an outage). Runs are written to the store (PutCoverage
// keeps the later end) every coverageEvery, at shutdown and before a
// report, and the reports read them as coverage evidence: what a period's
// monitoring covered. A crash loses at most the extension since the last
// write; a restart starts a new run.
type coverage struct {
	mu sync.Mutex
	// runs are the runs this process has seen lately, per component,
	// sorted by start; pending the ones changed since the last write.
	runs    map[string][]*store.CoverageRun
	pending map[runKey]time.Time
	// latest is the newest result seen: runs that ended keepRuns before
	// it are forgotten (they are written).
	latest time.Time
	// writeMu orders the writes, so that a failed one puts its runs back
	// before another takes them.
	writeMu sync.Mutex
}

// keepRuns is how long a run that ended stays in memory, to be extended
// by late results.
const keepRuns = 48 * time.Hour

type runKey struct {
	component string
	start     time.Time
}

func newCoverage() *coverage {
	return &coverage{runs: map[string][]*store.CoverageRun{}, pending: map[runKey]time.Time{}}
}

// span is how long a result of m covers its component: its interval (a
// heartbeat's interval and grace), and a slack for the scheduler's jitter
// of at most a minute.
func span(m *monitor.Monitor) time.Duration {
	d := m.Interval
	if m.Heartbeat != nil {
		d += m.Heartbeat.Grace
	}
	return d + min(m.Interval, time.Minute)
}

// observe extends the coverage with results.
func (c *coverage) observe(cfg *config.Config, rs []monitor.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rs {
		m := cfg.Monitor(r.MonitorID)
		if m == nil || m.Component == "" || r.At.IsZero() {
			continue
		}
		at := r.At.UTC().Truncate(time.Millisecond)
		end := at.Add(span(m))
		if at.After(c.latest) {
			c.latest = at
		}
		runs := c.runs[m.Component]
		// The last run starting at or before at: the one it may extend.
		i := sort.Search(len(runs), func(i int) bool { return runs[i].Start.After(at) }) - 1
		var run *store.CoverageRun
		switch {
		case i >= 0 && !at.After(runs[i].End):
			run = runs[i]
			if !end.After(run.End) {
				continue
			}
			run.End = end
		default:
			run = &store.CoverageRun{Component: m.Component, Start: at, End: end}
			runs = slices.Insert(runs, i+1, run)
		}
		c.pending[runKey{run.Component, run.Start}] = run.End
		// Forget what no result will extend any more.
		cut := c.latest.Add(-keepRuns)
		runs = slices.DeleteFunc(runs, func(x *store.CoverageRun) bool { return x.End.Before(cut) && x != run })
		c.runs[m.Component] = runs
	}
}

// flush writes the runs changed since the last flush.
func (c *coverage) flush(ctx context.Context, st store.Store) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return nil
	}
	runs := make([]store.CoverageRun, 0, len(c.pending))
	taken := c.pending
	for k, end := range taken {
		runs = append(runs, store.CoverageRun{Component: k.component, Start: k.start, End: end})
	}
	c.pending = map[runKey]time.Time{}
	c.mu.Unlock()
	if err := st.PutCoverage(ctx, runs); err != nil {
		// Put back what was not written, unless a later end came meanwhile.
		c.mu.Lock()
		for k, end := range taken {
			if end.After(c.pending[k]) {
				c.pending[k] = end
			}
		}
		c.mu.Unlock()
		return err
	}
	return nil
}

// coverageLoop writes the coverage every coverageEvery until ctx ends,
// and once more then.
func (s *Server) coverageLoop(ctx context.Context) {
	t := time.NewTicker(coverageEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := s.cov.flush(fctx, s.store); err != nil {
				s.log.Error("write monitoring coverage at shutdown", "err", err)
			}
			if err := s.perf.flush(fctx, s.store); err != nil {
				s.log.Error("write performance samples at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
		}
		if err := s.cov.flush(ctx, s.store); err != nil && ctx.Err() == nil {
			s.log.Error("write monitoring coverage", "err", err)
		}
		if err := s.perf.flush(ctx, s.store); err != nil && ctx.Err() == nil {
			s.log.Error("write performance samples", "err", err)
		}
	}
}

// freshStore is the store as the surfaces read it: the coverage and the
// samples are written first, so that a report counts every result
// acknowledged before it was asked for.
type freshStore struct {
	store.Store
	cov  *coverage
	perf *samples
}

func (f freshStore) Samples(ctx context.Context, from, to time.Time) ([]store.SampleSum, error) {
	if err := f.perf.flush(ctx, f.Store); err != nil {
		return nil, err
	}
	return f.Store.Samples(ctx, from, to)
}

func (f freshStore) Coverage(ctx context.Context, before time.Time) ([]store.CoverageRun, error) {
	if err := f.cov.flush(ctx, f.Store); err != nil {
		return nil, err
	}
	return f.Store.Coverage(ctx, before)
}
