package server

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// portalTestConfig has two customers, each with a subscription to the
// acme policy (with support targets) and a portal user.
const portalTestConfig = `components:
  - {id: api}
  - {id: web}
policies: [acme.yaml]
customers:
  - {id: acme, name: Acme GmbH}
  - {id: globex, name: Globex Inc}
subscriptions:
  - {id: sub-acme, customer: acme, policy: acme, plan: standard, fee: "1000.00", currency: EUR, start: "2026-01-01T00:00:00Z"}
  - {id: sub-globex, customer: globex, policy: acme, plan: standard, fee: "500.00", currency: USD, start: "2026-01-01T00:00:00Z"}
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
users:
  - {name: alice, password_hash_env: ALICE_HASH}
  - {name: anna@acme.example, role: customer, customer: acme, password_hash_env: ALICE_HASH}
  - {name: gus@globex.example, role: customer, customer: globex, password_hash_env: ALICE_HASH}
`

func newPortalEnv(t *testing.T) *incidentEnv {
	t.Helper()
	pol := strings.Replace(incidentTestPolicy, "        maintenance_notice: 48h\n", `        maintenance_notice: 48h
        support:
          priorities:
            - {id: high, first_response: 1h, resolution: 8h}
`, 1)
	e := newIncidentEnvWithEnv(t, portalTestConfig, pol, map[string]string{"OPS_TOKEN": testOpsToken, "ALICE_HASH": testAliceHash(t)})
	e.clock.set(time.Date(2026, 10, 14, 12, 0, 0, 0, time.UTC))
	e.call("POST", "/api/v1/facts", testOpsToken, `{"type":"ticket","id":"t-acme","at":"2026-10-14T10:00:00Z","customer":"acme","priority":"high","subject":"Acme login broken"}
{"type":"ticket","id":"t-globex","at":"2026-10-14T10:30:00Z","customer":"globex","priority":"high","subject":"Globex export slow"}
{"type":"status","id":"st-1","at":"2026-10-14T09:00:00Z","component":"api","status":"major_outage","source":"probe"}
{"type":"status","id":"st-2","at":"2026-10-14T09:30:00Z","component":"api","status":"operational","source":"probe"}
`, http.StatusOK, nil)
	return e
}

// Each customer user sees its own subscriptions, reports and tickets and
// nothing of the other's: the other's ticket and subscription answer
// 404, as missing ones do; staff pages are closed to it, and the portal
// to staff.
func TestPortalIsolation(t *testing.T) {
	e := newPortalEnv(t)
	for _, tt := range []struct {
		user, own, other, ownSub, otherSub, ownName, otherName string
	}{
		{"anna@acme.example", "t-acme", "t-globex", "sub-acme", "sub-globex", "Acme GmbH", "Globex"},
		{"gus@globex.example", "t-globex", "t-acme", "sub-globex", "sub-acme", "Globex Inc", "Acme"},
	} {
		t.Run(tt.user, func(t *testing.T) {
			b := e.browser()
			if p := b.post("/portal/signin", url.Values{"name": {tt.user}, "password": {testAlicePassword}, "next": {"/portal"}}); p.code != http.StatusSeeOther || p.location != "/portal" {
				t.Fatalf("sign in: %d %q %s", p.code, p.location, p.body)
			}
			for _, path := range []string{"/portal", "/portal/reports?period=2026-10", "/portal/tickets?state=all", "/portal/tickets/" + tt.own,
				"/portal/reports?period=2026-10&subscription=" + tt.ownSub} {
				p := b.get(path)
				if p.code != http.StatusOK {
					t.Errorf("%s: got %d", path, p.code)
				}
				if strings.Contains(p.body, tt.other) || strings.Contains(p.body, tt.otherSub) || strings.Contains(p.body, tt.otherName) {
					t.Errorf("%s shows the other customer's data:\n%s", path, p.body)
				}
				if path == "/portal" && (!strings.Contains(p.body, tt.ownSub) || !strings.Contains(p.body, tt.ownName) ||
					!strings.Contains(p.body, "Uptime of at least 99.9 % per month") || !strings.Contains(p.body, "Support, high: first response 1 h around the clock")) {
					t.Errorf("%s lacks the customer's own subscription and its terms in words:\n%s", path, p.body)
				}
			}
			other := b.get("/portal/tickets/" + tt.other)
			missing := b.get("/portal/tickets/t-nothere")
			if other.code != http.StatusNotFound || strings.Replace(other.body, tt.other, "t-nothere", -1) != missing.body {
				t.Errorf("the other customer's ticket: %d, not the answer for a missing one:\n%s\n%s", other.code, other.body, missing.body)
			}
			if p := b.get("/portal/reports?period=2026-10&subscription=" + tt.otherSub); p.code != http.StatusNotFound {
				t.Errorf("the other customer's subscription: got %d", p.code)
			}
			if p := b.get("/admin/reports"); p.code != http.StatusForbidden {
				t.Errorf("a customer at /admin/reports: got %d", p.code)
			}
			if p := b.get("/api/v1/reports?period=2026-10&customer=" + strings.TrimPrefix(tt.otherSub, "sub-")); p.code != http.StatusNotFound {
				t.Errorf("a customer's session asking the API for the other customer: got %d", p.code)
			}
		})
	}
	staff := e.browser()
	staff.signIn("alice", testAlicePassword)
	if p := staff.get("/portal"); p.code != http.StatusForbidden {
		t.Errorf("staff at /portal: got %d", p.code)
	}
	if p := e.browser().post("/admin/signin", url.Values{"name": {"anna@acme.example"}, "password": {testAlicePassword}}); p.code != http.StatusForbidden {
		t.Errorf("a customer signing in to /admin: got %d", p.code)
	}
	if p := e.browser().post("/portal/signin", url.Values{"name": {"alice"}, "password": {testAlicePassword}}); p.code != http.StatusForbidden {
		t.Errorf("staff signing in to the portal: got %d", p.code)
	}
}

// The portal in headless Chromium at 360 px: two customers' users sign
// in one after the other; each overview, report and ticket list holds
// only their own; the other's ticket is not found. Screenshots are
// artifacts.
func TestBrowserPortal(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newPortalEnv(t)
	b := browsertest.New(t, 90*time.Second)
	for _, tt := range []struct{ user, own, other, ownName string }{
		{"anna@acme.example", "t-acme", "t-globex", "Acme GmbH"},
		{"gus@globex.example", "t-globex", "t-acme", "Globex Inc"},
	} {
		b.Do("sign in as "+tt.user,
			chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
			chromedp.Navigate(e.url+"/portal"),
			chromedp.WaitVisible(chromedp.ID("signin-name")),
			chromedp.SendKeys(chromedp.ID("signin-name"), tt.user),
			chromedp.SendKeys(chromedp.ID("signin-password"), testAlicePassword),
		)
		if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[action="/portal/signin"] button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		if got := b.Text("h1"); got != tt.ownName {
			t.Fatalf("%s: overview heading %q", tt.user, got)
		}
		if browsertest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s: the overview scrolls sideways at 360 px", tt.user)
		}
		b.Screenshot("portal-" + tt.own + "-overview-360")
		b.Do("tickets", chromedp.Navigate(e.url+"/portal/tickets?state=all"), chromedp.WaitVisible(chromedp.CSS("main")))
		if got := b.Text("main"); !strings.Contains(got, tt.own) || strings.Contains(got, tt.other) {
			t.Errorf("%s: tickets page %q", tt.user, got)
		}
		b.Do("reports", chromedp.Navigate(e.url+"/portal/reports?period=2026-10"), chromedp.WaitVisible(chromedp.CSS("main")))
		if got := b.Text("main"); strings.Contains(got, tt.other) || !strings.Contains(got, "sub-"+strings.TrimPrefix(tt.own, "t-")) {
			t.Errorf("%s: reports page %q", tt.user, got)
		}
		b.Screenshot("portal-" + tt.own + "-reports-360")
		b.Do("credits", chromedp.Navigate(e.url+"/portal/credits"), chromedp.WaitVisible(chromedp.CSS("main")))
		ownSub, otherSub := "sub-"+strings.TrimPrefix(tt.own, "t-"), "sub-"+strings.TrimPrefix(tt.other, "t-")
		if got := b.Text("main"); !strings.Contains(got, "Claim a credit") || !strings.Contains(got, ownSub) || strings.Contains(got, otherSub) {
			t.Errorf("%s: credits page %q", tt.user, got)
		}
		if browsertest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s: the credits page scrolls sideways at 360 px", tt.user)
		}
		b.Screenshot("portal-" + tt.own + "-credits-360")
		b.Do("the other's ticket", chromedp.Navigate(e.url+"/portal/tickets/"+tt.other), chromedp.WaitVisible(chromedp.CSS("h1")))
		if got := b.Text("h1"); got != "Not found" {
			t.Errorf("%s: the other customer's ticket shows %q", tt.user, got)
		}
		b.Do("sign out", chromedp.Navigate(e.url+"/portal"), chromedp.WaitVisible(chromedp.CSS(`form[action="/portal/signout"]`)))
		if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[action="/portal/signout"] button`))); err != nil {
			t.Fatal(err)
		}
	}
}

// Each seed's customers, signed in to the portal, read October's
// figures as `evaluate` computes them from the same evidence: every
// subscription's uptime and credit, and nothing of another customer.
func TestPortalMatchesEvaluate(t *testing.T) {
	examples, err := filepath.Glob("../../examples/0*.yaml")
	if err != nil || len(examples) != 5 {
		t.Fatalf("examples: %v, %v", examples, err)
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, pf := range examples {
		t.Run(filepath.Base(pf), func(t *testing.T) {
			body, err := os.ReadFile(strings.TrimSuffix(pf, ".yaml") + ".jsonl")
			if err != nil {
				t.Fatal(err)
			}
			ev, err := facts.Parse(pf, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			pol, err := policy.Load(pf)
			if err != nil {
				t.Fatal(err)
			}
			custs := map[string]bool{}
			for _, s := range ev.Subscriptions {
				custs[s.Customer] = true
			}
			var cfg strings.Builder
			cfg.WriteString("policies: [" + pf + "]\ntokens:\n  - {name: ops, role: operator, token_env: OPS_TOKEN}\nusers:\n")
			for c := range custs {
				cfg.WriteString("  - {name: " + c + "-user, role: customer, customer: " + c + ", password_hash_env: HASH}\n")
			}
			env := map[string]string{"OPS_TOKEN": testOpsToken, "HASH": testAliceHash(t)}
			c, err := config.Parse("slakeeper.yaml", []byte(cfg.String()), func(k string) string { return env[k] }, policy.Load)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(Options{Store: stores(t)["sqlite"](t), Config: c, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(s.Handler())
			t.Cleanup(ts.Close)
			apiCall(t, ts.URL, "POST", "/api/v1/facts", testOpsToken, string(body), http.StatusOK, nil)
			checked := 0
			for cust := range custs {
				want, err := sla.Evaluate(sla.Request{Policy: pol, Evidence: ev, Period: "2026-10", Customer: cust, AsOf: now})
				if err != nil {
					t.Fatal(err)
				}
				b := browserFor(t, ts.URL)
				if p := b.post("/portal/signin", url.Values{"name": {cust + "-user"}, "password": {testAlicePassword}}); p.code != http.StatusSeeOther {
					t.Fatalf("%s: sign in: %d", cust, p.code)
				}
				p := b.get("/portal/reports?period=2026-10")
				if p.code != http.StatusOK {
					t.Fatalf("%s: reports: %d", cust, p.code)
				}
				for _, sr := range want.Subscriptions {
					figures := []string{sr.Subscription, strconv.FormatFloat(sr.Uptime, 'f', 3, 64) + " %", strconv.FormatFloat(sr.Credit.Percent, 'f', -1, 64) + " %"}
					if sr.NoData {
						figures[1] = "No data"
					}
					if sr.Credit.Amount != "" {
						figures = append(figures, sr.Credit.Amount+" "+sr.Credit.Currency)
					}
					// The error budget, as the engine counts it.
					figures = append(figures, `data-budget-left="`+strconv.FormatFloat(math.Round(sr.Budget.LeftMinutes*10)/10, 'f', -1, 64)+`"`,
						strconv.FormatFloat(math.Round(sr.Budget.AllowedMinutes*10)/10, 'f', -1, 64)+" min used")
					for _, f := range figures {
						if !strings.Contains(p.body, f) {
							t.Errorf("%s: the portal's report lacks %q (evaluate's)", cust, f)
						}
					}
					checked++
				}
				for other := range custs {
					if other != cust && strings.Contains(p.body, other+" / ") {
						t.Errorf("%s: the portal's report shows %s's subscription", cust, other)
					}
				}
			}
			if checked == 0 {
				t.Error("no subscription checked")
			}
		})
	}
}

// A customer's own status notifications: a webhook added in the portal
// (its secret shown once) is listed for that customer only; the other
// customer can neither see nor remove it; a bad URL is refused at its
// field.
func TestPortalSubscriptions(t *testing.T) {
	e := newPortalEnv(t)
	anna, gus := e.browser(), e.browser()
	anna.post("/portal/signin", url.Values{"name": {"anna@acme.example"}, "password": {testAlicePassword}})
	gus.post("/portal/signin", url.Values{"name": {"gus@globex.example"}, "password": {testAlicePassword}})
	p := anna.post("/portal/subscriptions", url.Values{"kind": {"webhook"}, "url": {"https://hooks.acme.example/status"}, "components": {"api"}})
	if p.code != http.StatusCreated || !strings.Contains(p.body, `id="added-secret">whsec_`) {
		t.Fatalf("add a webhook: %d\n%s", p.code, p.body)
	}
	if p = anna.post("/portal/subscriptions", url.Values{"kind": {"webhook"}, "url": {"ftp://x"}}); p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="sub-url-err"`) {
		t.Errorf("a bad URL: %d", p.code)
	}
	subs, err := e.st.Subscribers(context.Background())
	if err != nil || len(subs) != 1 || subs[0].Customer != "acme" {
		t.Fatalf("stored: %+v, %v", subs, err)
	}
	if p = gus.get("/portal/subscriptions"); strings.Contains(p.body, "hooks.acme.example") {
		t.Errorf("globex sees acme's webhook")
	}
	if p = gus.post("/portal/subscriptions/"+subs[0].ID+"/remove", nil); p.code != http.StatusNotFound {
		t.Errorf("globex removes acme's webhook: got %d", p.code)
	}
	if p = anna.get("/portal/subscriptions"); !strings.Contains(p.body, "hooks.acme.example") || strings.Contains(p.body, "whsec_") {
		t.Errorf("acme's list: the webhook, without its secret:\n%s", p.body)
	}
	if p = anna.post("/portal/subscriptions/"+subs[0].ID+"/remove", nil); p.code != http.StatusSeeOther {
		t.Errorf("acme removes its webhook: %d", p.code)
	}
	if subs, _ := e.st.Subscribers(context.Background()); len(subs) != 0 {
		t.Errorf("after removing: %+v", subs)
	}
}

// A plan measured over a rolling window shows as one in the portal: its
// terms, the window the uptime is over and its allowance. 14 October
// 12:00 UTC: the 28 days from 16 September 12:00, 40,320 minutes, 40.32
// of them allowed at 99.9 %; the 30 minutes down that morning leave 10.3.
func TestPortalRollingWindow(t *testing.T) {
	pol := strings.Replace(incidentTestPolicy, "        period: month\n", "        window: rolling 28d\n", 1)
	e := newIncidentEnvWithEnv(t, portalTestConfig, pol, map[string]string{"OPS_TOKEN": testOpsToken, "ALICE_HASH": testAliceHash(t)})
	e.clock.set(time.Date(2026, 10, 14, 12, 0, 0, 0, time.UTC))
	e.call("POST", "/api/v1/facts", testOpsToken, `{"type":"status","id":"st-1","at":"2026-10-14T09:00:00Z","component":"api","status":"major_outage","source":"probe"}
{"type":"status","id":"st-2","at":"2026-10-14T09:30:00Z","component":"api","status":"operational","source":"probe"}
`, http.StatusOK, nil)
	b := e.browser()
	if p := b.post("/portal/signin", url.Values{"name": {"anna@acme.example"}, "password": {testAlicePassword}, "next": {"/portal"}}); p.code != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", p.code, p.body)
	}
	p := b.get("/portal")
	for _, want := range []string{"Uptime of at least 99.9 % over any 28 days (UTC)", "over a rolling 28d window", "30 of 40.3 min used", "10.3 min left in the rolling 28d window"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the portal lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(p.body)
	}
}
