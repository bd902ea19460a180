package server

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
)

// TestBrowserMonitors drives the monitors console in headless Chromium:
// the list filtered by state and sorted by a column heading (plain links
// and a GET form: no script), then a monitor's page, whose SVG chart has
// a point for each stored result. Screenshots are artifacts.
func TestBrowserMonitors(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	t0 := mustTime(t, "2026-10-14T09:00:00Z")
	e := newMonitorsEnv(t, monitorsTestConfig, t0)
	monitorsScenario(t, e, t0)

	b := browsertest.New(t, 90*time.Second)
	order := func() string {
		return browsertest.Eval[string](b, `[...document.querySelectorAll("tr[data-monitor]")].map(r => r.dataset.monitor).join(",")`)
	}
	b.Do("sign in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(e.url+"/admin/monitors"),
		chromedp.WaitVisible(chromedp.ID("signin-name")),
		chromedp.SendKeys(chromedp.ID("signin-name"), "alice"),
		chromedp.SendKeys(chromedp.ID("signin-password"), testAlicePassword),
	)
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/signin"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	if got := b.Text("h1"); got != "Monitors" {
		t.Fatalf("after signing in: heading %q", got)
	}
	if got := order(); got != "api-a,api-b,web-1" {
		t.Errorf("the list: %s, want every monitor by id", got)
	}
	if got := b.Text("main"); !strings.Contains(got, "status 503, want 200") || !strings.Contains(got, "Major outage") {
		t.Errorf("the list lacks api-a's outage and its error:\n%s", got)
	}
	b.Screenshot("monitors-list")

	// Sort by the latency now, then reverse it: a second click.
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`th a[href*="sort=latency"]`))); err != nil {
		t.Fatal(err)
	}
	if got := order(); got != "web-1,api-b,api-a" {
		t.Errorf("sorted by latency: %s, want web-1 (10 ms), api-b (40 ms), api-a (none) last", got)
	}
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`th a[href*="sort=latency"]`))); err != nil {
		t.Fatal(err)
	}
	if got := order(); got != "api-b,web-1,api-a" {
		t.Errorf("sorted by latency, descending: %s", got)
	}

	// Filter: the down ones, then the text.
	b.Do("filter by state", chromedp.SetValue(chromedp.ID("f-state"), "down"))
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[aria-label="Filter monitors"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	if got := order(); got != "api-a" {
		t.Errorf("filtered to down: %s, want api-a", got)
	}
	b.Do("filter by text", chromedp.SetValue(chromedp.ID("f-state"), ""), chromedp.SetValue(chromedp.ID("f-q"), "web"))
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`form[aria-label="Filter monitors"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	if got := order(); got != "web-1" {
		t.Errorf("filtered by the text web: %s, want web-1", got)
	}

	// The monitor's page: a point for each of its three stored results.
	b.Do("open api-a over the last hour", chromedp.Navigate(e.url+"/admin/monitors/api-a?range=1h"), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	if n := browsertest.Eval[int](b, `document.querySelectorAll("svg.chart circle.pt").length`); n != 3 {
		t.Errorf("chart points: %d, want 3 (one a stored result)", n)
	}
	if n := browsertest.Eval[int](b, `document.querySelector("svg.chart polyline.latency").points.length`); n != 3 {
		t.Errorf("the latency line has %d points, want 3", n)
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll("svg.chart rect.st-down").length`); n != 1 {
		t.Errorf("state strip: %d down steps, want 1", n)
	}
	// The line is drawn: it has a size on the screen.
	if w := browsertest.Eval[float64](b, `document.querySelector("svg.chart polyline.latency").getBoundingClientRect().width`); w <= 0 {
		t.Errorf("the latency line has no width on screen")
	}
	page := b.Text("main")
	for _, want := range []string{"Recent failures", "status 503, want 200", "API outage"} {
		if !strings.Contains(page, want) {
			t.Errorf("monitor page lacks %q:\n%s", want, page)
		}
	}
	b.Screenshot("monitor-page")
}
