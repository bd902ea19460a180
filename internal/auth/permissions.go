package auth

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/slakeeper/slakeeper/internal/web"
)

// The roles. Staff roles are the provider's people and their tools;
// ingest is a system that feeds evidence; customer is a provider's
// customer, tied to one customer id, that sees only its own data.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleSupport  = "support"
	RoleFinance  = "finance"
	RoleViewer   = "viewer"
	RoleIngest   = "ingest"
	RoleCustomer = "customer"
)

// Roles lists every role, staff first, for messages and the matrix.
var Roles = []string{RoleAdmin, RoleOperator, RoleSupport, RoleFinance, RoleViewer, RoleIngest, RoleCustomer}

// UserRoles are the roles a user who signs in may have; StaffRoles those
// who sign in to /admin (a customer user signs in to /portal).
var (
	UserRoles  = []string{RoleAdmin, RoleOperator, RoleSupport, RoleFinance, RoleViewer, RoleCustomer}
	StaffRoles = []string{RoleAdmin, RoleOperator, RoleSupport, RoleFinance, RoleViewer}
)

// Permission is what a route lets its caller do. Every route names one
// (or is public, or checks its own credential: a heartbeat's token, an
// agent's, a helpdesk's signature); Allowed decides, from the matrix
// below, in this one place.
type Permission string

// The permissions.
const (
	PermReportsRead      Permission = "reports:read"      // SLA reports
	PermEvidenceExport   Permission = "evidence:export"   // every customer's evidence as JSON Lines
	PermIncidentsRead    Permission = "incidents:read"    // incidents, obligations
	PermIncidentsWrite   Permission = "incidents:write"   // open, update, attribute, post-mortems
	PermMaintenanceRead  Permission = "maintenance:read"  // maintenance windows
	PermMaintenanceWrite Permission = "maintenance:write" // announce, cancel
	PermDisastersRead    Permission = "disasters:read"    // disasters, RTO and RPO
	PermDisastersWrite   Permission = "disasters:write"   // declare, restore
	PermTicketsRead      Permission = "tickets:read"      // tickets and their clocks
	PermTargetsRead      Permission = "targets:read"      // support targets met per month, all customers
	PermSubscribersRead  Permission = "subscribers:read"  // status page subscribers, delivery logs
	PermSubscribersWrite Permission = "subscribers:write" // add, remove subscribers
	PermFactsWrite       Permission = "facts:write"       // add evidence facts
	PermPortal           Permission = "portal:read"       // the customer portal: the caller's own customer's
	PermCustomersRead    Permission = "customers:read"    // customers, standing, subscriptions
	PermCustomersWrite   Permission = "customers:write"   // create customers and subscriptions, change them from a date
	PermUsersWrite       Permission = "users:write"       // invite, disable, enable users, send a new password link
	PermLedgerRead       Permission = "ledger:read"       // the credit ledger, closes, claims, adjustments (a customer: its own)
	PermClaimsWrite      Permission = "claims:write"      // submit a claim (a customer: for itself; staff: on a customer's behalf, late with a reason)
	PermLedgerWrite      Permission = "ledger:write"      // close periods, approve and reject claims and adjustments, reverse entries, note invoices
	PermMonitorsRead     Permission = "monitors:read"     // the monitors console: every monitor's state, checks, latency, uptime
	PermWhatifRun        Permission = "whatif:run"        // evaluate a proposed policy against past periods' evidence, every customer's
)

// Permissions lists every permission, for the matrix.
var Permissions = []Permission{PermReportsRead, PermEvidenceExport, PermIncidentsRead, PermIncidentsWrite, PermMaintenanceRead,
	PermMaintenanceWrite, PermDisastersRead, PermDisastersWrite, PermTicketsRead, PermTargetsRead, PermSubscribersRead,
	PermSubscribersWrite, PermFactsWrite, PermPortal, PermCustomersRead, PermCustomersWrite, PermUsersWrite, PermLedgerRead, PermClaimsWrite,
	PermLedgerWrite, PermMonitorsRead, PermWhatifRun}

// matrix is who may do what (docs/api.md prints it; a test keeps the two
// equal). A customer's reports and tickets are only its own customer's.
var matrix = map[string][]Permission{
	RoleAdmin: {PermReportsRead, PermEvidenceExport, PermIncidentsRead, PermIncidentsWrite, PermMaintenanceRead, PermMaintenanceWrite,
		PermDisastersRead, PermDisastersWrite, PermTicketsRead, PermTargetsRead, PermSubscribersRead, PermSubscribersWrite, PermFactsWrite,
		PermCustomersRead, PermCustomersWrite, PermUsersWrite, PermLedgerRead, PermClaimsWrite, PermLedgerWrite, PermMonitorsRead, PermWhatifRun},
	RoleOperator: {PermReportsRead, PermEvidenceExport, PermIncidentsRead, PermIncidentsWrite, PermMaintenanceRead, PermMaintenanceWrite,
		PermDisastersRead, PermDisastersWrite, PermTicketsRead, PermTargetsRead, PermSubscribersRead, PermSubscribersWrite, PermFactsWrite,
		PermCustomersRead, PermCustomersWrite, PermLedgerRead, PermClaimsWrite, PermMonitorsRead},
	// The support lead: tickets, and what customers ask about.
	RoleSupport: {PermIncidentsRead, PermMaintenanceRead, PermTicketsRead, PermTargetsRead, PermReportsRead, PermCustomersRead,
		PermLedgerRead, PermClaimsWrite, PermMonitorsRead},
	// Month-end: reports, the evidence behind them, the targets and
	// disasters that decide credits; the ledger, which only finance (and
	// admins) write; what a proposed policy would have cost.
	RoleFinance: {PermReportsRead, PermEvidenceExport, PermTicketsRead, PermTargetsRead, PermDisastersRead, PermIncidentsRead,
		PermCustomersRead, PermCustomersWrite, PermLedgerRead, PermClaimsWrite, PermLedgerWrite, PermMonitorsRead, PermWhatifRun},
	RoleViewer: {PermReportsRead, PermEvidenceExport, PermIncidentsRead, PermMaintenanceRead, PermDisastersRead, PermTicketsRead,
		PermTargetsRead, PermSubscribersRead, PermCustomersRead, PermLedgerRead, PermMonitorsRead},
	RoleIngest:   {PermFactsWrite},
	RoleCustomer: {PermReportsRead, PermTicketsRead, PermPortal, PermLedgerRead, PermClaimsWrite},
}

// Allowed reports whether role may do p.
func Allowed(role string, p Permission) bool {
	return slices.Contains(matrix[role], p)
}

// customerKey holds the customer a customer's credential is tied to.
const customerKey ctxKey = 100

// WithCustomer is ctx with the caller's customer.
func WithCustomer(ctx context.Context, customer string) context.Context {
	return context.WithValue(ctx, customerKey, customer)
}

// Customer is the customer the caller is tied to: set for the customer
// role, "" for staff. A handler that reads customer data scopes it to this
// customer when it is set.
func Customer(r *http.Request) string {
	c, _ := r.Context().Value(customerKey).(string)
	return c
}

// Require admits a request whose API token, or signed-in user's session,
// has a role that may do p (Allowed). Without a credential it is 401; with
// one whose role may not, 403 naming the role. The caller's name, role
// and customer go in the context (Who, Role, Customer).
func (a *Auth) Require(p Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, role, customer, ok := a.caller(w, r)
			if !ok {
				return
			}
			if !Allowed(role, p) {
				web.JSON(w, http.StatusForbidden, web.Error{Error: fmt.Sprintf("%s has role %s, which may not do this (%s)", name, role, p)})
				return
			}
			ctx := WithCaller(r, name, role)
			if customer != "" {
				ctx = WithCustomer(ctx, customer)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// caller finds the request's API token or signed-in user. It answers the
// request itself (401) when there is none.
func (a *Auth) caller(w http.ResponseWriter, r *http.Request) (name, role, customer string, ok bool) {
	tok := Bearer(r)
	if tok == "" {
		acct, err := a.SessionAccount(r)
		if err != nil {
			web.Fail(a.log, w, r, err)
			return "", "", "", false
		}
		if acct != nil {
			return acct.Name, acct.Role, acct.Customer, true
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="slakeeper"`)
		web.JSON(w, http.StatusUnauthorized, web.Error{Error: "an API token (Authorization: Bearer …) or a sign-in is required"})
		return "", "", "", false
	}
	for _, t := range a.cfg().Tokens {
		if t.Hash.Matches(tok) {
			return t.Name, t.Role, t.Customer, true
		}
	}
	web.JSON(w, http.StatusUnauthorized, web.Error{Error: "unknown API token"})
	return "", "", "", false
}

// UserRole is the role of the user name (the configured one, operator by
// default, or the server's) and, for a customer user, its customer; ""
// for an unknown user (or when the store cannot be read: denied).
func (a *Auth) UserRole(ctx context.Context, name string) (role, customer string) {
	u, err := a.Account(ctx, name)
	if err != nil || u == nil {
		return "", ""
	}
	return u.Role, u.Customer
}

// Staff reports whether role is a staff role: one that signs in to
// /admin.
func Staff(role string) bool {
	return slices.Contains(StaffRoles, role)
}
