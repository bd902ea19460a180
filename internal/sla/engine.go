package sla

import (
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// Request asks the engine for one report.
type Request struct {
	Policy   *Policy
	Evidence *Evidence
	// Period is "2026-10", "2026-Q4" or "2026", read in each plan's time
	// zone. A longer period than the plan's gives one result per plan period.
	Period string
	// Customer limits the report to one customer; empty means all.
	Customer string
	// AsOf is the instant the report is made, for claim deadlines and
	// pending targets. The engine has no clock: the caller passes it.
	AsOf time.Time
	// Explain keeps every interval behind the figures in the report.
	Explain bool
}

// Evaluate computes the report. It is pure: the same request gives the same
// report.
func Evaluate(req Request) (*Report, error) {
	if req.Policy == nil || req.Evidence == nil {
		return nil, fmt.Errorf("evaluate: policy and evidence are required")
	}
	e := newEngine(req)
	rep := &Report{Policy: req.Policy.ID, Period: req.Period, AsOf: req.AsOf.UTC(),
		Subscriptions: []*SubscriptionReport{}, Tickets: []*TicketReport{}, Incidents: []*IncidentReport{}, Recovery: []*RecoveryReport{}}
	// The version is reported as the one in force at the start of the
	// requested period in UTC; each plan period picks its own below.
	if p, err := timeline.ParsePeriod(req.Period, time.UTC); err == nil {
		if v := req.Policy.VersionAt(p.Interval().Start); v != nil {
			rep.Version = v.ID
		}
	} else {
		return nil, &InputError{Field: "period", Msg: err.Error()}
	}

	subs := append([]*Subscription(nil), req.Evidence.Subscriptions...)
	sort.SliceStable(subs, func(i, j int) bool {
		if subs[i].Customer != subs[j].Customer {
			return subs[i].Customer < subs[j].Customer
		}
		return subs[i].ID < subs[j].ID
	})
	type planKey struct{ plan, period string }
	plansSeen := map[planKey]bool{}
	var planPeriods []planPeriod
	for _, s := range subs {
		if req.Customer != "" && s.Customer != req.Customer {
			continue
		}
		if s.Policy != "" && s.Policy != req.Policy.ID {
			continue
		}
		periods, err := e.periodsFor(s)
		if err != nil {
			return nil, err
		}
		for _, pp := range periods {
			win := pp.iv.Intersect(timeline.NewInterval(s.Start, endOr(s.End)))
			// A period still running is measured up to AsOf: what comes
			// after has not happened yet (a month-to-date figure). A
			// rolling window already ends by AsOf.
			partial := win.End.After(req.AsOf)
			if partial {
				win = win.Intersect(timeline.NewInterval(win.Start, req.AsOf))
			}
			if win.Empty() {
				continue
			}
			sr := e.subscription(s, pp, win)
			sr.Partial = partial
			if len(rep.Subscriptions) == 0 {
				// Name the version the results used, read in the plan's zone.
				rep.Version = pp.version.ID
			}
			rep.Subscriptions = append(rep.Subscriptions, sr)
			k := planKey{pp.plan.ID, pp.period.String()}
			switch {
			case len(s.Set) > 0:
				k.plan = pp.plan.ID + "/subscription/" + s.ID
			case pp.plan != pp.version.Plans[pp.plan.ID]:
				k.plan = pp.plan.ID + "/override/" + s.Customer
			}
			if !plansSeen[k] {
				plansSeen[k] = true
				planPeriods = append(planPeriods, pp)
			}
		}
	}

	tickets, err := e.tickets()
	if err != nil {
		return nil, err
	}
	rep.Tickets = tickets

	for _, pp := range planPeriods {
		iv := pp.iv
		if pp.plan.Incidents != nil {
			for _, in := range e.ev.Incidents {
				// An incident opened after AsOf has not happened yet.
				if !iv.Contains(in.At) || in.At.After(req.AsOf) || !touches(in, pp.plan.Components) {
					continue
				}
				ir, err := EvaluateIncident(in, e.updates[in.ID], e.postmortems[in.ID], pp.plan.Incidents, req.AsOf)
				if err != nil {
					return nil, err
				}
				ir.Plan = pp.plan.ID
				rep.Incidents = append(rep.Incidents, ir)
			}
		}
		if pp.plan.Recovery != nil {
			rr := EvaluateRecovery(pp.plan.ID, pp.plan.Recovery, iv, e.ev, pp.plan.Components, req.AsOf)
			rep.Recovery = append(rep.Recovery, rr)
		}
	}
	return rep, nil
}

func endOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

func touches(in *Incident, comps []string) bool {
	for _, c := range comps {
		if _, ok := in.Components[c]; ok {
			return true
		}
	}
	return false
}

type planPeriod struct {
	version *Version
	plan    *Plan
	period  timeline.Period
	// iv is what is measured: the period, or the plan's rolling window
	// that ends with it (at AsOf while it runs).
	iv timeline.Interval
}

// periodsFor resolves the plan periods of the requested period for one
// subscription: each period uses the version in force at its start. A
// plan with a rolling window gives one: the window of its last N local
// days that ends at the requested period's end, or at AsOf while the
// period runs, under the version in force at the period's start.
func (e *engine) periodsFor(s *Subscription) ([]planPeriod, error) {
	// The plan's period kind and zone come from the newest version that has
	// the plan; each resulting period then picks the version in force.
	var probe *Plan
	for i := len(e.pol.Versions) - 1; i >= 0 && probe == nil; i-- {
		var err error
		if probe, err = e.pol.Versions[i].PlanOf(s); err != nil {
			return nil, subscriptionSetError(s, e.pol.Versions[i], err)
		}
	}
	if probe == nil {
		return nil, &InputError{Field: "plan", Msg: fmt.Sprintf("subscription %q names plan %q, which policy %q does not have", s.ID, s.Plan, e.pol.ID)}
	}
	req, err := timeline.ParsePeriod(e.req.Period, probe.Location)
	if err != nil {
		return nil, &InputError{Field: "period", Msg: err.Error()}
	}
	if probe.Rolling > 0 {
		// A plan that moved to a rolling window from calendar periods is
		// split as the calendar plan in force when the request begins
		// was: each of those periods then gives its own result, a
		// calendar period or the window that ends with it.
		if v0 := e.pol.VersionAt(req.Interval().Start); v0 != nil {
			if p0, err := v0.PlanOf(s); err == nil && p0 != nil && p0.Rolling == 0 {
				probe = p0
				if req, err = timeline.ParsePeriod(e.req.Period, probe.Location); err != nil {
					return nil, &InputError{Field: "period", Msg: err.Error()}
				}
			}
		}
	}
	var periods []timeline.Period
	switch {
	case probe.Rolling > 0 || req.Kind == probe.Period:
		periods = []timeline.Period{req}
	case probe.Period == timeline.Month:
		periods = req.Months()
	case probe.Period == timeline.Quarter && req.Kind == timeline.Year:
		for q := 1; q <= 4; q++ {
			periods = append(periods, timeline.Period{Kind: timeline.Quarter, Year: req.Year, Index: q, Loc: probe.Location})
		}
	default:
		return nil, &InputError{Field: "period", Msg: fmt.Sprintf("plan %q is measured per %s; ask for a whole %s or longer", s.Plan, probe.Period, probe.Period)}
	}
	var out []planPeriod
	for _, p := range periods {
		start := p.Interval().Start
		v := e.pol.VersionAt(start)
		if v == nil {
			return nil, &InputError{Field: "period", Msg: fmt.Sprintf("no version of policy %q is in force on %s", e.pol.ID, start.Format(time.RFC3339))}
		}
		plan, err := v.PlanOf(s)
		if err != nil {
			return nil, subscriptionSetError(s, v, err)
		}
		if plan == nil {
			return nil, &InputError{Field: "plan", Msg: fmt.Sprintf("subscription %q names plan %q, which version %q does not have", s.ID, s.Plan, v.ID)}
		}
		if plan.Rolling > 0 {
			if plan.Location.String() != p.Loc.String() {
				p = timeline.Period{Kind: p.Kind, Year: p.Year, Index: p.Index, Loc: plan.Location}
			}
			end := p.Interval().End
			if e.req.AsOf.Before(end) {
				end = e.req.AsOf
			}
			if !end.After(p.Interval().Start) {
				continue // the period has not begun
			}
			// Local days: 28 of them across a DST change are 28 × 24 h ± 1 h.
			win := timeline.NewInterval(end.In(plan.Location).AddDate(0, 0, -plan.Rolling), end)
			out = append(out, planPeriod{version: v, plan: plan, period: p, iv: win})
			continue
		}
		// A version may move the plan to another zone or period kind;
		// re-read the period in its terms.
		if plan.Location.String() != p.Loc.String() || plan.Period != p.Kind {
			p = timeline.PeriodOf(start, plan.Period, plan.Location)
		}
		out = append(out, planPeriod{version: v, plan: plan, period: p, iv: p.Interval()})
	}
	return out, nil
}

// engine holds the evidence indexed for one request.
type engine struct {
	req         Request
	pol         *Policy
	ev          *Evidence
	statuses    map[string][]*StatusChange
	incidents   map[string][]*Incident
	updates     map[string][]*IncidentUpdate
	postmortems map[string][]*Postmortem
	maint       map[string][]*Maintenance
	attrs       map[string][]*Attribution
	samples     map[string][]*Sample
	customers   map[string][]*Customer
	claims      map[string][]*CreditClaim
	events      map[string][]*TicketEvent
	timelines   map[string][]segment
	pieces      map[pieceKey][]piece
	avails      map[availKey]*avail
	subsOf      map[string][]*Subscription
	// coverage is, per tracked component, the union of its coverage.
	coverage map[string]timeline.Set
}

func newEngine(req Request) *engine {
	ev := req.Evidence
	e := &engine{req: req, pol: req.Policy, ev: ev,
		statuses: map[string][]*StatusChange{}, incidents: map[string][]*Incident{}, updates: map[string][]*IncidentUpdate{},
		postmortems: map[string][]*Postmortem{}, maint: map[string][]*Maintenance{}, attrs: map[string][]*Attribution{},
		samples: map[string][]*Sample{}, customers: map[string][]*Customer{}, claims: map[string][]*CreditClaim{},
		events: map[string][]*TicketEvent{}, timelines: map[string][]segment{}, pieces: map[pieceKey][]piece{}, avails: map[availKey]*avail{}, subsOf: map[string][]*Subscription{}}
	for _, s := range ev.Subscriptions {
		e.subsOf[s.Customer] = append(e.subsOf[s.Customer], s)
	}
	e.coverage = map[string]timeline.Set{}
	for _, c := range ev.Coverage {
		e.coverage[c.Component] = e.coverage[c.Component].Union(timeline.NewSet(timeline.NewInterval(c.Start, c.End)))
	}
	for _, s := range ev.Statuses {
		e.statuses[s.Component] = append(e.statuses[s.Component], s)
	}
	for _, in := range ev.Incidents {
		for c := range in.Components {
			e.incidents[c] = append(e.incidents[c], in)
		}
	}
	for _, u := range ev.IncidentUpdates {
		e.updates[u.Incident] = append(e.updates[u.Incident], u)
	}
	for _, u := range e.updates {
		sort.SliceStable(u, func(i, j int) bool { return u[i].At.Before(u[j].At) })
	}
	for _, p := range ev.Postmortems {
		e.postmortems[p.Incident] = append(e.postmortems[p.Incident], p)
	}
	for _, m := range ev.Maintenance {
		// A cancelled window counts only up to its cancellation.
		m, ok := m.InForce()
		if !ok {
			continue
		}
		for _, c := range m.Components {
			e.maint[c] = append(e.maint[c], m)
		}
	}
	for _, a := range ev.Attributions {
		for _, c := range a.Components {
			e.attrs[c] = append(e.attrs[c], a)
		}
	}
	for _, s := range ev.Samples {
		e.samples[s.Component] = append(e.samples[s.Component], s)
	}
	for _, c := range ev.Customers {
		e.customers[c.Customer] = append(e.customers[c.Customer], c)
	}
	for _, c := range e.customers {
		sort.SliceStable(c, func(i, j int) bool { return c[i].At.Before(c[j].At) })
	}
	for _, c := range ev.Claims {
		e.claims[c.Subscription] = append(e.claims[c.Subscription], c)
	}
	for _, t := range ev.TicketEvents {
		e.events[t.Ticket] = append(e.events[t.Ticket], t)
	}
	return e
}

// tickets evaluates every ticket created in the requested period by a
// customer in scope, against the support targets of the plan the customer
// was subscribed to when the ticket was created.
func (e *engine) tickets() ([]*TicketReport, error) {
	out := []*TicketReport{}
	tickets := append([]*Ticket(nil), e.ev.Tickets...)
	sort.SliceStable(tickets, func(i, j int) bool { return tickets[i].At.Before(tickets[j].At) })
	for _, t := range tickets {
		if (e.req.Customer != "" && t.Customer != e.req.Customer) || t.At.After(e.req.AsOf) {
			continue
		}
		sub, plan, err := e.planAt(t.Customer, t.At)
		if err != nil {
			return nil, err
		}
		if plan == nil || plan.Support == nil {
			continue
		}
		p, err := timeline.ParsePeriod(e.req.Period, plan.Location)
		if err != nil {
			return nil, &InputError{Field: "period", Msg: err.Error()}
		}
		if !p.Interval().Contains(t.At) {
			continue
		}
		tr, err := EvaluateTicket(t, e.events[t.ID], plan.Support, e.req.AsOf)
		if err != nil {
			return nil, err
		}
		tr.Customer, tr.Subscription, tr.Created = t.Customer, sub.ID, t.At.UTC()
		tr.Plan = sub.Plan
		out = append(out, tr)
	}
	return out, nil
}

// planAt finds the customer's subscription to this policy active at t and
// the plan it gave then.
func (e *engine) planAt(customer string, t time.Time) (*Subscription, *Plan, error) {
	for _, s := range e.subsOf[customer] {
		if s.Policy != "" && s.Policy != e.pol.ID {
			continue
		}
		if t.Before(s.Start) || !t.Before(endOr(s.End)) {
			continue
		}
		v := e.pol.VersionAt(t)
		if v == nil {
			return nil, nil, nil
		}
		plan, err := v.PlanOf(s)
		if err != nil {
			return nil, nil, subscriptionSetError(s, v, err)
		}
		return s, plan, nil
	}
	return nil, nil, nil
}

// subscriptionSetError names the subscription and version whose custom
// terms do not compile.
func subscriptionSetError(s *Subscription, v *Version, err error) error {
	return fmt.Errorf("subscription %q: custom terms against version %q: %w", s.ID, v.ID, err)
}

// ratFloat converts for display fields; the exact value stays in the Rat.
func ratFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}
