package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/yamlpos"
)

// custom compiles subscriptions' custom terms (sla.Subscription.Set)
// against one version: the set is merged over the plan the customer gets
// (the version's plan, or the customer's or its class's override of it,
// as sla.Version.PlanFor chooses) as an override's
// set is, each key replacing the plan's key whole, and checked with the
// policy file's rules. A policy lives as long as its configuration, so the
// plans compiled are kept: the engine asks once per period and ticket, and
// one set must give one plan (reports group by plan).
type custom struct {
	pol       *sla.Policy
	plans     map[string]*rawPlan
	overrides map[[2]string]*rawPlan // by customer and plan
	classes   map[[2]string]*rawPlan // by class and plan

	mu   sync.Mutex
	done map[string]customPlan
}

type customPlan struct {
	plan *sla.Plan
	err  error
}

func (c *custom) compile(customer, class, plan string, set []byte) (*sla.Plan, error) {
	key := customer + "\x00" + class + "\x00" + plan + "\x00" + string(set)
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.done[key]; ok {
		return r.plan, r.err
	}
	p, err := c.build(customer, class, plan, set)
	c.done[key] = customPlan{p, err}
	return p, err
}

func (c *custom) build(customer, class, plan string, set []byte) (*sla.Plan, error) {
	base := c.overrides[[2]string{customer, plan}]
	if base == nil && class != "" {
		base = c.classes[[2]string{class, plan}]
	}
	if base == nil {
		base = c.plans[plan]
	}
	if base == nil {
		return nil, &sla.InputError{Field: "plan", Msg: fmt.Sprintf("no plan %q", plan)}
	}
	var over rawPlan
	if _, err := yamlpos.DecodeLimits("", set, &over, Limits); err != nil {
		return nil, underSet(err)
	}
	ch := &checker{pol: c.pol, cals: c.pol.Calendars}
	if over.ID != "" && over.ID != plan {
		ch.errf("set.id", "custom terms keep the plan's id")
	}
	if over.Window != nil {
		// The reports read evidence as far back as the policy's windows
		// reach, which custom terms kept in the store cannot move.
		ch.errf("set.window", "custom terms keep the plan's window; give a rolling window in the policy (a plan or an override)")
	}
	p := ch.plan("set", mergePlan(base, &over))
	if err := ch.errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// underSet names the fields of a set's decoding errors from the set.
func underSet(err error) error {
	list, ok := err.(sla.InputErrors)
	if !ok {
		if one, ok1 := err.(*sla.InputError); ok1 {
			list = sla.InputErrors{one}
		} else {
			return &sla.InputError{Field: "set", Msg: err.Error()}
		}
	}
	out := make(sla.InputErrors, len(list))
	for i, e := range list {
		f := "set"
		if e.Field != "" {
			f += "." + e.Field
		}
		out[i] = &sla.InputError{Field: f, Msg: e.Msg}
	}
	return out
}

// SetJSON reads custom terms written in YAML (or JSON) — plan keys, as
// under an override's set — into the compact JSON a subscription fact
// holds. Only the form is checked here: a mapping of keys; what the keys
// say is checked against the plan (sla.Version.PlanOf).
func SetJSON(text []byte) ([]byte, error) {
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal(text, &n); err != nil {
		return nil, &sla.InputError{Field: "set", Msg: yamlpos.Error("", err).Error()}
	}
	if len(n.Content) == 0 {
		return nil, nil
	}
	return SetNodeJSON(n.Content[0])
}

// SetNodeJSON is SetJSON of custom terms already read as YAML (a
// configuration file's subscriptions[].set).
func SetNodeJSON(n *yaml.Node) ([]byte, error) {
	if n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, &sla.InputError{Field: "set", Msg: "want plan keys (a mapping such as objective: 99.95)"}
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, &sla.InputError{Field: "set", Msg: err.Error()}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, &sla.InputError{Field: "set", Msg: err.Error()}
	}
	return out, nil
}
