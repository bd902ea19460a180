// Package reports gathers the evidence the engine reads — the configured
// customers and subscriptions, then the stored facts — and evaluates the
// configured policies over it. The reports API and `slakeeper export` +
// `evaluate` share it, so they read exactly the same evidence.
package reports

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// Store is what reports read: the stored facts, the runs of monitoring
// coverage and the hourly summaries of the performance measured.
type Store interface {
	EachFactFor(ctx context.Context, q store.FactQuery, byTime bool, fn func(store.Fact) error) error
	Coverage(ctx context.Context, before time.Time) ([]store.CoverageRun, error)
	Samples(ctx context.Context, from, to time.Time) ([]store.SampleSum, error)
}

// The ids of the facts made from the server's own records start so:
// coverage runs and performance summaries. Facts sent to the server may
// not use them (Reserved).
const (
	CoveragePrefix = "coverage:"
	SamplesPrefix  = "samples:"
)

// Reserved reports whether id is one the server makes for its own
// records.
func Reserved(id string) bool {
	return strings.HasPrefix(id, CoveragePrefix) || strings.HasPrefix(id, SamplesPrefix)
}

var _ Store = (store.Store)(nil)

// Evidence renders everything the engine needs as JSON Lines: the
// configured customers and subscriptions, the runs of monitoring coverage
// that began before `to`, the hourly performance summaries of [from, to),
// then the stored facts the reports of [from, to) read (Selection). The
// reports API and `slakeeper export` share it, so both read exactly the
// same evidence.
func Evidence(ctx context.Context, c *config.Config, st Store, from, to time.Time) ([]byte, error) {
	var b bytes.Buffer
	if err := EvidenceTo(ctx, c, st, from, to, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ParsedEvidence is Evidence parsed (facts.Parse) as it is read from the
// store: the text of a month of evidence is never held whole, which
// halves the memory of a month-end close.
func ParsedEvidence(ctx context.Context, c *config.Config, st Store, from, to time.Time) (*sla.Evidence, error) {
	return parsedEvidence(ctx, c, nil, st, from, to)
}

// parsedEvidence is ParsedEvidence for the policies of c and extra.
func parsedEvidence(ctx context.Context, c *config.Config, extra []*sla.Policy, st Store, from, to time.Time) (*sla.Evidence, error) {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 256<<10)
		err := evidenceTo(ctx, c, extra, st, from, to, false, bw)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	ev, err := facts.Parse("evidence", pr)
	// A parse that stopped early stops the writer too.
	pr.CloseWithError(errors.New("evidence parse ended"))
	if err != nil {
		if sla.IsInput(err) {
			return nil, fmt.Errorf("stored evidence: %w", err)
		}
		return nil, err
	}
	return ev, nil
}

// EvidenceTo writes Evidence to w.
func EvidenceTo(ctx context.Context, c *config.Config, st Store, from, to time.Time, w io.Writer) error {
	return evidenceTo(ctx, c, nil, st, from, to, true, w)
}

// evidenceTo writes the evidence with the stored facts by time (as
// exported) or in the order stored (for the engine, which orders what it
// needs by time itself, ties in the order stored either way). The facts
// are those Selection picks for the policies of c and extra.
func evidenceTo(ctx context.Context, c *config.Config, extra []*sla.Policy, st Store, from, to time.Time, byTime bool, w io.Writer) error {
	from = from.Add(-reach(append(append([]*sla.Policy(nil), c.Policies...), extra...)))
	enc := json.NewEncoder(w)
	for _, cu := range c.Customers {
		line := map[string]any{"type": "customer", "id": cu.ID, "customer": cu.Customer, "name": cu.Name, "standing": cu.Standing}
		if len(cu.Contacts) > 0 {
			line["contacts"] = cu.Contacts
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	for _, sub := range c.Subscriptions {
		line := map[string]any{"type": "subscription", "id": sub.ID, "customer": sub.Customer, "policy": sub.Policy, "plan": sub.Plan,
			"fee": sub.Fee.FloatString(6), "currency": sub.Currency, "start": sub.Start.UTC().Format(time.RFC3339), "trial": sub.Trial}
		if !sub.End.IsZero() {
			line["end"] = sub.End.UTC().Format(time.RFC3339)
		}
		if len(sub.Set) > 0 {
			line["set"] = json.RawMessage(sub.Set)
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	// The server's own monitoring coverage, as coverage facts: runs that
	// began before to.
	runs, err := st.Coverage(ctx, to)
	if err != nil {
		return fmt.Errorf("read coverage: %w", err)
	}
	for _, r := range runs {
		start, end := r.Start.UTC().Truncate(time.Second), r.End.UTC().Truncate(time.Second)
		if !end.After(start) {
			continue
		}
		line := map[string]any{"type": "coverage", "id": fmt.Sprintf("%s%s:%d", CoveragePrefix, r.Component, r.Start.UnixMilli()),
			"component": r.Component, "start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339)}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	// The performance the checks measured, hour by hour, from `from`: a
	// sample fact per hour, component, location and metric, summarising
	// the hour's measurements (count, mean, min, max).
	sums, err := st.Samples(ctx, from, to)
	if err != nil {
		return fmt.Errorf("read samples: %w", err)
	}
	for _, x := range sums {
		// The mean, kept within the extremes the float sum may stray from.
		mean := min(max(x.Sum/float64(x.N), x.Min), x.Max)
		line := map[string]any{"type": "sample", "id": fmt.Sprintf("%s%s:%s:%s:%d", SamplesPrefix, x.Component, x.Location, x.Metric, x.Hour.Unix()),
			"at": x.Hour.UTC().Format(time.RFC3339), "component": x.Component, "metric": x.Metric, "value": mean,
			"count": x.N, "min": x.Min, "max": x.Max}
		if x.Location != "" {
			line["location"] = x.Location
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	q, err := Selection(ctx, c, extra, st, from, to)
	if err != nil {
		return err
	}
	nl := []byte{'\n'}
	return st.EachFactFor(ctx, q, byTime, func(f store.Fact) error {
		if _, err := w.Write(bytes.TrimSpace(f.JSON)); err != nil {
			return err
		}
		_, err := w.Write(nl)
		return err
	})
}

// reach is how far before a period the evidence of its reports must go
// for the longest rolling window of any plan of pols (its versions and
// overrides; custom terms cannot set one): the window ends by the
// period's end, so it starts at most its days before the period, and an
// hour more where a DST change lengthens those local days (the evidence
// already starts a day early for the plans' zones).
func reach(pols []*sla.Policy) time.Duration {
	days := 0
	for _, p := range pols {
		days = max(days, p.LongestWindow())
	}
	if days == 0 {
		return 0
	}
	return time.Duration(days)*24*time.Hour + time.Hour
}

// Selection is the stored facts the reports of [from, to) read, by type
// (docs/architecture.md, "Reports read a period's facts"): the facts
// before `to` of the types kept few or wanted whole (customers' standing,
// subscriptions, maintenance, incidents with their updates and
// post-mortems, attributions, claims, coverage, recovery); the samples
// and tickets of [from, to) and those tickets' events; the status facts
// of [from − lookback, end + lookback) — end is the period's end and its
// day of margin, lateEvidence before `to` — and, before that, the last
// of each component and source. lookback is the longest min_downtime of any plan the
// policies of c and extra may give (their versions, overrides and the
// subscriptions' custom terms): a down episode reaching into the period
// from before it is then either read whole or longer than every minimum,
// so every timeline, blip and figure is the one all facts would give.
// Ticket events are read by ticket (a ticket of the period may cite one
// dated before it); a ticket of an earlier period is never reported.
func Selection(ctx context.Context, c *config.Config, extra []*sla.Policy, st Store, from, to time.Time) (store.FactQuery, error) {
	pols := append(append([]*sla.Policy(nil), c.Policies...), extra...)
	subs := append([]*sla.Subscription(nil), c.Subscriptions...)
	// Stored subscriptions may carry custom terms too.
	err := st.EachFactFor(ctx, store.FactQuery{To: to, Whole: []string{"subscription"}}, false, func(f store.Fact) error {
		var w struct {
			Customer, Plan, Class string
			Set                   json.RawMessage
		}
		if json.Unmarshal(f.JSON, &w) == nil && len(w.Set) > 2 && w.Set[0] == '{' {
			subs = append(subs, &sla.Subscription{Customer: w.Customer, Plan: w.Plan, Class: w.Class, Set: w.Set})
		}
		return nil
	})
	if err != nil {
		return store.FactQuery{}, fmt.Errorf("read subscriptions: %w", err)
	}
	var lookback time.Duration
	for _, p := range pols {
		for _, v := range p.Versions {
			for _, pl := range v.AllPlans() {
				lookback = max(lookback, pl.MinDowntime)
			}
			for _, s := range subs {
				if len(s.Set) == 0 {
					continue
				}
				// A set that does not compile is the engine's error to
				// report; it gives no plan here.
				if pl, err := v.PlanOf(s); err == nil && pl != nil {
					lookback = max(lookback, pl.MinDowntime)
				}
			}
		}
	}
	// Every other type, a new one too, is read whole.
	var whole []string
	for _, t := range facts.Types {
		switch t {
		case "status", "ticket", "ticket_event", "sample":
		default:
			whole = append(whole, t)
		}
	}
	return store.FactQuery{From: from, To: to, Whole: whole,
		Window:       []string{"ticket", "sample"},
		TicketEvents: true,
		StatusFrom:   from.Add(-lookback),
		// Past the period (and its day of margin) only an episode's end
		// matters, within the lookback too.
		StatusTo: to.Add(-lateEvidence + 24*time.Hour + lookback),
	}, nil
}

// EvidenceRange is the span of the evidence a period's report reads:
// facts up to 92 days after the period (claims, post-mortems, late
// attributions), and performance summaries from the period's start, each
// with a day's margin for the plans' time zones.
func EvidenceRange(period string) (from, to time.Time, err error) {
	p, err := timeline.ParsePeriod(period, time.UTC)
	if err != nil {
		return time.Time{}, time.Time{}, &sla.InputError{Field: "period", Msg: err.Error()}
	}
	iv := p.Interval()
	return iv.Start.Add(-24 * time.Hour), iv.End.Add(lateEvidence), nil
}

// lateEvidence is how long after a period's end the evidence of its
// report runs (EvidenceRange, whatif's EvidenceSpan): 92 days for claims,
// post-mortems and late attributions and a day for the plans' zones.
const lateEvidence = 93 * 24 * time.Hour

// Query is what a report is asked for: the period, one policy or all
// (""), one customer or all (""), the time it is evaluated as of, and
// whether every interval behind the figures is kept (Explain).
type Query struct {
	Period, Policy, Customer string
	AsOf                     time.Time
	Explain                  bool
}

// Reports evaluates every configured policy (or q.Policy) over the
// evidence.
func Reports(c *config.Config, evidence []byte, q Query) ([]*sla.Report, error) {
	ev, err := facts.Parse("evidence", bytes.NewReader(evidence))
	if err != nil {
		return nil, fmt.Errorf("stored evidence: %w", err)
	}
	return Evaluate(c, ev, q, nil)
}

// Evaluate evaluates every configured policy (or q.Policy) over parsed
// evidence, each over the subscriptions that name it (or no policy) and
// that keep, if given, keeps.
func Evaluate(c *config.Config, ev *sla.Evidence, q Query, keep func(*sla.Policy, *sla.Subscription) bool) ([]*sla.Report, error) {
	reports := []*sla.Report{}
	for _, p := range c.Policies {
		if q.Policy != "" && p.ID != q.Policy {
			continue
		}
		// Subscriptions name their policy; keep each policy's own.
		scoped := *ev
		scoped.Subscriptions = nil
		for _, sub := range ev.Subscriptions {
			if (sub.Policy == "" || sub.Policy == p.ID) && (keep == nil || keep(p, sub)) {
				scoped.Subscriptions = append(scoped.Subscriptions, sub)
			}
		}
		rep, err := sla.Evaluate(sla.Request{Policy: p, Evidence: &scoped, Period: q.Period, Customer: q.Customer, AsOf: q.AsOf, Explain: q.Explain})
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.ID, err)
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

// TypeStore reads stored facts by type.
type TypeStore interface {
	FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error)
}

// FactsOfType reads and parses every stored fact of the given types,
// whatever its time: what the services that keep no copy of their own
// (tickets, customers, incidents, the intake's checks) read.
func FactsOfType(ctx context.Context, st TypeStore, types []string) (*sla.Evidence, error) {
	fs, err := st.FactsOfType(ctx, types, time.Unix(0, 0), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", strings.Join(types, ", "), err)
	}
	return ParseFacts("stored evidence", fs)
}

// ParseFacts parses stored facts. Stored evidence that does not parse is
// the server's problem, not a client's: a plain error, not an input one.
func ParseFacts(name string, fs []store.Fact) (*sla.Evidence, error) {
	var b bytes.Buffer
	for _, f := range fs {
		b.Write(bytes.TrimSpace(f.JSON))
		b.WriteByte('\n')
	}
	ev, err := facts.Parse(name, &b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return ev, nil
}

// PeriodHint prefixes a malformed period's error on the report pages.
const PeriodHint = "Want a month (2026-11), a quarter (2026-Q4) or a year (2026): "

// Browse evaluates q (its AsOf is now) for a page that moves between
// periods: the reports of q.Period, and the periods before and after it
// (none that has not begun). A malformed period or query is an input
// error, the period's prefixed with PeriodHint.
func Browse(ctx context.Context, c *config.Config, st Store, q Query) (prev, next string, reps []*sla.Report, err error) {
	from, end, err := EvidenceRange(q.Period)
	if err != nil {
		if sla.IsInput(err) {
			err = &sla.InputError{Msg: PeriodHint + err.Error()}
		}
		return "", "", nil, err
	}
	if pp, err := timeline.ParsePeriod(q.Period, time.UTC); err == nil {
		prev = pp.Prev().String()
		if n := pp.Next(); !n.Interval().Start.After(q.AsOf) {
			next = n.String()
		}
	}
	ev, err := Evidence(ctx, c, st, from, end)
	if err != nil {
		return prev, next, nil, err
	}
	reps, err = Reports(c, ev, q)
	return prev, next, reps, err
}
