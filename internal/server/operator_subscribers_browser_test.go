package server

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
	"github.com/slakeeper/slakeeper/internal/outbox"
)

// TestBrowserOperatorSubscribers drives the subscriber pages in headless
// Chromium at 360 px: an operator adds a webhook with the form, reads its
// secret, and opens its delivery log after a refused and a good delivery;
// no page scrolls sideways. Screenshots are artifacts.
func TestBrowserOperatorSubscribers(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), "users:\n  - {name: alice, password_hash_env: ALICE_HASH}\n",
		map[string]string{"ALICE_HASH": testAliceHash(t)})
	h := newHookReceiver(t, 1)
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
	b.Do("open the subscribers page, signed out",
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
		chromedp.Navigate(e.url+"/admin/subscribers"),
		chromedp.WaitVisible(chromedp.ID("signin-name")),
		chromedp.SendKeys(chromedp.ID("signin-name"), "alice"),
		chromedp.SendKeys(chromedp.ID("signin-password"), testAlicePassword),
	)
	submit("sign in", `form[action="/admin/signin"]`)
	if got := b.Text("h1"); got != "Subscribers" {
		t.Fatalf("after signing in: heading %q, want Subscribers", got)
	}
	b.Do("fill in the form", chromedp.SendKeys(chromedp.ID("add-url"), h.srv.URL+"/hook"), chromedp.Click(chromedp.ID("add-c-api")))
	submit("add the webhook", `form[action="/admin/subscribers"]`)
	secret := browsertest.Eval[string](b, `document.getElementById("added-secret").value`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("after adding: secret field %q", secret)
	}
	h.setSecret(secret)
	noSidewaysScroll("the page with the new webhook")
	b.Screenshot("operator-subscriber-added-360")

	subs, err := e.st.Subscribers(context.Background())
	if err != nil || len(subs) != 1 {
		t.Fatalf("got %d subscribers (%v), want 1", len(subs), err)
	}
	if err := e.s.outbox.Publish(context.Background(), outbox.Event{ID: "inc-1.u1", Kind: outbox.EventIncidentUpdated, At: time.Now(), Title: "API errors",
		Components: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the delivery after one refusal", func() bool { return len(h.received()) == 1 })
	eventually(t, "the delivery to be recorded", func() bool { return e.outboundState("inc-1.u1/"+subs[0].ID) == "delivered" })
	b.Do("open the delivery log", chromedp.Navigate(e.url+"/admin/subscribers/"+subs[0].ID), chromedp.WaitVisible(chromedp.CSS("table.log")))
	if got := b.Text("table.log tbody"); !strings.Contains(got, "Failed") || !strings.Contains(got, "OK") || !strings.Contains(got, "503") {
		t.Errorf("delivery log: %q, want a failed attempt (503) and an OK one", got)
	}
	noSidewaysScroll("the delivery log")
	b.Screenshot("operator-subscriber-log-360")
	b.Do("the log on a wide screen", chromedp.EmulateViewport(1440, 900), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("table.log")))
	b.Screenshot("operator-subscriber-log-1440")
}
