package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/slakeeper/slakeeper/internal/browsertest"
)

// emulateDark asks the page for its dark colour scheme.
func emulateDark(on bool) chromedp.Action[chromedp.Void] {
	v := "light"
	if on {
		v = "dark"
	}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}})
		return err
	})
}

// TestBrowserStatusPageLayouts renders the public status page in headless
// Chromium on a 360 px phone and a 1440 px screen, light and dark, and
// checks what a reader relies on: no sideways scrolling, the landmarks,
// and a text label beside every status colour. Screenshots are artifacts.
func TestBrowserStatusPageLayouts(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	f := newServeFixture(t)
	base, stop := startServe(t, f)
	defer stop()
	b := browsertest.New(t, 60*time.Second)
	// /readyz does not mean checked: web-local's first check runs at its
	// phase within its 1 s interval and its result is committed in a batch.
	// A page asked for before that says "No data yet" for Web shop, and
	// keeps saying it: the page asks the store again for an unchecked
	// monitor at most once a minute (public.checkedSince), and the browser
	// keeps the page 10 s (Cache-Control). So load it only once a result is
	// stored: the metric counts one after the store has acknowledged it.
	waitMetric(t, base, `slakeeper_check_results_total{component="web",location="local",monitor="web-local",`)
	for _, vp := range []struct {
		name   string
		w, h   int64
		dark   bool
		mobile bool
	}{
		{"phone-360", 360, 740, false, true},
		{"phone-360-dark", 360, 740, true, true},
		{"desktop-1440", 1440, 900, false, false},
		{"desktop-1440-dark", 1440, 900, true, false},
	} {
		t.Run(vp.name, func(t *testing.T) {
			opts := []chromedp.EmulateViewportOption{}
			if vp.mobile {
				opts = append(opts, chromedp.EmulateMobile)
			}
			b.Do("load the status page",
				chromedp.EmulateViewport(vp.w, vp.h, opts...),
				emulateDark(vp.dark),
				chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(chromedp.CSS("main")),
			)
			if over := browsertest.Eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); over {
				w := browsertest.Eval[int](b, `document.documentElement.scrollWidth`)
				t.Errorf("the page scrolls sideways at %d px: it is %d px wide", vp.w, w)
			}
			for _, landmark := range []string{"header", "main", "footer", "h1"} {
				if n := browsertest.Eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, landmark)); n == 0 {
					t.Errorf("no <%s> on the page", landmark)
				}
			}
			// Every component's status is said in words, not colour alone.
			rows := browsertest.Eval[[]string](b, `Array.from(document.querySelectorAll('[id^="c-"]')).map(e => e.innerText)`)
			if len(rows) == 0 {
				t.Fatalf("no component rows on the page")
			}
			for _, r := range rows {
				if !strings.Contains(r, "Operational") && !strings.Contains(r, "outage") && !strings.Contains(r, "maintenance") && !strings.Contains(r, "Degraded") {
					t.Errorf("a component row has no status in words: %q", r)
				}
			}
			b.Screenshot("status-" + vp.name)
		})
	}
}
