package server

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
)

// routePermissions maps each route of the API and the operator pages to
// the permission its route table names (`may(auth.PermX)(…)`), read from
// the source; routes without one are absent.
func routePermissions(t *testing.T) map[string]auth.Permission {
	t.Helper()
	values := permissionConstants(t)
	out := map[string]auth.Permission{}
	for _, dir := range []string{"../api", "../admin", "../portal"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 2 {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Handle" {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok {
					return true
				}
				route, _ := strconv.Unquote(lit.Value)
				// may(auth.PermX)(handler)
				outer, ok := call.Args[1].(*ast.CallExpr)
				if !ok {
					return true
				}
				inner, ok := outer.Fun.(*ast.CallExpr)
				if !ok || len(inner.Args) != 1 {
					return true
				}
				if sel, ok := inner.Args[0].(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "Perm") {
					v, ok := values[sel.Sel.Name]
					if !ok {
						t.Fatalf("%s: unknown permission %s", route, sel.Sel.Name)
					}
					out[route] = v
				}
				return true
			})
		}
	}
	if len(out) < 40 {
		t.Fatalf("found the permissions of only %d routes", len(out))
	}
	return out
}

// permissionConstants reads the Perm* constants of internal/auth.
func permissionConstants(t *testing.T) map[string]auth.Permission {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "../auth/permissions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]auth.Permission{}
	ast.Inspect(file, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && len(vs.Values) == 1 && strings.HasPrefix(vs.Names[0].Name, "Perm") {
			if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
				v, _ := strconv.Unquote(lit.Value)
				out[vs.Names[0].Name] = auth.Permission(v)
			}
		}
		return true
	})
	return out
}

// The configuration's role lists are the matrix's roles.
func TestRolesMatchTheMatrix(t *testing.T) {
	if !slices.Equal(config.TokenRoles, auth.Roles) || !slices.Equal(config.UserRoles, auth.UserRoles) {
		t.Errorf("config roles %v / %v, auth roles %v / %v", config.TokenRoles, config.UserRoles, auth.Roles, auth.UserRoles)
	}
}

// docs/api.md's permission matrix and its routes' permission column are
// the code's.
func TestPermissionMatrixDocumented(t *testing.T) {
	f, err := os.Open("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	perms := map[string]auth.Permission{}
	for r, p := range routePermissions(t) {
		perms[strings.TrimSuffix(r, "{$}")] = p // the docs write /admin/{$} as /admin/
	}
	rowRE := regexp.MustCompile("^\\| ([A-Z, ]+) \\| `([^`]+)` \\| ([^|]+) \\|")
	matrixRE := regexp.MustCompile("^\\| `([a-z]+:[a-z]+)` \\|(.*)\\|$")
	documented := map[auth.Permission]bool{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := matrixRE.FindStringSubmatch(line); m != nil {
			p := auth.Permission(m[1])
			cells := strings.Split(m[2], "|")
			if len(cells) != len(auth.Roles) {
				t.Errorf("matrix row %s: %d cells, want one per role (%v)", p, len(cells), auth.Roles)
				continue
			}
			documented[p] = true
			for i, role := range auth.Roles {
				if got := strings.TrimSpace(cells[i]) == "✓"; got != auth.Allowed(role, p) {
					t.Errorf("docs/api.md says %s may %s: %v; the code: %v", role, p, got, auth.Allowed(role, p))
				}
			}
			continue
		}
		m := rowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, method := range strings.Split(m[1], ", ") {
			route := method + " " + m[2]
			want, ok := perms[route]
			if !ok {
				continue
			}
			seen[route] = true
			if got := strings.TrimSpace(m[3]); got != "`"+string(want)+"`" {
				t.Errorf("docs/api.md: %s needs %q, the code says `%s`", route, got, want)
			}
		}
	}
	for _, p := range auth.Permissions {
		if !documented[p] {
			t.Errorf("docs/api.md's permission matrix lacks %s", p)
		}
	}
	for r := range perms {
		if !seen[r] {
			t.Errorf("docs/api.md gives no permission for %s", r)
		}
	}
}

// Every route with a permission, called by every role (an API token of
// each role; for the operator pages, a signed-in user of each user role):
// refused with 403 when the matrix says no, never refused when it says
// yes. Tokens never open an operator page.
func TestPermissionMatrix(t *testing.T) {
	var cfg strings.Builder
	cfg.WriteString(`components:
  - {id: api}
  - {id: web}
policies: [acme.yaml]
customers:
  - {id: acme, name: Acme}
subscriptions:
  - {id: sub-acme, customer: acme, policy: acme, plan: standard, fee: "1000.00", start: "2026-01-01T00:00:00Z"}
incidents: {severities: [critical, major, minor]}
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: dashboard, role: viewer, token_env: VIEW_TOKEN}
  - {name: ingest-bot, role: ingest, token_env: T_INGEST}
  - {name: acme-portal, role: customer, customer: acme, token_env: T_CUSTOMER}
`)
	for _, role := range []string{auth.RoleAdmin, auth.RoleSupport, auth.RoleFinance} {
		cfg.WriteString("  - {name: " + role + "-token, role: " + role + ", token_env: T_" + strings.ToUpper(role) + "}\n")
	}
	cfg.WriteString("users:\n")
	for _, role := range auth.UserRoles {
		customer := ""
		if role == auth.RoleCustomer {
			customer = ", customer: acme"
		}
		cfg.WriteString("  - {name: user-" + role + ", role: " + role + customer + ", password_hash_env: ALICE_HASH}\n")
	}
	tokens := map[string]string{auth.RoleOperator: testOpsToken, auth.RoleViewer: testViewerToken}
	env := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken, "ALICE_HASH": testAliceHash(t)}
	for _, role := range []string{auth.RoleAdmin, auth.RoleSupport, auth.RoleFinance, auth.RoleIngest, auth.RoleCustomer} {
		tok := role + "-token-of-enough-length"
		tokens[role] = tok
		env["T_"+strings.ToUpper(role)] = tok
	}
	e := newIncidentEnvWithEnv(t, cfg.String(), incidentTestPolicy, env)
	browsers := map[string]*browser{}
	for _, role := range auth.UserRoles {
		b := e.browser()
		signin := "/admin/signin"
		if role == auth.RoleCustomer {
			signin = "/portal/signin"
		}
		if p := b.post(signin, url.Values{"name": {"user-" + role}, "password": {testAlicePassword}}); p.code != http.StatusSeeOther {
			t.Fatalf("sign in as %s: %d %s", role, p.code, p.body)
		}
		browsers[role] = b
	}
	perms := routePermissions(t)
	checked := 0
	for route, p := range perms {
		method, pattern, _ := strings.Cut(route, " ")
		path := strings.TrimSuffix(wildcardRE.ReplaceAllString(pattern, "x1"), "{$}")
		body := `{"title":"x","severity":"critical","components":{"api":"major_outage"},"status":"resolved","message":"x"}`
		if strings.HasPrefix(pattern, "/admin") || strings.HasPrefix(pattern, "/portal") {
			for _, role := range auth.UserRoles {
				b := browsers[role]
				var pg page
				if method == "GET" {
					pg = b.get(path)
				} else {
					pg = b.post(path, nil)
				}
				// The operator pages are for staff, the portal for
				// customer users, whatever else their role may.
				want := auth.Allowed(role, p) && auth.Staff(role) == strings.HasPrefix(pattern, "/admin")
				denied := pg.code == http.StatusForbidden
				if denied == want || pg.code == http.StatusUnauthorized || (pg.code == http.StatusSeeOther && strings.Contains(pg.location, "/signin")) {
					t.Errorf("%s as a %s user: got %d, want allowed %v", route, role, pg.code, want)
				}
				checked++
			}
			for role, tok := range tokens {
				req, _ := http.NewRequest(method, e.url+path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				resp, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode < 300 {
					t.Errorf("%s with a %s token: got %d, want no operator page for a token", route, role, resp.StatusCode)
				}
			}
			continue
		}
		for _, role := range auth.Roles {
			req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tokens[role])
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if denied := resp.StatusCode == http.StatusForbidden; denied == auth.Allowed(role, p) || resp.StatusCode == http.StatusUnauthorized {
				t.Errorf("%s with a %s token: got %d, the matrix says %v", route, role, resp.StatusCode, auth.Allowed(role, p))
			}
			checked++
		}
	}
	t.Logf("checked %d route × role pairs", checked)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// A customer's token reads its own customer's reports and tickets only:
// another customer's ticket or reports answer 404, and lists leave them
// out.
func TestCustomerTokenSeesOnlyItsOwn(t *testing.T) {
	cfg := `components:
  - {id: api}
  - {id: web}
policies: [acme.yaml]
customers:
  - {id: acme, name: Acme}
  - {id: globex, name: Globex}
subscriptions:
  - {id: sub-acme, customer: acme, policy: acme, plan: standard, fee: "1000.00", start: "2026-01-01T00:00:00Z"}
  - {id: sub-globex, customer: globex, policy: acme, plan: standard, fee: "500.00", start: "2026-01-01T00:00:00Z"}
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: acme-portal, role: customer, customer: acme, token_env: T_ACME}
`
	const acmeToken = "acme-customer-token-of-enough-length"
	policy := strings.Replace(incidentTestPolicy, "        maintenance_notice: 48h\n", `        maintenance_notice: 48h
        support:
          priorities:
            - {id: high, first_response: 1h}
`, 1)
	e := newIncidentEnvWithEnv(t, cfg, policy, map[string]string{"OPS_TOKEN": testOpsToken, "T_ACME": acmeToken})
	e.call("POST", "/api/v1/facts", testOpsToken, `{"type":"ticket","id":"t-acme","at":"2026-10-14T08:00:00Z","customer":"acme","priority":"high"}
{"type":"ticket","id":"t-globex","at":"2026-10-14T08:30:00Z","customer":"globex","priority":"high"}
`, http.StatusOK, nil)

	var list struct {
		Tickets []struct{ Ticket, Customer string } `json:"tickets"`
	}
	e.call("GET", "/api/v1/tickets?state=all", acmeToken, "", http.StatusOK, &list)
	if len(list.Tickets) != 1 || list.Tickets[0].Ticket != "t-acme" {
		t.Errorf("acme's ticket list: got %+v, want t-acme only", list.Tickets)
	}
	e.call("GET", "/api/v1/tickets/t-acme", acmeToken, "", http.StatusOK, nil)
	// The same answer as for a ticket that does not exist.
	other := e.call("GET", "/api/v1/tickets/t-globex", acmeToken, "", http.StatusNotFound, nil)
	none := e.call("GET", "/api/v1/tickets/t-nothere", acmeToken, "", http.StatusNotFound, nil)
	if strings.Replace(string(other), "t-globex", "t-nothere", 1) != string(none) {
		t.Errorf("another customer's ticket: %s; a missing one: %s", other, none)
	}
	e.call("GET", "/api/v1/tickets?customer=globex", acmeToken, "", http.StatusNotFound, nil)

	var reps struct {
		Reports []struct {
			Subscriptions []struct {
				Customer string `json:"customer"`
			} `json:"subscriptions"`
		} `json:"reports"`
	}
	e.call("GET", "/api/v1/reports?period=2026-10", acmeToken, "", http.StatusOK, &reps)
	n := 0
	for _, r := range reps.Reports {
		for _, s := range r.Subscriptions {
			n++
			if s.Customer != "acme" {
				t.Errorf("acme's reports hold %s's subscription", s.Customer)
			}
		}
	}
	if n != 1 {
		t.Errorf("acme's reports: %d subscriptions, want 1", n)
	}
	e.call("GET", "/api/v1/reports?period=2026-10&customer=globex", acmeToken, "", http.StatusNotFound, nil)
	// Nothing else: not the evidence of every customer, not the targets.
	e.call("GET", "/api/v1/export?period=2026-10", acmeToken, "", http.StatusForbidden, nil)
	e.call("GET", "/api/v1/targets?period=2026-10", acmeToken, "", http.StatusForbidden, nil)
	e.call("GET", "/api/v1/incidents", acmeToken, "", http.StatusForbidden, nil)
}
