package outbox

import (
	"slices"
	"testing"

	"github.com/slakeeper/slakeeper/internal/config"
)

func TestDedupKeys(t *testing.T) {
	for _, tt := range []struct {
		e    Wire
		want string
	}{
		{Wire{ID: "st:api-http:1700000000:major_outage", Kind: EventMonitorDown, Components: []string{"api"}}, "slakeeper/monitor/api-http"},
		{Wire{ID: "st:api-http:1700000600:operational", Kind: EventMonitorUp, Components: []string{"api"}}, "slakeeper/monitor/api-http"},
		{Wire{ID: "other", Kind: EventMonitorDown, Components: []string{"api"}}, "slakeeper/component/api"},
		{Wire{ID: "incident.created:inc-1", Kind: EventIncidentCreated, Incident: "inc-1"}, "slakeeper/incident/inc-1"},
		{Wire{ID: "incident.resolved:u9", Kind: EventIncidentResolved, Incident: "inc-1"}, "slakeeper/incident/inc-1"},
		{Wire{ID: "mw-1/started", Kind: EventMaintenanceStarted, Maintenance: "mw-1"}, "slakeeper/maintenance/mw-1"},
		{Wire{ID: "obligation:inc-1:update:20261130T100000Z/due", Kind: EventObligationDue}, "slakeeper/obligation:inc-1:update:20261130T100000Z"},
		{Wire{ID: "obligation:inc-1:update:20261130T100000Z/overdue", Kind: EventObligationOverdue}, "slakeeper/obligation:inc-1:update:20261130T100000Z"},
	} {
		if got := dedupKey(tt.e); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.e.ID, got, tt.want)
		}
	}
	if got := pagerSeverity(Wire{Kind: EventMonitorDown, Status: "degraded_performance"}); got != "warning" {
		t.Errorf("degraded monitor: got severity %q, want warning", got)
	}
}

func TestEventKindsMatchConfig(t *testing.T) {
	server := []string{EventIncidentCreated, EventIncidentUpdated, EventIncidentResolved, EventMaintenanceScheduled,
		EventMaintenanceStarted, EventMaintenanceCompleted, EventMaintenanceCancelled, EventMonitorDown, EventMonitorUp, EventObligationDue, EventObligationOverdue,
		EventTicketWarning, EventTicketBreached, EventAgentSilent, EventAgentBack, EventBudgetBurn, EventBudgetOK, EventCreditIssued, EventCreditAdjusted}
	if !slices.Equal(server, config.EventKinds) {
		t.Errorf("got config.EventKinds %v, want the server's kinds %v", config.EventKinds, server)
	}
	for _, k := range server {
		if kindLabels[k] == "" {
			t.Errorf("event kind %s has no label", k)
		}
	}
}
