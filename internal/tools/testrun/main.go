// Command testrun is what `make test` runs: go test over the packages
// given, printed as go test prints them (a line per package, the output of
// failed tests), followed by the tests that skipped themselves for want of
// a component this machine lacks — PostgreSQL, Chromium, the SMTP sink,
// the feed parser — so that a green run on a bare machine is not taken for
// a full one. It exits with go test's exit code.
//
//	go run ./internal/tools/testrun ./...
//	go run ./internal/tools/testrun -run TestStatusPage ./internal/server
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

func main() {
	cmd := exec.Command("go", append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(1)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(1)
	}
	skips := report(out, os.Stdout)
	err = cmd.Wait()
	summarize(os.Stdout, skips)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.ExitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, "testrun:", err)
		os.Exit(1)
	}
}

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Output     string
}

// skip is a test that skipped itself, with the reason it gave.
type skip struct {
	test, reason string
}

// report prints the stream as go test would without -v and returns the
// skipped tests.
func report(r io.Reader, w io.Writer) []skip {
	type key struct{ pkg, test string }
	buf := map[key][]string{}
	var skips []skip
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Fprintln(w, sc.Text()) // not JSON: pass it on
			continue
		}
		k := key{e.Package, e.Test}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(w, e.Output)
		case e.Test == "" && e.Action == "output":
			// The package's own lines: "ok …", "FAIL …", a panic outside
			// a test. "PASS" is noise without -v.
			if e.Output != "PASS\n" {
				fmt.Fprint(w, e.Output)
			}
		case e.Action == "output":
			buf[k] = append(buf[k], e.Output)
		case e.Action == "fail":
			if e.Test != "" {
				fmt.Fprint(w, strings.Join(buf[k], ""))
			}
			delete(buf, k)
		case e.Action == "skip":
			if e.Test != "" {
				skips = append(skips, skip{e.Package + " " + e.Test, reason(buf[k])})
			}
			delete(buf, k)
		case e.Action == "pass":
			delete(buf, k)
		}
	}
	return skips
}

// reason is a skipped test's message: its last line that starts with a
// file:line prefix (a message may go on over several lines), without the
// prefix; else its last line.
func reason(lines []string) string {
	last := ""
	for _, l := range slices.Backward(lines) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		if last == "" {
			last = l
		}
		if at, rest, ok := strings.Cut(l, ": "); ok && strings.Contains(at, ".go:") && !strings.Contains(at, " ") {
			return rest
		}
	}
	return last
}

// components are the parts a test may find missing, by the words of its
// skip message.
var components = []struct{ name, words string }{
	{"PostgreSQL", "postgres"},
	{"Chromium (browser tests)", "chromium"},
	{"SMTP sink (python3-aiosmtpd)", "smtp"},
	{"feed parser (python3-feedparser)", "feedparser|python3"},
	{"ICMP sockets", "icmp"},
}

func component(reason string) string {
	r := strings.ToLower(reason)
	for _, c := range components {
		for w := range strings.SplitSeq(c.words, "|") {
			if strings.Contains(r, w) {
				return c.name
			}
		}
	}
	return ""
}

// summarize lists the tests skipped for a missing component, grouped by
// component, and counts the others (short mode, helpers).
func summarize(w io.Writer, skips []skip) {
	by := map[string][]skip{}
	other := 0
	for _, s := range skips {
		if c := component(s.reason); c != "" {
			by[c] = append(by[c], s)
		} else {
			other++
		}
	}
	if len(by) == 0 {
		fmt.Fprintf(w, "testrun: no test skipped for a missing component (%d skipped by design: -short, helper processes)\n", other)
		return
	}
	fmt.Fprintln(w, "testrun: SKIPPED FOR A MISSING COMPONENT — this run is not a full one (bash .ci/run installs them):")
	for _, c := range components {
		ss := by[c.name]
		if len(ss) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s: %d tests, e.g. %s: %s\n", c.name, len(ss), ss[0].test, ss[0].reason)
	}
	if other > 0 {
		fmt.Fprintf(w, "  (and %d skipped by design: -short, helper processes)\n", other)
	}
}
