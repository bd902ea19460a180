package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

func noPolicy(name string) (*sla.Policy, error) { return nil, errors.New("no policies in this test") }

func env(k string) string {
	return map[string]string{"TOK": "a-token-of-enough-length", "SHORT": "short"}[k]
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	base := "components:\n  - {id: web}\nmonitors:\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "server:\n  locaton: x\n", "test.yaml:2"},
		{"unknown type", base + "  - {id: m, component: web, type: smtp, target: x}\n", "test.yaml:4: monitors[0].type: want http, tcp"},
		{"bad url", base + "  - {id: m, component: web, type: http, target: ftp://x}\n", "monitors[0].target: want an http:// or https:// URL"},
		{"unknown component", base + "  - {id: m, component: db, type: tcp, target: \"db:5432\"}\n", `monitors[0].component: unknown component "db"`},
		{"bad interval", base + "  - {id: m, component: web, type: tcp, target: \"h:1\", interval: soon}\n", "monitors[0].interval: want a duration"},
		{"timeout longer than interval", base + "  - {id: m, component: web, type: tcp, target: \"h:1\", interval: 10s, timeout: 20s}\n", "monitors[0].timeout: must not be longer"},
		{"quorum above locations", base + "  - {id: m, component: web, type: tcp, target: \"h:1\", locations: [eu, us], quorum: 3}\n", "monitors[0].quorum"},
		{"duplicate monitor", base + "  - {id: m, component: web, type: tcp, target: \"h:1\"}\n  - {id: m, component: web, type: tcp, target: \"h:1\"}\n", `monitor "m" is defined twice`},
		{"bad status range", base + "  - {id: m, component: web, type: http, target: \"http://h/\", http: {expect_status: [\"299-200\"]}}\n", "expect_status[0]"},
		{"bad regex", base + "  - {id: m, component: web, type: http, target: \"http://h/\", http: {body_regex: \"(\"}}\n", "http.body_regex"},
		{"heartbeat without token", base + "  - {id: m, component: web, type: heartbeat, heartbeat: {grace: 1m}}\n", "give token_sha256"},
		{"heartbeat records what", base + "  - {id: m, component: web, type: heartbeat, heartbeat: {grace: 1m, token_env: TOK, records: backups}}\n", "monitors[0].heartbeat.records: want backup or restore_test"},
		{"short token in env is not printed", "tokens:\n  - {name: x, role: viewer, token_env: SHORT}\n", "environment variable SHORT must hold a token of at least 16"},
		{"bad role", "tokens:\n  - {name: x, role: root, token_env: TOK}\n", "tokens[0].role: want one of admin, operator, support, finance, viewer, ingest, customer"},
		{"bad hash", "agents:\n  - {location: eu, token_sha256: abc}\n", "agents[0].token_sha256: want 64 hex digits"},
		{"policy load error", "policies: [missing.yaml]\n", "policies[0]: no policies in this test"},
		{"subscription to unknown policy", "customers: [{id: acme}]\nsubscriptions:\n  - {id: s, customer: acme, policy: p, plan: x, fee: \"1\", start: \"2026-01-01T00:00:00Z\"}\n", `subscriptions[0].policy: unknown policy "p"`},
		{"retention shorter for evidence", "server:\n  retention: {results: 90d, evidence: 30d}\n", "server.retention.evidence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.yaml), env, noPolicy)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			if !sla.IsInput(err) {
				t.Errorf("got a %T, want an input error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "short") && strings.Contains(tt.name, "not printed") {
				t.Errorf("the secret's value leaked into the error: %q", err)
			}
		})
	}
}

func TestParseDefaultsAndSecrets(t *testing.T) {
	c, err := Parse("test.yaml", []byte(`components: [{id: web}]
monitors:
  - {id: m, component: web, type: http, target: "https://example.test/", http: {expect_status: ["200-204", "301"]}}
tokens:
  - {name: ops, role: operator, token_env: TOK}
`), env, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Monitors[0]
	// Defaults: every 60 s, timeout 10 s, 2 failures to go down, 2
	// successes to come back; redirects followed.
	if m.Interval.Seconds() != 60 || m.Timeout.Seconds() != 10 || m.FailAfter != 2 || m.RecoverAfter != 2 || !m.HTTP.FollowRedirects {
		t.Errorf("defaults: got %+v", m)
	}
	if got := m.HTTP.ExpectStatus; len(got) != 6 || got[0] != 200 || got[5] != 301 {
		t.Errorf("expect_status: got %v, want 200..204 and 301", got)
	}
	if c.Server.Location != "local" || c.Server.ResultsRetention.Hours() != 90*24 || c.Server.EvidenceRetention.Hours() != 400*24 {
		t.Errorf("server defaults: got %+v", c.Server)
	}
	if !c.Tokens[0].Hash.Matches("a-token-of-enough-length") || c.Tokens[0].Hash.Matches("another-token-entirely") {
		t.Error("token hash does not match its token only")
	}
}

func TestDemoConfigLoads(t *testing.T) {
	c, err := Demo("127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo || len(c.Monitors) != 5 || len(c.Policies) != 1 || len(c.Subscriptions) != 2 {
		t.Errorf("got demo=%v monitors=%d policies=%d subscriptions=%d", c.Demo, len(c.Monitors), len(c.Policies), len(c.Subscriptions))
	}
	if got := c.Monitor("web-home").Target; got != "http://127.0.0.1:8080/demo/ok" {
		t.Errorf("demo target: got %s", got)
	}
}

func TestParseStatusPage(t *testing.T) {
	c, err := Parse("test.yaml", []byte(`status_page:
  title: Acme status
  public_url: https://status.acme.test/
  logo_url: /logo.svg
  colors: {brand: "#0B57B0", brand_dark: "#8cb8ff"}
  links:
    - {label: Acme, url: "https://acme.test/"}
  time_zone: Europe/Paris
  uptime_weights: {partial_outage: 0.25, degraded_performance: "0.1", under_maintenance: 1}
`), env, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	sp := c.StatusPage
	if sp.Title != "Acme status" || sp.PublicURL != "https://status.acme.test" || sp.LogoURL != "/logo.svg" || sp.Brand != "#0B57B0" ||
		sp.BrandDark != "#8cb8ff" || len(sp.Links) != 1 || sp.Links[0].URL != "https://acme.test/" || sp.TimeZone.String() != "Europe/Paris" {
		t.Errorf("got %+v", sp)
	}
	want := map[sla.Status]int64{sla.MajorOutage: 1000, sla.PartialOutage: 250, sla.Degraded: 100, sla.UnderMaintenance: 1000}
	for st, w := range want {
		if sp.Weights[st] != w {
			t.Errorf("weight of %s: got %d, want %d", st, sp.Weights[st], w)
		}
	}
	if len(sp.Removed) != 0 {
		t.Errorf("removed: got %v, want none (under_maintenance has a weight)", sp.Removed)
	}

	// Without the section: the defaults.
	c, err = Parse("test.yaml", []byte("components: [{id: web}]\n"), env, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	sp = c.StatusPage
	if sp.Title != "Service status" || sp.TimeZone != time.UTC || sp.Weights[sla.MajorOutage] != 1000 || sp.Weights[sla.PartialOutage] != 300 ||
		sp.Weights[sla.Degraded] != 0 || !sp.Removed[sla.UnderMaintenance] {
		t.Errorf("defaults: got %+v", sp)
	}

	tests := []struct{ name, yaml, want string }{
		{"relative public url", "status_page: {public_url: status.acme.test}", "test.yaml:1: status_page.public_url: want an absolute http:// or https:// URL"},
		{"public url with a query", "status_page: {public_url: \"https://s.test/?a=1\"}", "status_page.public_url"},
		{"logo url", "status_page: {logo_url: \"javascript:alert(1)\"}", "status_page.logo_url: want an http:// or https:// URL or a path"},
		{"colour format", "status_page:\n  colors: {brand: blue}\n", "test.yaml:2: status_page.colors.brand: want a colour as #rrggbb"},
		{"colour too pale", "status_page:\n  colors: {brand: \"#ffff00\"}\n", "status_page.colors.brand: #ffff00 has a contrast of 1.1:1 against the background #ffffff"},
		{"dark colour too dark", "status_page:\n  colors: {brand_dark: \"#000080\"}\n", "status_page.colors.brand_dark: #000080 has a contrast"},
		{"link without label", "status_page:\n  links: [{url: \"https://a.test\"}]\n", "status_page.links[0].label: want the link's text"},
		{"link url", "status_page:\n  links: [{label: A, url: \"//evil.test\"}]\n", "status_page.links[0].url"},
		// Browsers read "/\\host" as "//host": another site.
		{"link url with a backslash", "status_page:\n  links: [{label: A, url: \"/\\\\evil.test\"}]\n", "status_page.links[0].url"},
		{"logo url with a backslash", "status_page: {logo_url: \"/\\\\evil.test/x.png\"}", "status_page.logo_url"},
		{"time zone", "status_page: {time_zone: Mars/Olympus}", "status_page.time_zone: want an IANA time zone such as Europe/Paris, got \"Mars/Olympus\""},
		{"local is no zone", "status_page: {time_zone: Local}", "status_page.time_zone"},
		{"weight above one", "status_page:\n  uptime_weights: {partial_outage: 1.5}\n", "status_page.uptime_weights.partial_outage: want a weight from 0 to 1"},
		{"weight of operational", "status_page:\n  uptime_weights: {operational: 0.5}\n", "status_page.uptime_weights.operational: want degraded_performance"},
		{"unknown key", "status_page: {colours: {brand: \"#000000\"}}", "test.yaml:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.yaml), env, noPolicy)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestStatusPagePublicURLIsServerPublicURL(t *testing.T) {
	for _, y := range []string{"server: {public_url: \"https://s.test/\"}\n", "status_page: {public_url: \"https://s.test\"}\n",
		"server: {public_url: \"https://s.test\"}\nstatus_page: {public_url: \"https://s.test/\"}\n"} {
		c, err := Parse("test.yaml", []byte(y), env, noPolicy)
		if err != nil {
			t.Fatalf("%s: %v", y, err)
		}
		if c.Server.PublicURL != "https://s.test" || c.StatusPage.PublicURL != "https://s.test" {
			t.Errorf("%s: got server %q, status page %q, want both https://s.test", y, c.Server.PublicURL, c.StatusPage.PublicURL)
		}
	}
	_, err := Parse("test.yaml", []byte("server: {public_url: \"https://a.test\"}\nstatus_page: {public_url: \"https://b.test\"}\n"), env, noPolicy)
	if err == nil || !strings.Contains(err.Error(), "status_page.public_url: differs from server.public_url") {
		t.Errorf("two addresses: got %v", err)
	}
}
