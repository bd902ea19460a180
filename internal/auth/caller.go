package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/slakeeper/slakeeper/internal/web"
)

type ctxKey int

const (
	// locationKey holds the location of the agent whose token
	// authorised a request.
	locationKey ctxKey = iota + 1
	// nameKey holds the name of the API token or user that authorised a
	// request: who acted, in audited facts.
	nameKey
	// roleKey holds the role that authorised a request: the token's, or
	// operator for a signed-in user.
	roleKey
)

// WithCaller is r's context with who acted and in which role.
func WithCaller(r *http.Request, name, role string) context.Context {
	return context.WithValue(context.WithValue(r.Context(), nameKey, name), roleKey, role)
}

// Who is the name of the token or user that authorised r ("" when none
// did).
func Who(r *http.Request) string {
	name, _ := r.Context().Value(nameKey).(string)
	return name
}

// Role is the role that authorised r ("" when none did).
func Role(r *http.Request) string {
	role, _ := r.Context().Value(roleKey).(string)
	return role
}

// Location is the location of the agent that authorised r (RequireAgent).
func Location(r *http.Request) string {
	loc, _ := r.Context().Value(locationKey).(string)
	return loc
}

// Bearer returns the request's bearer token.
func Bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(tok)
	}
	return ""
}

// RequireAgent admits a probe agent's token; its location is put in the
// context (Location): the token decides where results come from.
func (a *Auth) RequireAgent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := Bearer(r)
		for _, ag := range a.cfg().Agents {
			if tok != "" && ag.Token.Matches(tok) {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), locationKey, ag.Location)))
				return
			}
		}
		web.JSON(w, http.StatusUnauthorized, web.Error{Error: "unknown agent token"})
	})
}
