package server

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/detect"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// What the core gives the monitors console (internal/monitors): the
// detector's verdicts and the tracker that every stored result feeds.

// Verdicts returns each monitor's confirmed status and since when, from
// the detector (monitors with no confirmed change are absent); on a
// replica, those of the monitors other replicas watch from their latest
// status facts, as of the last syncConsole.
func (s *Server) Verdicts() map[string]monitors.Verdict {
	out := map[string]monitors.Verdict{}
	for _, ls := range s.det.Snapshot() {
		if ls.MonitorStatus == "" || !s.watches(ls.Monitor) {
			continue
		}
		out[ls.Monitor] = monitors.Verdict{Status: ls.MonitorStatus, Since: ls.MonitorAt}
	}
	if remote := s.remote.Load(); remote != nil {
		for id, v := range *remote {
			if !s.watches(id) {
				out[id] = v
			}
		}
	}
	return out
}

// consoleSyncEvery is how often a replica's console reads what other
// replicas' monitors did: per-minute aggregates and status facts.
func consoleSyncEvery(heartbeat time.Duration) time.Duration { return max(5*heartbeat, time.Second) }

// syncConsole keeps a replica's console whole: the monitors other
// replicas watch have no results here, so every consoleSyncEvery it adds
// their per-minute aggregates since the last read (Tracker.Absorb, from
// two minutes back for results that come late) and takes their verdicts
// from their latest status facts. What this replica watches it counts
// live.
func (s *Server) syncConsole(ctx context.Context) {
	t := time.NewTicker(consoleSyncEvery(s.rep.cfg.Heartbeat))
	defer t.Stop()
	from := s.mon.Cut()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.now()
		if err := s.syncConsoleOnce(ctx, from, now); err != nil {
			if ctx.Err() == nil {
				s.log.Error("monitors console: read other replicas' monitors", "err", err)
			}
			continue
		}
		if back := now.Add(-2 * time.Minute).Truncate(time.Minute); back.After(from) {
			from = back
		}
	}
}

func (s *Server) syncConsoleOnce(ctx context.Context, from, now time.Time) error {
	mins, err := s.store.MinutesFrom(ctx, from)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, m := range s.Config().Monitors {
		known[m.ID] = true
	}
	others := mins[:0]
	for _, m := range mins {
		if known[m.MonitorID] && !s.watches(m.MonitorID) {
			others = append(others, m)
		}
	}
	s.mon.Absorb(others)
	remote, err := s.storedVerdicts(ctx, now)
	if err != nil {
		return err
	}
	s.remote.Store(&remote)
	return nil
}

// storedVerdicts is each monitor's latest status fact (source
// detect.Source(id)) as a verdict: only the latest fact of each
// component and source, read through the index facts_status, not the
// evidence retention's history. A start or a takeover seeds the detector
// from it; a replica's console shows it for the monitors others watch.
func (s *Server) storedVerdicts(ctx context.Context, now time.Time) (map[string]monitors.Verdict, error) {
	out := map[string]monitors.Verdict{}
	end := now.Add(time.Minute)
	err := s.store.EachFactFor(ctx, store.FactQuery{From: end, To: end, StatusFrom: end}, false, func(f store.Fact) error {
		var l statusLine
		if f.Type != "status" || json.Unmarshal(f.JSON, &l) != nil {
			return nil
		}
		id, ok := strings.CutPrefix(l.Source, detect.Source(""))
		if cur, seen := out[id]; ok && (!seen || !f.At.Before(cur.Since)) {
			out[id] = monitors.Verdict{Status: sla.Status(l.Status), Since: f.At}
		}
		return nil
	})
	return out, err
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
