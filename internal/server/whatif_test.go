package server

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/whatif"
)

// whatifTestConfig has a token of every role the what-if is tried with.
const whatifTestConfig = `components:
  - {id: api}
  - {id: web}
policies: [acme.yaml]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-acme, customer: acme, policy: acme, plan: standard, fee: "1000.00", currency: USD, start: "2026-01-01T00:00:00Z"}
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: dashboard, role: viewer, token_env: VIEW_TOKEN}
  - {name: books, role: finance, token_env: T_FINANCE}
  - {name: root, role: admin, token_env: T_ADMIN}
  - {name: bot, role: ingest, token_env: T_INGEST}
  - {name: acme-portal, role: customer, customer: acme, token_env: T_CUSTOMER}
users:
  - {name: alice, password_hash_env: ALICE_HASH}
  - {name: fiona, role: finance, password_hash_env: ALICE_HASH}
`

// whatifProposal promises 99.95 on the acme policy's plan: 10 % below
// 99.95, 15 % below 99.9.
const whatifProposal = `policy: acme
components: [{id: api}, {id: web}]
versions:
  - version: "2"
    effective: 2027-01-01
    plans:
      - id: standard
        objective: 99.95
        timezone: UTC
        components: [api, web]
        credits:
          tiers:
            - {below: "99.95", credit: 10}
            - {below: "99.9", credit: 15}
`

func newWhatifEnv(t *testing.T) *incidentEnv {
	t.Helper()
	env := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken, "ALICE_HASH": testAliceHash(t),
		"T_FINANCE": "finance-token-of-enough-length", "T_ADMIN": "admin-token-of-enough-length", "T_INGEST": "ingest-token-of-enough-length",
		"T_CUSTOMER": "customer-token-of-enough-length"}
	policy := strings.Replace(incidentTestPolicy, "objective: 99.9\n", "objective: 99.9\n        credits:\n          tiers:\n            - {below: \"99.9\", credit: 10}\n", 1)
	e := newIncidentEnvWithEnv(t, whatifTestConfig, policy, env)
	// The API down 30 minutes in March 2026.
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	e.statusFact("api", "monitor:api", "major_outage", at)
	e.statusFact("api", "monitor:api", "operational", at.Add(30*time.Minute))
	return e
}

// TestWhatifAPI: March 2026 has 44,640 minutes; 30 down: 99.93280… %.
// Under the acme policy's 99.9 it is met (0.00 USD); under the proposed
// 99.95 it is missed, 10 % of 1,000.00 = 100.00 USD. Finance and admin
// may ask; operator, viewer, ingest and customer may not.
func TestWhatifAPI(t *testing.T) {
	e := newWhatifEnv(t)
	for _, tok := range []string{"finance-token-of-enough-length", "admin-token-of-enough-length"} {
		var res whatif.Result
		e.call("POST", "/api/v1/whatif?from=2026-03", tok, whatifProposal, http.StatusOK, &res)
		if len(res.Rows) != 1 {
			t.Fatalf("rows: %+v", res.Rows)
		}
		r := res.Rows[0]
		if r.Period != "2026-03" || r.Subscription != "sub-acme" || !r.InForce.Met || r.InForce.Credit != "0.00" || r.Proposed.Met ||
			r.Proposed.Credit != "100.00" || r.Difference != "100.00" || r.InForce.Uptime < 99.9327 || r.InForce.Uptime > 99.9329 {
			t.Errorf("row: %+v in force %+v proposed %+v", r, r.InForce, r.Proposed)
		}
		if len(res.Totals) != 1 || res.Totals[0].Currency != "USD" || res.Totals[0].Proposed != "100.00" || res.Totals[0].Difference != "100.00" {
			t.Errorf("totals: %+v", res.Totals)
		}
	}
	for _, tok := range []string{testOpsToken, testViewerToken, "ingest-token-of-enough-length", "customer-token-of-enough-length"} {
		e.call("POST", "/api/v1/whatif?from=2026-03", tok, whatifProposal, http.StatusForbidden, nil)
	}
	e.call("POST", "/api/v1/whatif?from=2026-03", "", whatifProposal, http.StatusUnauthorized, nil)

	fin := "finance-token-of-enough-length"
	for _, tc := range []struct{ name, query, body, want string }{
		{"missing plan", "from=2026-03", strings.Replace(whatifProposal, "id: standard", "id: gold", 1), `no plan \"standard\"`},
		{"bad period", "from=2026-13", whatifProposal, `"field": "from"`},
		{"unknown policy", "from=2026-03&replaces=nope", whatifProposal, `"field": "replaces"`},
		{"bad yaml", "from=2026-03", "policy: [", "body"},
		{"empty", "from=2026-03", " ", "empty"},
	} {
		b := e.call("POST", "/api/v1/whatif?"+tc.query, fin, tc.body, http.StatusBadRequest, nil)
		if !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %s, want %s", tc.name, b, tc.want)
		}
	}
	big := strings.Repeat("#", 1<<20+1)
	e.call("POST", "/api/v1/whatif?from=2026-03", fin, big, http.StatusRequestEntityTooLarge, nil)
}

// TestWhatifPage: a finance user pastes or uploads the proposal at
// /admin/whatif and reads the March 2026 comparison (0.00 against
// 100.00 USD); a cross-origin post is refused; an operator may not open
// the page.
func TestWhatifPage(t *testing.T) {
	e := newWhatifEnv(t)
	b := e.browser()
	if p := b.signIn("fiona", testAlicePassword); p.code != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", p.code, p.body)
	}
	p := b.get("/admin/whatif")
	// The clock is at 14 October 2026: the last twelve whole months.
	if p.code != http.StatusOK || !strings.Contains(p.body, `enctype="multipart/form-data"`) || !strings.Contains(p.body, `value="2025-10"`) ||
		!strings.Contains(p.body, `value="2026-09"`) || !strings.Contains(p.body, `<a href="/admin/whatif">What-if</a>`) {
		t.Fatalf("page: %d %s", p.code, p.body)
	}
	wantResult := func(name string, p page) {
		t.Helper()
		if p.code != http.StatusOK {
			t.Fatalf("%s: %d %s", name, p.code, p.body)
		}
		for _, s := range []string{"acme in force against acme (version 2), 2026-03", "<strong>100.00 USD</strong>", "99.933 %", "objective 99.950 %", "credit 10 % = 100.00"} {
			if !strings.Contains(p.body, s) {
				t.Errorf("%s: the page lacks %q", name, s)
			}
		}
	}
	wantResult("pasted", b.post("/admin/whatif", url.Values{"policy": {whatifProposal}, "from": {"2026-03"}, "replaces": {"acme"}}))
	// A rolling window instead of the month: said on its side, no credit.
	rolling := strings.Replace(whatifProposal, "        credits:\n          tiers:\n            - {below: \"99.95\", credit: 10}\n            - {below: \"99.9\", credit: 15}\n", "        window: rolling 28d\n", 1)
	if p := b.post("/admin/whatif", url.Values{"policy": {rolling}, "from": {"2026-03"}}); p.code != http.StatusOK ||
		!strings.Contains(p.body, "objective 99.950 % over a rolling 28d window") || !strings.Contains(p.body, "credit 0 % = 0.00") {
		t.Errorf("a rolling proposal: %d %s", p.code, p.body)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("from", "2026-03")
	mw.WriteField("policy", "")
	fw, _ := mw.CreateFormFile("file", "proposed.yaml")
	fw.Write([]byte(whatifProposal))
	mw.Close()
	req, _ := http.NewRequest("POST", e.url+"/admin/whatif", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	wantResult("uploaded", b.do(req))

	p = b.post("/admin/whatif", url.Values{"policy": {strings.Replace(whatifProposal, "id: standard", "id: gold", 1)}, "from": {"2026-03"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="whatif-policy-err"`) || !strings.Contains(p.body, "no plan &#34;standard&#34;") {
		t.Errorf("missing plan: %d %s", p.code, p.body)
	}
	p = b.post("/admin/whatif", url.Values{"policy": {whatifProposal}, "from": {"2026-3"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="whatif-from-err"`) {
		t.Errorf("bad from: %d %s", p.code, p.body)
	}
	req, _ = http.NewRequest("POST", e.url+"/admin/whatif", strings.NewReader(url.Values{"policy": {whatifProposal}, "from": {"2026-03"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.code != http.StatusForbidden {
		t.Errorf("cross-site post: %d", p.code)
	}

	op := e.browser()
	if p := op.signIn("alice", testAlicePassword); p.code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.code)
	}
	if p := op.get("/admin/whatif"); p.code != http.StatusForbidden {
		t.Errorf("operator: %d", p.code)
	}
	if p := op.get("/admin"); strings.Contains(p.body, "/admin/whatif") {
		t.Errorf("an operator's navigation links the what-if")
	}
}
