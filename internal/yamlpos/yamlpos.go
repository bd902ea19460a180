// Package yamlpos decodes YAML strictly and remembers where every key is, so
// that errors found after decoding can still name the file, line and field.
package yamlpos

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// Index maps dotted paths ("versions[0].plans[1].objective") to lines.
type Index map[string]int

// Decode decodes data into v, refusing unknown keys, and indexes the
// document. Errors are sla.InputErrors naming file and line.
func Decode(file string, data []byte, v any) (Index, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Error(file, err)
	}
	if len(root.Content) == 0 {
		return nil, &sla.InputError{File: file, Msg: "empty document"}
	}
	idx := Index{}
	idx.add(root.Content[0], "")
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return nil, Error(file, err)
	}
	return idx, nil
}

var lineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Error turns the YAML library's messages into file:line errors.
func Error(file string, err error) error {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out sla.InputErrors
	for _, m := range msgs {
		e := &sla.InputError{File: file, Msg: strings.TrimPrefix(m, "yaml: ")}
		if g := lineRE.FindStringSubmatch(m); g != nil {
			e.Line, _ = strconv.Atoi(g[1])
			e.Msg = g[2]
		}
		// "field x not found in type policy.rawPlan" leaks Go names.
		if i := strings.Index(e.Msg, " not found in type "); i > 0 {
			e.Msg = e.Msg[:i] + " is not a known key here"
		}
		e.Msg = strings.ReplaceAll(e.Msg, "!!", "")
		out = append(out, e)
	}
	return out
}

func (idx Index) add(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			idx.add(c, path)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			idx[p] = k.Line
			idx.add(v, p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			idx[p] = c.Line
			idx.add(c, p)
		}
	case yaml.AliasNode:
		if n.Alias != nil {
			idx.add(n.Alias, path)
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

// Add records an error at path.
func (e *Errors) Add(path, format string, args ...any) {
	if len(e.List) >= 50 {
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
