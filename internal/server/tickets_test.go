package server

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/notify/smtptest"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/tickets"
)

// Tickets sent by a helpdesk show their live clocks: seed 002's work
// hours 08:00–16:00 Oslo (CET, UTC+1, in December), read on Thursday 3
// December 13:00 Oslo (12:00Z, the server's clock in factsEnv).
func TestTicketsAPI(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newFactsEnv(t, open(t), "../../examples/002-bluestone.yaml")
			var res intake.Result
			e.post(testIngestToken, `{"type":"customer","id":"nordic-retail","name":"Nordic Retail"}
{"type":"subscription","id":"sub-nordic","customer":"nordic-retail","plan":"standard","fee":"2000.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}
{"type":"ticket","id":"zd:1","at":"2026-12-03T11:00:00Z","customer":"nordic-retail","priority":"critical","subject":"PIM down"}
{"type":"ticket","id":"zd:2","at":"2026-12-02T14:30:00Z","customer":"nordic-retail","priority":"high","subject":"Slow export"}
{"type":"ticket","id":"zd:3","at":"2026-12-01T09:00:00Z","customer":"nordic-retail","priority":"standard","subject":"Question"}
{"type":"ticket_event","id":"zd:3/1","ticket":"zd:3","at":"2026-12-01T10:00:00Z","kind":"agent_reply"}
{"type":"ticket_event","id":"zd:3/2","ticket":"zd:3","at":"2026-12-01T11:00:00Z","kind":"solved"}
`, http.StatusOK, &res)
			if res.Stored != 7 {
				t.Fatalf("facts: got %+v", res)
			}
			e.call("GET", "/api/v1/tickets", "", "", http.StatusUnauthorized, nil)
			e.call("GET", "/api/v1/tickets", testIngestToken, "", http.StatusForbidden, nil)
			e.call("GET", "/api/v1/tickets?state=closed", testViewerToken, "", http.StatusBadRequest, nil)

			var list struct{ Tickets []*sla.LiveTicket }
			e.call("GET", "/api/v1/tickets", testViewerToken, "", http.StatusOK, &list)
			// zd:1, critical, 2 h from Thursday 12:00 Oslo: 60 used, 60
			// left, due 14:00 Oslo (13:00Z). zd:2, high, 8 h from
			// Wednesday 15:30 Oslo: 30 min on Wednesday and 08:00–13:00 on
			// Thursday, 330 used, 150 left, due 15:30 Oslo (14:30Z). The
			// solved zd:3 is not open. First the one due first.
			want := []struct {
				id         string
				used, left float64
				due        string
			}{{"zd:1", 60, 60, "2026-12-03T13:00:00Z"}, {"zd:2", 330, 150, "2026-12-03T14:30:00Z"}}
			if len(list.Tickets) != len(want) {
				t.Fatalf("open tickets: got %d, want %d: %+v", len(list.Tickets), len(want), list.Tickets)
			}
			for i, w := range want {
				lt := list.Tickets[i]
				c := lt.Clocks[0]
				if lt.Ticket != w.id || c.State != sla.ClockRunning || c.UsedMinutes != w.used || c.RemainingMinutes != w.left ||
					!c.Deadline.Equal(mustTime(t, w.due)) || lt.NextDeadline == nil || lt.Plan != "standard" {
					t.Errorf("ticket %d: got %s %s used %v left %v due %v; want %s used %v left %v due %s", i, lt.Ticket, c.State,
						c.UsedMinutes, c.RemainingMinutes, c.Deadline, w.id, w.used, w.left, w.due)
				}
			}
			e.call("GET", "/api/v1/tickets?state=all&priority=standard", testViewerToken, "", http.StatusOK, &list)
			if len(list.Tickets) != 1 || list.Tickets[0].Ticket != "zd:3" || !list.Tickets[0].Solved || list.Tickets[0].Clocks[0].State != sla.ClockMet {
				t.Errorf("solved ticket: got %+v", list.Tickets)
			}
			var one tickets.Ticket
			e.call("GET", "/api/v1/tickets/zd:3", testViewerToken, "", http.StatusOK, &one)
			if len(one.Events) != 2 || one.Events[1].Kind != sla.TicketSolved || one.Status != "solved" {
				t.Errorf("ticket zd:3: got %+v", one)
			}
			e.call("GET", "/api/v1/tickets/zd:9", testViewerToken, "", http.StatusNotFound, nil)

			// December's targets: zd:1 and zd:2 pending, zd:3 met (answered
			// an hour after its opening, of 2 work days).
			e.call("GET", "/api/v1/targets", testViewerToken, "", http.StatusBadRequest, nil)
			e.call("GET", "/api/v1/targets?period=2026-12", testIngestToken, "", http.StatusForbidden, nil)
			var month struct{ Targets []tickets.MonthRow }
			e.call("GET", "/api/v1/targets?period=2026-12", testViewerToken, "", http.StatusOK, &month)
			want2 := []tickets.MonthRow{
				{Policy: "bluestone-standard", Plan: "standard", Priority: "critical", Metric: "first_response", Pending: 1},
				{Policy: "bluestone-standard", Plan: "standard", Priority: "high", Metric: "first_response", Pending: 1},
				{Policy: "bluestone-standard", Plan: "standard", Priority: "standard", Metric: "first_response", Met: 1},
			}
			if d := cmp.Diff(want2, month.Targets); d != "" {
				t.Errorf("targets (-want +got):\n%s", d)
			}
		})
	}
}

// The support lead's pages: the open tickets, about to breach first, and
// one ticket's clocks and events.
func TestTicketPages(t *testing.T) {
	e := newFactsEnv(t, stores(t)["sqlite"](t), "../../examples/002-bluestone.yaml")
	e.post(testIngestToken, `{"type":"subscription","id":"sub-nordic","customer":"nordic-retail","plan":"standard","fee":"2000.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}
{"type":"ticket","id":"zd:1","at":"2026-12-03T11:00:00Z","customer":"nordic-retail","priority":"critical","subject":"PIM down"}
{"type":"ticket","id":"zd:2","at":"2026-12-02T14:30:00Z","customer":"nordic-retail","priority":"high","subject":"Slow export"}
{"type":"ticket_event","id":"zd:2/1","ticket":"zd:2","at":"2026-12-02T14:40:00Z","kind":"status","status":"pending_customer"}
{"type":"ticket","id":"zd:3","at":"2026-12-03T10:00:00Z","customer":"Fjord Foods","priority":"urgent","source":"zendesk","unmapped":["customer","priority"]}
`, http.StatusOK, nil)
	b := browserFor(t, e.url)
	b.signIn("alice", testAlicePassword)
	p := b.get("/admin/tickets")
	if p.code != http.StatusOK {
		t.Fatalf("tickets page: %d %s", p.code, p.body)
	}
	checkLabels(t, p.body)
	// zd:1 is due at 13:00Z; zd:2 waits on the customer since 15:40 Oslo
	// on Wednesday after 10 minutes: paused, 470 minutes left, due only
	// once it runs again.
	i1, i2 := strings.Index(p.body, "zd:1"), strings.Index(p.body, "zd:2")
	if i1 < 0 || i2 < 0 || i1 > i2 {
		t.Errorf("want zd:1 (due first) before zd:2")
	}
	for _, want := range []string{"First response: Running", "60 of 120 business min, 60 left", "First response: Paused", "10 of 480 business min, 470 left", "waiting (pending_customer)"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("tickets page lacks %q", want)
		}
	}
	// The ticket no plan covers: listed apart, with why and its flags.
	for _, want := range []string{"Unmatched tickets (1)", "zd:3", `unknown customer &#34;Fjord Foods&#34;`, `unmapped priority: the helpdesk&#39;s &#34;urgent&#34;`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("tickets page lacks %q", want)
		}
	}
	if p = b.get("/admin/tickets?priority=high"); strings.Contains(p.body, "zd:1") || !strings.Contains(p.body, "zd:2") {
		t.Errorf("filter by priority: %s", p.body)
	}
	p = b.get("/admin/tickets/zd:2")
	if p.code != http.StatusOK || !strings.Contains(p.body, "Status: pending_customer") || !strings.Contains(p.body, "clocks paused") {
		t.Errorf("ticket page: %d %s", p.code, p.body)
	}
	// The clock's timeline: it ran 14:30–14:40Z, then paused.
	for _, want := range []string{`<li class="s-running">Running <time datetime="2026-12-02T14:30:00Z">`, `<li class="s-paused">Paused <time datetime="2026-12-02T14:40:00Z">`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("ticket page lacks %q:\n%s", want, p.body)
		}
	}
	if p = b.get("/admin/tickets/zd:3"); p.code != http.StatusOK || !strings.Contains(p.body, "No clocks: unknown customer") || !strings.Contains(p.body, "zendesk") {
		t.Errorf("unmatched ticket page: %d %s", p.code, p.body)
	}
	if p = b.get("/admin/tickets/zd:9"); p.code != http.StatusNotFound {
		t.Errorf("unknown ticket: got %d", p.code)
	}
	p = b.get("/admin/targets?period=2026-12")
	checkLabels(t, p.body)
	if p.code != http.StatusOK || !strings.Contains(p.body, "bluestone-standard / standard") || !strings.Contains(p.body, "First response") {
		t.Errorf("targets page: %d %s", p.code, p.body)
	}
	if p = b.get("/admin/targets?period=2026-13"); p.code != http.StatusBadRequest {
		t.Errorf("bad period: got %d", p.code)
	}
}

// A ticket's warning (75 % of a target's business time used) and a
// breach reach the operators' alert channels — a real SMTP sink and a
// webhook receiver — exactly once each, across a restart.
func TestTicketAlertsOnceAcrossRestart(t *testing.T) {
	hook := newHookReceiver(t, 0)
	const secret = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LW9mLXRoZS1vcHM="
	hook.setSecret(secret)
	sink := smtptest.Start(t)
	db := filepath.Join(t.TempDir(), "n.db")
	extra := `policies: [../../examples/004-infopromo.yaml]
server: {public_url: "https://status.example.com"}
email: {smtp_addr: "` + sink.Addr + `", from: "slakeeper <sla@example.com>", tls: none}
alerts:
  - {name: support-mail, kind: email, to: [support-lead@example.com], events: [ticket.warning, ticket.breached]}
  - {name: support-hook, kind: webhook, url: "` + hook.srv.URL + `/support", secret_env: HOOK_SECRET, events: [ticket.warning, ticket.breached]}
`
	env := map[string]string{"HOOK_SECRET": secret}
	e := startNotify(t, db, extra, env)
	// 24/7, Level 1: acknowledgment in 15 minutes. c-1 opened 12 minutes
	// ago: 80 % used, a warning; c-2 opened 20 minutes ago: breached.
	now := time.Now().UTC().Truncate(time.Second)
	e.call("POST", "/api/v1/facts", testOpsToken, fmt.Sprintf(`{"type":"subscription","id":"sub-bistro","customer":"bistro","plan":"standard","fee":"300.00","currency":"CAD","start":"2026-01-01T00:00:00Z"}
{"type":"ticket","id":"c-1","at":%q,"customer":"bistro","priority":"level-1"}
{"type":"ticket","id":"c-2","at":%q,"customer":"bistro","priority":"level-1"}
`, now.Add(-12*time.Minute).Format(time.RFC3339), now.Add(-20*time.Minute).Format(time.RFC3339)), http.StatusOK, nil)
	ctx := context.Background()
	if err := e.s.ticketAl.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the warning and the breach", func() bool {
		return len(hook.received()) == 2 && len(mailsTo(sink, t, "support-lead@example.com")) == 2
	})
	kinds := map[string]string{}
	for _, c := range hook.received() {
		kinds[c.Body.Data.Ticket] = c.Body.Type
	}
	if kinds["c-1"] != outbox.EventTicketWarning || kinds["c-2"] != outbox.EventTicketBreached {
		t.Errorf("webhooks: got %v, want a warning for c-1 and a breach for c-2", kinds)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_tickets_open", "plan", "standard", "priority", "level-1"); v != 2 {
		t.Errorf("open tickets metric: got %v, want 2", v)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_tickets_breached", "plan", "standard", "priority", "level-1"); v != 1 {
		t.Errorf("breached tickets metric: got %v, want 1", v)
	}

	// A restart on the same database, once the deliveries are recorded
	// (one cut short by the stop would be sent again: delivery is at
	// least once): the clocks are the same, and nobody is told twice.
	for _, c := range hook.received() {
		for _, ob := range []string{c.ID, strings.TrimSuffix(c.ID, "/alert:support-hook") + "/alert:support-mail"} {
			eventually(t, "delivery of "+ob+" recorded", func() bool { return e.outboundState(ob) == store.OutboundDelivered })
		}
	}
	e.stop()
	e2 := startNotify(t, db, extra, env)
	if err := e2.s.ticketAl.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e2.s.ticketAl.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if n, m := len(hook.received()), len(mailsTo(sink, t, "support-lead@example.com")); n != 2 || m != 2 {
		t.Errorf("after a restart: %d webhooks and %d mails, want 2 and 2", n, m)
	}
}
