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
