package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

const policyUsage = `slakeeper policy check validates policy files: syntax, references, value
ranges, and the rule that a version reducing protections cannot take effect
sooner than the policy's notice period after it was published. Errors name
the file, line and field; the exit code is 2 when any file is bad.

Usage:
  slakeeper policy check [-o table|json] FILE...
  slakeeper policy openslo [--config FILE] [--at YYYY-MM-DD] FILE   (see its --help)

Example:
  slakeeper policy check examples/*.yaml
`

// checkResult is one file's outcome, for -o json.
type checkResult struct {
	File     string   `json:"file"`
	OK       bool     `json:"ok"`
	Policy   string   `json:"policy,omitempty"`
	Versions []string `json:"versions,omitempty"`
	Plans    []string `json:"plans,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

func cmdPolicyCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("policy check", policyUsage, stderr)
	out := fs.String("o", "table", "output: table or json")
	jsonOut := fs.Bool("json", false, "same as -o json")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *jsonOut {
		*out = "json"
	}
	if err := outputFormat(*out, "table", "json"); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return &usageError{"policy check: name at least one policy file"}
	}
	var results []checkResult
	var firstErr error
	for _, path := range fs.Args() {
		r := checkResult{File: path}
		p, err := policy.Load(path)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			if many, ok := err.(sla.InputErrors); ok {
				for _, e := range many {
					r.Errors = append(r.Errors, e.Error())
				}
			} else {
				r.Errors = []string{err.Error()}
			}
		} else {
			r.OK = true
			r.Policy = p.ID
			for _, v := range p.Versions {
				r.Versions = append(r.Versions, v.ID)
				for _, id := range v.PlanOrder {
					r.Plans = append(r.Plans, v.ID+"/"+id)
				}
			}
		}
		results = append(results, r)
	}
	if *out == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if r.OK {
				fmt.Fprintf(stdout, "ok    %s: policy %s, versions %s, plans %s\n", r.File, r.Policy, strings.Join(r.Versions, ", "), strings.Join(r.Plans, ", "))
				continue
			}
			fmt.Fprintf(stdout, "FAIL  %s\n", r.File)
			for _, e := range r.Errors {
				fmt.Fprintf(stdout, "      %s\n", e)
			}
		}
	}
	if firstErr != nil {
		return &sla.InputError{Msg: fmt.Sprintf("%d of %d policy files are invalid", countFailed(results), len(results))}
	}
	return nil
}

func countFailed(rs []checkResult) int {
	n := 0
	for _, r := range rs {
		if !r.OK {
			n++
		}
	}
	return n
}
