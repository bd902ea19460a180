package server

import (
	"context"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitors"
)

// What the core gives the monitors console (internal/monitors): the
// detector's verdicts and the tracker that every stored result feeds.

// Verdicts returns each monitor's confirmed status and since when, from
// the detector (monitors with no confirmed change are absent).
func (s *Server) Verdicts() map[string]monitors.Verdict {
	out := map[string]monitors.Verdict{}
	for _, ls := range s.det.Snapshot() {
		if ls.MonitorStatus == "" {
			continue
		}
		out[ls.Monitor] = monitors.Verdict{Status: ls.MonitorStatus, Since: ls.MonitorAt}
	}
	return out
}

// Tracker is the console's in-memory figures.
func (s *Server) Tracker() *monitors.Tracker { return s.mon }

var _ monitors.Live = (*Server)(nil)

// warmConsole gives the tracker what the store holds from before the
// server started: day counts for 30 days, then the per-minute aggregates
// of the last 24 hours, monitor by monitor. It runs beside the checks;
// the list shows what is counted so far meanwhile.
func (s *Server) warmConsole(ctx context.Context) {
	start := time.Now()
	cut := s.mon.Cut()
	h24 := cut.Add(-24 * time.Hour).Truncate(time.Hour)
	days, err := s.store.MinuteDays(ctx, h24.Truncate(24*time.Hour).Add(-30*24*time.Hour), h24)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("monitors console: read day counts", "err", err)
		}
		return
	}
	s.mon.Warm(nil, days)
	for _, m := range s.Config().Monitors {
		mins, err := s.store.Minutes(ctx, m.ID, h24, cut)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("monitors console: read minutes", "monitor", m.ID, "err", err)
			}
			return
		}
		s.mon.Warm(mins, nil)
	}
	s.log.Info("monitors console warmed up", "monitors", len(s.Config().Monitors), "took", time.Since(start).Round(time.Millisecond))
}
