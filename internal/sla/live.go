package sla

import (
	"cmp"
	"slices"
	"time"
)

// The states of a live ticket clock.
const (
	ClockRunning  = "running"  // counting business time towards its deadline
	ClockPaused   = "paused"   // stopped while the ticket waits (a pause status)
	ClockMet      = "met"      // achieved in time
	ClockBreached = "breached" // past its deadline, achieved late or not yet
)

// LiveTicket is a ticket's SLA clocks as of a time, under the plan of the
// customer's subscription to the policy when the ticket was created.
type LiveTicket struct {
	Ticket       string    `json:"ticket"`
	Subject      string    `json:"subject,omitempty"`
	Customer     string    `json:"customer"`
	Subscription string    `json:"subscription"`
	Policy       string    `json:"policy"`
	Plan         string    `json:"plan"`
	Priority     string    `json:"priority"`
	Opened       time.Time `json:"opened"`
	// Status is the ticket's status now ("open", a helpdesk status such
	// as "pending_customer", "solved"); Solved and Paused follow from it.
	Status string   `json:"status"`
	Solved bool     `json:"solved"`
	Paused bool     `json:"paused"`
	Clocks []*Clock `json:"clocks"`
	// NextDeadline is the earliest deadline of a clock still running or
	// paused: what a support lead sorts by.
	NextDeadline *time.Time `json:"next_deadline,omitempty"`
	Facts        []string   `json:"facts"`
}

// Clock is one target of a live ticket: its state, the business time used
// and left (minutes, on the target's calendar), and its deadline.
type Clock struct {
	Metric           string    `json:"metric"`
	State            string    `json:"state"`
	Calendar         string    `json:"calendar"`
	TargetMinutes    float64   `json:"target_minutes"`
	UsedMinutes      float64   `json:"used_minutes"`
	RemainingMinutes float64   `json:"remaining_minutes"`
	Deadline         time.Time `json:"deadline"`
	// UsedShare is used ÷ target, the share of the budget spent (above 1
	// once breached).
	UsedShare float64 `json:"used_share"`
	Cycles    int     `json:"cycles,omitempty"`
	Breaches  int     `json:"breaches,omitempty"`
}

// LiveTickets computes, as of asOf, the clocks of every ticket of ev that
// a subscription to pol covers with support targets (the plan of the
// subscription in force at the ticket's creation, overrides included),
// with EvaluateTicket's rules. Tickets created after asOf are left out.
// A clock is met or breached as the target is; a pending one is paused
// while the ticket's status is a pause status (or solved), else running.
// Sorted by next deadline (none last), then creation.
func LiveTickets(pol *Policy, ev *Evidence, asOf time.Time) ([]*LiveTicket, error) {
	e := newEngine(Request{Policy: pol, Evidence: ev, AsOf: asOf})
	var out []*LiveTicket
	for _, t := range ev.Tickets {
		if t.At.After(asOf) {
			continue
		}
		sub, plan := e.planAt(t.Customer, t.At)
		if plan == nil || plan.Support == nil {
			continue
		}
		events := e.events[t.ID]
		tr, r, err := evaluateTicket(t, events, plan.Support, asOf)
		if err != nil {
			return nil, err
		}
		lt := &LiveTicket{Ticket: t.ID, Subject: t.Subject, Customer: t.Customer, Subscription: sub.ID, Policy: pol.ID, Plan: sub.Plan,
			Priority: tr.Priority, Opened: t.At, Clocks: []*Clock{}, Facts: []string{t.ID}}
		lt.Status, lt.Solved = r.statusAtEnd, r.solvedAtEnd
		lt.Paused = lt.Solved || plan.Support.Pause[lt.Status]
		for _, e := range events {
			if !e.At.After(asOf) {
				lt.Facts = append(lt.Facts, e.ID)
			}
		}
		for _, r := range tr.Targets {
			c := &Clock{Metric: r.Metric, Calendar: r.Calendar, TargetMinutes: r.TargetMinutes, UsedMinutes: r.UsedMinutes,
				Deadline: r.Deadline, Cycles: r.Cycles, Breaches: r.Breaches}
			if r.TargetMinutes > 0 {
				c.UsedShare = r.UsedMinutes / r.TargetMinutes
			}
			switch r.State {
			case TargetMet:
				c.State = ClockMet
			case TargetBreached:
				c.State = ClockBreached
			default:
				c.State = ClockRunning
				if lt.Paused {
					c.State = ClockPaused
				}
				c.RemainingMinutes = max(0, r.TargetMinutes-r.UsedMinutes)
				if lt.NextDeadline == nil || r.Deadline.Before(*lt.NextDeadline) {
					d := r.Deadline
					lt.NextDeadline = &d
				}
			}
			lt.Clocks = append(lt.Clocks, c)
		}
		out = append(out, lt)
	}
	slices.SortStableFunc(out, CompareLive)
	return out, nil
}

// CompareLive orders live tickets as a support lead reads them: by next
// deadline (none last), then creation, then id.
func CompareLive(a, b *LiveTicket) int {
	switch {
	case a.NextDeadline != nil && b.NextDeadline != nil:
		if c := a.NextDeadline.Compare(*b.NextDeadline); c != 0 {
			return c
		}
	case a.NextDeadline != nil:
		return -1
	case b.NextDeadline != nil:
		return 1
	}
	return cmp.Or(a.Opened.Compare(b.Opened), cmp.Compare(a.Ticket, b.Ticket))
}
