package server

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/operatorui"
)

// maxReplayNotices bounds the replay conflicts kept for the dashboard.
const maxReplayNotices = 20

// notices are what an operator must act on that would otherwise be only a
// log line: a configuration refused (the previous one still runs), a
// replayed status change that differs from the stored fact, an agent gone
// silent. The dashboard shows them (admin, Options.Notices).
type notices struct {
	mu      sync.Mutex
	refused *operatorui.Notice // the latest refused reload, until one succeeds
	replays []operatorui.Notice
}

// ReloadFailed counts a refused configuration and keeps it for the
// dashboard until a configuration loads.
func (s *Server) ReloadFailed(err error) {
	s.metrics.reloadErrs.Inc()
	s.notices.mu.Lock()
	s.notices.refused = &operatorui.Notice{Kind: "reload_refused", At: s.now(),
		Title:  "The configuration was refused; the previous one keeps running",
		Detail: err.Error(), Doc: "operations.md#7-reloading-the-configuration"}
	s.notices.mu.Unlock()
}

// reloaded forgets a refused configuration.
func (s *Server) reloaded() {
	s.notices.mu.Lock()
	s.notices.refused = nil
	s.notices.mu.Unlock()
}

// replayConflict keeps a replayed status change that differs from the
// stored fact of the same id.
func (s *Server) replayConflict(monitorID string, err error) {
	s.notices.mu.Lock()
	defer s.notices.mu.Unlock()
	n := operatorui.Notice{Kind: "replay_conflict", At: s.now(), Monitor: monitorID,
		Title:  fmt.Sprintf("Monitor %s: a replayed status change differs from the stored fact; the stored one stands", monitorID),
		Detail: err.Error(), Doc: "operations.md#12-what-survives-a-crash"}
	s.notices.replays = append(s.notices.replays, n)
	if len(s.notices.replays) > maxReplayNotices {
		s.notices.replays = slices.Delete(s.notices.replays, 0, len(s.notices.replays)-maxReplayNotices)
	}
}

// Notices returns what the operators should look at, the newest first.
func (s *Server) Notices() []operatorui.Notice {
	var out []operatorui.Notice
	for _, a := range s.Silent() {
		out = append(out, operatorui.Notice{Kind: "agent_silent", At: a.Since,
			Title:  fmt.Sprintf("Agent %s is silent: its monitors' quorums are taken without it", a.Location),
			Detail: fmt.Sprintf("No result from %s since %s while other locations report.", a.Location, a.Since.UTC().Format(time.RFC3339)),
			Doc:    "operations.md#11-agents-in-several-regions"})
	}
	s.notices.mu.Lock()
	if s.notices.refused != nil {
		out = append(out, *s.notices.refused)
	}
	out = append(out, s.notices.replays...)
	s.notices.mu.Unlock()
	slices.SortStableFunc(out, func(a, b operatorui.Notice) int { return b.At.Compare(a.At) })
	return out
}
