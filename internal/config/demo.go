package config

import (
	"embed"
	"strings"

	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
)

//go:embed demo
var demoFS embed.FS

// DemoHelpdeskSecret signs the demo helpdesk's webhooks.
const DemoHelpdeskSecret = "slakeeper-demo-helpdesk"

// Demo returns the built-in demo configuration for a server listening on
// addr (host:port): its monitors watch the server's own /demo endpoints.
func Demo(addr string) (*Config, error) {
	data, err := demoFS.ReadFile("demo/slakeeper.yaml")
	if err != nil {
		return nil, err
	}
	data = []byte(strings.ReplaceAll(string(data), "{{addr}}", addr))
	// The demo's only secret from the environment: its helpdesk's, fixed
	// so that the README's tour can sign a webhook.
	getenv := func(k string) string {
		if k == "SLAKEEPER_DEMO_HELPDESK_SECRET" {
			return DemoHelpdeskSecret
		}
		return ""
	}
	c, err := Parse("demo/slakeeper.yaml", data, getenv, func(name string) (*sla.Policy, error) {
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
