package api

import (
	"net/http"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/users"
	"github.com/slakeeper/slakeeper/internal/web"
)

// userJSON is an account as the API shows it.
type userJSON struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Customer  string `json:"customer,omitempty"`
	Source    string `json:"source"`
	State     string `json:"state"`
	CreatedBy string `json:"created_by,omitempty"`
}

// handleUsers lists every account: the configuration's and the server's.
func (h *handler) handleUsers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := h.users.List(r.Context())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		out := []userJSON{}
		for _, u := range list {
			out = append(out, userJSON{Name: u.Name, Role: u.Role, Customer: u.Customer, Source: u.Source, State: u.State, CreatedBy: u.CreatedBy})
		}
		web.JSON(w, http.StatusOK, map[string]any{"users": out})
	})
}

// inviteAnswer is the answer to an invitation: mailed, or the link to
// pass on when the mail could not be sent (only then).
type inviteAnswer struct {
	Mailed    bool   `json:"mailed"`
	Link      string `json:"link,omitempty"`
	MailError string `json:"mail_error,omitempty"`
}

func answerInvite(inv *users.Invitation) inviteAnswer {
	a := inviteAnswer{Mailed: inv.Mailed}
	if !inv.Mailed {
		a.Link, a.MailError = inv.Link, inv.MailError
	}
	return a
}

// handleInvite invites a user: {email, role, customer?}.
func (h *handler) handleInvite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Email    string `json:"email"`
			Role     string `json:"role"`
			Customer string `json:"customer"`
		}
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		inv, err := h.users.Invite(r.Context(), auth.Who(r), in.Email, in.Role, in.Customer, web.PublicURL(h.cfg().Server.PublicURL, r))
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusCreated, answerInvite(inv))
	})
}

// handleUserAction resets, disables or enables a server account.
func (h *handler) handleUserAction(action string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		switch action {
		case "reset":
			inv, err := h.users.Reset(r.Context(), auth.Who(r), name, web.PublicURL(h.cfg().Server.PublicURL, r))
			if err != nil {
				web.Fail(h.log, w, r, err)
				return
			}
			web.JSON(w, http.StatusCreated, answerInvite(inv))
		default:
			if err := h.users.SetDisabled(r.Context(), name, action == "disable"); err != nil {
				web.Fail(h.log, w, r, err)
				return
			}
			h.log.Info("user "+action, "user", name, "by", auth.Who(r))
			w.WriteHeader(http.StatusNoContent)
		}
	})
}
