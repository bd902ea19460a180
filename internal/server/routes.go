package server

import (
	"net/http"

	"github.com/slakeeper/slakeeper/internal/admin"
	"github.com/slakeeper/slakeeper/internal/api"
	"github.com/slakeeper/slakeeper/internal/customers"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/portal"
	"github.com/slakeeper/slakeeper/internal/public"
	"github.com/slakeeper/slakeeper/internal/users"
)

// Handler returns the server's HTTP surface.
func (s *Server) Handler() http.Handler { return s.mux }

// routes mounts every surface on one mux. Each surface lists its own
// routes, each with who may call it: public (internal/public: the status
// page, feeds, subscription pages), api (internal/api: /api/v1, tokens),
// admin (internal/admin: /admin, signed-in operators). Nothing that
// writes is reachable without a credential, but for the public
// subscription links.
func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	// Public: liveness, readiness and metrics carry no customer data.
	mux.Handle("GET /healthz", s.handleHealth())
	mux.Handle("GET /readyz", s.handleReady())
	mux.Handle("GET /metrics", s.handleMetrics())
	// Public, demo configuration only: endpoints the demo monitors watch.
	mux.Handle("GET /demo/{name}", s.handleDemo())

	if err := public.Mount(mux, public.Options{Store: s.store, Config: s.Config, Now: s.now, Logger: s.log,
		Subscriptions: s.outbox, ClientIP: s.auth.ClientIP}); err != nil {
		return nil, err
	}
	// Reports read the coverage and samples written up to the moment
	// they are asked.
	fresh := freshStore{Store: s.store, cov: s.cov, perf: s.perf}
	in := intake.New(fresh, s.Config, s.now, s.log)
	cust := customers.New(s.store, s.Config, s.now, in)
	s.ledger = ledger.New(fresh, s.Config, s.now, s.log, ledgerNotices{out: s.outbox, cfg: s.Config, customers: cust}, intakeWriter{in})
	in.OnLate(s.ledger.MarkLate)
	us := users.New(s.store, s.Config, s.now, s.outbox)
	// The monitors console: the detector's verdicts and the tracker's
	// figures (console.go), a monitor's series from the store.
	mons := monitors.New(s.Config, s.now, s, s.store)
	api.Mount(mux, api.Options{Store: fresh, Config: s.Config, Now: s.now, Logger: s.log,
		Auth: s.auth, Incidents: s.incidents, Outbox: s.outbox, Tickets: s.tickets, Results: s,
		Intake: in, Customers: cust, Users: us, Ledger: s.ledger, Monitors: mons})
	if err := admin.Mount(mux, admin.Options{Config: s.Config, Now: s.now, Logger: s.log,
		Auth: s.auth, Incidents: s.incidents, Outbox: s.outbox, Store: fresh, Tickets: s.tickets, Customers: cust,
		Users: us, Ledger: s.ledger, Monitors: mons, Notices: s.Notices}); err != nil {
		return nil, err
	}
	if err := portal.Mount(mux, portal.Options{Config: s.Config, Now: s.now, Logger: s.log, Auth: s.auth, Store: fresh, Tickets: s.tickets, Outbox: s.outbox,
		Ledger: s.ledger, Customers: cust}); err != nil {
		return nil, err
	}

	// Every non-safe request a browser sends from another origin is
	// refused (403): a signed-in operator's cookie must not let another
	// site post a form. Clients that send no Sec-Fetch-Site or Origin
	// header (API clients with a token) pass.
	return s.logRequests(limitBodies(http.NewCrossOriginProtection().Handler(mux))), nil
}
