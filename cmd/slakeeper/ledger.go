package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/ledger"
)

const ledgerUsage = `slakeeper ledger reads and closes the credit ledger in the store.

  export   the ledger entries of a period, one line each: decimal amounts
           as strings, currency, customer, subscription, invoice reference
  close    close a period now (as POST /api/v1/closes); idempotent, shows
           progress on standard error

Usage:
  slakeeper ledger export --period PERIOD [-o csv|json] [--config FILE] [--database DSN]
  slakeeper ledger close --period PERIOD [--config FILE] [--database DSN]

Examples:
  slakeeper ledger export --period 2026-11 -o csv > credits-2026-11.csv
  slakeeper ledger close --period 2026-11 --config slakeeper.yaml
`

// ledgerColumns are the export's CSV columns.
var ledgerColumns = []string{"seq", "id", "kind", "customer", "subscription", "policy", "period", "currency", "amount", "at", "by", "reason", "ref", "invoice_ref"}

func cmdLedger(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "close") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, ledgerUsage)
			return errHelp
		}
		fmt.Fprint(stderr, ledgerUsage)
		return &usageError{"ledger: want the subcommand export or close"}
	}
	sub := args[0]
	fs := newFlags("ledger "+sub, ledgerUsage, stderr)
	period := fs.String("period", "", "period: 2026-11, 2026-Q4 or 2026")
	format := fs.String("o", "csv", "output of export: csv or json")
	cfgPath := fs.String("config", "", "configuration file; empty uses the built-in demo")
	dsn := fs.String("database", envOr(getenv, "SLAKEEPER_DATABASE", "slakeeper.db"), "store: an SQLite file path or postgres://…")
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if *period == "" {
		fs.Usage()
		return &usageError{"ledger " + sub + ": --period is required"}
	}
	if *format != "csv" && *format != "json" {
		return &usageError{fmt.Sprintf("-o: want csv or json, got %q", *format)}
	}
	cfg, st, err := openForTool(ctx, *cfgPath, *dsn, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := ledger.New(st, func() *config.Config { return cfg }, time.Now, slog.New(slog.NewTextHandler(stderr, nil)), nil, nil)
	if sub == "close" {
		res, err := svc.Close(ctx, *period, func(done, total int) { fmt.Fprintf(stderr, "closed %d of %d subscriptions\n", done, total) })
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d closed now, %d before, %d still open; %d entries posted\n", res.Period, res.Closed, res.Already, res.Open, len(res.Posted))
		return nil
	}
	es, totals, err := svc.Entries(ctx, ledger.Filter{Period: *period})
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"period": *period, "entries": es, "totals": totals})
	}
	w := csv.NewWriter(stdout)
	w.Write(ledgerColumns)
	for _, e := range es {
		w.Write([]string{fmt.Sprint(e.Seq), e.ID, e.Kind, e.Customer, e.Subscription, e.Policy, e.Period, e.Currency, e.Amount,
			e.At.UTC().Format(time.RFC3339), e.By, e.Reason, e.Ref, e.Invoice})
	}
	w.Flush()
	return w.Error()
}
