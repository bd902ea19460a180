package server

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
	"github.com/slakeeper/slakeeper/internal/notify/smtptest"
)

// TestBrowserSubscriberFlow drives the subscription pages in headless
// Chromium at 360 px: a visitor subscribes to one component with the
// form, confirms from the mail the SMTP server received, gets the mail of
// an incident opened and updated through the API, and unsubscribes with
// the link in it. Screenshots are artifacts.
func TestBrowserSubscriberFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	sink := smtptest.Start(t)
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), `server: {public_url: "$URL"}
email: {smtp_addr: "`+sink.Addr+`", from: "Status <status@example.com>", tls: none}
`, nil)
	const addr = "ana@example.org"
	b := browsertest.New(t, 90*time.Second)
	noSidewaysScroll := func(page string) {
		t.Helper()
		if browsertest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s scrolls sideways at 360 px", page)
		}
	}
	submit := func(what string) {
		t.Helper()
		if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[action="/subscribe"] button[type="submit"]`))); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}

	b.Do("open the form",
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
		chromedp.Navigate(e.url+"/subscribe"),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	noSidewaysScroll("the subscription form")
	b.Screenshot("subscribe-form-360")
	b.Do("type an address that is not one", chromedp.SendKeys(chromedp.ID("email"), "ana at example.org"))
	submit("submit a bad address")
	if got := b.Text(`[role="alert"]`); !strings.Contains(got, "is not an email address") {
		t.Errorf("after a bad address: alert %q", got)
	}
	b.Screenshot("subscribe-error-360")
	b.Do("correct the address and leave out the website",
		chromedp.SetValue(chromedp.ID("email"), addr),
		chromedp.Click(chromedp.CSS(`input[value="web"]`)),
	)
	submit("subscribe")
	if h := b.Text("h1"); h != "Check your inbox" {
		t.Fatalf("after subscribing: heading %q", h)
	}

	var ms []smtptest.Message
	eventually(t, "the confirmation mail", func() bool { ms = mailsTo(sink, t, addr); return len(ms) == 1 })
	confirm := linkIn(t, mailBody(t, ms[0]), e.url, "/subscribe/confirm/")
	b.Do("follow the confirmation link", chromedp.Navigate(e.url+confirm), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := b.Text("h1"); h != "Confirm your subscription" {
		t.Fatalf("the confirmation link: heading %q", h)
	}
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[action^="/subscribe/confirm/"] button[type="submit"]`))); err != nil {
		t.Fatalf("browser: press the confirm button: %v", err)
	}
	if h := b.Text("h1"); h != "Subscription confirmed" {
		t.Fatalf("after confirming: heading %q", h)
	}
	noSidewaysScroll("the confirmation page")
	b.Screenshot("subscribe-confirmed-360")

	var inc struct{ ID string }
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title": "API errors", "severity": "P2", "components": {"api": "partial_outage"}, "message": "Some requests fail."}`, 201, &inc)
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken, `{"status": "identified", "message": "A bad deploy; rolling back."}`, 201, nil)
	eventually(t, "the incident's two mails", func() bool { ms = mailsTo(sink, t, addr); return len(ms) == 3 })
	var update string
	for _, m := range ms[1:] {
		if text := mailBody(t, m); strings.Contains(text, "A bad deploy; rolling back.") {
			update = text
		}
	}
	if update == "" {
		t.Fatal("no mail carries the incident's update")
	}
	if !strings.Contains(update, e.url+"/incidents/"+inc.ID) {
		t.Errorf("the update mail does not link the incident's page:\n%s", update)
	}

	b.Do("follow the unsubscribe link of the update", chromedp.Navigate(e.url+linkIn(t, update, e.url, "/unsubscribe/")), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := b.Text("h1"); h != "You are unsubscribed" {
		t.Fatalf("after unsubscribing: heading %q", h)
	}
	b.Screenshot("unsubscribed-360")
	b.Do("view the form on a wide screen in the dark",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
			return err
		}),
		chromedp.Navigate(e.url+"/subscribe"),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	b.Screenshot("subscribe-form-1440-dark")
}
