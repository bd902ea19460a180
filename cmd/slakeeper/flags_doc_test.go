package main

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestFlagsDocumented checks that every flag of every command is written
// as --name in README.md or docs/*.md, so that a flag added to a command
// without a word in the docs fails here.
//
// The commands are the first words of the lines mainUsage lists under
// "Commands:" ("serve", "policy", …). Each is run through run, as a user
// would (cliRun), with --help: parseFlags prints its usage and its flag
// set's defaults and returns before the command does anything. A command
// whose help has no "Flags:" (ledger, policy) has subcommands: the
// "slakeeper <command> <sub>" lines of its usage name them, and each is
// run with --help in turn. The flags are the "  -name" lines that
// flag.PrintDefaults writes after "Flags:". No non-test code changed.
//
// A flag is documented when "--name" appears in the docs not followed by
// a letter, digit or "-" (so --token-env does not document --token). A
// one-letter flag (-o) is written with one dash, as the docs and the
// usage texts do: "-o" then.
func TestFlagsDocumented(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var docs strings.Builder
	for _, f := range append(files, "../../README.md") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(b)
		docs.WriteByte('\n')
	}
	text := docs.String()

	flags := commandFlags(t)
	for _, cmd := range []string{"serve", "evaluate", "ledger export", "policy check", "policy openslo"} {
		if len(flags[cmd]) == 0 {
			t.Fatalf("found no flags for %s: %v", cmd, flags)
		}
	}
	for _, cmd := range slices.Sorted(maps.Keys(flags)) {
		for _, name := range flags[cmd] {
			spelled := "--" + name
			if len(name) == 1 {
				spelled = "-" + name
			}
			re := regexp.MustCompile(`(^|[^A-Za-z0-9-])` + regexp.QuoteMeta(spelled) + `($|[^A-Za-z0-9-])`)
			if !re.MatchString(text) {
				t.Errorf("slakeeper %s %s is not documented: write %s in README.md or docs/*.md", cmd, spelled, spelled)
			}
		}
	}
}

var (
	usageCommandRE = regexp.MustCompile(`(?m)^  ([a-z][a-z-]*) `)
	flagLineRE     = regexp.MustCompile(`(?m)^  -([A-Za-z0-9][A-Za-z0-9_-]*)`)
)

// commandFlags returns the flag names of every command and subcommand,
// by the usage each prints for --help.
func commandFlags(t *testing.T) map[string][]string {
	t.Helper()
	_, list, ok := strings.Cut(mainUsage, "\nCommands:\n")
	if !ok {
		t.Fatal(`mainUsage has no "Commands:"`)
	}
	list, _, _ = strings.Cut(list, "\n\n")
	var cmds []string
	for _, m := range usageCommandRE.FindAllStringSubmatch(list, -1) {
		if !slices.Contains(cmds, m[1]) {
			cmds = append(cmds, m[1])
		}
	}
	if len(cmds) < 10 {
		t.Fatalf("found only the commands %q in mainUsage", cmds)
	}
	out := map[string][]string{}
	for len(cmds) > 0 {
		cmd := cmds[0]
		cmds = cmds[1:]
		if _, done := out[cmd]; done {
			continue
		}
		code, stdout, stderr := cliRun(t, append(strings.Fields(cmd), "--help")...)
		if code != 0 {
			t.Fatalf("slakeeper %s --help: exit %d\n%s%s", cmd, code, stdout, stderr)
		}
		_, defaults, ok := strings.Cut(stdout, "\nFlags:\n")
		if !ok {
			// Subcommands: the usage's "slakeeper <cmd> <sub>" lines.
			subRE := regexp.MustCompile(`(?m)^\s+slakeeper ` + regexp.QuoteMeta(cmd) + ` ([a-z][a-z-]*)`)
			var subs []string
			for _, m := range subRE.FindAllStringSubmatch(stdout, -1) {
				subs = append(subs, cmd+" "+m[1])
			}
			if len(subs) == 0 || strings.Contains(cmd, " ") {
				t.Fatalf("slakeeper %s --help printed neither flags nor subcommands:\n%s", cmd, stdout)
			}
			cmds = append(cmds, subs...)
			out[cmd] = nil
			continue
		}
		names := []string{}
		for _, m := range flagLineRE.FindAllStringSubmatch(defaults, -1) {
			names = append(names, m[1])
		}
		out[cmd] = names
	}
	return out
}
