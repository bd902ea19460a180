package config

import (
	"strings"
	"testing"
	"time"
)

func TestAutoIncidentAndObligations(t *testing.T) {
	c, err := Parse("test.yaml", []byte(`components:
  - {id: api, auto_incident: {severity: P2}}
  - {id: web}
`), env, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Components[0].AutoIncident; a == nil || a.Severity != "P2" {
		t.Errorf("api auto_incident: got %+v, want severity P2", a)
	}
	if c.Components[1].AutoIncident != nil {
		t.Errorf("web auto_incident: got %+v, want none", c.Components[1].AutoIncident)
	}
	if c.Obligations.RemindBefore != 15*time.Minute {
		t.Errorf("remind_before default: got %v, want 15m", c.Obligations.RemindBefore)
	}

	c, err = Parse("test.yaml", []byte("incidents:\n  severities: [Critical, High]\ncomponents:\n  - {id: api, auto_incident: {severity: High}}\nobligations:\n  remind_before: 1h\n"), env, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if c.Components[0].AutoIncident.Severity != "High" || c.Obligations.RemindBefore != time.Hour {
		t.Errorf("got %+v and %v, want High and 1h", c.Components[0].AutoIncident, c.Obligations.RemindBefore)
	}

	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown severity", "components:\n  - {id: web}\n  - {id: api, auto_incident: {severity: P9}}\n",
			"test.yaml:3: components[1].auto_incident.severity: want one of the incident severities (P1, P2, P3, P4), got \"P9\""},
		{"unknown key", "components:\n  - {id: api, auto_incident: {severity: P1, when: always}}\n", "test.yaml:2"},
		{"bad remind_before", "obligations:\n  remind_before: soon\n", "test.yaml:2: obligations.remind_before: want a duration"},
		{"zero remind_before", "obligations:\n  remind_before: 0s\n", "obligations.remind_before: must be longer than zero"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.yaml), env, noPolicy)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
