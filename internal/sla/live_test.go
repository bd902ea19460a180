package sla_test

import (
	"testing"

	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// Live clocks of seed 002: a critical ticket's 2-hour first response on
// the 08:00–16:00 Oslo work hours (CEST, UTC+2, in October).
func TestLiveTicketsSeed002(t *testing.T) {
	pol, err := policy.Load("../../examples/002-bluestone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sub := &sla.Subscription{ID: "sub-nordic", Customer: "nordic-retail", Plan: "standard", Currency: "EUR", Start: utc(t, "2026-01-01T00:00:00Z")}
	// Friday 16 October 15:30 Oslo (13:30Z).
	tk := &sla.Ticket{ID: "t-1", At: utc(t, "2026-10-16T13:30:00Z"), Customer: "nordic-retail", Priority: "critical", Subject: "PIM down"}
	ev := func(id, at, kind, status string) *sla.TicketEvent {
		return &sla.TicketEvent{ID: id, Ticket: "t-1", At: utc(t, at), Kind: kind, Status: status}
	}
	tests := []struct {
		name   string
		events []*sla.TicketEvent
		asOf   string
		state  string
		used   float64
		left   float64
		due    string
		paused bool
	}{
		// Friday 15:30–16:00 is 30 work minutes; 17:00 is after hours:
		// still 30 used, 90 left, not "75 % used". The 2 hours end Monday
		// 19 October 08:00 + 90 min = 09:30 Oslo = 07:30Z.
		{"Friday evening", nil, "2026-10-16T15:00:00Z", sla.ClockRunning, 30, 90, "2026-10-19T07:30:00Z", false},
		{"over the weekend", nil, "2026-10-18T12:00:00Z", sla.ClockRunning, 30, 90, "2026-10-19T07:30:00Z", false},
		// Monday 09:00 Oslo: 30 + 60 = 90 used, 75 % of the budget.
		{"Monday 09:00", nil, "2026-10-19T07:00:00Z", sla.ClockRunning, 90, 30, "2026-10-19T07:30:00Z", false},
		// Waiting on the customer from Monday 08:30 Oslo: the clock stops
		// at 30 + 30 = 60; the pause so far (30 min) moves the deadline to
		// 10:00 Oslo.
		{"paused", []*sla.TicketEvent{ev("e1", "2026-10-19T06:30:00Z", sla.TicketStatus, "pending_customer")}, "2026-10-19T07:00:00Z",
			sla.ClockPaused, 60, 60, "2026-10-19T08:00:00Z", true},
		// Answered Monday 09:00 Oslo: 90 of 120 used, met.
		{"met", []*sla.TicketEvent{ev("e1", "2026-10-19T07:00:00Z", sla.TicketAgentReply, "")}, "2026-10-19T12:00:00Z",
			sla.ClockMet, 90, 0, "2026-10-19T07:30:00Z", false},
		// Unanswered at Monday 10:00 Oslo: 30 + 120 = 150 used of 120,
		// breached half an hour ago.
		{"breached", nil, "2026-10-19T08:00:00Z", sla.ClockBreached, 150, 0, "2026-10-19T07:30:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lts, err := sla.LiveTickets(pol, &sla.Evidence{Subscriptions: []*sla.Subscription{sub}, Tickets: []*sla.Ticket{tk}, TicketEvents: tt.events}, utc(t, tt.asOf))
			if err != nil {
				t.Fatal(err)
			}
			if len(lts) != 1 || len(lts[0].Clocks) != 1 {
				t.Fatalf("got %+v, want one ticket with one clock", lts)
			}
			lt, c := lts[0], lts[0].Clocks[0]
			if c.Metric != sla.MetricFirstResponse || c.State != tt.state || c.UsedMinutes != tt.used || c.RemainingMinutes != tt.left ||
				!c.Deadline.Equal(utc(t, tt.due)) || lt.Paused != tt.paused || c.TargetMinutes != 120 {
				t.Errorf("got %s %s used %v left %v due %v paused %v; want %s used %v left %v due %s paused %v",
					c.Metric, c.State, c.UsedMinutes, c.RemainingMinutes, c.Deadline, lt.Paused, tt.state, tt.used, tt.left, tt.due, tt.paused)
			}
			if lt.Plan != "standard" || lt.Subscription != "sub-nordic" || lt.Priority != "critical" {
				t.Errorf("ticket: got %+v", lt)
			}
			if (tt.state == sla.ClockRunning || tt.state == sla.ClockPaused) != (lt.NextDeadline != nil) {
				t.Errorf("next deadline %v with a %s clock", lt.NextDeadline, tt.state)
			}
		})
	}
}

// Live clocks of seed 004 (24/7): Level 1 acknowledgment in 15 minutes
// and resolution in 24 hours; a pending case stops the resolution clock.
func TestLiveTicketsSeed004(t *testing.T) {
	pol, err := policy.Load("../../examples/004-infopromo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sub := &sla.Subscription{ID: "sub-bistro", Customer: "bistro", Plan: "standard", Currency: "CAD", Start: utc(t, "2026-01-01T00:00:00Z")}
	tk := &sla.Ticket{ID: "c-1", At: utc(t, "2026-10-10T22:00:00Z"), Customer: "bistro", Priority: "level-1"}
	events := []*sla.TicketEvent{
		// Acknowledged after 10 minutes: met.
		{ID: "c-1-a", Ticket: "c-1", At: utc(t, "2026-10-10T22:10:00Z"), Kind: sla.TicketAgentReply},
		// Waiting on the customer for 3 hours, from 23:00 to 02:00.
		{ID: "c-1-p", Ticket: "c-1", At: utc(t, "2026-10-10T23:00:00Z"), Kind: sla.TicketStatus, Status: "pending_customer"},
		{ID: "c-1-o", Ticket: "c-1", At: utc(t, "2026-10-11T02:00:00Z"), Kind: sla.TicketStatus, Status: "open"},
	}
	// As of 11 October 12:00: resolution used 1 h (22:00–23:00) + 10 h
	// (02:00–12:00) = 660 min of 1,440; 780 left; due 24 h + 3 h pause
	// after the opening: 12 October 01:00Z.
	lts, err := sla.LiveTickets(pol, &sla.Evidence{Subscriptions: []*sla.Subscription{sub}, Tickets: []*sla.Ticket{tk}, TicketEvents: events},
		utc(t, "2026-10-11T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*sla.Clock{}
	for _, c := range lts[0].Clocks {
		got[c.Metric] = c
	}
	if c := got[sla.MetricFirstResponse]; c == nil || c.State != sla.ClockMet || c.UsedMinutes != 10 {
		t.Errorf("first response: got %+v, want met after 10 min", c)
	}
	if c := got[sla.MetricResolution]; c == nil || c.State != sla.ClockRunning || c.UsedMinutes != 660 || c.RemainingMinutes != 780 ||
		!c.Deadline.Equal(utc(t, "2026-10-12T01:00:00Z")) {
		t.Errorf("resolution: got %+v, want running, 660 used, 780 left, due 12 Oct 01:00Z", c)
	}
	if lts[0].NextDeadline == nil || !lts[0].NextDeadline.Equal(utc(t, "2026-10-12T01:00:00Z")) || lts[0].Status != "open" {
		t.Errorf("ticket: next deadline %v, status %s", lts[0].NextDeadline, lts[0].Status)
	}
}

// A clock's timeline: seed 002's critical ticket opened Friday 16 October
// 13:30Z, waiting on the customer from Monday 06:30Z to 07:00Z, answered
// at 07:10Z. The clock ran 13:30Z→06:30Z, was paused 06:30Z→07:00Z, ran
// again 07:00Z→07:10Z and stopped at the reply: used 30 (Friday) + 30
// (Monday 08:00–08:30 Oslo) + 10 = 70 minutes.
func TestLiveTicketClockTimeline(t *testing.T) {
	pol, err := policy.Load("../../examples/002-bluestone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sub := &sla.Subscription{ID: "sub-nordic", Customer: "nordic-retail", Plan: "standard", Currency: "EUR", Start: utc(t, "2026-01-01T00:00:00Z")}
	tk := &sla.Ticket{ID: "t-1", At: utc(t, "2026-10-16T13:30:00Z"), Customer: "nordic-retail", Priority: "critical"}
	evs := []*sla.TicketEvent{
		{ID: "e1", Ticket: "t-1", At: utc(t, "2026-10-19T06:30:00Z"), Kind: sla.TicketStatus, Status: "pending_customer"},
		{ID: "e2", Ticket: "t-1", At: utc(t, "2026-10-19T07:00:00Z"), Kind: sla.TicketStatus, Status: "open"},
		{ID: "e3", Ticket: "t-1", At: utc(t, "2026-10-19T07:10:00Z"), Kind: sla.TicketAgentReply},
	}
	for _, tt := range []struct {
		asOf    string
		want    []sla.ClockSpan
		stopped bool
		used    float64
	}{
		{"2026-10-19T06:45:00Z", []sla.ClockSpan{
			{State: sla.ClockRunning, From: utc(t, "2026-10-16T13:30:00Z"), To: utc(t, "2026-10-19T06:30:00Z")},
			{State: sla.ClockPaused, From: utc(t, "2026-10-19T06:30:00Z"), To: utc(t, "2026-10-19T06:45:00Z")},
		}, false, 60},
		{"2026-10-19T12:00:00Z", []sla.ClockSpan{
			{State: sla.ClockRunning, From: utc(t, "2026-10-16T13:30:00Z"), To: utc(t, "2026-10-19T06:30:00Z")},
			{State: sla.ClockPaused, From: utc(t, "2026-10-19T06:30:00Z"), To: utc(t, "2026-10-19T07:00:00Z")},
			{State: sla.ClockRunning, From: utc(t, "2026-10-19T07:00:00Z"), To: utc(t, "2026-10-19T07:10:00Z")},
		}, true, 70},
	} {
		lts, err := sla.LiveTickets(pol, &sla.Evidence{Subscriptions: []*sla.Subscription{sub}, Tickets: []*sla.Ticket{tk}, TicketEvents: evs}, utc(t, tt.asOf))
		if err != nil {
			t.Fatal(err)
		}
		c := lts[0].Clocks[0]
		if diff := cmp.Diff(tt.want, c.Timeline); diff != "" {
			t.Errorf("as of %s: timeline (-want +got):\n%s", tt.asOf, diff)
		}
		if (c.Stopped != nil) != tt.stopped || (tt.stopped && !c.Stopped.Equal(utc(t, "2026-10-19T07:10:00Z"))) || c.UsedMinutes != tt.used {
			t.Errorf("as of %s: stopped %v used %v, want stopped %v used %v", tt.asOf, c.Stopped, c.UsedMinutes, tt.stopped, tt.used)
		}
	}
}
