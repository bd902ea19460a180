package policy

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/slakeeper/slakeeper/internal/docscheck"
)

// TestPolicyKeysDocumented walks rawPolicy, the structs a policy file is
// decoded into (every struct reachable from it through `yaml` tags), and
// checks that docs/policy.md documents each key, so that a key added to
// the language without a sentence in its reference fails here.
//
// The walk and the matching rule are internal/docscheck's. The walk stops
// below a yaml.Node; a priority's `first_response` and the like and the
// credits' `claim`, decoded from their node into rawTarget and rawClaim,
// are walked as such. An override's `set` is a plan, whose keys are
// checked under `versions[].plans[]`. A heading such as `## 11. Credits`
// or `## 7b. Rolling windows` is the section of `credits` or `window`.
func TestPolicyKeysDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	paths := docscheck.KeyPaths(reflect.TypeFor[rawPolicy]())
	// Keys decoded from a yaml.Node in a second step, into a known struct
	// (policy.go: checker.target, the credits' claim), are walked too.
	prio := []string{"versions[]", "plans[]", "support", "priorities[]"}
	for _, second := range []struct {
		at []string
		t  reflect.Type
	}{
		{[]string{"versions[]", "plans[]", "credits", "claim"}, reflect.TypeFor[rawClaim]()},
		{append(prio[:4:4], "first_response"), reflect.TypeFor[rawTarget]()},
		{append(prio[:4:4], "ongoing_response"), reflect.TypeFor[rawTarget]()},
		{append(prio[:4:4], "update_every"), reflect.TypeFor[rawTarget]()},
		{append(prio[:4:4], "resolution"), reflect.TypeFor[rawTarget]()},
	} {
		for _, p := range docscheck.KeyPaths(second.t) {
			paths = append(paths, append(append([]string(nil), second.at...), p...))
		}
	}
	if len(paths) < 60 {
		t.Fatalf("walked only %d keys; the walk is broken", len(paths))
	}
	for _, p := range docscheck.Undocumented(string(doc), paths) {
		t.Errorf("policy key %s is not documented in docs/policy.md (write `%s` in its section, or its dotted path)", strings.Join(p, "."), strings.TrimSuffix(p[len(p)-1], "[]"))
	}
}
