package policy

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

const schemaPath = "../../docs/policy.schema.json"

// compileSchema compiles docs/policy.schema.json.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(abs)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaPath, err)
	}
	return sch
}

// yamlToJSON converts a YAML document into the JSON-compatible value the
// schema validates: anchors and merge keys are resolved as the parser
// resolves them, and timestamps and other scalars that JSON cannot hold keep
// their text.
func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	if len(root.Content) == 0 {
		return nil
	}
	v, err := nodeValue(root.Content[0])
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	// Round-trip through JSON so that the validator sees exactly what it
	// would see from a JSON file.
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return inst
}

func nodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0])
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		var merged []map[string]any
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.ShortTag() == "!!merge" {
				v, err := nodeValue(val)
				if err != nil {
					return nil, err
				}
				switch m := v.(type) {
				case map[string]any:
					merged = append(merged, m)
				case []any:
					for _, x := range m {
						if mm, ok := x.(map[string]any); ok {
							merged = append(merged, mm)
						}
					}
				}
				continue
			}
			v, err := nodeValue(val)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		// Explicit keys win over merged ones; earlier merged maps win over
		// later ones.
		for _, m := range merged {
			for k, v := range m {
				if _, ok := out[k]; !ok {
					out[k] = v
				}
			}
		}
		return out, nil
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case time.Time:
			return n.Value, nil
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return n.Value, nil
			}
		}
		return v, nil
	}
}

func TestSchemaAcceptsExamples(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example policies in ../../examples")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data := readFile(t, f)
			if _, err := Parse(f, data); err != nil {
				t.Fatalf("parser refuses the example: %v", err)
			}
			if err := sch.Validate(yamlToJSON(t, data)); err != nil {
				t.Errorf("schema refuses the example: %v", err)
			}
		})
	}
}

// TestSchemaAndParserAgree checks documents that both the schema and the
// parser accept or both refuse.
func TestSchemaAndParserAgree(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name  string
		doc   string
		valid bool
	}{
		{name: "minimal", doc: minimal, valid: true},
		{name: "full plan", doc: fullPolicy, valid: true},
		{name: "decimal comma and percent sign", doc: withPlanKeys("        credits:\n          tiers:\n            - {below: \"99,5\", credit: \"10%\"}\n"), valid: true},
		{name: "linear credit with automatic claim", doc: withPlanKeys("        credits:\n          linear: {credit: 10, per: 1, rounding: ceil}\n          claim: automatic\n"), valid: true},
		{name: "always calendar with holidays", doc: withCalendars("  - id: c\n    always: true\n    closed_on_holidays: true\n    holidays: {countries: [de]}\n"), valid: true},

		{name: "unknown top-level key", doc: minimal + "polcy: x\n"},
		{name: "unknown plan key", doc: withPlanKeys("        objectve: 99\n")},
		{name: "objective not a number", doc: strings.Replace(minimal, "objective: 99.9", "objective: high", 1)},
		{name: "objective above 100", doc: strings.Replace(minimal, "objective: 99.9", "objective: 100.5", 1)},
		{name: "objective zero", doc: strings.Replace(minimal, "objective: 99.9", "objective: 0", 1)},
		{name: "missing objective", doc: strings.Replace(minimal, "        objective: 99.9\n", "", 1)},
		{name: "bad window", doc: withCalendars("  - id: c\n    hours: {mon-fri: \"8:00-16:00\"}\n")},
		{name: "window past midnight", doc: withCalendars("  - id: c\n    hours: {mon-fri: \"08:00-24:30\"}\n")},
		{name: "bad day key", doc: withCalendars("  - id: c\n    hours: {weekdays: \"08:00-16:00\"}\n")},
		{name: "calendar without hours", doc: withCalendars("  - id: c\n    timezone: UTC\n")},
		{name: "always calendar with hours", doc: withCalendars("  - id: c\n    always: true\n    hours: {mon: \"08:00-16:00\"}\n")},
		{name: "unknown holiday country", doc: withCalendars("  - id: c\n    always: true\n    holidays: {countries: [XX]}\n")},
		{name: "bad duration", doc: withPlanKeys("        maintenance_notice: 2 days\n")},
		{name: "duration without unit", doc: withPlanKeys("        uptime: {min_downtime: \"5\"}\n")},
		{name: "bad target", doc: withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: soon}\n")},
		{name: "target with unknown key", doc: withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: {within: 2h, calender: always}}\n")},
		{name: "weight above 1", doc: withPlanKeys("        uptime: {weights: {partial_outage: 1.5}}\n")},
		{name: "weight with four decimals", doc: withPlanKeys("        uptime: {weights: {partial_outage: \"0.3333\"}}\n")},
		{name: "weight of unknown status", doc: withPlanKeys("        uptime: {weights: {down: 1}}\n")},
		{name: "operational weight", doc: withPlanKeys("        uptime: {weights: {operational: 0.5}}\n")},
		{name: "removed formula without maintenance exclusion", doc: withPlanKeys("        uptime: {formula: removed}\n        exclusions: [force_majeure]\n")},
		{name: "unknown formula", doc: withPlanKeys("        uptime: {formula: strict}\n")},
		{name: "liable excluded", doc: withPlanKeys("        exclusions: [liable]\n")},
		{name: "unknown combine", doc: withPlanKeys("        combine: all\n")},
		{name: "unknown period", doc: withPlanKeys("        period: week\n")},
		{name: "credits without schedule", doc: withPlanKeys("        credits: {cap: 50}\n")},
		{name: "linear without rounding", doc: withPlanKeys("        credits: {linear: {credit: 10, per: 1}}\n")},
		{name: "claim neither automatic nor window", doc: withPlanKeys("        credits: {tiers: [{below: 99, credit: 10}], claim: manual}\n")},
		{name: "claim from unknown", doc: withPlanKeys("        credits: {tiers: [{below: 99, credit: 10}], claim: {within: 7d, from: invoice}}\n")},
		{name: "performance with both bounds", doc: withPlanKeys("        performance:\n          - {metric: latency_ms, below: 50, at_least: 1, credit: 5}\n")},
		{name: "performance without bound", doc: withPlanKeys("        performance:\n          - {metric: latency_ms, credit: 5}\n")},
		{name: "performance unknown metric", doc: withPlanKeys("        performance:\n          - {metric: jitter_ms, below: 5, credit: 5}\n")},
		{name: "performance bad aggregate", doc: withPlanKeys("        performance:\n          - {metric: latency_ms, aggregate: p100, below: 5, credit: 5}\n")},
		{name: "performance bad locations", doc: withPlanKeys("        performance:\n          - {metric: latency_ms, below: 5, credit: 5, locations: sometimes}\n")},
		{name: "support without priorities", doc: withPlanKeys("        support: {calendar: always}\n")},
		{name: "support bad reopen", doc: withPlanKeys("        support: {reopen: resume, priorities: [{id: p1}]}\n")},
		{name: "postmortem without within", doc: withPlanKeys("        incidents: {postmortem: {severities: [critical]}}\n")},
		{name: "negative restore tests", doc: withPlanKeys("        recovery: {restore_tests: -1}\n")},
		{name: "negative notice days", doc: "notice_days: -1\n" + minimal},
		{name: "bad policy id", doc: strings.Replace(minimal, "policy: acme", "policy: -acme", 1)},
		{name: "no components", doc: strings.Replace(minimal, "components:\n  - id: app\n", "components: []\n", 1)},
		{name: "bad effective date", doc: strings.Replace(minimal, "effective: 2026-01-01", "effective: 1 January 2026", 1)},
		{name: "override with unknown key", doc: minimal + "    overrides:\n      - {customer: globex, plan: standard, sett: {objective: 99.95}}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, perr := Parse("test.yaml", []byte(tt.doc))
			serr := sch.Validate(yamlToJSON(t, []byte(tt.doc)))
			if got := perr == nil; got != tt.valid {
				t.Errorf("parser: got valid %v, want %v (error: %v)", got, tt.valid, perr)
			}
			if got := serr == nil; got != tt.valid {
				t.Errorf("schema: got valid %v, want %v (error: %v)", got, tt.valid, serr)
			}
		})
	}
}
