package server

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The layers of the running server (docs/architecture.md): the core
// mounts the surfaces; surfaces call services; services and everything
// else (domain, adapters) never reach up.
var (
	layerSurfaces = map[string]bool{"public": true, "api": true, "admin": true, "portal": true}
	layerServices = map[string]bool{"auth": true, "outbox": true, "incidents": true, "reports": true, "tickets": true, "intake": true, "customers": true, "users": true, "ledger": true}
)

// TestLayering keeps dependencies pointing one way: no surface imports
// another surface or the core, no service imports a surface or the core,
// and no domain or adapter package imports a service, a surface or the
// core.
func TestLayering(t *testing.T) {
	const module = "github.com/slakeeper/slakeeper/internal/"
	dirs, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "server" {
			continue
		}
		pkg := d.Name()
		files, err := filepath.Glob(filepath.Join("..", pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				dep, ok := strings.CutPrefix(path, module)
				if !ok {
					continue
				}
				dep, _, _ = strings.Cut(dep, "/")
				checked++
				var bad bool
				switch {
				case dep == "server":
					bad = true
				case layerSurfaces[pkg]:
					bad = layerSurfaces[dep] && dep != pkg
				case layerServices[pkg]:
					bad = layerSurfaces[dep]
				default:
					bad = layerSurfaces[dep] || layerServices[dep]
				}
				if bad {
					t.Errorf("%s imports %s: dependencies point core → surfaces → services → domain → store", f, path)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d imports", checked)
	}
}
