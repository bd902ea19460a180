package config

import (
	"embed"
	"strings"

	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

//go:embed demo
var demoFS embed.FS

// Demo returns the built-in demo configuration for a server listening on
// addr (host:port): its monitors watch the server's own /demo endpoints.
func Demo(addr string) (*Config, error) {
	data, err := demoFS.ReadFile("demo/slakeeper.yaml")
	if err != nil {
		return nil, err
	}
	data = []byte(strings.ReplaceAll(string(data), "{{addr}}", addr))
	c, err := Parse("demo/slakeeper.yaml", data, func(string) string { return "" }, func(name string) (*sla.Policy, error) {
		b, err := demoFS.ReadFile("demo/" + name)
		if err != nil {
			return nil, err
		}
		return policy.Parse("demo/"+name, b)
	})
	if err != nil {
		return nil, err
	}
	c.Demo = true
	return c, nil
}
