package sla

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// benchInput builds a month-end workload: subs subscriptions spread over
// three plans on 20 components, each component with outagesPer outages in
// October 2026, one flapping component with a status change every minute,
// and one ticket with two replies per subscription.
func benchInput(b *testing.B, subs, outagesPer int) (*Policy, *Evidence) {
	b.Helper()
	comps := make([]string, 20)
	pol := &Policy{ID: "bench", Components: map[string]*Component{}}
	for i := range comps {
		comps[i] = fmt.Sprintf("c%02d", i)
		pol.Components[comps[i]] = &Component{ID: comps[i]}
	}
	berlin := loc(b, "Europe/Berlin")
	cal, err := timeline.NewCalendar(timeline.CalendarSpec{Name: "work", Location: berlin,
		Week: map[time.Weekday][]timeline.Window{1: {{Start: 8 * time.Hour, End: 16 * time.Hour}}, 2: {{Start: 8 * time.Hour, End: 16 * time.Hour}},
			3: {{Start: 8 * time.Hour, End: 16 * time.Hour}}, 4: {{Start: 8 * time.Hour, End: 16 * time.Hour}}, 5: {{Start: 8 * time.Hour, End: 16 * time.Hour}}}})
	if err != nil {
		b.Fatal(err)
	}
	v := &Version{ID: "v1", Effective: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Plans: map[string]*Plan{}}
	for i, obj := range []string{"99.5", "99.9", "99.95"} {
		p := testPlan()
		p.ID = fmt.Sprintf("plan%d", i)
		p.Objective = rat(obj)
		p.Location = berlin
		p.Components = comps[i*5 : i*5+10]
		p.MinDowntime = time.Minute
		p.Credits.Linear = &Linear{Per: rat("1"), Percent: rat("10"), Rounding: RoundCeil}
		p.Support = &Support{Pause: map[string]bool{"pending": true}, Priorities: map[string]*Targets{
			"high": {Name: "high", FirstResponse: &Target{Duration: 4 * time.Hour, Calendar: cal}, Resolution: &Target{Duration: 16 * time.Hour, Calendar: cal}}}}
		v.Plans[p.ID] = p
		v.PlanOrder = append(v.PlanOrder, p.ID)
	}
	pol.Versions = []*Version{v}
	ev := &Evidence{}
	start := time.Date(2026, 9, 30, 22, 0, 0, 0, time.UTC)
	n := 0
	for ci, c := range comps {
		for k := 0; k < outagesPer; k++ {
			from := start.Add(time.Duration(k*(44700/outagesPer)+ci) * time.Minute)
			ev.Statuses = append(ev.Statuses,
				&StatusChange{ID: fmt.Sprintf("f%d", n), At: from, Component: c, Status: MajorOutage, Source: "eu"},
				&StatusChange{ID: fmt.Sprintf("f%d", n+1), At: from.Add(time.Duration(k%7+1) * time.Minute), Component: c, Status: Operational, Source: "eu"})
			n += 2
		}
	}
	for m := 0; m < 44700; m++ { // c00 flaps every minute from a second source
		st := Operational
		if m%2 == 0 {
			st = PartialOutage
		}
		ev.Statuses = append(ev.Statuses, &StatusChange{ID: fmt.Sprintf("flap%d", m), At: start.Add(time.Duration(m) * time.Minute), Component: "c00", Status: st, Source: "us"})
	}
	for i := 0; i < subs; i++ {
		cust := fmt.Sprintf("cust%05d", i)
		ev.Subscriptions = append(ev.Subscriptions, &Subscription{ID: "s-" + cust, Customer: cust, Plan: fmt.Sprintf("plan%d", i%3), Fee: big.NewRat(int64(100+i), 1), Currency: "EUR", Start: start.AddDate(-1, 0, 0)})
		opened := start.Add(time.Duration(i%44000) * time.Minute)
		ev.Tickets = append(ev.Tickets, &Ticket{ID: "t-" + cust, At: opened, Customer: cust, Priority: "high"})
		ev.TicketEvents = append(ev.TicketEvents,
			&TicketEvent{ID: "t-" + cust + "-r", Ticket: "t-" + cust, At: opened.Add(3 * time.Hour), Kind: TicketAgentReply},
			&TicketEvent{ID: "t-" + cust + "-s", Ticket: "t-" + cust, At: opened.Add(30 * time.Hour), Kind: TicketSolved})
	}
	return pol, ev
}

// BenchmarkMonthEnd measures a whole month-end: every customer's uptime,
// credit and ticket clocks. Run: go test ./internal/sla -run '^$' -bench MonthEnd -benchtime 3x
func BenchmarkMonthEnd(b *testing.B) {
	for _, size := range []struct{ subs, outages int }{{1000, 30}, {10000, 30}} {
		b.Run(fmt.Sprintf("subs=%d", size.subs), func(b *testing.B) {
			pol, ev := benchInput(b, size.subs, size.outages)
			asOf := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
			b.ResetTimer()
			for b.Loop() {
				rep, err := Evaluate(Request{Policy: pol, Evidence: ev, Period: "2026-10", AsOf: asOf})
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Subscriptions) != size.subs {
					b.Fatalf("got %d subscriptions, want %d", len(rep.Subscriptions), size.subs)
				}
			}
			b.ReportMetric(float64(size.subs), "subscriptions")
			b.ReportMetric(float64(len(ev.Statuses)), "status-facts")
		})
	}
}
