package policy

import (
	"fmt"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestScratchY(t *testing.T) {
	type S struct {
		A string `yaml:"a"`
		B []string `yaml:"b"`
		C bool `yaml:"c"`
		D int `yaml:"d"`
	}
	for _, doc := range []string{"a: 2026", "a: true", "a: 2026-01-01", "a: null", "a: 1.5", "b: [1, true]", "c: yes", "c: 1", "d: 1.0", "d: \"5\"", "a: [x]", "d: 0x10", "a: ~"} {
		var s S
		err := yaml.Unmarshal([]byte(doc), &s)
		fmt.Printf("%q -> %+v %v\n", doc, s, err)
	}
}
