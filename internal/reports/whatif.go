package reports

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/whatif"
)

// WhatIfQuery asks what a proposed policy would have given over a range
// of past periods, against the policy in force.
type WhatIfQuery struct {
	// Proposed is the proposed policy's YAML; Name names it in errors
	// (a file name, "body").
	Proposed []byte
	Name     string
	// Replaces is the id of the configured policy the proposal replaces;
	// empty means the proposed policy's own id.
	Replaces string
	// From and To are the range's first and last periods ("2025-01",
	// "2025-Q4", "2025"); an empty To is From's period alone.
	From, To string
	Customer string
	AsOf     time.Time
	// Progress, when set, is told what is being done: "read" once the
	// evidence is read, then "evaluate" after each evaluation.
	Progress func(stage string, done, total int)
}

// WhatIf reads the stored evidence of the range once and compares the
// proposed policy with the one it replaces (whatif.Compare). A policy
// that does not parse, an unknown policy to replace and a malformed range
// are input errors.
func WhatIf(ctx context.Context, c *config.Config, st Store, q WhatIfQuery) (*whatif.Result, error) {
	rng, err := whatif.ParseRange(q.From, q.To)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(q.Proposed))) == 0 {
		return nil, &sla.InputError{Field: "policy", Msg: "the proposed policy is empty: give its YAML (docs/policy.md)"}
	}
	prop, err := policy.Parse(cmp.Or(q.Name, "proposed policy"), q.Proposed)
	if err != nil {
		return nil, err
	}
	replaces := cmp.Or(q.Replaces, prop.ID)
	var inForce *sla.Policy
	var ids []string
	for _, p := range c.Policies {
		ids = append(ids, p.ID)
		if p.ID == replaces {
			inForce = p
		}
	}
	if inForce == nil {
		field := "replaces"
		if q.Replaces == "" {
			field = "policy"
		}
		return nil, &sla.InputError{Field: field, Msg: fmt.Sprintf("no configured policy %q to compare with (configured: %s); name the policy the proposal replaces",
			replaces, strings.Join(ids, ", "))}
	}
	from, to := rng.EvidenceSpan()
	ev, err := parsedEvidence(ctx, c, []*sla.Policy{prop}, st, from, to)
	if err != nil {
		return nil, err
	}
	req := whatif.Request{InForce: inForce, Proposed: prop, Evidence: ev, Range: rng, Customer: q.Customer, AsOf: q.AsOf}
	if q.Progress != nil {
		q.Progress("read", 0, 0)
		req.Progress = func(done, total int) { q.Progress("evaluate", done, total) }
	}
	return whatif.Compare(req)
}
