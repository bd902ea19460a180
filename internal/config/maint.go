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

// Cluster sets how replicas sharing a PostgreSQL database keep their
// membership: each renews its row every Heartbeat, and one silent for
// Lease counts as dead (its monitors move to the others). A replica takes
// work two heartbeats after it joins, once every other has seen it.
type Cluster struct {
	Heartbeat, Lease time.Duration
}

// Grace is how long after joining a replica waits before it takes work.
func (c Cluster) Grace() time.Duration { return 2 * c.Heartbeat }

type rawCluster struct {
	Heartbeat string `yaml:"heartbeat"`
	Lease     string `yaml:"lease"`
}

func parseCluster(errs *yamlpos.Errors, raw rawCluster) Cluster {
	c := Cluster{Heartbeat: duration(errs, "cluster.heartbeat", raw.Heartbeat, 2*time.Second),
		Lease: duration(errs, "cluster.lease", raw.Lease, 10*time.Second)}
	if c.Lease < 3*c.Heartbeat {
		// A replica whose renewal is one heartbeat late must not count as
		// dead, or its monitors would be checked twice.
		errs.Add("cluster.lease", "must be at least three heartbeats (%s), got %s", 3*c.Heartbeat, c.Lease)
	}
	return c
}

// BurnAlerts sets the error-budget burn-rate alerts (internal/burn):
// each rule fires while a plan's budget burns faster than Factor times the
// sustainable rate over both its Long and Short windows.
type BurnAlerts struct {
	Off   bool
	Rules []BurnRule
}

// BurnRule is one multiwindow burn-rate rule.
type BurnRule struct {
	Name        string
	Long, Short time.Duration
	Factor      float64
	Severity    string
}

type rawBurnAlerts struct {
	Off   bool          `yaml:"off"`
	Rules []rawBurnRule `yaml:"rules"`
}

type rawBurnRule struct {
	Name     string  `yaml:"name"`
	Long     string  `yaml:"long"`
	Short    string  `yaml:"short"`
	Factor   float64 `yaml:"factor"`
	Severity string  `yaml:"severity"`
}

// defaultBurnRules are the SRE workbook's table.
var defaultBurnRules = []BurnRule{
	{Name: "fast", Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4, Severity: "page"},
	{Name: "slow", Long: 6 * time.Hour, Short: 30 * time.Minute, Factor: 6, Severity: "page"},
	{Name: "steady", Long: 3 * 24 * time.Hour, Short: 6 * time.Hour, Factor: 1, Severity: "ticket"},
}

func parseBurnAlerts(errs *yamlpos.Errors, raw rawBurnAlerts) BurnAlerts {
	b := BurnAlerts{Off: raw.Off}
	if len(raw.Rules) == 0 {
		b.Rules = slices.Clone(defaultBurnRules)
		return b
	}
	seen := map[string]bool{}
	for i, r := range raw.Rules {
		p := fmt.Sprintf("burn_alerts.rules[%d]", i)
		br := BurnRule{Name: r.Name, Long: duration(errs, p+".long", r.Long, 0), Short: duration(errs, p+".short", r.Short, 0), Factor: r.Factor, Severity: r.Severity}
		switch {
		case r.Name == "" || seen[r.Name]:
			errs.Add(p+".name", "want a unique name, got %q", r.Name)
		case r.Long == "" || r.Short == "":
			errs.Add(p, "want long and short windows, such as {long: 1h, short: 5m}")
		case br.Short >= br.Long:
			errs.Add(p+".short", "must be shorter than long (%s)", r.Long)
		case r.Factor <= 0:
			errs.Add(p+".factor", "want a burn rate above 0, such as 14.4")
		}
		if br.Severity == "" {
			br.Severity = "page"
		}
		if br.Severity != "page" && br.Severity != "ticket" {
			errs.Add(p+".severity", "want page or ticket, got %q", r.Severity)
		}
		seen[r.Name] = true
		b.Rules = append(b.Rules, br)
	}
	return b
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
