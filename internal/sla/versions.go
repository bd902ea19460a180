package sla

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// CreditPercent is the uptime credit, in percent of the period's fee, that
// schedule c grants for uptime (in percent) under objective (in percent).
//
// There is no credit unless uptime is strictly below objective (and none
// when objective is nil). Tiers grant the largest credit among the tiers
// whose Below the uptime is strictly below. A linear schedule counts the
// points of downtime (100 − uptime, or objective − uptime when
// FromObjective), divides them by Per, rounds the steps (floor, ceil, or
// exactly for pro_rata and any other rounding) and multiplies by Percent.
// When both are present the larger credit applies. The result is capped at
// Cap (100 when nil) and never negative. The arguments are not modified and
// the result is a new value.
func CreditPercent(c *Credits, objective, uptime *big.Rat) *big.Rat {
	credit := new(big.Rat)
	if c == nil || objective == nil || uptime == nil || uptime.Cmp(objective) >= 0 {
		return credit
	}
	for _, t := range c.Tiers {
		if t.Below == nil || t.Percent == nil {
			continue
		}
		if uptime.Cmp(t.Below) < 0 && t.Percent.Cmp(credit) > 0 {
			credit.Set(t.Percent)
		}
	}
	if l := c.Linear; l != nil && l.Per != nil && l.Per.Sign() > 0 && l.Percent != nil {
		from := verHundred
		if l.FromObjective {
			from = objective
		}
		steps := new(big.Rat).Sub(from, uptime)
		if steps.Sign() > 0 {
			steps.Quo(steps, l.Per)
			switch l.Rounding {
			case RoundFloor:
				steps.SetInt(verFloor(steps))
			case RoundCeil:
				steps.SetInt(verCeil(steps))
			}
			lin := steps.Mul(steps, l.Percent)
			if lin.Cmp(credit) > 0 {
				credit.Set(lin)
			}
		}
	}
	limit := verHundred
	if c.Cap != nil {
		limit = c.Cap
	}
	if credit.Cmp(limit) > 0 {
		credit.Set(limit)
	}
	if credit.Sign() < 0 {
		credit.SetInt64(0)
	}
	return credit
}

var verHundred = big.NewRat(100, 1)

// verFloor is the largest integer not above r.
func verFloor(r *big.Rat) *big.Int {
	// Euclidean division by the (positive) denominator floors.
	return new(big.Int).Div(r.Num(), r.Denom())
}

// verCeil is the smallest integer not below r.
func verCeil(r *big.Rat) *big.Int {
	q := verFloor(r)
	if !r.IsInt() {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// Reductions lists, in plain words and in a stable order, every way in which
// version next reduces a customer's protections compared with prev. Empty
// means next reduces nothing (it may improve things).
//
// Plans are taken in prev's PlanOrder (then any other plan ids, sorted);
// within a plan the checks run in a fixed order. Overrides follow: each
// override of prev is compared with the same customer's override of the
// same plan in next (or, when it is gone, reported as removed and compared
// with the plan the customer now gets), and each override new in next is
// compared with the plan the customer had in prev; an override of a class
// of customers likewise with the same class's.
func Reductions(prev, next *Version) []string {
	if prev == nil {
		return nil
	}
	if next == nil {
		next = &Version{}
	}
	var r reducer
	for _, id := range verPlanIDs(prev) {
		a, b := prev.Plans[id], next.Plans[id]
		if a == nil {
			continue
		}
		r.prefix = fmt.Sprintf("plan %q", id)
		if b == nil {
			r.add("removed")
			continue
		}
		r.plan(a, b)
	}
	type key struct{ customer, class, plan string }
	seen := map[key]bool{}
	for _, o := range prev.Overrides {
		if o == nil || o.Plan == nil {
			continue
		}
		k := key{o.Customer, o.Class, o.Plan.ID}
		if seen[k] {
			continue // PlanFor uses the first override only
		}
		seen[k] = true
		r.prefix = overridePrefix(o)
		nb := verFindOverride(next, o.Customer, o.Class, o.Plan.ID)
		if nb == nil {
			r.add("override removed")
			nb = next.Plans[o.Plan.ID]
			if nb == nil {
				continue // the plan's own removal is reported above
			}
		}
		r.plan(o.Plan, nb)
	}
	for _, o := range next.Overrides {
		if o == nil || o.Plan == nil {
			continue
		}
		k := key{o.Customer, o.Class, o.Plan.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		a := prev.Plans[o.Plan.ID]
		if a == nil {
			continue // a plan new in next takes nothing away
		}
		r.prefix = overridePrefix(o)
		r.plan(a, o.Plan)
	}
	return r.out
}

// NoticeError is CheckNotice's error: a version that reduces protections
// and takes effect before the policy's notice has run.
type NoticeError struct {
	Version    string
	Published  time.Time
	Effective  time.Time
	Earliest   time.Time
	NoticeDays int
	Reductions []string
}

func (e *NoticeError) Error() string {
	return fmt.Sprintf("version %q takes effect %s, before %s (%d days after its publication on %s), yet reduces protections: %s",
		e.Version, verDay(e.Effective), verDay(e.Earliest), e.NoticeDays, verDay(e.Published),
		strings.Join(e.Reductions, "; "))
}

// CheckNotice returns an error for each version that reduces protections
// (compared with the version before it) and takes effect sooner than
// p.NoticeDays after it was published; nil when NoticeDays is 0.
//
// The notice is counted in calendar days in the publication's location, so
// a version published on 1 January with 60 days notice may take effect on
// 2 March at the same time of day. Each error is a *NoticeError.
func (p *Policy) CheckNotice() []error {
	if p == nil || p.NoticeDays <= 0 {
		return nil
	}
	var errs []error
	for i := 1; i < len(p.Versions); i++ {
		prev, next := p.Versions[i-1], p.Versions[i]
		if next == nil {
			continue
		}
		earliest := next.Published.AddDate(0, 0, p.NoticeDays)
		if !next.Effective.Before(earliest) {
			continue
		}
		red := Reductions(prev, next)
		if len(red) == 0 {
			continue
		}
		errs = append(errs, &NoticeError{
			Version:    next.ID,
			Published:  next.Published,
			Effective:  next.Effective,
			Earliest:   earliest,
			NoticeDays: p.NoticeDays,
			Reductions: red,
		})
	}
	return errs
}

// verDay prints a date, with the time of day when it is not midnight.
func verDay(t time.Time) string {
	h, m, s := t.Clock()
	if h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339)
}

// verPlanIDs lists v's plans in PlanOrder, then any others sorted.
func verPlanIDs(v *Version) []string {
	var ids []string
	done := map[string]bool{}
	for _, id := range v.PlanOrder {
		if v.Plans[id] != nil && !done[id] {
			ids = append(ids, id)
			done[id] = true
		}
	}
	var rest []string
	for id, p := range v.Plans {
		if !done[id] && p != nil {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	return append(ids, rest...)
}

// overridePrefix names an override in a reduction: its customer or class
// and its plan.
func overridePrefix(o *Override) string {
	if o.Class != "" {
		return fmt.Sprintf("class %q plan %q", o.Class, o.Plan.ID)
	}
	return fmt.Sprintf("customer %q plan %q", o.Customer, o.Plan.ID)
}

func verFindOverride(v *Version, customer, class, plan string) *Plan {
	for _, o := range v.Overrides {
		if o != nil && o.Plan != nil && o.Customer == customer && o.Class == class && o.Plan.ID == plan {
			return o.Plan
		}
	}
	return nil
}

// reducer collects reductions under the current prefix.
type reducer struct {
	prefix string
	out    []string
}

func (r *reducer) add(format string, args ...any) {
	r.out = append(r.out, r.prefix+": "+fmt.Sprintf(format, args...))
}

// plan compares plan a (before) with plan b (after).
func (r *reducer) plan(a, b *Plan) {
	switch {
	case a.Objective != nil && b.Objective == nil:
		r.add("objective removed (was %s %%)", verRat(a.Objective))
	case a.Objective != nil && b.Objective.Cmp(a.Objective) < 0:
		r.add("objective lowered from %s %% to %s %%", verRat(a.Objective), verRat(b.Objective))
	}
	// A longer period averages a bad month with good ones.
	if a.Period != 0 && b.Period > a.Period && a.Rolling == 0 && b.Rolling == 0 {
		r.add("measurement period lengthened from %s to %s", a.Period, b.Period)
	}
	// So does a longer rolling window, or one longer than any month.
	switch {
	case a.Rolling > 0 && b.Rolling > a.Rolling:
		r.add("rolling window lengthened from %dd to %dd", a.Rolling, b.Rolling)
	case a.Rolling == 0 && a.Period == timeline.Month && b.Rolling > 31:
		r.add("measured over a rolling window of %dd instead of each month", b.Rolling)
	}
	for _, c := range a.Components {
		if !slices.Contains(b.Components, c) {
			r.add("component %q no longer covered", c)
		}
	}
	// "any" counts the union of the components' downtime, which is never
	// less than the worst single component's.
	if a.Combine == CombineAny && b.Combine == CombineWorst {
		r.add("components combined by %q instead of %q", b.Combine, a.Combine)
	}
	// "removed" takes maintenance out of the denominator too, which never
	// gives a higher uptime than "excused".
	if a.Formula == FormulaRemoved && b.Formula == FormulaExcused {
		r.add("formula changed from %q to %q", a.Formula, b.Formula)
	}
	for _, s := range verStatusKeys(a.Weights) {
		if b.Weights[s] < a.Weights[s] {
			r.add("weight of %s lowered from %d to %d thousandths", s, a.Weights[s], b.Weights[s])
		}
	}
	if b.MinDowntime > a.MinDowntime {
		r.add("minimum downtime raised from %s to %s", verDur(a.MinDowntime), verDur(b.MinDowntime))
	}
	// Whole intervals count at least the downtime itself, and a grid
	// whose step is a multiple of the other's covers it: only a step
	// that does not cover the old one's cells can count less.
	if a.CountIn > 0 && (b.CountIn == 0 || b.CountIn%a.CountIn != 0) {
		r.add("downtime no longer counted in whole intervals of %s (now %s)", verDur(a.CountIn), countInText(b.CountIn))
	}
	for _, c := range verCauseKeys(b.Excluded) {
		if b.Excluded[c] && !a.Excluded[c] {
			r.add("cause %q newly excluded", c)
		}
	}
	if b.MaintenanceNotice < a.MaintenanceNotice {
		r.add("maintenance notice shortened from %s to %s", verDur(a.MaintenanceNotice), verDur(b.MaintenanceNotice))
	}
	r.credits(a, b)
	r.eligibility(a.Eligibility, b.Eligibility)
	r.performance(a.Performance, b.Performance)
	r.support(a.Support, b.Support)
	r.incidents(a.Incidents, b.Incidents)
	r.recovery(a.Recovery, b.Recovery)
	r.upstream(a.Upstream, b.Upstream)
}

// upstream compares the objectives held on upstream components: they
// change no credit, but what the provider shows the third party delivered
// is a promise too.
func (r *reducer) upstream(a, b []*UpstreamObjective) {
	for _, ua := range a {
		i := slices.IndexFunc(b, func(ub *UpstreamObjective) bool { return ub.Component == ua.Component })
		switch {
		case i < 0:
			r.add("upstream component %q no longer reported", ua.Component)
		case ua.Objective == nil:
		case b[i].Objective == nil:
			r.add("objective on upstream component %q removed (was %s %%)", ua.Component, verRat(ua.Objective))
		case b[i].Objective.Cmp(ua.Objective) < 0:
			r.add("objective on upstream component %q lowered from %s %% to %s %%", ua.Component, verRat(ua.Objective), verRat(b[i].Objective))
		}
	}
}

func (r *reducer) credits(a, b *Plan) {
	ca, cb := &a.Credits, &b.Credits
	if u, was, now := verCreditDrop(ca, a.Objective, cb, b.Objective); u != nil {
		r.add("credits lower at %s %% uptime: %s %% instead of %s %%", verRat(u), verRat(now), verRat(was))
	}
	capA, capB := verHundred, verHundred
	if ca.Cap != nil {
		capA = ca.Cap
	}
	if cb.Cap != nil {
		capB = cb.Cap
	}
	if capB.Cmp(capA) < 0 {
		r.add("credit cap lowered from %s %% to %s %%", verRat(capA), verRat(capB))
	}
	r.claim(ca, cb)
}

// verCreditDrop probes both credit functions at uptimes from 100 % down to
// 0 % in steps of 0.001 %, and at and just below every tier threshold and
// objective; it returns the highest probed uptime where the new credit is
// lower than the old, with both credits, or nils.
func verCreditDrop(ca *Credits, oa *big.Rat, cb *Credits, ob *big.Rat) (uptime, was, now *big.Rat) {
	if verSameCredit(ca, oa, cb, ob) {
		return nil, nil, nil
	}
	// The edges, sorted from high to low, are merged into the grid, which
	// is walked from 100 % down without being materialised.
	var edges []*big.Rat
	epsilon := big.NewRat(1, 1_000_000_000)
	edge := func(x *big.Rat) {
		if x == nil {
			return
		}
		for _, e := range []*big.Rat{new(big.Rat).Set(x), new(big.Rat).Sub(x, epsilon)} {
			if e.Sign() >= 0 && e.Cmp(verHundred) <= 0 {
				edges = append(edges, e)
			}
		}
	}
	edge(oa)
	edge(ob)
	for _, c := range []*Credits{ca, cb} {
		for _, t := range c.Tiers {
			edge(t.Below)
		}
	}
	slices.SortFunc(edges, func(x, y *big.Rat) int { return y.Cmp(x) })
	probe := func(u *big.Rat) bool {
		was = CreditPercent(ca, oa, u)
		now = CreditPercent(cb, ob, u)
		return now.Cmp(was) < 0
	}
	grid := new(big.Rat)
	for k := int64(100_000); k >= 0; k-- {
		grid.SetFrac64(k, 1000)
		for len(edges) > 0 && edges[0].Cmp(grid) > 0 {
			if probe(edges[0]) {
				return edges[0], was, now
			}
			edges = edges[1:]
		}
		if probe(grid) {
			return new(big.Rat).Set(grid), was, now
		}
	}
	return nil, nil, nil
}

// verSameCredit reports whether two schedules under their objectives are
// written identically (so that probing them is pointless). The claim is not
// part of the credit function.
func verSameCredit(ca *Credits, oa *big.Rat, cb *Credits, ob *big.Rat) bool {
	if !verRatEq(oa, ob) || !verRatEq(ca.Cap, cb.Cap) || len(ca.Tiers) != len(cb.Tiers) {
		return false
	}
	for i := range ca.Tiers {
		if !verRatEq(ca.Tiers[i].Below, cb.Tiers[i].Below) || !verRatEq(ca.Tiers[i].Percent, cb.Tiers[i].Percent) {
			return false
		}
	}
	la, lb := ca.Linear, cb.Linear
	if la == nil || lb == nil {
		return la == nil && lb == nil
	}
	return verRatEq(la.Per, lb.Per) && verRatEq(la.Percent, lb.Percent) &&
		la.FromObjective == lb.FromObjective && la.Rounding == lb.Rounding
}

func verRatEq(x, y *big.Rat) bool {
	if x == nil || y == nil {
		return x == nil && y == nil
	}
	return x.Cmp(y) == 0
}

// claim compares the claim rules. A Within of 0 on a claimed credit means
// no deadline. A window from the failure is never longer than one of the
// same length from the period end; a move from the period end to the
// failure is reported whatever the lengths, since it can shorten the window
// by up to a whole period.
//
// It takes the schedules rather than their claims so as not to depend on the
// claim type's name.
func (r *reducer) claim(ca, cb *Credits) {
	a, b := &ca.Claim, &cb.Claim
	if b.Automatic {
		return
	}
	if a.Automatic {
		r.add("credits no longer applied automatically: they must be claimed %s", verClaimWindow(b.Within, b.FromFailure))
		return
	}
	switch {
	case b.Within == 0:
		// No deadline now: nothing shortened.
	case a.Within == 0:
		r.add("claim window shortened from no deadline to %s", verClaimWindow(b.Within, b.FromFailure))
	case !a.FromFailure && b.FromFailure:
		r.add("claim window moved from %s to %s", verClaimWindow(a.Within, a.FromFailure), verClaimWindow(b.Within, b.FromFailure))
	case b.Within < a.Within:
		r.add("claim window shortened from %s to %s", verClaimWindow(a.Within, a.FromFailure), verClaimWindow(b.Within, b.FromFailure))
	}
}

func verClaimWindow(within time.Duration, fromFailure bool) string {
	if within == 0 {
		return "with no deadline"
	}
	from := "the period end"
	if fromFailure {
		from = "the service failure"
	}
	return fmt.Sprintf("within %s of %s", verDur(within), from)
}

func (r *reducer) eligibility(a, b Eligibility) {
	if b.GoodStanding && !a.GoodStanding {
		r.add("eligibility condition added: account in good standing")
	}
	if b.NotTrial && !a.NotTrial {
		r.add("eligibility condition added: not on a free trial")
	}
}

func verPerfKey(o *PerfObjective) string {
	if o.ID != "" {
		return o.ID
	}
	return o.Metric + " " + o.Aggregate
}

func (r *reducer) performance(a, b []*PerfObjective) {
	for _, oa := range a {
		if oa == nil {
			continue
		}
		name := verPerfKey(oa)
		var ob *PerfObjective
		for _, x := range b {
			if x != nil && verPerfKey(x) == name {
				ob = x
				break
			}
		}
		if ob == nil {
			r.add("performance objective %q removed", name)
			continue
		}
		if ob.Metric != oa.Metric {
			r.add("performance objective %q: metric changed from %q to %q", name, oa.Metric, ob.Metric)
		}
		if oa.Max != nil {
			switch {
			case ob.Max == nil:
				r.add("performance objective %q: bound max %s removed", name, verRat(oa.Max))
			case ob.Max.Cmp(oa.Max) > 0:
				r.add("performance objective %q: max raised from %s to %s", name, verRat(oa.Max), verRat(ob.Max))
			}
		}
		if oa.Min != nil {
			switch {
			case ob.Min == nil:
				r.add("performance objective %q: bound min %s removed", name, verRat(oa.Min))
			case ob.Min.Cmp(oa.Min) < 0:
				r.add("performance objective %q: min lowered from %s to %s", name, verRat(oa.Min), verRat(ob.Min))
			}
		}
		if verLooserAggregate(oa, ob) {
			r.add("performance objective %q: aggregate changed from %s to %s", name, oa.Aggregate, ob.Aggregate)
		}
		ca, cb := verRatOr0(oa.Credit), verRatOr0(ob.Credit)
		if cb.Cmp(ca) < 0 {
			r.add("performance objective %q: credit lowered from %s %% to %s %%", name, verRat(ca), verRat(cb))
		}
		for _, c := range oa.Components {
			if !slices.Contains(ob.Components, c) {
				r.add("performance objective %q: component %q no longer covered", name, c)
			}
		}
	}
}

// verLooserAggregate reports whether b's aggregate can be easier to meet than
// a's: a lower percentile under a Max bound, a higher one under a Min bound,
// or any change involving the mean (which percentiles do not order).
func verLooserAggregate(a, b *PerfObjective) bool {
	if a.Aggregate == b.Aggregate {
		return false
	}
	ra, okA := verAggregateRank(a.Aggregate)
	rb, okB := verAggregateRank(b.Aggregate)
	if !okA || !okB {
		return true
	}
	if a.Max != nil && rb < ra {
		return true
	}
	if a.Min != nil && rb > ra {
		return true
	}
	return false
}

// verAggregateRank places min, pNN and max on one scale (0, NN, 100).
func verAggregateRank(s string) (float64, bool) {
	switch s {
	case "min":
		return 0, true
	case "max":
		return 100, true
	}
	if rest, ok := strings.CutPrefix(s, "p"); ok && rest != "" {
		x, ok := new(big.Rat).SetString(rest)
		if ok {
			f, _ := x.Float64()
			return f, true
		}
	}
	return 0, false
}

func verRatOr0(x *big.Rat) *big.Rat {
	if x == nil {
		return new(big.Rat)
	}
	return x
}

func (r *reducer) support(a, b *Support) {
	if a == nil {
		return
	}
	if b == nil {
		r.add("support targets removed")
		return
	}
	for _, s := range verSortedKeys(b.Pause) {
		if b.Pause[s] && !a.Pause[s] {
			r.add("support clocks now pause in ticket status %q", s)
		}
	}
	if a.ReopenRestart != b.ReopenRestart {
		if b.ReopenRestart {
			r.add("on reopen the resolution clock now restarts instead of continuing")
		} else {
			r.add("on reopen the resolution clock now continues instead of restarting")
		}
	}
	if a.PriorityRestart != b.PriorityRestart {
		if b.PriorityRestart {
			r.add("after a priority change the targets are now measured from the change instead of from the ticket's creation")
		} else {
			r.add("after a priority change the targets are now measured from the ticket's creation instead of from the change")
		}
	}
	ids := slices.Clone(a.PriorityOrder)
	for _, id := range verSortedKeys(a.Priorities) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		ta := a.Priorities[id]
		if ta == nil {
			continue
		}
		tb := b.Priorities[id]
		if tb == nil {
			r.add("support priority %q removed", id)
			continue
		}
		what := fmt.Sprintf("support priority %q: ", id)
		r.target(what+"first response", ta.FirstResponse, tb.FirstResponse)
		r.target(what+"ongoing response", ta.OngoingResponse, tb.OngoingResponse)
		r.target(what+"update interval", ta.UpdateEvery, tb.UpdateEvery)
		r.target(what+"resolution", ta.Resolution, tb.Resolution)
	}
}

// target compares one business-time target.
func (r *reducer) target(what string, a, b *Target) {
	if a == nil {
		return
	}
	if b == nil {
		r.add("%s target removed", what)
		return
	}
	if b.Duration > a.Duration {
		r.add("%s target lengthened from %s to %s", what, verDur(a.Duration), verDur(b.Duration))
	}
	// A range's lower end ("within 5-15 minutes") is reported as met or
	// not: dropping or lengthening it loosens what is shown. A plain
	// target at or under the old lower end keeps it.
	switch {
	case a.Lower <= 0 || b.Duration <= a.Lower:
	case b.Lower <= 0:
		r.add("%s range's lower end removed (was %s)", what, verDur(a.Lower))
	case b.Lower > a.Lower:
		r.add("%s range's lower end lengthened from %s to %s", what, verDur(a.Lower), verDur(b.Lower))
	}
	if na, nb := verCalName(a.Calendar), verCalName(b.Calendar); na != nb {
		r.add("%s calendar changed from %q to %q", what, na, nb)
	}
}

func verCalName(c *timeline.Calendar) string {
	if c == nil {
		return ""
	}
	return c.Name()
}

func (r *reducer) incidents(a, b *IncidentRules) {
	if a == nil {
		return
	}
	if b == nil {
		r.add("incident rules removed")
		return
	}
	for _, sev := range verSortedKeys(a.UpdateEvery) {
		r.target(fmt.Sprintf("incident updates for severity %q", sev), a.UpdateEvery[sev], b.UpdateEvery[sev])
	}
	r.target("post-mortem", a.Postmortem, b.Postmortem)
	if a.Postmortem == nil || b.Postmortem == nil {
		return
	}
	// An empty set of severities means every severity.
	if len(b.PostmortemSeverities) > 0 {
		if len(a.PostmortemSeverities) == 0 {
			r.add("post-mortem now required only for severities %s", verQuoteList(verTrueKeys(b.PostmortemSeverities)))
			return
		}
		for _, s := range verTrueKeys(a.PostmortemSeverities) {
			if !b.PostmortemSeverities[s] {
				r.add("post-mortem no longer required for severity %q", s)
			}
		}
	}
}

func (r *reducer) recovery(a, b *Recovery) {
	if a == nil {
		return
	}
	if b == nil {
		r.add("recovery objectives removed")
		return
	}
	r.bound("RTO", a.RTO, b.RTO)
	r.bound("RPO", a.RPO, b.RPO)
	r.bound("maximum data loss", a.MaxDataLoss, b.MaxDataLoss)
	r.bound("backup interval", a.BackupEvery, b.BackupEvery)
	if b.RestoreTests < a.RestoreTests {
		r.add("restore tests per period reduced from %d to %d", a.RestoreTests, b.RestoreTests)
	}
}

// bound compares a maximum duration where 0 means none.
func (r *reducer) bound(what string, a, b time.Duration) {
	switch {
	case a <= 0:
	case b <= 0:
		r.add("%s removed (was %s)", what, verDur(a))
	case b > a:
		r.add("%s lengthened from %s to %s", what, verDur(a), verDur(b))
	}
}

// verStatusKeys lists m's statuses in Statuses order, then unknown ones sorted.
func verStatusKeys(m map[Status]int64) []Status {
	var out []Status
	for _, s := range Statuses {
		if _, ok := m[s]; ok {
			out = append(out, s)
		}
	}
	var rest []Status
	for s := range m {
		if s.Rank() < 0 {
			rest = append(rest, s)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// verCauseKeys lists m's causes in Causes order, then unknown ones sorted.
func verCauseKeys(m map[Cause]bool) []Cause {
	var out []Cause
	for _, c := range Causes {
		if _, ok := m[c]; ok {
			out = append(out, c)
		}
	}
	var rest []Cause
	for c := range m {
		if !ValidCause(c) {
			rest = append(rest, c)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func verSortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func verTrueKeys(m map[string]bool) []string {
	var out []string
	for _, k := range verSortedKeys(m) {
		if m[k] {
			out = append(out, k)
		}
	}
	return out
}

func verQuoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// verRat prints r exactly when it has at most 9 decimals, else rounded to 9.
func verRat(r *big.Rat) string {
	if r == nil {
		return "none"
	}
	x := new(big.Rat).Set(r)
	ten := big.NewRat(10, 1)
	for p := 0; p < 9; p++ {
		if x.IsInt() {
			return r.FloatString(p)
		}
		x.Mul(x, ten)
	}
	return r.FloatString(9)
}

// countInText words a plan's CountIn for a reduction.
func countInText(d time.Duration) string {
	if d == 0 {
		return "as it is"
	}
	return "in whole intervals of " + verDur(d)
}

// verDur prints a duration as "N days" when it is whole days, else like
// time.Duration without zero minutes and seconds ("4h", "1h30m").
func verDur(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d == 0:
		return "0"
	case d == day:
		return "1 day"
	case d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
