package server

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestOpenAPIDocumentsEveryAPIRoute keeps docs/openapi.yaml true: every
// /api/v1 route the server registers is there with its method, and the
// file documents no route the server does not have.
func TestOpenAPIDocumentsEveryAPIRoute(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	served, api := map[string]bool{}, 0
	for _, r := range routes(t) {
		method, path, ok := strings.Cut(r, " ")
		served[method+" "+strings.TrimSuffix(path, "{$}")] = true
		if !ok || !strings.HasPrefix(path, "/api/") {
			continue
		}
		api++
		if !documented[method+" "+path] {
			t.Errorf("%s %s is served but not in docs/openapi.yaml", method, path)
		}
	}
	if api == 0 {
		t.Fatal("found no /api routes in the source")
	}
	var extra []string
	for r := range documented {
		if !served[r] {
			extra = append(extra, r)
		}
	}
	slices.Sort(extra)
	for _, r := range extra {
		t.Errorf("docs/openapi.yaml documents %s, which the server does not serve", r)
	}
}
