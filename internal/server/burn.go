package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/burn"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/reports"
)

// burnEvery is how often the burn-rate rules are judged: the shortest
// workbook window is five minutes.
const burnEvery = time.Minute

// burnFacts are the fact types a burn rate reads: the status timeline, as
// the status page's uptime does.
var burnFacts = []string{"status", "incident", "incident_update", "maintenance", "maintenance_series", "maintenance_cancel"}

// burning tracks the rules firing, target/rule → the episode's start, so
// each episode is alerted once.
type burning struct {
	mu     sync.Mutex
	firing map[string]time.Time
}

// checkBurn evaluates the burn-rate rules (configuration burn_alerts) on
// every plan in force, and every subscription whose own terms promise
// otherwise; an episode — a rule firing for a target — is alerted once
// when it starts (budget.burn) and once when it ends (budget.ok). Event
// ids derive from the target, the rule and the minute the episode began.
func (s *Server) checkBurn(ctx context.Context) error {
	c := s.Config()
	if c.BurnAlerts.Off || len(c.BurnAlerts.Rules) == 0 || len(c.Policies) == 0 {
		return nil
	}
	rules := make([]burn.Rule, len(c.BurnAlerts.Rules))
	longest := time.Duration(0)
	for i, r := range c.BurnAlerts.Rules {
		rules[i] = burn.Rule{Name: r.Name, Long: r.Long, Short: r.Short, Factor: r.Factor, Severity: r.Severity}
		longest = max(longest, r.Long)
	}
	now := s.now().UTC()
	// A week before the longest window, for the state each component was
	// in when it began.
	fs, err := s.store.FactsOfType(ctx, burnFacts, now.Add(-longest-7*24*time.Hour), now.Add(time.Minute))
	if err != nil {
		return err
	}
	ev, err := reports.ParseFacts("stored evidence", fs)
	if err != nil {
		return err
	}
	firings := burn.Evaluate(ev, burn.Targets(c.Policies, c.Subscriptions, now), rules, now)
	live := map[string]bool{}
	s.burn.mu.Lock()
	if s.burn.firing == nil {
		s.burn.firing = map[string]time.Time{}
	}
	var started []burn.Firing
	for _, f := range firings {
		k := f.Target.Key + ":" + f.Rule.Name
		live[k] = true
		if _, ok := s.burn.firing[k]; !ok {
			s.burn.firing[k] = now.Truncate(time.Minute)
			started = append(started, f)
		}
	}
	var ended []string
	for k := range s.burn.firing {
		if !live[k] {
			ended = append(ended, k)
		}
	}
	slices.Sort(ended)
	episodes := map[string]time.Time{}
	for _, k := range ended {
		episodes[k] = s.burn.firing[k]
		delete(s.burn.firing, k)
	}
	for _, f := range started {
		episodes[f.Target.Key+":"+f.Rule.Name] = s.burn.firing[f.Target.Key+":"+f.Rule.Name]
	}
	s.burn.mu.Unlock()

	for _, f := range started {
		k := f.Target.Key + ":" + f.Rule.Name
		who := "plan " + f.Target.Key
		if f.Target.Customer != "" {
			who = fmt.Sprintf("subscription %s (customer %s)", f.Target.Key, f.Target.Customer)
		}
		s.log.Warn("error budget burning", "target", f.Target.Key, "rule", f.Rule.Name, "long_burn", f.LongBurn, "short_burn", f.ShortBurn)
		s.publishBurn(ctx, outbox.Event{ID: fmt.Sprintf("burn:%s:%d/burn", k, episodes[k].Unix()), Kind: outbox.EventBudgetBurn, At: now,
			Severity: f.Rule.Severity, Components: []string{f.Component},
			Title: fmt.Sprintf("Error budget of %s burning %.1f× too fast (%s)", who, f.LongBurn, f.Rule.Name),
			Message: fmt.Sprintf("Over the last %s the budget of %s burned %.1f times the sustainable rate, and %.1f times over the last %s (rule %s fires above %g); at that rate the period's budget is spent in %s. Worst component: %s.",
				f.Rule.Long, who, f.LongBurn, f.ShortBurn, f.Rule.Short, f.Rule.Name, f.Rule.Factor, exhaustion(f), f.Component)})
	}
	for _, k := range ended {
		s.log.Info("error budget burn over", "target", k)
		target, rule, _ := strings.Cut(k, ":")
		s.publishBurn(ctx, outbox.Event{ID: fmt.Sprintf("burn:%s:%d/ok", k, episodes[k].Unix()), Kind: outbox.EventBudgetOK, At: now,
			Title:   fmt.Sprintf("Error budget of %s no longer burning too fast (%s)", target, rule),
			Message: fmt.Sprintf("Rule %s stopped firing for %s; it fired from %s.", rule, target, episodes[k].Format(time.RFC3339))})
	}
	return nil
}

// exhaustion is how long a 30-day budget lasts at the long window's burn
// rate: 30 days ÷ the rate.
func exhaustion(f burn.Firing) string {
	if f.LongBurn <= 0 {
		return "never"
	}
	return (time.Duration(float64(30*24*time.Hour) / f.LongBurn)).Round(time.Minute).String()
}

func (s *Server) publishBurn(ctx context.Context, ev outbox.Event) {
	if err := s.outbox.Publish(ctx, ev); err != nil {
		s.log.Error("publish burn-rate event", "id", ev.ID, "err", err)
	}
}
