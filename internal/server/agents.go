package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/detect"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/schedule"
)

// agentsEvery is how often the agents' silence is judged.
const agentsEvery = 30 * time.Second

// AgentSilence is an agent location that stopped reporting while others
// report: its monitors' quorums are taken without it (internal/detect).
type AgentSilence struct {
	Location string
	// Since is the time of its newest stored result.
	Since time.Time
}

// agents tracks which agent locations are silent, to alert once per
// episode and to show them to the operators.
type agents struct {
	mu     sync.Mutex
	silent map[string]time.Time // location → its newest result when it went silent
}

// Silent returns the agent locations silent now, sorted.
func (s *Server) Silent() []AgentSilence {
	s.agents.mu.Lock()
	defer s.agents.mu.Unlock()
	var out []AgentSilence
	for l, t := range s.agents.silent {
		out = append(out, AgentSilence{Location: l, Since: t})
	}
	slices.SortFunc(out, func(a, b AgentSilence) int { return a.Since.Compare(b.Since) })
	return out
}

// everyOnOne runs fn every period until ctx ends, on one replica only
// (the owner of key), so that what fn alerts is alerted once; errors are
// logged as what went wrong.
func (s *Server) everyOnOne(ctx context.Context, key string, every time.Duration, what string, fn func(context.Context) error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.rep != nil && !s.rep.view.Load().Owns(key, s.now()) {
			continue
		}
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			s.log.Error(what, "err", err)
		}
	}
}

// checkAgents compares each agent location's newest stored result with
// the newest of every other location: one that lags by more than its
// monitors' silent_after (the smallest among them) is silent. A silence
// is alerted once (agent.silent), and its end (agent.back); event ids
// derive from the location and its last result, so a replica that takes
// the judging over does not alert an episode again.
func (s *Server) checkAgents(ctx context.Context) error {
	c := s.Config()
	if len(c.Agents) == 0 {
		return nil
	}
	last, err := s.store.LastResults(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for _, a := range c.Agents {
		loc := a.Location
		var limit time.Duration
		for _, m := range c.Monitors {
			if m.Type == monitor.TypeHeartbeat || len(m.Locations) < 2 || !schedule.RunsAt(m, loc) {
				continue
			}
			d := time.Duration(max(m.SilentAfter, 0)) * m.Interval
			if m.SilentAfter == 0 {
				d = detect.DefaultSilentAfter * m.Interval
			}
			if limit == 0 || d < limit {
				limit = d
			}
		}
		seen := last[loc]
		if limit == 0 || seen.IsZero() {
			continue // no monitor it shares with others, or never reported
		}
		var others time.Time
		for l, t := range last {
			if l != loc && t.After(others) {
				others = t
			}
		}
		silent := others.Sub(seen) > limit
		s.agents.mu.Lock()
		since, was := s.agents.silent[loc]
		switch {
		case silent && !was:
			s.agents.silent[loc] = seen
		case !silent && was:
			delete(s.agents.silent, loc)
		}
		s.agents.mu.Unlock()
		switch {
		case silent && !was:
			s.log.Warn("agent silent: its monitors count without it", "location", loc, "last_result", seen, "others_newest", others)
			s.publishAgent(ctx, outbox.Event{ID: fmt.Sprintf("agent:%s:%d/silent", loc, seen.Unix()), Kind: outbox.EventAgentSilent, At: now,
				Title: fmt.Sprintf("Agent %s silent", loc),
				Message: fmt.Sprintf("No result from %s since %s while other locations report; its monitors' quorums are taken without it until it reports again.",
					loc, seen.UTC().Format(time.RFC3339))})
		case !silent && was:
			s.log.Info("agent reports again", "location", loc, "silent_since", since)
			s.publishAgent(ctx, outbox.Event{ID: fmt.Sprintf("agent:%s:%d/back", loc, since.Unix()), Kind: outbox.EventAgentBack, At: now,
				Title:   fmt.Sprintf("Agent %s back", loc),
				Message: fmt.Sprintf("%s reports again; it was silent from %s.", loc, since.UTC().Format(time.RFC3339))})
		}
	}
	return nil
}

func (s *Server) publishAgent(ctx context.Context, ev outbox.Event) {
	if err := s.outbox.Publish(ctx, ev); err != nil {
		s.log.Error("publish agent event", "id", ev.ID, "err", err)
	}
}
