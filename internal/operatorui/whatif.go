package operatorui

import "github.com/slakeeper/slakeeper/internal/whatif"

// Whatif is the what-if page: the form (a proposed policy pasted or
// uploaded, the periods, the policy it replaces), and once asked the
// comparison with the policy in force.
type Whatif struct {
	Page
	// Policies are the configured policies a proposal may replace.
	Policies []string
	// Result is the comparison; nil until asked. Rows are its first
	// WhatifRows rows, More how many are left out (the API and the CLI
	// have them all).
	Result *whatif.Result
	Rows   []*whatif.Row
	More   int
}

// WhatifRows is how many subscription periods the page lists.
const WhatifRows = 500
