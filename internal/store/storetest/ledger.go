package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store"
)

var ledgerScenarios = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"Closings", testClosings},
	{"LedgerInvoice", testLedgerInvoice},
	{"CreditRequests", testCreditRequests},
	{"ClaimOutbound", testClaimOutbound},
}

func closing(sub, period, amount string) store.Closing {
	c := store.Closing{Record: store.CloseRecord{Policy: "p", Subscription: sub, Period: period, Customer: "c-" + sub, Version: "1",
		ClosedAt: t0, Report: []byte(`{"uptime_percent":99.5}`), Trail: "h1"}}
	if amount != "" {
		c.Entries = []store.LedgerEntry{{ID: "credit:p:" + sub + ":" + period, Kind: "credit", Customer: "c-" + sub, Subscription: sub, Policy: "p",
			Period: period, Currency: "EUR", Amount: amount, At: t0, Actor: "close", Reason: "automatic credit"}}
	}
	return c
}

// A close stores each snapshot once, with its entries: a second close of
// the same subscriptions (a rerun, a resume) posts nothing again.
func testClosings(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	trails := []store.Trail{{Hash: "h1", Intervals: []byte(`[{"minutes":60}]`)}}
	n, err := s.PutClosings(ctx, trails, []store.Closing{closing("s1", "2026-11", "10.00"), closing("s2", "2026-11", "")})
	if err != nil || n != 2 {
		t.Fatalf("first close: %d, %v", n, err)
	}
	// A rerun with a different amount: nothing is stored or posted again.
	n, err = s.PutClosings(ctx, trails, []store.Closing{closing("s1", "2026-11", "99.00"), closing("s2", "2026-11", ""), closing("s3", "2026-11", "5.00")})
	if err != nil || n != 1 {
		t.Fatalf("second close: %d, %v; want only s3 new", n, err)
	}
	es, err := s.Ledger(ctx, store.LedgerFilter{Period: "2026-11"})
	if err != nil || len(es) != 2 || es[0].Amount != "10.00" || es[1].Subscription != "s3" || es[0].Seq >= es[1].Seq {
		t.Fatalf("ledger: %+v, %v", es, err)
	}
	cs, err := s.Closes(ctx, store.LedgerFilter{Period: "2026-11", Subscription: "s1"}, true)
	if err != nil || len(cs) != 1 || string(cs[0].Report) != `{"uptime_percent":99.5}` || !cs[0].ClosedAt.Equal(t0) || cs[0].Trail != "h1" {
		t.Fatalf("closes: %+v, %v", cs, err)
	}
	if cs, _ := s.Closes(ctx, store.LedgerFilter{Period: "2026-11"}, false); len(cs) != 3 || len(cs[0].Report) != 0 {
		t.Errorf("closes without reports: %+v", cs)
	}
	iv, err := s.TrailOf(ctx, "h1")
	if err != nil || string(iv) != `[{"minutes":60}]` {
		t.Errorf("trail: %s, %v", iv, err)
	}
	if _, err := s.TrailOf(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown trail: %v", err)
	}
}

func testLedgerInvoice(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	e := store.LedgerEntry{ID: "adj-1", Kind: "adjustment", Customer: "c", Subscription: "s", Policy: "p", Period: "2026-10", Currency: "USD",
		Amount: "-3.50", At: t0, Actor: "fin", Reason: "late attribution", Ref: "req-1"}
	if err := s.AppendLedger(ctx, []store.LedgerEntry{e}); err != nil {
		t.Fatal(err)
	}
	e.Amount = "7.00"
	if err := s.AppendLedger(ctx, []store.LedgerEntry{e}); err != nil {
		t.Fatal(err)
	}
	if err := s.InvoiceEntry(ctx, "adj-1", "INV-2026-0042", "billing", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.InvoiceEntry(ctx, "adj-1", "INV-2026-0043", "billing", t0.Add(time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second invoice reference: %v", err)
	}
	if err := s.InvoiceEntry(ctx, "nope", "INV", "billing", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown entry: %v", err)
	}
	es, err := s.Ledger(ctx, store.LedgerFilter{Customer: "c"})
	if err != nil || len(es) != 1 || es[0].Amount != "-3.50" || es[0].Invoice != "INV-2026-0042" || es[0].InvoicedBy != "billing" ||
		!es[0].InvoicedAt.Equal(t0.Add(time.Hour)) || es[0].Ref != "req-1" {
		t.Errorf("ledger: %+v, %v (an entry is never changed)", es, err)
	}
}

func testCreditRequests(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	claim := store.CreditRequest{ID: "claim-1", Kind: "claim", Customer: "c", Subscription: "s", Policy: "p", Period: "2026-11", Currency: "EUR",
		Amount: "20.00", Deadline: t0.Add(7 * 24 * time.Hour), Note: "the outage of the 3rd", State: "submitted", CreatedAt: t0, CreatedBy: "carol",
		Log: []store.RequestStep{{At: t0, Actor: "carol", Action: "submitted"}}}
	if err := s.PutCreditRequest(ctx, claim, false); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCreditRequest(ctx, claim, false); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same id again: %v", err)
	}
	entry := store.LedgerEntry{ID: "claim:claim-1", Kind: "claim", Customer: "c", Subscription: "s", Policy: "p", Period: "2026-11", Currency: "EUR",
		Amount: "20.00", At: t0.Add(time.Hour), Actor: "fin", Reason: "approved", Ref: "claim-1"}
	if err := s.DecideCreditRequest(ctx, "claim-1", "approved", store.RequestStep{At: t0.Add(time.Hour), Actor: "fin", Action: "approved", Reason: "checked"}, &entry); err != nil {
		t.Fatal(err)
	}
	if err := s.DecideCreditRequest(ctx, "claim-1", "rejected", store.RequestStep{At: t0.Add(2 * time.Hour), Actor: "fin", Action: "rejected"}, nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deciding twice: %v", err)
	}
	if err := s.DecideCreditRequest(ctx, "nope", "rejected", store.RequestStep{At: t0, Actor: "fin", Action: "rejected"}, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown request: %v", err)
	}
	rs, err := s.CreditRequests(ctx, store.LedgerFilter{Customer: "c"})
	if err != nil || len(rs) != 1 || rs[0].State != "approved" || len(rs[0].Log) != 2 || rs[0].Log[1].Reason != "checked" ||
		!rs[0].Deadline.Equal(claim.Deadline) || rs[0].Note != claim.Note {
		t.Fatalf("requests: %+v, %v", rs, err)
	}
	if es, _ := s.Ledger(ctx, store.LedgerFilter{Subscription: "s"}); len(es) != 1 || es[0].Ref != "claim-1" {
		t.Errorf("the approval's entry: %+v", es)
	}
	// A new adjustment supersedes the pending one of the same period.
	adj := store.CreditRequest{ID: "adj-1", Kind: "adjustment", Customer: "c", Subscription: "s", Policy: "p", Period: "2026-10", Currency: "EUR",
		Amount: "5.00", Note: "uptime 99.5 → 99.4", State: "submitted", CreatedAt: t0, CreatedBy: "close", Log: []store.RequestStep{{At: t0, Actor: "close", Action: "proposed"}}}
	if err := s.PutCreditRequest(ctx, adj, true); err != nil {
		t.Fatal(err)
	}
	adj.ID, adj.Amount = "adj-2", "8.00"
	if err := s.PutCreditRequest(ctx, adj, true); err != nil {
		t.Fatal(err)
	}
	rs, _ = s.CreditRequests(ctx, store.LedgerFilter{Kind: "adjustment"})
	if len(rs) != 2 || rs[0].State != "superseded" || rs[1].State != "submitted" || rs[0].Log[len(rs[0].Log)-1].Reason != "by adj-2" {
		t.Errorf("adjustments: %+v", rs)
	}
	if rs, _ := s.CreditRequests(ctx, store.LedgerFilter{State: "submitted"}); len(rs) != 1 || rs[0].ID != "adj-2" {
		t.Errorf("pending: %+v", rs)
	}
}

// Two processes reading the same due notification: one claim wins; the
// row is not due again until its lease ends, or its attempt is recorded.
func testClaimOutbound(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outbound("ob-1", "sub-1", t0))
	ok1, err1 := s.ClaimOutbound(ctx, "ob-1", t0, 2*time.Minute)
	ok2, err2 := s.ClaimOutbound(ctx, "ob-1", t0, 2*time.Minute)
	if err1 != nil || err2 != nil || !ok1 || ok2 {
		t.Fatalf("claims: %v %v, %v %v; want one win", ok1, err1, ok2, err2)
	}
	if due := dueIDs(t, s, t0.Add(time.Minute), 10); len(due) != 0 {
		t.Errorf("a claimed row is due again within its lease: %v", due)
	}
	if due := dueIDs(t, s, t0.Add(3*time.Minute), 10); len(due) != 1 {
		t.Errorf("after the lease (a sender that died): %v, want it due", due)
	}
	if ok, _ := s.ClaimOutbound(ctx, "ob-1", t0.Add(3*time.Minute), 2*time.Minute); !ok {
		t.Error("after the lease: not claimable")
	}
	if ok, _ := s.ClaimOutbound(ctx, "nope", t0, time.Minute); ok {
		t.Error("an unknown row was claimed")
	}
}
