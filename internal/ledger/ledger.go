// Package ledger turns the engine's credits into money: it closes plan
// periods (an immutable snapshot per subscription and the automatic
// credits posted), takes claims and decides them, proposes adjustments
// when evidence arrives after a close, and keeps the append-only ledger
// that billing reads.
package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// Entry kinds.
const (
	KindCredit     = "credit"     // an automatic credit, posted by the close
	KindClaim      = "claim"      // a claim finance approved
	KindAdjustment = "adjustment" // a difference after late evidence, approved
	KindReversal   = "reversal"   // an entry taken back
)

// Request states.
const (
	StateSubmitted  = "submitted"
	StateApproved   = "approved"
	StateRejected   = "rejected"
	StateSuperseded = "superseded"
)

// ActorClose is who the close's own entries and proposals are by.
const ActorClose = "close"

// Store is what the ledger reads and writes.
type Store interface {
	reports.Store
	PutClosings(ctx context.Context, trails []store.Trail, cs []store.Closing) (int, error)
	Closes(ctx context.Context, f store.LedgerFilter, withReport bool) ([]store.CloseRecord, error)
	TrailOf(ctx context.Context, hash string) ([]byte, error)
	Ledger(ctx context.Context, f store.LedgerFilter) ([]store.LedgerEntry, error)
	AppendLedger(ctx context.Context, es []store.LedgerEntry) error
	InvoiceEntry(ctx context.Context, entry, ref, actor string, at time.Time) error
	PutCreditRequest(ctx context.Context, r store.CreditRequest, supersede bool) error
	CreditRequests(ctx context.Context, f store.LedgerFilter) ([]store.CreditRequest, error)
	DecideCreditRequest(ctx context.Context, id, state string, step store.RequestStep, entry *store.LedgerEntry) error
}

// Notifier is told of what a close or a decision posted: credit events
// for billing, the monthly notices for customers. Its calls must be
// idempotent by the ids they are given.
type Notifier interface {
	CreditPosted(ctx context.Context, e store.LedgerEntry) error
	Closed(ctx context.Context, customer, period string, subs []string) error
}

// Service is the ledger.
type Service struct {
	store  Store
	cfg    func() *config.Config
	now    func() time.Time
	log    *slog.Logger
	notify Notifier
	facts  FactWriter
	// mu keeps closes and rechecks one at a time in this process.
	mu   sync.Mutex
	late atomic.Bool // set by MarkLate, cleared by the run that rechecks
	// complete are the periods a close left nothing open in: the run
	// does not evaluate them again.
	complete sync.Map
}

// New returns the ledger service; notify and facts may be nil.
func New(st Store, cfg func() *config.Config, now func() time.Time, log *slog.Logger, notify Notifier, facts FactWriter) *Service {
	return &Service{store: st, cfg: cfg, now: now, log: log, notify: notify, facts: facts}
}

// evaluation is a period's reports, one per policy, and each
// subscription's by policy and subscription.
type evaluation struct {
	reports []*sla.Report
	bySub   map[[2]string]subReport
}

type subReport struct {
	rep *sla.Report
	sr  *sla.SubscriptionReport
}

// evaluate computes the period's reports as of asOf, for every policy,
// over the subscriptions whose plan is measured in periods of the
// period's kind (a quarterly plan is closed by quarter) — or over the one
// subscription sub, when given.
func (s *Service) evaluate(ctx context.Context, period, sub string, asOf time.Time, explain bool) (*evaluation, error) {
	p, err := timeline.ParsePeriod(period, time.UTC)
	if err != nil {
		return nil, &sla.InputError{Field: "period", Msg: err.Error()}
	}
	from, to, err := reports.EvidenceRange(period)
	if err != nil {
		return nil, err
	}
	c := s.cfg()
	ev, err := reports.ParsedEvidence(ctx, c, s.store, from, to)
	if err != nil {
		return nil, err
	}
	reps, err := reports.Evaluate(c, ev, reports.Query{Period: period, AsOf: asOf, Explain: explain}, func(pol *sla.Policy, s *sla.Subscription) bool {
		return (sub == "" || s.ID == sub) && kindOf(pol, s, p.Interval().Start) == p.Kind
	})
	if err != nil {
		return nil, err
	}
	out := &evaluation{reports: reps, bySub: map[[2]string]subReport{}}
	for _, rep := range reps {
		for _, sr := range rep.Subscriptions {
			out.bySub[[2]string{rep.Policy, sr.Subscription}] = subReport{rep, sr}
		}
	}
	return out, nil
}

// kindOf is the period kind of the plan a subscription gets in the
// version in force at at (the period's start), else in the newest version
// that has it; -1 when none does or it has a rolling window.
func kindOf(pol *sla.Policy, sub *sla.Subscription, at time.Time) timeline.Kind {
	kind := func(v *sla.Version) (timeline.Kind, bool) {
		pl, err := v.PlanOf(sub)
		if err != nil || pl == nil {
			return -1, false
		}
		if pl.Rolling > 0 {
			return -1, true // a rolling window owes no credit: nothing to close
		}
		return pl.Period, true
	}
	if v := pol.VersionAt(at); v != nil {
		if k, ok := kind(v); ok {
			return k
		}
	}
	for i := len(pol.Versions) - 1; i >= 0; i-- {
		if k, ok := kind(pol.Versions[i]); ok {
			return k
		}
	}
	return -1
}

// CloseResult is what a close did.
type CloseResult struct {
	Period string `json:"period"`
	// Closed counts the snapshots stored now, Already those stored by an
	// earlier close, Open the subscriptions whose period has not ended.
	Closed  int `json:"closed"`
	Already int `json:"already"`
	Open    int `json:"open"`
	// Posted are the entries posted now.
	Posted []store.LedgerEntry `json:"posted"`
}

// Close closes period: for every subscription whose plan period ended, it
// stores the report's snapshot (figures, trail, policy version) and posts
// its automatic credit and the credits of its approved claims, once. A
// second close, or one resumed after a crash, stores and posts only what
// is missing. progress, if not nil, is called after each stored chunk.
func (s *Service) Close(ctx context.Context, period string, progress func(done, total int)) (*CloseResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	evl, err := s.evaluate(ctx, period, "", now, true)
	if err != nil {
		return nil, err
	}
	res := &CloseResult{Period: period, Posted: []store.LedgerEntry{}}
	existing, err := s.store.Closes(ctx, store.LedgerFilter{Period: period}, false)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for _, c := range existing {
		done[c.Policy+"\x00"+c.Subscription+"\x00"+c.Period] = true
	}
	approvedList, err := s.store.CreditRequests(ctx, store.LedgerFilter{Kind: KindClaim, State: StateApproved, Period: period})
	if err != nil {
		return nil, err
	}
	approved := map[[2]string][]store.CreditRequest{}
	for _, r := range approvedList {
		k := [2]string{r.Policy, r.Subscription}
		approved[k] = append(approved[k], r)
	}
	var trails []store.Trail
	trailOf := map[*sla.Interval]string{}
	var cs []store.Closing
	for _, rep := range evl.reports {
		for _, sr := range rep.Subscriptions {
			if sr.Partial {
				res.Open++
				continue
			}
			if done[rep.Policy+"\x00"+sr.Subscription+"\x00"+sr.Period] {
				res.Already++
				continue
			}
			hash := ""
			if len(sr.Intervals) > 0 {
				if h, ok := trailOf[sr.Intervals[0]]; ok {
					hash = h
				} else {
					b, err := json.Marshal(sr.Intervals)
					if err != nil {
						return nil, err
					}
					sum := sha256.Sum256(b)
					hash = hex.EncodeToString(sum[:])
					trailOf[sr.Intervals[0]] = hash
					trails = append(trails, store.Trail{Hash: hash, Intervals: b})
				}
			}
			snap := *sr
			snap.Intervals = nil
			body, err := json.Marshal(Snapshot{Version: rep.Version, Report: &snap})
			if err != nil {
				return nil, err
			}
			c := store.Closing{Record: store.CloseRecord{Policy: rep.Policy, Subscription: sr.Subscription, Period: sr.Period,
				Customer: sr.Customer, Version: rep.Version, ClosedAt: now, Report: body, Trail: hash}}
			if sr.Credit.State == sla.CreditAutomatic && nonZero(sr.Credit.Owed) {
				c.Entries = append(c.Entries, store.LedgerEntry{ID: fmt.Sprintf("credit:%s:%s:%s", rep.Policy, sr.Subscription, sr.Period), Kind: KindCredit,
					Customer: sr.Customer, Subscription: sr.Subscription, Policy: rep.Policy, Period: sr.Period, Currency: sr.Credit.Currency,
					Amount: sr.Credit.Owed, At: now, Actor: ActorClose, Reason: creditReason(sr)})
			}
			for _, r := range approved[[2]string{rep.Policy, sr.Subscription}] {
				c.Entries = append(c.Entries, claimEntry(r, sr, now, ActorClose))
			}
			cs = append(cs, c)
		}
	}
	total := len(cs)
	for len(cs) > 0 {
		chunk := cs[:min(len(cs), 1000)]
		cs = cs[len(chunk):]
		// Tell billing first: the events' ids are the entries', so a
		// close resumed after a crash here tells nobody twice.
		for _, c := range chunk {
			for _, e := range c.Entries {
				if err := s.tell(ctx, e); err != nil {
					return nil, err
				}
			}
		}
		n, err := s.store.PutClosings(ctx, trails, chunk)
		if err != nil {
			return nil, err
		}
		trails = nil
		res.Closed += n
		for _, c := range chunk {
			res.Posted = append(res.Posted, c.Entries...)
		}
		if progress != nil {
			progress(res.Closed+res.Already, total+res.Already)
		}
	}
	if s.notify != nil && res.Closed > 0 {
		byCustomer := map[string][]string{}
		for _, rep := range evl.reports {
			for _, sr := range rep.Subscriptions {
				if !sr.Partial && !done[rep.Policy+"\x00"+sr.Subscription+"\x00"+sr.Period] {
					byCustomer[sr.Customer] = append(byCustomer[sr.Customer], sr.Subscription)
				}
			}
		}
		for cu, subs := range byCustomer {
			if err := s.notify.Closed(ctx, cu, period, subs); err != nil {
				s.log.Warn("monthly notice not queued", "customer", cu, "period", period, "err", err)
			}
		}
	}
	s.log.Info("period closed", "period", period, "closed", res.Closed, "already", res.Already, "open", res.Open, "posted", len(res.Posted))
	return res, nil
}

// tell tells billing of an entry posted (Notifier.CreditPosted), when
// anyone listens.
func (s *Service) tell(ctx context.Context, e store.LedgerEntry) error {
	if s.notify == nil {
		return nil
	}
	return s.notify.CreditPosted(ctx, e)
}

// Snapshot is a closed period's stored report: the figures and the policy
// version they used (the trail is kept apart, once per plan and window).
type Snapshot struct {
	Version string                  `json:"version"`
	Report  *sla.SubscriptionReport `json:"report"`
}

func creditReason(sr *sla.SubscriptionReport) string {
	r := fmt.Sprintf("automatic credit: uptime %s %% against %s %%, %s %% of the fee", trimFloat(sr.Uptime, 4), trimFloat(sr.Objective, 4), trimFloat(sr.Credit.Percent, 4))
	if sr.Credit.Capped {
		r += " (capped)"
	}
	return r
}

func claimEntry(r store.CreditRequest, sr *sla.SubscriptionReport, at time.Time, actor string) store.LedgerEntry {
	amount := r.Amount
	if sr != nil {
		amount = sr.Credit.Amount
	}
	return store.LedgerEntry{ID: "claim:" + r.ID, Kind: KindClaim, Customer: r.Customer, Subscription: r.Subscription, Policy: r.Policy,
		Period: r.Period, Currency: r.Currency, Amount: amount, At: at, Actor: actor, Reason: "approved claim " + r.ID, Ref: r.ID}
}

func trimFloat(f float64, prec int) string {
	s := fmt.Sprintf("%.*f", prec, f)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

func nonZero(amount string) bool {
	r, ok := new(big.Rat).SetString(amount)
	return ok && r.Sign() != 0
}

// Due lists the periods the server closes on its own: for each calendar
// plan of the policies, the last plan period, in the plan's time zone,
// that ended at least settle ago, when the plan's version was in force at
// that period's start. A period named here may still be running in
// another plan's zone: the close leaves those subscriptions open
// (CloseResult.Open) for a later run.
func (s *Service) Due(now time.Time, settle time.Duration) []string {
	var out []string
	for _, pol := range s.cfg().Policies {
		for _, v := range pol.Versions {
			for _, pl := range v.AllPlans() {
				if pl.Rolling > 0 {
					continue
				}
				// A plan's period counts under the version in force when it
				// began: a plan now measured over a rolling window still
				// closes its last calendar period.
				prev := timeline.PeriodOf(now.Add(-settle), pl.Period, pl.Location).Prev()
				if pol.VersionAt(prev.Interval().Start) != v {
					continue
				}
				if str := prev.String(); !slices.Contains(out, str) {
					out = append(out, str)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// Run closes the due periods every interval until ctx ends, after a first
// look at once.
func (s *Service) Run(ctx context.Context, every, settle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, p := range s.Due(s.now(), settle) {
			if _, ok := s.complete.Load(p); ok {
				continue
			}
			res, err := s.Close(ctx, p, nil)
			if err != nil && ctx.Err() == nil {
				s.log.Error("close", "period", p, "err", err)
			}
			// Done for good once it closed something and left nothing
			// open (a period without subscriptions yet may get some).
			if err == nil && res.Open == 0 && res.Closed+res.Already > 0 {
				s.complete.Store(p, true)
			}
		}
		if s.late.Swap(false) {
			s.recheckRecent(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func refuse(field, format string, args ...any) error {
	return &sla.InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// sum adds decimal amounts exactly.
func sum(amounts ...string) *big.Rat {
	t := new(big.Rat)
	for _, a := range amounts {
		if r, ok := new(big.Rat).SetString(a); ok {
			t.Add(t, r)
		}
	}
	return t
}

// money writes r with two decimals (amounts here are sums of cents).
func money(r *big.Rat) string { return r.FloatString(2) }

// subReport finds a subscription's report of the period under policy
// (any policy when "").
func (evl *evaluation) subReport(policy, sub string) (*sla.Report, *sla.SubscriptionReport) {
	if policy != "" {
		x := evl.bySub[[2]string{policy, sub}]
		return x.rep, x.sr
	}
	for _, rep := range evl.reports {
		if x, ok := evl.bySub[[2]string{rep.Policy, sub}]; ok {
			return x.rep, x.sr
		}
	}
	return nil, nil
}
