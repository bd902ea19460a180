package server

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/store"
)

// surfaces are the packages whose routes the server mounts (routes.go):
// its own and every HTTP surface's.
var surfaces = []string{".", "../public", "../api", "../admin", "../portal"}

// routes lists every route the server registers ("METHOD /path"), read
// from the source of the surfaces, so that a route added later is covered
// by the tests that go through all of them.
func routes(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range surfaces {
		fs, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	fset := token.NewFileSet()
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Handle" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "mux" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				p, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
			return true
		})
	}
	if len(out) < 20 {
		t.Fatalf("found only %d routes in the source: %q", len(out), out)
	}
	return out
}

// publicWrites are the write routes anyone may call, and why.
var publicWrites = map[string]string{
	"POST /admin/signout":             "it ends only the caller's own session",
	"POST /portal/signout":            "it ends only the caller's own session",
	"POST /invite/{token}":            "the one-time link of an invitation is the credential (unknown, used or expired: 404)",
	"POST /portal/signin":             "the portal's sign-in, limited as /admin's",
	"POST /subscribe":                 "the public sign-up; nothing is sent but the opt-in mail until confirmed",
	"POST /unsubscribe/{token}":       "the holder of the link in a message unsubscribes its own address",
	"GET /unsubscribe/{token}":        "as POST, for mail clients that only follow links",
	"GET /subscribe/confirm/{token}":  "the opt-in confirmation link of the mail",
	"POST /subscribe/confirm/{token}": "the button of the opt-in link's page",
}

// getWrites are GET routes that write (for clients that can only GET).
var getWrites = map[string]bool{"GET /api/v1/heartbeat/{monitor}": true}

var wildcardRE = regexp.MustCompile(`\{([a-z]+)(\.\.\.)?\}`)

func TestEveryWriteRouteNeedsCredentials(t *testing.T) {
	e := newIncidentEnv(t)
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"API down","severity":"critical","components":{"api":"major_outage"}}`, http.StatusCreated, &inc)
	before, err := e.st.Facts(context.Background(), time.Unix(0, 0), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// A subscriber the subscriber routes are aimed at; it must survive.
	sub := store.Subscriber{ID: "sub-0123456789abcdef", Kind: "webhook", Address: "https://hooks.example.com/x", CreatedAt: e.clock.now(), ConfirmedAt: e.clock.now()}
	if err := e.st.PutSubscriber(context.Background(), sub); err != nil {
		t.Fatal(err)
	}

	checked := 0
	for _, rt := range routes(t) {
		method, pattern, _ := strings.Cut(rt, " ")
		if method == "GET" && !getWrites[rt] || method == "HEAD" {
			continue
		}
		if why, ok := publicWrites[rt]; ok {
			t.Logf("%s: public: %s", rt, why)
			continue
		}
		path := wildcardRE.ReplaceAllStringFunc(pattern, func(w string) string {
			if strings.HasPrefix(w, "{id") {
				if strings.Contains(pattern, "/subscribers/") {
					return sub.ID
				}
				return inc.ID
			}
			return "x1"
		})
		path = strings.TrimSuffix(path, "{$}")
		for _, cred := range []struct{ name, header, value string }{
			{"no credentials", "", ""},
			{"unknown token", "Authorization", "Bearer not-a-token-of-anyone-here"},
			{"forged session cookie", "Cookie", auth.SessionCookie + "=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
			{"viewer token", "Authorization", "Bearer " + testViewerToken},
		} {
			body := `{"title":"x","severity":"critical","components":{"api":"major_outage"},"status":"resolved","message":"x","cause":"ddos","reason":"x"}`
			ctype := "application/json"
			if strings.HasPrefix(pattern, "/admin/") {
				body, ctype = url.Values{"title": {"x"}, "severity": {"critical"}, "components.api": {"major_outage"}, "status": {"resolved"},
					"message": {"x"}, "cause": {"ddos"}, "reason": {"x"}}.Encode(), "application/x-www-form-urlencoded"
			}
			req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ctype)
			if cred.header != "" {
				req.Header.Set(cred.header, cred.value)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// A sign-in form refuses repeated wrong sign-ins with 429.
			if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden &&
				!(resp.StatusCode == http.StatusTooManyRequests && strings.HasSuffix(path, "/signin")) {
				t.Errorf("%s %s with %s: got %d %s, want 401 or 403", method, path, cred.name, resp.StatusCode, b)
			}
		}
		checked++
	}
	if checked < 8 {
		t.Errorf("checked only %d write routes", checked)
	}
	after, err := e.st.Facts(context.Background(), time.Unix(0, 0), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("refused requests wrote %d facts", len(after)-len(before))
	}
	if subs, err := e.st.Subscribers(context.Background()); err != nil || len(subs) != 1 || subs[0].ID != sub.ID {
		t.Errorf("refused requests changed the subscribers: got %+v (%v), want only %s", subs, err, sub.ID)
	}
}

func TestCrossOriginRequestsRefused(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	form := url.Values{"title": {"Checkout failing"}, "severity": {"major"}, "components.api": {"partial_outage"}}.Encode()
	post := func(hdr map[string]string, path, body string) int {
		t.Helper()
		req, err := http.NewRequest("POST", e.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return b.do(req).code
	}
	for _, tt := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site other origin", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign Origin, old browser", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.url}, http.StatusSeeOther},
		{"same Origin, old browser", map[string]string{"Origin": e.url}, http.StatusSeeOther},
	} {
		if got := post(tt.hdr, "/admin/incidents", form); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
	// The session cookie does not carry a cross-site API call either.
	if got := post(map[string]string{"Sec-Fetch-Site": "cross-site"}, "/api/v1/incidents", `{"title":"x","severity":"major","components":{"api":"partial_outage"}}`); got != http.StatusForbidden {
		t.Errorf("cross-site API call with a session: got %d, want 403", got)
	}
	// Sign-in and sign-out are forms too.
	if got := post(map[string]string{"Sec-Fetch-Site": "cross-site"}, "/admin/signout", ""); got != http.StatusForbidden {
		t.Errorf("cross-site sign-out: got %d, want 403", got)
	}
	if got := post(map[string]string{"Sec-Fetch-Site": "cross-site"}, "/admin/signin", url.Values{"name": {"alice"}, "password": {testAlicePassword}}.Encode()); got != http.StatusForbidden {
		t.Errorf("cross-site sign-in: got %d, want 403", got)
	}
	// A token API client sends neither header and passes.
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"x","severity":"major","components":{"api":"partial_outage"}}`, http.StatusCreated, nil)
	// Safe methods are never refused: the public page may be linked from anywhere.
	if resp, _ := e.get("/", map[string]string{"Sec-Fetch-Site": "cross-site"}); resp.StatusCode != http.StatusOK {
		t.Errorf("cross-site GET /: got %d, want 200", resp.StatusCode)
	}
}

func TestSignInNextIsLocal(t *testing.T) {
	e := newIncidentEnv(t)
	for _, next := range []string{"https://evil.example/", "//evil.example/admin", "/\\evil.example", "http:/evil.example", "/api/v1/export"} {
		b := e.browser()
		p := b.post("/admin/signin", url.Values{"name": {"alice"}, "password": {testAlicePassword}, "next": {next}})
		if p.code != http.StatusSeeOther || p.location != "/admin" {
			t.Errorf("next=%q: got %d to %q, want 303 to /admin", next, p.code, p.location)
		}
		q := b.get("/admin/signin?next=" + url.QueryEscape(next))
		if q.location != "/admin" {
			t.Errorf("sign-in page next=%q signed in: sends to %q, want /admin", next, q.location)
		}
		if q = e.browser().get("/admin/signin?next=" + url.QueryEscape(next)); strings.Contains(q.body, "evil") || strings.Contains(q.body, "/api/") {
			t.Errorf("sign-in page next=%q: the form carries it on", next)
		}
	}
	// A local next is honoured, query and all.
	b := e.browser()
	p := b.get("/admin/incidents/new?x=1")
	if p.code != http.StatusSeeOther {
		t.Fatalf("signed out: got %d", p.code)
	}
	u, _ := url.Parse(p.location)
	next := u.Query().Get("next")
	if next != "/admin/incidents/new?x=1" {
		t.Fatalf("next: got %q", next)
	}
	if p = b.post("/admin/signin", url.Values{"name": {"alice"}, "password": {testAlicePassword}, "next": {next}}); p.location != next {
		t.Errorf("back after sign-in: got %q, want %q", p.location, next)
	}
}

// checkLabels checks that every visible form control has a label.
func checkLabels(t testing.TB, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	var controls []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.Data {
			case "label":
				labels[attr["for"]] = true
			case "input", "select", "textarea":
				if attr["type"] != "hidden" {
					controls = append(controls, attr["id"])
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	seen := map[string]bool{}
	for _, id := range controls {
		if id == "" || !labels[id] {
			t.Errorf("a form control (id %q) has no label", id)
		}
		if seen[id] {
			t.Errorf("id %q is used twice", id)
		}
		seen[id] = true
	}
}

func TestOperatorFormFlow(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	if p := b.get("/admin/signin"); p.code != http.StatusOK {
		t.Fatalf("sign-in page: %d", p.code)
	} else {
		checkWellFormed(t, p.body)
		checkLabels(t, p.body)
	}
	b.signIn("alice", testAlicePassword)

	p := b.get("/admin/incidents/new")
	if p.code != http.StatusOK {
		t.Fatalf("new incident page: %d %s", p.code, p.body)
	}
	checkWellFormed(t, p.body)
	checkLabels(t, p.body)
	for _, sev := range []string{"critical", "major", "minor"} {
		if !strings.Contains(p.body, `<option value="`+sev+`"`) {
			t.Errorf("the severity list lacks the configured %q", sev)
		}
	}

	// Errors come back inline, with what was entered.
	p = b.post("/admin/incidents", url.Values{"title": {"Checkout <failing>"}, "severity": {"P9"}, "components.api": {"partial_outage"}, "message": {"Looking into it"}})
	if p.code != http.StatusBadRequest {
		t.Fatalf("bad severity: got %d, want 400", p.code)
	}
	for _, want := range []string{`id="open-severity-err"`, "want one of critical, major, minor", `value="Checkout &lt;failing&gt;"`, `aria-invalid="true"`,
		`<option value="partial_outage" selected>`, ">Looking into it</textarea>", `href="#open-severity"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("bad severity: the page lacks %s", want)
		}
	}
	checkWellFormed(t, p.body)
	p = b.post("/admin/incidents", url.Values{"title": {"Checkout failing"}, "severity": {"major"}, "components.web": {"down"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="open-components_web-err"`) {
		t.Errorf("bad impact: got %d, want 400 with the error at the web select", p.code)
	}

	// Open.
	p = b.post("/admin/incidents", url.Values{"title": {"Checkout failing"}, "severity": {"major"}, "status": {"investigating"},
		"components.api": {"partial_outage"}, "message": {"We are looking into failed payments."}})
	if p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/admin/incidents/inc-") || !strings.HasSuffix(p.location, "?done=opened") {
		t.Fatalf("open: got %d to %q", p.code, p.location)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(p.location, "/admin/incidents/"), "?done=opened")
	p = b.get("/admin/incidents/" + id + "?done=opened")
	if p.code != http.StatusOK || !strings.Contains(p.body, "The incident is open and published.") || !strings.Contains(p.body, "We are looking into failed payments.") {
		t.Fatalf("incident page after opening: %d %s", p.code, p.body)
	}
	checkWellFormed(t, p.body)
	checkLabels(t, p.body)
	if !strings.Contains(p.body, `<option value="investigating" selected>`) {
		t.Error("the update form does not start from the current status")
	}
	e.tick()
	if _, pub := e.get("/", nil); !strings.Contains(pub, "Checkout failing") || !strings.Contains(pub, "We are looking into failed payments.") {
		t.Errorf("the public page does not show the opened incident:\n%s", pub)
	}

	// Dashboard.
	p = b.get("/admin")
	if !strings.Contains(p.body, "Open incidents (1)") || !strings.Contains(p.body, "Checkout failing") || !strings.Contains(p.body, "Severity: <strong>major</strong>") {
		t.Errorf("dashboard: %s", p.body)
	}
	checkWellFormed(t, p.body)

	// Update: a missing message is shown inline; the impacts as they were
	// are no change.
	e.clock.set(e.clock.now().Add(20 * time.Minute))
	p = b.post("/admin/incidents/"+id+"/updates", url.Values{"status": {"identified"}, "components.api": {"partial_outage"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="update-message-err"`) || !strings.Contains(p.body, `<option value="identified" selected>`) {
		t.Errorf("update without message: got %d, want 400 with the error inline and the status kept", p.code)
	}
	p = b.post("/admin/incidents/"+id+"/updates", url.Values{"status": {"identified"}, "message": {"A payment provider is failing."}, "components.api": {"partial_outage"}})
	if p.code != http.StatusSeeOther || !strings.HasSuffix(p.location, "?done=updated") {
		t.Fatalf("update: got %d to %q", p.code, p.location)
	}
	inc, err := e.incident(id)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Status != "identified" || len(inc.Updates) != 2 || inc.Updates[1].Components != nil {
		t.Errorf("after the update: status %q, updates %+v; want identified and no impact change", inc.Status, inc.Updates)
	}
	// Changing a select changes the impacts.
	p = b.post("/admin/incidents/"+id+"/updates", url.Values{"status": {"update"}, "message": {"Now also the web shop."}, "components.api": {"partial_outage"}, "components.web": {"degraded_performance"}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("impact change: got %d", p.code)
	}
	if inc, _ = e.incident(id); inc.Components["web"] != "degraded_performance" || inc.Components["api"] != "partial_outage" {
		t.Errorf("impacts after the change: %v", inc.Components)
	}
	e.tick()
	if _, pub := e.get("/incidents/"+id, nil); !strings.Contains(pub, "A payment provider is failing.") || !strings.Contains(pub, "Now also the web shop.") {
		t.Errorf("the public incident page does not show the updates:\n%s", pub)
	}

	// Resolve.
	e.clock.set(e.clock.now().Add(40 * time.Minute))
	p = b.post("/admin/incidents/"+id+"/resolve", url.Values{"message": {"Payments work again."}})
	if p.code != http.StatusSeeOther || !strings.HasSuffix(p.location, "?done=resolved") {
		t.Fatalf("resolve: got %d to %q", p.code, p.location)
	}
	p = b.get("/admin/incidents/" + id + "?done=resolved")
	if !strings.Contains(p.body, "The incident is resolved.") || strings.Contains(p.body, `action="/admin/incidents/`+id+`/resolve"`) {
		t.Errorf("after resolving: the flash is missing or the resolve form is still offered")
	}
	e.tick()
	if _, pub := e.get("/incidents/"+id, nil); !strings.Contains(pub, "Payments work again.") || !strings.Contains(pub, "Resolved") {
		t.Errorf("the public incident page does not show the resolution:\n%s", pub)
	}
	if _, pub := e.get("/", nil); strings.Contains(pub, `class="s-partial_outage`) {
		t.Errorf("the public page still shows an outage after the resolution")
	}

	// Attribution: errors inline, then audited with the user's name.
	p = b.post("/admin/incidents/"+id+"/attributions", url.Values{"cause": {"weather"}, "reason": {"Storm"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="attribution-cause-err"`) || !strings.Contains(p.body, ">Storm</textarea>") {
		t.Errorf("bad cause: got %d, want 400 inline with the reason kept", p.code)
	}
	p = b.post("/admin/incidents/"+id+"/attributions", url.Values{"cause": {"third_party"}, "reason": {"The payment provider's outage (their incident 4711)."},
		"components": {"api"}, "start": {"2026-10-14T09:00"}, "end": {"2026-10-14T09:30"}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("attribution: got %d %s", p.code, p.body)
	}
	inc, _ = e.incident(id)
	if len(inc.Attributions) != 1 {
		t.Fatalf("attributions: %+v", inc.Attributions)
	}
	a := inc.Attributions[0]
	if a.By != "alice" || a.Cause != "third_party" || !a.Start.Equal(time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)) ||
		!a.End.Equal(time.Date(2026, 10, 14, 9, 30, 0, 0, time.UTC)) || len(a.Components) != 1 || a.Components[0] != "api" {
		t.Errorf("attribution: got %+v", a)
	}
	if p = b.get("/admin/incidents/" + id); !strings.Contains(p.body, "by alice") {
		t.Error("the incident page does not show who attributed")
	}

	// Unknown incident.
	if p = b.get("/admin/incidents/inc-0000000000000000"); p.code != http.StatusNotFound {
		t.Errorf("unknown incident: got %d, want 404", p.code)
	}
	if p = b.post("/admin/incidents/inc-0000000000000000/updates", url.Values{"status": {"identified"}, "message": {"x"}}); p.code != http.StatusNotFound {
		t.Errorf("update of an unknown incident: got %d, want 404", p.code)
	}
}

func TestUnauthenticatedFormPostIsNotPerformed(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	p := b.post("/admin/incidents", url.Values{"title": {"Forged"}, "severity": {"major"}, "components.api": {"major_outage"}})
	if p.code != http.StatusUnauthorized || !strings.Contains(p.body, "nothing was done") {
		t.Errorf("signed out: got %d, want 401 saying nothing was done", p.code)
	}
	if incs, _ := e.incidents(); len(incs) != 0 {
		t.Errorf("a signed-out form opened %d incidents", len(incs))
	}
}

// incident reads an incident from the store.
func (e *incidentEnv) incident(id string) (*incident.Incident, error) {
	incs, err := e.incidents()
	return incident.Find(incs, id), err
}

func (e *incidentEnv) incidents() ([]*incident.Incident, error) {
	s, err := New(Options{Store: e.st, Config: e.cfg, Now: e.clock.now})
	if err != nil {
		return nil, err
	}
	ev, err := s.incidents.Evidence(context.Background())
	if err != nil {
		return nil, err
	}
	return incident.Fold(ev), nil
}

// obligationPolicy obliges hourly updates and a post-mortem within five
// days for critical incidents.
var obligationPolicy = strings.Replace(incidentTestPolicy, "        maintenance_notice: 48h\n",
	"        maintenance_notice: 48h\n        incidents:\n          update_every: {critical: 1h}\n          postmortem: {within: 5d, severities: [critical]}\n", 1)

func TestOperatorObligationsPostmortemAndMaintenance(t *testing.T) {
	e := newIncidentEnvWith(t, incidentTestConfig, obligationPolicy)
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	opened := e.clock.now()
	p := b.post("/admin/incidents", url.Values{"title": {"Database down"}, "severity": {"critical"}, "components.api": {"major_outage"},
		"message": {"The database does not answer."}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("open: %d %s", p.code, p.body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(p.location, "/admin/incidents/"), "?done=opened")

	// Due in an hour, then overdue: in words and in colour.
	e.clock.set(opened.Add(30 * time.Minute))
	p = b.get("/admin")
	if !strings.Contains(p.body, `<li class="due">`) || !strings.Contains(p.body, "Public update: due") || !strings.Contains(p.body, "(in 30m)") {
		t.Errorf("dashboard 30 min in: want the update due in 30m:\n%s", p.body)
	}
	e.clock.set(opened.Add(75 * time.Minute))
	p = b.get("/admin")
	if !strings.Contains(p.body, `<li class="overdue">`) || !strings.Contains(p.body, `<strong class="flag">Overdue</strong>`) || !strings.Contains(p.body, "(15m late)") {
		t.Errorf("dashboard 75 min in: want the update overdue by 15m:\n%s", p.body)
	}
	checkWellFormed(t, p.body)

	// Resolve; the post-mortem is owed, then published from the form.
	b.post("/admin/incidents/"+id+"/resolve", url.Values{"message": {"Fixed."}})
	p = b.get("/admin/incidents/" + id)
	if !strings.Contains(p.body, "Post-mortem: due") {
		t.Errorf("incident page after resolving: the post-mortem is not shown as due:\n%s", p.body)
	}
	p = b.post("/admin/incidents/"+id+"/postmortems", url.Values{"title": {"Database outage"}, "url": {"ftp://x"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="postmortem-url-err"`) || !strings.Contains(p.body, `value="Database outage"`) {
		t.Errorf("bad post-mortem url: got %d, want 400 inline with the title kept", p.code)
	}
	p = b.post("/admin/incidents/"+id+"/postmortems", url.Values{"title": {"Database outage"}, "summary": {"A disk filled up.\n\nWe added alerts."}})
	if p.code != http.StatusSeeOther || !strings.HasSuffix(p.location, "?done=postmortem") {
		t.Fatalf("post-mortem: got %d to %q", p.code, p.location)
	}
	p = b.get(p.location)
	if !strings.Contains(p.body, "The post-mortem is published.") || !strings.Contains(p.body, "Database outage") || !strings.Contains(p.body, `<span class="flag">Done</span>`) {
		t.Errorf("after the post-mortem:\n%s", p.body)
	}
	e.tick()
	if _, pub := e.get("/incidents/"+id, nil); !strings.Contains(pub, "A disk filled up.") {
		t.Errorf("the public incident page lacks the post-mortem")
	}

	// Maintenance: errors inline; a late window is scheduled with the
	// notice warning shown.
	p = b.get("/admin/maintenance/new")
	if p.code != http.StatusOK {
		t.Fatalf("maintenance page: %d", p.code)
	}
	checkWellFormed(t, p.body)
	checkLabels(t, p.body)
	p = b.post("/admin/maintenance", url.Values{"title": {"Upgrade"}, "start": {"2026-10-15T01:00"}, "end": {"2026-10-15T02:00"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="maintenance-components-err"`) || !strings.Contains(p.body, `value="2026-10-15T01:00"`) {
		t.Errorf("no components: got %d, want 400 inline with the times kept", p.code)
	}
	p = b.post("/admin/maintenance", url.Values{"title": {"Upgrade"}, "components": {"api"}, "start": {"2026-10-15T01:00"}, "end": {"2026-10-15T02:00"}})
	if p.code != http.StatusSeeOther || !strings.Contains(p.location, "done=scheduled") {
		t.Fatalf("schedule: got %d to %q: %s", p.code, p.location, p.body)
	}
	p = b.get(p.location)
	if !strings.Contains(p.body, "The maintenance window is scheduled.") || !strings.Contains(p.body, "48h") {
		t.Errorf("after scheduling a late window: want the flash and the 48h notice warning:\n%s", p.body)
	}
	// Recurring.
	p = b.post("/admin/maintenance", url.Values{"title": {"Weekly patching"}, "components": {"web"}, "start": {"2026-10-25T02:00"},
		"end": {"2026-10-25T03:00"}, "rrule": {"FREQ=WEEKLY;COUNT=3"}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("recurring: got %d %s", p.code, p.body)
	}
	p = b.get("/admin")
	if n := strings.Count(p.body, "Weekly patching"); n != 3 {
		t.Errorf("dashboard: %d occurrences of the weekly window, want 3", n)
	}
	p = b.post("/admin/maintenance", url.Values{"title": {"Bad"}, "components": {"web"}, "start": {"2026-10-25T02:00"}, "end": {"2026-10-25T03:00"}, "rrule": {"FREQ=SOMETIMES"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="maintenance-rrule-err"`) {
		t.Errorf("bad rrule: got %d, want 400 at the rrule field:\n%s", p.code, p.body)
	}

	// Cancel one occurrence, then the rest of the series, from the
	// dashboard.
	p = b.get("/admin")
	checkLabels(t, p.body)
	m := regexp.MustCompile(`action="/admin/maintenance/(ms-[0-9a-f]+)-([0-9TZ]+)/cancel"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no cancel form for an occurrence of the series:\n%s", p.body)
	}
	occ, series := m[1]+"-"+m[2], m[1]
	if !strings.Contains(p.body, `formaction="/admin/maintenance/`+series+`/cancel"`) {
		t.Error("no button to cancel the whole series")
	}
	if p = b.post("/admin/maintenance/"+occ+"/cancel", url.Values{"reason": {"Not needed this week"}}); p.code != http.StatusSeeOther || p.location != "/admin?done=cancelled" {
		t.Fatalf("cancel an occurrence: got %d to %q", p.code, p.location)
	}
	p = b.get("/admin?done=cancelled")
	if n := strings.Count(p.body, "Weekly patching"); n != 2 || !strings.Contains(p.body, "The maintenance is cancelled.") {
		t.Errorf("after cancelling one: %d occurrences listed, want 2", n)
	}
	if p = b.post("/admin/maintenance/"+occ+"/cancel", nil); p.code != http.StatusConflict {
		t.Errorf("cancel twice: got %d, want 409", p.code)
	}
	b.post("/admin/maintenance/"+series+"/cancel", nil)
	if n := strings.Count(b.get("/admin").body, "Weekly patching"); n != 0 {
		t.Errorf("after cancelling the series: %d occurrences listed, want 0", n)
	}
	if p = b.post("/admin/maintenance/mw-nope/cancel", nil); p.code != http.StatusNotFound {
		t.Errorf("cancel an unknown window: got %d, want 404", p.code)
	}
}

// TestIncidentEventsFromAPIAndForms checks that the API and the forms
// publish the same events, with ids derived from the facts: opening,
// each update, the resolution; an attribution tells nobody.
func TestIncidentEventsFromAPIAndForms(t *testing.T) {
	e := newIncidentEnv(t)
	var inc incident.Incident
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"API down","severity":"critical","components":{"api":"major_outage"}}`, http.StatusCreated, &inc)
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken, `{"status":"identified","message":"Found it"}`, http.StatusCreated, &inc)

	b := e.browser()
	b.signIn("alice", testAlicePassword)
	b.post("/admin/incidents/"+inc.ID+"/resolve", url.Values{"message": {"Fixed"}})
	b.post("/admin/incidents/"+inc.ID+"/attributions", url.Values{"cause": {"ddos"}, "reason": {"SYN flood"}})
	p := b.post("/admin/incidents", url.Values{"title": {"Web slow"}, "severity": {"minor"}, "components.web": {"degraded_performance"}})
	second := strings.TrimSuffix(strings.TrimPrefix(p.location, "/admin/incidents/"), "?done=opened")

	got, err := e.incident(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"incident.created incident.created:" + inc.ID,
		"incident.updated incident.updated:" + got.Updates[0].ID,
		"incident.resolved incident.resolved:" + got.Updates[1].ID,
		"incident.created incident.created:" + second,
	}
	if diff := cmp.Diff(want, e.evlog.take()); diff != "" {
		t.Errorf("published events (-want +got):\n%s", diff)
	}
	// A failed action publishes nothing.
	b.post("/admin/incidents", url.Values{"title": {"x"}, "severity": {"P9"}, "components.web": {"degraded_performance"}})
	if got := e.evlog.take(); len(got) != 0 {
		t.Errorf("a refused form published %q", got)
	}
}
