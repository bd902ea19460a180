package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/slakeeper/slakeeper/internal/incident"
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
	row, _, _ = strings.Cut(row, "</li>")
	_, label, _ := strings.Cut(row, `<span class="dot" aria-hidden="true"></span>`)
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
	z := html.NewTokenizer(strings.NewReader(page))
	var stack []string
	count := map[string]int{}
	lang := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); !errors.Is(err, io.EOF) {
				t.Fatalf("tokenize: %v", err)
			}
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken:
			count[tok.Data]++
			if tok.Data == "html" {
				for _, a := range tok.Attr {
					lang = lang || (a.Key == "lang" && a.Val != "")
				}
			}
			if !voidElements[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case html.EndTagToken:
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
	if _, err := html.Parse(bytes.NewReader([]byte(page))); err != nil {
		t.Errorf("parse: %v", err)
	}
}
