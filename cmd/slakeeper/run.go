package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// Exit codes: 0 success, 1 an internal or environment failure, 2 bad usage
// or bad input (a policy, a fact file, a flag).
const (
	exitInternal = 1
	exitInput    = 2
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errHelp is returned after printing help on request; it exits 0.
var errHelp = errors.New("help requested")

// exitCode maps an error to the process exit code, in one place.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue), sla.IsInput(err):
		return exitInput
	default:
		return exitInternal
	}
}

const mainUsage = `slakeeper keeps SLA promises measurable: policy + evidence + period → report.

Usage:
  slakeeper <command> [flags]

Commands:
  serve          run the server: checks, evidence store, API (demo with no flags)
  agent          run a location's checks and stream results to the server
  export         write a period's evidence as JSON Lines from the store
  ledger         export a period's credit ledger (csv, json) or close a period
  whatif         a proposed policy against past periods' evidence, beside the one in force
  import         send fact files (tickets, claims, backups, …) to a server
  evaluate       compute uptime, credits, ticket clocks and obligations offline
  policy check   validate a policy file
  policy openslo export a policy's objectives as OpenSLO YAML
  hash-password  print the bcrypt hash of a password read from stdin
  version        print the version, commit and build date

Run "slakeeper <command> --help" for a command's flags and an example.

Example:
  slakeeper evaluate --policy examples/002-bluestone.yaml \
    --facts examples/002-bluestone.jsonl --period 2026-10
`

// run is the whole program; main only calls it, so tests can too.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return &usageError{"no command given"}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "agent":
		return cmdAgent(ctx, rest, getenv, stdout, stderr)
	case "ledger":
		return cmdLedger(ctx, rest, getenv, stdout, stderr)
	case "export":
		return cmdExport(ctx, rest, getenv, stdout, stderr)
	case "whatif":
		return cmdWhatif(ctx, rest, getenv, stdout, stderr)
	case "import":
		return cmdImport(ctx, rest, getenv, stdout, stderr)
	case "evaluate":
		return cmdEvaluate(ctx, rest, getenv, stdout, stderr)
	case "policy":
		if len(rest) == 0 || (rest[0] != "check" && rest[0] != "openslo" && !isHelp(rest[0])) {
			fmt.Fprint(stderr, policyUsage)
			return &usageError{"policy: want the subcommand check or openslo"}
		}
		if isHelp(rest[0]) {
			fmt.Fprint(stdout, policyUsage)
			return nil
		}
		if rest[0] == "openslo" {
			return cmdPolicyOpenSLO(rest[1:], getenv, stdout, stderr)
		}
		return cmdPolicyCheck(rest[1:], stdout, stderr)
	case "hash-password":
		return cmdHashPassword(rest, stdin, stdout, stderr)
	case "version", "--version":
		return cmdVersion(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, mainUsage)
		return nil
	default:
		fmt.Fprint(stderr, mainUsage)
		return &usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "help" }

// newFlags makes a flag set that prints its usage with an example.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and turns flag errors into usage errors; --help prints
// the usage to stdout and returns errHelp.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return errHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return &usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	return nil
}

// outputFormat validates -o.
func outputFormat(s string, allowed ...string) error {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	return &usageError{fmt.Sprintf("-o: want %s, got %q", strings.Join(allowed, ", "), s)}
}
