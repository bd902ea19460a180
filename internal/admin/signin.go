package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/web"
)

// requireSession admits signed-in users whose role may do p (the matrix
// of internal/auth). A GET without a session is sent to sign in and back;
// any other method is refused (401) and not performed, whatever the form
// says; a role that may not gets 403.
func (h *handler) requireSession(p auth.Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			acct, err := h.auth.SessionAccount(r)
			if err != nil {
				h.failPage(w, r, err)
				return
			}
			if acct == nil {
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					http.Redirect(w, r, "/admin/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
					return
				}
				h.message(w, r, http.StatusUnauthorized, "Sign in again", "You are not signed in (or your session has ended), so nothing was done. Sign in and submit the form again.", "/admin/signin")
				return
			}
			user, role := acct.Name, acct.Role
			if !auth.Staff(role) {
				h.message(w, r, http.StatusForbidden, "Not for customer accounts", "These are the provider's pages. Your account's pages are at /portal.", "/portal")
				return
			}
			if !auth.Allowed(role, p) {
				h.message(w, r, http.StatusForbidden, "Not for your role", fmt.Sprintf("You are signed in as %s with the role %s, which may not do this (%s). Ask an admin.", user, role, p), "/admin")
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithCaller(r, user, role)))
		})
	}
}

func (h *handler) handleSignInPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := localPath(r.URL.Query().Get("next"))
		if user, err := h.auth.SessionUser(r); err == nil && user != "" {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		h.render(w, r, http.StatusOK, "signin", operatorui.SignIn{Page: h.opPage(r, "Sign in"), Next: next})
	})
}

func (h *handler) handleSignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Sign in", err.Error(), "/admin/signin")
			return
		}
		name, next := v.Get("name"), localPath(v.Get("next"))
		if err := h.auth.SignIn(w, r, name, v.Get("password"), true); err != nil {
			code, msg, ok := auth.SignInMessage(err)
			if !ok {
				h.failPage(w, r, err)
				return
			}
			page := h.opPage(r, "Sign in")
			page.Form = operatorui.Form{Name: "signin", Values: map[string]string{"name": name}, Errors: map[string]string{"password": msg}}
			h.render(w, r, code, "signin", operatorui.SignIn{Page: page, Next: next})
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

func (h *handler) handleSignOut() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, err := h.auth.SessionUser(r); err == nil && user != "" {
			h.log.Info("signed out", "user", user)
		}
		if err := h.auth.DeleteSession(r); err != nil {
			h.failPage(w, r, err)
			return
		}
		h.auth.SetSessionCookie(w, r, "", -1)
		http.Redirect(w, r, "/admin/signin?done=signedout", http.StatusSeeOther)
	})
}

// localPath returns next when it is a path on this server ("/admin/…"),
// else "/admin": a sign-in link must not send the user elsewhere.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/admin"
	}
	if u.Path != "/admin" && !strings.HasPrefix(u.Path, "/admin/") {
		return "/admin"
	}
	return next
}
