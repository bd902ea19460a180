package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// metrics is the server's Prometheus collector. Per-monitor series are
// bounded by the configuration (one label value per monitor).
type metrics struct {
	s          *Server
	checkDur   prometheus.Histogram
	lastDur    *prometheus.GaugeVec
	results    *prometheus.CounterVec
	storeWrite prometheus.Histogram
	changes    *prometheus.CounterVec
	reloads    prometheus.Counter
	reloadErrs prometheus.Counter

	lagP99, lagMax, inFlight, queued, batchQueue, monitors *prometheus.Desc
	runs, skipped, others                                  *prometheus.Desc
	spilled, spillDropped                                  *prometheus.Desc
}

func newMetrics(s *Server) *metrics {
	return &metrics{
		s: s,
		// One histogram for all checks, and the last duration per monitor:
		// a histogram per monitor would be a dozen series each, 120,000
		// for 10,000 monitors, and scraping them would cost more than the
		// checks.
		checkDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "slakeeper_check_duration_seconds", Help: "Duration of checks, all monitors.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}),
		lastDur: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slakeeper_check_last_duration_seconds", Help: "Duration of the latest check, per monitor and location.",
		}, []string{"monitor", "location"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slakeeper_check_results_total", Help: "Check results, per monitor (and its component), location and state.",
		}, []string{"monitor", "component", "location", "state"}),
		storeWrite: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "slakeeper_store_write_seconds", Help: "Time until results are acknowledged by the store.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slakeeper_status_changes_total", Help: "Confirmed component status changes written as facts, per status.",
		}, []string{"status"}),
		reloads:      prometheus.NewCounter(prometheus.CounterOpts{Name: "slakeeper_config_reloads_total", Help: "Configurations loaded."}),
		reloadErrs:   prometheus.NewCounter(prometheus.CounterOpts{Name: "slakeeper_config_reload_errors_total", Help: "Configurations refused; the previous one kept running."}),
		lagP99:       prometheus.NewDesc("slakeeper_scheduler_lag_p99_seconds", "99th percentile of how late checks started against their due time (latest 1,024 runs).", nil, nil),
		lagMax:       prometheus.NewDesc("slakeeper_scheduler_lag_max_seconds", "Largest scheduling lag since start.", nil, nil),
		inFlight:     prometheus.NewDesc("slakeeper_scheduler_checks_in_flight", "Checks running now.", nil, nil),
		queued:       prometheus.NewDesc("slakeeper_scheduler_queue_depth", "Checks due and waiting for a concurrency slot.", nil, nil),
		batchQueue:   prometheus.NewDesc("slakeeper_store_queue_depth", "Results waiting for the store's next batch.", nil, nil),
		monitors:     prometheus.NewDesc("slakeeper_scheduler_monitors", "Monitors scheduled on this server.", nil, nil),
		runs:         prometheus.NewDesc("slakeeper_scheduler_runs_total", "Checks started.", nil, nil),
		skipped:      prometheus.NewDesc("slakeeper_scheduler_skipped_total", "Due runs skipped because the previous run had not finished.", nil, nil),
		others:       prometheus.NewDesc("slakeeper_scheduler_others_total", "Due runs left to another replica, whose monitor it is.", nil, nil),
		spilled:      prometheus.NewDesc("slakeeper_results_kept", "Check results kept in memory while the store refuses them.", nil, nil),
		spillDropped: prometheus.NewDesc("slakeeper_results_kept_dropped_total", "Kept check results dropped, the oldest first, when more than can be kept waited.", nil, nil),
	}
}

func (m *metrics) observe(r monitor.Result) {
	m.checkDur.Observe(r.Duration.Seconds())
	m.lastDur.WithLabelValues(r.MonitorID, r.Location).Set(r.Duration.Seconds())
	comp := ""
	if mon := m.s.Config().Monitor(r.MonitorID); mon != nil {
		comp = mon.Component
	}
	m.results.WithLabelValues(r.MonitorID, comp, r.Location, string(r.State)).Inc()
}

func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.checkDur.Describe(ch)
	m.lastDur.Describe(ch)
	m.results.Describe(ch)
	m.storeWrite.Describe(ch)
	m.changes.Describe(ch)
	m.reloads.Describe(ch)
	m.reloadErrs.Describe(ch)
	for _, d := range []*prometheus.Desc{m.lagP99, m.lagMax, m.inFlight, m.queued, m.batchQueue, m.monitors, m.runs, m.skipped, m.others, m.spilled, m.spillDropped} {
		ch <- d
	}
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.checkDur.Collect(ch)
	m.lastDur.Collect(ch)
	m.results.Collect(ch)
	m.storeWrite.Collect(ch)
	m.changes.Collect(ch)
	m.reloads.Collect(ch)
	m.reloadErrs.Collect(ch)
	ch <- prometheus.MustNewConstMetric(m.batchQueue, prometheus.GaugeValue, float64(m.s.batcher.QueueDepth()))
	kept, dropped := m.s.spill.stats()
	ch <- prometheus.MustNewConstMetric(m.spilled, prometheus.GaugeValue, float64(kept))
	ch <- prometheus.MustNewConstMetric(m.spillDropped, prometheus.CounterValue, float64(dropped))
	sc := m.s.sched.Load()
	if sc == nil {
		return
	}
	st := sc.Stats()
	ch <- prometheus.MustNewConstMetric(m.lagP99, prometheus.GaugeValue, st.LagP99.Seconds())
	ch <- prometheus.MustNewConstMetric(m.lagMax, prometheus.GaugeValue, st.LagMax.Seconds())
	ch <- prometheus.MustNewConstMetric(m.inFlight, prometheus.GaugeValue, float64(st.InFlight))
	ch <- prometheus.MustNewConstMetric(m.queued, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(m.monitors, prometheus.GaugeValue, float64(st.Monitors))
	ch <- prometheus.MustNewConstMetric(m.runs, prometheus.CounterValue, float64(st.Runs))
	ch <- prometheus.MustNewConstMetric(m.skipped, prometheus.CounterValue, float64(st.Skipped))
	ch <- prometheus.MustNewConstMetric(m.others, prometheus.CounterValue, float64(st.Others))
}
