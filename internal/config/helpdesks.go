package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/slakeeper/slakeeper/internal/helpdesk"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/yamlpos"
)

type rawHelpdesk struct {
	Name              string            `yaml:"name"`
	Kind              string            `yaml:"kind"`
	SecretEnv         string            `yaml:"secret_env"`
	Organizations     map[string]string `yaml:"organizations"`
	Domains           map[string]string `yaml:"domains"`
	Priorities        map[string]string `yaml:"priorities"`
	Statuses          map[string]string `yaml:"statuses"`
	Bots              []string          `yaml:"bots"`
	OrganizationField string            `yaml:"organization_field"`
}

// helpdeskName is a helpdesk's name: the path segment of its webhook and
// the prefix of its tickets' ids.
var helpdeskName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// parseHelpdesks checks helpdesks: the webhooks that report tickets.
func parseHelpdesks(errs *yamlpos.Errors, raw []rawHelpdesk, policies []*sla.Policy, getenv func(string) string) []*helpdesk.Mapping {
	// The priorities a mapping may name: those of every plan's support.
	prios := map[string]bool{}
	for _, p := range policies {
		for _, v := range p.Versions {
			for _, pl := range v.AllPlans() {
				if pl.Support != nil {
					for id := range pl.Support.Priorities {
						prios[id] = true
					}
				}
			}
		}
	}
	var out []*helpdesk.Mapping
	names := map[string]bool{}
	for i, r := range raw {
		p := fmt.Sprintf("helpdesks[%d]", i)
		m := &helpdesk.Mapping{Name: r.Name, Kind: r.Kind, OrganizationField: r.OrganizationField,
			Organizations: lowerKeys(r.Organizations), Domains: lowerKeys(r.Domains), Priorities: lowerKeys(r.Priorities),
			Statuses: map[string]string{}, Bots: map[string]bool{}}
		switch {
		case !helpdeskName.MatchString(r.Name):
			errs.Add(p+".name", "want a name of lower-case letters, digits, - and _ (up to 40), such as zendesk, got %q", r.Name)
		case names[r.Name]:
			errs.Add(p+".name", "helpdesk %q is configured twice", r.Name)
		}
		names[r.Name] = true
		if !slices.Contains(helpdesk.Kinds, r.Kind) {
			errs.Add(p+".kind", "want one of %s, got %q", strings.Join(helpdesk.Kinds, ", "), r.Kind)
		}
		switch {
		case r.SecretEnv == "":
			errs.Add(p+".secret_env", "required: the environment variable that holds the webhook's signing secret")
		case getenv(r.SecretEnv) == "":
			errs.Add(p+".secret_env", "environment variable %s is empty or unset", r.SecretEnv)
		default:
			m.Secret = []byte(getenv(r.SecretEnv))
		}
		for k, v := range r.Organizations {
			if strings.TrimSpace(v) == "" {
				errs.Add(fmt.Sprintf("%s.organizations.%s", p, k), "want a customer id")
			}
		}
		for k, v := range r.Domains {
			if strings.TrimSpace(v) == "" || strings.Contains(k, "@") {
				errs.Add(fmt.Sprintf("%s.domains.%s", p, k), "want a domain such as example.com mapped to a customer id")
			}
		}
		for k, v := range r.Priorities {
			if !prios[v] {
				errs.Add(fmt.Sprintf("%s.priorities.%s", p, k), "want a priority of a plan's support (%s), got %q", strings.Join(sortedKeys(prios), ", "), v)
			}
		}
		for k, v := range r.Statuses {
			if strings.TrimSpace(v) == "" {
				errs.Add(fmt.Sprintf("%s.statuses.%s", p, k), "want a status such as open, solved or a pause status (pending_customer)")
			}
			m.Statuses[helpdesk.NormalStatus(k)] = v
		}
		for _, b := range r.Bots {
			m.Bots[strings.ToLower(strings.TrimSpace(b))] = true
		}
		if r.OrganizationField != "" && r.Kind != helpdesk.KindJira {
			errs.Add(p+".organization_field", "only for kind jira")
		}
		out = append(out, m)
	}
	return out
}

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Helpdesk is the helpdesk integration named name, or nil.
func (c *Config) Helpdesk(name string) *helpdesk.Mapping {
	for _, h := range c.Helpdesks {
		if h.Name == name {
			return h
		}
	}
	return nil
}
