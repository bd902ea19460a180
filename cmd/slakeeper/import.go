package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/sla"
)

const importUsage = `slakeeper import sends fact files (JSON Lines, docs/facts.md) to a running
server's POST /api/v1/facts, in batches, so that tickets, claims, backups,
samples and any other evidence count in its live reports. Each file is
checked whole first: a file with an error sends nothing. Facts the server
already has are skipped, so after a failure the same command resumes
without duplicating anything.

The token (role ingest or operator) is read from the environment variable
named by --token-env, never from the command line.

Usage:
  slakeeper import --server URL [--token-env NAME] [--batch N] [-o table|json] FILE...

Example:
  SLAKEEPER_TOKEN=… slakeeper import --server https://status.example.com \
    tickets-2026-11.jsonl backups-2026-11.jsonl
`

// importOrder sends the facts others refer to first, so that a batch's
// references are stored before it (facts.md lets a file hold them in
// any order).
var importOrder = map[string]int{"customer": 0, "subscription": 1, "incident": 2, "ticket": 2, "disaster": 2, "maintenance_series": 2, "maintenance": 3}

// importResult is what an import did to one file.
type importResult struct {
	File       string   `json:"file"`
	Facts      int      `json:"facts"`
	Stored     int      `json:"stored"`
	Duplicates int      `json:"duplicates"`
	Late       []string `json:"late,omitempty"`
}

func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("import", importUsage, stderr)
	server := fs.String("server", envOr(getenv, "SLAKEEPER_SERVER", ""), "the server's base URL, e.g. https://status.example.com (default $SLAKEEPER_SERVER)")
	tokenEnv := fs.String("token-env", "SLAKEEPER_TOKEN", "the environment variable holding the API token")
	batchSize := fs.Int("batch", 1000, "facts per request (1 to 50000)")
	output := fs.String("o", "table", "output: table or json")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := outputFormat(*output, "table", "json"); err != nil {
		return err
	}
	switch {
	case *server == "":
		return &usageError{"import: --server is required"}
	case fs.NArg() == 0:
		return &usageError{"import: name at least one fact file"}
	case *batchSize < 1 || *batchSize > 50000:
		return &usageError{fmt.Sprintf("import: --batch: want 1 to 50000, got %d", *batchSize)}
	}
	token := getenv(*tokenEnv)
	if token == "" {
		return &usageError{fmt.Sprintf("import: $%s is empty: set it to an API token of role ingest or operator", *tokenEnv)}
	}
	// Every file is checked before anything is sent.
	batches := make([]*facts.Batch, fs.NArg())
	for i, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		b, err := facts.ParseBatch(path, f)
		f.Close()
		if err != nil {
			return err
		}
		slices.SortStableFunc(b.Facts, func(x, y facts.Fact) int { return rank(x.Type) - rank(y.Type) })
		batches[i] = b
	}
	im := &importer{base: strings.TrimRight(*server, "/"), token: token, client: &http.Client{Timeout: 2 * time.Minute}, progress: stderr}
	var results []importResult
	for i, path := range fs.Args() {
		res, err := im.send(ctx, path, batches[i].Facts, *batchSize)
		results = append(results, res)
		if err != nil {
			return fmt.Errorf("import stopped in %s after %d of %d facts: %w; run the same command again: facts already stored are skipped", path, res.Stored+res.Duplicates, res.Facts, err)
		}
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"files": results})
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tFACTS\tSTORED\tALREADY STORED\tLATE")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", r.File, r.Facts, r.Stored, r.Duplicates, len(r.Late))
	}
	return tw.Flush()
}

func rank(typ string) int {
	if r, ok := importOrder[typ]; ok {
		return r
	}
	return len(importOrder)
}

// importer posts batches of facts to one server.
type importer struct {
	base, token string
	client      *http.Client
	progress    io.Writer
}

// send posts fs in batches of size, reporting progress per batch.
func (im *importer) send(ctx context.Context, path string, fs []facts.Fact, size int) (importResult, error) {
	res := importResult{File: path, Facts: len(fs)}
	for start := 0; start < len(fs); start += size {
		part := fs[start:min(start+size, len(fs))]
		var body bytes.Buffer
		for _, f := range part {
			body.WriteString(f.JSON)
			body.WriteByte('\n')
		}
		var out struct {
			Stored, Duplicates int
			Late               []string
		}
		if err := im.post(ctx, path, part, body.Bytes(), &out); err != nil {
			return res, err
		}
		res.Stored += out.Stored
		res.Duplicates += out.Duplicates
		res.Late = append(res.Late, out.Late...)
		done := start + len(part)
		fmt.Fprintf(im.progress, "import: %s: %d/%d facts sent (%d%%), %d new, %d already stored\n",
			path, done, len(fs), done*100/len(fs), res.Stored, res.Duplicates)
	}
	return res, nil
}

// post sends one batch, retrying while the server or the network fails
// (5xx, 429, no answer): the batch is all or nothing and idempotent, so
// a retry never stores a fact twice. A refusal of the facts (4xx) is
// final; its line numbers are translated to the file's.
func (im *importer) post(ctx context.Context, path string, part []facts.Fact, body []byte, out any) error {
	wait := time.Second
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, im.base+"/api/v1/facts", bytes.NewReader(body))
		if err != nil {
			return &usageError{fmt.Sprintf("import: --server: %v", err)}
		}
		req.Header.Set("Authorization", "Bearer "+im.token)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := im.client.Do(req)
		var answer []byte
		if err == nil {
			answer, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		switch {
		case err == nil && resp.StatusCode == http.StatusOK:
			if err := json.Unmarshal(answer, out); err != nil {
				return fmt.Errorf("the server's answer: %w", err)
			}
			return nil
		case err == nil && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500:
			return refusal(path, part, resp.StatusCode, answer)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt == 6 {
			if err == nil {
				err = fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(answer))
			}
			return fmt.Errorf("the server did not take the batch after %d attempts: %w", attempt, err)
		}
		if err == nil {
			err = errors.New(resp.Status)
		}
		fmt.Fprintf(im.progress, "import: %s: attempt %d failed (%v); retrying in %s\n", path, attempt, err, wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// refusal is the server's refusal of a batch as an error naming the
// file's lines.
func refusal(path string, part []facts.Fact, code int, answer []byte) error {
	var fe struct {
		Error  string
		Field  string
		Line   int
		Errors []struct {
			Line  int
			Field string
			Error string
		}
	}
	if json.Unmarshal(answer, &fe) != nil || fe.Error == "" {
		return fmt.Errorf("the server refused the batch (%d): %s", code, bytes.TrimSpace(answer))
	}
	fileLine := func(l int) int {
		if l >= 1 && l <= len(part) {
			return part[l-1].Line
		}
		return 0
	}
	if code == http.StatusBadRequest && len(fe.Errors) > 0 {
		var errs sla.InputErrors
		for _, e := range fe.Errors {
			errs = append(errs, &sla.InputError{File: path, Line: fileLine(e.Line), Field: e.Field, Msg: e.Error})
		}
		return errs
	}
	if fe.Line > 0 {
		if i := strings.Index(fe.Error, ": "); i > 0 && strings.HasPrefix(fe.Error, "body:") {
			fe.Error = fe.Error[i+2:]
		}
		return fmt.Errorf("the server refused it (%d): %s:%d: %s", code, path, fileLine(fe.Line), fe.Error)
	}
	return fmt.Errorf("the server refused it (%d): %s", code, fe.Error)
}
