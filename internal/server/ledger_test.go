package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/notify/smtptest"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/store"
)

const (
	testFinanceToken = "finance-token-of-enough-length"
	testTelcoToken   = "telco-customer-token-long-enough"
)

type ledgerEnv struct {
	t     *testing.T
	url   string
	clock *testClock
	st    store.Store
}

// newLedgerEnv serves the seeds 001, 002 and 004 with an operator, a
// finance and a customer (telco) token.
func newLedgerEnv(t *testing.T, st store.Store) *ledgerEnv {
	t.Helper()
	cfg := `policies: [../../examples/001-bloomneo.yaml, ../../examples/002-bluestone.yaml, ../../examples/004-infopromo.yaml]
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: fiona@finance.example, role: finance, token_env: FIN_TOKEN}
  - {name: telco-portal, role: customer, customer: telco, token_env: TELCO_TOKEN}
users:
  - {name: fiona, role: finance, password_hash_env: HASH}
  - {name: vera, role: viewer, password_hash_env: HASH}
  - {name: tom, role: customer, customer: telco, password_hash_env: HASH}
`
	env := map[string]string{"OPS_TOKEN": testOpsToken, "FIN_TOKEN": testFinanceToken, "TELCO_TOKEN": testTelcoToken, "HASH": testAliceHash(t)}
	c, err := config.Parse("slakeeper.yaml", []byte(cfg), func(k string) string { return env[k] }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Date(2026, 11, 27, 13, 59, 0, 0, time.UTC)}
	s, err := New(Options{Store: st, Config: c, Logger: slog.New(slog.DiscardHandler), Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &ledgerEnv{t: t, url: ts.URL, clock: clock, st: st}
}

func (e *ledgerEnv) call(method, path, token, body string, code int, out any) []byte {
	e.t.Helper()
	return apiCall(e.t, e.url, method, path, token, body, code, out)
}

// ledgerEvidence: November 2026 (30 days, 43,200 minutes in UTC, in
// London and, from 31 Oct 23:00 UTC, in Oslo).
const ledgerEvidence = `{"type":"customer","id":"acme","customer":"acme","contacts":[{"email":"billing@acme.example"}]}
{"type":"customer","id":"nordic","customer":"nordic"}
{"type":"customer","id":"telco","customer":"telco"}
{"type":"customer","id":"voip","customer":"voip"}
{"type":"subscription","id":"sub-acme","customer":"acme","policy":"bloomneo","plan":"starter","fee":"200.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}
{"type":"subscription","id":"sub-nordic","customer":"nordic","policy":"bluestone-standard","plan":"standard","fee":"2000.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}
{"type":"subscription","id":"sub-telco","customer":"telco","policy":"infopromo","plan":"standard","fee":"500.00","currency":"USD","start":"2026-01-01T00:00:00Z"}
{"type":"subscription","id":"sub-voip","customer":"voip","policy":"infopromo","plan":"standard","fee":"300.00","currency":"USD","start":"2026-01-01T00:00:00Z"}
{"type":"status","id":"b1","at":"2026-11-10T00:00:00Z","component":"platform","status":"major_outage"}
{"type":"status","id":"b2","at":"2026-11-13T00:00:00Z","component":"platform","status":"operational"}
{"type":"status","id":"p1","at":"2026-11-05T10:00:00Z","component":"pim","status":"major_outage"}
{"type":"status","id":"p2","at":"2026-11-05T15:00:00Z","component":"pim","status":"operational"}
{"type":"status","id":"n1","at":"2026-11-20T08:00:00Z","component":"network","status":"major_outage"}
{"type":"status","id":"n2","at":"2026-11-20T14:00:00Z","component":"network","status":"operational"}
`

// A month with an outage under seeds 001 (automatic, capped at 50 %), 002
// (tiers, on request) and 004 (linear 10 % per started 1 % of downtime,
// claimed within 7 days of the failure) closes to the exact ledger
// entries; a claim one minute after its deadline is refused; a late
// attribution gives one adjustment, not an edit.
func TestLedgerSeeds(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newLedgerEnv(t, open(t))
			e.call("POST", "/api/v1/facts", testOpsToken, ledgerEvidence, http.StatusOK, nil)

			// 004: the network was down 20 Nov 08:00–14:00; the claim
			// window ends 7 × 24 h after: 27 Nov 14:00 UTC. telco claims
			// at 13:59, in time, itself.
			var claim ledger.Request
			e.call("POST", "/api/v1/claims", testTelcoToken, `{"subscription":"sub-telco","period":"2026-11","note":"the outage of the 20th"}`, http.StatusCreated, &claim)
			if claim.State != ledger.StateSubmitted || claim.Late || claim.Deadline == nil || !claim.Deadline.Equal(time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)) {
				t.Errorf("telco's claim: %+v", claim)
			}
			// A customer cannot claim for another customer: 404.
			e.call("POST", "/api/v1/claims", testTelcoToken, `{"subscription":"sub-voip","period":"2026-11"}`, http.StatusNotFound, nil)
			e.call("POST", "/api/v1/claims", testTelcoToken, `{"subscription":"sub-telco","period":"2026-11"}`, http.StatusConflict, nil)
			// One minute after the deadline: refused with the deadline named.
			e.clock.set(time.Date(2026, 11, 27, 14, 1, 0, 0, time.UTC))
			var bad struct{ Error, Field string }
			e.call("POST", "/api/v1/claims", testOpsToken, `{"subscription":"sub-voip","period":"2026-11"}`, http.StatusBadRequest, &bad)
			if bad.Field != "period" || !strings.Contains(bad.Error, "closed at 2026-11-27T14:00:00Z") {
				t.Errorf("a claim one minute late: %+v", bad)
			}
			// Staff may record it late, with the reason.
			e.call("POST", "/api/v1/claims", testOpsToken, `{"subscription":"sub-voip","period":"2026-11","late":true}`, http.StatusBadRequest, &bad)
			var late ledger.Request
			e.call("POST", "/api/v1/claims", testOpsToken, `{"subscription":"sub-voip","period":"2026-11","late":true,"reason":"mailed on the 26th; the mail server held it"}`, http.StatusCreated, &late)
			if !late.Late || late.Log[0].Action != "submitted late" || late.By != "ops@example.test" {
				t.Errorf("a late claim: %+v", late)
			}
			// Finance approves telco's before the close: the close posts it.
			e.call("POST", "/api/v1/claims/"+claim.ID+"/decision", testOpsToken, `{"approve":true}`, http.StatusForbidden, nil)
			e.call("POST", "/api/v1/claims/"+claim.ID+"/decision", testFinanceToken, `{"approve":true,"reason":"outage confirmed"}`, http.StatusOK, nil)

			// 4 December: November closes.
			e.clock.set(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC))
			var res struct {
				Closed, Already, Open int
				Posted                []struct{ ID, Kind, Subscription, Amount, Currency string }
			}
			e.call("POST", "/api/v1/closes", testFinanceToken, `{"period":"2026-11"}`, http.StatusOK, &res)
			if res.Closed != 4 || res.Already != 0 || res.Open != 0 {
				t.Errorf("close: %+v", res)
			}
			// 001: 3 days down of 30: 38,880 / 43,200 = 90 %, below 95:
			// 50 %, the cap: 100.00 EUR of 200.00, automatic.
			// 004: 360 of 43,200 min down, 0.83 points, one started
			// point: 10 % of 500.00 = 50.00 USD, claimed and approved.
			// 002: 300 min down: 42,900 / 43,200 = 99.31 %, below 99.5:
			// 10 %, owed only on request: nothing yet.
			want := map[string]string{"credit:bloomneo:sub-acme:2026-11": "credit sub-acme 100.00 EUR", "claim:" + claim.ID: "claim sub-telco 50.00 USD"}
			e.checkLedger(want)
			// A customer reads its own closes and trails, not another's.
			var closes struct{ Closes []ledger.Closed }
			e.call("GET", "/api/v1/closes?period=2026-11&customer=acme", testFinanceToken, "", http.StatusOK, &closes)
			if len(closes.Closes) != 1 || closes.Closes[0].Trail == "" {
				t.Fatalf("acme's close: %+v", closes.Closes)
			}
			acmeTrail := closes.Closes[0].Trail
			e.call("GET", "/api/v1/closes/trails/"+acmeTrail, testTelcoToken, "", http.StatusNotFound, nil)
			e.call("GET", "/api/v1/closes/trails/"+acmeTrail, testFinanceToken, "", http.StatusOK, nil)
			e.call("GET", "/api/v1/closes?customer=acme", testTelcoToken, "", http.StatusOK, &closes)
			if len(closes.Closes) != 1 || closes.Closes[0].Customer != "telco" {
				t.Errorf("telco's closes: %+v", closes.Closes)
			}
			e.call("GET", "/api/v1/closes/trails/"+closes.Closes[0].Trail, testTelcoToken, "", http.StatusOK, nil)
			// A customer can neither close nor decide.
			e.call("POST", "/api/v1/closes", testTelcoToken, `{"period":"2026-11"}`, http.StatusForbidden, nil)
			e.call("POST", "/api/v1/claims/"+claim.ID+"/decision", testTelcoToken, `{"approve":true}`, http.StatusForbidden, nil)
			e.call("GET", "/api/v1/ledger", "", "", http.StatusUnauthorized, nil)
			// Closing again posts nothing.
			e.call("POST", "/api/v1/closes", testFinanceToken, `{"period":"2026-11"}`, http.StatusOK, &res)
			if res.Closed != 0 || res.Already != 4 || len(res.Posted) != 0 {
				t.Errorf("second close: %+v", res)
			}
			e.checkLedger(want)

			// 002 on request: nordic's claim (by staff on its behalf),
			// approved after the close: posted now, at the closed amount,
			// 10 % of 2,000.00.
			var nordic ledger.Request
			e.call("POST", "/api/v1/claims", testOpsToken, `{"subscription":"sub-nordic","period":"2026-11"}`, http.StatusCreated, &nordic)
			e.call("POST", "/api/v1/claims/"+nordic.ID+"/decision", testFinanceToken, `{"approve":false}`, http.StatusBadRequest, nil)
			e.call("POST", "/api/v1/claims/"+nordic.ID+"/decision", testFinanceToken, `{"approve":true}`, http.StatusOK, nil)
			e.call("POST", "/api/v1/claims/"+nordic.ID+"/decision", testFinanceToken, `{"approve":true}`, http.StatusConflict, nil)
			want["claim:"+nordic.ID] = "claim sub-nordic 200.00 EUR"
			// voip's late claim, rejected: nothing posted.
			e.call("POST", "/api/v1/claims/"+late.ID+"/decision", testFinanceToken, `{"approve":false,"reason":"the contract has no grace"}`, http.StatusOK, nil)
			e.checkLedger(want)

			// A late attribution: 60 of acme's 72 hours were the cloud
			// provider's (third_party, excluded by 001). Liable: 720 min,
			// 42,480 / 43,200 = 98.33 %: below 99.0, 25 %: 50.00 EUR. One
			// adjustment of −50.00 is proposed; the entry stays.
			e.call("POST", "/api/v1/facts", testOpsToken, `{"type":"attribution","id":"attr-acme","at":"2026-12-05T09:00:00Z","components":["platform"],"start":"2026-11-10T00:00:00Z","end":"2026-11-12T12:00:00Z","cause":"third_party","by":"ops@example.test","reason":"cloud provider outage"}`, http.StatusOK, nil)
			e.clock.set(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
			var again struct {
				Closed      int
				Adjustments []ledger.Request
			}
			e.call("POST", "/api/v1/closes", testFinanceToken, `{"period":"2026-11"}`, http.StatusOK, &again)
			if again.Closed != 0 || len(again.Adjustments) != 1 || again.Adjustments[0].Amount != "-50.00" || again.Adjustments[0].Subscription != "sub-acme" ||
				!strings.Contains(again.Adjustments[0].Note, "uptime 90 % at the close, 98.3333 % now") {
				t.Fatalf("after the late attribution: %+v", again)
			}
			e.call("POST", "/api/v1/closes", testFinanceToken, `{"period":"2026-11"}`, http.StatusOK, &again)
			if len(again.Adjustments) != 0 {
				t.Errorf("a second recheck proposed again: %+v", again.Adjustments)
			}
			e.checkLedger(want)
			e.call("POST", "/api/v1/adjustments/"+claim.ID+"/decision", testFinanceToken, `{"approve":true}`, http.StatusNotFound, nil)
			var adjs struct{ Adjustments []ledger.Request }
			e.call("GET", "/api/v1/adjustments?state=submitted", testFinanceToken, "", http.StatusOK, &adjs)
			if len(adjs.Adjustments) != 1 {
				t.Fatalf("pending adjustments: %+v", adjs)
			}
			e.call("POST", "/api/v1/adjustments/"+adjs.Adjustments[0].ID+"/decision", testFinanceToken, `{"approve":true,"reason":"attribution checked"}`, http.StatusOK, nil)
			want["adjustment:"+adjs.Adjustments[0].ID] = "adjustment sub-acme -50.00 EUR"
			e.checkLedger(want)
			e.call("POST", "/api/v1/closes", testFinanceToken, `{"period":"2026-11"}`, http.StatusOK, &again)
			if len(again.Adjustments) != 0 {
				t.Errorf("after the approval, a recheck proposed: %+v", again.Adjustments)
			}

			// Totals by currency; a customer sees only its own entries.
			var all struct {
				Totals []ledger.Total
			}
			e.call("GET", "/api/v1/ledger?period=2026-11", testFinanceToken, "", http.StatusOK, &all)
			if len(all.Totals) != 2 || all.Totals[0].Currency != "EUR" || all.Totals[0].Amount != "250.00" || all.Totals[1].Amount != "50.00" {
				t.Errorf("totals: %+v", all.Totals)
			}
			var own struct{ Entries []ledger.Entry }
			e.call("GET", "/api/v1/ledger?customer=acme", testTelcoToken, "", http.StatusOK, &own)
			if len(own.Entries) != 1 || own.Entries[0].Customer != "telco" {
				t.Errorf("telco's ledger: %+v", own.Entries)
			}
			var cl struct{ Claims []ledger.Request }
			e.call("GET", "/api/v1/claims", testTelcoToken, "", http.StatusOK, &cl)
			if len(cl.Claims) != 1 || cl.Claims[0].State != ledger.StateApproved || len(cl.Claims[0].Log) != 2 || cl.Claims[0].Log[1].By != "fiona@finance.example" {
				t.Errorf("telco's claims: %+v", cl.Claims)
			}
		})
	}
}

// checkLedger compares the ledger with want: id → "kind subscription
// amount currency".
func (e *ledgerEnv) checkLedger(want map[string]string) {
	e.t.Helper()
	var got struct{ Entries []ledger.Entry }
	e.call("GET", "/api/v1/ledger", testFinanceToken, "", http.StatusOK, &got)
	have := map[string]string{}
	for _, x := range got.Entries {
		have[x.ID] = x.Kind + " " + x.Subscription + " " + x.Amount + " " + x.Currency
	}
	if len(have) != len(want) {
		e.t.Errorf("ledger: got %v, want %v", have, want)
		return
	}
	for id, w := range want {
		if have[id] != w {
			e.t.Errorf("ledger entry %s: got %q, want %q", id, have[id], w)
		}
	}
}

// The finance page and the portal's credits: a customer user claims in
// the portal (a late claim refused at its field with the deadline), the
// finance user closes the period and approves it from the page; a viewer
// sees the page without its forms.
func TestFinancePages(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "f.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newLedgerEnv(t, st)
	e.call("POST", "/api/v1/facts", testOpsToken, ledgerEvidence, http.StatusOK, nil)

	tom := browserFor(t, e.url)
	if p := tom.post("/portal/signin", url.Values{"name": {"tom"}, "password": {testAlicePassword}, "next": {"/portal"}}); p.code != http.StatusSeeOther {
		t.Fatalf("tom signs in: %d", p.code)
	}
	p := tom.get("/portal/credits")
	checkLabels(t, p.body)
	if !strings.Contains(p.body, "<option>sub-telco</option>") || strings.Contains(p.body, "sub-voip") {
		t.Errorf("the claim form offers the customer's own subscriptions only:\n%s", p.body)
	}
	if p = tom.post("/portal/claims", url.Values{"subscription": {"sub-voip"}, "period": {"2026-11"}}); p.code != http.StatusNotFound {
		t.Errorf("a claim for another customer's subscription: %d", p.code)
	}
	if p = tom.post("/portal/claims", url.Values{"subscription": {"sub-telco"}, "period": {"2026-11"}, "note": {"outage on the 20th"}}); p.code != http.StatusSeeOther {
		t.Fatalf("claim: %d %s", p.code, p.body)
	}
	if p = tom.get("/portal/credits"); !strings.Contains(p.body, "claim-sub-telco-2026-11") || !strings.Contains(p.body, "<strong>submitted</strong>") {
		t.Errorf("the claim in the portal:\n%s", p.body)
	}
	// voip's window closed at 14:00: one minute later the form says so.
	e.clock.set(time.Date(2026, 11, 27, 14, 1, 0, 0, time.UTC))

	fiona := browserFor(t, e.url)
	fiona.signIn("fiona", testAlicePassword)
	p = fiona.post("/admin/claims", url.Values{"subscription": {"sub-voip"}, "period": {"2026-11"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="claim-period-err"`) || !strings.Contains(p.body, "closed at 2026-11-27T14:00:00Z") {
		t.Errorf("a late claim from the page: %d\n%s", p.code, p.body)
	}
	e.clock.set(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC))
	// A week later the sessions have ended: both sign in again.
	fiona.signIn("fiona", testAlicePassword)
	tom.post("/portal/signin", url.Values{"name": {"tom"}, "password": {testAlicePassword}, "next": {"/portal"}})
	if p = fiona.post("/admin/finance/close", url.Values{"period": {"2026-11"}}); p.code != http.StatusSeeOther {
		t.Fatalf("close: %d %s", p.code, p.body)
	}
	p = fiona.get("/admin/finance?period=2026-11")
	checkLabels(t, p.body)
	for _, want := range []string{"credit:bloomneo:sub-acme:2026-11", "100.00 EUR", "claim-sub-telco-2026-11", "Approve", "Reverse"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the finance page lacks %q:\n%s", want, p.body)
		}
	}
	if p = fiona.post("/admin/claims/claim-sub-telco-2026-11/decision", url.Values{"approve": {"no"}, "period": {"2026-11"}}); p.code != http.StatusBadRequest ||
		!strings.Contains(p.body, "needs its reason") {
		t.Errorf("a rejection without reason: %d", p.code)
	}
	if p = fiona.post("/admin/claims/claim-sub-telco-2026-11/decision", url.Values{"approve": {"yes"}, "reason": {"confirmed"}}); p.code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", p.code, p.body)
	}
	if p = tom.get("/portal/credits"); !strings.Contains(p.body, "<strong>approved</strong>") || !strings.Contains(p.body, "50.00 USD") || strings.Contains(p.body, "fiona") {
		t.Errorf("the approved claim in the portal (without staff names):\n%s", p.body)
	}
	if p = fiona.post("/admin/ledger/credit:bloomneo:sub-acme:2026-11/reverse", url.Values{"reason": {"credited by hand in October"}}); p.code != http.StatusSeeOther {
		t.Fatalf("reverse: %d %s", p.code, p.body)
	}
	var got struct{ Totals []ledger.Total }
	e.call("GET", "/api/v1/ledger?period=2026-11", testFinanceToken, "", http.StatusOK, &got)
	if len(got.Totals) != 2 || got.Totals[0].Amount != "0.00" || got.Totals[1].Amount != "50.00" {
		t.Errorf("totals after the reversal: %+v", got.Totals)
	}

	vera := browserFor(t, e.url)
	vera.signIn("vera", testAlicePassword)
	if p = vera.get("/admin/finance?period=2026-11"); p.code != http.StatusOK || strings.Contains(p.body, "Approve") || strings.Contains(p.body, ">Reverse<") ||
		strings.Contains(p.body, "Close the rest") {
		t.Errorf("a viewer's finance page has forms: %d", p.code)
	}
	if p = vera.post("/admin/finance/close", url.Values{"period": {"2026-11"}}); p.code != http.StatusForbidden {
		t.Errorf("a viewer closes: %d", p.code)
	}
}

// The server closes a period on its own once the settle delay has passed:
// a billing webhook (Standard Webhooks, signed) hears credit.issued with
// the entry, the customer's contact gets the report notice with the
// portal link, and a reversal is credit.adjusted; an operators' channel
// that names no events hears none of it.
func TestCloseLoopNotifies(t *testing.T) {
	sink := smtptest.Start(t)
	billing := newHookReceiver(t, 0)
	ops := newHookReceiver(t, 0)
	const secret = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LW9mLXRoZS1vcHM="
	billing.setSecret(secret)
	ops.setSecret(secret)
	// The server signs with its test clock.
	billing.skew, ops.skew = 10*365*24*time.Hour, 10*365*24*time.Hour
	clock := &testClock{t: time.Date(2026, 12, 3, 23, 59, 0, 0, time.UTC)}
	e := startNotifyAt(t, filepath.Join(t.TempDir(), "n.db"), `server: {public_url: "https://sla.example.com"}
policies: [../../examples/001-bloomneo.yaml]
email: {smtp_addr: "`+sink.Addr+`", from: "slakeeper <sla@example.com>", tls: none}
ledger: {settle: 72h, every: 100ms}
alerts:
  - {name: billing, kind: webhook, url: "`+billing.srv.URL+`/credits", secret_env: HOOK_SECRET, events: [credit.issued, credit.adjusted]}
  - {name: ops-hook, kind: webhook, url: "`+ops.srv.URL+`/ops", secret_env: HOOK_SECRET}
`, map[string]string{"HOOK_SECRET": secret}, nil, clock.now)
	apiCall(t, e.url, "POST", "/api/v1/facts", testOpsToken, `{"type":"customer","id":"acme","customer":"acme","contacts":[{"email":"billing@acme.example"}]}
{"type":"subscription","id":"sub-acme","customer":"acme","policy":"bloomneo","plan":"starter","fee":"200.00","currency":"EUR","start":"2026-01-01T00:00:00Z"}
{"type":"status","id":"b1","at":"2026-11-10T00:00:00Z","component":"platform","status":"major_outage"}
{"type":"status","id":"b2","at":"2026-11-13T00:00:00Z","component":"platform","status":"operational"}`, http.StatusOK, nil)
	// Before the settle delay (72 h after 1 Dec 00:00 London) nothing closes.
	time.Sleep(300 * time.Millisecond)
	var got struct{ Entries []ledger.Entry }
	apiCall(t, e.url, "GET", "/api/v1/ledger", testOpsToken, "", http.StatusOK, &got)
	if len(got.Entries) != 0 {
		t.Fatalf("closed before the settle delay: %+v", got.Entries)
	}
	clock.set(time.Date(2026, 12, 4, 0, 1, 0, 0, time.UTC))
	eventually(t, "the close's credit event", func() bool { return len(billing.received()) >= 1 })
	c := billing.received()[0]
	if c.Body.Type != "credit.issued" || c.Body.Data.Credit == nil || c.Body.Data.Credit.Amount != "100.00" || c.Body.Data.Credit.Currency != "EUR" ||
		c.Body.Data.Credit.Subscription != "sub-acme" || c.Body.Data.Credit.Entry != "credit:bloomneo:sub-acme:2026-11" {
		t.Errorf("billing got %+v", c.Body)
	}
	// October closed (without credit) as soon as the subscription was
	// stored, before the clock moved: its notice came first.
	var ms []smtptest.Message
	eventually(t, "the report notices", func() bool { ms = mailsTo(sink, t, "billing@acme.example"); return len(ms) >= 2 })
	nov := slices.IndexFunc(ms, func(m smtptest.Message) bool {
		return strings.Contains(m.Header.Get("Subject"), "Your SLA report for 2026-11")
	})
	if nov < 0 {
		t.Fatalf("no notice for November: %v", ms)
	}
	if body := mailBody(t, ms[nov]); !strings.Contains(body, "https://sla.example.com/portal/reports?period=2026-11") {
		t.Errorf("notice body:\n%s", body)
	}
	if _, err := e.s.ledger.Reverse(context.Background(), "fiona", "credit:bloomneo:sub-acme:2026-11", "credited by hand"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reversal's event", func() bool { return len(billing.received()) >= 2 })
	if r := billing.received()[1]; r.Body.Type != "credit.adjusted" || r.Body.Data.Credit.Amount != "-100.00" || r.Body.Data.Credit.Ref != "credit:bloomneo:sub-acme:2026-11" {
		t.Errorf("the reversal's event: %+v", r.Body)
	}
	// The loop runs on: the period is not closed again, nothing is sent twice.
	time.Sleep(300 * time.Millisecond)
	if n := len(billing.received()); n != 2 {
		t.Errorf("billing got %d events, want 2", n)
	}
	if n := len(mailsTo(sink, t, "billing@acme.example")); n != 2 {
		t.Errorf("%d notices, want 2 (October, November)", n)
	}
	for _, h := range ops.received() {
		if strings.HasPrefix(h.Body.Type, "credit.") {
			t.Errorf("an operators' channel without events got %s", h.Body.Type)
		}
	}
}
