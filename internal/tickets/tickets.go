// Package tickets is the service behind the support lead's view: the live
// SLA clocks of every ticket, computed by the engine (sla.LiveTickets)
// from the ticket and ticket-event facts the helpdesks send, under the
// plans of the customers' subscriptions.
package tickets

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
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
var factTypes = []string{"customer", "subscription", "ticket", "ticket_event"}

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
	Events []Event `json:"events"`
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
	fs, err := s.store.FactsOfType(ctx, factTypes, time.Unix(0, 0), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	var b bytes.Buffer
	for _, f := range fs {
		b.Write(bytes.TrimSpace(f.JSON))
		b.WriteByte('\n')
	}
	ev, err := facts.Parse("evidence", &b)
	if err != nil {
		return nil, fmt.Errorf("stored evidence: %v", err)
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

// Get is ticket id with its clocks and events; an unknown ticket, or one
// no plan's support targets cover, is *sla.NotFoundError.
func (s *Service) Get(ctx context.Context, id string) (*Ticket, error) {
	ev, err := s.evidence(ctx)
	if err != nil {
		return nil, err
	}
	lts, err := s.live(ev, Filter{All: true})
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(lts, func(lt *sla.LiveTicket) bool { return lt.Ticket == id })
	if i < 0 {
		return nil, &sla.NotFoundError{Msg: fmt.Sprintf("no ticket %q under a plan with support targets", id)}
	}
	t := &Ticket{LiveTicket: lts[i], Events: []Event{}}
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
