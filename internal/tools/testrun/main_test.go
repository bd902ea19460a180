package main

import (
	"bytes"
	"strings"
	"testing"
)

// A stream as go test -json writes it: a pass, a failure, a skip for a
// missing PostgreSQL, one for a missing Chromium and one by design.
const stream = `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestOK"}
{"Action":"output","Package":"p","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"p","Test":"TestOK"}
{"Action":"run","Package":"p","Test":"TestBad"}
{"Action":"output","Package":"p","Test":"TestBad","Output":"=== RUN   TestBad\n"}
{"Action":"output","Package":"p","Test":"TestBad","Output":"    bad_test.go:9: got 2, want 3\n"}
{"Action":"output","Package":"p","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"p","Test":"TestBad"}
{"Action":"output","Package":"p","Test":"TestPG","Output":"    pgtest.go:42: PostgreSQL is unreachable (set SLAKEEPER_TEST_POSTGRES to a server's URL): failed to connect:\n"}
{"Action":"output","Package":"p","Test":"TestPG","Output":"        dial tcp 127.0.0.1:5432: connect: connection refused\n"}
{"Action":"output","Package":"p","Test":"TestPG","Output":"--- SKIP: TestPG (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestPG"}
{"Action":"output","Package":"p","Test":"TestUI","Output":"    browsertest.go:39: chromium is not installed; apt-get install chromium to run the browser tests\n"}
{"Action":"skip","Package":"p","Test":"TestUI"}
{"Action":"output","Package":"p","Test":"TestLong","Output":"    long_test.go:5: runs for a minute\n"}
{"Action":"skip","Package":"p","Test":"TestLong"}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.01s\n"}
{"Action":"fail","Package":"p"}
`

func TestReportAndSummary(t *testing.T) {
	var out bytes.Buffer
	skips := report(strings.NewReader(stream), &out)
	got := out.String()
	if !strings.Contains(got, "bad_test.go:9: got 2, want 3") || !strings.Contains(got, "FAIL\tp\t0.01s") {
		t.Errorf("the failure and the package line must be printed:\n%s", got)
	}
	if strings.Contains(got, "TestOK") || strings.Contains(got, "PASS\n") || strings.Contains(got, "chromium") {
		t.Errorf("passed and skipped tests' output must not be:\n%s", got)
	}
	out.Reset()
	summarize(&out, skips)
	sum := out.String()
	for _, want := range []string{"not a full one", "PostgreSQL: 1 tests, e.g. p TestPG: PostgreSQL is unreachable", "Chromium (browser tests): 1 tests", "and 1 skipped by design"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	out.Reset()
	summarize(&out, []skip{{"p TestLong", "runs for a minute"}})
	if !strings.Contains(out.String(), "no test skipped for a missing component (1 skipped by design") {
		t.Errorf("a full run: %s", out.String())
	}
}
