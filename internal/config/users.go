package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/yamlpos"
)

// User is an operator who signs in to the web UI with a password. Only the
// password's bcrypt hash is kept.
type User struct {
	Name string
	// Hash is the bcrypt hash of the password ($2a$ or $2b$).
	Hash []byte
	// Role is one of UserRoles (default operator): what the user may do,
	// by the permission matrix of internal/auth. Staff sign in to /admin;
	// a customer user to /portal.
	Role string
	// Customer is a customer user's customer: the only one whose data it
	// sees.
	Customer string
}

// TokenRoles are the roles an API token may have, and UserRoles those of
// a user; internal/auth's matrix says what each may do (a test there
// keeps the lists equal).
var (
	TokenRoles = []string{"admin", "operator", "support", "finance", "viewer", "ingest", "customer"}
	UserRoles  = []string{"admin", "operator", "support", "finance", "viewer", "customer"}
)

// Incidents holds the incident settings.
type Incidents struct {
	// Severities are the severity names an incident may have, most severe
	// first, as the operators' contracts name them (P1–P4, Critical/High/
	// Standard, Level 1–3). The policies' incident rules match them.
	Severities []string
}

// DefaultSeverities are the severities when the configuration names none.
var DefaultSeverities = []string{"P1", "P2", "P3", "P4"}

// MinBcryptCost is the lowest bcrypt cost a password hash may have: below
// it a stolen configuration gives up its passwords too cheaply.
const MinBcryptCost = 10

type rawUser struct {
	Name string `yaml:"name"`
	// PasswordHash is the bcrypt hash of the password
	// (slakeeper hash-password prints one); PasswordHashEnv names an
	// environment variable that holds such a hash.
	PasswordHash    string `yaml:"password_hash"`
	PasswordHashEnv string `yaml:"password_hash_env"`
	Role            string `yaml:"role"`
	Customer        string `yaml:"customer"`
}

type rawIncidents struct {
	Severities []string `yaml:"severities"`
}

// bcryptRE is the modular crypt format of a bcrypt hash: version, two
// digit cost, 22 characters of salt and 31 of hash in bcrypt's base64.
var bcryptRE = regexp.MustCompile(`^\$2[ab]\$([0-9]{2})\$[./A-Za-z0-9]{53}$`)

// parseUsers reads the users: section. A user may not share its name with
// an API token, so that the "by" of an audited fact names one principal.
func parseUsers(errs *yamlpos.Errors, raw []rawUser, tokens []Token, getenv func(string) string) []User {
	tokenNames := map[string]bool{}
	for _, t := range tokens {
		tokenNames[t.Name] = true
	}
	var out []User
	seen := map[string]bool{}
	for i, ru := range raw {
		p := fmt.Sprintf("users[%d]", i)
		name := ru.Name
		switch {
		case strings.TrimSpace(name) == "" || name != strings.TrimSpace(name) || len(name) > 128 || strings.ContainsFunc(name, unicode.IsControl):
			errs.Add(p+".name", "want a user name of 1 to 128 characters without surrounding spaces, got %q", name)
			continue
		case seen[name]:
			errs.Add(p+".name", "user %q is defined twice", name)
			continue
		case tokenNames[name]:
			errs.Add(p+".name", "an API token is already named %q; audited facts must name one principal", name)
			continue
		}
		seen[name] = true
		role := ru.Role
		if role == "" {
			role = "operator"
		} else if !slices.Contains(UserRoles, role) {
			errs.Add(p+".role", "want one of %s, got %q", strings.Join(UserRoles, ", "), role)
			continue
		}
		switch {
		case role == "customer" && strings.TrimSpace(ru.Customer) == "":
			errs.Add(p+".customer", "required for role customer: the customer whose portal the user signs in to")
			continue
		case role != "customer" && ru.Customer != "":
			errs.Add(p+".customer", "only for role customer (the user has role %s)", role)
			continue
		}
		var hash, field string
		switch {
		case ru.PasswordHash != "" && ru.PasswordHashEnv != "":
			errs.Add(p, "give password_hash or password_hash_env, not both")
			continue
		case ru.PasswordHash != "":
			hash, field = ru.PasswordHash, p+".password_hash"
		case ru.PasswordHashEnv != "":
			hash, field = getenv(ru.PasswordHashEnv), p+".password_hash_env"
			if hash == "" {
				errs.Add(field, "environment variable %s is empty or unset; it must hold a bcrypt hash (slakeeper hash-password prints one)", ru.PasswordHashEnv)
				continue
			}
		default:
			errs.Add(p, "give password_hash (a bcrypt hash: slakeeper hash-password prints one) or password_hash_env (a variable holding it)")
			continue
		}
		if err := checkBcrypt(hash); err != "" {
			if ru.PasswordHashEnv != "" {
				// The variable's value is not printed: keep hashes out of logs.
				err = "environment variable " + ru.PasswordHashEnv + ": " + err
			}
			errs.Add(field, "%s", err)
			continue
		}
		out = append(out, User{Name: name, Hash: []byte(hash), Role: role, Customer: ru.Customer})
	}
	return out
}

// checkBcrypt returns why h is not an acceptable bcrypt hash, or "".
func checkBcrypt(h string) string {
	m := bcryptRE.FindStringSubmatch(h)
	if m == nil {
		return "want a bcrypt hash such as $2b$12$ followed by 53 characters (slakeeper hash-password prints one)"
	}
	cost, _ := strconv.Atoi(m[1])
	if cost < MinBcryptCost || cost > 31 {
		return fmt.Sprintf("bcrypt cost %d is outside %d to 31; hash the password again with slakeeper hash-password", cost, MinBcryptCost)
	}
	return ""
}

// parseIncidents reads the incidents: section. Every severity a policy's
// incident rules name must be one of the severities, or its obligations
// could never apply; the default list takes the policies' in after P1–P4.
func parseIncidents(errs *yamlpos.Errors, raw rawIncidents, policies []*sla.Policy) Incidents {
	named := policySeverities(policies)
	if raw.Severities == nil {
		sevs := slices.Clone(DefaultSeverities)
		for _, s := range named {
			if !slices.Contains(sevs, s) {
				sevs = append(sevs, s)
			}
		}
		return Incidents{Severities: sevs}
	}
	if len(raw.Severities) == 0 {
		errs.Add("incidents.severities", "name at least one severity, or leave the key out for %s", strings.Join(DefaultSeverities, ", "))
		return Incidents{Severities: slices.Clone(DefaultSeverities)}
	}
	var out Incidents
	seen := map[string]bool{}
	for i, s := range raw.Severities {
		p := fmt.Sprintf("incidents.severities[%d]", i)
		if strings.TrimSpace(s) == "" || s != strings.TrimSpace(s) || len(s) > 40 || strings.ContainsFunc(s, unicode.IsControl) {
			errs.Add(p, "want a severity name of 1 to 40 characters without surrounding spaces, got %q", s)
			continue
		}
		if seen[s] {
			errs.Add(p, "severity %q is listed twice", s)
			continue
		}
		seen[s] = true
		out.Severities = append(out.Severities, s)
	}
	for _, s := range named {
		if !seen[s] {
			errs.Add("incidents.severities", "a policy's incident rules name severity %q, which is not listed (%s)", s, strings.Join(out.Severities, ", "))
		}
	}
	return out
}

// policySeverities are the severities the policies' incident rules name,
// sorted.
func policySeverities(policies []*sla.Policy) []string {
	set := map[string]bool{}
	for _, p := range policies {
		for _, v := range p.Versions {
			for _, plan := range v.Plans {
				if r := plan.Incidents; r != nil {
					for s := range r.UpdateEvery {
						set[s] = true
					}
					for s := range r.PostmortemSeverities {
						set[s] = true
					}
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// User returns the user named name, or nil.
func (c *Config) User(name string) *User {
	for i := range c.Users {
		if c.Users[i].Name == name {
			return &c.Users[i]
		}
	}
	return nil
}
