package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
	"github.com/slakeeper/slakeeper/internal/helpdesk"
)

// TestBrowserSupportLead drives the support lead's pages in headless
// Chromium: tickets from Zendesk's trigger webhooks and one from an
// unknown organisation; the list at 360 px (no sideways scroll), the
// filter by priority, a ticket's page with its clocks' timelines, and
// the unmatched ticket. Screenshots are artifacts.
func TestBrowserSupportLead(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newHelpdeskEnv(t, stores(t)["sqlite"](t))
	steps := hdSteps(t, "zendesk-trigger")
	for _, s := range steps[:5] { // up to waiting on the customer, 10:00
		e.clock.set(s.At)
		if code, body := e.send("zendesk", helpdesk.KindZendesk, testHelpdeskSecret, s); code != http.StatusOK {
			t.Fatalf("%s: %d %s", s.Step, code, body)
		}
	}
	// Another ticket, from an organisation no mapping knows.
	other := steps[0]
	other.Body = []byte(strings.NewReplacer(`"5158"`, `"5200"`, `"8447346622462"`, `"999"`, `"Bistro Chain"`, `"Fjord Foods"`, `jane@bistro.example`, `ola@fjord.example`).Replace(string(other.Body)))
	if code, body := e.send("zendesk", helpdesk.KindZendesk, testHelpdeskSecret, other); code != http.StatusOK {
		t.Fatalf("unknown organisation: %d %s", code, body)
	}
	e.clock.set(time.Date(2026, 11, 2, 10, 30, 0, 0, time.UTC))

	b := browsertest.New(t, 90*time.Second)
	noSidewaysScroll := func(page string) {
		t.Helper()
		if browsertest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s scrolls sideways at 360 px", page)
		}
	}
	b.Do("sign in",
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
		chromedp.Navigate(e.url+"/admin/tickets"),
		chromedp.WaitVisible(chromedp.ID("signin-name")),
		chromedp.SendKeys(chromedp.ID("signin-name"), "alice"),
		chromedp.SendKeys(chromedp.ID("signin-password"), testAlicePassword),
	)
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/signin"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	if got := b.Text("h1"); got != "Support tickets" {
		t.Fatalf("after signing in: heading %q", got)
	}
	list := b.Text("main")
	for _, want := range []string{"zendesk-5158", "Resolution: Paused", "Unmatched tickets (1)", "zendesk-5200", `unknown customer "Fjord Foods"`} {
		if !strings.Contains(list, want) {
			t.Errorf("tickets page lacks %q:\n%s", want, list)
		}
	}
	noSidewaysScroll("the tickets page")
	b.Screenshot("support-tickets-360")

	b.Do("filter by priority", chromedp.SetValue(chromedp.ID("f-priority"), "level-1"))
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[aria-label="Filter tickets"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	// The unmatched ticket (level-2) is filtered out.
	if got := b.Text("main"); !strings.Contains(got, "zendesk-5158") || strings.Contains(got, "zendesk-5200") {
		t.Errorf("filtered to level-1: %q", got)
	}

	b.Do("open the ticket", chromedp.Navigate(e.url+"/admin/tickets/zendesk-5158"), chromedp.WaitVisible(chromedp.CSS("ol.clock-timeline")))
	page := b.Text("main")
	for _, want := range []string{"bistro", "level-1", "First response", "Met", "stopped 2 Nov 2026 09:12 UTC", "Paused 2 Nov 2026 10:00 UTC → 2 Nov 2026 10:30 UTC", "Reported by the helpdesk integration zendesk"} {
		if !strings.Contains(page, want) {
			t.Errorf("ticket page lacks %q:\n%s", want, page)
		}
	}
	noSidewaysScroll("the ticket page")
	b.Screenshot("support-ticket-360")
	b.Do("the unmatched ticket", chromedp.Navigate(e.url+"/admin/tickets/zendesk-5200"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := b.Text("main"); !strings.Contains(got, "No clocks: unknown customer") {
		t.Errorf("unmatched ticket page: %q", got)
	}
	b.Do("the list on a wide screen", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(e.url+"/admin/tickets"), chromedp.WaitVisible(chromedp.CSS("table.log")))
	b.Screenshot("support-tickets-1440")
}
