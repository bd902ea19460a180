package outbox

import (
	"time"
)

// Event kinds: what happened that someone may be told about. Public kinds
// go to status page subscribers; operator kinds go to the operators'
// alert channels.
const (
	EventIncidentCreated      = "incident.created"
	EventIncidentUpdated      = "incident.updated"
	EventIncidentResolved     = "incident.resolved"
	EventMaintenanceScheduled = "maintenance.scheduled"
	EventMaintenanceStarted   = "maintenance.started"
	EventMaintenanceCompleted = "maintenance.completed"
	EventMaintenanceCancelled = "maintenance.cancelled"
	EventMonitorDown          = "monitor.down"
	EventMonitorUp            = "monitor.up"
	EventObligationDue        = "obligation.due"
	EventObligationOverdue    = "obligation.overdue"
	EventTicketWarning        = "ticket.warning"
	EventTicketBreached       = "ticket.breached"
	// An agent location that stopped reporting while others report, and
	// its return (internal/server/agents.go).
	EventAgentSilent = "agent.silent"
	EventAgentBack   = "agent.back"
	// A contract's error budget burning faster than a burn-rate rule
	// allows, and its end (internal/server/burn.go).
	EventBudgetBurn = "budget.burn"
	EventBudgetOK   = "budget.ok"
	// Credit events are for billing systems: a ledger entry posted
	// (issued: a credit or an approved claim; adjusted: an adjustment or a
	// reversal).
	EventCreditIssued   = "credit.issued"
	EventCreditAdjusted = "credit.adjusted"
)

// Event is one thing that happened, to be fanned out to subscribers and
// operator alert channels.
type Event struct {
	// ID is unique per event and stable: publishing the same event twice
	// (after a restart, say) notifies nobody twice.
	ID   string
	Kind string
	At   time.Time
	// Title and Message are the human text; Status is the incident or
	// component status the event brings, Severity the incident's.
	Title, Message, Status, Severity string
	// Incident and Maintenance name the incident or window, when any;
	// Ticket the support ticket.
	Incident, Maintenance, Ticket string
	// Components are the affected component ids (empty: none in
	// particular, e.g. an obligation).
	Components []string
	// URL is the public page of the event (absolute when the server's
	// public URL is configured).
	URL string
	// Credit is the ledger entry of a credit event.
	Credit *Credit
}

// Credit is a ledger entry as billing systems receive it: amounts are
// decimal strings, positive for a credit to the customer.
type Credit struct {
	Entry        string `json:"entry"`
	Kind         string `json:"kind"`
	Customer     string `json:"customer"`
	Subscription string `json:"subscription"`
	Policy       string `json:"policy"`
	Period       string `json:"period"`
	Currency     string `json:"currency"`
	Amount       string `json:"amount"`
	Reason       string `json:"reason,omitempty"`
	Ref          string `json:"ref,omitempty"`
}

// Public reports whether status page subscribers are told of the event.
func (e Event) Public() bool {
	switch e.Kind {
	case EventIncidentCreated, EventIncidentUpdated, EventIncidentResolved,
		EventMaintenanceScheduled, EventMaintenanceStarted, EventMaintenanceCompleted, EventMaintenanceCancelled:
		return true
	}
	return false
}
