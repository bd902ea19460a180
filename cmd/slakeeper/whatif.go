package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/whatif"
)

const whatifUsage = `slakeeper whatif evaluates a proposed policy against the stored evidence of
past periods, side by side with the policy in force: per plan period and
subscription, the uptime, whether the objective was met and the credit under
each, then the credits' totals per currency. It reads the store as
"slakeeper export" does, once for the whole range.

The proposal replaces the configured policy with its own id, or the one
--replaces names; its subscriptions keep their plan ids (a plan the proposal
lacks is refused, naming it). The proposal's newest version is applied to
every period, whatever its effective date.

Usage:
  slakeeper whatif --policy FILE --from PERIOD [--to PERIOD] [--replaces ID]
                   [--customer C] [-o table|json|csv] [--config FILE] [--database DSN]

PERIOD is a month (2025-11), a quarter (2025-Q4) or a year (2025); the range
runs from the first month of --from to the last month of --to.

Examples:
  # What would 2025 have cost under a 99.95 % promise?
  slakeeper whatif --policy proposed-99.95.yaml --from 2025 --config slakeeper.yaml
  slakeeper whatif --policy draft.yaml --replaces acme --from 2025-07 --to 2026-06 -o csv > whatif.csv
`

// whatifColumns are the CSV columns.
var whatifColumns = []string{"period", "customer", "subscription", "currency", "partial",
	"in_force_version", "in_force_plan", "in_force_objective", "in_force_uptime", "in_force_met", "in_force_credit", "in_force_owed",
	"in_force_tickets", "in_force_targets_met", "in_force_targets_missed",
	"proposed_version", "proposed_plan", "proposed_objective", "proposed_uptime", "proposed_met", "proposed_credit", "proposed_owed",
	"proposed_tickets", "proposed_targets_met", "proposed_targets_missed", "difference"}

func cmdWhatif(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("whatif", whatifUsage, stderr)
	policyPath := fs.String("policy", "", "the proposed policy file (YAML)")
	from := fs.String("from", "", "first period: 2025-01, 2025-Q1 or 2025")
	to := fs.String("to", "", "last period (default: --from's)")
	replaces := fs.String("replaces", "", "id of the configured policy the proposal replaces (default: the proposal's id)")
	customer := fs.String("customer", "", "only this customer")
	out := fs.String("o", "table", "output: table, json or csv")
	cfgPath := fs.String("config", "", "configuration file; empty uses the built-in demo")
	dsn := fs.String("database", envOr(getenv, "SLAKEEPER_DATABASE", "slakeeper.db"), "evidence store: an SQLite file path or postgres://…")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := outputFormat(*out, "table", "json", "csv"); err != nil {
		return err
	}
	if *policyPath == "" || *from == "" {
		fs.Usage()
		return &usageError{"whatif: --policy and --from are required"}
	}
	if _, err := whatif.ParseRange(*from, *to); err != nil {
		return err
	}
	data, err := os.ReadFile(*policyPath)
	if err != nil {
		return fmt.Errorf("read policy: %w", err)
	}
	cfg, st, err := openForTool(ctx, *cfgPath, *dsn, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	res, err := reports.WhatIf(ctx, cfg, st, reports.WhatIfQuery{Proposed: data, Name: *policyPath, Replaces: *replaces, From: *from, To: *to,
		Customer: *customer, AsOf: time.Now().UTC(), Progress: whatifProgress(stderr, start)})
	if err != nil {
		return err
	}
	switch *out {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "csv":
		return writeWhatifCSV(stdout, res)
	}
	return writeWhatifTable(stdout, res)
}

// whatifProgress tells stderr how far a long comparison is: when the
// evidence is read, then each evaluation.
func whatifProgress(stderr io.Writer, start time.Time) func(string, int, int) {
	return func(stage string, done, total int) {
		el := time.Since(start).Round(time.Millisecond)
		if stage == "read" {
			fmt.Fprintf(stderr, "evidence read (%s)\n", el)
			return
		}
		fmt.Fprintf(stderr, "evaluated %d of %d (%s)\n", done, total, el)
	}
}

func writeWhatifTable(w io.Writer, res *whatif.Result) error {
	fmt.Fprintf(w, "What-if %s → %s (version %s), %s to %s\n\n", res.Policy, res.Proposed, res.ProposedVersion, res.From, res.To)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PERIOD\tCUSTOMER\tSUBSCRIPTION\tIN FORCE UPTIME\tMET\tCREDIT\tTARGETS MISSED\tPROPOSED UPTIME\tMET\tCREDIT\tTARGETS MISSED\tDIFFERENCE\t")
	for _, r := range res.Rows {
		period := r.Period
		if r.Partial {
			period += " (partial)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s %s\t\n", period, r.Customer, r.Subscription,
			uptimeCell(r.InForce), metCell(r.InForce), creditCell(r.InForce, r.Currency), targetsCell(r.InForce),
			uptimeCell(r.Proposed), metCell(r.Proposed), creditCell(r.Proposed, r.Currency), targetsCell(r.Proposed), r.Difference, r.Currency)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(res.Rows) == 0 {
		fmt.Fprintln(w, "(no subscription period of the policy in this range)")
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CURRENCY\tPERIODS\tMET IN FORCE\tMET PROPOSED\tTARGETS MISSED IN FORCE\tTARGETS MISSED PROPOSED\tCREDIT IN FORCE\tCREDIT PROPOSED\tDIFFERENCE\tOWED IN FORCE\tOWED PROPOSED\t")
	for _, t := range res.Totals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", t.Currency, t.Rows, t.MetInForce, t.MetProposed, t.TargetsMissedInForce, t.TargetsMissedProposed,
			t.InForce, t.Proposed, t.Difference, t.InForceOwed, t.ProposedOwed)
	}
	return tw.Flush()
}

func uptimeCell(o *whatif.Outcome) string {
	if o == nil {
		return "—"
	}
	return fmt.Sprintf("%.4f %% of %s", o.Uptime, strconv.FormatFloat(o.Objective, 'f', -1, 64))
}

// targetsCell is the support targets breached of those judged, or a dash
// without tickets.
func targetsCell(o *whatif.Outcome) string {
	if o == nil || o.Tickets == 0 {
		return "—"
	}
	return fmt.Sprintf("%d of %d (%d tickets)", o.TargetsMissed, o.TargetsMet+o.TargetsMissed, o.Tickets)
}

func metCell(o *whatif.Outcome) string {
	switch {
	case o == nil:
		return "—"
	case o.Met:
		return "yes"
	}
	return "no"
}

func creditCell(o *whatif.Outcome, currency string) string {
	if o == nil {
		return "—"
	}
	return o.Credit + " " + currency
}

func writeWhatifCSV(w io.Writer, res *whatif.Result) error {
	cw := csv.NewWriter(w)
	cw.Write(whatifColumns)
	side := func(o *whatif.Outcome) []string {
		if o == nil {
			return make([]string, 10)
		}
		return []string{o.Version, o.Plan, strconv.FormatFloat(o.Objective, 'f', -1, 64), strconv.FormatFloat(o.Uptime, 'f', 6, 64),
			strconv.FormatBool(o.Met), o.Credit, o.Owed, strconv.Itoa(o.Tickets), strconv.Itoa(o.TargetsMet), strconv.Itoa(o.TargetsMissed)}
	}
	for _, r := range res.Rows {
		line := []string{r.Period, r.Customer, r.Subscription, r.Currency, strconv.FormatBool(r.Partial)}
		line = append(line, side(r.InForce)...)
		line = append(line, side(r.Proposed)...)
		cw.Write(append(line, r.Difference))
	}
	cw.Flush()
	return cw.Error()
}
