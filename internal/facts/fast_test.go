package facts

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var byteRE = regexp.MustCompile(`byte [0-9]+`)

// The reading of compact status lines without reflection agrees with the
// full decoding (forced by a space after the brace) on good and bad lines.
func TestFastPathAgrees(t *testing.T) {
	lines := []string{
		`{"type":"status","id":"s1","at":"2026-11-01T10:00:00Z","component":"api","status":"major_outage"}`,
		`{"type":"status","id":"s2","at":"2026-11-01T10:00:00Z","component":"api","status":"partial_outage","source":"probe","cause":"third_party"}`,
		`{"type":"status","id":"s3","at":"2026-11-01T10:00:00Z","component":"api","status":"down"}`,
		`{"type":"status","id":"s4","at":"yesterday","component":"api","status":"operational"}`,
		`{"type":"status","id":"s5","at":"2026-11-01T10:00:00Z","component":"","status":"operational"}`,
		`{"type":"status","id":"s6","at":"2026-11-01T10:00:00Z","component":"api","status":"operational","colour":"red"}`,
		`{"type":"status","id":"s7","at":"2026-11-01T10:00:00Z","component":"api","status":"operational","cause":"aliens"}`,
		`{"type":"status","id":"s8","at":"2026-11-01T10:00:00Z","component":"a\"pi","status":"operational"}`,
		"{\"type\":\"status\",\"id\":\"s12\",\"at\":\"2026-11-01T10:00:00Z\",\"component\":\"a\tpi\",\"status\":\"operational\"}",
		`{"type":"status","id":"s9","at":"2026-11-01T10:00:00Z","component":"api","status":5}`,
		`{"type":"status","id":"s10","at":"2026-11-01T10:00:00Z","component":"api","status":"operational","component":"web"}`,
	}
	for _, l := range lines {
		slow := "{ " + l[1:]
		fe, ferr := Parse("f", strings.NewReader(l))
		se, serr := Parse("f", strings.NewReader(slow))
		// The full decoding's line has one byte more (the space).
		if byteRE.ReplaceAllString(fmt.Sprint(ferr), "byte N") != byteRE.ReplaceAllString(fmt.Sprint(serr), "byte N") {
			t.Errorf("%s:\nfast error %v\nfull error %v", l, ferr, serr)
			continue
		}
		if ferr == nil && fmt.Sprintf("%+v", *fe.Statuses[0]) != fmt.Sprintf("%+v", *se.Statuses[0]) {
			t.Errorf("%s:\nfast %+v\nfull %+v", l, *fe.Statuses[0], *se.Statuses[0])
		}
	}
}

// FuzzFastPathAgrees: any line reads the same through the fast path as
// through the full decoding (go test -fuzz FuzzFastPathAgrees).
func FuzzFastPathAgrees(f *testing.F) {
	f.Add(`{"type":"status","id":"s1","at":"2026-11-01T10:00:00Z","component":"api","status":"major_outage"}`)
	f.Add(`{"type":"status","id":"s2","at":"2026-11-01T10:00:00Z","component":"api","status":"partial_outage","source":"probe","cause":"ddos"}`)
	f.Add(`{"type":"status","id":"s3","at":"x","component":"a","status":"operational","component":"b"}`)
	f.Fuzz(func(t *testing.T, l string) {
		if !strings.HasPrefix(l, "{") || strings.ContainsAny(l, "\n\r") {
			return
		}
		fe, ferr := Parse("f", strings.NewReader(l))
		se, serr := Parse("f", strings.NewReader("{ "+l[1:]))
		if byteRE.ReplaceAllString(fmt.Sprint(ferr), "byte N") != byteRE.ReplaceAllString(fmt.Sprint(serr), "byte N") {
			t.Fatalf("%q:\nfast error %v\nfull error %v", l, ferr, serr)
		}
		if ferr == nil && len(fe.Statuses) == 1 && fmt.Sprintf("%+v", *fe.Statuses[0]) != fmt.Sprintf("%+v", *se.Statuses[0]) {
			t.Fatalf("%q: statuses differ: %+v, %+v", l, *fe.Statuses[0], *se.Statuses[0])
		}
	})
}
