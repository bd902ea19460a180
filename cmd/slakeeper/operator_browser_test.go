package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
)

// TestBrowserOperatorFlow drives the operator UI of the demo server in
// headless Chromium at 360 px: the demo operator signs in, opens an
// incident and posts an update, all with forms; the public page and both
// feeds then show it. The pages must not scroll sideways on the phone, in
// light and dark; screenshots are artifacts.
func TestBrowserOperatorFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--database", filepath.Join(t.TempDir(), "demo.db")},
			func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + addr
	waitReady(t, base)

	b := browsertest.New(t, 90*time.Second)
	noSidewaysScroll := func(page string) {
		t.Helper()
		if browsertest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s scrolls sideways at 360 px: %d px wide", page, browsertest.Eval[int](b, `document.documentElement.scrollWidth`))
		}
	}
	submit := func(what, form string) {
		t.Helper()
		if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`))); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}

	b.Do("open the operator UI signed out",
		chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/admin"),
		chromedp.WaitVisible(chromedp.ID("signin-name")),
	)
	if loc, _ := chromedp.Run(b.Ctx, chromedp.Location()); !strings.Contains(loc, "/admin/signin?next=%2Fadmin") {
		t.Errorf("signed out, /admin went to %s, want the sign-in page", loc)
	}
	noSidewaysScroll("the sign-in page")
	b.Screenshot("operator-signin-360")
	b.Do("type the demo credentials",
		chromedp.SendKeys(chromedp.ID("signin-name"), "demo"),
		chromedp.SendKeys(chromedp.ID("signin-password"), "slakeeper-demo"),
	)
	submit("sign in", `form[action="/admin/signin"]`)
	if h := b.Text("h1"); h != "Dashboard" {
		t.Fatalf("after signing in: heading %q, want Dashboard", h)
	}
	noSidewaysScroll("the dashboard")

	b.Do("fill the new incident form",
		chromedp.Navigate(base+"/admin/incidents/new"),
		chromedp.WaitVisible(chromedp.ID("open-title")),
		chromedp.SendKeys(chromedp.ID("open-title"), "Public API errors"),
		chromedp.SetValue(chromedp.ID("open-severity"), "P2"),
		chromedp.SetValue(chromedp.ID("open-components_api"), "partial_outage"),
		chromedp.SendKeys(chromedp.ID("open-message"), "Some API calls fail; we are investigating."),
	)
	noSidewaysScroll("the new incident form")
	b.Screenshot("operator-new-incident-360")
	submit("open the incident", `form[action="/admin/incidents"]`)
	if f := b.Text(".flash"); !strings.Contains(f, "open and published") {
		t.Fatalf("after opening: flash %q", f)
	}
	b.Do("post an update",
		chromedp.SetValue(chromedp.ID("update-status"), "identified"),
		chromedp.SendKeys(chromedp.ID("update-message"), "A bad deploy; rolling back."),
	)
	submit("post the update", `form[action$="/updates"]`)
	if f := b.Text(".flash"); !strings.Contains(f, "update is posted") {
		t.Fatalf("after the update: flash %q", f)
	}
	noSidewaysScroll("the incident page")
	b.Screenshot("operator-incident-360")
	incidentURL, err := chromedp.Run(b.Ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	b.Do("the maintenance form", chromedp.Navigate(base+"/admin/maintenance/new"), chromedp.WaitVisible(chromedp.ID("maintenance-title")))
	noSidewaysScroll("the maintenance form")
	b.Screenshot("operator-maintenance-360")
	// Within the 35 days whose occurrences are written at once.
	start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Hour)
	b.Do("fill the maintenance form",
		chromedp.SendKeys(chromedp.ID("maintenance-title"), "Database upgrade"),
		chromedp.Click(chromedp.ID("maintenance-c-api")),
		chromedp.SetValue(chromedp.ID("maintenance-start"), start.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.ID("maintenance-end"), start.Add(time.Hour).Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.ID("maintenance-rrule"), "FREQ=WEEKLY;COUNT=2"),
	)
	submit("schedule maintenance", `form[action="/admin/maintenance"]`)
	if f := b.Text(".flash"); !strings.Contains(f, "scheduled") {
		t.Fatalf("after scheduling: flash %q", f)
	}
	b.Do("the dashboard with maintenance", chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.CSS("main")))
	if main := b.Text("main"); strings.Count(main, "Database upgrade") != 2 {
		t.Errorf("the dashboard does not list the two windows:\n%s", main)
	}
	noSidewaysScroll("the dashboard with maintenance")
	b.Screenshot("operator-dashboard-360")
	b.Do("back to the incident", chromedp.Navigate(incidentURL), chromedp.WaitVisible(chromedp.ID("update-status")))
	b.Do("dark", emulateDark(true))
	noSidewaysScroll("the incident page, dark")
	b.Screenshot("operator-incident-360-dark")
	b.Do("wide", emulateDark(false), chromedp.EmulateViewport(1440, 900), chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.CSS("main")))
	b.Screenshot("operator-dashboard-1440")

	submit("sign out", `form[action="/admin/signout"]`)
	if f := b.Text(".flash"); !strings.Contains(f, "signed out") {
		t.Errorf("after signing out: flash %q", f)
	}
	b.Do("the dashboard signed out", chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("signin-name")))

	// The public page re-reads the store at most once a second.
	time.Sleep(1100 * time.Millisecond)
	b.Do("the public page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main")))
	if main := b.Text("main"); !strings.Contains(main, "Public API errors") || !strings.Contains(main, "A bad deploy; rolling back.") {
		t.Errorf("the public page does not show the incident and its update:\n%s", main)
	}
	for _, feed := range []string{"/feed.rss", "/feed.atom"} {
		resp, err := http.Get(base + feed)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "Public API errors") || !strings.Contains(string(body), "A bad deploy; rolling back.") {
			t.Errorf("%s does not show the incident and its update:\n%s", feed, body)
		}
	}
}

// waitReady polls /readyz until the server answers 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the demo server is not ready after 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
