// Package server is the core of slakeeper's running service: it owns the
// process (start, reload, readiness, shutdown), schedules the checks,
// takes results from the scheduler, heartbeats and probe agents, stores
// them, turns confirmed state changes into status facts, and wires the
// services (auth, outbox, incidents) and the HTTP surfaces (public, api,
// admin) that routes.go mounts.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/detect"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/probe"
	"github.com/slakeeper/slakeeper/internal/schedule"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/tickets"
)

// Options are the server's dependencies.
type Options struct {
	Store  store.Store
	Config *config.Config
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Run runs one check; nil means the built-in probes.
	Run schedule.RunFunc
	// Registry receives the server's metrics; nil makes a new one.
	Registry *prometheus.Registry
	// Concurrency bounds the checks in flight; 0 is the scheduler default.
	Concurrency int
	// Notify tunes the notification outbox's retries (tests shorten
	// them); its dependencies are filled in by New.
	Notify outbox.Options
}

// Server is one slakeeper server process.
type Server struct {
	// remote is, on a replica, the verdicts of the monitors other
	// replicas watch, from their latest status facts (syncConsole).
	remote  atomic.Pointer[map[string]monitors.Verdict]
	store   store.Store
	batcher *store.Batcher
	// spill keeps the server's check results while the store is down.
	spill   *spill
	cfg     atomic.Pointer[config.Config]
	log     *slog.Logger
	now     func() time.Time
	sched   atomic.Pointer[schedule.Scheduler]
	run     schedule.RunFunc
	conc    int
	metrics *metrics
	reg     *prometheus.Registry

	// obsMu orders detector observations with the facts they produce, so
	// facts are written in the order the detector emits them.
	obsMu sync.Mutex
	det   *detect.Detector

	hbMu     sync.Mutex
	lastBeat map[string]time.Time // heartbeat monitor → last push or last down result

	ready atomic.Bool

	// The services the surfaces share: who is calling, the notification
	// outbox, and incidents with maintenance and obligations.
	auth      *auth.Auth
	outbox    *outbox.Service
	incidents *incidents.Service
	tickets   *tickets.Service
	ticketAl  *tickets.Alerts
	// ledger closes periods and keeps the credit ledger (set by routes,
	// which makes the intake it writes claims through).
	ledger *ledger.Service
	// rep is this server's part in a cluster of replicas sharing a
	// PostgreSQL database (replicas.go); nil on SQLite, single-process.
	rep *replica
	// agents are the silent agent locations (agents.go); notices what
	// the dashboard shows the operators (notices.go).
	agents  agents
	notices notices
	// burn tracks the burn-rate alerts firing (burn.go).
	burn burning
	// mux is the HTTP surface, mounted once by New (routes.go).
	mux http.Handler
	// cov is the monitoring coverage in progress (coverage.go), perf the
	// performance measured (samples.go).
	cov  *coverage
	perf *samples
	// mon keeps the monitors console's figures (console.go).
	mon *monitors.Tracker
}

// New builds a server. It does not start anything; call Run.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Config == nil {
		return nil, errors.New("server: store and config are required")
	}
	s := &Server{store: opts.Store, log: opts.Logger, now: opts.Now, reg: opts.Registry, lastBeat: map[string]time.Time{}, cov: newCoverage(), perf: newSamples()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	run := opts.Run
	if run == nil {
		reg := probe.Default()
		run = func(ctx context.Context, m *monitor.Monitor) monitor.Result { return reg.Run(ctx, m, s.now) }
	}
	s.cfg.Store(opts.Config)
	s.agents.silent = map[string]time.Time{}
	// The console counts the results from now on; what is stored from
	// before, warmConsole reads.
	s.mon = monitors.NewTracker(s.now().UTC().Truncate(time.Minute))
	// Group commit: at 10,000 monitors every 30 s, one transaction (and
	// one fsync) a tenth of a second instead of one per result.
	s.batcher = store.NewBatcher(opts.Store, 2000, 100*time.Millisecond, s.log)
	s.spill = newSpill()
	s.det = detect.New(opts.Config.Monitors)
	s.run, s.conc = run, opts.Concurrency
	// Sessions expire by the server's clock, in the store as here.
	opts.Store.SetClock(s.now)
	s.metrics = newMetrics(s)
	var err error
	if err = s.reg.Register(s.metrics); err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	if sh, ok := opts.Store.(interface{ Shared() bool }); ok && sh.Shared() {
		if s.rep, err = newReplica(s.reg, opts.Config.Cluster); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	s.auth = auth.New(opts.Store, s.Config, s.now, s.log)
	no := opts.Notify
	no.Store, no.Config, no.Now, no.Logger, no.Registry = opts.Store, s.Config, s.now, s.log, s.reg
	if s.outbox, err = outbox.New(no); err != nil {
		return nil, err
	}
	if s.incidents, err = incidents.New(incidents.Options{Store: opts.Store, Config: s.Config, Now: s.now, Logger: s.log, Publisher: s.outbox}); err != nil {
		return nil, err
	}
	if s.tickets, err = tickets.New(opts.Store, s.Config, s.now); err != nil {
		return nil, err
	}
	if s.ticketAl, err = tickets.NewAlerts(s.tickets, s.outbox, s.log, s.reg); err != nil {
		return nil, err
	}
	// Templates are parsed here, so a broken one fails at start-up.
	if s.mux, err = s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Config returns the configuration in force.
func (s *Server) Config() *config.Config { return s.cfg.Load() }

// localMonitors are the monitors this server runs itself.
func (s *Server) localMonitors(c *config.Config) []*monitor.Monitor {
	var out []*monitor.Monitor
	for _, m := range c.Monitors {
		if m.Type != monitor.TypeHeartbeat && schedule.RunsAt(m, c.Server.Location) {
			out = append(out, m)
		}
	}
	return out
}

// Reload switches to a new configuration without restarting: the scheduler
// and the detector pick up added, removed and changed monitors.
func (s *Server) Reload(c *config.Config) {
	s.cfg.Store(c)
	if sc := s.sched.Load(); sc != nil {
		sc.Update(s.localMonitors(c))
	}
	s.obsMu.Lock()
	var changes []detect.Change
	for _, ch := range s.det.Update(c.Monitors) {
		// Another replica's monitor is that replica's to report.
		if s.watches(ch.Monitor) {
			changes = append(changes, ch)
		}
	}
	err := s.writeChanges(context.Background(), changes)
	s.obsMu.Unlock()
	if err != nil {
		s.log.Error("write status changes after reload", "err", err)
	}
	// The console's figures of a monitor the reload removed go with it.
	keep := make(map[string]bool, len(c.Monitors))
	for _, m := range c.Monitors {
		keep[m.ID] = true
	}
	s.mon.Forget(keep)
	s.metrics.reloads.Inc()
	s.reloaded()
	s.log.Info("configuration loaded", "file", c.File, "monitors", len(c.Monitors), "policies", len(c.Policies))
}

// Run starts the checks and the background jobs and blocks until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	c := s.Config()
	opts := schedule.Options{Run: s.run, Location: c.Server.Location, Concurrency: s.conc, Now: s.now, Logger: s.log,
		OnResult: s.onResult}
	if s.rep != nil {
		// A replica joins before it checks anything, and rebuilds the
		// detector state of each monitor as it takes it over
		// (replicas.go), instead of all of them at start.
		if err := s.renew(ctx); err != nil {
			return fmt.Errorf("join the replicas: %w", err)
		}
		opts.Owns = s.owns
		s.log.Info("replica joined", "replica", s.rep.id, "name", s.rep.name, "takes_work_in", s.rep.cfg.Grace())
	} else if err := s.resume(ctx, c); err != nil {
		// No due times need saving: each monitor's phase within its
		// interval is derived from its id, so a restarted scheduler keeps
		// the grid.
		return err
	}
	sc := schedule.New(opts)
	sc.Update(s.localMonitors(s.Config()))
	s.sched.Store(sc)
	// A replica is ready once it has taken its monitors over (clusterLoop).
	s.ready.Store(s.rep == nil)
	var wg sync.WaitGroup
	wg.Go(func() { s.heartbeats(ctx) })
	wg.Go(func() { s.retention(ctx) })
	wg.Go(func() { s.incidents.Run(ctx) }) // maintenance series, window events, obligation reminders
	wg.Go(func() { s.outbox.Run(ctx) })
	wg.Go(func() { s.coverageLoop(ctx) })
	wg.Go(func() { s.ticketAl.Run(ctx) }) // ticket breach warnings and metrics
	wg.Go(func() { s.replaySpill(ctx) })  // results kept while the store was down
	wg.Go(func() { s.everyOnOne(ctx, "agents", agentsEvery, "judge the agents' silence", s.checkAgents) })
	wg.Go(func() { s.everyOnOne(ctx, "burn", burnEvery, "judge the error budgets' burn rates", s.checkBurn) })
	wg.Go(func() { s.warmConsole(ctx) }) // the monitors console's figures from before the start
	if s.rep != nil {
		wg.Go(func() { s.clusterLoop(ctx) }) // membership, takeovers, results queued by other replicas
		wg.Go(func() { s.syncConsole(ctx) }) // the console's figures of the monitors other replicas watch
	}
	if lc := c.Ledger; !lc.Off {
		wg.Go(func() { s.ledger.Run(ctx, lc.Every, lc.Settle) }) // month-end closes, adjustments after late evidence
	}
	err := sc.Run(ctx)
	s.ready.Store(false)
	wg.Wait()
	s.ready.Store(false) // a replica's loop may have set it meanwhile
	// Commit what the last checks produced before the store closes.
	s.batcher.Close()
	return err
}

// resume rebuilds the detector from the store at start, so a restart
// (even after kill -9) neither forgets an outage in progress nor records
// it twice (seed, replicas.go).
func (s *Server) resume(ctx context.Context, c *config.Config) error {
	return s.seed(ctx, c.Monitors, nil)
}

// Ingest stores results (returning once they are acknowledged) and feeds
// them to the detector; confirmed changes become status facts.
func (s *Server) Ingest(ctx context.Context, rs []monitor.Result) error {
	if err := s.storeResults(ctx, rs); err != nil {
		return err
	}
	return s.accept(ctx, rs, false)
}

// accept observes stored results, or queues them for the replica that
// watches their monitor (route). local tells the server's own checks
// from results received from outside.
func (s *Server) accept(ctx context.Context, rs []monitor.Result, local bool) error {
	keep, err := s.route(ctx, rs, local)
	if err != nil {
		return err
	}
	return s.observe(ctx, keep)
}

// storeResults stores results, returning once they are acknowledged.
func (s *Server) storeResults(ctx context.Context, rs []monitor.Result) error {
	start := time.Now()
	var err error
	if len(rs) == 1 {
		err = s.batcher.Add(ctx, rs[0])
	} else {
		err = s.store.AppendResults(ctx, rs)
	}
	s.metrics.storeWrite.Observe(time.Since(start).Seconds())
	return err
}

// observe feeds stored results to the coverage, the performance samples,
// the metrics and the detector, whose confirmed changes become facts.
func (s *Server) observe(ctx context.Context, rs []monitor.Result) error {
	c := s.Config()
	s.cov.observe(c, rs)
	s.perf.observe(c, rs)
	s.mon.Observe(rs)
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	for _, r := range rs {
		s.metrics.observe(r)
		if err := s.writeChanges(ctx, s.det.Observe(r)); err != nil {
			return err
		}
	}
	return nil
}

// writeChanges stores confirmed status changes as facts. Ids are derived
// from the content so that replaying the same results writes nothing new.
func (s *Server) writeChanges(ctx context.Context, changes []detect.Change) error {
	if len(changes) == 0 {
		return nil
	}
	fs := make([]store.Fact, 0, len(changes))
	for _, ch := range changes {
		id := fmt.Sprintf("st:%s:%d:%s", ch.Monitor, ch.At.Unix(), ch.Status)
		f := ch.Fact(id)
		// Results are stored to the millisecond; cite them so, or a fact
		// rebuilt from stored results at restart would differ from the one
		// written live.
		evidence := make([]detect.Evidence, len(ch.Evidence))
		for i, e := range ch.Evidence {
			e.At = e.At.UTC().Truncate(time.Millisecond)
			evidence[i] = e
		}
		body, err := json.Marshal(statusLine{Type: "status", ID: id, At: f.At.UTC().Format(time.RFC3339), Component: f.Component, Status: string(f.Status), Source: f.Source, Evidence: evidence})
		if err != nil {
			return err
		}
		fs = append(fs, store.Fact{ID: id, Type: "status", At: f.At, JSON: body})
		s.log.Info("status change", "component", ch.Component, "monitor", ch.Monitor, "status", ch.Status, "at", ch.At)
		s.metrics.changes.WithLabelValues(string(ch.Status)).Inc()
	}
	if err := s.store.AppendFacts(ctx, fs); err != nil {
		return err
	}
	// Alerts and automatic incidents (changes.go).
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	s.afterChanges(ctx, changes, ids)
	return nil
}

type statusLine struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	At        string `json:"at"`
	Component string `json:"component"`
	Status    string `json:"status"`
	Source    string `json:"source"`
	// Evidence cites the check results that established the change.
	Evidence []detect.Evidence `json:"evidence,omitempty"`
}

// heartbeats turns missing pushes into down results: a heartbeat monitor
// with no call within interval + grace is down, once per interval while it
// stays silent.
func (s *Server) heartbeats(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	started := s.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.now()
		for _, m := range s.Config().Monitors {
			if m.Type != monitor.TypeHeartbeat || m.Heartbeat == nil || !s.watches(m.ID) {
				continue
			}
			s.hbMu.Lock()
			last, ok := s.lastBeat[m.ID]
			if !ok {
				last = started
			}
			due := !now.Before(last.Add(m.Interval + m.Heartbeat.Grace))
			if due {
				// The next down result comes one interval later.
				s.lastBeat[m.ID] = now.Add(-m.Heartbeat.Grace)
			}
			s.hbMu.Unlock()
			if due {
				r := monitor.Result{MonitorID: m.ID, Location: s.Config().Server.Location, At: now, State: monitor.Down,
					Message: fmt.Sprintf("no heartbeat since %s (interval %s + grace %s)", last.UTC().Format(time.RFC3339), m.Interval, m.Heartbeat.Grace)}
				err := s.storeResults(ctx, []monitor.Result{r})
				if err == nil {
					err = s.accept(ctx, []monitor.Result{r}, true)
				}
				if err != nil && ctx.Err() == nil {
					s.log.Error("store heartbeat result", "monitor", m.ID, "err", err)
				}
			}
		}
	}
}

// Beat records a push from a heartbeat monitor's job.
// A job declared a backup or restore-test job (heartbeat.records) also
// leaves the evidence of its run: a backup or restore_test fact of the
// monitor's component, ok unless it reported a failure, whose id is
// returned ("" for other jobs).
func (s *Server) Beat(ctx context.Context, m *monitor.Monitor, state monitor.State, msg string) (string, error) {
	now := s.now()
	s.hbMu.Lock()
	s.lastBeat[m.ID] = now
	s.hbMu.Unlock()
	if err := s.Ingest(ctx, []monitor.Result{{MonitorID: m.ID, Location: s.Config().Server.Location, At: now, State: state, Message: msg}}); err != nil {
		return "", err
	}
	if m.Heartbeat == nil || m.Heartbeat.Records == "" {
		return "", nil
	}
	// One fact per second of calls: a job that calls twice in a second
	// ran once as far as the objectives count.
	at := now.UTC().Truncate(time.Second)
	id := fmt.Sprintf("%s:%s:%d", m.Heartbeat.Records, m.ID, at.Unix())
	body, err := json.Marshal(runFact{Type: m.Heartbeat.Records, ID: id, At: at.Format(time.RFC3339), Component: m.Component, OK: state == monitor.Up})
	if err != nil {
		return "", err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{{ID: id, Type: m.Heartbeat.Records, At: at, JSON: body}}); err != nil {
		return "", fmt.Errorf("record the %s of %s: %w", m.Heartbeat.Records, m.ID, err)
	}
	return id, nil
}

// runFact is a backup or restore_test fact in the wire format.
type runFact struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	At        string `json:"at"`
	Component string `json:"component,omitempty"`
	OK        bool   `json:"ok"`
}

// retention rolls the per-minute aggregates older than store.MinutesKept
// up into hourly ones and prunes old data, hourly, in small steps.
func (s *Server) retention(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		c := s.Config()
		now := s.now()
		r, err := s.store.RollUp(ctx, now.Add(-store.MinutesKept), 1000)
		if err != nil && ctx.Err() == nil {
			s.log.Error("roll up minutes", "err", err)
		} else if r > 0 {
			s.log.Info("rolled up", "minutes", r)
		}
		n, err := s.store.Prune(ctx, now.Add(-c.Server.ResultsRetention), now.Add(-c.Server.EvidenceRetention), 1000)
		if err != nil && ctx.Err() == nil {
			s.log.Error("prune", "err", err)
		} else if n > 0 {
			s.log.Info("pruned", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
