// Package whatif compares a proposed policy with the policy in force over
// the evidence of past periods: per plan period and subscription, the
// uptime, whether the objective was met and the credit under each, and
// the credits' totals per currency. It is pure (no clock, no I/O): the
// CLI, the API and the operator page read the evidence once and call
// Compare.
package whatif

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// Range is a run of whole periods, from the first month of From to the
// last month of To, both given as "2026-01", "2026-Q1" or "2026".
type Range struct {
	From, To timeline.Period
}

// ParseRange reads a range; an empty to is from's own period. The
// errors are input errors at the field "from" or "to".
func ParseRange(from, to string) (Range, error) {
	if from == "" {
		return Range{}, &sla.InputError{Field: "from", Msg: "the first period is required: 2025-01, 2025-Q1 or 2025"}
	}
	f, err := timeline.ParsePeriod(from, time.UTC)
	if err != nil {
		return Range{}, &sla.InputError{Field: "from", Msg: err.Error()}
	}
	t := f
	if to != "" {
		if t, err = timeline.ParsePeriod(to, time.UTC); err != nil {
			return Range{}, &sla.InputError{Field: "to", Msg: err.Error()}
		}
	}
	r := Range{From: f, To: t}
	if r.last() < r.first() {
		return Range{}, &sla.InputError{Field: "to", Msg: fmt.Sprintf("%s ends before %s begins", to, from)}
	}
	return r, nil
}

// String is "2025-01..2025-12", or one period alone.
func (r Range) String() string {
	if r.From == r.To {
		return r.From.String()
	}
	return r.From.String() + ".." + r.To.String()
}

// monthIndex numbers months from year 0: year×12 + month − 1.
func monthIndex(p timeline.Period) (first, last int) {
	base := p.Year * 12
	switch p.Kind {
	case timeline.Month:
		return base + p.Index - 1, base + p.Index - 1
	case timeline.Quarter:
		return base + 3*(p.Index-1), base + 3*(p.Index-1) + 2
	}
	return base, base + 11
}

func (r Range) first() int { f, _ := monthIndex(r.From); return f }
func (r Range) last() int  { _, l := monthIndex(r.To); return l }

// Months is how many months the range spans.
func (r Range) Months() int { return r.last() - r.first() + 1 }

// EvidenceSpan is the span of evidence the range's reports read: from a
// day before its first month (plans' time zones) to 93 days after its
// last (claims, post-mortems and attributions that come late), as
// reports.EvidenceRange does for one period.
func (r Range) EvidenceSpan() (from, to time.Time) {
	f, l := r.first(), r.last()
	start := time.Date(f/12, time.Month(f%12+1), 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(l/12, time.Month(l%12+1), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	return start.Add(-24 * time.Hour), end.Add(93 * 24 * time.Hour)
}

// contains reports whether a plan period (as the engine names it) lies
// whole within the range.
func (r Range) contains(period string) bool {
	p, err := timeline.ParsePeriod(period, time.UTC)
	if err != nil {
		return false
	}
	f, l := monthIndex(p)
	return f >= r.first() && l <= r.last()
}

// Request is a comparison to make.
type Request struct {
	// InForce is the policy in force; Proposed the policy proposed in its
	// place. Proposed's newest version is applied to every period of the
	// range, whatever its effective date: the question is what its terms
	// would have given.
	InForce, Proposed *sla.Policy
	// Evidence is the evidence of the range (Range.EvidenceSpan), read
	// once for every period.
	Evidence *sla.Evidence
	Range    Range
	// Customer limits the comparison to one customer; empty means all.
	Customer string
	// AsOf is the instant the comparison is made (claims' deadlines, a
	// period still running).
	AsOf time.Time
	// Progress, when set, is told after each evaluation (two per chunk of
	// the range: in force and proposed).
	Progress func(done, total int)
}

// Outcome is a subscription period's figures under one policy.
type Outcome struct {
	Version   string  `json:"version"`
	Plan      string  `json:"plan"`
	Objective float64 `json:"objective_percent"`
	Uptime    float64 `json:"uptime_percent"`
	// UptimeExact is the exact fraction of percent, "n/d".
	UptimeExact   string  `json:"uptime_exact"`
	Met           bool    `json:"met"`
	LiableMinutes float64 `json:"liable_minutes"`
	TotalMinutes  float64 `json:"total_minutes"`
	// Window is "rolling 28d" when the plan is measured over the days
	// that end with the period instead of the period itself.
	Window        string  `json:"window,omitempty"`
	CreditPercent float64 `json:"credit_percent"`
	// Credit is the credit the terms give (percent of the fee, to the
	// cent); Owed the part owed given the claims made: automatic, or
	// claimed in time.
	Credit string `json:"credit"`
	Owed   string `json:"owed"`
	State  string `json:"state"`
	// Tickets counts the support tickets created in the period under the
	// subscription that the terms time; TargetsMet and TargetsMissed
	// their targets met and breached (pending ones are neither).
	Tickets       int `json:"tickets"`
	TargetsMet    int `json:"targets_met"`
	TargetsMissed int `json:"targets_missed"`
}

// Row is one subscription in one plan period, under both policies. One
// side is nil when that policy measures in other periods (a quarterly
// plan against a monthly one).
type Row struct {
	Period       string   `json:"period"`
	Customer     string   `json:"customer"`
	Subscription string   `json:"subscription"`
	Currency     string   `json:"currency"`
	Partial      bool     `json:"partial,omitempty"`
	InForce      *Outcome `json:"in_force"`
	Proposed     *Outcome `json:"proposed"`
	// Difference is the proposed credit less the credit in force.
	Difference string `json:"difference"`
	start      time.Time
	// period is Period's interval in the plan's zone, where the
	// subscription's tickets of the period were created.
	period timeline.Interval
}

// Total is the credits of one currency over the range.
type Total struct {
	Currency string `json:"currency"`
	// Rows counts the subscription periods; MetInForce and MetProposed
	// those whose objective was met under each.
	Rows        int `json:"rows"`
	MetInForce  int `json:"met_in_force"`
	MetProposed int `json:"met_proposed"`
	// TargetsMissedInForce and TargetsMissedProposed count the support
	// targets breached in those periods under each.
	TargetsMissedInForce  int `json:"targets_missed_in_force"`
	TargetsMissedProposed int `json:"targets_missed_proposed"`
	// Credits given by the terms, owed given the claims, and the
	// difference of the credits (proposed − in force).
	InForce      string `json:"in_force_credit"`
	Proposed     string `json:"proposed_credit"`
	Difference   string `json:"difference"`
	InForceOwed  string `json:"in_force_owed"`
	ProposedOwed string `json:"proposed_owed"`
}

// Result is the comparison.
type Result struct {
	Policy          string    `json:"policy"`
	Proposed        string    `json:"proposed"`
	ProposedVersion string    `json:"proposed_version"`
	From            string    `json:"from"`
	To              string    `json:"to"`
	AsOf            time.Time `json:"as_of"`
	Rows            []*Row    `json:"rows"`
	Totals          []*Total  `json:"totals"`
}

// Compare evaluates the policy in force and the proposed one over the
// evidence, for the subscriptions of the policy in force, and sets their
// outcomes side by side. The subscriptions keep their plan ids: a plan
// the proposed policy lacks is an input error naming it.
func Compare(req Request) (*Result, error) {
	if req.InForce == nil || req.Proposed == nil || req.Evidence == nil {
		return nil, fmt.Errorf("whatif: both policies and the evidence are required")
	}
	if len(req.Proposed.Versions) == 0 {
		return nil, &sla.InputError{Field: "policy", Msg: fmt.Sprintf("the proposed policy %q has no version", req.Proposed.ID)}
	}
	// The proposed terms stand for the whole range: its newest version,
	// in force from the beginning of time.
	newest := *req.Proposed.Versions[len(req.Proposed.Versions)-1]
	newest.Effective = time.Time{}
	proposed := *req.Proposed
	proposed.Versions = []*sla.Version{&newest}

	from, to := req.Range.EvidenceSpan()
	span := timeline.NewInterval(from, to)
	inForceEv, proposedEv := *req.Evidence, *req.Evidence
	inForceEv.Subscriptions, proposedEv.Subscriptions = nil, nil
	for _, s := range req.Evidence.Subscriptions {
		if s.Policy != "" && s.Policy != req.InForce.ID {
			continue
		}
		if req.Customer != "" && s.Customer != req.Customer {
			continue
		}
		inForceEv.Subscriptions = append(inForceEv.Subscriptions, s)
		moved := *s
		moved.Policy = proposed.ID
		proposedEv.Subscriptions = append(proposedEv.Subscriptions, &moved)
		// Only a subscription the range touches needs a plan.
		if !span.Overlaps(timeline.NewInterval(s.Start, endOr(s.End))) {
			continue
		}
		plan, err := newest.PlanOf(&moved)
		if err != nil {
			return nil, &sla.InputError{Field: "policy", Msg: fmt.Sprintf("subscription %q (customer %q): the proposed policy's terms: %v", s.ID, s.Customer, err)}
		}
		if plan == nil {
			return nil, &sla.InputError{Field: "policy", Msg: fmt.Sprintf("the proposed policy %q has no plan %q, which subscription %q (customer %q) is on under %q; add a plan with that id",
				proposed.ID, s.Plan, s.ID, s.Customer, req.InForce.ID)}
		}
	}

	chunks := req.Range.chunks(finest(req.InForce, &proposed))
	if finest(req.InForce, &proposed) == timeline.Month && max(req.InForce.LongestWindow(), proposed.LongestWindow()) > 0 {
		// A rolling window is measured once per period asked: to have
		// one per month, ask month by month.
		chunks = req.Range.months()
	}
	rows := map[rowKey]*Row{}
	bySub := map[string][]*Row{}
	zones := map[string]*time.Location{}
	done, total := 0, 2*len(chunks)
	for _, chunk := range chunks {
		for side, pol := range []*sla.Policy{req.InForce, &proposed} {
			ev := &inForceEv
			if side == 1 {
				ev = &proposedEv
			}
			rep, err := sla.Evaluate(sla.Request{Policy: pol, Evidence: ev, Period: chunk, Customer: req.Customer, AsOf: req.AsOf})
			if err != nil {
				if side == 0 {
					return nil, fmt.Errorf("policy in force %s, %s: %w", pol.ID, chunk, err)
				}
				return nil, fmt.Errorf("proposed policy %s, %s: %w", pol.ID, chunk, err)
			}
			for _, sr := range rep.Subscriptions {
				if !req.Range.contains(sr.Period) {
					continue
				}
				k := rowKey{sr.Subscription, sr.Period}
				r := rows[k]
				if r == nil {
					r = &Row{Period: sr.Period, Customer: sr.Customer, Subscription: sr.Subscription, Currency: sr.Credit.Currency, start: sr.Start,
						period: periodOf(sr, zones)}
					rows[k] = r
					bySub[sr.Subscription] = append(bySub[sr.Subscription], r)
				}
				r.Partial = r.Partial || sr.Partial
				o := outcome(versionOf(pol, sr, zones), sr)
				if side == 0 {
					r.InForce = o
				} else {
					r.Proposed = o
				}
			}
			for _, tr := range rep.Tickets {
				countTicket(bySub[tr.Subscription], side, tr)
			}
			done++
			if req.Progress != nil {
				req.Progress(done, total)
			}
		}
	}

	res := &Result{Policy: req.InForce.ID, Proposed: proposed.ID, ProposedVersion: newest.ID, From: req.Range.From.String(), To: req.Range.To.String(), AsOf: req.AsOf.UTC(), Rows: make([]*Row, 0, len(rows))}
	for _, r := range rows {
		res.Rows = append(res.Rows, r)
	}
	slices.SortFunc(res.Rows, func(a, b *Row) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.Period, b.Period), cmp.Compare(a.Customer, b.Customer), cmp.Compare(a.Subscription, b.Subscription))
	})
	totals := map[string]*sums{}
	var currencies []string
	for _, r := range res.Rows {
		s := totals[r.Currency]
		if s == nil {
			s = newSums()
			totals[r.Currency] = s
			currencies = append(currencies, r.Currency)
		}
		s.rows++
		in, pr := new(big.Rat), new(big.Rat)
		if r.InForce != nil {
			s.missedIn += r.InForce.TargetsMissed
			in = amount(r.InForce.Credit)
			s.in.Add(s.in, in)
			s.inOwed.Add(s.inOwed, amount(r.InForce.Owed))
			if r.InForce.Met {
				s.metIn++
			}
		}
		if r.Proposed != nil {
			s.missedPr += r.Proposed.TargetsMissed
			pr = amount(r.Proposed.Credit)
			s.pr.Add(s.pr, pr)
			s.prOwed.Add(s.prOwed, amount(r.Proposed.Owed))
			if r.Proposed.Met {
				s.metPr++
			}
		}
		r.Difference = new(big.Rat).Sub(pr, in).FloatString(2)
	}
	slices.Sort(currencies)
	res.Totals = make([]*Total, 0, len(currencies))
	for _, c := range currencies {
		s := totals[c]
		res.Totals = append(res.Totals, &Total{Currency: c, Rows: s.rows, MetInForce: s.metIn, MetProposed: s.metPr,
			TargetsMissedInForce: s.missedIn, TargetsMissedProposed: s.missedPr,
			InForce: s.in.FloatString(2), Proposed: s.pr.FloatString(2), Difference: new(big.Rat).Sub(s.pr, s.in).FloatString(2),
			InForceOwed: s.inOwed.FloatString(2), ProposedOwed: s.prOwed.FloatString(2)})
	}
	return res, nil
}

type rowKey struct{ subscription, period string }

type sums struct {
	rows, metIn, metPr     int
	missedIn, missedPr     int
	in, pr, inOwed, prOwed *big.Rat
}

func newSums() *sums {
	return &sums{in: new(big.Rat), pr: new(big.Rat), inOwed: new(big.Rat), prOwed: new(big.Rat)}
}

// amount reads a credit the engine wrote ("12.34"); anything else is 0.
func amount(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return new(big.Rat)
	}
	return r
}

// countTicket adds a ticket's targets to the outcome (side 0: in force,
// 1: proposed) of the row of its subscription whose period holds its
// creation; a ticket of a period outside the range has none.
func countTicket(rows []*Row, side int, tr *sla.TicketReport) {
	for _, r := range rows {
		if !r.period.Contains(tr.Created) {
			continue
		}
		o := r.InForce
		if side == 1 {
			o = r.Proposed
		}
		if o == nil {
			return
		}
		o.Tickets++
		for _, t := range tr.Targets {
			switch t.State {
			case sla.TargetMet:
				o.TargetsMet++
			case sla.TargetBreached:
				o.TargetsMissed++
			}
		}
		return
	}
}

// periodOf is the interval of a result's period in its plan's zone.
func periodOf(sr *sla.SubscriptionReport, zones map[string]*time.Location) timeline.Interval {
	loc, ok := zones[sr.TimeZone]
	if !ok {
		var err error
		if loc, err = time.LoadLocation(sr.TimeZone); err != nil {
			loc = time.UTC
		}
		zones[sr.TimeZone] = loc
	}
	p, err := timeline.ParsePeriod(sr.Period, loc)
	if err != nil {
		return timeline.Interval{}
	}
	return p.Interval()
}

// versionOf names the version of p a plan period was measured under:
// the one in force when the period began in the plan's zone.
func versionOf(p *sla.Policy, sr *sla.SubscriptionReport, zones map[string]*time.Location) string {
	iv := periodOf(sr, zones)
	if iv.Empty() {
		return ""
	}
	if v := p.VersionAt(iv.Start); v != nil {
		return v.ID
	}
	return ""
}

func outcome(version string, sr *sla.SubscriptionReport) *Outcome {
	return &Outcome{Version: version, Plan: sr.Plan, Objective: sr.Objective, Uptime: sr.Uptime, UptimeExact: sr.UptimeExact, Met: sr.Met,
		LiableMinutes: sr.LiableMinutes, TotalMinutes: sr.TotalMinutes, Window: sr.Window, CreditPercent: sr.Credit.Percent, Credit: sr.Credit.Amount,
		Owed: sr.Credit.Owed, State: sr.Credit.State}
}

// chunks are the periods the engine is asked for, each once and as few
// as can be: a year the range covers whole in one, a quarter it covers
// whole in one, the months of a quarter it covers in part. finest is the
// shortest period the engine may be asked for (the longest period any
// plan is measured in); a chunk longer than the range reports plan
// periods outside it, which Compare leaves out.
func (r Range) chunks(finest timeline.Kind) []string {
	var out []string
	for y := r.first() / 12; y <= r.last()/12; y++ {
		if (r.first() <= y*12 && r.last() >= y*12+11) || finest == timeline.Year {
			out = append(out, fmt.Sprintf("%04d", y))
			continue
		}
		for q := 0; q < 4; q++ {
			qf, ql := y*12+3*q, y*12+3*q+2
			if ql < r.first() || qf > r.last() {
				continue
			}
			if (r.first() <= qf && r.last() >= ql) || finest == timeline.Quarter {
				out = append(out, fmt.Sprintf("%04d-Q%d", y, q+1))
				continue
			}
			for m := max(qf, r.first()); m <= min(ql, r.last()); m++ {
				out = append(out, fmt.Sprintf("%04d-%02d", y, m%12+1))
			}
		}
	}
	return out
}

// months are the months of the range, in order.
func (r Range) months() []string {
	var out []string
	for m := r.first(); m <= r.last(); m++ {
		out = append(out, fmt.Sprintf("%04d-%02d", m/12, m%12+1))
	}
	return out
}

// finest is the shortest period the engine may be asked for with these
// policies: a year when a plan of any version is measured per year, a
// quarter when one is measured per quarter, else a month.
func finest(ps ...*sla.Policy) timeline.Kind {
	k := timeline.Month
	for _, p := range ps {
		for _, v := range p.Versions {
			for _, pl := range v.AllPlans() {
				switch {
				case pl.Period == timeline.Year:
					return timeline.Year
				case pl.Period == timeline.Quarter:
					k = timeline.Quarter
				}
			}
		}
	}
	return k
}

func endOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}
