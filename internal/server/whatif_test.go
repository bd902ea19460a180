package server

import (
	"net/http"
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
