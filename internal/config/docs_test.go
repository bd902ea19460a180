package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/slakeeper/slakeeper/internal/docscheck"
)

// TestConfigKeysDocumented walks the raw structs the parser decodes a
// configuration file into (rawConfig and every struct reachable from it
// through `yaml` tags) and checks that docs/configuration.md documents
// each key, so that a key added to the code without a sentence in the
// reference fails here.
//
// The walk and the matching rule are internal/docscheck's.
//
// So `name` documented for tokens does not count for a new key
// `helpdesks[].name`: it must be in the helpdesks section, or written as
// `helpdesks.name`.
func TestConfigKeysDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	paths := docscheck.KeyPaths(reflect.TypeFor[rawConfig]())
	if len(paths) < 100 {
		t.Fatalf("walked only %d keys; the walk is broken", len(paths))
	}
	for _, p := range docscheck.Undocumented(string(doc), paths) {
		t.Errorf("configuration key %s is not documented in docs/configuration.md (write `%s` in its section, or its dotted path)", strings.Join(p, "."), strings.TrimSuffix(p[len(p)-1], "[]"))
	}
}
