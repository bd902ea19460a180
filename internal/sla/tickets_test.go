package sla

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// obCalendars are the calendars of the seeds.
type obCalendars struct {
	// cet is seed 002's "08:00–16:00 CET", Monday to Friday in
	// Europe/Berlin, closed on Good Friday and Easter Monday 2026: 8 h a day.
	cet *timeline.Calendar
	// est is seed 003's "7 am to 7 pm EST", Monday to Friday in
	// America/New_York, closed on 2026-07-03 (Independence Day observed):
	// 12 h a day.
	est *timeline.Calendar
	// utc, berlin and newYork are 24/7 (seed 004).
	utc, berlin, newYork *timeline.Calendar
}

func obLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load location %s: %v", name, err)
	}
	return loc
}

func obCals(tb testing.TB) obCalendars {
	tb.Helper()
	berlin, newYork := obLoc(tb, "Europe/Berlin"), obLoc(tb, "America/New_York")
	week := func(start, end time.Duration) map[time.Weekday][]timeline.Window {
		w := map[time.Weekday][]timeline.Window{}
		for d := time.Monday; d <= time.Friday; d++ {
			w[d] = []timeline.Window{{Start: start, End: end}}
		}
		return w
	}
	cet, err := timeline.NewCalendar(timeline.CalendarSpec{
		Name: "cet", Location: berlin, Week: week(8*time.Hour, 16*time.Hour),
		HolidayDates: []timeline.Date{{Year: 2026, Month: time.April, Day: 3}, {Year: 2026, Month: time.April, Day: 6}},
	})
	if err != nil {
		tb.Fatalf("cet calendar: %v", err)
	}
	est, err := timeline.NewCalendar(timeline.CalendarSpec{
		Name: "est", Location: newYork, Week: week(7*time.Hour, 19*time.Hour),
		HolidayDates: []timeline.Date{{Year: 2026, Month: time.July, Day: 3}},
	})
	if err != nil {
		tb.Fatalf("est calendar: %v", err)
	}
	return obCalendars{cet: cet, est: est, utc: timeline.Always(time.UTC), berlin: timeline.Always(berlin), newYork: timeline.Always(newYork)}
}

// obTime parses an RFC 3339 time.
func obTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("parse time %q: %v", s, err)
	}
	return t
}

// obResult is the comparable form of a TargetResult.
type obResult struct {
	Metric        string
	State         string
	TargetMinutes float64
	Calendar      string
	Deadline      string
	AchievedAt    string
	UsedMinutes   float64
	Cycles        int
	Breaches      int
	Facts         []string
}

// obWant is an expected TargetResult: times in RFC 3339 UTC, durations as
// durations; achieved is empty when not achieved and facts nil when not
// checked.
type obWant struct {
	metric, state      string
	target             time.Duration
	cal                string
	deadline, achieved string
	used               time.Duration
	cycles, breaches   int
	facts              []string
}

func (w obWant) result() obResult {
	return obResult{
		Metric: w.metric, State: w.state, TargetMinutes: w.target.Minutes(), Calendar: w.cal,
		Deadline: w.deadline, AchievedAt: w.achieved, UsedMinutes: w.used.Minutes(),
		Cycles: w.cycles, Breaches: w.breaches, Facts: w.facts,
	}
}

// obCompare compares results with wants, checking facts only where wanted.
func obCompare(tb testing.TB, got []*TargetResult, want []obWant) {
	tb.Helper()
	g := make([]obResult, len(got))
	w := make([]obResult, len(want))
	for i, r := range got {
		g[i] = obResult{
			Metric: r.Metric, State: r.State, TargetMinutes: r.TargetMinutes, Calendar: r.Calendar,
			Deadline: r.Deadline.UTC().Format(time.RFC3339), UsedMinutes: r.UsedMinutes,
			Cycles: r.Cycles, Breaches: r.Breaches, Facts: r.Facts,
		}
		if r.AchievedAt != nil {
			g[i].AchievedAt = r.AchievedAt.UTC().Format(time.RFC3339)
		}
	}
	for i, x := range want {
		w[i] = x.result()
		if x.facts == nil && i < len(g) {
			g[i].Facts = nil
		}
	}
	if diff := cmp.Diff(w, g); diff != "" {
		tb.Errorf("targets mismatch (-want +got):\n%s", diff)
	}
}

// obEvent is a ticket event in a test table: its kind, time and status or
// priority. Events get the ids e1, e2, … in table order.
type obEvent struct{ kind, at, value string }

func obEvents(tb testing.TB, ticket string, evs []obEvent) []*TicketEvent {
	tb.Helper()
	out := make([]*TicketEvent, len(evs))
	for i, e := range evs {
		te := &TicketEvent{ID: fmt.Sprintf("e%d", i+1), Ticket: ticket, At: obTime(tb, e.at), Kind: e.kind}
		switch e.kind {
		case TicketStatus:
			te.Status = e.value
		case TicketPriority:
			te.Priority = e.value
		}
		out[i] = te
	}
	return out
}

// The supports of the seeds.
func obSupport002(c obCalendars) *Support {
	// Seed 002: start troubleshooting within 2 work hours (critical), 8 work
	// hours (high), 2 work days = 16 h at 8 h a day (standard), in CET.
	return &Support{
		Pause: map[string]bool{"pending": true, "on_hold": true},
		Priorities: map[string]*Targets{
			"critical": {Name: "Critical", FirstResponse: &Target{Duration: 2 * time.Hour, Calendar: c.cet}},
			"high":     {Name: "High", FirstResponse: &Target{Duration: 8 * time.Hour, Calendar: c.cet}},
			"standard": {Name: "Standard", FirstResponse: &Target{Duration: 16 * time.Hour, Calendar: c.cet}},
		},
		PriorityOrder: []string{"critical", "high", "standard"},
	}
}

func obSupport003(c obCalendars) *Support {
	// Seed 003: premium first response 2 h and an update every 4 h; standard
	// first response and ongoing response 1 business day = 12 h; support
	// hours 7 am to 7 pm New York time.
	return &Support{
		Pause: map[string]bool{"pending": true},
		Priorities: map[string]*Targets{
			"premium":  {Name: "Premium", FirstResponse: &Target{Duration: 2 * time.Hour, Calendar: c.est}, UpdateEvery: &Target{Duration: 4 * time.Hour, Calendar: c.est}},
			"standard": {Name: "Standard", FirstResponse: &Target{Duration: 12 * time.Hour, Calendar: c.est}, OngoingResponse: &Target{Duration: 12 * time.Hour, Calendar: c.est}},
		},
	}
}

func obSupport004(cal *timeline.Calendar) *Support {
	// Seed 004, 24/7: critical acknowledgement within 15 min and resolution
	// within 24 h.
	return &Support{
		Pause: map[string]bool{"pending": true, "on_hold": true},
		Priorities: map[string]*Targets{
			"critical": {Name: "Critical", FirstResponse: &Target{Duration: 15 * time.Minute, Calendar: cal}, Resolution: &Target{Duration: 24 * time.Hour, Calendar: cal}},
		},
	}
}

func obSupportPriorities(c obCalendars, restart bool) *Support {
	// 24/7: urgent first response 1 h, normal 8 h; low has no targets.
	return &Support{
		PriorityRestart: restart,
		Priorities: map[string]*Targets{
			"urgent": {FirstResponse: &Target{Duration: time.Hour, Calendar: c.utc}},
			"normal": {FirstResponse: &Target{Duration: 8 * time.Hour, Calendar: c.utc}},
		},
	}
}

func TestEvaluateTicket(t *testing.T) {
	c := obCals(t)
	s002, s003 := obSupport002(c), obSupport003(c)
	s004 := obSupport004(c.utc)
	reopen := func(restart bool) *Support {
		s := obSupport004(c.utc)
		s.ReopenRestart = restart
		return s
	}
	cadence := func(d time.Duration, cal *timeline.Calendar) *Support {
		return &Support{
			Pause:      map[string]bool{"pending": true},
			Priorities: map[string]*Targets{"normal": {UpdateEvery: &Target{Duration: d, Calendar: cal}}},
		}
	}
	ongoing := func(d time.Duration) *Support {
		return &Support{Priorities: map[string]*Targets{"normal": {OngoingResponse: &Target{Duration: d, Calendar: c.utc}}}}
	}
	const (
		fr  = MetricFirstResponse
		or  = MetricOngoingResponse
		ue  = MetricUpdateEvery
		res = MetricResolution
		met = TargetMet
		br  = TargetBreached
		pd  = TargetPending
		h   = time.Hour
		m   = time.Minute
		sec = time.Second
	)
	tests := []struct {
		name     string
		support  *Support
		created  string
		priority string
		events   []obEvent
		asOf     string
		// wantPriority is the priority at asOf, the created one when empty.
		wantPriority string
		want         []obWant
	}{
		{
			// Friday 15:00 CET + 8 work hours: Friday 15–16 (1 h), the weekend is
			// closed, Monday 08:00 + 7 h = 15:00 CET = 14:00Z. The reply at
			// 14:30 CET used 1 h + 6.5 h = 7.5 h.
			name: "002 high across a weekend", support: s002, priority: "high",
			created: "2026-01-09T15:00:00+01:00",
			events:  []obEvent{{TicketAgentReply, "2026-01-12T14:30:00+01:00", ""}},
			asOf:    "2026-01-13T00:00:00Z",
			want: []obWant{{metric: fr, state: met, target: 8 * h, cal: "cet", deadline: "2026-01-12T14:00:00Z",
				achieved: "2026-01-12T13:30:00Z", used: 7*h + 30*m, facts: []string{"T1", "e1"}}},
		},
		{
			// Opened Tuesday 20:00 CET, off hours: the clock starts at Wednesday's
			// opening 08:00; + 2 h = 10:00 CET = 09:00Z. At 09:30 CET 1.5 h are used.
			name: "002 critical opened off hours, pending", support: s002, priority: "critical",
			created: "2026-01-13T20:00:00+01:00", asOf: "2026-01-14T09:30:00+01:00",
			want: []obWant{{metric: fr, state: pd, target: 2 * h, cal: "cet", deadline: "2026-01-14T09:00:00Z",
				used: 90 * m, facts: []string{"T1"}}},
		},
		{
			// Monday 14:00 CET + 2 h = 16:00 CET = 15:00Z, exactly the closing
			// time; the reply at 16:00:00 is on the deadline: met, 2 h used.
			name: "002 critical reply exactly at closing is met", support: s002, priority: "critical",
			created: "2026-01-12T14:00:00+01:00",
			events:  []obEvent{{TicketAgentReply, "2026-01-12T16:00:00+01:00", ""}},
			asOf:    "2026-01-13T00:00:00Z",
			want: []obWant{{metric: fr, state: met, target: 2 * h, cal: "cet", deadline: "2026-01-12T15:00:00Z",
				achieved: "2026-01-12T15:00:00Z", used: 2 * h}},
		},
		{
			// Same deadline 15:00Z; the reply at 16:00:01 CET is one second after
			// it: breached. The second after closing is not business time, so
			// the used time stays 2 h.
			name: "002 critical reply one second after closing is breached", support: s002, priority: "critical",
			created: "2026-01-12T14:00:00+01:00",
			events:  []obEvent{{TicketAgentReply, "2026-01-12T16:00:01+01:00", ""}},
			asOf:    "2026-01-13T00:00:00Z",
			want: []obWant{{metric: fr, state: br, target: 2 * h, cal: "cet", deadline: "2026-01-12T15:00:00Z",
				achieved: "2026-01-12T15:00:01Z", used: 2 * h}},
		},
		{
			// Thursday 2 April 14:00 CEST + 16 h: Thursday 14–16 (2 h); Good
			// Friday, the weekend and Easter Monday are closed; Tuesday 7 April
			// 8 h (10 h); Wednesday 08:00 + 6 h = 14:00 CEST = 12:00Z. No reply
			// by asOf = the deadline: breached with 16 h used.
			name: "002 standard across the Easter holidays, due at asOf", support: s002, priority: "standard",
			created: "2026-04-02T14:00:00+02:00", asOf: "2026-04-08T12:00:00Z",
			want: []obWant{{metric: fr, state: br, target: 16 * h, cal: "cet", deadline: "2026-04-08T12:00:00Z",
				used: 16 * h}},
		},
		{
			// As above, one second before the deadline: pending, 16 h − 1 s used.
			name: "002 standard across the Easter holidays, one second before", support: s002, priority: "standard",
			created: "2026-04-02T14:00:00+02:00", asOf: "2026-04-08T11:59:59Z",
			want: []obWant{{metric: fr, state: pd, target: 16 * h, cal: "cet", deadline: "2026-04-08T12:00:00Z",
				used: 16*h - sec}},
		},
		{
			// Opened on Good Friday 10:00 CEST: closed until Tuesday 08:00 CEST
			// (Easter Monday is a holiday too); + 2 h = 10:00 CEST = 08:00Z. The
			// reply at 09:00 CEST used 1 h.
			name: "002 critical opened on a holiday", support: s002, priority: "critical",
			created: "2026-04-03T10:00:00+02:00",
			events:  []obEvent{{TicketAgentReply, "2026-04-07T09:00:00+02:00", ""}},
			asOf:    "2026-04-08T00:00:00Z",
			want: []obWant{{metric: fr, state: met, target: 2 * h, cal: "cet", deadline: "2026-04-07T08:00:00Z",
				achieved: "2026-04-07T07:00:00Z", used: h}},
		},
		{
			// Friday 27 March 15:00 CET (14:00Z) + 2 h: Friday 1 h; Berlin moves
			// to CEST on Sunday 29 March; Monday 08:00 CEST + 1 h = 09:00 CEST =
			// 07:00Z (not 08:00Z). The reply at 07:00Z is on the deadline.
			name: "002 critical across the spring DST change in Berlin", support: s002, priority: "critical",
			created: "2026-03-27T15:00:00+01:00",
			events:  []obEvent{{TicketAgentReply, "2026-03-30T07:00:00Z", ""}},
			asOf:    "2026-03-31T00:00:00Z",
			want: []obWant{{metric: fr, state: met, target: 2 * h, cal: "cet", deadline: "2026-03-30T07:00:00Z",
				achieved: "2026-03-30T07:00:00Z", used: 2 * h}},
		},
		{
			// Friday 23 October 15:00 CEST (13:00Z) + 2 h: Friday 1 h; back to
			// CET on Sunday 25 October; Monday 08:00 CET + 1 h = 09:00 CET =
			// 08:00Z. The reply at 08:00:01Z is one second late.
			name: "002 critical across the autumn DST change in Berlin", support: s002, priority: "critical",
			created: "2026-10-23T15:00:00+02:00",
			events:  []obEvent{{TicketAgentReply, "2026-10-26T08:00:01Z", ""}},
			asOf:    "2026-10-27T00:00:00Z",
			want: []obWant{{metric: fr, state: br, target: 2 * h, cal: "cet", deadline: "2026-10-26T08:00:00Z",
				achieved: "2026-10-26T08:00:01Z", used: 2*h + sec}},
		},
		{
			// Friday 6 March 18:00 EST (23:00Z) + 1 business day = 12 h: Friday
			// 18–19 (1 h); New York moves to EDT on Sunday 8 March; Monday 07:00
			// EDT + 11 h = 18:00 EDT = 22:00Z.
			name: "003 standard 1 business day across the spring DST change in New York", support: s003, priority: "standard",
			created: "2026-03-06T18:00:00-05:00",
			events:  []obEvent{{TicketAgentReply, "2026-03-09T22:00:00Z", ""}},
			asOf:    "2026-03-10T00:00:00Z",
			want: []obWant{{metric: fr, state: met, target: 12 * h, cal: "est", deadline: "2026-03-09T22:00:00Z",
				achieved: "2026-03-09T22:00:00Z", used: 12 * h}},
		},
		{
			// Friday 30 October 18:00 EDT (22:00Z) + 12 h: Friday 1 h; back to EST
			// on Sunday 1 November; Monday 07:00 EST + 11 h = 18:00 EST = 23:00Z.
			// One second before it: pending with 12 h − 1 s used.
			name: "003 standard 1 business day across the autumn DST change in New York", support: s003, priority: "standard",
			created: "2026-10-30T18:00:00-04:00", asOf: "2026-11-02T22:59:59Z",
			want: []obWant{{metric: fr, state: pd, target: 12 * h, cal: "est", deadline: "2026-11-02T23:00:00Z",
				used: 12*h - sec}},
		},
		{
			// Thursday 2 July 18:00 EDT + 2 h: Thursday 1 h; Friday 3 July is a
			// holiday; Monday 07:00 + 1 h = 08:00 EDT = 12:00Z.
			name: "003 premium across a US holiday", support: s003, priority: "premium",
			created: "2026-07-02T18:00:00-04:00",
			events:  []obEvent{{TicketAgentReply, "2026-07-06T12:00:00Z", ""}},
			asOf:    "2026-07-06T13:00:00Z",
			// No update after the reply: the cadence cycle from 08:00 EDT runs to
			// asOf 09:00 EDT = 1 h of 4 h, due 12:00 EDT = 16:00Z.
			want: []obWant{
				{metric: fr, state: met, target: 2 * h, cal: "est", deadline: "2026-07-06T12:00:00Z",
					achieved: "2026-07-06T12:00:00Z", used: 2 * h},
				{metric: ue, state: pd, target: 4 * h, cal: "est", deadline: "2026-07-06T16:00:00Z",
					used: h, cycles: 1},
			},
		},
		{
			// 24/7 in Berlin: 01:50 CET (00:50Z) + 15 min = 01:05Z, which is
			// 03:05 CEST as the clocks jump from 02:00 to 03:00. Resolution: solved
			// at 01:50 CEST next day = 23:50Z, 23 h of real time; due 24 h after
			// creation = 00:50Z = 02:50 CEST, 25 wall-clock hours later.
			name: "004 24/7 across the spring DST night", support: obSupport004(c.berlin), priority: "critical",
			created: "2026-03-29T01:50:00+01:00",
			events: []obEvent{
				{TicketAgentReply, "2026-03-29T03:05:00+02:00", ""},
				{TicketSolved, "2026-03-30T01:50:00+02:00", ""},
			},
			asOf: "2026-03-31T00:00:00Z",
			want: []obWant{
				{metric: fr, state: met, target: 15 * m, cal: "24/7", deadline: "2026-03-29T01:05:00Z",
					achieved: "2026-03-29T01:05:00Z", used: 15 * m},
				{metric: res, state: met, target: 24 * h, cal: "24/7", deadline: "2026-03-30T00:50:00Z",
					achieved: "2026-03-29T23:50:00Z", used: 23 * h, facts: []string{"T1", "e2"}},
			},
		},
		{
			// 24/7 in Berlin: created 01:30 CEST (23:30Z on the 24th), the reply
			// at 02:15 CET (01:15Z) looks 45 min later on the wall clock but
			// 105 min passed as 03:00 CEST became 02:00 CET: breached (due
			// 23:45Z). Resolution as of 12:00Z: 12.5 h of 24 h, due 23:30Z.
			name: "004 24/7 across the autumn DST night", support: obSupport004(c.berlin), priority: "critical",
			created: "2026-10-25T01:30:00+02:00",
			events:  []obEvent{{TicketAgentReply, "2026-10-25T02:15:00+01:00", ""}},
			asOf:    "2026-10-25T12:00:00Z",
			want: []obWant{
				{metric: fr, state: br, target: 15 * m, cal: "24/7", deadline: "2026-10-24T23:45:00Z",
					achieved: "2026-10-25T01:15:00Z", used: 105 * m},
				{metric: res, state: pd, target: 24 * h, cal: "24/7", deadline: "2026-10-25T23:30:00Z",
					used: 12*h + 30*m},
			},
		},
		{
			// Monday 09:00 CET + 8 h with "pending" 10:00–12:00 inside hours:
			// 09–10 (1 h), paused, 12–16 (5 h), Tuesday 08:00 + 3 h = 11:00 CET =
			// 10:00Z. The reply at 10:30 CET used 1 + 4 + 2.5 = 7.5 h.
			name: "002 pending pause inside hours", support: s002, priority: "high",
			created: "2026-01-12T09:00:00+01:00",
			events: []obEvent{
				{TicketStatus, "2026-01-12T10:00:00+01:00", "pending"},
				{TicketStatus, "2026-01-12T12:00:00+01:00", "open"},
				{TicketAgentReply, "2026-01-13T10:30:00+01:00", ""},
			},
			asOf: "2026-01-14T00:00:00Z",
			want: []obWant{{metric: fr, state: met, target: 8 * h, cal: "cet", deadline: "2026-01-13T10:00:00Z",
				achieved: "2026-01-13T09:30:00Z", used: 7*h + 30*m, facts: []string{"T1", "e1", "e2", "e3"}}},
		},
		{
			// Monday 12:00 CET + 8 h with "on_hold" 17:00–07:00, all outside
			// hours: it changes nothing. Monday 12–16 (4 h), Tuesday 08:00 + 4 h =
			// 12:00 CET = 11:00Z; the reply then is on time with 8 h used.
			name: "002 on-hold pause outside hours changes nothing", support: s002, priority: "high",
			created: "2026-01-12T12:00:00+01:00",
			events: []obEvent{
				{TicketStatus, "2026-01-12T17:00:00+01:00", "on_hold"},
				{TicketStatus, "2026-01-13T07:00:00+01:00", "open"},
				{TicketAgentReply, "2026-01-13T12:00:00+01:00", ""},
			},
			asOf: "2026-01-14T00:00:00Z",
			want: []obWant{{metric: fr, state: met, target: 8 * h, cal: "cet", deadline: "2026-01-13T11:00:00Z",
				achieved: "2026-01-13T11:00:00Z", used: 8 * h}},
		},
		{
			// Monday 12:00 CET + 8 h with "pending" from Monday 15:00 to Tuesday
			// 09:00: Monday 12–15 (3 h), Monday 15–16 and Tuesday 08–09 paused,
			// Tuesday 09:00 + 5 h = 14:00 CET = 13:00Z. At 13:00 CET: 3 + 4 = 7 h.
			name: "002 pending pause across closing, pending", support: s002, priority: "high",
			created: "2026-01-12T12:00:00+01:00",
			events: []obEvent{
				{TicketStatus, "2026-01-12T15:00:00+01:00", "pending"},
				{TicketStatus, "2026-01-13T09:00:00+01:00", "open"},
			},
			asOf: "2026-01-13T13:00:00+01:00",
			want: []obWant{{metric: fr, state: pd, target: 8 * h, cal: "cet", deadline: "2026-01-13T13:00:00Z",
				used: 7 * h}},
		},
		{
			// 24/7: created 00:00Z, on hold from 00:10Z to asOf 01:00Z. First
			// response: 10 min used; the deadline assumes the clock resumes at
			// asOf: 15 min + 50 min paused = 01:05Z, still pending. Resolution:
			// 24 h + 50 min = 00:50Z next day.
			name: "004 on hold at asOf stays pending", support: s004, priority: "critical",
			created: "2026-02-02T00:00:00Z",
			events:  []obEvent{{TicketStatus, "2026-02-02T00:10:00Z", "on_hold"}},
			asOf:    "2026-02-02T01:00:00Z",
			want: []obWant{
				{metric: fr, state: pd, target: 15 * m, cal: "24/7", deadline: "2026-02-02T01:05:00Z",
					used: 10 * m, facts: []string{"T1", "e1"}},
				{metric: res, state: pd, target: 24 * h, cal: "24/7", deadline: "2026-02-03T00:50:00Z",
					used: 10 * m},
			},
		},
		{
			// 24/7: solved at 00:10Z without any reply: the solve fulfils the
			// first response (10 of 15 min, due 00:15Z) and resolves it (10 min
			// of 24 h, due 00:00Z next day).
			name: "004 solved without a reply fulfils the first response", support: s004, priority: "critical",
			created: "2026-02-02T00:00:00Z",
			events:  []obEvent{{TicketSolved, "2026-02-02T00:10:00Z", ""}},
			asOf:    "2026-02-03T12:00:00Z",
			want: []obWant{
				{metric: fr, state: met, target: 15 * m, cal: "24/7", deadline: "2026-02-02T00:15:00Z",
					achieved: "2026-02-02T00:10:00Z", used: 10 * m, facts: []string{"T1", "e1"}},
				{metric: res, state: met, target: 24 * h, cal: "24/7", deadline: "2026-02-03T00:00:00Z",
					achieved: "2026-02-02T00:10:00Z", used: 10 * m, facts: []string{"T1", "e1"}},
			},
		},
		{
			// 24/7, resolution 24 h, reopen continues: solved after 10 h (10:00Z),
			// solved for 24 h until the reopen at 10:00Z on the 3rd, solved again
			// at 02:00Z on the 4th (16 h more): 26 h used > 24 h. Deadline: 24 h +
			// 24 h solved = 00:00Z on the 4th. Breached.
			name: "reopen continues the resolution clock", support: reopen(false), priority: "critical",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T01:00:00Z", ""},
				{TicketSolved, "2026-02-02T10:00:00Z", ""},
				{TicketReopened, "2026-02-03T10:00:00Z", ""},
				{TicketSolved, "2026-02-04T02:00:00Z", ""},
			},
			asOf: "2026-02-05T00:00:00Z",
			want: []obWant{
				{metric: fr, state: br, target: 15 * m, cal: "24/7", deadline: "2026-02-02T00:15:00Z",
					achieved: "2026-02-02T01:00:00Z", used: h},
				{metric: res, state: br, target: 24 * h, cal: "24/7", deadline: "2026-02-04T00:00:00Z",
					achieved: "2026-02-04T02:00:00Z", used: 26 * h, facts: []string{"T1", "e2", "e3", "e4"}},
			},
		},
		{
			// Same events, reopen restarts: a new clock at the reopen (10:00Z on
			// the 3rd) runs 16 h to the solve, due 10:00Z on the 4th. Met.
			name: "reopen restarts the resolution clock", support: reopen(true), priority: "critical",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T01:00:00Z", ""},
				{TicketSolved, "2026-02-02T10:00:00Z", ""},
				{TicketReopened, "2026-02-03T10:00:00Z", ""},
				{TicketSolved, "2026-02-04T02:00:00Z", ""},
			},
			asOf: "2026-02-05T00:00:00Z",
			want: []obWant{
				{metric: fr, state: br, target: 15 * m, cal: "24/7", deadline: "2026-02-02T00:15:00Z",
					achieved: "2026-02-02T01:00:00Z", used: h},
				{metric: res, state: met, target: 24 * h, cal: "24/7", deadline: "2026-02-04T10:00:00Z",
					achieved: "2026-02-04T02:00:00Z", used: 16 * h, facts: []string{"T1", "e3", "e4"}},
			},
		},
		{
			// Reopened and open at asOf, continue: 10 h before the solve + 2 h
			// since the reopen = 12 h; due 00:00Z on the 4th (24 h + 24 h solved).
			name: "reopened and open at asOf", support: reopen(false), priority: "critical",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T01:00:00Z", ""},
				{TicketSolved, "2026-02-02T10:00:00Z", ""},
				{TicketReopened, "2026-02-03T10:00:00Z", ""},
			},
			asOf: "2026-02-03T12:00:00Z",
			want: []obWant{
				{metric: fr, state: br, target: 15 * m, cal: "24/7", deadline: "2026-02-02T00:15:00Z",
					achieved: "2026-02-02T01:00:00Z", used: h},
				{metric: res, state: pd, target: 24 * h, cal: "24/7", deadline: "2026-02-04T00:00:00Z",
					used: 12 * h},
			},
		},
		{
			// Recompute: normal at creation (00:00Z), urgent from 02:00Z, reply at
			// 02:30Z. The reply is under urgent (1 h) measured from creation: due
			// 01:00Z, 150 min used. Breached.
			name: "priority raised, recompute from creation", support: obSupportPriorities(c, false), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketPriority, "2026-02-02T02:00:00Z", "urgent"},
				{TicketAgentReply, "2026-02-02T02:30:00Z", ""},
			},
			asOf: "2026-02-03T00:00:00Z", wantPriority: "urgent",
			want: []obWant{{metric: fr, state: br, target: h, cal: "24/7", deadline: "2026-02-02T01:00:00Z",
				achieved: "2026-02-02T02:30:00Z", used: 150 * m, facts: []string{"T1", "e1", "e2"}}},
		},
		{
			// Restart: the same reply is measured from the change at 02:00Z: due
			// 03:00Z, 30 min used. Met.
			name: "priority raised, restart from the change", support: obSupportPriorities(c, true), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketPriority, "2026-02-02T02:00:00Z", "urgent"},
				{TicketAgentReply, "2026-02-02T02:30:00Z", ""},
			},
			asOf: "2026-02-03T00:00:00Z", wantPriority: "urgent",
			want: []obWant{{metric: fr, state: met, target: h, cal: "24/7", deadline: "2026-02-02T03:00:00Z",
				achieved: "2026-02-02T02:30:00Z", used: 30 * m, facts: []string{"T1", "e1", "e2"}}},
		},
		{
			// Restart, not achieved: urgent from 02:00Z, as of 02:45Z 45 min of
			// 1 h are used, due 03:00Z: pending.
			name: "priority raised, restart, pending", support: obSupportPriorities(c, true), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events:  []obEvent{{TicketPriority, "2026-02-02T02:00:00Z", "urgent"}},
			asOf:    "2026-02-02T02:45:00Z", wantPriority: "urgent",
			want: []obWant{{metric: fr, state: pd, target: h, cal: "24/7", deadline: "2026-02-02T03:00:00Z",
				used: 45 * m}},
		},
		{
			// A change after the reply does not matter: the reply at 00:30Z was
			// under urgent (1 h from creation, due 01:00Z). The ticket is normal
			// at asOf.
			name: "priority lowered after the first response", support: obSupportPriorities(c, true), priority: "urgent",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T00:30:00Z", ""},
				{TicketPriority, "2026-02-02T01:00:00Z", "normal"},
			},
			asOf: "2026-02-03T00:00:00Z", wantPriority: "normal",
			want: []obWant{{metric: fr, state: met, target: h, cal: "24/7", deadline: "2026-02-02T01:00:00Z",
				achieved: "2026-02-02T00:30:00Z", used: 30 * m, facts: []string{"T1", "e1"}}},
		},
		{
			// Ties keep the input order: the change to urgent comes first, so the
			// reply at the same instant is under urgent: due 01:00Z, 2 h used.
			name: "tie: priority change then reply", support: obSupportPriorities(c, false), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketPriority, "2026-02-02T02:00:00Z", "urgent"},
				{TicketAgentReply, "2026-02-02T02:00:00Z", ""},
			},
			asOf: "2026-02-03T00:00:00Z", wantPriority: "urgent",
			want: []obWant{{metric: fr, state: br, target: h, cal: "24/7", deadline: "2026-02-02T01:00:00Z",
				achieved: "2026-02-02T02:00:00Z", used: 2 * h}},
		},
		{
			// The reply listed first is under normal (8 h, due 08:00Z): met.
			name: "tie: reply then priority change", support: obSupportPriorities(c, false), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T02:00:00Z", ""},
				{TicketPriority, "2026-02-02T02:00:00Z", "urgent"},
			},
			asOf: "2026-02-03T00:00:00Z", wantPriority: "urgent",
			want: []obWant{{metric: fr, state: met, target: 8 * h, cal: "24/7", deadline: "2026-02-02T08:00:00Z",
				achieved: "2026-02-02T02:00:00Z", used: 2 * h, facts: []string{"T1", "e1"}}},
		},
		{
			// Events out of order are sorted: the first reply is e2 at 00:05Z.
			name: "events in any order", support: s004, priority: "critical",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T00:20:00Z", ""},
				{TicketAgentReply, "2026-02-02T00:05:00Z", ""},
			},
			asOf: "2026-02-02T01:00:00Z",
			want: []obWant{
				{metric: fr, state: met, target: 15 * m, cal: "24/7", deadline: "2026-02-02T00:15:00Z",
					achieved: "2026-02-02T00:05:00Z", used: 5 * m, facts: []string{"T1", "e2"}},
				{metric: res, state: pd, target: 24 * h, cal: "24/7", deadline: "2026-02-03T00:00:00Z",
					used: h},
			},
		},
		{
			// Events after asOf have not happened yet: the reply at 00:20Z is
			// ignored as of 00:10Z (10 of 15 min, pending).
			name: "events after asOf are ignored", support: s004, priority: "critical",
			created: "2026-02-02T00:00:00Z",
			events:  []obEvent{{TicketAgentReply, "2026-02-02T00:20:00Z", ""}},
			asOf:    "2026-02-02T00:10:00Z",
			want: []obWant{
				{metric: fr, state: pd, target: 15 * m, cal: "24/7", deadline: "2026-02-02T00:15:00Z", used: 10 * m},
				{metric: res, state: pd, target: 24 * h, cal: "24/7", deadline: "2026-02-03T00:00:00Z", used: 10 * m},
			},
		},
		{
			// A priority without targets yields no result.
			name: "priority without targets", support: obSupportPriorities(c, false), priority: "low",
			created: "2026-02-02T00:00:00Z", asOf: "2026-02-03T00:00:00Z",
			want: []obWant{},
		},
		{
			// Seed 003 standard, 7–19 New York, 12 h targets. Created Monday 08:00
			// EST; the customer's reply at 08:15 precedes the first response and
			// starts no cycle. First response at 09:00: 1 h, due Tuesday 08:00
			// EST = 13:00Z (Monday 08–19 is 11 h, + 1 h Tuesday).
			// Cycle 1 starts at the customer reply at 10:00 (the one at 11:00 does
			// not restart it) and ends at the reply Tuesday 09:00: Monday 10–19
			// 9 h + Tuesday 07–09 2 h = 11 h, due Tuesday 10:00 EST = 15:00Z: met.
			// Cycle 2 starts Tuesday 12:00 and ends Wednesday 13:00: Tuesday 12–19
			// 7 h + Wednesday 07–13 6 h = 13 h, due Wednesday 12:00 EST = 17:00Z:
			// breached. Worst 13 h; the deadline is the missed one.
			name: "003 ongoing response breached in the second cycle", support: s003, priority: "standard",
			created: "2026-02-02T08:00:00-05:00",
			events: []obEvent{
				{TicketCustomerReply, "2026-02-02T08:15:00-05:00", ""},
				{TicketAgentReply, "2026-02-02T09:00:00-05:00", ""},
				{TicketCustomerReply, "2026-02-02T10:00:00-05:00", ""},
				{TicketCustomerReply, "2026-02-02T11:00:00-05:00", ""},
				{TicketAgentReply, "2026-02-03T09:00:00-05:00", ""},
				{TicketCustomerReply, "2026-02-03T12:00:00-05:00", ""},
				{TicketAgentReply, "2026-02-04T13:00:00-05:00", ""},
			},
			asOf: "2026-02-04T20:00:00Z",
			want: []obWant{
				{metric: fr, state: met, target: 12 * h, cal: "est", deadline: "2026-02-03T13:00:00Z",
					achieved: "2026-02-02T14:00:00Z", used: h, facts: []string{"T1", "e2"}},
				{metric: or, state: br, target: 12 * h, cal: "est", deadline: "2026-02-04T17:00:00Z",
					achieved: "2026-02-04T18:00:00Z", used: 13 * h, cycles: 2, breaches: 1,
					facts: []string{"T1", "e3", "e5", "e6", "e7"}},
			},
		},
		{
			// The same without the last reply, as of Wednesday 11:00 EST: cycle 2
			// is open with 7 + 4 = 11 h used, due 17:00Z: pending; the worst
			// cycle is still 11 h (cycle 1 and 2 alike).
			name: "003 ongoing response open cycle pending at asOf", support: s003, priority: "standard",
			created: "2026-02-02T08:00:00-05:00",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T09:00:00-05:00", ""},
				{TicketCustomerReply, "2026-02-02T10:00:00-05:00", ""},
				{TicketAgentReply, "2026-02-03T09:00:00-05:00", ""},
				{TicketCustomerReply, "2026-02-03T12:00:00-05:00", ""},
			},
			asOf: "2026-02-04T11:00:00-05:00",
			want: []obWant{
				{metric: fr, state: met, target: 12 * h, cal: "est", deadline: "2026-02-03T13:00:00Z",
					achieved: "2026-02-02T14:00:00Z", used: h},
				{metric: or, state: pd, target: 12 * h, cal: "est", deadline: "2026-02-04T17:00:00Z",
					used: 11 * h, cycles: 2},
			},
		},
		{
			// As of the open cycle's deadline (Wednesday 12:00 EST = 17:00Z): 12 h
			// used, breached.
			name: "003 ongoing response open cycle due at asOf", support: s003, priority: "standard",
			created: "2026-02-02T08:00:00-05:00",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T09:00:00-05:00", ""},
				{TicketCustomerReply, "2026-02-02T10:00:00-05:00", ""},
				{TicketAgentReply, "2026-02-03T09:00:00-05:00", ""},
				{TicketCustomerReply, "2026-02-03T12:00:00-05:00", ""},
			},
			asOf: "2026-02-04T17:00:00Z",
			want: []obWant{
				{metric: fr, state: met, target: 12 * h, cal: "est", deadline: "2026-02-03T13:00:00Z",
					achieved: "2026-02-02T14:00:00Z", used: h},
				{metric: or, state: br, target: 12 * h, cal: "est", deadline: "2026-02-04T17:00:00Z",
					used: 12 * h, cycles: 2, breaches: 1},
			},
		},
		{
			// No customer reply after the first response: no cycle, so no
			// ongoing response result.
			name: "003 ongoing response without cycles", support: s003, priority: "standard",
			created: "2026-02-02T08:00:00-05:00",
			events:  []obEvent{{TicketAgentReply, "2026-02-02T09:00:00-05:00", ""}},
			asOf:    "2026-02-04T17:00:00Z",
			want: []obWant{{metric: fr, state: met, target: 12 * h, cal: "est", deadline: "2026-02-03T13:00:00Z",
				achieved: "2026-02-02T14:00:00Z", used: h}},
		},
		{
			// 24/7, ongoing response 1 h: first response 00:10Z, solved 01:00Z;
			// the customer writes at 03:00Z while solved and the ticket is
			// reopened at 05:00Z: the cycle from 03:00Z counts from the reopen
			// (01:00–05:00 solved), due 06:00Z; the reply at 05:30Z used 30 min.
			name: "customer reply on a solved ticket counts from the reopen", support: ongoing(h), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T00:10:00Z", ""},
				{TicketSolved, "2026-02-02T01:00:00Z", ""},
				{TicketCustomerReply, "2026-02-02T03:00:00Z", ""},
				{TicketReopened, "2026-02-02T05:00:00Z", ""},
				{TicketAgentReply, "2026-02-02T05:30:00Z", ""},
			},
			asOf: "2026-02-02T12:00:00Z",
			want: []obWant{{metric: or, state: met, target: h, cal: "24/7", deadline: "2026-02-02T06:00:00Z",
				achieved: "2026-02-02T05:30:00Z", used: 30 * m, cycles: 1, facts: []string{"T1", "e2", "e3", "e4", "e5"}}},
		},
		{
			// A customer reply on a ticket that stays solved starts nothing.
			name: "customer reply on a solved ticket that stays solved", support: ongoing(h), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T00:10:00Z", ""},
				{TicketSolved, "2026-02-02T01:00:00Z", ""},
				{TicketCustomerReply, "2026-02-02T03:00:00Z", ""},
			},
			asOf: "2026-02-02T12:00:00Z",
			want: []obWant{},
		},
		{
			// A "closed" status solves the ticket: resolution achieved at 02:00Z,
			// 2 h of 24 h; the first response (15 min) is fulfilled there too,
			// 1 h 45 min late.
			name: "closed status solves", support: s004, priority: "critical",
			created: "2026-02-02T00:00:00Z",
			events:  []obEvent{{TicketStatus, "2026-02-02T02:00:00Z", "closed"}},
			asOf:    "2026-02-03T12:00:00Z",
			want: []obWant{
				{metric: fr, state: br, target: 15 * m, cal: "24/7", deadline: "2026-02-02T00:15:00Z",
					achieved: "2026-02-02T02:00:00Z", used: 2 * h},
				{metric: res, state: met, target: 24 * h, cal: "24/7", deadline: "2026-02-03T00:00:00Z",
					achieved: "2026-02-02T02:00:00Z", used: 2 * h, facts: []string{"T1", "e1"}},
			},
		},
		{
			// Seed 003 premium, an update every 4 h in 7–19 New York. First
			// response at 08:30 EST (30 min of 2 h, due 10:00 EST = 15:00Z).
			// Cadence: 08:30 → 12:30 is exactly 4 h (met); 12:30 → 16:31 is 4 h
			// 1 min, due 16:30 EST = 21:30Z (breached); 16:31 → the solve Tuesday
			// 08:00: 2 h 29 min Monday + 1 h Tuesday = 3 h 29 min, due Tuesday
			// 08:31 (met). 3 cycles, 1 breach, worst 241 min.
			name: "003 premium update cadence", support: s003, priority: "premium",
			created: "2026-02-02T08:00:00-05:00",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T08:30:00-05:00", ""},
				{TicketAgentReply, "2026-02-02T12:30:00-05:00", ""},
				{TicketAgentReply, "2026-02-02T16:31:00-05:00", ""},
				{TicketSolved, "2026-02-03T08:00:00-05:00", ""},
			},
			asOf: "2026-02-03T20:00:00Z",
			want: []obWant{
				{metric: fr, state: met, target: 2 * h, cal: "est", deadline: "2026-02-02T15:00:00Z",
					achieved: "2026-02-02T13:30:00Z", used: 30 * m},
				{metric: ue, state: br, target: 4 * h, cal: "est", deadline: "2026-02-02T21:30:00Z",
					achieved: "2026-02-03T13:00:00Z", used: 4*h + m, cycles: 3, breaches: 1,
					facts: []string{"T1", "e1", "e2", "e3", "e4"}},
			},
		},
		{
			// A weekly update (168 h, 24/7) paused while pending: reply 01:00Z on
			// the 2nd, pending from the 3rd to the 10th (7 days), next reply on
			// the 14th: 12 days − 7 = 5 days = 120 h (met, due 01:00Z on the 16th
			// = 168 h + 168 h paused). The cycle from the 14th is open at asOf
			// (the 15th, 24 h, due the 21st): pending, worst 120 h.
			name: "weekly update cadence paused while pending", support: cadence(168*h, c.newYork), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T01:00:00Z", ""},
				{TicketStatus, "2026-02-03T01:00:00Z", "pending"},
				{TicketStatus, "2026-02-10T01:00:00Z", "open"},
				{TicketAgentReply, "2026-02-14T01:00:00Z", ""},
			},
			asOf: "2026-02-15T01:00:00Z",
			want: []obWant{{metric: ue, state: pd, target: 168 * h, cal: "24/7", deadline: "2026-02-21T01:00:00Z",
				used: 120 * h, cycles: 2, facts: []string{"T1", "e1", "e2", "e3", "e4"}}},
		},
		{
			// 24/7, an update every 2 h: reply 00:30Z, solved 01:00Z (30 min, met);
			// reopened 05:00Z starts a new cycle, open at asOf 07:30Z with 2.5 h:
			// breached, due 07:00Z. Solved time (01:00–05:00) does not count.
			name: "update cadence resumes at a reopen", support: cadence(2*h, c.utc), priority: "normal",
			created: "2026-02-02T00:00:00Z",
			events: []obEvent{
				{TicketAgentReply, "2026-02-02T00:30:00Z", ""},
				{TicketSolved, "2026-02-02T01:00:00Z", ""},
				{TicketReopened, "2026-02-02T05:00:00Z", ""},
			},
			asOf: "2026-02-02T07:30:00Z",
			want: []obWant{{metric: ue, state: br, target: 2 * h, cal: "24/7", deadline: "2026-02-02T07:00:00Z",
				used: 150 * m, cycles: 2, breaches: 1, facts: []string{"T1", "e1", "e2", "e3"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := &Ticket{ID: "T1", At: obTime(t, tt.created), Customer: "C1", Priority: tt.priority}
			got, err := EvaluateTicket(tk, obEvents(t, "T1", tt.events), tt.support, obTime(t, tt.asOf))
			if err != nil {
				t.Fatalf("EvaluateTicket: %v", err)
			}
			wantPriority := tt.wantPriority
			if wantPriority == "" {
				wantPriority = tt.priority
			}
			if got.Ticket != "T1" || got.Priority != wantPriority {
				t.Errorf("got ticket %q priority %q, want T1 %q", got.Ticket, got.Priority, wantPriority)
			}
			obCompare(t, got.Targets, tt.want)
		})
	}
}

func TestEvaluateTicketErrors(t *testing.T) {
	c := obCals(t)
	s := obSupport004(c.utc)
	created := "2026-02-02T10:00:00Z"
	tests := []struct {
		name   string
		events []*TicketEvent
		asOf   string
		want   []string // substrings of the error
	}{
		{
			name:   "event before the ticket's creation",
			events: []*TicketEvent{{ID: "ev-early", Ticket: "T1", At: obTime(t, "2026-02-02T09:59:59Z"), Kind: TicketAgentReply}},
			asOf:   "2026-02-03T00:00:00Z",
			want:   []string{"ev-early", "before ticket T1"},
		},
		{
			name:   "event of another ticket",
			events: []*TicketEvent{{ID: "ev-other", Ticket: "T2", At: obTime(t, "2026-02-02T11:00:00Z"), Kind: TicketAgentReply}},
			asOf:   "2026-02-03T00:00:00Z",
			want:   []string{"ev-other", `"T2"`},
		},
		{
			name:   "unknown kind",
			events: []*TicketEvent{{ID: "ev-kind", Ticket: "T1", At: obTime(t, "2026-02-02T11:00:00Z"), Kind: "note"}},
			asOf:   "2026-02-03T00:00:00Z",
			want:   []string{"ev-kind", `"note"`},
		},
		{
			name:   "status event without a status",
			events: []*TicketEvent{{ID: "ev-status", Ticket: "T1", At: obTime(t, "2026-02-02T11:00:00Z"), Kind: TicketStatus}},
			asOf:   "2026-02-03T00:00:00Z",
			want:   []string{"ev-status", "status"},
		},
		{
			name:   "priority event without a priority",
			events: []*TicketEvent{{ID: "ev-prio", Ticket: "T1", At: obTime(t, "2026-02-02T11:00:00Z"), Kind: TicketPriority}},
			asOf:   "2026-02-03T00:00:00Z",
			want:   []string{"ev-prio", "priority"},
		},
		{
			name: "asOf before the ticket's creation",
			asOf: "2026-02-02T09:00:00Z",
			want: []string{"T1", "after the evaluation time"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := &Ticket{ID: "T1", At: obTime(t, created), Priority: "critical"}
			got, err := EvaluateTicket(tk, tt.events, s, obTime(t, tt.asOf))
			if err == nil {
				t.Fatalf("got report %+v, want an error", got)
			}
			if !IsInput(err) {
				t.Errorf("got error %v, want an input error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestEvaluateTicketNilSupport(t *testing.T) {
	tk := &Ticket{ID: "T1", At: obTime(t, "2026-02-02T10:00:00Z"), Priority: "critical"}
	got, err := EvaluateTicket(tk, nil, nil, obTime(t, "2026-02-03T00:00:00Z"))
	if err != nil {
		t.Fatalf("EvaluateTicket: %v", err)
	}
	if len(got.Targets) != 0 || got.Targets == nil {
		t.Errorf("got targets %v, want an empty list", got.Targets)
	}
}

// TestTicketRange: seed 004's "acknowledgment within 5-15 minutes" (level 1,
// 24/7 in UTC) as a first response range 5m–15m, and an update cadence
// range 1h–4h: the state is the upper end's, and the range says which end
// was met.
func TestTicketRange(t *testing.T) {
	utc := timeline.Always(time.UTC)
	support := &Support{
		Pause: map[string]bool{"pending": true},
		Priorities: map[string]*Targets{"L1": {
			FirstResponse: &Target{Duration: 15 * time.Minute, Lower: 5 * time.Minute, Calendar: utc},
			UpdateEvery:   &Target{Duration: 4 * time.Hour, Lower: time.Hour, Calendar: utc},
		}},
	}
	const created = "2026-03-02T10:00:00Z"
	tests := []struct {
		name   string
		events []obEvent
		asOf   string
		metric string
		// want: the state (upper end), the range, the lower end's
		// deadline, the used minutes.
		state, rng, lowerDeadline string
		used                      float64
	}{
		// 10:00 + 5 min = 10:05 (lower), + 15 min = 10:15 (upper).
		{"acknowledged in 4 minutes: the lower end", []obEvent{{TicketAgentReply, "2026-03-02T10:04:00Z", ""}}, "2026-03-03T00:00:00Z",
			MetricFirstResponse, TargetMet, RangeMetLower, "2026-03-02T10:05:00Z", 4},
		{"exactly on the lower end is met", []obEvent{{TicketAgentReply, "2026-03-02T10:05:00Z", ""}}, "2026-03-03T00:00:00Z",
			MetricFirstResponse, TargetMet, RangeMetLower, "2026-03-02T10:05:00Z", 5},
		{"in 12 minutes: the upper end only", []obEvent{{TicketAgentReply, "2026-03-02T10:12:00Z", ""}}, "2026-03-03T00:00:00Z",
			MetricFirstResponse, TargetMet, RangeMetUpper, "2026-03-02T10:05:00Z", 12},
		{"exactly on the upper end", []obEvent{{TicketAgentReply, "2026-03-02T10:15:00Z", ""}}, "2026-03-03T00:00:00Z",
			MetricFirstResponse, TargetMet, RangeMetUpper, "2026-03-02T10:05:00Z", 15},
		{"in 20 minutes: both missed", []obEvent{{TicketAgentReply, "2026-03-02T10:20:00Z", ""}}, "2026-03-03T00:00:00Z",
			MetricFirstResponse, TargetBreached, RangeMissed, "2026-03-02T10:05:00Z", 20},
		{"no reply at 10:10: pending, though past the lower end", nil, "2026-03-02T10:10:00Z",
			MetricFirstResponse, TargetPending, RangePending, "2026-03-02T10:05:00Z", 10},
		{"no reply at 10:30: both missed", nil, "2026-03-02T10:30:00Z",
			MetricFirstResponse, TargetBreached, RangeMissed, "2026-03-02T10:05:00Z", 30},
		// Paused 10:02–10:10 (8 min): the lower end falls due at 10:13, the
		// reply at 10:12 used 2 + 2 = 4 minutes.
		{"a pause moves the lower end too", []obEvent{{TicketStatus, "2026-03-02T10:02:00Z", "pending"}, {TicketStatus, "2026-03-02T10:10:00Z", "open"}, {TicketAgentReply, "2026-03-02T10:12:00Z", ""}}, "2026-03-03T00:00:00Z",
			MetricFirstResponse, TargetMet, RangeMetLower, "2026-03-02T10:13:00Z", 4},
		// Updates at 10:04, 11:00 (56 min: lower), 13:00 (2 h: upper only),
		// solved 13:30 (30 min): met, at the upper end, the lower end of the
		// 11:00 cycle due at 12:00; the worst gap 120 minutes.
		{"a cadence with one gap past the lower end", []obEvent{{TicketAgentReply, "2026-03-02T10:04:00Z", ""}, {TicketAgentReply, "2026-03-02T11:00:00Z", ""}, {TicketAgentReply, "2026-03-02T13:00:00Z", ""}, {TicketSolved, "2026-03-02T13:30:00Z", ""}}, "2026-03-03T00:00:00Z",
			MetricUpdateEvery, TargetMet, RangeMetUpper, "2026-03-02T12:00:00Z", 120},
		// Updates at 10:04, 15:00 (4 h 56 min: past the upper end).
		{"a cadence with a gap past both ends", []obEvent{{TicketAgentReply, "2026-03-02T10:04:00Z", ""}, {TicketAgentReply, "2026-03-02T15:00:00Z", ""}, {TicketSolved, "2026-03-02T15:10:00Z", ""}}, "2026-03-03T00:00:00Z",
			MetricUpdateEvery, TargetBreached, RangeMissed, "2026-03-02T11:04:00Z", 296},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := &Ticket{ID: "t1", At: obTime(t, created), Customer: "c", Priority: "L1"}
			rep, err := EvaluateTicket(tk, obEvents(t, "t1", tt.events), support, obTime(t, tt.asOf))
			if err != nil {
				t.Fatal(err)
			}
			var got *TargetResult
			for _, r := range rep.Targets {
				if r.Metric == tt.metric {
					got = r
				}
			}
			if got == nil {
				t.Fatalf("no %s result in %+v", tt.metric, rep.Targets)
			}
			lower := ""
			if got.LowerDeadline != nil {
				lower = got.LowerDeadline.Format(time.RFC3339)
			}
			wantLower := map[string]float64{MetricFirstResponse: 5, MetricUpdateEvery: 60}[tt.metric]
			if got.State != tt.state || got.Range != tt.rng || lower != tt.lowerDeadline || got.UsedMinutes != tt.used || got.LowerMinutes != wantLower {
				t.Errorf("got state %s range %s lower deadline %s used %v lower %v min, want %s %s %s %v %v",
					got.State, got.Range, lower, got.UsedMinutes, got.LowerMinutes, tt.state, tt.rng, tt.lowerDeadline, tt.used, wantLower)
			}
		})
	}
}
