package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

const evaluateUsage = `slakeeper evaluate computes, offline, what a policy promised and what the
evidence shows for one period: uptime per subscription, minutes by cause,
credits and claim deadlines, every ticket's targets, incident obligations and
recovery objectives.

Usage:
  slakeeper evaluate --policy FILE --facts FILE --period PERIOD [flags]

PERIOD is a month (2026-10), a quarter (2026-Q4) or a year (2026), read in
each plan's time zone.

Examples:
  slakeeper evaluate --policy examples/002-bluestone.yaml \
    --facts examples/002-bluestone.jsonl --period 2026-10
  slakeeper evaluate --policy examples/001-bloomneo.yaml \
    --facts examples/001-bloomneo.jsonl --period 2026-10 --customer acme --explain
  slakeeper evaluate ... -o json > report.json
`

func cmdEvaluate(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("evaluate", evaluateUsage, stderr)
	policyPath := fs.String("policy", "", "policy file (YAML)")
	factsPath := fs.String("facts", "", "evidence file (JSON Lines); - reads standard input")
	period := fs.String("period", "", "period: 2026-10, 2026-Q4 or 2026")
	customer := fs.String("customer", "", "only this customer")
	out := fs.String("o", "table", "output: table, json or csv")
	fs.StringVar(out, "output", "table", "same as -o")
	jsonOut := fs.Bool("json", false, "same as -o json")
	explain := fs.Bool("explain", false, "list every interval behind every figure, with the facts that established it")
	asOf := fs.String("as-of", "", "evaluate as of this RFC 3339 time (default: now); decides open claims and pending targets")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *jsonOut {
		*out = "json"
	}
	if err := outputFormat(*out, "table", "json", "csv"); err != nil {
		return err
	}
	if *policyPath == "" || *factsPath == "" || *period == "" {
		fs.Usage()
		return &usageError{"evaluate: --policy, --facts and --period are required"}
	}
	now := time.Now().UTC()
	if *asOf != "" {
		t, err := time.Parse(time.RFC3339, *asOf)
		if err != nil {
			return &usageError{fmt.Sprintf("--as-of: want an RFC 3339 time such as 2026-11-05T00:00:00Z, got %q", *asOf)}
		}
		now = t.UTC()
	}
	pol, err := policy.Load(*policyPath)
	if err != nil {
		return err
	}
	ev, err := facts.Load(*factsPath)
	if err != nil {
		return err
	}
	rep, err := sla.Evaluate(sla.Request{Policy: pol, Evidence: ev, Period: *period, Customer: *customer, AsOf: now, Explain: *explain})
	if err != nil {
		return fmt.Errorf("evaluate: %w", err)
	}
	switch *out {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		return writeCSV(stdout, rep, *explain)
	}
	return writeTable(stdout, rep, *explain)
}

// pct shows a percentage for people; the exact value is in the JSON.
func pct(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }

func mins(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

func excluded(m map[sla.Cause]float64) string {
	var parts []string
	for _, c := range sla.Causes {
		if v, ok := m[c]; ok && v > 0 {
			parts = append(parts, string(c)+" "+mins(v))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func writeTable(w io.Writer, rep *sla.Report, explain bool) error {
	fmt.Fprintf(w, "Policy %s (version %s), period %s, as of %s\n\n", rep.Policy, rep.Version, rep.Period, ts(rep.AsOf))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "Availability and credits")
	fmt.Fprintln(tw, "CUSTOMER\tSUBSCRIPTION\tPLAN\tPERIOD\tUPTIME %\tOBJECTIVE %\tMET\tTOTAL MIN\tMAINT MIN\tLIABLE MIN\tEXCLUDED MIN\tBUDGET LEFT MIN\tCREDIT %\tAMOUNT\tOWED\tSTATE\tCLAIM BY")
	for _, s := range rep.Subscriptions {
		claimBy := "-"
		if s.Credit.ClaimDeadline != nil {
			claimBy = ts(*s.Credit.ClaimDeadline)
		}
		state := s.Credit.State
		if !s.Credit.Eligible {
			state += " (ineligible: " + strings.Join(s.Credit.Ineligible, "; ") + ")"
		}
		period := s.Period
		if s.Window != "" {
			period = s.Window + " to " + ts(s.End)
		}
		credit := pct(s.Credit.Percent)
		if s.Credit.Capped {
			credit += " (capped from " + pct(s.Credit.Uncapped) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s %s\t%s\t%s\t%s\n",
			s.Customer, s.Subscription, s.Plan, period, pct(s.Uptime), pct(s.Objective), yesNo(s.Met),
			mins(s.TotalMinutes), mins(s.MaintenanceMinutes), mins(s.LiableMinutes), excluded(s.ExcludedMinutes),
			mins(s.Budget.LeftMinutes)+" of "+mins(s.Budget.AllowedMinutes), credit, s.Credit.Amount, s.Credit.Currency, s.Credit.Owed, state, claimBy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var perf []string
	for _, s := range rep.Subscriptions {
		for _, p := range s.Performance {
			v := "no samples"
			if p.Value != nil {
				v = strconv.FormatFloat(*p.Value, 'f', 3, 64)
			}
			perf = append(perf, fmt.Sprintf("%s\t%s\t%s\t%s %s\t%s\t%d\t%s\t%s", s.Subscription, p.ID, p.Metric, p.Aggregate, v, p.Bound, p.Samples, yesNo(p.Met), pct(p.Credit)))
		}
	}
	if len(perf) > 0 {
		fmt.Fprintln(w, "\nPerformance")
		fmt.Fprintln(tw, "SUBSCRIPTION\tOBJECTIVE\tMETRIC\tVALUE\tBOUND\tSAMPLES\tMET\tCREDIT %")
		for _, l := range perf {
			fmt.Fprintln(tw, l)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	var ups []string
	for _, s := range rep.Subscriptions {
		for _, u := range s.Upstream {
			obj, met := "-", "-"
			if u.Objective != nil {
				obj, met = strconv.FormatFloat(*u.Objective, 'f', -1, 64), yesNo(*u.Met)
			}
			ups = append(ups, fmt.Sprintf("%s\t%s\t%.4f\t%s min\t%s\t%s", s.Subscription, u.Component, u.Uptime, mins(u.DownMinutes), obj, met))
		}
	}
	if len(ups) > 0 {
		fmt.Fprintln(w, "\nUpstream components (their own uptime)")
		fmt.Fprintln(tw, "SUBSCRIPTION\tCOMPONENT\tUPTIME %\tDOWN\tOBJECTIVE\tMET")
		for _, l := range ups {
			fmt.Fprintln(tw, l)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rep.Tickets) > 0 {
		fmt.Fprintln(w, "\nSupport tickets")
		fmt.Fprintln(tw, "TICKET\tCUSTOMER\tPLAN\tPRIORITY\tTARGET\tDEADLINE\tACHIEVED\tUSED MIN\tTARGET MIN\tCALENDAR\tSTATE")
		for _, t := range rep.Tickets {
			for _, tr := range t.Targets {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Ticket, t.Customer, t.Plan, t.Priority, targetCols(tr))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rep.Incidents) > 0 {
		fmt.Fprintln(w, "\nIncident obligations")
		fmt.Fprintln(tw, "INCIDENT\tPLAN\tSEVERITY\tOBLIGATION\tDEADLINE\tACHIEVED\tUSED MIN\tTARGET MIN\tCALENDAR\tSTATE")
		for _, in := range rep.Incidents {
			for _, tr := range in.Obligations {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", in.Incident, in.Plan, in.Severity, targetCols(tr))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rep.Recovery) > 0 {
		fmt.Fprintln(w, "\nRecovery")
		fmt.Fprintln(tw, "PLAN\tOBJECTIVE\tACHIEVED\tTARGET\tMET")
		for _, r := range rep.Recovery {
			for _, d := range r.Disasters {
				fmt.Fprintf(tw, "%s\tRTO (%s)\t%s min\t%s min\t%s\n", r.Plan, d.Disaster, mins(d.RecoveryMinutes), mins(d.RTOMinutes), yesNo(d.RTOMet))
				loss := "no backup before it"
				if d.DataLossMinutes != nil {
					loss = mins(*d.DataLossMinutes) + " min"
				}
				fmt.Fprintf(tw, "%s\tRPO (%s)\t%s\t%s min\t%s\n", r.Plan, d.Disaster, loss, mins(d.RPOMinutes), yesNo(d.RPOMet))
				if d.MaxDataLossMet != nil {
					fmt.Fprintf(tw, "%s\tmax data loss (%s)\t%s\t%s min\t%s\n", r.Plan, d.Disaster, loss, mins(d.MaxDataLossMinutes), yesNo(*d.MaxDataLossMet))
				}
			}
			if r.BackupEveryMinutes > 0 {
				fmt.Fprintf(tw, "%s\tbackup cadence\tlongest gap %s min\t%s min\t%s\n", r.Plan, mins(r.LongestGapMinutes), mins(r.BackupEveryMinutes), yesNo(r.BackupsMet))
			}
			if r.RestoreTestsWanted > 0 {
				fmt.Fprintf(tw, "%s\trestore tests\t%d\t%d\t%s\n", r.Plan, r.RestoreTests, r.RestoreTestsWanted, yesNo(r.RestoreTestsMet))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if explain {
		for _, s := range rep.Subscriptions {
			fmt.Fprintf(w, "\nIntervals behind %s %s (%s)\n", s.Subscription, s.Period, s.Plan)
			if len(s.Intervals) == 0 {
				fmt.Fprintln(w, "  no downtime, maintenance or ignored blips in the period")
				continue
			}
			fmt.Fprintln(tw, "START\tEND\tMIN\tCOMPONENT\tSTATUS\tWEIGHT\tCAUSE\tCOUNTED\tFACTS\tNOTE")
			for _, iv := range s.Intervals {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ts(iv.Start), ts(iv.End), mins(iv.Minutes), dash(iv.Component), dash(string(iv.Status)),
					strconv.FormatFloat(iv.Weight, 'f', -1, 64), dash(string(iv.Cause)), iv.Counted, strings.Join(iv.Facts, ","), iv.Note)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func targetCols(tr *sla.TargetResult) string {
	achieved := "-"
	if tr.AchievedAt != nil {
		achieved = ts(*tr.AchievedAt)
	}
	state := tr.State
	if tr.Cycles > 1 {
		state += fmt.Sprintf(" (%d of %d cycles breached)", tr.Breaches, tr.Cycles)
	}
	target := mins(tr.TargetMinutes)
	if tr.Range != "" {
		// A range: both ends, and which one was met.
		target = mins(tr.LowerMinutes) + "-" + target
		state += " (range: " + tr.Range + ")"
	}
	return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", tr.Metric, ts(tr.Deadline), achieved, mins(tr.UsedMinutes), target, tr.Calendar, state)
}

// writeCSV writes one row per subscription period, for billing; with
// explain, one row per interval instead.
func writeCSV(w io.Writer, rep *sla.Report, explain bool) error {
	cw := csv.NewWriter(w)
	if explain {
		cw.Write([]string{"subscription", "period", "start", "end", "minutes", "component", "status", "weight", "cause", "counted", "facts", "note"})
		for _, s := range rep.Subscriptions {
			for _, iv := range s.Intervals {
				cw.Write([]string{s.Subscription, s.Period, iv.Start.Format(time.RFC3339), iv.End.Format(time.RFC3339), strconv.FormatFloat(iv.Minutes, 'f', -1, 64),
					iv.Component, string(iv.Status), strconv.FormatFloat(iv.Weight, 'f', -1, 64), string(iv.Cause), iv.Counted, strings.Join(iv.Facts, " "), iv.Note})
			}
		}
		cw.Flush()
		return cw.Error()
	}
	causes := make([]string, 0, len(sla.Causes))
	for _, c := range sla.Causes {
		if c != sla.CauseLiable {
			causes = append(causes, "excluded_"+string(c)+"_minutes")
		}
	}
	sort.Strings(causes)
	head := append([]string{"customer", "subscription", "plan", "period", "start", "end", "uptime_percent", "objective_percent", "met",
		"total_minutes", "maintenance_minutes", "liable_minutes"}, causes...)
	head = append(head, "credit_percent", "capped", "amount", "owed", "currency", "eligible", "state", "claim_deadline")
	cw.Write(head)
	for _, s := range rep.Subscriptions {
		row := []string{s.Customer, s.Subscription, s.Plan, s.Period, s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339),
			strconv.FormatFloat(s.Uptime, 'f', -1, 64), strconv.FormatFloat(s.Objective, 'f', -1, 64), strconv.FormatBool(s.Met),
			strconv.FormatFloat(s.TotalMinutes, 'f', -1, 64), strconv.FormatFloat(s.MaintenanceMinutes, 'f', -1, 64), strconv.FormatFloat(s.LiableMinutes, 'f', -1, 64)}
		for _, c := range causes {
			cause := sla.Cause(strings.TrimSuffix(strings.TrimPrefix(c, "excluded_"), "_minutes"))
			row = append(row, strconv.FormatFloat(s.ExcludedMinutes[cause], 'f', -1, 64))
		}
		dl := ""
		if s.Credit.ClaimDeadline != nil {
			dl = s.Credit.ClaimDeadline.Format(time.RFC3339)
		}
		row = append(row, strconv.FormatFloat(s.Credit.Percent, 'f', -1, 64), strconv.FormatBool(s.Credit.Capped), s.Credit.Amount, s.Credit.Owed,
			s.Credit.Currency, strconv.FormatBool(s.Credit.Eligible), s.Credit.State, dl)
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
