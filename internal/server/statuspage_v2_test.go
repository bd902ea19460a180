package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
)

// TestBrowserStatusPageDayDetails hovers over and focuses the status
// page's day bars in headless Chromium, with JavaScript on and off: the
// day's details (date, figure, incident) show either way; with JavaScript
// a click on a bar opens its day page.
func TestBrowserStatusPageDayDetails(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newIncidentEnv(t) // 14 Oct 2026 09:00 UTC
	e.statusFact("api", "eu", "operational", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	e.statusFact("api", "eu", "major_outage", time.Date(2026, 10, 4, 10, 0, 0, 0, time.UTC))
	e.statusFact("api", "eu", "operational", time.Date(2026, 10, 4, 11, 12, 0, 0, time.UTC))
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"Slow API","severity":"minor","components":{"api":"degraded_performance"}}`, http.StatusCreated, nil)
	e.tick()

	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "js", false: "nojs"}[js]
		t.Run(name, func(t *testing.T) {
			b := browsertest.New(t, 90*time.Second)
			b.Do("set up the tab", chromedp.EmulateViewport(1024, 900), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !js})
				return err
			}))
			mouse := func(x, y float64) chromedp.Action[chromedp.Void] {
				return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: x, Y: y})
					return err
				})
			}
			box := func(sel string) *dom.BoxModel {
				t.Helper()
				bm, err := chromedp.Run(b.Ctx, chromedp.Dimensions(chromedp.CSS(sel)))
				if err != nil {
					t.Fatalf("browser: measure %s: %v", sel, err)
				}
				return bm
			}
			b.Do("open the page", chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.CSS("#c-api")))
			cls, err := chromedp.Run(b.Ctx, chromedp.AttributeValue(chromedp.CSS("html"), "class"))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(cls.Value, "js"); got != js {
				t.Fatalf("script ran: %v, want %v", got, js)
			}
			// 4 Oct is the 80th of the 90 bars (17 Jul to 14 Oct).
			outage := `#c-api .bars li:nth-child(80)`
			details := outage + ` i`
			shown := func(sel string) bool {
				t.Helper()
				bm := box(sel)
				return bm.Width > 20 && bm.Height > 10
			}
			if shown(details) {
				t.Fatalf("the details show before hover or focus")
			}
			bar := box(outage)
			b.Do("hover over the bar", mouse((bar.Content[0]+bar.Content[2])/2, (bar.Content[1]+bar.Content[5])/2))
			if !shown(details) {
				t.Errorf("hover: the day's details do not show")
			}
			if got := b.Text(details); got != "95.000% uptime" {
				t.Errorf("hover: details %q", got)
			}
			b.Screenshot("statuspage-hover-" + name)
			b.Do("move away", mouse(5, 5))
			if shown(details) {
				t.Errorf("the details stay after the pointer left")
			}

			// Today's bar has the incident; Tab reaches it (focus).
			today := `#c-api .bars li:nth-child(90)`
			b.Do("focus today's bar", chromedp.Focus(chromedp.CSS(today)))
			if !shown(today + " i") {
				t.Errorf("focus: the day's details do not show")
			}
			if got := b.Text(today + " i"); got != "100% uptime, incident: Slow API" {
				t.Errorf("focus: details %q", got)
			}
			b.Screenshot("statuspage-focus-" + name)

			// (The date before the details comes from the style sheet; the
			// screenshots show it.)
			// A bar opens its day's page with the script; without it the
			// page's own link does.
			if js {
				b.Do("click a bar without details", chromedp.Click(chromedp.CSS(`#c-web .bars li:nth-child(85)`)),
					chromedp.WaitVisible(chromedp.CSS("h1")))
				if h := b.Text("h1"); h != "Friday 9 October 2026" {
					t.Errorf("after clicking 9 Oct's bar: heading %q", h)
				}
			} else {
				b.Do("follow Today", chromedp.Click(chromedp.CSS(`.span a`)), chromedp.WaitVisible(chromedp.CSS("h1")))
				if h := b.Text("h1"); h != "Wednesday 14 October 2026" {
					t.Errorf("after following Today: heading %q", h)
				}
			}
		})
	}
}
