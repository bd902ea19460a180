package server

import (
	"net/http"
)

// Handler returns the server's HTTP surface. Every route states who may
// call it; nothing that writes is reachable without a credential.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// Public: liveness, readiness and metrics carry no customer data.
	mux.Handle("GET /healthz", s.handleHealth())
	mux.Handle("GET /readyz", s.handleReady())
	mux.Handle("GET /metrics", s.handleMetrics())

	// Viewer or operator API token.
	mux.Handle("GET /api/v1/reports", s.requireToken("viewer", "operator")(s.handleReports()))
	mux.Handle("GET /api/v1/export", s.requireToken("viewer", "operator")(s.handleExport()))
	mux.Handle("GET /api/v1/incidents", s.requireToken("viewer", "operator")(s.handleIncidents()))
	mux.Handle("GET /api/v1/incidents/{id}", s.requireToken("viewer", "operator")(s.handleIncident()))
	mux.Handle("GET /api/v1/maintenance", s.requireToken("viewer", "operator")(s.handleMaintenance()))

	// Operator API token: incidents, attributions (audited: the token's
	// name is recorded as who decided) and maintenance announcements.
	mux.Handle("POST /api/v1/incidents", s.requireToken("operator")(s.handleCreateIncident()))
	mux.Handle("POST /api/v1/incidents/{id}/updates", s.requireToken("operator")(s.handleIncidentUpdate()))
	mux.Handle("POST /api/v1/incidents/{id}/attributions", s.requireToken("operator")(s.handleIncidentAttribution()))
	mux.Handle("POST /api/v1/maintenance", s.requireToken("operator")(s.handleCreateMaintenance()))

	// The heartbeat monitor's own token (the job that pushes).
	mux.Handle("POST /api/v1/heartbeat/{monitor}", s.handleHeartbeat())
	mux.Handle("GET /api/v1/heartbeat/{monitor}", s.handleHeartbeat())

	// A probe agent's token; the token decides the location.
	mux.Handle("GET /api/v1/agent/monitors", s.requireAgent(s.handleAgentMonitors()))
	mux.Handle("GET /api/v1/agent/ack", s.requireAgent(s.handleAgentAck()))
	mux.Handle("POST /api/v1/agent/results", s.requireAgent(s.handleAgentResults()))

	// Public: the status page, its incidents and its style sheet.
	mux.Handle("GET /{$}", s.handleStatusPage())
	mux.Handle("GET /feed.rss", s.handleFeed("rss"))
	mux.Handle("GET /feed.atom", s.handleFeed("atom"))
	mux.Handle("GET /incidents/{id}", s.handleIncidentPage())
	mux.Handle("GET /history", s.handleHistory())
	mux.Handle("GET /history/{date}", s.handleDayPage())
	mux.Handle("GET /static/", s.handleStatic())

	// Public, demo configuration only: endpoints the demo monitors watch.
	mux.Handle("GET /demo/{name}", s.handleDemo())

	// Subscriptions and notifications (notify.go, subscribe.go).
	s.notifyRoutes(mux)

	// Operator sign-in and operator pages (auth.go, operator.go).
	s.operatorRoutes(mux)

	// Maintenance, post-mortems and obligations (maintenance.go,
	// obligations.go).
	s.maintenanceRoutes(mux)

	// Every non-safe request a browser sends from another origin is
	// refused (403): a signed-in operator's cookie must not let another
	// site post a form. Clients that send no Sec-Fetch-Site or Origin
	// header (API clients with a token) pass.
	return s.logRequests(http.NewCrossOriginProtection().Handler(mux))
}
