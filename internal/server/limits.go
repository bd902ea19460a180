package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/slakeeper/slakeeper/internal/api"
	"github.com/slakeeper/slakeeper/internal/web"
)

// bodyLimit is the largest request body a path takes: the evidence
// intake, the CSV import, helpdesk webhooks, agents' deliveries and the
// what-if's proposed policy take more than the forms and JSON bodies of
// everything else.
func bodyLimit(path string) int64 {
	switch {
	case path == "/api/v1/facts":
		return api.MaxFactsBody
	case path == "/api/v1/customers/import":
		return api.MaxImportBody
	case strings.HasPrefix(path, "/api/v1/helpdesk/"):
		return api.MaxHelpdeskBody
	case path == "/api/v1/agent/results":
		return api.MaxAgentBody
	case path == "/api/v1/whatif":
		return api.MaxPolicyBody
	case path == "/admin/whatif":
		// The proposed policy pasted or uploaded, and the form's fields.
		return api.MaxPolicyBody + web.MaxForm
	}
	return web.MaxBody
}

// limitBodies answers 413 at once to a request whose declared length is
// over its path's limit, before reading any of it: a client waiting on
// "Expect: 100-continue" gets the answer instead of a connection reset,
// and nobody sends megabytes to be thrown away. A body without a length
// (chunked) is bounded by the handler's own reader.
func limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if max := bodyLimit(r.URL.Path); r.ContentLength > max {
			w.Header().Set("Connection", "close")
			web.JSON(w, http.StatusRequestEntityTooLarge, web.Error{Error: fmt.Sprintf("body: %d bytes, more than the %d this route takes", r.ContentLength, max)})
			return
		}
		next.ServeHTTP(w, r)
	})
}
