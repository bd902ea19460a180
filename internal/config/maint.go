package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/yamlpos"
)

// AutoIncident opens an incident when a monitor of the component confirms
// an outage and no open incident impacts the component yet.
type AutoIncident struct {
	// Severity is the opened incident's severity, one of
	// incidents.severities.
	Severity string
}

// Obligations are the settings of the incident obligation reminders.
type Obligations struct {
	// RemindBefore is how long before an obligation falls due (an hourly
	// update, a post-mortem) the operators are reminded. Default 15m.
	RemindBefore time.Duration
}

type rawAutoIncident struct {
	Severity string `yaml:"severity"`
}

type rawObligations struct {
	RemindBefore string `yaml:"remind_before"`
}

// Tickets configures the support tickets' breach warnings.
type Tickets struct {
	// WarnAt is the share of a target's business-time budget used at
	// which the operators get a ticket.warning alert, in percent (default
	// 75); at the deadline comes ticket.breached.
	WarnAt float64
}

// Ledger sets the month-end close: a plan period is closed Settle after
// it ends (evidence arriving meanwhile counts without an adjustment), the
// server looks for due periods Every; Off leaves closing to
// POST /api/v1/closes.
type Ledger struct {
	Settle, Every time.Duration
	Off           bool
}

type rawLedger struct {
	Settle string `yaml:"settle"`
	Every  string `yaml:"every"`
	Off    bool   `yaml:"off"`
}

type rawTickets struct {
	WarnAt *float64 `yaml:"warn_at"`
}

func parseTickets(errs *yamlpos.Errors, raw rawTickets) Tickets {
	t := Tickets{WarnAt: 75}
	if raw.WarnAt != nil {
		if *raw.WarnAt <= 0 || *raw.WarnAt >= 100 {
			errs.Add("tickets.warn_at", "want a percentage above 0 and below 100, got %g", *raw.WarnAt)
		}
		t.WarnAt = *raw.WarnAt
	}
	return t
}

// parseAutoIncidents reads components[].auto_incident into c.Components,
// once the severities are known.
func parseAutoIncidents(errs *yamlpos.Errors, raw []rawComponent, c *Config) {
	for i, rc := range raw {
		if rc.AutoIncident == nil {
			continue
		}
		p := fmt.Sprintf("components[%d].auto_incident.severity", i)
		sev := rc.AutoIncident.Severity
		if !slices.Contains(c.Incidents.Severities, sev) {
			errs.Add(p, "want one of the incident severities (%s), got %q", strings.Join(c.Incidents.Severities, ", "), sev)
			continue
		}
		for j := range c.Components {
			if c.Components[j].ID == rc.ID {
				c.Components[j].AutoIncident = &AutoIncident{Severity: sev}
			}
		}
	}
}

func parseObligations(errs *yamlpos.Errors, raw rawObligations) Obligations {
	return Obligations{RemindBefore: duration(errs, "obligations.remind_before", raw.RemindBefore, 15*time.Minute)}
}
