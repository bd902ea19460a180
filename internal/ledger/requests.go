package ledger

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// FactWriter stores facts through the evidence intake: an approved claim
// becomes a claim fact, so that reports (and `evaluate` on exported
// evidence) show the credit claimed.
type FactWriter interface {
	AddFacts(ctx context.Context, who string, lines []byte) error
}

// ClaimInput is a claim for one subscription's credit of one period.
type ClaimInput struct {
	Subscription string `json:"subscription"`
	Period       string `json:"period"`
	Note         string `json:"note"`
	// Late asks to record a claim past its deadline; staff only, with
	// Reason.
	Late   bool   `json:"late"`
	Reason string `json:"reason"`
}

// Claim checks a claim against the policy's claim window and eligibility
// as of now and records it, submitted, for finance to decide. customer
// scopes a customer user to its own subscriptions ("" for staff); only
// staff may record a late claim, with a reason.
func (s *Service) Claim(ctx context.Context, who, customer string, in ClaimInput) (*store.CreditRequest, error) {
	if in.Subscription == "" {
		return nil, refuse("subscription", "required")
	}
	if _, err := timeline.ParsePeriod(in.Period, time.UTC); err != nil {
		return nil, refuse("period", "want a plan period such as 2026-11, 2026-Q4 or 2026: %v", err)
	}
	if len(in.Note) > 2000 {
		return nil, refuse("note", "at most 2000 characters")
	}
	now := s.now()
	evl, err := s.evaluate(ctx, in.Period, in.Subscription, now, false)
	if err != nil {
		return nil, err
	}
	rep, sr := evl.subReport("", in.Subscription)
	if sr == nil || (customer != "" && sr.Customer != customer) {
		// Another customer's subscription is as unknown as none.
		return nil, &sla.NotFoundError{Msg: fmt.Sprintf("no subscription %q in %s", in.Subscription, in.Period)}
	}
	cr := sr.Credit
	switch {
	case cr.State == sla.CreditAutomatic:
		return nil, refuse("subscription", "the credits of plan %s are applied automatically: there is nothing to claim", sr.Plan)
	case !cr.Eligible:
		return nil, refuse("subscription", "no credit is owed: %s", strings.Join(cr.Ineligible, "; "))
	case !nonZero(cr.Amount):
		return nil, refuse("period", "no credit is due for %s: uptime %s %% against an objective of %s %%", sr.Period, trimFloat(sr.Uptime, 4), trimFloat(sr.Objective, 4))
	}
	late := cr.ClaimDeadline != nil && now.After(*cr.ClaimDeadline)
	if late {
		if customer != "" || !in.Late {
			return nil, refuse("period", "the claim window for %s closed at %s", sr.Period, cr.ClaimDeadline.UTC().Format(time.RFC3339))
		}
		if strings.TrimSpace(in.Reason) == "" {
			return nil, refuse("reason", "a late claim needs the reason it is accepted")
		}
	}
	old, err := s.store.CreditRequests(ctx, store.LedgerFilter{Kind: KindClaim, Subscription: sr.Subscription, Period: sr.Period})
	if err != nil {
		return nil, err
	}
	for _, o := range old {
		if o.State != StateRejected {
			return nil, &sla.ConflictError{Msg: fmt.Sprintf("%s is claimed already: claim %s is %s", sr.Period, o.ID, o.State)}
		}
	}
	r := store.CreditRequest{ID: fmt.Sprintf("claim-%s-%s", sr.Subscription, sr.Period), Kind: KindClaim, Customer: sr.Customer,
		Subscription: sr.Subscription, Policy: rep.Policy, Period: sr.Period, Currency: cr.Currency, Amount: cr.Amount, Late: late,
		Note: strings.TrimSpace(in.Note), State: StateSubmitted, CreatedAt: now, CreatedBy: who,
		Log: []store.RequestStep{{At: now, Actor: who, Action: "submitted"}}}
	if len(old) > 0 {
		r.ID = fmt.Sprintf("%s-%d", r.ID, len(old)+1)
	}
	if cr.ClaimDeadline != nil {
		r.Deadline = *cr.ClaimDeadline
	}
	if late {
		r.Log[0].Action, r.Log[0].Reason = "submitted late", strings.TrimSpace(in.Reason)
	}
	if err := s.store.PutCreditRequest(ctx, r, false); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, &sla.ConflictError{Msg: fmt.Sprintf("claim %s exists already", r.ID)}
		}
		return nil, err
	}
	s.log.Info("claim submitted", "claim", r.ID, "by", who, "late", late)
	return &r, nil
}

// Decision is finance's answer to a request.
type Decision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

// Decide approves or rejects a submitted claim or adjustment, with who and
// why. An approved adjustment posts its entry now; an approved claim
// posts its credit now when its period is closed (the snapshot's amount),
// else the close posts it.
func (s *Service) Decide(ctx context.Context, who, kind, id string, d Decision) (*store.CreditRequest, error) {
	rs, err := s.store.CreditRequests(ctx, store.LedgerFilter{ID: id, Kind: kind})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, &sla.NotFoundError{Msg: fmt.Sprintf("no %s %q", kind, id)}
	}
	r := &rs[0]
	if r.State != StateSubmitted {
		return nil, &sla.ConflictError{Msg: fmt.Sprintf("%s is %s already", id, r.State)}
	}
	reason := strings.TrimSpace(d.Reason)
	if !d.Approve && reason == "" {
		return nil, refuse("reason", "a rejection needs its reason")
	}
	now := s.now()
	state, action := StateRejected, "rejected"
	var entry *store.LedgerEntry
	if d.Approve {
		state, action = StateApproved, "approved"
		switch r.Kind {
		case KindAdjustment:
			entry = &store.LedgerEntry{ID: "adjustment:" + r.ID, Kind: KindAdjustment, Customer: r.Customer, Subscription: r.Subscription,
				Policy: r.Policy, Period: r.Period, Currency: r.Currency, Amount: r.Amount, At: now, Actor: who, Reason: r.Note, Ref: r.ID}
		case KindClaim:
			snap, err := s.snapshot(ctx, r.Policy, r.Subscription, r.Period)
			if err != nil {
				return nil, err
			}
			if snap != nil {
				e := claimEntry(*r, snap.Report, now, who)
				entry = &e
			}
		}
	}
	if err := s.store.DecideCreditRequest(ctx, id, state, store.RequestStep{At: now, Actor: who, Action: action, Reason: reason}, entry); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, &sla.ConflictError{Msg: err.Error()}
		}
		return nil, err
	}
	if d.Approve && r.Kind == KindClaim && s.facts != nil {
		// The claim as evidence, dated when it was made.
		line, _ := json.Marshal(map[string]string{"type": "claim", "id": r.ID, "at": r.CreatedAt.UTC().Format(time.RFC3339),
			"customer": r.Customer, "subscription": r.Subscription, "period": r.Period})
		if err := s.facts.AddFacts(ctx, who, line); err != nil {
			s.log.Error("approved claim not stored as evidence", "claim", r.ID, "err", err)
		}
	}
	if entry != nil {
		if err := s.tell(ctx, *entry); err != nil {
			s.log.Error("credit event not queued", "entry", entry.ID, "err", err)
		}
	}
	s.log.Info("request decided", "id", id, "kind", r.Kind, "state", state, "by", who)
	r.State = state
	r.Log = append(r.Log, store.RequestStep{At: now, Actor: who, Action: action, Reason: reason})
	return r, nil
}

// snapshot is a closed period's stored report, nil when not closed.
func (s *Service) snapshot(ctx context.Context, policy, sub, period string) (*Snapshot, error) {
	cs, err := s.store.Closes(ctx, store.LedgerFilter{Policy: policy, Subscription: sub, Period: period}, true)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	var snap Snapshot
	if err := json.Unmarshal(cs[0].Report, &snap); err != nil {
		return nil, fmt.Errorf("snapshot of %s %s: %w", sub, period, err)
	}
	return &snap, nil
}

// Reverse takes a ledger entry back with an entry of the opposite amount,
// once, with who and why.
func (s *Service) Reverse(ctx context.Context, who, id, reason string) (*store.LedgerEntry, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, refuse("reason", "a reversal needs its reason")
	}
	es, err := s.store.Ledger(ctx, store.LedgerFilter{ID: id})
	if err != nil {
		return nil, err
	}
	revID := "reversal:" + id
	done, err := s.store.Ledger(ctx, store.LedgerFilter{ID: revID})
	if err != nil {
		return nil, err
	}
	switch {
	case len(es) == 0:
		return nil, &sla.NotFoundError{Msg: fmt.Sprintf("no ledger entry %q", id)}
	case len(done) > 0:
		return nil, &sla.ConflictError{Msg: fmt.Sprintf("entry %s is reversed already by %s", id, revID)}
	case es[0].Kind == KindReversal:
		return nil, refuse("id", "a reversal is not reversed; post an adjustment instead")
	}
	e := es[0]
	amount := new(big.Rat).Neg(sum(e.Amount))
	rev := store.LedgerEntry{ID: revID, Kind: KindReversal, Customer: e.Customer, Subscription: e.Subscription, Policy: e.Policy,
		Period: e.Period, Currency: e.Currency, Amount: money(amount), At: s.now(), Actor: who, Reason: strings.TrimSpace(reason), Ref: id}
	if err := s.store.AppendLedger(ctx, []store.LedgerEntry{rev}); err != nil {
		return nil, err
	}
	if err := s.tell(ctx, rev); err != nil {
		s.log.Error("credit event not queued", "entry", rev.ID, "err", err)
	}
	return &rev, nil
}

// Invoice notes the invoice an entry was billed on, once.
func (s *Service) Invoice(ctx context.Context, who, id, ref string) error {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 200 {
		return refuse("invoice", "want the invoice reference (1 to 200 characters)")
	}
	err := s.store.InvoiceEntry(ctx, id, ref, who, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &sla.NotFoundError{Msg: fmt.Sprintf("no ledger entry %q", id)}
	case errors.Is(err, store.ErrConflict):
		return &sla.ConflictError{Msg: err.Error()}
	}
	return err
}

// MarkLate records that evidence dated before this month arrived: the
// next run rechecks the closed periods it may change.
func (s *Service) MarkLate() { s.late.Store(true) }

// Recheck evaluates a closed period again and, for each closed
// subscription whose credit now differs from what the ledger holds for
// it, proposes an adjustment of the difference, explained, for finance to
// approve (one pending proposal per subscription and period: a newer one
// supersedes it). It returns the proposals made.
func (s *Service) Recheck(ctx context.Context, period string) ([]store.CreditRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	closed, err := s.store.Closes(ctx, store.LedgerFilter{Period: period}, false)
	if err != nil || len(closed) == 0 {
		return nil, err
	}
	now := s.now()
	evl, err := s.evaluate(ctx, period, "", now, false)
	if err != nil {
		return nil, err
	}
	entries, err := s.store.Ledger(ctx, store.LedgerFilter{Period: period})
	if err != nil {
		return nil, err
	}
	reqs, err := s.store.CreditRequests(ctx, store.LedgerFilter{Period: period})
	if err != nil {
		return nil, err
	}
	// Each subscription's requests and posted amounts.
	reqsOf := map[[2]string][]store.CreditRequest{}
	for _, r := range reqs {
		k := [2]string{r.Policy, r.Subscription}
		reqsOf[k] = append(reqsOf[k], r)
	}
	postedOf := map[[2]string][]string{}
	for _, e := range entries {
		k := [2]string{e.Policy, e.Subscription}
		postedOf[k] = append(postedOf[k], e.Amount)
	}
	var out []store.CreditRequest
	for _, c := range closed {
		k := [2]string{c.Policy, c.Subscription}
		_, sr := evl.subReport(c.Policy, c.Subscription)
		if sr == nil {
			continue
		}
		// What the period now owes: the automatic credit, or the credit of
		// an approved claim.
		owed := "0"
		if sr.Credit.State == sla.CreditAutomatic {
			owed = sr.Credit.Owed
		}
		pending := ""
		for _, r := range reqsOf[k] {
			if r.Kind == KindClaim && r.State == StateApproved && sr.Credit.Eligible {
				owed = sr.Credit.Amount
			}
			if r.Kind == KindAdjustment && r.State == StateSubmitted {
				pending = r.Amount
			}
		}
		posted := postedOf[k]
		diff := new(big.Rat).Sub(sum(owed), sum(posted...))
		if diff.Sign() == 0 || (pending != "" && sum(pending).Cmp(diff) == 0) {
			continue
		}
		// The closed figures, read only for what changed.
		snap, err := s.snapshot(ctx, c.Policy, c.Subscription, period)
		if err != nil || snap == nil {
			return nil, cmp.Or(err, fmt.Errorf("snapshot of %s %s: gone", c.Subscription, period))
		}
		r := store.CreditRequest{ID: fmt.Sprintf("adj-%s-%s-%d", c.Subscription, period, now.UnixMilli()), Kind: KindAdjustment,
			Customer: c.Customer, Subscription: c.Subscription, Policy: c.Policy, Period: period, Currency: sr.Credit.Currency,
			Amount: money(diff), Note: explain(snap.Report, sr, posted, owed), State: StateSubmitted, CreatedAt: now, CreatedBy: ActorClose,
			Log: []store.RequestStep{{At: now, Actor: ActorClose, Action: "proposed", Reason: "evidence changed after the close"}}}
		if err := s.store.PutCreditRequest(ctx, r, true); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) > 0 {
		s.log.Info("adjustments proposed", "period", period, "count", len(out))
	}
	return out, nil
}

// explain words the difference between the closed figures and now.
func explain(was, now *sla.SubscriptionReport, posted []string, owed string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "uptime %s %% at the close, %s %% now", trimFloat(was.Uptime, 4), trimFloat(now.Uptime, 4))
	if was.LiableMinutes != now.LiableMinutes {
		fmt.Fprintf(&b, " (liable downtime %s → %s min)", trimFloat(was.LiableMinutes, 2), trimFloat(now.LiableMinutes, 2))
	}
	fmt.Fprintf(&b, "; credit %s %% → %s %%; the ledger holds %s %s, the period now owes %s %s",
		trimFloat(was.Credit.Percent, 4), trimFloat(now.Credit.Percent, 4), money(sum(posted...)), now.Credit.Currency, money(sum(owed)), now.Credit.Currency)
	return b.String()
}

// recent is how far back the run rechecks closed periods after late
// evidence: the evidence a period's report reads ends 92 days after it.
const recent = 100 * 24 * time.Hour

// recheckRecent rechecks the months, quarters and years that ended within
// recent (a period closed is rechecked; one never closed costs a query).
func (s *Service) recheckRecent(ctx context.Context) {
	now := s.now()
	seen := map[string]bool{}
	for t := now.Add(-recent); t.Before(now); t = t.Add(24 * time.Hour) {
		for _, k := range []timeline.Kind{timeline.Month, timeline.Quarter, timeline.Year} {
			p := timeline.PeriodOf(t, k, time.UTC).String()
			if seen[p] {
				continue
			}
			seen[p] = true
			if _, err := s.Recheck(ctx, p); err != nil && ctx.Err() == nil {
				s.log.Error("recheck", "period", p, "err", err)
			}
		}
	}
}
