package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliRun runs the program as main would and returns its exit code and output.
func cliRun(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	if err != nil && exitCode(err) != 0 {
		errb.WriteString(err.Error())
	}
	return exitCode(err), out.String(), errb.String()
}

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	badFacts := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(badFacts, []byte("{\"type\":\"status\",\"id\":\"s1\",\"at\":\"yesterday\",\"component\":\"pim\",\"status\":\"major_outage\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{name: "no command", args: nil, wantCode: 2, wantErr: "no command given"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantErr: `unknown command "frobnicate"`},
		{name: "help", args: []string{"--help"}, wantCode: 0, wantOut: "Commands:"},
		{name: "version", args: []string{"version"}, wantCode: 0, wantOut: "slakeeper"},
		{name: "evaluate help has an example", args: []string{"evaluate", "--help"}, wantCode: 0, wantOut: "Examples:"},
		{name: "policy check help", args: []string{"policy", "check", "--help"}, wantCode: 0, wantOut: "Example:"},
		{name: "evaluate without flags", args: []string{"evaluate"}, wantCode: 2, wantErr: "--policy, --facts and --period are required"},
		{name: "bad output format", args: []string{"evaluate", "-o", "xml", "--policy", "p", "--facts", "f", "--period", "2026-10"}, wantCode: 2, wantErr: `-o: want table, json, csv, got "xml"`},
		{name: "bad as-of", args: []string{"evaluate", "--as-of", "soon", "--policy", "p", "--facts", "f", "--period", "2026-10"}, wantCode: 2, wantErr: "--as-of"},
		{name: "missing policy file is not an input error", args: []string{"evaluate", "--policy", filepath.Join(dir, "none.yaml"), "--facts", badFacts, "--period", "2026-10"}, wantCode: 1, wantErr: "read policy"},
		{name: "bad fact names line and field", args: []string{"evaluate", "--policy", "../../examples/002-bluestone.yaml", "--facts", badFacts, "--period", "2026-10"}, wantCode: 2, wantErr: "bad.jsonl:1: at: want an RFC 3339 time"},
		{name: "bad period", args: []string{"evaluate", "--policy", "../../examples/002-bluestone.yaml", "--facts", "../../examples/002-bluestone.jsonl", "--period", "October"}, wantCode: 2, wantErr: "period"},
		{name: "policy without subcommand", args: []string{"policy"}, wantCode: 2, wantErr: "want the subcommand check"},
		{name: "policy check without files", args: []string{"policy", "check"}, wantCode: 2, wantErr: "name at least one policy file"},
		{name: "policy check ok", args: []string{"policy", "check", "../../examples/002-bluestone.yaml"}, wantCode: 0, wantOut: "ok    ../../examples/002-bluestone.yaml"},
		{name: "policy check json", args: []string{"policy", "check", "-o", "json", "../../examples/002-bluestone.yaml"}, wantCode: 0, wantOut: `"ok": true`},
		{name: "csv output", args: []string{"evaluate", "--policy", "../../examples/002-bluestone.yaml", "--facts", "../../examples/002-bluestone.jsonl", "--period", "2026-10", "--as-of", "2026-11-24T00:00:00Z", "-o", "csv"}, wantCode: 0, wantOut: "nordic-retail,sub-nordic,standard,2026-10,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cliRun(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code: got %d, want %d (stderr: %s)", code, tt.wantCode, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout: got %q, want it to contain %q", out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr: got %q, want it to contain %q", errOut, tt.wantErr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := cliRun(t, "version")
	if code != 0 || !strings.HasPrefix(out, "slakeeper ") || !strings.Contains(out, "\ncommit ") || !strings.Contains(out, "\ngo        go1.") {
		t.Errorf("version: exit %d\n%s", code, out)
	}
	code, out, _ = cliRun(t, "version", "-o", "json")
	var b buildInfo
	if err := json.Unmarshal([]byte(out), &b); code != 0 || err != nil || b.Version == "" || !strings.HasPrefix(b.Go, "go1.") || b.Platform == "" {
		t.Errorf("version -o json: exit %d, %v\n%s", code, err, out)
	}
	if code, _, errOut := cliRun(t, "version", "-o", "yaml"); code != 2 || !strings.Contains(errOut, "-o: want table, json") {
		t.Errorf("version -o yaml: exit %d, %s", code, errOut)
	}
}

func TestPolicyOpenSLO(t *testing.T) {
	code, out, errOut := cliRun(t, "policy", "openslo", "--at", "2026-12-01", "../../examples/002-bluestone.yaml")
	if code != 0 || strings.Count(out, "kind: SLO\n") != 2 || !strings.Contains(out, "target: 0.995") || !strings.Contains(out, `startTime: "2026-01-01 00:00:00"`) {
		t.Errorf("policy openslo: exit %d, %s\n%s", code, errOut, out)
	}
	if code, _, errOut := cliRun(t, "policy", "openslo", "--at", "1999-01-01", "../../examples/002-bluestone.yaml"); code != 2 || !strings.Contains(errOut, "no version in force") {
		t.Errorf("before the first version: exit %d, %s", code, errOut)
	}
	if code, _, _ := cliRun(t, "policy", "openslo"); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
}
