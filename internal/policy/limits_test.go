package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// Documents the parser refuses for their size alone (Limits); each cost
// far more than its bytes before the limits (BenchmarkParseLimits).
var (
	// deepDoc nests 10,000 lists in a plan's exclusions (line 11): the
	// index of every value's path held 150 MB of paths, and the YAML
	// library spends about a microsecond on each level.
	deepDoc = withPlanKeys("        exclusions: " + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + "\n")
	// manyKeysDoc has 30,000 keys in one mapping (800 KB): the YAML library
	// compares every key with every other, 450 million comparisons.
	manyKeysDoc = manyKeys(30_000)
)

func manyKeys(n int) string {
	var b strings.Builder
	b.WriteString(minimal + "calendars:\n  - id: office\n    hours:\n")
	for i := range n {
		fmt.Fprintf(&b, "      k%d: \"09:00-17:00\"\n", i)
	}
	return b.String()
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		line  int
		field string // a prefix of the field
		msg   string
	}{
		// Brackets are counted before the YAML library parses them, so
		// these name the line and column, not the path.
		{"10,000 lists deep", deepDoc, 11, "", "brackets nested more than 32 levels deep (at column 53)"},
		{"10,000 mappings deep", minimal + "title: " + strings.Repeat("{a: ", 10_000) + "b" + strings.Repeat("}", 10_000) + "\n", 11, "", "brackets nested more than 32 levels deep (at column 136)"},
		{"lists in a mapping, deep", minimal + "title: {a: [[[{b: " + strings.Repeat("[", 30) + "]}]]]}\n", 11, "", "brackets nested more than 32 levels deep (at column 46)"},
		{"block lists deep", minimal + "title:\n  " + strings.Repeat("- ", 40) + "x\n", 12, "title[0][0][0]", "nested more than 32 levels deep (mappings and lists in one another)"},
		{"block and flow deep", minimal + "title:\n  " + strings.Repeat("- ", 20) + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\n", 12, "title[0][0][0]", "nested more than 32 levels deep (mappings and lists in one another)"},
		{"30,000 keys in a mapping", manyKeysDoc, 270, "calendars[0].hours", "a mapping of 30000 keys; at most 256 are allowed in one mapping"},
		{"over a megabyte", minimal + "title: " + strings.Repeat("x", 1<<20) + "\n", 11, "", "the document passes its limit of 1 MiB (1048576 bytes) on this line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tt.doc))
			var e *sla.InputError
			if p != nil || !errors.As(err, &e) {
				t.Fatalf("got %v, want an input error", err)
			}
			if e.File != "p.yaml" || e.Line != tt.line || !strings.HasPrefix(e.Field, tt.field) || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %q (line %d, field %.60q), want line %d, field %q…, containing %q", e, e.Line, e.Field, tt.line, tt.field, tt.msg)
			}
		})
	}
}

// TestParseHugeValues checks that values which would cost math/big or
// the calendars unbounded work are refused by their syntax: decimals have
// at most 12 digits on each side of the point and no exponent, durations
// at most 36600 days.
func TestParseHugeValues(t *testing.T) {
	tests := []struct {
		name, keys, field, msg string
	}{
		{"objective with a huge exponent", "        objective: 1e999999999\n", "objective", `want a decimal number such as 99.95, got "1e999999999"`},
		{"objective with a huge negative exponent", "        objective: 99.9e-999999999\n", "objective", "want a decimal number"},
		{"objective of a thousand digits", "        objective: 99." + strings.Repeat("9", 1000) + "\n", "objective", "want a decimal number"},
		{"credit with a huge exponent", "        credits: {tiers: [{below: 99, credit: 1e99999999}]}\n", "credits.tiers[0].credit", "want a decimal number"},
		{"weight with a huge exponent", "        uptime: {weights: {partial_outage: 1e-99999999}}\n", "uptime.weights.partial_outage", "want a weight from 0 to 1"},
		{"performance bound with a huge exponent", "        performance: [{metric: latency, below: 1e99999999, credit: 5}]\n", "performance[0].below", "want a number"},
		{"a duration of a billion days", "        maintenance_notice: 1000000000d\n", "maintenance_notice", "want a duration of at most 36600d"},
		{"a duration of a billion hours", "        maintenance_notice: 1000000000000h\n", "maintenance_notice", "want a duration of at most 36600d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(strings.Replace(withPlanKeys(tt.keys), "        objective: 99.9\n", "", strings.Count(tt.keys, "objective:"))))
			if err == nil || !strings.Contains(err.Error(), "versions[0].plans[0]."+tt.field+": "+tt.msg) {
				t.Errorf("got %v, want %s: %s", err, tt.field, tt.msg)
			}
		})
	}
}

// BenchmarkParseLimits times the documents refused for their size (before
// the limits a 10,000-deep document took 56 ms and 50,000 keys 3.3 s) and
// a document at the limits: just under 1 MiB of mappings of 256 keys.
func BenchmarkParseLimits(b *testing.B) {
	for _, bb := range []struct{ name, doc string }{
		{"deep", deepDoc},
		{"keys-256", manyKeys(256)},
		{"keys-30000", manyKeysDoc},
		{"largest", largestDoc()},
	} {
		b.Run(bb.name, func(b *testing.B) {
			data := []byte(bb.doc)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				Parse("p.yaml", data)
			}
		})
	}
}

// largestDoc is just under 1 MiB: the title holds lists of mappings of 256
// keys, 31 levels deep.
func largestDoc() string {
	var one strings.Builder
	one.WriteString("{")
	for i := range 256 {
		fmt.Fprintf(&one, "k%d: v, ", i)
	}
	one.WriteString("}")
	item := strings.Repeat("[", 29) + one.String() + strings.Repeat("]", 29)
	var b strings.Builder
	b.WriteString(minimal + "title:\n")
	for b.Len()+len(item)+8 < 1<<20 {
		b.WriteString("  - " + item + "\n")
	}
	return b.String()
}
