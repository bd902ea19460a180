package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

const versionUsage = `slakeeper version prints the version, the commit it was built from and
when: from the build information Go stamps into the binary (go build and
go install in a git checkout; "go run" stamps none), or from -ldflags:
  go build -ldflags "-X main.version=1.4.0 -X main.buildDate=$(date -u +%FT%TZ)" ./cmd/slakeeper

Usage:
  slakeeper version [-o table|json]

Example:
  slakeeper version -o json
`

// version and buildDate are set at build time with -ldflags "-X
// main.version=… -X main.buildDate=…"; otherwise they come from the
// build information.
var (
	version   = "dev"
	buildDate = ""
)

// buildInfo is what a binary knows of its own build.
type buildInfo struct {
	Version string `json:"version"`
	// Commit is the git revision, with "-dirty" when the tree had
	// uncommitted changes; empty without VCS information.
	Commit string `json:"commit,omitempty"`
	// CommitDate is the commit's time; BuildDate the build's, when the
	// build set it.
	CommitDate string `json:"commit_date,omitempty"`
	BuildDate  string `json:"build_date,omitempty"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, BuildDate: buildDate, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if b.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version // go install …@v1.2.3
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.CommitDate = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && b.Commit != "" {
		b.Commit += "-dirty"
	}
	return b
}

func cmdVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", versionUsage, stderr)
	out := fs.String("o", "table", "output: table or json")
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	if err := outputFormat(*out, "table", "json"); err != nil {
		return err
	}
	b := readBuildInfo()
	if *out == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	fmt.Fprintf(stdout, "slakeeper %s\n", b.Version)
	commit := b.Commit
	if commit == "" {
		commit = "unknown (built without VCS information, e.g. by go run)"
	}
	fmt.Fprintf(stdout, "commit    %s\n", commit)
	if b.CommitDate != "" {
		fmt.Fprintf(stdout, "committed %s\n", b.CommitDate)
	}
	built := b.BuildDate
	if built == "" {
		built = "unknown (set with -ldflags \"-X main.buildDate=…\")"
	}
	fmt.Fprintf(stdout, "built     %s\n", built)
	fmt.Fprintf(stdout, "go        %s %s\n", b.Go, b.Platform)
	return nil
}
