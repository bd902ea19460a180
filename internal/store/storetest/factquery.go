package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store"
)

// testEachFactFor: each part of a FactQuery reads what it says and the
// whole comes in EachFact's order — by time, or as stored.
func testEachFactFor(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	st := func(id, comp, src, status string, at time.Time) store.Fact {
		body := fmt.Sprintf(`{"type":"status","id":%q,"at":%q,"component":%q,"status":%q`, id, at.Format(time.RFC3339), comp, status)
		if src != "" {
			body += fmt.Sprintf(`,"source":%q`, src)
		}
		return fact(id, "status", at, body+"}")
	}
	mk := func(id, typ string, at time.Time, extra string) store.Fact {
		return fact(id, typ, at, fmt.Sprintf(`{"type":%q,"id":%q%s}`, typ, id, extra))
	}
	fs := []store.Fact{
		mk("sub", "subscription", time.Time{}, ""),
		st("api-1", "api", "", "major_outage", h(1)),
		st("api-2", "api", "", "operational", h(2)),
		st("api-3", "api", "", "degraded", h(3)), // the latest of api before h(10)
		st("api-3b", "api", "", "major_outage", h(3)),
		st("api-mon-1", "api", "mon", "major_outage", h(4)), // another source of api
		st("web-1", "web", "", "operational", h(5)),
		mk("inc-1", "incident", h(1), ""),
		mk("tk-old", "ticket", h(2), ""),
		mk("ev-old", "ticket_event", h(11), `,"ticket":"tk-old"`),
		mk("tk-new", "ticket", h(12), ""),
		mk("ev-early", "ticket_event", h(9), `,"ticket":"tk-new"`),
		mk("ev-new", "ticket_event", h(13), `,"ticket":"tk-new"`),
		mk("ev-late", "ticket_event", h(30), `,"ticket":"tk-new"`),
		st("api-4", "api", "", "operational", h(11)),
		st("web-0", "web", "", "major_outage", h(0)), // stored late, dated early
		mk("smp-old", "sample", h(3), ""),
		mk("smp-new", "sample", h(14), ""),
		mk("inc-late", "incident", h(25), ""),
		st("api-late", "api", "", "operational", h(25)),
	}
	if err := s.AppendFacts(ctx, fs); err != nil {
		t.Fatalf("AppendFacts: %v", err)
	}
	ids := func(q store.FactQuery, byTime bool) []string {
		t.Helper()
		out := []string{}
		err := s.EachFactFor(ctx, q, byTime, func(f store.Fact) error {
			out = append(out, f.ID)
			return nil
		})
		if err != nil {
			t.Fatalf("EachFactFor(%+v): %v", q, err)
		}
		return out
	}
	q := store.FactQuery{From: h(10), To: h(20), Whole: []string{"subscription", "incident"}, Window: []string{"ticket", "sample"},
		StatusFrom: h(10), TicketEvents: true}
	tests := []struct {
		name   string
		q      store.FactQuery
		byTime bool
		want   []string
	}{
		{"as stored", q, false, []string{"sub", "api-3", "api-3b", "api-mon-1", "web-1", "inc-1", "tk-new", "ev-early", "ev-new", "api-4", "smp-new"}},
		{"by time", q, true, []string{"sub", "inc-1", "api-3", "api-3b", "api-mon-1", "web-1", "ev-early", "api-4", "tk-new", "ev-new", "smp-new"}},
		{"statuses from earlier", store.FactQuery{From: h(10), To: h(20), StatusFrom: h(3)}, false, []string{"api-2", "api-3", "api-3b", "api-mon-1", "web-1", "api-4", "web-0"}},
		{"statuses to", store.FactQuery{From: h(10), To: h(30), StatusFrom: h(10), StatusTo: h(20)}, false, []string{"api-3", "api-3b", "api-mon-1", "web-1", "api-4"}},
		{"statuses to, and more", store.FactQuery{From: h(10), To: h(30), Whole: []string{"incident"}, StatusFrom: h(10), StatusTo: h(20)}, false,
			[]string{"api-3", "api-3b", "api-mon-1", "web-1", "inc-1", "api-4", "inc-late"}},
		{"whole only", store.FactQuery{To: h(20), Whole: []string{"incident"}}, false, []string{"inc-1"}},
		{"nothing", store.FactQuery{To: h(20)}, false, []string{}},
	}
	for _, tt := range tests {
		if d := diff(tt.want, ids(tt.q, tt.byTime)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}
