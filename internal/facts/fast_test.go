package facts

import (
	"fmt"
	"strings"
	"testing"
)

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
		`{"type":"status","id":"s9","at":"2026-11-01T10:00:00Z","component":"api","status":5}`,
		`{"type":"status","id":"s10","at":"2026-11-01T10:00:00Z","component":"api","status":"operational","component":"web"}`,
	}
	for _, l := range lines {
		slow := "{ " + l[1:]
		fe, ferr := Parse("f", strings.NewReader(l))
		se, serr := Parse("f", strings.NewReader(slow))
		if fmt.Sprint(ferr) != fmt.Sprint(serr) {
			t.Errorf("%s:\nfast error %v\nfull error %v", l, ferr, serr)
			continue
		}
		if ferr == nil && fmt.Sprintf("%+v", *fe.Statuses[0]) != fmt.Sprintf("%+v", *se.Statuses[0]) {
			t.Errorf("%s:\nfast %+v\nfull %+v", l, *fe.Statuses[0], *se.Statuses[0])
		}
	}
}
