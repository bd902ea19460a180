package sla

import (
	"math/big"
	"time"
)

// Evidence is every fact the engine reads, grouped by kind. Each fact has a
// stable id so that a report can cite it. The facts package parses it from
// JSON Lines; the store produces it from check results.
type Evidence struct {
	Customers     []*Customer
	Subscriptions []*Subscription
	// SubscriptionEnds are already applied to Subscriptions (End) when
	// both are in the same evidence.
	SubscriptionEnds []*SubscriptionEnd
	Statuses         []*StatusChange
	Maintenance      []*Maintenance
	// MaintenanceSeries are recurring windows; the server materializes
	// their occurrences as Maintenance facts, so the engine reads only
	// those. Cancellations are already applied to Maintenance (CancelledAt).
	MaintenanceSeries        []*MaintenanceSeries
	MaintenanceCancellations []*MaintenanceCancellation
	Incidents                []*Incident
	IncidentUpdates          []*IncidentUpdate
	Attributions             []*Attribution
	Postmortems              []*Postmortem
	Tickets                  []*Ticket
	TicketEvents             []*TicketEvent
	Backups                  []*Backup
	RestoreTests             []*RestoreTest
	Disasters                []*Disaster
	Restorations             []*Restoration
	Samples                  []*Sample
	Claims                   []*CreditClaim
	// Coverage are the spans a component was being monitored. A component
	// with any is "tracked": the reports say how much of a period its
	// monitoring covered, and a period none of it covered has no data.
	Coverage []*Coverage
}

// Standing is a customer's account standing.
type Standing string

// The standings; only good standing is owed credit when a plan requires it.
const (
	StandingGood      Standing = "good"
	StandingArrears   Standing = "arrears"   // unpaid invoices
	StandingViolation Standing = "violation" // in breach of the terms
)

// Customer is a customer account. A later fact with the same customer id
// records a change of standing from At on.
type Customer struct {
	ID       string
	At       time.Time
	Customer string
	Name     string
	Standing Standing
	// Contacts are who to reach at the customer (for credits, incidents);
	// the engine does not read them.
	Contacts []Contact
}

// Contact is a person at a customer.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
	Role  string `json:"role,omitempty"`
}

// Subscription is a customer's contract for one plan of one policy.
type Subscription struct {
	ID       string
	Customer string
	Policy   string
	Plan     string
	// Fee is the fee for one period of the plan (the monthly fee of a
	// monthly plan), exact.
	Fee      *big.Rat
	Currency string
	Start    time.Time
	// End is zero for an open-ended subscription.
	End   time.Time
	Trial bool
	// Class is the class of customer the contract puts the customer in
	// ("enterprise"): a policy's overrides for that class apply to it,
	// below an override for the customer itself. Empty is no class.
	Class string
	// Set is the subscription's custom terms: a JSON object of plan keys,
	// each replacing the key of the plan the customer gets (a policy
	// override's set, for one subscription). Empty means the plan as is.
	Set []byte
}

// SubscriptionEnd ends a subscription At (excluded), earlier than its own
// End: how a stored subscription's contract is ended or changed (a new
// subscription takes over from At).
type SubscriptionEnd struct {
	ID           string
	Subscription string
	At           time.Time
}

// StatusChange says that from At a component has Status according to Source.
// The status holds until the next change from the same source.
type StatusChange struct {
	ID        string
	At        time.Time
	Component string
	Status    Status
	// Source names who saw it: a monitor, a location, an operator.
	Source string
	// Cause is optional; empty means not attributed (liable).
	Cause Cause
}

// Maintenance is a scheduled maintenance window.
type Maintenance struct {
	ID          string
	Components  []string
	Start, End  time.Time
	AnnouncedAt time.Time
	Title       string
	// Series names the maintenance_series the window is an occurrence of
	// (empty for a one-off window); By who announced it, when recorded.
	Series, By string
	// CancelledAt is the earliest cancellation of the window or of its
	// series (zero: not cancelled). A window cancelled at or before its
	// start excuses nothing; one cancelled while running ends then.
	CancelledAt time.Time
}

// InForce returns the window as it stands after its cancellation: itself
// when not cancelled, a copy ending at the cancellation when cancelled
// while running, and false when cancelled at or before its start.
func (m *Maintenance) InForce() (*Maintenance, bool) {
	if m.CancelledAt.IsZero() || !m.CancelledAt.Before(m.End) {
		return m, true
	}
	if !m.CancelledAt.After(m.Start) {
		return nil, false
	}
	c := *m
	c.End = m.CancelledAt
	return &c, true
}

// MaintenanceSeries is a recurring maintenance window: occurrences start at
// the times an RFC 5545 recurrence rule gives, read as wall-clock times of
// Location from the wall-clock time of Start on, and last Duration each.
type MaintenanceSeries struct {
	ID         string
	Components []string
	Title      string
	Start      time.Time
	Location   *time.Location
	// RRule is the rule as written (without DTSTART and UNTIL, which
	// Start and Until give).
	RRule    string
	Duration time.Duration
	// Until bounds the occurrence starts (zero: none); Count caps their
	// number (0: none).
	Until       time.Time
	Count       int
	AnnouncedAt time.Time
	By          string
	// CancelledAt is the earliest cancellation of the series (zero: none):
	// no occurrence starts from then on.
	CancelledAt time.Time
}

// MaintenanceCancellation cancels a maintenance window or a whole series
// from At on; who did it and why are kept.
type MaintenanceCancellation struct {
	ID          string
	At          time.Time
	Maintenance string
	By, Reason  string
}

// Incident is an incident opened at At. Its component impacts are evidence
// of downtime until it is resolved (or an update changes them).
type Incident struct {
	ID         string
	At         time.Time
	Title      string
	Severity   string
	Components map[string]Status
	Cause      Cause
}

// IncidentUpdate is a public update on an incident. Status resolved closes
// it; Components, when present, replace the incident's impacts.
type IncidentUpdate struct {
	ID         string
	Incident   string
	At         time.Time
	Status     string
	Message    string
	Components map[string]Status
}

// Attribution re-attributes the downtime of some components within
// [Start, End) to a cause. It is audited: who made it and why are kept.
// The latest attribution (by At) covering an instant wins.
type Attribution struct {
	ID         string
	At         time.Time
	Components []string
	Start, End time.Time
	Cause      Cause
	By         string
	Reason     string
	Incident   string
}

// Postmortem records the publication of an incident's post-mortem.
type Postmortem struct {
	ID       string
	Incident string
	At       time.Time
	URL      string
	// Title and Summary are the post-mortem itself when the status page
	// hosts it (Summary is plain text, paragraphs separated by blank
	// lines); URL points to it when it is published elsewhere.
	Title, Summary string
}

// Ticket is a support ticket created At by a customer.
type Ticket struct {
	ID       string
	At       time.Time
	Customer string
	Priority string
	Subject  string
	// Source names the helpdesk integration that reported the ticket.
	Source string
	// FirstSeen, when set, is when the ticket was first reported, after
	// its creation: events before it were not received.
	FirstSeen time.Time
	// Unmapped lists what the integration could not map ("customer",
	// "priority"): Customer or Priority then holds the helpdesk's own
	// value.
	Unmapped []string
}

// The kinds of ticket event.
const (
	TicketAgentReply    = "agent_reply"    // a public reply by a support agent
	TicketCustomerReply = "customer_reply" // a reply by the customer
	TicketStatus        = "status"         // a status change (Status)
	TicketPriority      = "priority"       // a priority change (Priority)
	TicketSolved        = "solved"
	TicketReopened      = "reopened"
)

// TicketEvent is something that happened to a ticket.
type TicketEvent struct {
	ID       string
	Ticket   string
	At       time.Time
	Kind     string
	Status   string
	Priority string
}

// Backup is a backup job's report.
type Backup struct {
	ID        string
	At        time.Time
	Component string
	OK        bool
}

// RestoreTest is a restore test's report.
type RestoreTest struct {
	ID        string
	At        time.Time
	Component string
	OK        bool
}

// Disaster is a declared disaster.
type Disaster struct {
	ID        string
	At        time.Time
	Component string
	Title     string
}

// Restoration is the restoration of service after a disaster.
type Restoration struct {
	ID       string
	Disaster string
	At       time.Time
}

// Coverage is a span [Start, End) during which a component was being
// monitored: checks reported on it, whatever they found.
type Coverage struct {
	ID         string
	Component  string
	Start, End time.Time
}

// Sample is one performance measurement, or the summary of Count of
// them: Value their mean, Min and Max their extremes (a server's hourly
// aggregate of its checks).
type Sample struct {
	ID        string
	At        time.Time
	Component string
	Metric    string
	Value     float64
	Location  string
	// Count is 1 for a single measurement; Min and Max are Value then.
	Count    int64
	Min, Max float64
}

// The performance metrics a sample and an objective may name.
const (
	MetricLatency    = "latency_ms"
	MetricPacketLoss = "packet_loss_pct"
	MetricThroughput = "throughput_mbps"
)

// Metrics lists the known performance metrics.
var Metrics = []string{MetricLatency, MetricPacketLoss, MetricThroughput}

// CreditClaim is a customer's claim for credit for a subscription's period.
type CreditClaim struct {
	ID           string
	At           time.Time
	Customer     string
	Subscription string
	Period       string
}
