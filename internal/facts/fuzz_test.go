package facts

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// FuzzParse checks that no input makes Parse panic, that every error is an
// input error, and that accepted evidence has valid ids and whole-second
// UTC times.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("../../examples/*.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			f.Add(append([]byte(nil), sc.Bytes()...))
		}
	}
	f.Add([]byte(ticketLine + "\n" + `{"type":"ticket_event","id":"e","ticket":"t-1","at":"2026-10-14T10:00:00Z","kind":"agent_reply"}`))
	f.Add([]byte(incidentLine + "\n" + `{"type":"incident_update","id":"u","incident":"inc-1","at":"2026-10-14T10:00:00Z","status":"update","components":{"pim":"operational"}}`))
	f.Add([]byte(`{"type":"maintenance_series","id":"ms","components":["pim"],"start":"2026-03-01T02:30:00+01:00","time_zone":"Europe/Berlin","rrule":"FREQ=WEEKLY;BYDAY=SU","duration":"1h","count":3,"announced_at":"2026-02-01T09:00:00Z"}` + "\n" +
		`{"type":"maintenance","id":"ms-20260301T0130Z","series":"ms","components":["pim"],"start":"2026-03-01T01:30:00Z","end":"2026-03-01T02:30:00Z","announced_at":"2026-02-01T09:00:00Z"}` + "\n" +
		`{"type":"maintenance_cancel","id":"mc","at":"2026-03-01T02:00:00Z","maintenance":"ms","by":"op"}`))
	f.Add([]byte("# comment\n\n{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := Parse("fuzz.jsonl", bytes.NewReader(data))
		if err != nil {
			if ev != nil {
				t.Errorf("got evidence and the error %v", err)
			}
			if !sla.IsInput(err) {
				t.Fatalf("got %T %v, want an input error", err, err)
			}
			return
		}
		if ev == nil {
			t.Fatal("got neither evidence nor an error")
		}
		seen := map[string]bool{}
		id := func(s string) {
			if !validID(s) {
				t.Errorf("accepted id %q", s)
			}
			if seen[s] {
				t.Errorf("id %q twice", s)
			}
			seen[s] = true
		}
		at := func(tm time.Time) {
			if tm.Location() != time.UTC || tm.Nanosecond() != 0 {
				t.Errorf("time %v not whole seconds in UTC", tm)
			}
		}
		for _, s := range ev.Statuses {
			id(s.ID)
			at(s.At)
			if s.Status.Rank() < 0 || s.Component == "" || s.Source == "" {
				t.Errorf("accepted status %+v", s)
			}
		}
		for _, m := range ev.Maintenance {
			id(m.ID)
			if !m.End.After(m.Start) || len(m.Components) == 0 {
				t.Errorf("accepted maintenance %+v", m)
			}
		}
		for _, ms := range ev.MaintenanceSeries {
			id(ms.ID)
			at(ms.Start)
			at(ms.AnnouncedAt)
			if len(ms.Components) == 0 || ms.Duration <= 0 || ms.Location == nil {
				t.Errorf("accepted maintenance series %+v", ms)
			}
			// An accepted series must expand: the server does at start-up.
			if _, err := incident.ParseRecurrence(ms.RRule, ms.Start, ms.Location, ms.Until, ms.Count); err != nil {
				t.Errorf("accepted series %s whose rule does not parse: %v", ms.ID, err)
			}
		}
		for _, c := range ev.MaintenanceCancellations {
			id(c.ID)
			at(c.At)
			if c.Maintenance == "" || c.By == "" {
				t.Errorf("accepted cancellation %+v", c)
			}
		}
		for _, a := range ev.Attributions {
			id(a.ID)
			if !a.End.After(a.Start) || !sla.ValidCause(a.Cause) {
				t.Errorf("accepted attribution %+v", a)
			}
		}
		for _, s := range ev.Subscriptions {
			id(s.ID)
			if s.Fee == nil || s.Fee.Sign() < 0 || len(s.Currency) != 3 {
				t.Errorf("accepted subscription %+v", s)
			}
		}
		tickets := map[string]bool{}
		for _, tk := range ev.Tickets {
			id(tk.ID)
			tickets[tk.ID] = true
		}
		for _, e := range ev.TicketEvents {
			id(e.ID)
			if !tickets[e.Ticket] {
				t.Errorf("event %q of missing ticket %q", e.ID, e.Ticket)
			}
		}
	})
}
