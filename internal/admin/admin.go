// Package admin is the operators' web surface under /admin: sign-in, the
// dashboard, the incident, maintenance and subscriber pages. The pages are
// rendered by internal/operatorui with no JavaScript; every form is a POST
// that calls the same service functions as the JSON API, so both check
// the same way.
package admin

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/customers"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/tickets"
	"github.com/slakeeper/slakeeper/internal/users"
)

// Options are the operator pages' dependencies.
type Options struct {
	Config    func() *config.Config
	Now       func() time.Time
	Logger    *slog.Logger
	Auth      *auth.Auth
	Incidents *incidents.Service
	Outbox    *outbox.Service
	// Store is where the reports read the evidence.
	Store     reports.Store
	Tickets   *tickets.Service
	Customers *customers.Service
	Users     *users.Service
	Ledger    *ledger.Service
	// Monitors is the monitors console's figures.
	Monitors *monitors.Service
	// Notices are what the dashboard shows the operators to act on; nil
	// shows none.
	Notices func() []operatorui.Notice
}

type handler struct {
	cfg       func() *config.Config
	now       func() time.Time
	log       *slog.Logger
	auth      *auth.Auth
	inc       *incidents.Service
	out       *outbox.Service
	store     reports.Store
	tickets   *tickets.Service
	customers *customers.Service
	users     *users.Service
	ledger    *ledger.Service
	monitors  *monitors.Service
	notices   func() []operatorui.Notice
	ui        *operatorui.Renderer
}

// Mount registers the operator pages on mux. Every page but sign-in
// needs a signed-in user (requireSession); every form is a POST, which
// the server's cross-origin protection refuses from another origin. The
// templates are parsed here, so that a broken one stops the start.
func Mount(mux *http.ServeMux, o Options) error {
	ui, err := operatorui.New()
	if err != nil {
		return fmt.Errorf("operator page templates: %w", err)
	}
	h := &handler{cfg: o.Config, now: o.Now, log: o.Logger, auth: o.Auth, inc: o.Incidents, out: o.Outbox, store: o.Store, tickets: o.Tickets, customers: o.Customers, users: o.Users, ledger: o.Ledger, monitors: o.Monitors, notices: o.Notices, ui: ui}
	may := h.requireSession

	// Public: the sign-in form and sign-in itself (failures limited per
	// user and address), and the pages' style sheet.
	mux.Handle("GET /admin/signin", h.handleSignInPage())
	mux.Handle("POST /admin/signin", h.handleSignIn())
	mux.Handle("GET /admin/static/", operatorui.Static())
	// Anyone: sign-out ends the request's own session, if it has one.
	mux.Handle("POST /admin/signout", h.handleSignOut())
	// The holder of an invitation's one-time link sets a password.
	mux.Handle("GET /invite/{token}", h.handleInvitePage())
	mux.Handle("POST /invite/{token}", h.handleAccept())

	// A signed-in user whose role may (the matrix of internal/auth).
	mux.Handle("GET /admin", may(auth.PermIncidentsRead)(h.handleDashboard()))
	mux.Handle("GET /admin/{$}", may(auth.PermIncidentsRead)(http.RedirectHandler("/admin", http.StatusSeeOther)))
	mux.Handle("GET /admin/incidents/new", may(auth.PermIncidentsWrite)(h.handleNewIncidentPage()))
	mux.Handle("POST /admin/incidents", may(auth.PermIncidentsWrite)(h.handleOpenForm()))
	mux.Handle("GET /admin/incidents/{id}", may(auth.PermIncidentsRead)(h.handleIncidentAdminPage()))
	mux.Handle("POST /admin/incidents/{id}/updates", may(auth.PermIncidentsWrite)(h.handleUpdateForm("update")))
	mux.Handle("POST /admin/incidents/{id}/resolve", may(auth.PermIncidentsWrite)(h.handleUpdateForm("resolve")))
	mux.Handle("POST /admin/incidents/{id}/attributions", may(auth.PermIncidentsWrite)(h.handleAttributionForm()))
	mux.Handle("POST /admin/incidents/{id}/postmortems", may(auth.PermIncidentsWrite)(h.handlePostmortemForm()))
	mux.Handle("GET /admin/maintenance/new", may(auth.PermMaintenanceWrite)(h.handleMaintenancePage()))
	mux.Handle("POST /admin/maintenance", may(auth.PermMaintenanceWrite)(h.handleMaintenanceForm()))
	mux.Handle("POST /admin/maintenance/{id}/cancel", may(auth.PermMaintenanceWrite)(h.handleCancelForm()))
	mux.Handle("GET /admin/monitors", may(auth.PermMonitorsRead)(h.handleMonitorsPage()))
	mux.Handle("GET /admin/monitors/{id}", may(auth.PermMonitorsRead)(h.handleMonitorPage()))
	mux.Handle("GET /admin/reports", may(auth.PermReportsRead)(h.handleReportsPage()))
	mux.Handle("GET /admin/tickets", may(auth.PermTicketsRead)(h.handleTicketsPage()))
	mux.Handle("GET /admin/tickets/{id}", may(auth.PermTicketsRead)(h.handleTicketPage()))
	mux.Handle("GET /admin/targets", may(auth.PermTargetsRead)(h.handleTargetsPage()))
	mux.Handle("GET /admin/disasters", may(auth.PermDisastersRead)(h.handleDisastersPage()))
	mux.Handle("POST /admin/disasters", may(auth.PermDisastersWrite)(h.handleDeclareForm()))
	mux.Handle("POST /admin/disasters/{id}/restored", may(auth.PermDisastersWrite)(h.handleRestoredForm()))
	mux.Handle("GET /admin/users", may(auth.PermUsersWrite)(h.handleUsersPage()))
	mux.Handle("POST /admin/users", may(auth.PermUsersWrite)(h.handleInviteForm()))
	mux.Handle("POST /admin/users/{name}/reset", may(auth.PermUsersWrite)(h.handleUserAction("reset")))
	mux.Handle("POST /admin/users/{name}/disable", may(auth.PermUsersWrite)(h.handleUserAction("disable")))
	mux.Handle("POST /admin/users/{name}/enable", may(auth.PermUsersWrite)(h.handleUserAction("enable")))
	mux.Handle("GET /admin/customers", may(auth.PermCustomersRead)(h.handleCustomersPage()))
	mux.Handle("POST /admin/customers", may(auth.PermCustomersWrite)(h.handleCreateCustomerForm()))
	mux.Handle("POST /admin/customers/import", may(auth.PermCustomersWrite)(h.handleImportForm()))
	mux.Handle("POST /admin/customers/{id}/contacts", may(auth.PermCustomersWrite)(h.handleContactsForm()))
	mux.Handle("POST /admin/customers/{id}/standing", may(auth.PermCustomersWrite)(h.handleStandingForm()))
	mux.Handle("POST /admin/subscriptions", may(auth.PermCustomersWrite)(h.handleCreateSubscriptionForm()))
	mux.Handle("POST /admin/subscriptions/{id}/change", may(auth.PermCustomersWrite)(h.handleChangeSubscriptionForm()))
	mux.Handle("GET /admin/finance", may(auth.PermLedgerRead)(h.handleFinancePage()))
	mux.Handle("POST /admin/finance/close", may(auth.PermLedgerWrite)(h.handleCloseForm()))
	mux.Handle("POST /admin/claims", may(auth.PermClaimsWrite)(h.handleStaffClaimForm()))
	mux.Handle("POST /admin/claims/{id}/decision", may(auth.PermLedgerWrite)(h.handleDecisionForm(ledger.KindClaim)))
	mux.Handle("POST /admin/adjustments/{id}/decision", may(auth.PermLedgerWrite)(h.handleDecisionForm(ledger.KindAdjustment)))
	mux.Handle("POST /admin/ledger/{id}/reverse", may(auth.PermLedgerWrite)(h.handleReverseForm()))
	// What-if: the form, and the comparison it asks for (nothing written).
	mux.Handle("GET /admin/whatif", may(auth.PermWhatifRun)(h.handleWhatifPage()))
	mux.Handle("POST /admin/whatif", may(auth.PermWhatifRun)(h.handleWhatifForm()))
	mux.Handle("GET /admin/subscribers", may(auth.PermSubscribersRead)(h.handleSubscribersPage()))
	mux.Handle("POST /admin/subscribers", may(auth.PermSubscribersWrite)(h.handleAddSubscriberForm()))
	mux.Handle("GET /admin/subscribers/{id}", may(auth.PermSubscribersRead)(h.handleSubscriberPage()))
	mux.Handle("GET /admin/subscribers/{id}/remove", may(auth.PermSubscribersWrite)(h.handleRemoveSubscriberPage()))
	mux.Handle("POST /admin/subscribers/{id}/remove", may(auth.PermSubscribersWrite)(h.handleRemoveSubscriberForm()))
	return nil
}
