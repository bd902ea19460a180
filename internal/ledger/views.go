package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Filter selects what the views list; Customer scopes a customer's
// credential to its own.
type Filter = store.LedgerFilter

// Entry is a ledger entry as the API, the export and the pages show it.
type Entry struct {
	Seq          int64      `json:"seq"`
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Customer     string     `json:"customer"`
	Subscription string     `json:"subscription"`
	Policy       string     `json:"policy"`
	Period       string     `json:"period"`
	Currency     string     `json:"currency"`
	Amount       string     `json:"amount"`
	At           time.Time  `json:"at"`
	By           string     `json:"by"`
	Reason       string     `json:"reason"`
	Ref          string     `json:"ref,omitempty"`
	Invoice      string     `json:"invoice_ref"`
	InvoicedAt   *time.Time `json:"invoiced_at,omitempty"`
}

// Total is the sum of entries in one currency.
type Total struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
	Entries  int    `json:"entries"`
}

// Entries lists the ledger entries selected, in the order posted, with
// their totals by currency.
func (s *Service) Entries(ctx context.Context, f Filter) ([]Entry, []Total, error) {
	es, err := s.store.Ledger(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Entry, 0, len(es))
	for _, e := range es {
		v := Entry{Seq: e.Seq, ID: e.ID, Kind: e.Kind, Customer: e.Customer, Subscription: e.Subscription, Policy: e.Policy, Period: e.Period,
			Currency: e.Currency, Amount: e.Amount, At: e.At, By: e.Actor, Reason: e.Reason, Ref: e.Ref, Invoice: e.Invoice}
		if !e.InvoicedAt.IsZero() {
			at := e.InvoicedAt
			v.InvoicedAt = &at
		}
		out = append(out, v)
	}
	return out, Totals(out), nil
}

// Totals sums entries by currency, currencies in order.
func Totals(es []Entry) []Total {
	byCur := map[string][]string{}
	for _, e := range es {
		byCur[e.Currency] = append(byCur[e.Currency], e.Amount)
	}
	out := []Total{}
	for cur, amounts := range byCur {
		out = append(out, Total{Currency: cur, Amount: money(sum(amounts...)), Entries: len(amounts)})
	}
	slices.SortFunc(out, func(a, b Total) int { return strings.Compare(a.Currency, b.Currency) })
	return out
}

// Request is a claim or an adjustment as shown.
type Request struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Customer     string     `json:"customer"`
	Subscription string     `json:"subscription"`
	Policy       string     `json:"policy"`
	Period       string     `json:"period"`
	Currency     string     `json:"currency"`
	Amount       string     `json:"amount"`
	Deadline     *time.Time `json:"deadline,omitempty"`
	Late         bool       `json:"late,omitempty"`
	Note         string     `json:"note,omitempty"`
	State        string     `json:"state"`
	Created      time.Time  `json:"created"`
	By           string     `json:"by"`
	Log          []Step     `json:"log"`
}

// Step is one audited step of a request.
type Step struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
	Reason string    `json:"reason,omitempty"`
}

// RequestView shows a stored request.
func RequestView(r store.CreditRequest) Request {
	v := Request{ID: r.ID, Kind: r.Kind, Customer: r.Customer, Subscription: r.Subscription, Policy: r.Policy, Period: r.Period,
		Currency: r.Currency, Amount: r.Amount, Late: r.Late, Note: r.Note, State: r.State, Created: r.CreatedAt, By: r.CreatedBy, Log: []Step{}}
	if !r.Deadline.IsZero() {
		dl := r.Deadline
		v.Deadline = &dl
	}
	for _, st := range r.Log {
		v.Log = append(v.Log, Step{At: st.At, By: st.Actor, Action: st.Action, Reason: st.Reason})
	}
	return v
}

// Requests lists the claims or adjustments selected (f.Kind), oldest
// first.
func (s *Service) Requests(ctx context.Context, f Filter) ([]Request, error) {
	rs, err := s.store.CreditRequests(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(rs))
	for _, r := range rs {
		out = append(out, RequestView(r))
	}
	return out, nil
}

// Closed is a closed subscription period as shown: its snapshot.
type Closed struct {
	Policy       string                  `json:"policy"`
	Subscription string                  `json:"subscription"`
	Customer     string                  `json:"customer"`
	Period       string                  `json:"period"`
	Version      string                  `json:"version"`
	ClosedAt     time.Time               `json:"closed_at"`
	Trail        string                  `json:"trail,omitempty"`
	Report       *sla.SubscriptionReport `json:"report,omitempty"`
}

// Closes lists the closed subscription periods selected, with their
// snapshots when withReport.
func (s *Service) Closes(ctx context.Context, f Filter, withReport bool) ([]Closed, error) {
	cs, err := s.store.Closes(ctx, f, withReport)
	if err != nil {
		return nil, err
	}
	out := make([]Closed, 0, len(cs))
	for _, c := range cs {
		v := Closed{Policy: c.Policy, Subscription: c.Subscription, Customer: c.Customer, Period: c.Period, Version: c.Version,
			ClosedAt: c.ClosedAt, Trail: c.Trail}
		if withReport {
			var snap Snapshot
			if err := json.Unmarshal(c.Report, &snap); err != nil {
				return nil, err
			}
			v.Report = snap.Report
		}
		out = append(out, v)
	}
	return out, nil
}

// Trail is the intervals behind a closed period's figures; customer, when
// set, must have a close with that trail (else not found).
func (s *Service) Trail(ctx context.Context, hash, customer string) (json.RawMessage, error) {
	if customer != "" {
		cs, err := s.store.Closes(ctx, Filter{Customer: customer}, false)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(cs, func(c store.CloseRecord) bool { return c.Trail == hash }) {
			return nil, &sla.NotFoundError{Msg: "no trail " + hash}
		}
	}
	b, err := s.store.TrailOf(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &sla.NotFoundError{Msg: "no trail " + hash}
	}
	return b, err
}
