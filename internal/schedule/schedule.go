// Package schedule runs every monitor's check at its interval from one
// timer-driven loop: a min-heap of due times and one timer set to the
// earliest. Each monitor keeps a fixed phase within its interval, derived
// from its id, so first runs spread evenly instead of all starting at once,
// and runs stay on that grid however long the checks take.
package schedule

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/hashmix"
	"github.com/slakeeper/slakeeper/internal/monitor"
)

// RunFunc runs one check of m and returns what it found. It must honour
// ctx's deadline, which the scheduler sets to the monitor's timeout.
type RunFunc func(ctx context.Context, m *monitor.Monitor) monitor.Result

// DefaultConcurrency is how many checks run at once when Options leaves it 0.
const DefaultConcurrency = 256

// lagWindow is how many of the latest runs Stats.LagP99 covers.
const lagWindow = 1024

// Options configures a Scheduler.
type Options struct {
	// Run runs one check; required.
	Run RunFunc
	// Location is written into every result: the name of the place these
	// checks run from (monitor.LocalLocation for the server itself).
	Location string
	// Concurrency bounds the checks in flight; 0 means DefaultConcurrency.
	// Due checks beyond it wait for a slot, and their lag shows it.
	Concurrency int
	// Now is the clock; nil means time.Now. Its time must be the time the
	// runtime's timers follow: time.Now in production and inside a
	// testing/synctest bubble.
	Now func() time.Time
	// OnResult receives every result, one at a time per monitor and in the
	// order of their runs. It is called from the check's goroutine and must
	// not block long: the monitor's next run waits for it.
	OnResult func(monitor.Result)
	// Logger logs checks that panic and monitors that cannot be scheduled;
	// nil discards.
	Logger *slog.Logger
	// Owns, when set, says whether this scheduler makes the run of m due
	// at due: replicas sharing a database split the monitors, and each
	// runs every monitor's grid but checks only its own slots. It is
	// called under the scheduler's lock and must be quick.
	Owns func(m *monitor.Monitor, due time.Time) bool
	// Resume maps monitor ids to the next due times that NextDue returned
	// before a restart, so that each monitor keeps its phase. Each is used
	// once, when the monitor is first added.
	Resume map[string]time.Time
}

// Stats describes the scheduler's load, for metrics.
type Stats struct {
	// Monitors is how many monitors are scheduled.
	Monitors int
	// InFlight is how many checks are running; Queued how many are due but
	// wait for a concurrency slot.
	InFlight int
	Queued   int
	// Runs counts the checks started; Skipped the due runs not made because
	// the monitor's previous run had not finished, or because the scheduler
	// was late by more than an interval.
	Runs    uint64
	Skipped uint64
	// Others counts the due runs left to another replica (Options.Owns).
	Others uint64
	// Lag is how late checks start against their due times: the latest
	// run's, the largest since start, and the 99th percentile of the latest
	// 1,024 runs.
	LagLast time.Duration
	LagMax  time.Duration
	LagP99  time.Duration
}

// Scheduler runs monitors' checks at their intervals. Update and the
// accessors are safe to call while Run runs.
type Scheduler struct {
	run      RunFunc
	location string
	now      func() time.Time
	onResult func(monitor.Result)
	owns     func(*monitor.Monitor, time.Time) bool
	log      *slog.Logger
	sem      chan struct{}
	wake     chan struct{}
	wg       sync.WaitGroup

	mu       sync.Mutex
	entries  map[string]*entry
	queue    dueHeap
	resume   map[string]time.Time
	running  bool
	inFlight int
	queued   int
	runs     uint64
	skipped  uint64
	others   uint64
	lagLast  time.Duration
	lagMax   time.Duration
	lags     []time.Duration // ring of the latest lagWindow lags
	lagNext  int
}

// entry is one scheduled monitor.
type entry struct {
	m       *monitor.Monitor
	due     time.Time
	index   int  // in the heap
	busy    bool // a run is queued or in flight
	removed bool
}

// New returns a scheduler with no monitors; Update adds them.
func New(opts Options) *Scheduler {
	s := &Scheduler{
		run:      opts.Run,
		location: opts.Location,
		now:      opts.Now,
		onResult: opts.OnResult,
		owns:     opts.Owns,
		log:      opts.Logger,
		sem:      make(chan struct{}, cmpOr(opts.Concurrency, DefaultConcurrency)),
		wake:     make(chan struct{}, 1),
		entries:  map[string]*entry{},
		resume:   map[string]time.Time{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for id, t := range opts.Resume {
		s.resume[id] = t
	}
	return s
}

func cmpOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// RunsAt reports whether location runs m's check: m lists it, or m lists no
// location and location is the server's own. The caller gives Update the
// monitors that run where the scheduler runs.
func RunsAt(m *monitor.Monitor, location string) bool {
	if len(m.Locations) == 0 {
		return location == monitor.LocalLocation
	}
	return slices.Contains(m.Locations, location)
}

// Update replaces the scheduled monitors without disturbing the others: a
// new monitor is scheduled at its phase, a removed one is not run again (a
// run in flight finishes, but its result is dropped), and a changed one runs
// with its new settings from its next run on; a changed interval moves it to
// its phase on the new interval. Heartbeat monitors, which the server does
// not run, and monitors without a positive interval are left out.
func (s *Scheduler) Update(monitors []*monitor.Monitor) {
	s.mu.Lock()
	now := s.now()
	seen := make(map[string]bool, len(monitors))
	for _, m := range monitors {
		if m == nil || m.Type == monitor.TypeHeartbeat {
			continue
		}
		if m.Interval <= 0 {
			s.log.Warn("monitor not scheduled: no interval", "monitor", m.ID)
			continue
		}
		seen[m.ID] = true
		e := s.entries[m.ID]
		switch {
		case e == nil:
			e = &entry{m: m, due: s.firstDue(m, now)}
			s.entries[m.ID] = e
			heap.Push(&s.queue, e)
		case e.m.Interval != m.Interval:
			e.m, e.due = m, phaseDue(m, now)
			heap.Fix(&s.queue, e.index)
		default:
			e.m = m
		}
	}
	for id, e := range s.entries {
		if !seen[id] {
			heap.Remove(&s.queue, e.index)
			e.removed = true
			delete(s.entries, id)
		}
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// firstDue is a new monitor's first due time: the one NextDue gave before
// a restart, moved forwards by whole intervals past the runs missed while
// stopped (running them all now would be a thundering herd), or else the
// monitor's phase.
func (s *Scheduler) firstDue(m *monitor.Monitor, now time.Time) time.Time {
	t, ok := s.resume[m.ID]
	delete(s.resume, m.ID)
	if !ok || t.After(now.Add(m.Interval)) {
		return phaseDue(m, now)
	}
	if t.Before(now) {
		k := (now.Sub(t) + m.Interval - 1) / m.Interval
		t = t.Add(k * m.Interval)
	}
	return t
}

// phaseDue is the first instant at or after now at m's phase: the instants
// whose distance from the Unix epoch is, modulo the interval, a fixed hash
// of the monitor's id. Over many monitors the phases spread evenly across
// the interval, and a monitor keeps its phase across restarts.
func phaseDue(m *monitor.Monitor, now time.Time) time.Time {
	iv := int64(m.Interval)
	offset := int64(hash(m.ID) % uint64(iv))
	pos := now.UnixNano() % iv
	if pos < 0 {
		pos += iv
	}
	wait := (offset - pos) % iv
	if wait < 0 {
		wait += iv
	}
	return now.Add(time.Duration(wait))
}

// hash spreads monitor ids over the interval's phases (hashmix: ids
// differing in their last character land far apart).
func hash(id string) uint64 { return hashmix.String(id) }

// Run runs checks as they fall due until ctx is done, then waits for the
// checks in flight to finish and returns nil. Checks in flight are not
// cancelled with ctx (a cancelled check would report a false failure); they
// end by themselves within their timeouts, and their results are delivered.
// Checks still waiting for a concurrency slot are dropped.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.run == nil {
		return errors.New("schedule: no run function")
	}
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("schedule: already running")
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if wait, ok := s.dispatch(ctx); ok {
			timer.Reset(wait)
		} else {
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return nil
		case <-timer.C:
		case <-s.wake:
		}
	}
}

// dispatch starts every due run and returns how long until the next one.
func (s *Scheduler) dispatch(ctx context.Context) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() != nil {
		return 0, false
	}
	now := s.now()
	for len(s.queue) > 0 && !s.queue[0].due.After(now) {
		e := s.queue[0]
		iv := e.m.Interval
		due := e.due
		if late := now.Sub(due); late >= iv {
			// The scheduler itself fell behind (a suspended process, a
			// stalled machine): make the latest missed run only.
			k := late / iv
			due = due.Add(k * iv)
			s.skipped += uint64(k)
		}
		switch {
		case s.owns != nil && !s.owns(e.m, due):
			s.others++
		case e.busy:
			s.skipped++
		default:
			e.busy = true
			s.queued++
			s.wg.Add(1)
			go s.exec(ctx, e, e.m, due)
		}
		// The next run is due an interval after this one was due, whenever
		// this one starts or ends, so the schedule does not drift.
		e.due = due.Add(iv)
		heap.Fix(&s.queue, 0)
	}
	if len(s.queue) == 0 {
		return 0, false
	}
	return s.queue[0].due.Sub(now), true
}

// exec waits for a concurrency slot, runs one check and delivers its result.
func (s *Scheduler) exec(ctx context.Context, e *entry, m *monitor.Monitor, due time.Time) {
	defer s.wg.Done()
	select {
	case s.sem <- struct{}{}:
		if ctx.Err() != nil {
			<-s.sem
			s.abandon(e)
			return
		}
	case <-ctx.Done():
		s.abandon(e)
		return
	}

	s.mu.Lock()
	start := s.now()
	s.queued--
	s.inFlight++
	s.runs++
	s.recordLag(start.Sub(due))
	s.mu.Unlock()

	timeout := m.Timeout
	if timeout <= 0 {
		timeout = m.Interval
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	r, ok := s.call(cctx, m)
	cancel()
	end := s.now()
	<-s.sem

	s.mu.Lock()
	s.inFlight--
	removed := e.removed
	s.mu.Unlock()

	if ok && !removed && s.onResult != nil {
		r.MonitorID = m.ID
		r.Location = s.location
		if r.At.IsZero() {
			r.At = start
		}
		if r.Duration == 0 {
			r.Duration = end.Sub(start)
		}
		s.onResult(r)
	}

	s.mu.Lock()
	e.busy = false
	s.mu.Unlock()
}

// abandon gives up a run that never started because the scheduler stopped.
func (s *Scheduler) abandon(e *entry) {
	s.mu.Lock()
	s.queued--
	e.busy = false
	s.mu.Unlock()
}

// call runs the check. A check that panics is a bug in the check, not
// evidence about the service: it is logged and yields no result.
func (s *Scheduler) call(ctx context.Context, m *monitor.Monitor) (r monitor.Result, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("check panicked", "monitor", m.ID, "type", m.Type, "panic", fmt.Sprint(v))
			ok = false
		}
	}()
	return s.run(ctx, m), true
}

func (s *Scheduler) recordLag(lag time.Duration) {
	s.lagLast = lag
	s.lagMax = max(s.lagMax, lag)
	if len(s.lags) < lagWindow {
		s.lags = append(s.lags, lag)
		return
	}
	s.lags[s.lagNext] = lag
	s.lagNext = (s.lagNext + 1) % lagWindow
}

// Stats returns the scheduler's current load.
func (s *Scheduler) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Monitors: len(s.entries),
		InFlight: s.inFlight,
		Queued:   s.queued,
		Runs:     s.runs,
		Skipped:  s.skipped,
		Others:   s.others,
		LagLast:  s.lagLast,
		LagMax:   s.lagMax,
	}
	if n := len(s.lags); n > 0 {
		lags := slices.Clone(s.lags)
		slices.Sort(lags)
		st.LagP99 = lags[(n*99+99)/100-1]
	}
	return st
}

// NextDue returns each scheduled monitor's next due time, to pass as
// Options.Resume after a restart.
func (s *Scheduler) NextDue() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.entries))
	for id, e := range s.entries {
		out[id] = e.due
	}
	return out
}

// dueHeap orders entries by due time.
type dueHeap []*entry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *dueHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}
