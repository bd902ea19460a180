package config

import (
	"strings"
	"testing"

	"github.com/slakeeper/slakeeper/internal/policy"
)

func TestHelpdesks(t *testing.T) {
	getenv := func(k string) string {
		if k == "ZD_SECRET" {
			return "zd-secret"
		}
		return ""
	}
	const head = "policies: [../../examples/004-infopromo.yaml]\n"
	c, err := Parse("test.yaml", []byte(head+`helpdesks:
  - name: zendesk
    kind: zendesk
    secret_env: ZD_SECRET
    organizations: {"Bistro Chain": bistro}
    priorities: {Urgent: level-1}
    statuses: {On-hold: pending_customer}
    bots: [Bot@Example.com]
`), getenv, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	m := c.Helpdesk("zendesk")
	if m == nil || string(m.Secret) != "zd-secret" || m.Organizations["bistro chain"] != "bistro" || m.Priorities["urgent"] != "level-1" ||
		m.Statuses["on_hold"] != "pending_customer" || !m.Bots["bot@example.com"] || c.Helpdesk("jira") != nil {
		t.Errorf("got %+v", m)
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown kind", "helpdesks:\n  - {name: fd, kind: freshdesk, secret_env: ZD_SECRET}\n",
			`test.yaml:3: helpdesks[0].kind: want one of zendesk, jira, zammad, generic, got "freshdesk"`},
		{"no secret", "helpdesks:\n  - {name: zd, kind: zendesk}\n", "helpdesks[0].secret_env: required"},
		{"unset secret", "helpdesks:\n  - {name: zd, kind: zendesk, secret_env: NOPE}\n", "helpdesks[0].secret_env: environment variable NOPE is empty or unset"},
		{"bad name", "helpdesks:\n  - {name: Zen Desk, kind: zendesk, secret_env: ZD_SECRET}\n", "helpdesks[0].name: want a name"},
		{"twice", "helpdesks:\n  - {name: zd, kind: zendesk, secret_env: ZD_SECRET}\n  - {name: zd, kind: zammad, secret_env: ZD_SECRET}\n",
			`helpdesks[1].name: helpdesk "zd" is configured twice`},
		{"unknown priority", "helpdesks:\n  - {name: zd, kind: zendesk, secret_env: ZD_SECRET, priorities: {urgent: P1}}\n",
			`helpdesks[0].priorities.urgent: want a priority of a plan's support (level-1, level-2, level-3), got "P1"`},
		{"jira field on zendesk", "helpdesks:\n  - {name: zd, kind: zendesk, secret_env: ZD_SECRET, organization_field: customfield_1}\n",
			"helpdesks[0].organization_field: only for kind jira"},
		{"unknown key", "helpdesks:\n  - {name: zd, kind: zendesk, secret_env: ZD_SECRET, secret: abc}\n", "test.yaml:3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(head+tt.yaml), getenv, policy.Load)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	getenv := func(string) string { return "a-token-of-enough-length" }
	c, err := Parse("test.yaml", []byte(`tokens:
  - {name: acme, role: customer, customer: acme, token_env: T}
  - {name: fin, role: finance, token_env: T}
`), getenv, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tokens[0].Customer != "acme" || c.Tokens[0].Role != "customer" || c.Tokens[1].Role != "finance" {
		t.Errorf("got %+v", c.Tokens)
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown role", "tokens:\n  - {name: x, role: root, token_env: T}\n", `tokens[0].role: want one of admin, operator, support, finance, viewer, ingest, customer, got "root"`},
		{"customer without its customer", "tokens:\n  - {name: x, role: customer, token_env: T}\n", "tokens[0].customer: required for role customer"},
		{"customer on a staff token", "tokens:\n  - {name: x, role: viewer, customer: acme, token_env: T}\n", "tokens[0].customer: only for role customer"},
		{"customer user without its customer", "users:\n  - {name: x, role: customer, password_hash: x}\n", "users[0].customer: required for role customer"},
		{"staff user with a customer", "users:\n  - {name: x, role: finance, customer: acme, password_hash: x}\n", "users[0].customer: only for role customer"},
		{"unknown user role", "users:\n  - {name: x, role: root, password_hash: x}\n", `users[0].role: want one of admin, operator, support, finance, viewer, customer, got "root"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.yaml), getenv, noPolicy)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// Subscriptions: an ISO 4217 currency, a decimal fee, a known plan, and
// no two of one customer and policy at the same time.
func TestSubscriptionChecks(t *testing.T) {
	const head = "policies: [../../examples/004-infopromo.yaml]\ncustomers: [{id: acme}]\nsubscriptions:\n"
	ok := "  - {id: s1, customer: acme, policy: infopromo, plan: standard, fee: \"100.00\", currency: CAD, start: \"2026-01-01T00:00:00Z\", end: \"2026-07-01T00:00:00Z\"}\n"
	if _, err := Parse("test.yaml", []byte(head+ok+"  - {id: s2, customer: acme, policy: infopromo, plan: premium, fee: \"200.00\", currency: CAD, start: \"2026-07-01T00:00:00Z\"}\n"), env, policy.Load); err != nil {
		t.Fatalf("a plan change at mid-year: %v", err)
	}
	c, err := Parse("test.yaml", []byte(head+ok+"  - id: s2\n    customer: acme\n    policy: infopromo\n    plan: premium\n    fee: \"200.00\"\n    start: \"2026-07-01T00:00:00Z\"\n    set:\n      objective: 99.99\n"), env, policy.Load)
	if err != nil || string(c.Subscriptions[1].Set) != `{"objective":99.99}` {
		t.Fatalf("custom terms: %v", err)
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"bad currency", "  - {id: s2, customer: acme, policy: infopromo, plan: standard, fee: \"1.00\", currency: EUX, start: \"2027-01-01T00:00:00Z\"}\n", `subscriptions[1].currency: want an ISO 4217 code such as EUR or USD, got "EUX"`},
		{"lower-case currency", "  - {id: s2, customer: acme, policy: infopromo, plan: standard, fee: \"1.00\", currency: eur, start: \"2027-01-01T00:00:00Z\"}\n", `subscriptions[1].currency`},
		{"fee not a decimal", "  - {id: s2, customer: acme, policy: infopromo, plan: standard, fee: \"12,50\", start: \"2027-01-01T00:00:00Z\"}\n", `subscriptions[1].fee: want the fee for one period such as "1200.00", got "12,50"`},
		{"unknown plan", "  - {id: s2, customer: acme, policy: infopromo, plan: gold, fee: \"1.00\", start: \"2027-01-01T00:00:00Z\"}\n", `subscriptions[1].plan: policy "infopromo" has no plan "gold"`},
		{"bad custom terms", "  - id: s2\n    customer: acme\n    policy: infopromo\n    plan: premium\n    fee: \"200.00\"\n    start: \"2026-07-01T00:00:00Z\"\n    set:\n      objective: 101\n",
			`test.yaml:12: subscriptions[1].set.objective: version "2026": must be between 0 and 100`},
		{"custom terms not a mapping", "  - {id: s2, customer: acme, policy: infopromo, plan: premium, fee: \"1.00\", start: \"2026-07-01T00:00:00Z\", set: [1]}\n", "subscriptions[1].set: want plan keys"},
		{"overlap", "  - {id: s2, customer: acme, policy: infopromo, plan: premium, fee: \"1.00\", start: \"2026-06-01T00:00:00Z\"}\n", "subscriptions[1].start: subscription s2 overlaps s1 of the same customer and policy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(head+ok+tt.yaml), env, policy.Load)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
