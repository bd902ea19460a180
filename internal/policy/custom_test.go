package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

const customDoc = `policy: acme
components:
  - id: app
  - id: api
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: std
        name: Standard
        objective: 99.5
        components: [app, api]
        exclusions: [maintenance]
        credits:
          tiers: [{below: 99.5, credit: 10}]
          cap: 50
    overrides:
      - customer: globex
        plan: std
        set: {components: [app]}
  - version: "2"
    effective: 2026-07-01
    plans:
      - id: std
        objective: 99.5
        components: [api]
`

// TestSubscriptionSet: a subscription's custom terms replace keys of the
// plan the customer gets, whole, as an override's set does, and are
// checked with the policy file's rules.
func TestSubscriptionSet(t *testing.T) {
	p := mustParse(t, customDoc)
	v1 := p.Versions[0]
	sub := func(customer, set string) *sla.Subscription {
		return &sla.Subscription{ID: "s", Customer: customer, Plan: "std", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Set: []byte(set)}
	}
	plain, err := v1.PlanOf(sub("acme", ""))
	if err != nil || plain != v1.Plans["std"] {
		t.Fatalf("no set: got %v, %v; want the plan", plain, err)
	}
	obj, err := v1.PlanOf(sub("acme", `{"objective":"99.9"}`))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := v1.PlanOf(sub("acme", `{"objective":"99.9"}`))
	if again != obj {
		t.Error("the same set compiled twice should give the same plan (reports group by plan)")
	}
	credits, err := v1.PlanOf(sub("acme", `{"credits":{"tiers":[{"below":"99.9","credit":"25"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	layered, err := v1.PlanOf(sub("globex", `{"objective":99.95}`))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"objective set", ratStr(obj.Objective), "999/10"},
		{"id kept", obj.ID, "std"},
		{"name inherited", obj.Name, "Standard"},
		{"credits inherited with the objective set", ratStr(obj.Credits.Cap), "50"},
		{"credits replaced whole: the cap is gone", credits.Credits.Cap == nil, true},
		{"credit tier set", ratStr(credits.Credits.Tiers[0].Percent), "25"},
		{"objective inherited with credits set", ratStr(credits.Objective), "199/2"},
		// globex's override (components [app]) is the base of its set.
		{"a set is over the customer's override", fmt.Sprint(layered.Components), "[app]"},
		{"the set's key over the override", ratStr(layered.Objective), "1999/20"},
		{"the plan itself is untouched", ratStr(v1.Plans["std"].Objective), "199/2"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestSubscriptionSetErrors(t *testing.T) {
	p := mustParse(t, customDoc)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		set, field, msg string
	}{
		{`{"objective":"101"}`, "set.objective", "100"},
		{`{"objective":"0"}`, "set.objective", "above 0"},
		{`{"bogus":1}`, "set", "bogus is not a known key"},
		{`{"id":"other"}`, "set.id", "keep the plan's id"},
		{`{"components":["nope"]}`, "set.components[0]", `unknown component "nope"`},
		{`{"credits":{"tiers":[{"below":"x","credit":"10"}]}}`, "set.credits.tiers[0].below", ""},
		{`{"objective":[1]}`, "set.objective", ""},
		{`{"window":"rolling 28d"}`, "set.window", "keep the plan's window"},
	} {
		s := &sla.Subscription{ID: "s", Customer: "acme", Plan: "std", Start: start, Set: []byte(c.set)}
		err := p.CheckSet(s)
		if err == nil {
			t.Errorf("%s: accepted", c.set)
			continue
		}
		field, msg := sla.FirstInput(err)
		if field != c.field || !strings.Contains(msg, c.msg) || !strings.Contains(msg, `version "1"`) {
			t.Errorf("%s: got field %q, %q; want field %q, message with %q and the version", c.set, field, msg, c.field, c.msg)
		}
	}
	// Version 2's plan excludes no maintenance, so the formula removed
	// is refused there: only for a subscription that runs into it.
	s := &sla.Subscription{ID: "s", Customer: "acme", Plan: "std", Start: start, End: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		Set: []byte(`{"uptime":{"formula":"removed"}}`)}
	if err := p.CheckSet(s); err != nil {
		t.Errorf("a set valid for the versions in force: %v", err)
	}
	s.End = time.Time{}
	field, msg := sla.FirstInput(p.CheckSet(s))
	if field != "set.uptime.formula" || !strings.Contains(msg, `version "2"`) {
		t.Errorf("an open-ended subscription into version 2: got %q %q", field, msg)
	}
}

func TestSetJSON(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"", "", ""},
		{"  \n", "", ""},
		{"null", "", ""},
		{"objective: 99.95\ncredits: {tiers: [{below: 99.95, credit: 10}]}", `{"credits":{"tiers":[{"below":99.95,"credit":10}]},"objective":99.95}`, ""},
		{`{"objective":"99.9"}`, `{"objective":"99.9"}`, ""},
		{"{}", "{}", ""},
		{"- 1\n- 2", "", "want plan keys"},
		{"objective: [", "", "set"},
	} {
		got, err := SetJSON([]byte(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: got %s, %v; want an error with %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("%q: got %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}
