// Command slakeeper keeps a SaaS provider's SLA promises measurable: it turns
// policies and evidence into uptime, credits and support-clock reports.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if code := exitCode(err); code != 0 {
		fmt.Fprintln(os.Stderr, "slakeeper:", err)
		os.Exit(code)
	}
}
