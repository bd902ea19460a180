// Package api is the server's JSON API under /api/v1: reports and the
// evidence export, incidents, maintenance, post-mortems, obligations,
// subscribers and their delivery logs, heartbeats, and the probe agents'
// protocol. docs/openapi.yaml documents every route (a test keeps it
// true); docs/api.md says who may call what.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/customers"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/tickets"
	"github.com/slakeeper/slakeeper/internal/users"
)

// Store is what the API reads and writes in the store itself: the
// evidence of the reports and of the facts intake, and the agents'
// acknowledged sequence numbers.
type Store interface {
	reports.Store
	FactsByID(ctx context.Context, ids []string) ([]store.Fact, error)
	FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error)
	AppendFacts(ctx context.Context, fs []store.Fact) error
	TicketFacts(ctx context.Context, ticket string) ([]store.Fact, error)
	AgentSeq(ctx context.Context, location string) (uint64, error)
}

var _ Store = (store.Store)(nil)

// Results takes check results into the server: the core's ingest (store,
// detector, status facts) and the heartbeat monitors' pushes.
type Results interface {
	Ingest(ctx context.Context, rs []monitor.Result) error
	Beat(ctx context.Context, m *monitor.Monitor, state monitor.State, msg string) (fact string, err error)
}

// Options are the API's dependencies.
type Options struct {
	Store     Store
	Config    func() *config.Config
	Now       func() time.Time
	Logger    *slog.Logger
	Auth      *auth.Auth
	Incidents *incidents.Service
	Outbox    *outbox.Service
	Tickets   *tickets.Service
	Intake    *intake.Service
	Customers *customers.Service
	Users     *users.Service
	Results   Results
	Ledger    *ledger.Service
	// Monitors is the monitors console's figures.
	Monitors *monitors.Service
}

type handler struct {
	store     Store
	cfg       func() *config.Config
	now       func() time.Time
	log       *slog.Logger
	inc       *incidents.Service
	out       *outbox.Service
	tickets   *tickets.Service
	results   Results
	auth      *auth.Auth
	intake    *intake.Service
	customers *customers.Service
	users     *users.Service
	ledger    *ledger.Service
	monitors  *monitors.Service
}

// Mount registers the API routes on mux, each with who may call it.
// Nothing that writes is reachable without a credential.
func Mount(mux *http.ServeMux, o Options) {
	h := &handler{store: o.Store, cfg: o.Config, now: o.Now, log: o.Logger, inc: o.Incidents, out: o.Outbox, tickets: o.Tickets, results: o.Results, auth: o.Auth, intake: o.Intake, customers: o.Customers, users: o.Users, ledger: o.Ledger, monitors: o.Monitors}
	may := o.Auth.Require
	agent := o.Auth.RequireAgent

	// Each route's permission; who holds it is the matrix of
	// internal/auth (docs/api.md). Reads of customer data are scoped to
	// the caller's customer when it has one (role customer).
	mux.Handle("GET /api/v1/reports", may(auth.PermReportsRead)(h.handleReports()))
	mux.Handle("GET /api/v1/export", may(auth.PermEvidenceExport)(h.handleExport()))
	mux.Handle("GET /api/v1/incidents", may(auth.PermIncidentsRead)(h.handleIncidents()))
	mux.Handle("GET /api/v1/incidents/{id}", may(auth.PermIncidentsRead)(h.handleIncident()))
	mux.Handle("GET /api/v1/obligations", may(auth.PermIncidentsRead)(h.handleObligations()))
	mux.Handle("GET /api/v1/maintenance", may(auth.PermMaintenanceRead)(h.handleMaintenance()))
	mux.Handle("GET /api/v1/disasters", may(auth.PermDisastersRead)(h.handleDisasters()))
	mux.Handle("GET /api/v1/tickets", may(auth.PermTicketsRead)(h.handleTickets()))
	mux.Handle("GET /api/v1/tickets/{id}", may(auth.PermTicketsRead)(h.handleTicket()))
	mux.Handle("GET /api/v1/targets", may(auth.PermTargetsRead)(h.handleTargets()))
	mux.Handle("GET /api/v1/subscribers", may(auth.PermSubscribersRead)(h.handleSubscribers()))
	mux.Handle("GET /api/v1/subscribers/{id}/deliveries", may(auth.PermSubscribersRead)(h.handleDeliveries()))
	mux.Handle("GET /api/v1/monitors", may(auth.PermMonitorsRead)(h.handleMonitors()))
	mux.Handle("GET /api/v1/monitors/{id}", may(auth.PermMonitorsRead)(h.handleMonitor()))

	// Writes (audited: the token's or user's name is recorded as who
	// decided).
	mux.Handle("POST /api/v1/incidents", may(auth.PermIncidentsWrite)(h.handleCreateIncident()))
	mux.Handle("POST /api/v1/incidents/{id}/updates", may(auth.PermIncidentsWrite)(h.handleIncidentUpdate()))
	mux.Handle("POST /api/v1/incidents/{id}/attributions", may(auth.PermIncidentsWrite)(h.handleIncidentAttribution()))
	mux.Handle("POST /api/v1/incidents/{id}/postmortem", may(auth.PermIncidentsWrite)(h.handlePostmortem()))
	mux.Handle("POST /api/v1/maintenance", may(auth.PermMaintenanceWrite)(h.handleCreateMaintenance()))
	mux.Handle("POST /api/v1/maintenance/{id}/cancel", may(auth.PermMaintenanceWrite)(h.handleCancelMaintenance()))
	mux.Handle("POST /api/v1/disasters", may(auth.PermDisastersWrite)(h.handleDeclareDisaster()))
	mux.Handle("POST /api/v1/disasters/{id}/restored", may(auth.PermDisastersWrite)(h.handleRestored()))
	mux.Handle("POST /api/v1/subscribers", may(auth.PermSubscribersWrite)(h.handleCreateSubscriber()))
	mux.Handle("DELETE /api/v1/subscribers/{id}", may(auth.PermSubscribersWrite)(h.handleDeleteSubscriber()))

	// Customers and subscriptions: created and changed as facts, with
	// history (docs/api.md).
	mux.Handle("GET /api/v1/customers", may(auth.PermCustomersRead)(h.handleCustomers()))
	mux.Handle("GET /api/v1/customers/{id}", may(auth.PermCustomersRead)(h.handleCustomer()))
	mux.Handle("POST /api/v1/customers", may(auth.PermCustomersWrite)(h.handleCreateCustomer()))
	mux.Handle("POST /api/v1/customers/import", may(auth.PermCustomersWrite)(h.handleImportCustomers()))
	mux.Handle("POST /api/v1/customers/{id}/contacts", may(auth.PermCustomersWrite)(h.handleContacts()))
	mux.Handle("POST /api/v1/customers/{id}/standing", may(auth.PermCustomersWrite)(h.handleStanding()))
	mux.Handle("POST /api/v1/subscriptions", may(auth.PermCustomersWrite)(h.handleCreateSubscription()))
	mux.Handle("POST /api/v1/subscriptions/{id}/change", may(auth.PermCustomersWrite)(h.handleChangeSubscription()))

	// The ledger: closes, claims, adjustments, entries (docs/api.md). A
	// customer's credential reads and claims only for its own customer.
	mux.Handle("GET /api/v1/ledger", may(auth.PermLedgerRead)(h.handleLedger()))
	mux.Handle("GET /api/v1/closes", may(auth.PermLedgerRead)(h.handleCloses()))
	mux.Handle("GET /api/v1/closes/trails/{hash}", may(auth.PermLedgerRead)(h.handleTrail()))
	mux.Handle("GET /api/v1/claims", may(auth.PermLedgerRead)(h.handleRequests(ledger.KindClaim)))
	mux.Handle("GET /api/v1/adjustments", may(auth.PermLedgerRead)(h.handleRequests(ledger.KindAdjustment)))
	mux.Handle("POST /api/v1/claims", may(auth.PermClaimsWrite)(h.handleClaim()))
	mux.Handle("POST /api/v1/closes", may(auth.PermLedgerWrite)(h.handleClose()))
	mux.Handle("POST /api/v1/claims/{id}/decision", may(auth.PermLedgerWrite)(h.handleDecision(ledger.KindClaim)))
	mux.Handle("POST /api/v1/adjustments/{id}/decision", may(auth.PermLedgerWrite)(h.handleDecision(ledger.KindAdjustment)))
	mux.Handle("POST /api/v1/ledger/{id}/reverse", may(auth.PermLedgerWrite)(h.handleReverse()))
	mux.Handle("POST /api/v1/ledger/{id}/invoice", may(auth.PermLedgerWrite)(h.handleInvoice()))

	// Users: an admin's (invitations are mailed one-time links).
	mux.Handle("GET /api/v1/users", may(auth.PermUsersWrite)(h.handleUsers()))
	mux.Handle("POST /api/v1/users", may(auth.PermUsersWrite)(h.handleInvite()))
	mux.Handle("POST /api/v1/users/{name}/reset", may(auth.PermUsersWrite)(h.handleUserAction("reset")))
	mux.Handle("POST /api/v1/users/{name}/disable", may(auth.PermUsersWrite)(h.handleUserAction("disable")))
	mux.Handle("POST /api/v1/users/{name}/enable", may(auth.PermUsersWrite)(h.handleUserAction("enable")))

	// What-if: a proposed policy (the body, YAML) against past periods'
	// evidence. It writes nothing; POST for the body.
	mux.Handle("POST /api/v1/whatif", may(auth.PermWhatifRun)(h.handleWhatif()))

	// Evidence from other systems (helpdesk exports, backup jobs,
	// billing), all or nothing per request.
	mux.Handle("POST /api/v1/facts", may(auth.PermFactsWrite)(h.handleFacts()))

	// The helpdesk's signing secret, checked by the handler: the same
	// answer for an unknown helpdesk and a bad signature.
	mux.Handle("POST /api/v1/helpdesk/{name}", h.handleHelpdesk())

	// The heartbeat monitor's own token (the job that pushes), checked by
	// the handler: the same answer for an unknown monitor and a wrong token.
	mux.Handle("POST /api/v1/heartbeat/{monitor}", h.handleHeartbeat())
	mux.Handle("GET /api/v1/heartbeat/{monitor}", h.handleHeartbeat())

	// A probe agent's token; the token decides the location.
	mux.Handle("GET /api/v1/agent/monitors", agent(h.handleAgentMonitors()))
	mux.Handle("GET /api/v1/agent/ack", agent(h.handleAgentAck()))
	mux.Handle("POST /api/v1/agent/results", agent(h.handleAgentResults()))
}
