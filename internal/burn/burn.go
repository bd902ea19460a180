// Package burn computes multiwindow, multi-burn-rate alerts on contracts'
// error budgets, as the Google SRE workbook's alerting chapter describes
// them for SLOs: a rule fires while the budget burns faster than Factor
// times the sustainable rate over both a long window (the alert is
// significant) and a short one (it is still happening). It is pure: the
// evidence, the plans and the clock in, the firing rules out.
//
// The budget is the plan's: 1 − objective. The error rate over a window is
// the weighted downtime of the plan's components (the worst component;
// beta ones left out) over the time measured, counted as a status page
// counts it — every cause, no minimum downtime — since an alert must not
// wait for an operator's attribution.
package burn

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// Rule is one multiwindow burn-rate condition.
type Rule struct {
	Name          string
	Long, Short   time.Duration
	Factor        float64
	Severity      string // "page" or "ticket"
	BudgetPercent float64
}

// Workbook is the SRE workbook's recommended table for a 30-day budget:
// page on 2 % of it spent in an hour or 5 % in six hours, open a ticket on
// 10 % in three days.
var Workbook = []Rule{
	{Name: "fast", Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4, Severity: "page", BudgetPercent: 2},
	{Name: "slow", Long: 6 * time.Hour, Short: 30 * time.Minute, Factor: 6, Severity: "page", BudgetPercent: 5},
	{Name: "steady", Long: 3 * 24 * time.Hour, Short: 6 * time.Hour, Factor: 1, Severity: "ticket", BudgetPercent: 10},
}

// Target is a set of terms whose budget burns: a plan, or a
// subscription whose own terms (an override, custom terms) differ.
type Target struct {
	// Key names it: "<policy>/<plan>" or "<policy>/<plan>/<subscription>".
	Key       string
	Policy    string
	Plan      *sla.Plan
	Customer  string
	Component []string
}

// Firing is a rule firing for a target, with the burn rates that fired it.
type Firing struct {
	Target    Target
	Rule      Rule
	LongBurn  float64
	ShortBurn float64
	// Component is the component that burns fastest over the long window.
	Component string
}

// Targets are the plans of the versions in force at now, and the
// subscriptions whose terms differ from their plan's.
func Targets(policies []*sla.Policy, subs []*sla.Subscription, now time.Time) []Target {
	var out []Target
	for _, p := range policies {
		v := p.VersionAt(now)
		if v == nil {
			continue
		}
		for _, id := range v.PlanOrder {
			if pl := v.Plans[id]; pl != nil && pl.Objective != nil {
				out = append(out, Target{Key: p.ID + "/" + id, Policy: p.ID, Plan: pl, Component: counted(p, pl)})
			}
		}
		for _, s := range subs {
			if s.Policy != "" && s.Policy != p.ID {
				continue
			}
			base := v.Plans[s.Plan]
			own, err := v.PlanOf(s)
			if err != nil || own == nil || base == nil || own == base || own.Objective == nil || own.Objective.Cmp(base.Objective) == 0 {
				continue
			}
			out = append(out, Target{Key: p.ID + "/" + s.Plan + "/" + s.ID, Policy: p.ID, Plan: own, Customer: s.Customer, Component: counted(p, own)})
		}
	}
	return out
}

func counted(p *sla.Policy, pl *sla.Plan) []string {
	var out []string
	for _, c := range pl.Components {
		if comp := p.Components[c]; comp != nil && comp.Beta {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Evaluate returns the rules firing at now for each target, judged on ev
// (status facts, incidents and maintenance of at least the longest
// window before now).
func Evaluate(ev *sla.Evidence, targets []Target, rules []Rule, now time.Time) []Firing {
	var out []Firing
	cache := map[string]*sla.Uptimes{}
	for _, t := range targets {
		budget := new(big.Rat).Sub(big.NewRat(100, 1), t.Plan.Objective)
		if budget.Sign() <= 0 {
			continue // a 100 % promise has no budget to burn
		}
		b, _ := budget.Float64()
		b /= 100
		key := fmt.Sprint(t.Plan.Weights)
		u := cache[key]
		if u == nil {
			u = sla.NewUptimes(ev, sla.UptimeRule{Weights: t.Plan.Weights, Removed: map[sla.Status]bool{sla.UnderMaintenance: true}})
			cache[key] = u
		}
		for _, r := range rules {
			long, comp := worst(u, t.Component, timeline.NewInterval(now.Add(-r.Long), now), b)
			short, _ := worst(u, t.Component, timeline.NewInterval(now.Add(-r.Short), now), b)
			if long > r.Factor && short > r.Factor {
				out = append(out, Firing{Target: t, Rule: r, LongBurn: long, ShortBurn: short, Component: comp})
			}
		}
	}
	slices.SortFunc(out, func(a, b Firing) int {
		if a.Target.Key != b.Target.Key {
			if a.Target.Key < b.Target.Key {
				return -1
			}
			return 1
		}
		return int(a.Rule.Long - b.Rule.Long)
	})
	return out
}

// worst is the highest burn rate among comps over win: the error rate
// (downtime over the time measured) divided by the budget b.
func worst(u *sla.Uptimes, comps []string, win timeline.Interval, b float64) (float64, string) {
	best, which := 0.0, ""
	for _, c := range comps {
		for _, f := range u.Component(c, []timeline.Interval{win}) {
			secs := f.Measured.Duration().Seconds()
			if f.Uptime == nil || secs <= 0 {
				continue
			}
			up, _ := f.Uptime.Float64()
			if rate := (1 - up/100) / b; rate > best {
				best, which = rate, c
			}
		}
	}
	return best, which
}
