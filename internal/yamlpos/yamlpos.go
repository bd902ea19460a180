// Package yamlpos decodes YAML strictly and remembers where every key is, so
// that errors found after decoding can still name the file, line and field.
package yamlpos

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// Index maps dotted paths ("versions[0].plans[1].objective") to lines.
type Index map[string]int

// Aliases may expand a document to at most MinExpansion values, or to
// ExpansionFactor times the values written out in it if that is more. The
// typed decoding copies an alias's value for each use, so without a bound a
// few hundred bytes of nested aliases ("billion laughs") would cost
// gigabytes.
const (
	MinExpansion    = 10_000
	ExpansionFactor = 10
)

// Limits bound the work of decoding a document. Without them a few
// hundred kilobytes cost seconds: the YAML library compares every key of
// a mapping with every other (quadratic in the keys of one mapping), and
// the index holds the path of every value, which is as long as the value
// is deep (quadratic in the nesting, which the library allows up to
// 10,000 levels).
type Limits struct {
	// Bytes is the largest document.
	Bytes int
	// Depth is the deepest nesting of mappings and lists; the document's
	// top-level mapping is at depth 1.
	Depth int
	// Keys is the most keys one mapping may have.
	Keys int
}

// DefaultLimits are the limits of Decode: generous, for the server's
// configuration, which lists every monitor (10,000 monitors are about
// 1 MB) and maps helpdesk organisations to customers.
var DefaultLimits = Limits{Bytes: 64 << 20, Depth: 64, Keys: 100_000}

// Decode decodes data into v within DefaultLimits (see DecodeLimits).
func Decode(file string, data []byte, v any) (Index, error) {
	return DecodeLimits(file, data, v, DefaultLimits)
}

// DecodeLimits decodes data into v, refusing unknown keys, more than one
// document, aliases that refer to themselves, aliases that expand the
// document too much and documents beyond lim, and indexes the document.
// Errors are sla.InputErrors naming file and line.
func DecodeLimits(file string, data []byte, v any, lim Limits) (Index, error) {
	if err := checkBytes(file, data, lim.Bytes); err != nil {
		return nil, err
	}
	if line, col := flowNesting(data, lim.Depth); line > 0 {
		return nil, &sla.InputError{File: file, Line: line,
			Msg: fmt.Sprintf("brackets nested more than %d levels deep (at column %d); look for unclosed brackets", lim.Depth, col)}
	}
	root, err := parseOne(file, data)
	if err != nil {
		return nil, err
	}
	if err := checkShape(file, root, lim); err != nil {
		return nil, err
	}
	if err := checkAliases(file, root); err != nil {
		return nil, err
	}
	idx := Index{}
	idx.add(root, "")
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return nil, decodeError(file, err, root, reflect.TypeOf(v))
	}
	return idx, nil
}

// checkBytes refuses a document longer than max bytes, naming the line
// where it passes the limit.
func checkBytes(file string, data []byte, max int) error {
	if len(data) <= max {
		return nil
	}
	return &sla.InputError{File: file, Line: bytes.Count(data[:max], []byte("\n")) + 1,
		Msg: fmt.Sprintf("the document passes its limit of %s on this line: it has %d bytes", byteSize(max), len(data))}
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// flowNesting finds where flow collections ("[" and "{") nest more than
// max deep, before the YAML library parses them at about a microsecond a
// level (it allows 10,000 levels, and 1 MiB holds 50 such nests): it
// returns the line and column of the first bracket beyond max, or 0, 0.
// It reads the document only as far as it must: comments and quoted
// scalars are skipped; in a flow collection every bracket opens or closes
// one; outside, a bracket opens one only where a value starts (at the
// start of a line, after "- ", ": " or "? ", an anchor or a tag); block
// scalars ("|", ">") are skipped. It can miss a deep collection, which
// checkShape then refuses; it counts too many only for unclosed brackets
// starting a line of plain text that continues the line before.
func flowNesting(data []byte, max int) (line, col int) {
	depth := 0
	line = 1
	lineStart := 0 // offset of the current line
	indent := 0    // of the current line, in spaces
	inIndent := true
	value := true // outside flow collections: a value may start here
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line, lineStart, indent, inIndent = line+1, i+1, 0, true
			if depth == 0 {
				value = true
			}
			continue
		}
		if inIndent {
			if c == ' ' {
				indent++
				continue
			}
			inIndent = false
		}
		if c == ' ' || c == '\t' || c == '\r' {
			continue
		}
		if c == '#' && (i == 0 || isBlank(data[i-1])) {
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
			continue
		}
		if depth > 0 {
			switch c {
			case '[', '{':
				if depth++; depth > max {
					return line, i - lineStart + 1
				}
			case ']', '}':
				depth--
			case '"', '\'':
				if flowTokenStart(data, i) {
					i, line, lineStart = skipQuoted(data, i, line, lineStart)
				}
			}
			continue
		}
		switch {
		case !value:
			if (c == '-' || c == '?' || c == ':') && (i+1 == len(data) || isBlank(data[i+1])) {
				value = true
			}
		case c == '[' || c == '{':
			if depth = 1; depth > max {
				return line, i - lineStart + 1
			}
		case c == '"' || c == '\'':
			i, line, lineStart = skipQuoted(data, i, line, lineStart)
			value = false
		case c == '|' || c == '>':
			i, line, lineStart = skipBlockScalar(data, i, line, lineStart, indent)
		case c == '&' || c == '!':
			for i+1 < len(data) && !isBlank(data[i+1]) {
				i++
			}
		case (c == '-' || c == '?' || c == ':') && (i+1 == len(data) || isBlank(data[i+1])):
		default:
			value = false
		}
	}
	return 0, 0
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// flowTokenStart reports whether data[i], in a flow collection, starts a
// value or key: the character before it, blanks aside, is "[", "{", ","
// or ":" (so a quote inside plain text such as it's is not a quoted
// scalar).
func flowTokenStart(data []byte, i int) bool {
	for i--; i >= 0 && isBlank(data[i]); i-- {
	}
	return i < 0 || strings.IndexByte("[{,:?", data[i]) >= 0
}

// skipQuoted returns the offset of the quote that ends the quoted scalar
// starting at data[i] (or the end of data), with the line and its start
// there.
func skipQuoted(data []byte, i, line, lineStart int) (int, int, int) {
	q := data[i]
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\n':
			line, lineStart = line+1, i+1
		case c == '\\' && q == '"':
			if i+1 < len(data) && data[i+1] == '\n' {
				line, lineStart = line+1, i+2
			}
			i++
		case c == q && q == '\'' && i+1 < len(data) && data[i+1] == '\'':
			i++ // '' is a quote inside single quotes
		case c == q:
			return i, line, lineStart
		}
	}
	return len(data), line, lineStart
}

// skipBlockScalar skips a block scalar whose indicator is data[i] on a
// line indented by indent: the rest of the line and the lines after it
// that are blank or indented more. It returns the offset of the last
// newline skipped, so that the caller sees the line after the scalar
// start.
func skipBlockScalar(data []byte, i, line, lineStart, indent int) (int, int, int) {
	for i < len(data) && data[i] != '\n' {
		i++
	}
	for i < len(data) {
		// data[i] is a newline; look at the line after it.
		j := i + 1
		for j < len(data) && data[j] == ' ' {
			j++
		}
		if j < len(data) && data[j] != '\n' && data[j] != '\r' && j-(i+1) <= indent {
			break
		}
		end := j
		for end < len(data) && data[end] != '\n' {
			end++
		}
		if end == len(data) {
			return end, line, lineStart
		}
		line, lineStart, i = line+1, i+1, end
	}
	// Leave the newline to the caller, which counts it.
	return i - 1, line, lineStart
}

// checkShape refuses values nested deeper than lim.Depth and mappings of
// more than lim.Keys keys, naming the first such value's line and path.
// It walks the values written out once, not following aliases, and goes
// no deeper than lim.Depth, so the paths it builds stay short.
func checkShape(file string, root *yaml.Node, lim Limits) error {
	var walk func(n *yaml.Node, path string, depth int) error
	walk = func(n *yaml.Node, path string, depth int) error {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if err := walk(c, path, depth); err != nil {
					return err
				}
			}
			return nil
		case yaml.MappingNode, yaml.SequenceNode:
		default:
			return nil
		}
		depth++
		if depth > lim.Depth {
			return &sla.InputError{File: file, Line: n.Line, Field: path,
				Msg: fmt.Sprintf("nested more than %d levels deep (mappings and lists in one another); look for unclosed brackets", lim.Depth)}
		}
		if n.Kind == yaml.SequenceNode {
			for i, c := range n.Content {
				if err := walk(c, fmt.Sprintf("%s[%d]", path, i), depth); err != nil {
					return err
				}
			}
			return nil
		}
		if keys := len(n.Content) / 2; keys > lim.Keys {
			k := n.Content[2*lim.Keys]
			return &sla.InputError{File: file, Line: k.Line, Field: path,
				Msg: fmt.Sprintf("a mapping of %d keys; at most %d are allowed in one mapping (this is key %d)", keys, lim.Keys, lim.Keys+1)}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := walk(n.Content[i+1], join(path, shortKey(n.Content[i].Value)), depth); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root, "", 0)
}

// shortKey is a key as a path names it in checkShape's errors: a long
// key (a mistake, or a mapping used as a key) is cut.
func shortKey(k string) string {
	if len(k) <= 64 {
		return k
	}
	cut := 61
	for cut > 0 && !utf8.RuneStart(k[cut]) {
		cut--
	}
	return k[:cut] + "..."
}

// parseOne parses the one document of data into a node tree, refusing a
// second document: the typed decoding would silently ignore it.
func parseOne(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &sla.InputError{File: file, Msg: "empty document"}
		}
		return nil, syntaxError(file, data, err)
	}
	if len(root.Content) == 0 {
		return nil, &sla.InputError{File: file, Msg: "empty document"}
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			return &root, nil
		}
		if err != nil {
			return nil, syntaxError(file, data, err)
		}
		// A trailing "---" with nothing after it holds nothing to lose.
		if len(next.Content) == 1 && isEmpty(next.Content[0]) {
			continue
		}
		return nil, &sla.InputError{File: file, Line: next.Line, Msg: "a second YAML document starts here; a file holds one document (remove the \"---\" or split the file)"}
	}
}

func isEmpty(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Tag == "!!null" && n.Anchor == ""
}

// checkAliases refuses aliases that refer to the value they are in and
// aliases that expand the document beyond MinExpansion values (or
// ExpansionFactor times the values written out, if that is more). It walks
// each written value once and never follows an alias, so its cost does not
// depend on the expansion.
func checkAliases(file string, root *yaml.Node) error {
	literal := countLiteral(root)
	a := aliasCheck{file: file, budget: max(MinExpansion, ExpansionFactor*literal), sizes: map[*yaml.Node]int{}}
	a.size(root)
	if a.err != nil {
		return a.err
	}
	return nil
}

// countLiteral counts the values written out in the document, not
// following aliases.
func countLiteral(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countLiteral(k)
	}
	return c
}

type aliasCheck struct {
	file   string
	budget int
	// total is the size of the document with the aliases seen so far
	// expanded: each value written out counts one, each alias the
	// expanded size of the value it refers to.
	total int
	// sizes holds the expanded size of each anchored value, -1 while it
	// is being walked.
	sizes map[*yaml.Node]int
	err   *sla.InputError
}

// size returns the expanded size of n. An alias can only refer to an anchor
// before it in the document, so its value has been walked already unless
// the alias is inside it. Since every expanded size is part of total, the
// sizes stay below twice the budget and cannot overflow.
func (a *aliasCheck) size(n *yaml.Node) int {
	if a.err != nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return 1
		}
		s, ok := a.sizes[n.Alias]
		switch {
		case !ok:
			s = 1
		case s < 0:
			a.err = &sla.InputError{File: a.file, Line: n.Line, Msg: fmt.Sprintf("alias *%s refers to the value it is in (anchor &%s on line %d), which never ends", n.Value, n.Value, n.Alias.Line)}
			return 0
		}
		a.total += s
		if a.total > a.budget {
			a.err = &sla.InputError{File: a.file, Line: n.Line, Msg: fmt.Sprintf("too many aliases: with *%s the document expands to more than %d values", n.Value, a.budget)}
			return 0
		}
		return s
	}
	if n.Anchor != "" {
		a.sizes[n] = -1
	}
	a.total++
	s := 1
	for _, c := range n.Content {
		s += a.size(c)
		if a.err != nil {
			return 0
		}
	}
	if n.Anchor != "" {
		a.sizes[n] = s
	}
	return s
}

var (
	lineRE    = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)
	typeErrRE = regexp.MustCompile("(?s)^cannot unmarshal (\\S+)(?: `(.*)`)? into (.+)$")
)

// Error turns the YAML library's messages into file:line errors. Without
// the document it cannot name keys; Decode's errors do.
func Error(file string, err error) error {
	return decodeError(file, err, nil, nil)
}

// syntaxError is Error for a document that does not parse, with two of
// the library's line numbers put right: an unclosed flow collection ("{"
// or "[") is named on the line that opens it (the library names the line
// before), and an error on the first line, which the library leaves
// without one, is on line 1.
func syntaxError(file string, data []byte, err error) error {
	out := Error(file, err)
	var list sla.InputErrors
	if !errors.As(out, &list) || len(list) != 1 {
		return out
	}
	e := list[0]
	switch {
	case strings.Contains(e.Msg, "did not find expected ',' or '}'"), strings.Contains(e.Msg, "did not find expected ',' or ']'"):
		if line := unclosedFlow(data); line > 0 {
			e.Line = line
			e.Msg = strings.Replace(e.Msg, "did not find", "unclosed: did not find", 1)
		}
	case e.Line == 0 && !strings.Contains(e.Msg, "anchor"):
		// The library omits line numbers of its 0-based line 0; an
		// unknown anchor has no position at all.
		e.Line = 1
	}
	return list
}

// unclosedFlow is the line of the innermost "{" or "[" that is never
// closed in data, 0 when there is none; quoted strings and comments are
// skipped.
func unclosedFlow(data []byte) int {
	type open struct {
		c    byte
		line int
	}
	var stack []open
	line := 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			if i == 0 || data[i-1] == ' ' || data[i-1] == '\t' || data[i-1] == '\n' {
				for i < len(data) && data[i] != '\n' {
					i++
				}
				line++
			}
		case '"', '\'':
			for i++; i < len(data) && data[i] != c; i++ {
				if data[i] == '\\' && c == '"' {
					i++
				} else if data[i] == '\n' {
					line++
				}
			}
		case '{', '[':
			stack = append(stack, open{c, line})
		case '}', ']':
			if n := len(stack); n > 0 {
				stack = stack[:n-1]
			}
		}
	}
	if len(stack) == 0 {
		return 0
	}
	return stack[len(stack)-1].line
}

// decodeError turns the YAML library's messages into file:line errors,
// naming the key of a value of the wrong type if root (the document decoded
// into a value of type t) is given, and never Go type names.
func decodeError(file string, err error, root *yaml.Node, t reflect.Type) error {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	// Naming a value searches the document, so only the first few
	// messages are worded; the rest would mostly repeat them (a value
	// used through aliases fails once per use) or pass the cap.
	if len(msgs) > 4*maxErrors {
		msgs = msgs[:4*maxErrors]
	}
	var out sla.InputErrors
	seen := map[sla.InputError]bool{}
	used := map[*yaml.Node]bool{}
	for _, m := range msgs {
		e := &sla.InputError{File: file, Msg: strings.TrimPrefix(m, "yaml: ")}
		if g := lineRE.FindStringSubmatch(m); g != nil {
			e.Line, _ = strconv.Atoi(g[1])
			e.Msg = g[2]
		}
		if g := typeErrRE.FindStringSubmatch(e.Msg); g != nil {
			e.Field, e.Msg = typeError(root, t, used, e.Line, g[1], g[2], g[3])
		}
		// "field x not found in type policy.rawPlan" leaks Go names.
		if i := strings.Index(e.Msg, " not found in type "); i > 0 {
			e.Msg = e.Msg[:i] + " is not a known key here"
		}
		if i := strings.Index(e.Msg, " already set in type "); i > 0 {
			e.Msg = e.Msg[:i] + " is already set here"
		}
		e.Msg = strings.ReplaceAll(e.Msg, "!!", "")
		// A value used through several aliases fails once per use.
		if seen[*e] {
			continue
		}
		seen[*e] = true
		out = append(out, e)
		if len(out) >= maxErrors {
			break
		}
	}
	return out
}

// typeError words "cannot unmarshal !!str `sixty` into int" as
// `want an integer, got "sixty"` and finds the path of the value. t is the
// Go type the document is decoded into, if known.
//
// used holds the values earlier errors were about: of two alike values on
// one line, the second error is about the second one. A value that fails
// again, used through an alias, gets the same path.
func typeError(root *yaml.Node, t reflect.Type, used map[*yaml.Node]bool, line int, tag, value, goType string) (path, msg string) {
	var n *yaml.Node
	if root != nil && line > 0 {
		// First a value whose Go type is the one named; failing that,
		// the first value with the right tag and text on the line other
		// than the document as a whole. Values not yet reported first.
		for _, f := range []finder{
			{line: line, tag: tag, value: value, goType: goType, typed: true, skip: used},
			{line: line, tag: tag, value: value, goType: goType, skip: used},
			{line: line, tag: tag, value: value, goType: goType, typed: true},
			{line: line, tag: tag, value: value, goType: goType},
		} {
			if path, n = f.find(root, "", t); n != nil {
				used[n] = true
				break
			}
		}
	}
	got := ""
	switch {
	case tag == "!!seq":
		got = "a list"
	case tag == "!!map":
		got = "a mapping"
	case n != nil:
		got = strconv.Quote(n.Value)
	default:
		got = strconv.Quote(value)
	}
	return path, fmt.Sprintf("want %s, got %s", Want(goType), got)
}

// finder looks for the value a type error is about: the YAML library gives
// its line, tag, text (shortened) and Go type.
type finder struct {
	line               int
	tag, value, goType string
	// typed asks for a value whose Go type is goType.
	typed bool
	// skip holds values not to find.
	skip map[*yaml.Node]bool
}

// find searches n, the value at path decoded into Go type t (nil if not
// known), in document order and without following aliases.
func (f *finder) find(n *yaml.Node, path string, t reflect.Type) (string, *yaml.Node) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Line == f.line && n.Kind != yaml.AliasNode && n.Kind != yaml.DocumentNode && n.ShortTag() == f.tag && sameText(n, f.value) && !f.skip[n] {
		if (f.typed && t != nil && t.String() == f.goType) || (!f.typed && path != "") {
			return path, n
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p, v := f.find(c, path, t); v != nil {
				return p, v
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Line > f.line {
				break
			}
			if p, v := f.find(v, join(path, k.Value), valueType(t, k.Value)); v != nil {
				return p, v
			}
		}
	case yaml.SequenceNode:
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i, c := range n.Content {
			if c.Line > f.line {
				break
			}
			if p, v := f.find(c, fmt.Sprintf("%s[%d]", path, i), et); v != nil {
				return p, v
			}
		}
	}
	return "", nil
}

// valueType returns the Go type that the value of key decodes into in a
// value of type t, mapping keys to struct fields as the YAML library does,
// or nil if not known.
func valueType(t reflect.Type, key string) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem()
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.PkgPath != "" && !sf.Anonymous {
				continue
			}
			tag := sf.Tag.Get("yaml")
			if tag == "" && !strings.Contains(string(sf.Tag), ":") {
				tag = string(sf.Tag)
			}
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			if slices.Contains(strings.Split(opts, ","), "inline") {
				if ft := valueType(sf.Type, key); ft != nil {
					return ft
				}
				continue
			}
			if name == "" {
				name = strings.ToLower(sf.Name)
			}
			if name == key {
				return sf.Type
			}
		}
	}
	return nil
}

func sameText(n *yaml.Node, value string) bool {
	if n.Kind != yaml.ScalarNode {
		return true
	}
	if len(n.Value) > 10 {
		return strings.HasSuffix(value, "...") && strings.HasPrefix(n.Value, strings.TrimSuffix(value, "..."))
	}
	return n.Value == value
}

// Want words a Go type, as the YAML library names it, for a user: "an
// integer", "a list", "a mapping".
func Want(goType string) string {
	goType = strings.TrimLeft(goType, "*")
	switch goType {
	case "int", "int8", "int16", "int32", "int64":
		return "an integer"
	case "uint", "uint8", "uint16", "uint32", "uint64", "uintptr":
		return "a whole number of at least 0"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a text"
	case "time.Duration":
		return "a duration such as 90s or 2h"
	case "time.Time":
		return "a time such as 2026-01-31T09:00:00Z"
	}
	switch {
	case strings.HasPrefix(goType, "["):
		return "a list"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "struct"), strings.Contains(goType, "."):
		// Named types in decoding targets are structs (mappings).
		return "a mapping"
	}
	return "another kind of value"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// add indexes n under path. It does not follow aliases: the values an alias
// stands for are indexed where they are written, and paths through the
// alias find the alias's line as their nearest ancestor's.
func (idx Index) add(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			idx.add(c, path)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			idx[p] = k.Line
			idx.add(v, p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			idx[p] = c.Line
			idx.add(c, p)
		}
	}
}

// Line finds the line of path, or of its nearest ancestor that has one.
func (idx Index) Line(path string) int {
	for path != "" {
		if l, ok := idx[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// Errors collects input errors for one file, up to a limit.
type Errors struct {
	File string
	Idx  Index
	List sla.InputErrors
}

// maxErrors caps the errors reported for one file.
const maxErrors = 50

// Add records an error at path.
func (e *Errors) Add(path, format string, args ...any) {
	if len(e.List) >= maxErrors {
		return
	}
	e.List = append(e.List, &sla.InputError{File: e.File, Line: e.Idx.Line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

// Err returns the collected errors, or nil.
func (e *Errors) Err() error {
	if len(e.List) == 0 {
		return nil
	}
	return e.List
}
