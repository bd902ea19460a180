package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/customers"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Customers and subscriptions created and changed through the API, on
// SQLite and PostgreSQL: a past period's report keeps the plan it had; a
// standing holds from its date; bad input names its field and stores
// nothing; a configured subscription is changed in the file (409).
func TestCustomersAPI(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			e := newFactsEnv(t, st, "../../examples/004-infopromo.yaml")
			call := func(method, path, body string, code int, out any) {
				t.Helper()
				apiCall(t, e.url, method, path, testOpsToken, body, code, out)
			}
			var bad struct{ Field string }
			call("POST", "/api/v1/customers", `{"id":"globex","name":"Globex Inc","contacts":[{"email":"not an address"}]}`, http.StatusBadRequest, &bad)
			if bad.Field != "contacts[0].email" {
				t.Errorf("a bad contact: field %q", bad.Field)
			}
			call("POST", "/api/v1/customers", `{"id":"globex","name":"Globex Inc","contacts":[{"name":"Gus","email":"gus@globex.example","role":"billing"}]}`, http.StatusCreated, nil)
			call("POST", "/api/v1/customers", `{"id":"globex","name":"Again"}`, http.StatusConflict, nil)
			call("POST", "/api/v1/customers/globex/standing", `{"standing":"arrears","from":"2026-11-01T00:00:00Z"}`, http.StatusCreated, nil)
			call("POST", "/api/v1/customers/nobody/standing", `{"standing":"arrears"}`, http.StatusNotFound, nil)
			call("POST", "/api/v1/subscriptions", `{"id":"sub-globex","customer":"globex","policy":"infopromo","plan":"standard","fee":"300.00","currency":"CAD","start":"2026-01-01T00:00:00Z"}`, http.StatusCreated, nil)

			before := countFacts(t, st)
			for _, tt := range []struct{ body, field string }{
				{`{"id":"s2","customer":"globex","plan":"standard","fee":"1.00","currency":"EUX","start":"2027-01-01T00:00:00Z"}`, "currency"},
				{`{"id":"s2","customer":"globex","plan":"gold","fee":"1.00","start":"2027-01-01T00:00:00Z"}`, "plan"},
				{`{"id":"s2","customer":"globex","plan":"standard","fee":"1,00","start":"2027-01-01T00:00:00Z"}`, "fee"},
				{`{"id":"s2","customer":"globex","policy":"infopromo","plan":"premium","fee":"1.00","start":"2026-06-01T00:00:00Z"}`, "start"},
				{`{"id":"s2","customer":"nobody","plan":"standard","fee":"1.00","start":"2027-01-01T00:00:00Z"}`, "customer"},
				{`{"id":"s2","customer":"globex","plan":"standard","fee":"1.00","start":"soon"}`, "start"},
				{`{"id":"s2","customer":"globex","plan":"standard","fee":"1.00","start":"2027-01-01T00:00:00Z","set":{"objective":"101"}}`, "set.objective"},
				{`{"id":"s2","customer":"globex","plan":"standard","fee":"1.00","start":"2027-01-01T00:00:00Z","set":{"bogus":1}}`, "set"},
				{`{"id":"s2","customer":"globex","plan":"standard","fee":"1.00","start":"2027-01-01T00:00:00Z","set":[1]}`, "set"},
				{`{"id":"s2","customer":"globex","plan":"standard","fee":"1.00","start":"2027-01-01T00:00:00Z","set":{"components":["nope"]}}`, "set.components[0]"},
			} {
				var ref struct{ Field string }
				call("POST", "/api/v1/subscriptions", tt.body, http.StatusBadRequest, &ref)
				if ref.Field != tt.field {
					t.Errorf("%s: got field %q, want %q", tt.body, ref.Field, tt.field)
				}
			}
			if n := countFacts(t, st); n != before {
				t.Errorf("refused subscriptions stored %d facts", n-before)
			}

			// Premium from 1 July with custom terms: June is standard,
			// August premium with a 99.99 % objective.
			call("POST", "/api/v1/subscriptions/sub-globex/change", `{"from":"2026-07-01T00:00:00Z","plan":"premium","fee":"900.00","set":{"objective":"101"}}`, http.StatusBadRequest, &bad)
			if bad.Field != "set.objective" {
				t.Errorf("a change with bad terms: field %q", bad.Field)
			}
			call("POST", "/api/v1/subscriptions/sub-globex/change", `{"from":"2026-07-01T00:00:00Z","plan":"premium","fee":"900.00","set":{"objective":"99.99"}}`, http.StatusCreated, nil)
			call("POST", "/api/v1/subscriptions/sub-globex/change", `{"from":"2025-07-01T00:00:00Z","plan":"premium"}`, http.StatusBadRequest, nil)
			var c customers.Customer
			call("GET", "/api/v1/customers/globex", "", http.StatusOK, &c)
			if len(c.Subscriptions) != 2 || c.Subscriptions[0].End == nil || !c.Subscriptions[0].End.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) ||
				c.Subscriptions[1].ID != "sub-globex@20260701" || c.Subscriptions[1].Plan != "premium" || c.Subscriptions[1].Fee != "900.00" ||
				c.Subscriptions[0].Set != nil || compact(c.Subscriptions[1].Set) != `{"objective":"99.99"}` {
				t.Errorf("subscriptions after the change: %+v", c.Subscriptions)
			}
			if c.Standing != "arrears" || len(c.History) != 2 || c.Name != "Globex Inc" || c.Source != customers.SourceServer ||
				len(c.Contacts) != 1 || c.Contacts[0].Role != "billing" {
				t.Errorf("customer: %+v", c)
			}
			// New contacts from now; the standing and its history stay.
			call("POST", "/api/v1/customers/globex/contacts", `{"contacts":[{"name":"Ola","email":"ola@globex.example"},{"email":"ap@globex.example","role":"invoices"}]}`, http.StatusCreated, &c)
			if len(c.Contacts) != 2 || c.Contacts[0].Email != "ola@globex.example" || c.Standing != "arrears" || len(c.History) != 2 {
				t.Errorf("after the contacts change: %+v", c)
			}
			for period, want := range map[string]struct {
				plan      string
				objective float64
				override  bool
			}{"2026-06": {"standard", 99.9, false}, "2026-08": {"premium", 99.99, true}} {
				var reps struct {
					Reports []struct {
						Subscriptions []struct {
							Plan, Subscription string
							Objective          float64 `json:"objective_percent"`
							Override           bool
						} `json:"subscriptions"`
					} `json:"reports"`
				}
				call("GET", "/api/v1/reports?period="+period+"&customer=globex", "", http.StatusOK, &reps)
				if len(reps.Reports) != 1 || len(reps.Reports[0].Subscriptions) != 1 {
					t.Errorf("%s: got %+v, want one subscription", period, reps.Reports)
					continue
				}
				if sr := reps.Reports[0].Subscriptions[0]; sr.Plan != want.plan || sr.Objective != want.objective || sr.Override != want.override {
					t.Errorf("%s: got %+v, want %+v", period, sr, want)
				}
			}
			// A change that says nothing of the terms keeps them; {}
			// removes them.
			call("POST", "/api/v1/subscriptions/sub-globex@20260701/change", `{"from":"2026-09-01T00:00:00Z","fee":"950.00"}`, http.StatusCreated, &c)
			call("POST", "/api/v1/subscriptions/sub-globex@20260701@20260901/change", `{"from":"2026-10-01T00:00:00Z","set":{}}`, http.StatusCreated, &c)
			call("GET", "/api/v1/customers/globex", "", http.StatusOK, &c)
			if len(c.Subscriptions) != 4 || compact(c.Subscriptions[2].Set) != `{"objective":"99.99"}` || c.Subscriptions[3].Set != nil {
				t.Errorf("terms kept, then removed: %+v", c.Subscriptions)
			}
			var list struct{ Customers []customers.Customer }
			call("GET", "/api/v1/customers", "", http.StatusOK, &list)
			if len(list.Customers) != 1 || list.Customers[0].ID != "globex" {
				t.Errorf("customers: %+v", list.Customers)
			}
		})
	}
}

// A configured subscription is the configuration's: changing it through
// the API is refused.
func TestCustomersConfiguredWin(t *testing.T) {
	e := newIncidentEnv(t)
	var c customers.Customer
	e.call("GET", "/api/v1/customers/acme", testViewerToken, "", http.StatusOK, &c)
	if c.Source != customers.SourceConfig || len(c.Subscriptions) != 1 || c.Subscriptions[0].Source != customers.SourceConfig {
		t.Fatalf("configured customer: %+v", c)
	}
	b := e.call("POST", "/api/v1/subscriptions/sub-acme/change", testOpsToken, `{"from":"2026-11-01T00:00:00Z","plan":"standard","fee":"1.00"}`, http.StatusConflict, nil)
	if !strings.Contains(string(b), "configuration") {
		t.Errorf("got %s", b)
	}
	e.call("POST", "/api/v1/customers", testViewerToken, `{"id":"x"}`, http.StatusForbidden, nil)
}

// countFacts counts the stored customer and subscription facts.
func countFacts(t *testing.T, st store.Store) int {
	t.Helper()
	fs, err := st.FactsOfType(context.Background(), []string{"customer", "subscription", "subscription_end"}, time.Unix(0, 0), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return len(fs)
}

// The customers page: an operator adds a customer and a subscription,
// sees a bad currency refused at its field with nothing stored, changes
// the plan from a date and records a standing; a viewer sees no forms.
func TestCustomersPage(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	p := b.post("/admin/customers", url.Values{"id": {"globex"}, "name": {"Globex Inc"}})
	if p.code != http.StatusSeeOther || !strings.Contains(p.location, "#customer-globex") {
		t.Fatalf("add a customer: %d %q %s", p.code, p.location, p.body)
	}
	p = b.post("/admin/subscriptions", url.Values{"id": {"sub-globex"}, "customer": {"globex"}, "plan": {"acme/standard"}, "fee": {"500.00"},
		"currency": {"EUX"}, "start": {"2026-01-01T00:00"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="subscription-currency-err"`) || !strings.Contains(p.body, "ISO 4217") {
		t.Errorf("a bad currency: %d\n%s", p.code, p.body)
	}
	p = b.post("/admin/subscriptions", url.Values{"id": {"sub-globex"}, "customer": {"globex"}, "plan": {"acme/standard"}, "fee": {"500.00"},
		"currency": {"USD"}, "start": {"2026-01-01T00:00"}, "set": {"objective: 120"}})
	if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="subscription-set-err"`) || !strings.Contains(p.body, "set.objective") {
		t.Errorf("bad custom terms: %d\n%s", p.code, p.body)
	}
	p = b.post("/admin/subscriptions", url.Values{"id": {"sub-globex"}, "customer": {"globex"}, "plan": {"acme/standard"}, "fee": {"500.00"},
		"currency": {"USD"}, "start": {"2026-01-01T00:00"}, "set": {"objective: 99.95\nname: Globex custom"}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("add a subscription: %d %s", p.code, p.body)
	}
	// The change form shows the terms in force; sent as they are, they
	// carry on.
	if p = b.get("/admin/customers"); !strings.Contains(p.body, "name: Globex custom\nobjective: 99.95\n</textarea>") {
		t.Errorf("the change form lacks the terms in force:\n%s", p.body)
	}
	p = b.post("/admin/subscriptions/sub-globex/change", url.Values{"from": {"2026-10-01T00:00"}, "fee": {"600.00"}, "set": {"name: Globex custom\nobjective: 99.95\n"}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("change: %d %s", p.code, p.body)
	}
	p = b.post("/admin/customers/globex/standing", url.Values{"standing": {"arrears"}, "from": {"2026-10-01T00:00"}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("standing: %d %s", p.code, p.body)
	}
	if p = b.post("/admin/customers/globex/contacts", url.Values{"contacts": {"Gus Ops <gus@globex.example>, billing\nnonsense"}}); p.code != http.StatusBadRequest ||
		!strings.Contains(p.body, "line 2") {
		t.Errorf("bad contacts: %d", p.code)
	}
	if p = b.post("/admin/customers/globex/contacts", url.Values{"contacts": {"Gus Ops <gus@globex.example>, billing\nap@globex.example"}}); p.code != http.StatusSeeOther {
		t.Fatalf("contacts: %d %s", p.code, p.body)
	}
	p = b.get("/admin/customers")
	checkLabels(t, p.body)
	for _, want := range []string{"Globex Inc", "sub-globex@20261001", "600.00 USD", "Standing now: <strong>Arrears</strong>", "Add a subscription",
		`<code class="terms">{&#34;name&#34;:&#34;Globex custom&#34;,&#34;objective&#34;:99.95}</code>`,
		"Contacts: &#34;Gus Ops&#34; &lt;gus@globex.example&gt;, billing; &lt;ap@globex.example&gt;"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("customers page lacks %q:\n%s", want, p.body)
		}
	}
	var c customers.Customer
	e.call("GET", "/api/v1/customers/globex", testViewerToken, "", http.StatusOK, &c)
	if len(c.Subscriptions) != 2 || compact(c.Subscriptions[1].Set) != `{"name":"Globex custom","objective":99.95}` {
		t.Errorf("subscriptions: %+v (the refused one must not be stored; the terms carry on)", c.Subscriptions)
	}
}

// A provider's customer list in CSV: all rows or none; a refusal names
// the row and the column.
func TestCustomersImport(t *testing.T) {
	e := newIncidentEnv(t)
	csvCall := func(body string, code int, out any) []byte {
		t.Helper()
		req, _ := http.NewRequest("POST", e.url+"/api/v1/customers/import", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testOpsToken)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != code {
			t.Fatalf("got %d %s, want %d", resp.StatusCode, b, code)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	var ref struct {
		Error, Field string
		Line         int
	}
	csvCall("customer,name,subscription,policy,plan,fee,currency,start\n"+
		"globex,Globex Inc,sub-globex,acme,standard,500.00,USD,2026-01-01\n"+
		"initech,Initech,sub-initech,acme,standard,250.00,EUX,2026-02-01\n", http.StatusBadRequest, &ref)
	if ref.Line != 3 || ref.Field != "currency" || !strings.HasPrefix(ref.Error, "row 3: currency") {
		t.Errorf("bad currency on row 3: got %+v", ref)
	}
	csvCall("customer,subscription,policy,plan,fee,start,set\n"+
		"globex,sub-globex,acme,standard,500.00,2026-01-01,{objective: 101}\n", http.StatusBadRequest, &ref)
	if ref.Line != 2 || ref.Field != "set.objective" || !strings.HasPrefix(ref.Error, "row 2: set.objective") {
		t.Errorf("bad custom terms on row 2: got %+v", ref)
	}
	csvCall("customer,colour\nglobex,red\n", http.StatusBadRequest, &ref)
	if ref.Field != "colour" {
		t.Errorf("unknown column: got %+v", ref)
	}
	var list struct{ Customers []customers.Customer }
	e.call("GET", "/api/v1/customers", testViewerToken, "", http.StatusOK, &list)
	if len(list.Customers) != 1 {
		t.Fatalf("refused imports stored customers: %+v", list.Customers)
	}
	var res customers.ImportResult
	csvCall("customer,name,subscription,policy,plan,fee,currency,start,end,set\n"+
		"globex,Globex Inc,sub-globex,acme,standard,500.00,USD,2026-01-01,,\"{objective: 99.95, name: Globex}\"\n"+
		"initech,Initech,sub-initech,acme,standard,250.00,EUR,2026-02-01T00:00:00Z,2027-01-01\n"+
		"acme,,,,,,,,\n", http.StatusCreated, &res)
	if res.Customers != 2 || res.Subscriptions != 2 {
		t.Errorf("import: got %+v, want 2 customers (acme exists) and 2 subscriptions", res)
	}
	e.call("GET", "/api/v1/customers", testViewerToken, "", http.StatusOK, &list)
	if len(list.Customers) != 3 || compact(list.Customers[1].Subscriptions[0].Set) != `{"name":"Globex","objective":99.95}` {
		t.Errorf("customers after the import: %+v", list.Customers)
	}
}

// compact is JSON without white space.
func compact(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}

// Custom terms and a fee with more than two decimals written in the
// configuration reach the reports as written.
func TestConfiguredCustomTerms(t *testing.T) {
	cfg := strings.Replace(incidentTestConfig, `fee: "1000.00", start: "2026-01-01T00:00:00Z"}`,
		`fee: "1000.145", start: "2026-01-01T00:00:00Z", set: {objective: 99.99, credits: {tiers: [{below: 99.99, credit: 10}]}}}`, 1)
	e := newIncidentEnvWith(t, cfg, incidentTestPolicy)
	// One liable hour in November: 43,140 / 43,200 = 99.861 %, under the
	// custom 99.99 %: 10 % of 1,000.145 = 100.0145, 100.01 in cents
	// (a fee rounded to 1,000.15 first would give 100.02).
	e.call("POST", "/api/v1/facts", testOpsToken, `{"type":"status","id":"d1","at":"2026-11-03T10:00:00Z","component":"api","status":"major_outage"}
{"type":"status","id":"d2","at":"2026-11-03T11:00:00Z","component":"api","status":"operational"}`, http.StatusOK, nil)
	var reps struct {
		Reports []struct {
			Subscriptions []struct {
				Objective float64 `json:"objective_percent"`
				Override  bool
				Credit    struct{ Amount string }
			} `json:"subscriptions"`
		} `json:"reports"`
	}
	e.call("GET", "/api/v1/reports?period=2026-11&as_of=2026-12-01T00:00:00Z", testViewerToken, "", http.StatusOK, &reps)
	if len(reps.Reports) != 1 || len(reps.Reports[0].Subscriptions) != 1 {
		t.Fatalf("reports: %+v", reps)
	}
	if sr := reps.Reports[0].Subscriptions[0]; sr.Objective != 99.99 || !sr.Override || sr.Credit.Amount != "100.01" {
		t.Errorf("got %+v, want the custom objective and 100.01", sr)
	}
}
