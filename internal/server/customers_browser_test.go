package server

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
)

// TestBrowserCustomersAndUsers drives /admin/customers and /admin/users in
// headless Chromium at 360 px: an admin adds a customer and a
// subscription with the forms, a bad fee shows at its field, and the
// users page lists the accounts; no page scrolls sideways. Screenshots
// are artifacts.
func TestBrowserCustomersAndUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newIncidentEnvWith(t, strings.Replace(incidentTestConfig, "  - {name: alice, password_hash_env: ALICE_HASH}\n",
		"  - {name: alice, role: admin, password_hash_env: ALICE_HASH}\n", 1), incidentTestPolicy)
	b := browsertest.New(t, 90*time.Second)
	noSidewaysScroll := func(page string) {
		t.Helper()
		if browsertest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s scrolls sideways at 360 px", page)
		}
	}
	submit := func(what, form string) {
		t.Helper()
		if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`))); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	b.Do("sign in",
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
		chromedp.Navigate(e.url+"/admin/customers"),
		chromedp.WaitVisible(chromedp.ID("signin-name")),
		chromedp.SendKeys(chromedp.ID("signin-name"), "alice"),
		chromedp.SendKeys(chromedp.ID("signin-password"), testAlicePassword),
	)
	submit("sign in", `form[action="/admin/signin"]`)
	if got := b.Text("h1"); got != "Customers" {
		t.Fatalf("after signing in: %q", got)
	}
	b.Do("add a customer", chromedp.SendKeys(chromedp.ID("customer-id"), "globex"), chromedp.SendKeys(chromedp.ID("customer-name"), "Globex Inc"))
	submit("add the customer", `form[action="/admin/customers"]`)
	b.Do("a subscription with a bad fee",
		chromedp.SendKeys(chromedp.ID("subscription-id"), "sub-globex"),
		chromedp.SendKeys(chromedp.ID("subscription-customer"), "globex"),
		chromedp.SendKeys(chromedp.ID("subscription-fee"), "5,00"),
		chromedp.SetValue(chromedp.ID("subscription-start"), "2026-01-01T00:00"),
	)
	submit("add the subscription", `form[action="/admin/subscriptions"]`)
	if got := b.Text("#subscription-fee-err"); !strings.Contains(got, "fee") {
		t.Errorf("the fee's error: %q", got)
	}
	b.Do("fix the fee", chromedp.SetValue(chromedp.ID("subscription-fee"), "500.00"), chromedp.SetValue(chromedp.ID("subscription-start"), "2026-01-01T00:00"))
	submit("add the subscription", `form[action="/admin/subscriptions"]`)
	if got := b.Text("#customer-globex"); !strings.Contains(got, "sub-globex") || !strings.Contains(got, "500.00 EUR") {
		t.Errorf("globex's card: %q", got)
	}
	noSidewaysScroll("the customers page")
	b.Screenshot("admin-customers-360")
	b.Do("users", chromedp.Navigate(e.url+"/admin/users"), chromedp.WaitVisible(chromedp.ID("invite-email")))
	if got := b.Text("table.log"); !strings.Contains(got, "alice") {
		t.Errorf("users table: %q", got)
	}
	noSidewaysScroll("the users page")
	b.Screenshot("admin-users-360")
}
