package yamlpos

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/slakeeper/slakeeper/internal/sla"
)

type doc struct {
	Name  string   `yaml:"name"`
	Count int      `yaml:"count"`
	Ratio float64  `yaml:"ratio"`
	On    bool     `yaml:"on"`
	Tags  []string `yaml:"tags"`
	Items []item   `yaml:"items"`
	Inner *inner   `yaml:"inner"`
}

type item struct {
	ID   string `yaml:"id"`
	Size int    `yaml:"size"`
	Refs []any  `yaml:"refs"`
}

type inner struct {
	Limits map[string]int `yaml:"limits"`
}

// laughs builds a document of levels nested aliases, each level ten uses of
// the one before: 10^levels values once expanded.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("tags: &l0 [x, x, x, x, x, x, x, x, x, x]\nitems:\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "  - id: i%d\n    refs: &l%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// oneError decodes text into a doc and returns its one input error.
func oneError(t *testing.T, text string) *sla.InputError {
	t.Helper()
	var d doc
	_, err := Decode("t.yaml", []byte(text), &d)
	if err == nil {
		t.Fatalf("got no error, want one")
	}
	var list sla.InputErrors
	var one *sla.InputError
	switch {
	case errors.As(err, &list) && len(list) == 1:
		return list[0]
	case errors.As(err, &one):
		return one
	}
	t.Fatalf("got %T %v, want one input error", err, err)
	return nil
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		line  int
		field string
		msg   string // a part of the message
	}{
		// Documents.
		{"empty", "", 0, "", "empty document"},
		{"comments only", "# nothing\n", 0, "", "empty document"},
		{"second document", "name: a\n---\nname: b\n", 2, "", "a second YAML document starts here"},
		{"content after an end marker", "name: a\n...\nname: b\n", 2, "", "did not find expected <document start>"},
		{"third document after an empty one", "name: a\n---\n---\nname: b\n", 3, "", "a second YAML document"},
		{"syntax error in a second document", "name: a\n---\nname: [\n", 3, "", "did not find expected node content"},
		{"syntax error", "name: a\ncount: a: b\n", 2, "", "mapping values are not allowed"},

		// Aliases.
		{"self-referencing alias", "tags: &a [*a]\n", 1, "", "alias *a refers to the value it is in (anchor &a on line 1)"},
		{"alias inside its own mapping", "inner: &a\n  limits: {x: 1}\n  more: [1, *a]\n", 3, "", "alias *a refers to the value it is in"},
		{"alias in a later key to a value containing itself", "tags: &a [b, *a]\nname: *a\n", 1, "", "refers to the value it is in"},
		{"nested aliases expanding too much", laughs(4), 8, "", "too many aliases: with *l2 the document expands to more than 10000 values"},
		// The YAML library does not say where.
		{"unknown anchor", "name: a\ncount: *nope\n", 0, "", "unknown anchor 'nope' referenced"},

		// Type errors name the key and no Go type.
		{"text for an integer", "name: a\ncount: sixty\n", 2, "count", `want an integer, got "sixty"`},
		{"long text for an integer", "count: sixty-seven thousand\n", 1, "count", `want an integer, got "sixty-seven thousand"`},
		{"text for a number", "ratio: half\n", 1, "ratio", `want a number, got "half"`},
		{"text for a boolean", "on: maybe\n", 1, "on", `want true or false, got "maybe"`},
		{"mapping for a list", "tags: {a: b}\n", 1, "tags", "want a list, got a mapping"},
		{"block mapping for a list", "tags:\n  a: b\n", 2, "tags", "want a list, got a mapping"},
		{"list for a text", "name: [a]\n", 1, "name", "want a text, got a list"},
		{"mapping for a text in a list", "tags: [a, {b: c}]\n", 1, "tags[1]", "want a text, got a mapping"},
		{"scalar for a mapping", "items:\n  - first\n", 2, "items[0]", `want a mapping, got "first"`},
		{"key in a flow mapping", "items:\n  - {id: a, size: big}\n", 2, "items[0].size", `want an integer, got "big"`},
		{"same text twice on a line", "items: [{id: a, refs: [x]}, {id: x, size: x}]\n", 1, "items[1].size", `want an integer, got "x"`},
		{"map value", "inner:\n  limits: {a: 1, b: lots}\n", 2, "inner.limits.b", `want an integer, got "lots"`},
		{"mapping for a map", "inner: [1]\n", 1, "inner", "want a mapping, got a list"},
		{"value used through aliases fails once", "items: [&i {id: a, size: big}, *i, *i]\n", 1, "items[0].size", `want an integer, got "big"`},
		{"value reached through an alias", "tags: &a [x]\ncount: *a\n", 1, "tags", "want an integer, got a list"},

		// Keys.
		{"unknown key", "name: a\nnmae: b\n", 2, "", "field nmae is not a known key here"},
		{"duplicate key", "name: a\nname: b\n", 2, "", `mapping key "name" already defined at line 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := oneError(t, tt.text)
			if e.File != "t.yaml" || e.Line != tt.line || e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %q (line %d, field %q), want line %d, field %q, containing %q", e, e.Line, e.Field, tt.line, tt.field, tt.msg)
			}
			for _, goName := range []string{"yamlpos.", "[]string", "int64", "float64", "map[", "!!"} {
				if strings.Contains(e.Msg, goName) {
					t.Errorf("got %q, want no Go or YAML type names (%s)", e.Msg, goName)
				}
			}
		})
	}
}

func TestDecodeReportsEveryTypeError(t *testing.T) {
	var d doc
	_, err := Decode("t.yaml", []byte("count: a\nratio: b\ntags: c\n"), &d)
	var list sla.InputErrors
	if !errors.As(err, &list) {
		t.Fatalf("got %v, want input errors", err)
	}
	var got []string
	for _, e := range list {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.Field))
	}
	if want := "1 count, 2 ratio, 3 tags"; strings.Join(got, ", ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, ", "), want)
	}
}

func TestDecodeCapsErrors(t *testing.T) {
	var d doc
	_, err := Decode("t.yaml", []byte("tags: ["+strings.Repeat("{a: b}, ", 80)+"]\n"), &d)
	var list sla.InputErrors
	if !errors.As(err, &list) || len(list) != 50 {
		t.Errorf("got %d errors, want 50 (the cap)", len(list))
	}
}

func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // the decoded doc, %+v
	}{
		{"plain", "name: a\ncount: 2\ntags: [x, y]\n", "{Name:a Count:2 Ratio:0 On:false Tags:[x y] Items:[] Inner:<nil>}"},
		{"leading document marker", "---\nname: a\n", "{Name:a Count:0 Ratio:0 On:false Tags:[] Items:[] Inner:<nil>}"},
		{"trailing document marker", "name: a\n---\n", "{Name:a Count:0 Ratio:0 On:false Tags:[] Items:[] Inner:<nil>}"},
		{"trailing end marker", "name: a\n...\n# done\n", "{Name:a Count:0 Ratio:0 On:false Tags:[] Items:[] Inner:<nil>}"},
		{"aliases used a few times", "tags: &t [x, y]\nitems:\n  - {id: a, refs: *t}\n  - {id: b, refs: *t}\n", "{Name: Count:0 Ratio:0 On:false Tags:[x y] Items:[{ID:a Size:0 Refs:[x y]} {ID:b Size:0 Refs:[x y]}] Inner:<nil>}"},
		{"nested aliases within the bound", laughs(2), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			if _, err := Decode("t.yaml", []byte(tt.text), &d); err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if d.Tags == nil {
				d.Tags = []string{}
			}
			if d.Items == nil {
				d.Items = []item{}
			}
			if got := fmt.Sprintf("%+v", d); tt.want != "" && got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestAliasCheckCostIsBounded checks that nested aliases are refused at a
// cost that does not depend on how far they would expand.
func TestAliasCheckCostIsBounded(t *testing.T) {
	for _, levels := range []int{4, 8, 30} {
		t.Run(fmt.Sprint(levels, " levels"), func(t *testing.T) {
			text := []byte(laughs(levels))
			var err error
			allocs := testing.AllocsPerRun(1, func() {
				var d doc
				_, err = Decode("t.yaml", text, &d)
			})
			if err == nil || !strings.Contains(err.Error(), "too many aliases") {
				t.Errorf("got %v, want too many aliases", err)
			}
			if allocs > 20_000 {
				t.Errorf("got %.0f allocations, want at most 20000", allocs)
			}
		})
	}
}

func TestIndex(t *testing.T) {
	const text = `name: a
tags: &t [x, y]
items:
  - id: one
    refs: *t
  - {id: two, size: 3}
inner:
  limits:
    a: 1
`
	var d doc
	idx, err := Decode("t.yaml", []byte(text), &d)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want int
	}{
		{"top-level key", "name", 1},
		{"list item", "tags[1]", 2},
		{"key in a list item", "items[0].id", 4},
		{"alias", "items[0].refs", 5},
		{"path through an alias finds the alias", "items[0].refs[1]", 5},
		{"flow mapping key", "items[1].size", 6},
		{"nested key", "inner.limits.a", 9},
		{"missing key finds its parent", "inner.limits.b", 8},
		{"unknown path", "nothing", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := idx.Line(tt.path); got != tt.want {
				t.Errorf("got line %d for %s, want %d", got, tt.path, tt.want)
			}
		})
	}
	if len(idx) > 20 {
		t.Errorf("got %d paths, want at most 20 (aliases not followed)", len(idx))
	}
}

func TestWant(t *testing.T) {
	tests := []struct {
		name, goType, want string
	}{
		{"int", "int", "an integer"},
		{"int64", "int64", "an integer"},
		{"uint", "uint", "a whole number of at least 0"},
		{"float", "float64", "a number"},
		{"bool", "bool", "true or false"},
		{"string", "string", "a text"},
		{"pointer", "*string", "a text"},
		{"slice", "[]policy.rawComponent", "a list"},
		{"array", "[2]int", "a list"},
		{"map", "map[string]int", "a mapping"},
		{"struct", "policy.rawPlan", "a mapping"},
		{"anonymous struct", "struct { A string }", "a mapping"},
		{"duration", "time.Duration", "a duration such as 90s or 2h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Want(tt.goType); got != tt.want {
				t.Errorf("got %q for %s, want %q", got, tt.goType, tt.want)
			}
		})
	}
}

// Syntax errors name the line they are on: an unclosed "{" its own line,
// not the one before; an error on the first line, line 1.
func TestSyntaxErrorLines(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		line int
	}{
		{"a: 1\nb: {c: 2\nd: 3\n", 2},
		{"a: 1\nb: [1, 2\nd: 3\n", 2},
		{"# {not this one\na: \"{\"\nb: {c: [1]\n", 3},
		{"a: b: c\n", 1},
		{"a: 1\n  b: 2\n", 2},
	} {
		var v map[string]any
		_, err := Decode("f.yaml", []byte(tt.doc), &v)
		var list sla.InputErrors
		if !errors.As(err, &list) || len(list) == 0 || list[0].Line != tt.line {
			t.Errorf("%q: got %v, want line %d", tt.doc, err, tt.line)
		}
	}
}

// TestDecodeLimits checks that documents beyond the limits are refused
// with an error naming the line (and the path, for nesting and keys)
// before the work that grows faster than the document: the YAML library
// compares every key of a mapping with every other, and the index holds a
// path as long as each value is deep.
func TestDecodeLimits(t *testing.T) {
	lim := Limits{Bytes: 64, Depth: 4, Keys: 3}
	tests := []struct {
		name  string
		text  string
		line  int
		field string
		msg   string
	}{
		{"too long", "name: a\ncount: 2\n" + strings.Repeat("# comment\n", 10), 7, "", "the document passes its limit of 64 bytes on this line: it has 117 bytes"},
		{"nested flow lists", "tags: [[[[x]]]]\n", 1, "tags[0][0][0]", "nested more than 4 levels deep"},
		{"nested block lists", "items:\n  -\n    - - - x\n", 3, "items[0][0][0]", "nested more than 4 levels deep"},
		{"nested mappings", "inner:\n  limits:\n    a: {b: {c: d}}\n", 3, "inner.limits.a.b", "nested more than 4 levels deep"},
		{"too many keys", "inner:\n  limits: {a: 1, b: 2,\n    c: 3, d: 4}\n", 3, "inner.limits", "a mapping of 4 keys; at most 3 are allowed in one mapping (this is key 4)"},
		{"too many keys at the top", "name: a\ncount: 1\nratio: 2\non: true\n", 4, "", "a mapping of 4 keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			_, err := DecodeLimits("t.yaml", []byte(tt.text), &d, lim)
			var e *sla.InputError
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an input error", err)
			}
			if e.File != "t.yaml" || e.Line != tt.line || e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %q (line %d, field %q), want line %d, field %q, containing %q", e, e.Line, e.Field, tt.line, tt.field, tt.msg)
			}
		})
	}
	t.Run("within", func(t *testing.T) {
		var d doc
		if _, err := DecodeLimits("t.yaml", []byte("tags: [x]\ninner: {limits: {a: 1, b: 2, c: 3}}\n"), &d, lim); err != nil {
			t.Errorf("got %v, want no error", err)
		}
	})
}

// TestDecodeDefaultLimits checks Decode's own bound on nesting: the YAML
// library accepts 10,000 levels, which cost the index 50 million bytes of
// paths.
func TestDecodeDefaultLimits(t *testing.T) {
	var d doc
	_, err := Decode("t.yaml", []byte("name: a\ntags: "+strings.Repeat("[", 9000)+strings.Repeat("]", 9000)+"\n"), &d)
	var e *sla.InputError
	if !errors.As(err, &e) || e.Line != 2 || !strings.Contains(e.Msg, "brackets nested more than 64 levels deep (at column 71)") {
		t.Errorf("got %v, want brackets nested more than 64 levels deep on line 2, column 71", err)
	}
}

// TestFlowNesting checks the count of brackets made before the YAML
// library parses them: exact in flow collections, and blind to brackets in
// comments, quoted scalars, block scalars and plain text.
func TestFlowNesting(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		line, col int
	}{
		{"flow lists", "a: [[[x]]]\n", 1, 6},
		{"flow mappings", "a:\n  {b: {c: [d]}}\n", 2, 11},
		{"a list item", "- [[[x]]]\n", 1, 5},
		{"after an anchor and a tag", "a: &x !!seq [[[y]]]\n", 1, 15},
		{"over lines", "a: [\n  [\n    [\n      [x]]]]\n", 3, 5},
		{"closed then opened", "a: [[x]]\nb: [[[y]]]\n", 2, 6},
		{"quotes in flow", "a: [\"]]\", '[[', [[x]]]\n", 1, 18},
		{"within the limit", "a: [[x]]\n", 0, 0},
		{"comment", "a: 1 # [[[[\n", 0, 0},
		{"in a comment line", "# [[[[\na: 1\n", 0, 0},
		{"double quoted", "a: \"[[[[\\\"[[\"\n", 0, 0},
		{"single quoted", "a: '[[[['' [['\n", 0, 0},
		{"quoted in flow", "a: ['[[[[', \"[[[[\"]\n", 0, 0},
		{"plain text", "a: b[[[[\nc: d [[[[\n", 0, 0},
		{"plain text in flow", "a: [b'c, [d]]\n", 0, 0},
		{"block scalar", "a: |\n  [[[[\n  [[[[\nb: 1\n", 0, 0},
		{"folded scalar in a list", "- >-\n  [[[[\n\n  {{{{\n- x\n", 0, 0},
		{"after a block scalar", "a: |\n  [[[[\nb: [[[x]]]\n", 3, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if line, col := flowNesting([]byte(tt.text), 2); line != tt.line || col != tt.col {
				t.Errorf("got line %d column %d, want line %d column %d", line, col, tt.line, tt.col)
			}
		})
	}
}

// TestFlowNestingCost checks that a document nested 9,000 brackets deep
// is refused without the YAML library's work: it took 20,000 allocations
// (and a microsecond a level) before the count.
func TestFlowNestingCost(t *testing.T) {
	text := []byte("name: a\ntags: " + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + "\n")
	allocs := testing.AllocsPerRun(5, func() {
		var d doc
		if _, err := Decode("t.yaml", text, &d); err == nil {
			t.Fatal("got no error")
		}
	})
	if allocs > 20 {
		t.Errorf("got %.0f allocations, want at most 20", allocs)
	}
}
