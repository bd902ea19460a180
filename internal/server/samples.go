package server

import (
	"context"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// samples summarises, per hour, component, location and metric, the
// performance the checks measure — latency of http, tcp, tls and icmp
// checks that answered, packet loss of icmp checks, throughput of
// throughput checks — for the components some policy sets a performance
// objective on. The summaries (count, sum, min, max) are added to the
// store every coverageEvery, at shutdown and before a report; the reports
// read them as sample facts. A result counts once: one not newer than the
// latest counted of its monitor and location (an agent sending again
// what was not acknowledged) is not counted again.
type samples struct {
	mu      sync.Mutex
	pending map[sampleKey]*store.SampleSum
	latest  map[seriesID]time.Time
	// comps are the components with performance objectives in cfg.
	cfg   *config.Config
	comps map[string]bool
	// writeMu orders the writes, so that a failed one puts its deltas
	// back before another takes them.
	writeMu sync.Mutex
}

type sampleKey struct {
	component, location, metric string
	hour                        time.Time
}

type seriesID struct{ monitor, location string }

func newSamples() *samples {
	return &samples{pending: map[sampleKey]*store.SampleSum{}, latest: map[seriesID]time.Time{}}
}

// perfComponents are the components any plan of any policy version,
// overrides included, sets a performance objective on.
func perfComponents(cfg *config.Config) map[string]bool {
	out := map[string]bool{}
	for _, p := range cfg.Policies {
		for _, v := range p.Versions {
			for _, pl := range v.AllPlans() {
				for _, po := range pl.Performance {
					for _, c := range po.Components {
						out[c] = true
					}
				}
			}
		}
	}
	return out
}

// measures are the metrics a result of m measured.
func measures(m *monitor.Monitor, r monitor.Result) map[string]float64 {
	out := map[string]float64{}
	switch m.Type {
	case monitor.TypeHTTP, monitor.TypeTCP, monitor.TypeTLS, monitor.TypeICMP:
		// A check that failed measured no response time.
		if r.State != monitor.Down && r.Latency > 0 {
			out[sla.MetricLatency] = float64(r.Latency.Microseconds()) / 1000
		}
	}
	if r.PacketLossPct != nil {
		out[sla.MetricPacketLoss] = *r.PacketLossPct
	}
	if r.ThroughputMbps != nil {
		out[sla.MetricThroughput] = *r.ThroughputMbps
	}
	return out
}

// observe counts the measurements of results.
func (s *samples) observe(cfg *config.Config, rs []monitor.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg != cfg {
		s.cfg, s.comps = cfg, perfComponents(cfg)
	}
	if len(s.comps) == 0 {
		return
	}
	for _, r := range rs {
		m := cfg.Monitor(r.MonitorID)
		if m == nil || !s.comps[m.Component] {
			continue
		}
		k := seriesID{m.ID, r.Location}
		if !r.At.After(s.latest[k]) {
			continue
		}
		s.latest[k] = r.At
		hour := r.At.UTC().Truncate(time.Hour)
		for metric, v := range measures(m, r) {
			sk := sampleKey{m.Component, r.Location, metric, hour}
			x := s.pending[sk]
			if x == nil {
				s.pending[sk] = &store.SampleSum{Component: m.Component, Location: r.Location, Metric: metric, Hour: hour, N: 1, Sum: v, Min: v, Max: v}
				continue
			}
			x.N++
			x.Sum += v
			x.Min, x.Max = min(x.Min, v), max(x.Max, v)
		}
	}
}

// seen marks results as counted without counting them: at start-up, the
// stored ones an agent may send again.
func (s *samples) seen(rs []monitor.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rs {
		k := seriesID{r.MonitorID, r.Location}
		if r.At.After(s.latest[k]) {
			s.latest[k] = r.At
		}
	}
}

// flush adds the summaries counted since the last flush to the store.
func (s *samples) flush(ctx context.Context, st store.Store) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	if len(s.pending) == 0 {
		s.mu.Unlock()
		return nil
	}
	taken := s.pending
	s.pending = map[sampleKey]*store.SampleSum{}
	s.mu.Unlock()
	ss := make([]store.SampleSum, 0, len(taken))
	for _, x := range taken {
		ss = append(ss, *x)
	}
	if err := st.AddSamples(ctx, ss); err != nil {
		// Put the deltas back, merged with what came meanwhile.
		s.mu.Lock()
		for k, x := range taken {
			if y := s.pending[k]; y != nil {
				x.N += y.N
				x.Sum += y.Sum
				x.Min, x.Max = min(x.Min, y.Min), max(x.Max, y.Max)
			}
			s.pending[k] = x
		}
		s.mu.Unlock()
		return err
	}
	return nil
}
