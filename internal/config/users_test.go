package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// demoHash is the demo user's hash of "slakeeper-demo", cost 10.
const demoHash = "$2a$10$YxzZeLJkm4pjkHFvFzmGhuNaiYQR5uojLmfSBdw/vh27GtWm5ceLe"

func TestUsers(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"TOK": "a-token-of-enough-length", "BOB_HASH": demoHash, "BAD_HASH": "not-a-hash-but-secret"}[k]
	}
	c, err := Parse("test.yaml", []byte(`users:
  - {name: alice, password_hash: "`+demoHash+`"}
  - {name: bob, password_hash_env: BOB_HASH}
`), getenv, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Users) != 2 || c.User("alice") == nil || c.User("bob") == nil || c.User("carol") != nil {
		t.Fatalf("users: got %+v", c.Users)
	}
	if err := bcrypt.CompareHashAndPassword(c.User("bob").Hash, []byte("slakeeper-demo")); err != nil {
		t.Errorf("bob's hash from the environment does not match: %v", err)
	}

	low, _ := bcrypt.GenerateFromPassword([]byte("password"), bcrypt.MinCost)
	b2b := "$2b$" + demoHash[4:]
	for _, tt := range []struct{ name, yaml, want string }{
		{"no hash", "users:\n  - {name: alice}\n", "users[0]: give password_hash"},
		{"both", "users:\n  - {name: alice, password_hash: \"" + demoHash + "\", password_hash_env: BOB_HASH}\n", "users[0]: give password_hash or password_hash_env, not both"},
		{"not bcrypt", "users:\n  - {name: alice, password_hash: 5f4dcc3b5aa765d61d8327deb882cf99}\n", "users[0].password_hash: want a bcrypt hash"},
		{"truncated", "users:\n  - {name: alice, password_hash: \"" + demoHash[:50] + "\"}\n", "users[0].password_hash: want a bcrypt hash"},
		{"low cost", "users:\n  - {name: alice, password_hash: \"" + string(low) + "\"}\n", "users[0].password_hash: bcrypt cost 4 is outside 10 to 31"},
		{"unset env", "users:\n  - {name: alice, password_hash_env: NOPE}\n", "users[0].password_hash_env: environment variable NOPE is empty or unset"},
		{"bad env hash is not printed", "users:\n  - {name: alice, password_hash_env: BAD_HASH}\n", "users[0].password_hash_env: environment variable BAD_HASH: want a bcrypt hash"},
		{"empty name", "users:\n  - {name: \"\", password_hash: \"" + demoHash + "\"}\n", "users[0].name: want a user name"},
		{"twice", "users:\n  - {name: a, password_hash: \"" + demoHash + "\"}\n  - {name: a, password_hash: \"" + b2b + "\"}\n", `users[1].name: user "a" is defined twice`},
		{"token name", "tokens:\n  - {name: ops, role: operator, token_env: TOK}\nusers:\n  - {name: ops, password_hash: \"" + demoHash + "\"}\n", `users[0].name: an API token is already named "ops"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.yaml), getenv, noPolicy)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if !sla.IsInput(err) {
				t.Errorf("got a %T, want an input error", err)
			}
			if strings.Contains(err.Error(), "not-a-hash-but-secret") {
				t.Errorf("the variable's value leaked into the error: %q", err)
			}
		})
	}
}

const severityPolicy = `policy: p
components: [{id: api}]
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: standard
        objective: 99.9
        period: month
        timezone: UTC
        components: [api]
        incidents:
          update_every: {critical: 1h}
`

func TestSeverities(t *testing.T) {
	withPolicy := func(string) (*sla.Policy, error) { return policy.Parse("p.yaml", []byte(severityPolicy)) }
	for _, tt := range []struct {
		name, yaml string
		load       func(string) (*sla.Policy, error)
		want       []string
		wantErr    string
	}{
		{name: "default", yaml: "components: [{id: api}]\n", load: noPolicy, want: []string{"P1", "P2", "P3", "P4"}},
		{name: "default takes the policies' in", yaml: "policies: [p.yaml]\n", load: withPolicy, want: []string{"P1", "P2", "P3", "P4", "critical"}},
		{name: "configured", yaml: "policies: [p.yaml]\nincidents: {severities: [critical, high, standard]}\n", load: withPolicy, want: []string{"critical", "high", "standard"}},
		{name: "levels", yaml: "incidents: {severities: [Level 1, Level 2, Level 3]}\n", load: noPolicy, want: []string{"Level 1", "Level 2", "Level 3"}},
		{name: "policy severity missing", yaml: "policies: [p.yaml]\nincidents: {severities: [P1, P2]}\n", load: withPolicy, wantErr: `incidents.severities: a policy's incident rules name severity "critical", which is not listed (P1, P2)`},
		{name: "empty list", yaml: "incidents: {severities: []}\n", load: noPolicy, wantErr: "incidents.severities: name at least one severity"},
		{name: "twice", yaml: "incidents: {severities: [P1, P1]}\n", load: noPolicy, wantErr: `incidents.severities[1]: severity "P1" is listed twice`},
		{name: "blank", yaml: "incidents: {severities: [P1, \" \"]}\n", load: noPolicy, wantErr: "incidents.severities[1]: want a severity name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.yaml", []byte(tt.yaml), env, tt.load)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Incidents.Severities, tt.want) {
				t.Errorf("got %q, want %q", c.Incidents.Severities, tt.want)
			}
		})
	}
}

func TestDemoUser(t *testing.T) {
	c, err := Demo("127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	u := c.User("demo")
	if u == nil {
		t.Fatal("the demo configuration has no user demo")
	}
	if err := bcrypt.CompareHashAndPassword(u.Hash, []byte("slakeeper-demo")); err != nil {
		t.Errorf("the demo password documented in the demo configuration does not match: %v", err)
	}
	if err := bcrypt.CompareHashAndPassword(u.Hash, []byte("wrong")); !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		t.Errorf("a wrong password: got %v, want a mismatch", err)
	}
}
