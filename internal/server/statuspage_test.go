package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/statuspage"
	"github.com/slakeeper/slakeeper/internal/store"
)

// rawClient does not ask for gzip behind the test's back.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// get fetches path with the headers and returns the response and its body,
// decompressed when it came gzipped.
func (e *incidentEnv) get(path string, hdr map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var rd io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			e.t.Fatalf("GET %s: gzip: %v", path, err)
		}
		rd = zr
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		e.t.Fatalf("GET %s: read: %v", path, err)
	}
	return resp, string(b)
}

// tick moves the clock past the status page's once-a-second store check.
func (e *incidentEnv) tick() { e.clock.set(e.clock.now().Add(2 * time.Second)) }

func (e *incidentEnv) statusFact(comp, source, status string, at time.Time) {
	e.t.Helper()
	id := fmt.Sprintf("st:%s:%s:%d", comp, source, at.Unix())
	body, err := json.Marshal(statusLine{Type: "status", ID: id, At: rfc3339(at), Component: comp, Status: status, Source: source})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.AppendFacts(context.Background(), []store.Fact{{ID: id, Type: "status", At: at, JSON: body}}); err != nil {
		e.t.Fatal(err)
	}
}

// componentStatus returns the status label of a component's row.
func componentStatus(t testing.TB, page, id string) string {
	t.Helper()
	_, row, ok := strings.Cut(page, `<li id="c-`+id+`">`)
	if !ok {
		t.Fatalf("no row for component %s in:\n%s", id, page)
	}
	row, _, _ = strings.Cut(row, "</div>")
	_, label, _ := strings.Cut(row, `<span class="status s-`)
	_, label, _ = strings.Cut(label, `">`)
	label, _, _ = strings.Cut(label, "</span>")
	return label
}

func TestStatusPageComponents(t *testing.T) {
	e := newIncidentEnv(t)
	resp, page := e.get("/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: got %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type: got %q", got)
	}
	for _, id := range []string{"api", "web"} {
		if got := componentStatus(t, page, id); got != "Operational" {
			t.Errorf("%s: got %q, want Operational", id, got)
		}
	}
	if !strings.Contains(page, "All systems operational") {
		t.Errorf("overall status missing:\n%s", page)
	}

	// Worst wins across sources; the latest fact of a source replaces its
	// earlier ones.
	at := e.clock.now().Add(-time.Hour)
	e.statusFact("api", "eu", "major_outage", at)
	e.statusFact("api", "eu", "degraded_performance", at.Add(10*time.Minute))
	e.statusFact("api", "us", "partial_outage", at.Add(5*time.Minute))
	e.statusFact("web", "eu", "degraded_performance", at)

	// Within the second, the snapshot stands.
	if _, p := e.get("/", nil); componentStatus(t, p, "api") != "Operational" {
		t.Errorf("the page changed within a second of the last store check")
	}
	e.tick()
	_, page = e.get("/", nil)
	if got := componentStatus(t, page, "api"); got != "Partial outage" {
		t.Errorf("api: got %q, want Partial outage", got)
	}
	if got := componentStatus(t, page, "web"); got != "Degraded performance" {
		t.Errorf("web: got %q, want Degraded performance", got)
	}
	if !strings.Contains(page, `class="overall s-partial_outage"`) {
		t.Errorf("overall: want partial_outage")
	}

	// An ongoing maintenance window shows its components under maintenance.
	now := e.clock.now()
	e.call("POST", "/api/v1/maintenance", testOpsToken, fmt.Sprintf(`{"title":"Database upgrade","components":["web"],"start":%q,"end":%q}`,
		rfc3339(now.Add(time.Hour)), rfc3339(now.Add(2*time.Hour))), http.StatusCreated, nil)
	e.tick()
	_, page = e.get("/", nil)
	if !strings.Contains(page, "Database upgrade") || componentStatus(t, page, "web") != "Degraded performance" {
		t.Errorf("upcoming maintenance: want it listed and web unchanged")
	}
	e.clock.set(now.Add(90 * time.Minute))
	_, page = e.get("/", nil)
	if got := componentStatus(t, page, "web"); got != "Under maintenance" {
		t.Errorf("web during maintenance: got %q, want Under maintenance", got)
	}
	checkWellFormed(t, page)
}

func TestStatusPageIncident(t *testing.T) {
	e := newIncidentEnv(t)
	e.get("/", nil) // a snapshot before the incident
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken,
		`{"title":"API <unavailable>","severity":"critical","components":{"api":"major_outage"},"message":"Investigating errors on the API"}`,
		http.StatusCreated, &inc)
	e.tick()

	_, page := e.get("/", nil)
	for _, want := range []string{"Active incidents", "API &lt;unavailable&gt;", `href="/incidents/` + inc.ID + `"`, "Investigating errors on the API"} {
		if !strings.Contains(page, want) {
			t.Errorf("status page: missing %q", want)
		}
	}
	if got := componentStatus(t, page, "api"); got != "Major outage" {
		t.Errorf("api: got %q, want Major outage", got)
	}
	checkWellFormed(t, page)

	resp, ipage := e.get("/incidents/"+inc.ID, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("incident page: got %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{"API &lt;unavailable&gt;", "Investigating errors on the API", "Major outage", "Severity: critical"} {
		if !strings.Contains(ipage, want) {
			t.Errorf("incident page: missing %q", want)
		}
	}
	checkWellFormed(t, ipage)
	if resp, _ := e.get("/incidents/inc-nope", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown incident: got %d, want 404", resp.StatusCode)
	}

	// Resolved, it moves to the history and the component recovers.
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken, `{"status":"resolved","message":"Fixed"}`, http.StatusCreated, nil)
	e.tick()
	_, page = e.get("/", nil)
	if strings.Contains(page, "Active incidents") || !strings.Contains(page, "API &lt;unavailable&gt;") {
		t.Errorf("resolved incident: want it under past incidents only")
	}
	if got := componentStatus(t, page, "api"); got != "Operational" {
		t.Errorf("api after resolution: got %q, want Operational", got)
	}
}

func TestStatusPageCaching(t *testing.T) {
	e := newIncidentEnv(t)
	resp, plain := e.get("/", map[string]string{"Accept-Encoding": "identity"})
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("want ETag and Last-Modified, got %v", resp.Header)
	}
	if got, want := resp.Header.Get("Cache-Control"), "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"; got != want {
		t.Errorf("Cache-Control: got %q, want %q", got, want)
	}
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("identity: got Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	if !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
		t.Errorf("want Vary: Accept-Encoding")
	}

	gzResp, unzipped := e.get("/", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if gzResp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: got Content-Encoding %q", gzResp.Header.Get("Content-Encoding"))
	}
	if unzipped != plain {
		t.Errorf("the gzipped page differs from the plain one")
	}
	if r, _ := e.get("/", map[string]string{"Accept-Encoding": "gzip;q=0"}); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0: want no gzip")
	}

	for _, tag := range []string{etag, gzResp.Header.Get("ETag"), `"other", ` + etag} {
		r, body := e.get("/", map[string]string{"If-None-Match": tag})
		if r.StatusCode != http.StatusNotModified || body != "" {
			t.Errorf("If-None-Match %s: got %d with %d bytes, want 304 and none", tag, r.StatusCode, len(body))
		}
	}
	if r, _ := e.get("/", map[string]string{"If-None-Match": `"other"`}); r.StatusCode != http.StatusOK {
		t.Errorf("stale If-None-Match: got %d, want 200", r.StatusCode)
	}

	// Unchanged evidence: same ETag after the next store check.
	e.tick()
	if r, _ := e.get("/", map[string]string{"Accept-Encoding": "identity"}); r.Header.Get("ETag") != etag {
		t.Errorf("unchanged evidence: ETag %s became %s", etag, r.Header.Get("ETag"))
	}
	// New evidence: a new ETag.
	e.statusFact("api", "eu", "major_outage", e.clock.now().Add(-time.Minute))
	e.tick()
	if r, _ := e.get("/", map[string]string{"Accept-Encoding": "identity"}); r.Header.Get("ETag") == etag {
		t.Errorf("new evidence: ETag unchanged")
	}
}

func TestStatusPageServesSnapshotWhenStoreFails(t *testing.T) {
	e := newIncidentEnv(t)
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"Slow API","severity":"minor","components":{"api":"degraded_performance"}}`, http.StatusCreated, &inc)
	resp, page := e.get("/", nil)
	etag := resp.Header.Get("ETag")
	iresp, _ := e.get("/incidents/"+inc.ID, nil)
	if resp.StatusCode != http.StatusOK || iresp.StatusCode != http.StatusOK {
		t.Fatalf("before closing: got %d and %d, want 200", resp.StatusCode, iresp.StatusCode)
	}

	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Facts(context.Background(), time.Unix(0, 0), e.clock.now()); err == nil {
		t.Fatal("a closed store still reads; the test proves nothing")
	}
	e.tick()
	resp, again := e.get("/", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != etag || again != page {
		t.Errorf("store closed: got %d, ETag %s, want 200 and %s with the same body", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
	if r, body := e.get("/incidents/"+inc.ID, nil); r.StatusCode != http.StatusOK || !strings.Contains(body, "Slow API") {
		t.Errorf("incident page, store closed: got %d", r.StatusCode)
	}
}

func TestStatusPageStatic(t *testing.T) {
	e := newIncidentEnv(t)
	_, page := e.get("/", nil)
	path := statuspage.StylePath()
	if !strings.Contains(page, `href="`+path+`"`) {
		t.Fatalf("the page does not link %s", path)
	}
	resp, css := e.get(path, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(css, "prefers-color-scheme: dark") {
		t.Fatalf("GET %s: got %d", path, resp.StatusCode)
	}
	if got, want := resp.Header.Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
		t.Errorf("Cache-Control: got %q, want %q", got, want)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/css") {
		t.Errorf("Content-Type: got %q", got)
	}
	for _, p := range []string{"/static/0000000000000000/style.css", "/static/style.css"} {
		if r, _ := e.get(p, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, r.StatusCode)
		}
	}
}

// voidElements have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// checkWellFormed checks that every element is closed in order, that the
// page has a language, and the landmarks a screen reader navigates by.
func checkWellFormed(t testing.TB, page string) {
	t.Helper()
	z := xhtml.NewTokenizer(strings.NewReader(page))
	var stack []string
	count := map[string]int{}
	lang := false
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			if err := z.Err(); !errors.Is(err, io.EOF) {
				t.Fatalf("tokenize: %v", err)
			}
			break
		}
		tok := z.Token()
		switch tt {
		case xhtml.StartTagToken:
			count[tok.Data]++
			// HTML leaves out a list item's end tag before the next item:
			// the status page's bars do.
			if tok.Data == "li" && len(stack) > 0 && stack[len(stack)-1] == "li" {
				stack = stack[:len(stack)-1]
			}
			if tok.Data == "html" {
				for _, a := range tok.Attr {
					lang = lang || (a.Key == "lang" && a.Val != "")
				}
			}
			if !voidElements[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case xhtml.EndTagToken:
			// ... and at the end of the list.
			if (tok.Data == "ol" || tok.Data == "ul") && len(stack) > 0 && stack[len(stack)-1] == "li" {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				t.Fatalf("</%s> closes nothing open (open: %v)", tok.Data, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements: %v", stack)
	}
	if !lang {
		t.Errorf("<html> has no lang")
	}
	for _, el := range []string{"html", "head", "title", "body", "header", "nav", "main", "footer", "h1"} {
		if count[el] != 1 {
			t.Errorf("<%s>: got %d, want 1", el, count[el])
		}
	}
	if _, err := xhtml.Parse(bytes.NewReader([]byte(page))); err != nil {
		t.Errorf("parse: %v", err)
	}
}

// newPageEnv is newIncidentEnv with more configuration (a status_page
// section) and the clock at start.
func newPageEnv(t *testing.T, extra string, start time.Time) *incidentEnv {
	t.Helper()
	e := newIncidentEnvWith(t, incidentTestConfig+extra, incidentTestPolicy)
	e.clock.set(start)
	return e
}

// fact stores one fact given as JSON.
func (e *incidentEnv) fact(typ, id string, at time.Time, v map[string]any) {
	e.t.Helper()
	v["type"], v["id"] = typ, id
	body, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.AppendFacts(context.Background(), []store.Fact{{ID: id, Type: typ, At: at, JSON: body}}); err != nil {
		e.t.Fatal(err)
	}
}

// barClasses maps the bars' short classes back to the day classes.
var barClasses = map[string]string{"": "u-up", "m": "u-minor", "p": "u-partial", "x": "u-major", "n": "u-none"}

// bars returns each of a component's day bars, by date, as its day class
// and the details a visitor reads on hover or focus: the date (which the
// style sheet adds from the bar's position), then the bar's own text, or
// the style sheet's for a bar without one.
func bars(t testing.TB, page, comp string) map[string]string {
	t.Helper()
	_, first, ok := strings.Cut(page, `data-first="`)
	if !ok {
		t.Fatalf("the page names no first day")
	}
	start, err := time.Parse("2006-01-02", first[:10])
	if err != nil {
		t.Fatal(err)
	}
	_, row, ok := strings.Cut(page, `<li id="c-`+comp+`">`)
	if !ok {
		t.Fatalf("no row for component %s", comp)
	}
	_, row, _ = strings.Cut(row, `<ol class=bars`)
	_, row, _ = strings.Cut(row, `>`)
	row, _, _ = strings.Cut(row, `</ol>`)
	out := map[string]string{}
	for i, part := range strings.Split(row, `<li`)[1:] {
		day := start.AddDate(0, 0, i)
		attrs, content, _ := strings.Cut(part, ">")
		class := ""
		if c, ok := strings.CutPrefix(strings.TrimSpace(attrs), "class="); ok {
			class, _, _ = strings.Cut(c, " ")
		}
		text := "100% uptime, no incidents"
		if class == "n" {
			text = "no data"
		}
		if d, ok := strings.CutPrefix(content, "<i>"); ok {
			if !strings.Contains(attrs, "tabindex=0") {
				t.Errorf("%s %s: a bar with details is not focusable", comp, day.Format(time.DateOnly))
			}
			text, _, _ = strings.Cut(d, "</i>")
		}
		out[day.Format(time.DateOnly)] = barClasses[class] + " " + day.Format("2 Jan 2006") + ": " + html.UnescapeString(text)
	}
	return out
}

func TestStatusPageUptimeBars(t *testing.T) {
	e := newIncidentEnv(t) // 14 Oct 2026 09:00 UTC, page in UTC
	e.statusFact("api", "eu", "operational", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	e.statusFact("api", "eu", "major_outage", time.Date(2026, 10, 4, 10, 0, 0, 0, time.UTC))
	e.statusFact("api", "eu", "operational", time.Date(2026, 10, 4, 11, 12, 0, 0, time.UTC))
	e.statusFact("api", "us", "partial_outage", time.Date(2026, 10, 6, 10, 0, 0, 0, time.UTC))
	e.statusFact("api", "us", "operational", time.Date(2026, 10, 6, 12, 0, 0, 0, time.UTC))
	e.statusFact("web", "eu", "operational", time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC))
	_, page := e.get("/", nil)
	checkWellFormed(t, page)

	api, web := bars(t, page, "api"), bars(t, page, "web")
	if len(api) != 90 || len(web) != 90 {
		t.Fatalf("got %d and %d bars, want 90 each", len(api), len(web))
	}
	tests := []struct{ comp, date, want string }{
		// 72 min down in 1 440: 1 − 72/1 440 = 95 %.
		{"api", "2026-10-04", "u-partial 4 Oct 2026: 95.000% uptime"},
		// 120 min of partial outage weigh 0.3: 1 − 36/1 440 = 97.5 %.
		{"api", "2026-10-06", "u-partial 6 Oct 2026: 97.500% uptime"},
		{"api", "2026-10-05", "u-up 5 Oct 2026: 100% uptime, no incidents"},
		// The oldest bar: 89 days before today.
		{"api", "2026-07-17", "u-up 17 Jul 2026: 100% uptime, no incidents"},
		// Today, up to 09:00.
		{"api", "2026-10-14", "u-up 14 Oct 2026: 100% uptime, no incidents"},
		// Before web's first evidence.
		{"web", "2026-10-09", "u-none 9 Oct 2026: no data"},
		{"web", "2026-10-10", "u-up 10 Oct 2026: 100% uptime, no incidents"},
	}
	for _, tt := range tests {
		m := api
		if tt.comp == "web" {
			m = web
		}
		if got := m[tt.date]; got != tt.want {
			t.Errorf("%s %s: got %q, want %q", tt.comp, tt.date, got, tt.want)
		}
	}
	// 30 days = 43 200 min; down 72 + 120 × 0.3 = 108: 1 − 108/43 200 =
	// 99.75 %. 90 days = 129 600 min: 1 − 108/129 600 = 99.9166… %.
	for _, want := range []string{"Uptime — 30 days: 99.750% · 90 days: 99.916%", "Uptime — 30 days: 100% · 90 days: 100%",
		"a major outage counts as fully down and a partial outage counts as 30% down. Degraded performance is counted as up. Time under maintenance is left out of the figures.",
		"Each bar is one day in UTC"} {
		if !strings.Contains(page, want) {
			t.Errorf("page: missing %q", want)
		}
	}

	// An incident counts on each day it is open, for its components.
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"Slow API","severity":"minor","components":{"api":"degraded_performance"}}`, http.StatusCreated, &inc)
	e.tick()
	_, page = e.get("/", nil)
	if got, want := bars(t, page, "api")["2026-10-14"], "u-up 14 Oct 2026: 100% uptime, incident: Slow API"; got != want {
		t.Errorf("today with an incident: got %q, want %q", got, want)
	}
	if got := bars(t, page, "web")["2026-10-14"]; !strings.HasSuffix(got, "100% uptime, no incidents") {
		t.Errorf("web is not in the incident: got %q", got)
	}
}

func TestStatusPageDayPage(t *testing.T) {
	e := newIncidentEnv(t)
	e.statusFact("api", "eu", "operational", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	e.statusFact("api", "eu", "major_outage", time.Date(2026, 10, 14, 6, 0, 0, 0, time.UTC))
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"API down","severity":"minor","components":{"api":"major_outage"},"message":"Looking"}`, http.StatusCreated, &inc)
	_, home := e.get("/", nil)
	if !strings.Contains(home, `<a href="/history/2026-10-14">Today</a>`) {
		t.Fatalf("no link to today's page")
	}
	resp, day := e.get("/history/2026-10-14", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("day page: got %d", resp.StatusCode)
	}
	checkWellFormed(t, day)
	// 06:00 to 09:00 down in [00:00, 09:00): 1 − 180/540 = 66.666… %.
	for _, want := range []string{"<h1>Wednesday 14 October 2026</h1>", "<th scope=\"row\">api</th><td><span class=\"swatch u-major\" aria-hidden=\"true\"></span>66.666%</td><td>1</td>",
		"<th scope=\"row\">web</th><td><span class=\"swatch u-none\" aria-hidden=\"true\"></span>no data</td><td>0</td>",
		`href="/incidents/` + inc.ID + `"`, "API down", `href="/history/2026-10-13" rel="prev"`} {
		if !strings.Contains(day, want) {
			t.Errorf("day page: missing %q", want)
		}
	}
	if strings.Contains(day, `rel="next"`) {
		t.Errorf("today's page links to tomorrow")
	}
	if !strings.Contains(day, "today, the figures run to <time") {
		t.Errorf("today's page does not say its figures run to now")
	}
	_, before := e.get("/history/2026-10-13", nil)
	if !strings.Contains(before, "No incidents on this day.") || !strings.Contains(before, `href="/history/2026-10-14" rel="next"`) || strings.Contains(before, "today,") {
		t.Errorf("the day before: want no incidents and a link to the next day")
	}
	for _, p := range []string{"/history/2026-10-15", "/history/2026-07-16", "/history/2026-13-01", "/history/2026-02-30", "/history/yesterday", "/history/2026-10-14x"} {
		if r, _ := e.get(p, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, r.StatusCode)
		}
	}
	if r, _ := e.get("/history/2026-07-17", nil); r.StatusCode != http.StatusOK {
		t.Errorf("the oldest bar's day: got %d, want 200", r.StatusCode)
	}
}

func TestStatusPageTimeZoneDSTDay(t *testing.T) {
	// 29 March 2026 in Paris has 23 hours: 23:00Z on the 28th to 22:00Z on
	// the 29th.
	e := newPageEnv(t, "status_page: {time_zone: Europe/Paris}\n", time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC))
	e.statusFact("api", "eu", "operational", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e.statusFact("api", "eu", "major_outage", time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC))
	e.statusFact("api", "eu", "operational", time.Date(2026, 3, 29, 11, 9, 0, 0, time.UTC))
	// 23:30Z on the 28th is already the 29th in Paris (00:30 CET).
	e.statusFact("web", "eu", "operational", time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC))
	_, page := e.get("/", nil)
	// 69 min down in 23 h = 1 380 min: 1 − 69/1 380 = 95 %; a 24-hour day
	// would give 95.208 %.
	if got, want := bars(t, page, "api")["2026-03-29"], "u-partial 29 Mar 2026: 95.000% uptime"; got != want {
		t.Errorf("api on the DST day: got %q, want %q", got, want)
	}
	if got := bars(t, page, "web")["2026-03-28"]; got != "u-none 28 Mar 2026: no data" {
		t.Errorf("web the day before its evidence in Paris: got %q", got)
	}
	if !strings.Contains(page, "Each bar is one day in Europe/Paris") || !strings.Contains(page, "Times are in Europe/Paris") {
		t.Errorf("the page does not name its time zone")
	}
	_, day := e.get("/history/2026-03-29", nil)
	if want := "From <time datetime=\"2026-03-28T23:00:00Z\">28 Mar 2026 23:00 UTC</time>"; strings.Contains(day, want) {
		t.Errorf("day page shows UTC times")
	}
	for _, want := range []string{`<time datetime="2026-03-28T23:00:00Z">29 Mar 2026 00:00 CET</time> to <time datetime="2026-03-29T22:00:00Z">30 Mar 2026 00:00 CEST</time>`, "95.000%"} {
		if !strings.Contains(day, want) {
			t.Errorf("day page: missing %q", want)
		}
	}
}

func TestStatusPageHistory(t *testing.T) {
	e := newIncidentEnv(t)
	ids := map[string]string{}
	for _, at := range []time.Time{time.Date(2026, 8, 10, 9, 0, 0, 0, time.UTC), time.Date(2026, 9, 5, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 9, 20, 9, 0, 0, 0, time.UTC), time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC)} {
		e.clock.set(at)
		var inc incident.Incident
		title := "Incident of " + at.Format("2 Jan")
		e.call("POST", "/api/v1/incidents", testOpsToken, fmt.Sprintf(`{"title":%q,"severity":"minor","components":{"api":"partial_outage"}}`, title), http.StatusCreated, &inc)
		e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken, `{"status":"resolved","message":"Fixed"}`, http.StatusCreated, nil)
		ids[title] = inc.ID
	}
	e.clock.set(time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	_, home := e.get("/", nil)
	if !strings.Contains(home, `href="/history"`) {
		t.Errorf("the home page does not link the history")
	}

	tests := []struct {
		path       string
		want, none []string
		prev, next string
	}{
		{"/history", []string{"Incident history: October 2026", "Incident of 2 Oct"}, []string{"Incident of 20 Sep"}, "2026-09", ""},
		{"/history?month=2026-10", []string{"Incident of 2 Oct"}, nil, "2026-09", ""},
		{"/history?month=2026-09", []string{"Incident history: September 2026", "Incident of 20 Sep", "Incident of 5 Sep"}, []string{"Incident of 2 Oct", "Incident of 10 Aug"}, "2026-08", "2026-10"},
		{"/history?month=2026-08", []string{"Incident of 10 Aug"}, nil, "", "2026-09"},
		{"/history?month=2026-07", []string{"No incidents reported in July 2026."}, nil, "", "2026-08"},
	}
	for _, tt := range tests {
		resp, page := e.get(tt.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", tt.path, resp.StatusCode)
			continue
		}
		checkWellFormed(t, page)
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("GET %s: missing %q", tt.path, w)
			}
		}
		for _, w := range tt.none {
			if strings.Contains(page, w) {
				t.Errorf("GET %s: has %q", tt.path, w)
			}
		}
		for rel, month := range map[string]string{"prev": tt.prev, "next": tt.next} {
			link := fmt.Sprintf(`href="/history?month=%s" rel="%s"`, month, rel)
			if has := strings.Contains(page, `rel="`+rel+`"`); has != (month != "") || (month != "" && !strings.Contains(page, link)) {
				t.Errorf("GET %s: want %s link to %q", tt.path, rel, month)
			}
		}
	}
	// Newest first within a month.
	_, sep := e.get("/history?month=2026-09", nil)
	if strings.Index(sep, "Incident of 20 Sep") > strings.Index(sep, "Incident of 5 Sep") {
		t.Errorf("September: want the 20th before the 5th")
	}
	for _, p := range []string{"/history?month=2026-11", "/history?month=2026-13", "/history?month=oct", "/history?month=2026-9", "/history?page=2", "/history?month=2026-09&x=1"} {
		if r, _ := e.get(p, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, r.StatusCode)
		}
	}
}

func TestStatusPagePostmortemAndEscaping(t *testing.T) {
	e := newIncidentEnv(t)
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken,
		`{"title":"<script>alert(1)</script> API","severity":"minor","components":{"api":"major_outage"},"message":"Errors <b>everywhere</b>"}`, http.StatusCreated, &inc)
	e.clock.set(e.clock.now().Add(30 * time.Minute))
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken, `{"status":"identified","message":"A bad deploy"}`, http.StatusCreated, nil)
	e.clock.set(e.clock.now().Add(30 * time.Minute))
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken, `{"status":"resolved","message":"Rolled back"}`, http.StatusCreated, nil)
	e.clock.set(e.clock.now().Add(24 * time.Hour))
	e.fact("postmortem", "pm-1", e.clock.now(), map[string]any{"incident": inc.ID, "at": rfc3339(e.clock.now()),
		"title": "What broke & why", "summary": "A deploy <em>removed</em> an index.\n\nWe now test migrations.\r\n\r\nThird.",
		"url": "https://blog.example.test/pm?a=1&b=2"})
	e.tick()

	resp, page := e.get("/incidents/"+inc.ID, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("incident page: got %d", resp.StatusCode)
	}
	checkWellFormed(t, page)
	for _, want := range []string{
		`<h2 id="postmortem-title">Post-mortem</h2>`, "<h3>What broke &amp; why</h3>",
		"<p>A deploy &lt;em&gt;removed&lt;/em&gt; an index.</p>", "<p>We now test migrations.</p>", "<p>Third.</p>",
		`<a href="https://blog.example.test/pm?a=1&amp;b=2">Read the full post-mortem</a>`,
		"&lt;script&gt;alert(1)&lt;/script&gt; API", "Errors &lt;b&gt;everywhere&lt;/b&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("incident page: missing %q", want)
		}
	}
	// The timeline: every update, newest first.
	r, i, o := strings.Index(page, "Rolled back"), strings.Index(page, "A bad deploy"), strings.Index(page, "Errors &lt;b&gt;")
	if r < 0 || i < 0 || o < 0 || r > i || i > o {
		t.Errorf("updates: want resolved, identified, investigating in that order (at %d, %d, %d)", r, i, o)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "<em>") {
		t.Errorf("operator text reached the page unescaped")
	}
	_, home := e.get("/", nil)
	if !strings.Contains(home, `href="/incidents/`+inc.ID+`#postmortem"`) || strings.Contains(home, "<script>") {
		t.Errorf("home page: want a link to the post-mortem and no unescaped text")
	}
}

func TestStatusPageBranding(t *testing.T) {
	e := newPageEnv(t, `status_page:
  title: "Acme <Cloud> status"
  public_url: https://status.acme.test/
  logo_url: /logo.svg
  colors: {brand: "#5b3cc4", brand_dark: "#b4a2ff"}
  links:
    - {label: "Acme & Co", url: "https://acme.test/?a=1&b=2"}
  uptime_weights: {partial_outage: 1, degraded_performance: 0.5}
`, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	_, page := e.get("/", nil)
	checkWellFormed(t, page)
	for _, want := range []string{
		"<title>Acme &lt;Cloud&gt; status</title>", `<span>Acme &lt;Cloud&gt; status</span>`,
		"<style>:root { --brand-light: #5b3cc4; --brand-dark: #b4a2ff; }</style>",
		`<img src="/logo.svg" alt="" height="32">`, `<a href="https://acme.test/?a=1&amp;b=2">Acme &amp; Co</a>`,
		`<a href="/subscribe">Subscribe to updates</a>`, `<a href="/feed.atom">Atom feed</a>`, `<a href="/feed.rss">RSS feed</a>`,
		`<link rel="alternate" type="application/atom+xml" title="Incidents (Atom)" href="/feed.atom">`,
		`<link rel="alternate" type="application/rss+xml" title="Incidents (RSS)" href="/feed.rss">`,
		"a major outage counts as fully down, a partial outage counts as fully down and degraded performance counts as 50% down.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page: missing %q", want)
		}
	}
	// The style sheet uses the custom properties the page sets.
	_, css := e.get(statuspage.StylePath(), nil)
	for _, want := range []string{"var(--brand-light, #0b57b0)", "var(--brand-dark, #8cb8ff)", "color: var(--brand)"} {
		if !strings.Contains(css, want) {
			t.Errorf("style sheet: missing %q", want)
		}
	}
	// Feeds link to the configured address, not the request's.
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"Slow","severity":"minor","components":{"api":"degraded_performance"}}`, http.StatusCreated, nil)
	e.tick()
	_, atom := e.get("/feed.atom", nil)
	if !strings.Contains(atom, "https://status.acme.test/incidents/") || strings.Contains(atom, "127.0.0.1") || !strings.Contains(atom, "Acme &lt;Cloud&gt; status: incidents") {
		t.Errorf("atom feed: want links on https://status.acme.test and the page's title:\n%s", atom)
	}

	// Without branding: the defaults and no brand colours (the page's one
	// style element names the bars' days).
	_, plain := newIncidentEnv(t).get("/", nil)
	if strings.Contains(plain, "--brand-") || strings.Count(plain, "<style>") != 1 || !strings.Contains(plain, "<title>Service status</title>") {
		t.Errorf("unbranded page: want no brand colours and the default title")
	}
}

func TestStatusPageCheckedComponentWithoutFacts(t *testing.T) {
	// web is checked every minute from 9 Oct 12:00 and never changed: no
	// status fact, yet measured up since its first check.
	e := newPageEnv(t, "monitors:\n  - {id: web-tcp, component: web, type: tcp, target: \"127.0.0.1:9\", interval: 60s}\n",
		time.Date(2026, 10, 14, 9, 0, 17, 0, time.UTC))
	// Odd seconds: the bisection for the first check must end on them too.
	start := time.Date(2026, 10, 9, 12, 0, 30, 0, time.UTC)
	var rs []monitor.Result
	for at := start; at.Before(e.clock.now()); at = at.Add(time.Minute) {
		rs = append(rs, monitor.Result{MonitorID: "web-tcp", Location: "local", At: at, State: monitor.Up, Duration: time.Millisecond})
	}
	if err := e.st.AppendResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	_, page := e.get("/", nil)
	web := bars(t, page, "web")
	for date, want := range map[string]string{
		"2026-10-08": "u-none 8 Oct 2026: no data",
		"2026-10-09": "u-up 9 Oct 2026: 100% uptime, no incidents",
		"2026-10-13": "u-up 13 Oct 2026: 100% uptime, no incidents",
	} {
		if got := web[date]; got != want {
			t.Errorf("web %s: got %q, want %q", date, got, want)
		}
	}
	if got := bars(t, page, "api")["2026-10-13"]; got != "u-none 13 Oct 2026: no data" {
		t.Errorf("api, never checked: got %q, want no data", got)
	}
	// From 12:00 on the 9th, an outage of 72 min on the 12th: the 30 and
	// 90 day figures count from the first check, 4 days 21 h and 17 s =
	// 421 217 s: 1 − 4 320/421 217 = 98.974… %.
	e.statusFact("web", "monitor:web-tcp", "major_outage", time.Date(2026, 10, 12, 10, 0, 0, 0, time.UTC))
	e.statusFact("web", "monitor:web-tcp", "operational", time.Date(2026, 10, 12, 11, 12, 0, 0, time.UTC))
	e.tick()
	_, page = e.get("/", nil)
	// Each figure says the span it covers: monitoring began on the 9th.
	if !strings.Contains(page, "Uptime — 30 days: 98.974% (since 9 Oct) · 90 days: 98.974% (since 9 Oct)") {
		t.Errorf("web figures from the first check: missing")
	}
	if got := bars(t, page, "web")["2026-10-09"]; got != "u-up 9 Oct 2026: 100% uptime, no incidents" {
		t.Errorf("web on the 9th, after its first fact came in: got %q", got)
	}
}

// A component whose monitors have never reported is not shown as
// operational: nothing is known of it yet. One without monitors (kept by
// the operators' incidents alone) is.
func TestStatusPageNeverCheckedComponent(t *testing.T) {
	e := newPageEnv(t, "monitors:\n  - {id: web-tcp, component: web, type: tcp, target: \"127.0.0.1:9\", interval: 60s}\n",
		time.Date(2026, 10, 14, 9, 0, 17, 0, time.UTC))
	_, page := e.get("/", nil)
	if got := componentStatus(t, page, "web"); got != "No data yet" {
		t.Errorf("web, monitored and never checked: got %q, want No data yet", got)
	}
	if got := componentStatus(t, page, "api"); got != "Operational" {
		t.Errorf("api, without monitors: got %q, want Operational", got)
	}
	if !strings.Contains(page, "the uptime each contract promises is computed under that contract's own rules") {
		t.Error("the page does not say its figures are not the contracts'")
	}
	// Its first result: it has data from then on, shown within seconds
	// while the server is new (no minute-long "No data yet" after a start).
	if err := e.st.AppendResults(context.Background(), []monitor.Result{{MonitorID: "web-tcp", Location: "local", At: e.clock.now(), State: monitor.Up, Duration: time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	e.clock.set(e.clock.now().Add(10 * time.Second))
	_, page = e.get("/", nil)
	if got := componentStatus(t, page, "web"); got != "Operational" {
		t.Errorf("web 10 s after its first check: got %q, want Operational", got)
	}
}

// A monitor that stays unchecked past its first two minutes is asked
// about once a minute: a check stored then shows within the minute.
func TestStatusPageLongUncheckedMonitor(t *testing.T) {
	e := newPageEnv(t, "monitors:\n  - {id: web-tcp, component: web, type: tcp, target: \"127.0.0.1:9\", interval: 60s}\n",
		time.Date(2026, 10, 14, 9, 0, 17, 0, time.UTC))
	for range 5 {
		if _, page := e.get("/", nil); componentStatus(t, page, "web") != "No data yet" {
			t.Fatal("web, never checked, is not No data yet")
		}
		e.clock.set(e.clock.now().Add(40 * time.Second))
	}
	if err := e.st.AppendResults(context.Background(), []monitor.Result{{MonitorID: "web-tcp", Location: "local", At: e.clock.now(), State: monitor.Up, Duration: time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	e.clock.set(e.clock.now().Add(time.Minute + time.Second))
	if _, page := e.get("/", nil); componentStatus(t, page, "web") != "Operational" {
		t.Errorf("web a minute after its first check: got %q, want Operational", componentStatus(t, page, "web"))
	}
}

// stallingStore holds FactsOfType calls while stall is set, until release
// is closed: a database that has stopped answering.
type stallingStore struct {
	store.Store
	stall   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *stallingStore) FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error) {
	if s.stall.Load() {
		s.entered <- struct{}{}
		<-s.release
	}
	return s.Store.FactsOfType(ctx, types, from, to)
}

func TestStatusPageServedWhileStoreStalls(t *testing.T) {
	e := newIncidentEnv(t)
	st := &stallingStore{Store: e.st, entered: make(chan struct{}, 1), release: make(chan struct{})}
	clock := &testClock{t: e.clock.now()}
	s, err := New(Options{Store: st, Config: e.cfg, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	e.url, e.clock = ts.URL, clock
	resp, _ := e.get("/", nil)
	etag := resp.Header.Get("ETag")

	st.stall.Store(true)
	e.statusFact("api", "eu", "major_outage", clock.now().Add(-time.Minute))
	e.tick()
	done := make(chan string)
	go func() {
		r, err := rawClient.Get(ts.URL + "/")
		if err != nil {
			done <- err.Error()
			return
		}
		r.Body.Close()
		done <- r.Header.Get("ETag")
	}()
	<-st.entered // that request is now stuck in the store
	// Everybody else gets the snapshot in hand, at once.
	for range 3 {
		r, _ := e.get("/", nil)
		if r.StatusCode != http.StatusOK || r.Header.Get("ETag") != etag {
			t.Errorf("while the store stalls: got %d, ETag %s, want 200 and %s", r.StatusCode, r.Header.Get("ETag"), etag)
		}
	}
	st.stall.Store(false)
	close(st.release)
	if got := <-done; got == etag || got == "" {
		t.Errorf("the stalled request: got ETag %q, want a new page once the store answered", got)
	}
	if r, page := e.get("/", nil); r.Header.Get("ETag") == etag || componentStatus(t, page, "api") != "Major outage" {
		t.Errorf("after the stall: want the new page")
	}
}

// panickingStore panics in FactsOfType while armed: a bug in a refresh.
type panickingStore struct {
	store.Store
	armed atomic.Bool
}

func (s *panickingStore) FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error) {
	if s.armed.Load() {
		panic("refresh bug")
	}
	return s.Store.FactsOfType(ctx, types, from, to)
}

// A refresh that panics (net/http recovers the request) must not leave
// the page frozen on its last snapshot: the next request refreshes again.
func TestStatusPageRefreshesAfterAPanic(t *testing.T) {
	e := newIncidentEnv(t)
	st := &panickingStore{Store: e.st}
	clock := &testClock{t: e.clock.now()}
	s, err := New(Options{Store: st, Config: e.cfg, Now: clock.now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(ts.Close)
	e.url, e.clock = ts.URL, clock
	resp, _ := e.get("/", nil)
	etag := resp.Header.Get("ETag")

	st.armed.Store(true)
	e.tick()
	// A fresh connection, which the transport does not retry on.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if r, err := fresh.Get(ts.URL + "/"); err == nil {
		r.Body.Close()
		t.Fatalf("the panicking request got %d, want the connection dropped", r.StatusCode)
	}
	st.armed.Store(false)
	e.statusFact("api", "eu", "major_outage", clock.now().Add(-time.Minute))
	e.tick()
	if r, page := e.get("/", nil); r.Header.Get("ETag") == etag || componentStatus(t, page, "api") != "Major outage" {
		t.Errorf("after the panic: got ETag %s (was %s), want the new page", r.Header.Get("ETag"), etag)
	}
}
