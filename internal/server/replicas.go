package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slakeeper/slakeeper/internal/cluster"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// replica is this server's part in a cluster: the servers that share one
// PostgreSQL database (docs/architecture.md, "Replicas"). Each monitor
// belongs to one live replica (internal/cluster): that replica runs its
// checks, holds its detector state and writes its status facts, alerts and
// heartbeat verdicts. A replica that receives results of a monitor it does
// not watch (an agent or a heartbeat job calls any replica) stores them and
// queues them for the watcher in the handoff table.
type replica struct {
	id, name string
	// cfg is read at start: every replica must keep the same timings.
	cfg  config.Cluster
	view atomic.Pointer[cluster.View]

	mu sync.Mutex
	// held are the monitors whose detector state this replica has taken
	// over (seeded from the store) and keeps up to date.
	held map[string]bool

	members, owned prometheus.Gauge
	handedOff      prometheus.Counter
	renewFails     prometheus.Counter
	failing        bool // the last renewal failed: log the first failure and the recovery only
}

// handoffBatch is how many queued results one take reads.
const handoffBatch = 1000

func newReplica(reg prometheus.Registerer, cfg config.Cluster) (*replica, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	r := &replica{
		id:   hex.EncodeToString(b),
		cfg:  cfg,
		name: fmt.Sprintf("%s:%d", host, os.Getpid()),
		held: map[string]bool{},
		members: prometheus.NewGauge(prometheus.GaugeOpts{Name: "slakeeper_cluster_replicas",
			Help: "Replicas alive on this database, as this replica sees them."}),
		owned: prometheus.NewGauge(prometheus.GaugeOpts{Name: "slakeeper_cluster_monitors_watched",
			Help: "Monitors this replica checks and watches."}),
		handedOff: prometheus.NewCounter(prometheus.CounterOpts{Name: "slakeeper_cluster_handoffs_total",
			Help: "Results this replica received for a monitor another replica watches, queued for it."}),
		renewFails: prometheus.NewCounter(prometheus.CounterOpts{Name: "slakeeper_cluster_renew_errors_total",
			Help: "Membership renewals that failed (the database was unreachable)."}),
	}
	for _, c := range []prometheus.Collector{r.members, r.owned, r.handedOff, r.renewFails} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// owns is the scheduler's Options.Owns: whether this replica checks m in
// its slot due at.
func (s *Server) owns(m *monitor.Monitor, due time.Time) bool {
	return s.rep.view.Load().Owns(m.ID, due)
}

// watches reports whether this replica observes monitor id's results now.
func (s *Server) watches(id string) bool {
	if s.rep == nil {
		return true
	}
	s.rep.mu.Lock()
	defer s.rep.mu.Unlock()
	return s.rep.held[id]
}

// renew renews this replica's membership and refreshes its view.
func (s *Server) renew(ctx context.Context) error {
	c := s.rep.cfg
	before := s.now()
	r, err := s.store.RenewReplica(ctx, s.rep.id, s.rep.name, c.Lease, c.Grace())
	if err != nil {
		s.rep.renewFails.Inc()
		if !s.rep.failing {
			s.rep.failing = true
			s.log.Error("replica: cannot renew membership; checking the same monitors until the database answers", "replica", s.rep.id, "err", err)
		}
		return err
	}
	if s.rep.failing {
		s.rep.failing = false
		s.log.Info("replica: membership renewed again", "replica", s.rep.id)
	}
	after := s.now()
	mid := before.Add(after.Sub(before) / 2)
	v := &cluster.View{Self: s.rep.id, Taken: r.Now, Skew: r.Now.Sub(mid), Lease: c.Lease, Members: r.Members}
	old := s.rep.view.Swap(v)
	if alive, was := v.Alive(after), old.Alive(after); len(alive) != len(was) {
		s.log.Info("replica: members changed", "replica", s.rep.id, "alive", len(alive), "before", len(was))
	}
	s.rep.members.Set(float64(len(v.Alive(after))))
	return nil
}

// clusterLoop renews the membership every heartbeat and, apart (a
// takeover of thousands of monitors must not delay a renewal past the
// lease), takes over the monitors that became this replica's and takes
// the results queued for it, until ctx ends; then it leaves, so that the
// others take its monitors at once instead of after a lease.
func (s *Server) clusterLoop(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(min(s.rep.cfg.Heartbeat, time.Second))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := s.rebalance(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("replica: take over monitors", "err", err)
				continue
			}
			if !s.ready.Load() && ctx.Err() == nil && slices.Contains(s.rep.view.Load().Alive(s.now()), s.rep.id) {
				// At work and its monitors taken over: /readyz says so,
				// and a rolling upgrade may stop the next replica.
				s.ready.Store(true)
			}
			if err := s.takeHandoffs(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("replica: take queued results", "err", err)
			}
		}
	})
	t := time.NewTicker(s.rep.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			if err := s.store.LeaveReplica(lctx, s.rep.id); err != nil {
				s.log.Warn("replica: leave", "err", err)
			}
			cancel()
			return
		case <-t.C:
			s.renew(ctx) // logged inside; the last view stays in force
		}
	}
}

// rebalance takes over the monitors this replica now owns and lets go of
// those it no longer does.
func (s *Server) rebalance(ctx context.Context) error {
	v, now := s.rep.view.Load(), s.now()
	var gained []*monitor.Monitor
	s.rep.mu.Lock()
	n := 0
	for _, m := range s.Config().Monitors {
		own := v.Owns(m.ID, now)
		switch {
		case own && !s.rep.held[m.ID]:
			gained = append(gained, m)
		case !own && s.rep.held[m.ID]:
			delete(s.rep.held, m.ID)
		}
		if own {
			n++
		}
	}
	s.rep.mu.Unlock()
	s.rep.owned.Set(float64(n))
	if len(gained) == 0 {
		return nil
	}
	return s.takeover(ctx, gained)
}

// takeover seeds the detector state of monitors this replica just took
// over (seed) and marks them held.
func (s *Server) takeover(ctx context.Context, ms []*monitor.Monitor) error {
	if err := s.seed(ctx, ms, func(m *monitor.Monitor) {
		s.rep.mu.Lock()
		s.rep.held[m.ID] = true
		s.rep.mu.Unlock()
	}); err != nil {
		return err
	}
	s.log.Info("replica: took over monitors", "replica", s.rep.id, "monitors", len(ms))
	return nil
}

// seed rebuilds the detector state of monitors from what the store holds:
// each monitor's latest status fact, and the results since (at most the
// last twenty intervals, at least ten minutes). A standing outage stays
// one outage (no second fact however long it has lasted), a confirmation
// the server (or another replica) died before writing is written now
// (fact ids are derived from their content, so one already written is
// not written again), and streaks in progress go on. It reads one query
// of status facts and one of results per monitor, so a start or a
// takeover costs a few results per monitor, not a day of them. done, if
// set, is called for each monitor seeded.
func (s *Server) seed(ctx context.Context, ms []*monitor.Monitor, done func(*monitor.Monitor)) error {
	now := s.now()
	latest, err := s.storedVerdicts(ctx, now)
	if err != nil {
		return err
	}
	for _, m := range ms {
		st := latest[m.ID]
		from := now.Add(-max(20*m.Interval, 10*time.Minute))
		if st.Since.After(from) {
			from = st.Since
		}
		rs, err := s.store.Results(ctx, m.ID, from, now.Add(time.Minute))
		if err != nil {
			return fmt.Errorf("seed %s: %w", m.ID, err)
		}
		// What an agent sends again after the restart is counted once.
		s.perf.seen(rs)
		s.obsMu.Lock()
		s.det.Seed(m.ID, st.Status, st.Since)
		for _, r := range rs {
			err := s.writeChanges(ctx, s.det.Observe(r))
			if errors.Is(err, store.ErrConflict) {
				// The stored fact stands; a replay must never stop a start.
				s.log.Warn("replay: a replayed status change differs from the stored one; keeping the stored one", "monitor", m.ID, "err", err)
				s.replayConflict(m.ID, err)
				continue
			}
			if err != nil {
				s.obsMu.Unlock()
				return fmt.Errorf("seed %s: %w", m.ID, err)
			}
		}
		s.obsMu.Unlock()
		if m.Type == monitor.TypeHeartbeat && len(rs) > 0 {
			s.beatAt(m.ID, rs[len(rs)-1].At)
		}
		if done != nil {
			done(m)
		}
	}
	return nil
}

// beatAt records a heartbeat job's call at t, unless a later one is known.
func (s *Server) beatAt(id string, t time.Time) {
	s.hbMu.Lock()
	if t.After(s.lastBeat[id]) {
		s.lastBeat[id] = t
	}
	s.hbMu.Unlock()
}

// route splits stored results into those this replica observes now and
// those it queues for the replica that watches their monitor. Results
// from outside (local false: agents, heartbeat jobs) always go through the
// queue while more than one replica is alive, so that each location's
// results reach the detector in the order they were received whichever
// replica received them.
func (s *Server) route(ctx context.Context, rs []monitor.Result, local bool) ([]monitor.Result, error) {
	if s.rep == nil {
		return rs, nil
	}
	v, now := s.rep.view.Load(), s.now()
	single := len(v.Alive(now)) == 1
	var keep []monitor.Result
	var queue []store.Handoff
	s.rep.mu.Lock()
	for _, r := range rs {
		owner := v.Owner(r.MonitorID, now)
		if owner == s.rep.id && s.rep.held[r.MonitorID] && (local || single) {
			keep = append(keep, r)
			continue
		}
		queue = append(queue, store.Handoff{Owner: owner, Result: r})
	}
	s.rep.mu.Unlock()
	if len(queue) > 0 {
		if err := s.store.HandOff(ctx, queue); err != nil {
			return keep, err
		}
		s.rep.handedOff.Add(float64(len(queue)))
	}
	return keep, nil
}

// takeHandoffs observes the results queued for this replica, and those
// queued for replicas that are gone; results of monitors another replica
// watches now are queued again for it.
func (s *Server) takeHandoffs(ctx context.Context) error {
	v, now := s.rep.view.Load(), s.now()
	alive := v.Alive(now)
	self := false
	for _, id := range alive {
		self = self || id == s.rep.id
	}
	if !self {
		// Not at work yet (or any more): what it took it could only queue
		// again.
		return nil
	}
	for {
		hs, err := s.store.TakeHandoffs(ctx, s.rep.id, alive, handoffBatch)
		if err != nil {
			return err
		}
		var mine []monitor.Result
		var again []store.Handoff
		s.rep.mu.Lock()
		for _, h := range hs {
			r := h.Result
			switch owner := v.Owner(r.MonitorID, now); {
			case owner == s.rep.id && s.rep.held[r.MonitorID]:
				mine = append(mine, r)
			case owner == s.rep.id || owner == "":
				// Not taken over yet: kept for the next round.
				again = append(again, store.Handoff{Owner: owner, Result: r})
			default:
				again = append(again, store.Handoff{Owner: owner, Result: r})
			}
		}
		s.rep.mu.Unlock()
		// A result the takeover replayed from the store is not counted
		// twice.
		fresh := mine[:0]
		for _, r := range mine {
			if r.At.After(s.det.Last(r.MonitorID, r.Location)) {
				fresh = append(fresh, r)
			}
			if m := s.Config().Monitor(r.MonitorID); m != nil && m.Type == monitor.TypeHeartbeat {
				s.beatAt(r.MonitorID, r.At)
			}
		}
		if err := s.observe(ctx, fresh); err != nil {
			return err
		}
		if err := s.store.HandOff(ctx, again); err != nil {
			return err
		}
		if len(hs) < handoffBatch || len(again) == len(hs) {
			return nil
		}
	}
}
