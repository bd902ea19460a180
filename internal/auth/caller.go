package auth

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/slakeeper/slakeeper/internal/web"
)

// Roles of API tokens; a signed-in user acts as an operator. An ingest
// token is a system that feeds evidence (a helpdesk, a backup job): it
// may add facts and nothing else.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleIngest   = "ingest"
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

// RequireToken admits a request with an API token of one of roles, or,
// when operators may, with the session of a signed-in user (users are
// operators). The token's or user's name and role are put in the context
// (Who, Role).
func (a *Auth) RequireToken(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok := Bearer(r)
			if tok == "" {
				if slices.Contains(roles, RoleOperator) {
					user, err := a.SessionUser(r)
					if err != nil {
						web.Fail(a.log, w, r, err)
						return
					}
					if user != "" {
						next.ServeHTTP(w, r.WithContext(WithCaller(r, user, RoleOperator)))
						return
					}
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="slakeeper"`)
				web.JSON(w, http.StatusUnauthorized, web.Error{Error: "an API token (Authorization: Bearer …) or an operator's sign-in is required"})
				return
			}
			for _, t := range a.cfg().Tokens {
				if t.Hash.Matches(tok) {
					if slices.Contains(roles, t.Role) {
						next.ServeHTTP(w, r.WithContext(WithCaller(r, t.Name, t.Role)))
						return
					}
					web.JSON(w, http.StatusForbidden, web.Error{Error: fmt.Sprintf("token %q has role %s, which may not do this", t.Name, t.Role)})
					return
				}
			}
			web.JSON(w, http.StatusUnauthorized, web.Error{Error: "unknown API token"})
		})
	}
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
