package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// usersPage is the users page with form.
func (h *handler) usersPage(r *http.Request, form operatorui.Form) (operatorui.Users, error) {
	p := operatorui.Users{Page: h.opPage(r, "Users"), Roles: auth.UserRoles}
	p.Form = form
	list, err := h.users.List(r.Context())
	if err != nil {
		return p, err
	}
	for _, u := range list {
		p.List = append(p.List, operatorui.UserView{Name: u.Name, Role: u.Role, Customer: u.Customer, Source: u.Source, State: u.State, CreatedBy: u.CreatedBy})
	}
	return p, nil
}

func (h *handler) handleUsersPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.usersPage(r, operatorui.Form{})
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "users", p)
	})
}

// handleInviteForm invites a user: it is mailed the link, or, when the
// mail cannot be sent, the page shows the link to pass on.
func (h *handler) handleInviteForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/admin/users")
			return
		}
		inv, err := h.users.Invite(r.Context(), auth.Who(r), strings.TrimSpace(v.Get("email")), v.Get("role"), strings.TrimSpace(v.Get("customer")),
			web.PublicURL(h.cfg().Server.PublicURL, r))
		code := http.StatusOK
		form := operatorui.Form{}
		switch {
		case err == nil && inv.Mailed:
			http.Redirect(w, r, "/admin/users?done=invited", http.StatusSeeOther)
			return
		case err == nil:
		case sla.IsInput(err):
			code, form = http.StatusBadRequest, formOf("invite", v, err)
		case errors.As(err, new(*sla.ConflictError)):
			code, form = http.StatusConflict, formOf("invite", v, nil)
			form.Errors["email"] = err.Error()
		default:
			h.failPage(w, r, err)
			return
		}
		p, perr := h.usersPage(r, form)
		if perr != nil {
			h.failPage(w, r, perr)
			return
		}
		if err == nil {
			p.Link, p.MailError = inv.Link, inv.MailError
		}
		h.render(w, r, code, "users", p)
	})
}

// handleUserAction resets, disables or enables a server user.
func (h *handler) handleUserAction(action string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := web.ParseForm(w, r); err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/admin/users")
			return
		}
		name := r.PathValue("name")
		var err error
		switch action {
		case "reset":
			res, rerr := h.users.Reset(r.Context(), auth.Who(r), name, web.PublicURL(h.cfg().Server.PublicURL, r))
			if rerr == nil && !res.Mailed {
				p, perr := h.usersPage(r, operatorui.Form{})
				if perr != nil {
					h.failPage(w, r, perr)
					return
				}
				p.Link, p.MailError = res.Link, res.MailError
				h.render(w, r, http.StatusOK, "users", p)
				return
			}
			err = rerr
		case "disable", "enable":
			err = h.users.SetDisabled(r.Context(), name, action == "disable")
		}
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		h.log.Info("user "+action, "user", name, "by", auth.Who(r))
		http.Redirect(w, r, "/admin/users?done=user-"+action+"#"+url.PathEscape(name), http.StatusSeeOther)
	})
}

// handleInvitePage is the form where an invited user sets a password.
func (h *handler) handleInvitePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The token stays out of the Referer of anything the page loads.
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.render(w, r, http.StatusOK, "invite", operatorui.Invite{Page: h.opPage(r, "Set your password"), Token: r.PathValue("token")})
	})
}

// handleAccept sets the password of an invitation, once.
func (h *handler) handleAccept() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "")
			return
		}
		token := r.PathValue("token")
		name, err := h.users.Accept(r.Context(), token, v.Get("password"))
		switch {
		case err == nil:
			h.log.Info("invitation accepted", "user", name)
			h.render(w, r, http.StatusOK, "invite", operatorui.Invite{Page: h.opPage(r, "Password set"), Done: true})
		case sla.IsInput(err):
			p := operatorui.Invite{Page: h.opPage(r, "Set your password"), Token: token}
			p.Form = formOf("invite-accept", url.Values{}, err)
			h.render(w, r, http.StatusBadRequest, "invite", p)
		default:
			h.failPage(w, r, err)
		}
	})
}
