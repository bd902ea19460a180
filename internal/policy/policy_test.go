package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const scratchBase = `policy: p
components:
  - id: api
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: std
        objective: 99.9
        components: [api]
`

func TestScratch(t *testing.T) {
	for _, doc := range []string{
		scratchBase + "        maintenance_notice: 36600d2000000h\n",
		scratchBase + "        recovery: {rto: 36600d2000000h}\n",
		scratchBase + "  - foo\n",
		"policy: p\ncomponents: {id: api}\n",
		"policy: p\nversions:\n  - plans: {id: x}\n",
		"foo",
		"policy: p\nnotice_days: sixty\n",
		scratchBase + "        support:\n          priorities:\n            - id: p1\n              first_response:\n",
		scratchBase + "        support:\n          priorities:\n            - id: p1\n              first_response: null\n",
		scratchBase + "        credits: {tiers: [{below: 99, credit: 10}], claim: null}\n",
		scratchBase + "---\npolicy: q\n",
		scratchBase + "        uptime: {weights: {major_outage: 1.0000}}\n",
	} {
		p, err := Parse("p.yaml", []byte(doc))
		if err != nil {
			fmt.Printf("ERR %v\n\n", err)
			continue
		}
		pl := p.Versions[0].Plans["std"]
		fmt.Printf("OK notice=%v rec=%+v\n\n", pl.MaintenanceNotice, pl.Recovery)
	}
}

func TestScratchAlias(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n")
	for i := 1; i < 6; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	start := time.Now()
	allocs := testing.AllocsPerRun(1, func() { _, err := Parse("b.yaml", []byte(b.String())); fmt.Println(err) })
	fmt.Println(len(b.String()), time.Since(start), allocs)
}
