package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/store"
)

const exportUsage = `slakeeper export writes the evidence a period's report reads, as JSON
Lines (docs/facts.md): the configured customers and subscriptions and every
stored fact up to three months after the period. "slakeeper evaluate" on
that file gives the same figures as the server's /api/v1/reports.

Usage:
  slakeeper export --period PERIOD [--config FILE] [--database DSN] [--out FILE]

Examples:
  slakeeper export --period 2026-10 --config slakeeper.yaml > 2026-10.jsonl
  slakeeper evaluate --policy policy.yaml --facts 2026-10.jsonl --period 2026-10
`

func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("export", exportUsage, stderr)
	period := fs.String("period", "", "period: 2026-10, 2026-Q4 or 2026")
	cfgPath := fs.String("config", "", "configuration file; empty uses the built-in demo")
	dsn := fs.String("database", envOr(getenv, "SLAKEEPER_DATABASE", "slakeeper.db"), "evidence store: an SQLite file path or postgres://…")
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *period == "" {
		fs.Usage()
		return &usageError{"export: --period is required"}
	}
	from, end, err := reports.EvidenceRange(*period)
	if err != nil {
		return err
	}
	cfg, st, err := openForTool(ctx, *cfgPath, *dsn, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	ev, err := reports.Evidence(ctx, cfg, st, from, end)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(ev)
		return err
	}
	// Write whole or not at all: a temporary file renamed into place.
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, ev, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	return os.Rename(tmp, *out)
}

// openForTool loads the configuration and opens an existing store for a
// command that reads (or adds a little to) what a server keeps: a
// database that is not there is an error, not a new empty one.
func openForTool(ctx context.Context, cfgPath, dsn string, getenv func(string) string) (*config.Config, store.Store, error) {
	cfg, err := loadConfig(cfgPath, getenv, "127.0.0.1:8080")
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(dsn); err != nil && !isURL(dsn) {
		return nil, nil, fmt.Errorf("open store: %s does not exist", dsn)
	}
	st, err := store.Open(ctx, dsn, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	return cfg, st, nil
}

func isURL(s string) bool {
	for _, p := range []string{"postgres://", "postgresql://", "sqlite:"} {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}
