// Package docscheck finds the keys of a YAML file format that its
// reference page does not document: the configuration's and the policy
// language's tests use it (TestConfigKeysDocumented,
// TestPolicyKeysDocumented), so that a key added to the code without a
// sentence in the docs fails a test.
//
// The walk: a field's key is its yaml tag's name (an untagged exported
// field is its lower-cased name, as yaml.v3 does; `yaml:"-"` is skipped);
// `,inline` fields add their keys to the parent; pointers are followed;
// a list adds `[]` (`monitors[].interval`). It stops below a map, a
// yaml.Node or an interface: the names under those are free-form (header
// names, customer ids, a subscription's custom `set`). A named struct type
// met a second time (not inline) is not walked again: its keys are those
// already checked.
//
// The matching rule, on the text outside fenced code blocks (a YAML
// example alone documents nothing): a key path a.b.c is documented when a
// backticked word (a `code` span, split at spaces and commas, `{}[]():`
// trimmed off its ends, `[]` ignored) is either
//
//   - the whole path or a dotted suffix of at least two keys (`b.c`,
//     `a.b.c`, `rules[].name`), anywhere in the page; or
//   - the key alone (`c`) inside the section of its nearest ancestor that
//     has one: the heading named after that key (`### burn_alerts`, `## 6.
//     monitors`; a heading that is only the key wins over one that has it
//     among other words), to the next heading of the same or a higher
//     level. A top-level key alone may appear anywhere.
//
// A word that names a key below it (`c.d`, `b.c.d`) names a key too:
// `server.retention.results` documents `server.retention`.
package docscheck

import (
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KeyPaths lists the key paths of t, a struct decoded by yaml.v3; list
// keys end in "[]" ("monitors[]", "interval").
func KeyPaths(t reflect.Type) [][]string {
	var out [][]string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, prefix []string)
	walk = func(t reflect.Type, prefix []string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == reflect.TypeFor[yaml.Node]() {
			return
		}
		if t.Name() != "" {
			if seen[t] {
				return
			}
			seen[t] = true
		}
		walkFields(t, prefix, &out, walk)
	}
	walk(t, nil)
	return out
}

func walkFields(t reflect.Type, prefix []string, out *[][]string, walk func(reflect.Type, []string)) {
	for f := range t.Fields() {
		tag := f.Tag.Get("yaml")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			walkFields(ft, prefix, out, walk)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		key := name
		if ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array {
			key += "[]"
			ft = ft.Elem()
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
		}
		p := append(append([]string(nil), prefix...), key)
		*out = append(*out, p)
		walk(ft, p)
	}
}

var (
	fenceRE   = regexp.MustCompile("(?ms)^\\s*```.*?^\\s*```[^\\n]*$")
	codeRE    = regexp.MustCompile("`([^`\\n]+)`")
	headingRE = regexp.MustCompile(`(?m)^(#{1,6})\s+(.*)$`)
	numberRE  = regexp.MustCompile(`^[0-9]+[a-z]?\.\s*`)
	wordRE    = regexp.MustCompile(`[a-z0-9_]+`)
)

// codeWords returns the backticked words of text (see the matching rule).
func codeWords(text string) map[string]bool {
	words := map[string]bool{}
	for _, m := range codeRE.FindAllStringSubmatch(text, -1) {
		for _, w := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ' ' || r == ',' }) {
			w = strings.Trim(w, "{}[]():")
			w = strings.ReplaceAll(w, "[]", "")
			if w != "" {
				words[w] = true
			}
		}
	}
	return words
}

type docSection struct {
	level int
	title string // without its number, lower case
	words map[string]bool
}

// Undocumented returns the paths of keys that doc does not document.
func Undocumented(doc string, paths [][]string) [][]string {
	doc = fenceRE.ReplaceAllString(doc, "")
	all := codeWords(doc)
	var sections []docSection
	locs := headingRE.FindAllStringSubmatchIndex(doc, -1)
	for i, l := range locs {
		level := l[3] - l[2]
		end := len(doc)
		for _, m := range locs[i+1:] {
			if m[3]-m[2] <= level {
				end = m[0]
				break
			}
		}
		title := strings.ToLower(numberRE.ReplaceAllString(strings.TrimSpace(doc[l[4]:l[5]]), ""))
		sections = append(sections, docSection{level, title, codeWords(doc[l[0]:end])})
	}
	// section returns the words of the sections named after key, or nil.
	section := func(key string) []map[string]bool {
		var exact, loose []map[string]bool
		for _, s := range sections {
			if s.title == key {
				exact = append(exact, s.words)
			}
			for _, w := range wordRE.FindAllString(s.title, -1) {
				if w == key || w+"s" == key || w == key+"s" {
					loose = append(loose, s.words)
					break
				}
			}
		}
		if exact != nil {
			return exact
		}
		return loose
	}
	var out [][]string
	for _, p := range paths {
		keys := make([]string, len(p))
		for i, k := range p {
			keys[i] = strings.TrimSuffix(k, "[]")
		}
		if documented(keys, all, section) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func documented(keys []string, all map[string]bool, section func(string) []map[string]bool) bool {
	leaf := keys[len(keys)-1]
	if len(keys) == 1 {
		return names(all, leaf)
	}
	for i := 0; i < len(keys)-1; i++ {
		if names(all, strings.Join(keys[i:], ".")) {
			return true
		}
	}
	for i := len(keys) - 2; i >= 0; i-- {
		if secs := section(keys[i]); secs != nil {
			for _, words := range secs {
				if names(words, leaf) {
					return true
				}
			}
			return false
		}
	}
	return names(all, leaf)
}

// names reports whether words has key, or a key below it (`key.child`).
func names(words map[string]bool, key string) bool {
	if words[key] {
		return true
	}
	for w := range words {
		if strings.HasPrefix(w, key+".") {
			return true
		}
	}
	return false
}
