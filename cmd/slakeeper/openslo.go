package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/slakeeper/slakeeper/internal/openslo"
	"github.com/slakeeper/slakeeper/internal/policy"
)

const opensloUsage = `slakeeper policy openslo writes the availability objective of each plan of
a policy as OpenSLO v1 YAML (an SLI counting slakeeper's check results, and
an SLO budgeted in one-minute slices over the plan's calendar period), for
SLO tools such as Sloth, Pyrra or Nobl9. With --config, the SLI's queries
name the monitors of each plan's components; without, they select by
component. Credits and exclusions by cause stay slakeeper's: the SLO's
description says which.

Usage:
  slakeeper policy openslo [--config FILE] [--at YYYY-MM-DD] FILE

Example:
  slakeeper policy openslo --config slakeeper.yaml examples/002-bluestone.yaml > slo.yaml
`

func cmdPolicyOpenSLO(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("policy openslo", opensloUsage, stderr)
	cfgPath := fs.String("config", "", "server configuration, to name each component's monitors in the queries")
	atFlag := fs.String("at", "", "export the version in force on this date (default today)")
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &usageError{"policy openslo: name one policy file"}
	}
	at := time.Now()
	if *atFlag != "" {
		t, err := time.Parse(time.DateOnly, *atFlag)
		if err != nil {
			return &usageError{fmt.Sprintf("policy openslo: --at: want a date such as 2026-12-01, got %q", *atFlag)}
		}
		at = t
	}
	pol, err := policy.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	var monitorsOf openslo.MonitorsOf
	if *cfgPath != "" {
		c, err := loadConfig(*cfgPath, getenv, "")
		if err != nil {
			return err
		}
		monitorsOf = func(comp string) []string {
			var ids []string
			for _, m := range c.Monitors {
				if m.Component == comp {
					ids = append(ids, m.ID)
				}
			}
			return ids
		}
	}
	out, err := openslo.Export(pol, at, monitorsOf)
	if err != nil {
		return &usageError{err.Error()}
	}
	_, err = stdout.Write(out)
	return err
}
