package sla

import (
	"cmp"
	"fmt"
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
	// Source is the helpdesk integration that reported the ticket.
	Source string `json:"source,omitempty"`
	// Flags say what a support lead should check: a priority the plan
	// has no targets for, a value the integration could not map, events
	// missed before the ticket was first seen.
	Flags []string `json:"flags,omitempty"`
	Facts []string `json:"facts"`
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
	// Timeline is when the clock ran and when it was paused, in wall
	// time, from its start to its stop (the achievement) or to the as-of
	// time; for a recurring target, its last cycle. Business time counts
	// only the calendar's hours within the running spans.
	Timeline []ClockSpan `json:"timeline"`
	// Stopped is when the clock stopped: the target achieved (the reply,
	// the solve); nil while it runs or is paused.
	Stopped *time.Time `json:"stopped,omitempty"`
}

// ClockSpan is a stretch of a clock's timeline: running or paused.
type ClockSpan struct {
	State string    `json:"state"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

// clockTimeline splits w into running and paused spans.
func clockTimeline(w clockWindow) []ClockSpan {
	out := []ClockSpan{}
	at := w.window.Start
	for _, p := range w.paused {
		if p.Start.After(at) {
			out = append(out, ClockSpan{State: ClockRunning, From: at.UTC(), To: p.Start.UTC()})
		}
		out = append(out, ClockSpan{State: ClockPaused, From: p.Start.UTC(), To: p.End.UTC()})
		at = p.End
	}
	if w.window.End.After(at) {
		out = append(out, ClockSpan{State: ClockRunning, From: at.UTC(), To: w.window.End.UTC()})
	}
	return out
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
		sub, plan, err := e.planAt(t.Customer, t.At)
		if err != nil {
			return nil, err
		}
		if plan == nil || plan.Support == nil {
			continue
		}
		events := e.events[t.ID]
		tr, rp, err := evaluateTicket(t, events, plan.Support, asOf)
		if err != nil {
			return nil, err
		}
		lt := &LiveTicket{Ticket: t.ID, Subject: t.Subject, Customer: t.Customer, Subscription: sub.ID, Policy: pol.ID, Plan: sub.Plan,
			Priority: tr.Priority, Opened: t.At, Clocks: []*Clock{}, Facts: []string{t.ID}}
		lt.Status, lt.Solved = rp.statusAtEnd, rp.solvedAtEnd
		lt.Paused = lt.Solved || plan.Support.Pause[lt.Status]
		lt.Source, lt.Flags = t.Source, TicketFlags(t)
		if plan.Support.Priorities[lt.Priority] == nil && !slices.Contains(t.Unmapped, "priority") {
			lt.Flags = append(lt.Flags, fmt.Sprintf("priority %q has no targets in plan %s", lt.Priority, sub.Plan))
		}
		for _, e := range events {
			if !e.At.After(asOf) {
				lt.Facts = append(lt.Facts, e.ID)
			}
		}
		for _, r := range tr.Targets {
			c := &Clock{Metric: r.Metric, Calendar: r.Calendar, TargetMinutes: r.TargetMinutes, UsedMinutes: r.UsedMinutes,
				Deadline: r.Deadline, Cycles: r.Cycles, Breaches: r.Breaches, Timeline: []ClockSpan{}}
			if w, ok := rp.windows[r.Metric]; ok {
				c.Timeline = clockTimeline(w)
				if w.done {
					end := w.window.End.UTC()
					c.Stopped = &end
				}
			}
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

// TicketFlags are what the ticket's fact itself says to check: values
// its helpdesk integration could not map, events missed before it was
// first seen.
func TicketFlags(t *Ticket) []string {
	var out []string
	for _, u := range t.Unmapped {
		switch u {
		case "customer":
			out = append(out, fmt.Sprintf("unmapped customer: the helpdesk's %q matches no customer mapping", t.Customer))
		case "priority":
			out = append(out, fmt.Sprintf("unmapped priority: the helpdesk's %q matches no priority mapping", t.Priority))
		}
	}
	if !t.FirstSeen.IsZero() && t.FirstSeen.After(t.At) {
		out = append(out, fmt.Sprintf("first seen %s, after its creation: earlier events were not received", t.FirstSeen.UTC().Format("2006-01-02 15:04Z")))
	}
	return out
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
