// Package tickets is the service behind the support lead's view: the live
// SLA clocks of every ticket, computed by the engine (sla.LiveTickets)
// from the ticket and ticket-event facts the helpdesks send, under the
// plans of the customers' subscriptions.
package tickets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Store is what the service reads: facts by type.
type Store interface {
	FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error)
}

var _ Store = (store.Store)(nil)

// factTypes are the facts the clocks are computed from: the tickets and
// their events, and the customers and subscriptions sent as facts besides
// the configured ones.
var factTypes = []string{"customer", "subscription", "subscription_end", "ticket", "ticket_event"}

// Service computes live ticket clocks.
type Service struct {
	store Store
	cfg   func() *config.Config
	now   func() time.Time
}

// New returns the service.
func New(st Store, cfg func() *config.Config, now func() time.Time) (*Service, error) {
	if st == nil || cfg == nil || now == nil {
		return nil, errors.New("tickets: store, config and clock are required")
	}
	return &Service{store: st, cfg: cfg, now: now}, nil
}

// Filter selects tickets: all or only the unsolved ones, and by customer,
// plan and priority ("" for any).
type Filter struct {
	All                      bool
	Customer, Plan, Priority string
}

// Match reports whether f selects lt.
func (f Filter) Match(lt *sla.LiveTicket) bool {
	return (f.All || !lt.Solved) && (f.Customer == "" || lt.Customer == f.Customer) && (f.Plan == "" || lt.Plan == f.Plan) &&
		(f.Priority == "" || lt.Priority == f.Priority)
}

// Ticket is a live ticket with its events.
type Ticket struct {
	*sla.LiveTicket
	// Unmatched, for a ticket no plan covers, says why.
	Unmatched string  `json:"unmatched,omitempty"`
	Events    []Event `json:"events"`
}

// Event is one event of a ticket as the API shows it.
type Event struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	Status   string    `json:"status,omitempty"`
	Priority string    `json:"priority,omitempty"`
}

// evidence reads the stored ticket facts with the configured customers
// and subscriptions.
func (s *Service) evidence(ctx context.Context) (*sla.Evidence, error) {
	ev, err := reports.FactsOfType(ctx, s.store, factTypes)
	if err != nil {
		return nil, err
	}
	c := s.cfg()
	ev.Customers = append(slices.Clone(c.Customers), ev.Customers...)
	ev.Subscriptions = append(slices.Clone(c.Subscriptions), ev.Subscriptions...)
	return ev, nil
}

// List is the tickets that f selects with their clocks now, sorted by the
// next deadline (none last): what is about to breach first.
func (s *Service) List(ctx context.Context, f Filter) ([]*sla.LiveTicket, error) {
	ev, err := s.evidence(ctx)
	if err != nil {
		return nil, err
	}
	return s.live(ev, f)
}

// Unmatched is a ticket that no plan's support targets cover, so it has
// no clocks: its customer is unknown (a helpdesk value no mapping
// matched), has no subscription in force when the ticket was opened, or
// its plan has no support targets. Such tickets are kept and shown,
// never dropped.
type Unmatched struct {
	Ticket   string    `json:"ticket"`
	Subject  string    `json:"subject,omitempty"`
	Customer string    `json:"customer"`
	Priority string    `json:"priority"`
	Opened   time.Time `json:"opened"`
	Source   string    `json:"source,omitempty"`
	Reason   string    `json:"reason"`
	Flags    []string  `json:"flags,omitempty"`
}

// Board is List with the unmatched tickets of f's customer and priority
// (newest first).
func (s *Service) Board(ctx context.Context, f Filter) ([]*sla.LiveTicket, []Unmatched, error) {
	ev, err := s.evidence(ctx)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.live(ev, Filter{All: true})
	if err != nil {
		return nil, nil, err
	}
	return s.board(ev, all, f)
}

// board is Board over the evidence and its covered tickets.
func (s *Service) board(ev *sla.Evidence, all []*sla.LiveTicket, f Filter) ([]*sla.LiveTicket, []Unmatched, error) {
	covered := make(map[string]bool, len(all))
	var list []*sla.LiveTicket
	for _, lt := range all {
		covered[lt.Ticket] = true
		if f.Match(lt) {
			list = append(list, lt)
		}
	}
	now := s.now()
	known := map[string]bool{}
	for _, c := range ev.Customers {
		known[c.ID] = true
	}
	subs := map[string]bool{}
	for _, sub := range ev.Subscriptions {
		known[sub.Customer], subs[sub.Customer] = true, true
	}
	var out []Unmatched
	for _, t := range ev.Tickets {
		if covered[t.ID] || t.At.After(now) || (f.Customer != "" && t.Customer != f.Customer) || (f.Priority != "" && t.Priority != f.Priority) {
			continue
		}
		u := Unmatched{Ticket: t.ID, Subject: t.Subject, Customer: t.Customer, Priority: t.Priority, Opened: t.At, Source: t.Source, Flags: sla.TicketFlags(t)}
		switch {
		case slices.Contains(t.Unmapped, "customer") || !known[t.Customer]:
			u.Reason = fmt.Sprintf("unknown customer %q: map the helpdesk's organisation or requester domain to a customer", t.Customer)
		case !subs[t.Customer]:
			u.Reason = fmt.Sprintf("customer %s has no subscription", t.Customer)
		default:
			u.Reason = fmt.Sprintf("no subscription of %s in force on %s has a plan with support targets", t.Customer, t.At.UTC().Format("2006-01-02"))
		}
		out = append(out, u)
	}
	slices.SortStableFunc(out, func(a, b Unmatched) int { return cmp.Or(b.Opened.Compare(a.Opened), cmp.Compare(a.Ticket, b.Ticket)) })
	return list, out, nil
}

func (s *Service) live(ev *sla.Evidence, f Filter) ([]*sla.LiveTicket, error) {
	now := s.now().UTC()
	var out []*sla.LiveTicket
	for _, p := range s.cfg().Policies {
		// Each policy reads the subscriptions to it (or to none named).
		scoped := *ev
		scoped.Subscriptions = nil
		for _, sub := range ev.Subscriptions {
			if sub.Policy == "" || sub.Policy == p.ID {
				scoped.Subscriptions = append(scoped.Subscriptions, sub)
			}
		}
		lts, err := sla.LiveTickets(p, &scoped, now)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.ID, err)
		}
		for _, lt := range lts {
			if f.Match(lt) {
				out = append(out, lt)
			}
		}
	}
	slices.SortStableFunc(out, sla.CompareLive)
	return out, nil
}

// Get is ticket id with its clocks and events. A ticket no plan covers
// comes without clocks and with the reason (Unmatched); an unknown one is
// *sla.NotFoundError.
func (s *Service) Get(ctx context.Context, id string) (*Ticket, error) {
	ev, err := s.evidence(ctx)
	if err != nil {
		return nil, err
	}
	lts, err := s.live(ev, Filter{All: true})
	if err != nil {
		return nil, err
	}
	var t *Ticket
	if i := slices.IndexFunc(lts, func(lt *sla.LiveTicket) bool { return lt.Ticket == id }); i >= 0 {
		t = &Ticket{LiveTicket: lts[i], Events: []Event{}}
	} else {
		_, un, err := s.board(ev, lts, Filter{})
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(un, func(u Unmatched) bool { return u.Ticket == id })
		if i < 0 {
			return nil, &sla.NotFoundError{Msg: fmt.Sprintf("no ticket %q", id)}
		}
		u := un[i]
		t = &Ticket{LiveTicket: &sla.LiveTicket{Ticket: u.Ticket, Subject: u.Subject, Customer: u.Customer, Priority: u.Priority, Opened: u.Opened,
			Source: u.Source, Flags: u.Flags, Clocks: []*sla.Clock{}, Facts: []string{u.Ticket}}, Unmatched: u.Reason, Events: []Event{}}
	}
	for _, e := range ev.TicketEvents {
		if e.Ticket == id {
			t.Events = append(t.Events, Event{ID: e.ID, At: e.At, Kind: e.Kind, Status: e.Status, Priority: e.Priority})
		}
	}
	slices.SortStableFunc(t.Events, func(a, b Event) int { return a.At.Compare(b.At) })
	return t, nil
}

// MonthRow counts the targets of one plan, priority and metric over the
// tickets opened in a period: met, breached, and still pending.
type MonthRow struct {
	Policy   string `json:"policy"`
	Plan     string `json:"plan"`
	Priority string `json:"priority"`
	Metric   string `json:"metric"`
	Met      int    `json:"met"`
	Breached int    `json:"breached"`
	Pending  int    `json:"pending"`
}

// Month is the targets met and breached per policy, plan, priority and
// metric of the tickets opened in period ("2026-11", in each plan's time
// zone), as the reports count them, as of now.
func (s *Service) Month(ctx context.Context, period string) ([]MonthRow, error) {
	ev, err := s.evidence(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	type key struct{ policy, plan, priority, metric string }
	counts := map[key]*MonthRow{}
	var order []key
	for _, p := range s.cfg().Policies {
		scoped := *ev
		scoped.Subscriptions = nil
		for _, sub := range ev.Subscriptions {
			if sub.Policy == "" || sub.Policy == p.ID {
				scoped.Subscriptions = append(scoped.Subscriptions, sub)
			}
		}
		rep, err := sla.Evaluate(sla.Request{Policy: p, Evidence: &scoped, Period: period, AsOf: now})
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.ID, err)
		}
		for _, tr := range rep.Tickets {
			for _, tg := range tr.Targets {
				k := key{p.ID, tr.Plan, tr.Priority, tg.Metric}
				row := counts[k]
				if row == nil {
					row = &MonthRow{Policy: k.policy, Plan: k.plan, Priority: k.priority, Metric: k.metric}
					counts[k] = row
					order = append(order, k)
				}
				switch tg.State {
				case sla.TargetMet:
					row.Met++
				case sla.TargetBreached:
					row.Breached++
				default:
					row.Pending++
				}
			}
		}
	}
	slices.SortFunc(order, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.policy, b.policy), cmp.Compare(a.plan, b.plan), cmp.Compare(a.priority, b.priority), cmp.Compare(a.metric, b.metric))
	})
	out := make([]MonthRow, 0, len(order))
	for _, k := range order {
		out = append(out, *counts[k])
	}
	return out, nil
}
