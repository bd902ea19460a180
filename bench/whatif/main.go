// Command whatif measures the what-if: a proposed policy against a year
// of stored evidence for 1,000 subscriptions on 10 plans over 100
// components, each down 6 times in 2025 for 1 to 20 minutes, with
// 100,000 other status facts (degraded performance, which no plan
// counts, then operational again) (the defaults), beside the
// policy in force. It fills an SQLite store in a temporary directory,
// then runs the comparison as `slakeeper whatif --from 2025` does
// (reports.WhatIf: the evidence read once, both policies evaluated) and
// prints the time of each run, split into reading and evaluating.
//
//	go run ./bench/whatif
//	go run ./bench/whatif -subscriptions 10000 -runs 1
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/whatif:", err)
		os.Exit(1)
	}
}

type opts struct {
	subs, comps, plans, outages, noise, runs int
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var o opts
	fs := flag.NewFlagSet("whatif", flag.ContinueOnError)
	fs.IntVar(&o.subs, "subscriptions", 1_000, "subscriptions")
	fs.IntVar(&o.comps, "components", 100, "components")
	fs.IntVar(&o.plans, "plans", 10, "plans, each covering components/plans components")
	fs.IntVar(&o.outages, "outages", 6, "outages per component in 2025, each 1 to 20 minutes")
	fs.IntVar(&o.noise, "noise", 100_000, "other status facts in 2025: degraded performance and back")
	fs.IntVar(&o.runs, "runs", 3, "comparisons timed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-whatif-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, filepath.Join(dir, "whatif.db"), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := fill(ctx, st, o); err != nil {
		return err
	}
	inForce, err := policy.Parse("in-force.yaml", []byte(policyYAML(o, "99.9", "{below: 99.9, credit: 10}, {below: 99.0, credit: 25}")))
	if err != nil {
		return err
	}
	proposed := []byte(policyYAML(o, "99.95", "{below: 99.95, credit: 10}, {below: 99.9, credit: 15}, {below: 99.0, credit: 30}"))
	c := &config.Config{Policies: []*sla.Policy{inForce}}
	fmt.Fprintf(stdout, "what-if over 2025 (12 months): %d subscriptions on %d plans over %d components, %d status facts, SQLite, %d cores\n",
		o.subs, o.plans, o.comps, 2*o.comps*o.outages+o.noise, runtime.NumCPU())
	var totals []time.Duration
	for i := range o.runs {
		var read time.Duration
		t0 := time.Now()
		res, err := reports.WhatIf(ctx, c, st, reports.WhatIfQuery{Proposed: proposed, Name: "proposed.yaml", From: "2025", To: "2025",
			AsOf: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Progress: func(stage string, _, _ int) {
				if stage == "read" {
					read = time.Since(t0)
				}
			}})
		if err != nil {
			return err
		}
		took := time.Since(t0)
		totals = append(totals, took)
		var diff string
		for _, t := range res.Totals {
			diff += fmt.Sprintf(" %s: %s → %s (met %d → %d of %d)", t.Currency, t.InForce, t.Proposed, t.MetInForce, t.MetProposed, t.Rows)
		}
		fmt.Fprintf(stdout, "run %d: %.2f s (read %.2f s, evaluate %.2f s), %d rows;%s\n", i+1, took.Seconds(), read.Seconds(), (took - read).Seconds(), len(res.Rows), diff)
	}
	slices.Sort(totals)
	fmt.Fprintf(stdout, "median %.2f s\n", totals[len(totals)/2].Seconds())
	return nil
}

// policyYAML is a policy of o.plans monthly plans in UTC, each on its own
// share of the components, with the objective and credit tiers given.
func policyYAML(o opts, objective, tiers string) string {
	var b strings.Builder
	b.WriteString("policy: bench\ncomponents:\n")
	for c := range o.comps {
		fmt.Fprintf(&b, "  - id: c%03d\n", c)
	}
	b.WriteString("versions:\n  - version: \"1\"\n    effective: 2025-01-01\n    plans:\n")
	per := o.comps / o.plans
	for p := range o.plans {
		fmt.Fprintf(&b, "      - id: p%02d\n        objective: %s\n        timezone: UTC\n        components: [", p, objective)
		for c := range per {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "c%03d", p*per+c)
		}
		fmt.Fprintf(&b, "]\n        credits: {tiers: [%s], cap: 50}\n", tiers)
	}
	return b.String()
}

// fill stores the subscriptions and a year of status facts: each
// component's outages at random times in 2025, and noise: degraded
// performance (not counted as downtime) and back, at random times.
func fill(ctx context.Context, st store.Store, o opts) error {
	var batch []store.Fact
	flush := func() error {
		err := st.AppendFacts(ctx, batch)
		batch = batch[:0]
		return err
	}
	add := func(at time.Time, c int, status string) error {
		id := fmt.Sprintf("st-%d-%03d-%s", at.Unix(), c, status)
		batch = append(batch, store.Fact{ID: id, Type: "status", At: at, JSON: fmt.Appendf(nil,
			`{"type":"status","id":"%s","at":"%s","component":"c%03d","status":"%s"}`, id, at.Format(time.RFC3339), c, status)})
		if len(batch) >= 10_000 {
			return flush()
		}
		return nil
	}
	for i := range o.subs {
		id := fmt.Sprintf("sub-%05d", i)
		cur := "EUR"
		if i%3 == 0 {
			cur = "USD"
		}
		batch = append(batch, store.Fact{ID: id, Type: "subscription", JSON: fmt.Appendf(nil,
			`{"type":"subscription","id":"%s","customer":"c%05d","policy":"bench","plan":"p%02d","fee":"100.00","currency":"%s","start":"2025-01-01T00:00:00Z"}`,
			id, i, i%o.plans, cur)})
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	minutes := int64(365 * 24 * 60)
	rng := rand.New(rand.NewPCG(1, 2))
	for c := range o.comps {
		for range o.outages {
			at := start.Add(time.Duration(rng.Int64N(minutes-60)) * time.Minute)
			if err := add(at, c, "major_outage"); err != nil {
				return err
			}
			if err := add(at.Add(time.Duration(1+rng.IntN(20))*time.Minute), c, "operational"); err != nil {
				return err
			}
		}
	}
	for range o.noise / 2 {
		at := start.Add(time.Duration(rng.Int64N(minutes-60)) * time.Minute).Add(30 * time.Second)
		c := rng.IntN(o.comps)
		if err := add(at, c, "degraded_performance"); err != nil {
			return err
		}
		if err := add(at.Add(10*time.Second), c, "operational"); err != nil {
			return err
		}
	}
	return flush()
}
