// Package portal is the customer portal under /portal: a provider's
// customer signs in (a user of role customer, tied to one customer) and
// sees its own subscriptions with this period's uptime and downtime
// allowance, its monthly reports with the evidence behind each figure
// (printable), and its support tickets with their live clocks — nothing
// of any other customer: another customer's ticket answers 404, as one
// that does not exist.
package portal

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/customers"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/tickets"
	"github.com/slakeeper/slakeeper/internal/web"
)

// Options are the portal's dependencies.
type Options struct {
	Config    func() *config.Config
	Now       func() time.Time
	Logger    *slog.Logger
	Auth      *auth.Auth
	Store     reports.Store
	Tickets   *tickets.Service
	Outbox    *outbox.Service
	Ledger    *ledger.Service
	Customers *customers.Service
}

type handler struct {
	cfg       func() *config.Config
	now       func() time.Time
	log       *slog.Logger
	auth      *auth.Auth
	store     reports.Store
	tickets   *tickets.Service
	outbox    *outbox.Service
	ledger    *ledger.Service
	customers *customers.Service
	ui        *operatorui.Renderer
}

// Mount registers the portal's pages on mux. Every page but sign-in needs
// a signed-in customer user; the server's cross-origin protection refuses
// forms from another origin.
func Mount(mux *http.ServeMux, o Options) error {
	ui, err := operatorui.New()
	if err != nil {
		return fmt.Errorf("portal page templates: %w", err)
	}
	h := &handler{cfg: o.Config, now: o.Now, log: o.Logger, auth: o.Auth, store: o.Store, tickets: o.Tickets, outbox: o.Outbox, ledger: o.Ledger, customers: o.Customers, ui: ui}
	may := h.requireCustomer

	// Public: the sign-in form and sign-in itself (failures limited per
	// user and address, as for /admin).
	mux.Handle("GET /portal/signin", h.handleSignInPage())
	mux.Handle("POST /portal/signin", h.handleSignIn())
	// Anyone: sign-out ends the request's own session, if it has one.
	mux.Handle("POST /portal/signout", h.handleSignOut())

	// A signed-in customer user: its own customer's data only.
	mux.Handle("GET /portal", may(auth.PermPortal)(h.handleHome()))
	mux.Handle("GET /portal/{$}", may(auth.PermPortal)(http.RedirectHandler("/portal", http.StatusSeeOther)))
	mux.Handle("GET /portal/reports", may(auth.PermPortal)(h.handleReports()))
	mux.Handle("GET /portal/tickets", may(auth.PermPortal)(h.handleTickets()))
	mux.Handle("GET /portal/tickets/{id}", may(auth.PermPortal)(h.handleTicket()))
	mux.Handle("GET /portal/credits", may(auth.PermPortal)(h.handleCredits()))
	mux.Handle("POST /portal/claims", may(auth.PermClaimsWrite)(h.handleClaim()))
	mux.Handle("GET /portal/subscriptions", may(auth.PermPortal)(h.handleSubscriptions()))
	mux.Handle("POST /portal/subscriptions", may(auth.PermPortal)(h.handleAddSubscription()))
	mux.Handle("POST /portal/subscriptions/{id}/remove", may(auth.PermPortal)(h.handleRemoveSubscription()))
	return nil
}

// requireCustomer admits a signed-in user whose role may do p (only
// customer users hold the portal's permission); its customer goes in the
// context (auth.Customer). A GET without a session is sent to sign in.
func (h *handler) requireCustomer(p auth.Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			acct, err := h.auth.SessionAccount(r)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			if acct == nil {
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					http.Redirect(w, r, "/portal/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
					return
				}
				// A form posted without a session: refused, not done.
				h.message(w, r, http.StatusUnauthorized, "Sign in again", "You are not signed in (or your session has ended), so nothing was done. Sign in and submit the form again.", "/portal/signin")
				return
			}
			user, role, customer := acct.Name, acct.Role, acct.Customer
			if !auth.Allowed(role, p) || customer == "" {
				h.message(w, r, http.StatusForbidden, "Not for staff accounts", "The portal is for the provider's customers. Staff pages are at /admin.", "/admin")
				return
			}
			ctx := auth.WithCustomer(auth.WithCaller(r, user, role), customer)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// page is the frame of a portal page.
func (h *handler) page(r *http.Request, title string) operatorui.Page {
	p := operatorui.Page{Title: title, User: auth.Who(r), Now: h.now().UTC(), Portal: true}
	if c := auth.Customer(r); c != "" {
		p.Account = h.customerName(c)
	}
	return p
}

// customerName is the configured name of customer c, or its id.
func (h *handler) customerName(c string) string {
	for _, cu := range h.cfg().Customers {
		if cu.Customer == c && cu.Name != "" {
			return cu.Name
		}
	}
	return c
}

// render writes a portal page (operatorui.Write: private, never cached).
func (h *handler) render(w http.ResponseWriter, code int, name string, data any) {
	if err := h.ui.Write(w, code, name, data); err != nil {
		h.log.Error("render portal page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// message renders a page that only says something.
func (h *handler) message(w http.ResponseWriter, r *http.Request, code int, title, text, link string) {
	h.render(w, code, "message", operatorui.Message{Page: h.page(r, title), Text: text, Link: link})
}

// fail answers an error: 404 for something unknown (or another
// customer's), else an internal error, logged.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.As(err, new(*sla.NotFoundError)) {
		h.message(w, r, http.StatusNotFound, "Not found", err.Error()+".", "/portal")
		return
	}
	h.log.Error("portal request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	h.message(w, r, http.StatusInternalServerError, "Something went wrong", "The server could not do this; the error is in its log. Try again.", "")
}

// localPath is next when it is a portal path, else /portal.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") || (u.Path != "/portal" && !strings.HasPrefix(u.Path, "/portal/")) {
		return "/portal"
	}
	return next
}

func (h *handler) handleSignInPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.render(w, http.StatusOK, "signin", operatorui.SignIn{Page: h.page(r, "Sign in"), Next: localPath(r.URL.Query().Get("next"))})
	})
}

func (h *handler) handleSignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Sign in", err.Error(), "/portal/signin")
			return
		}
		name, next := v.Get("name"), localPath(v.Get("next"))
		if err := h.auth.SignIn(w, r, name, v.Get("password"), false); err != nil {
			code, msg, ok := auth.SignInMessage(err)
			if !ok {
				h.fail(w, r, err)
				return
			}
			p := h.page(r, "Sign in")
			p.Form = operatorui.Form{Name: "signin", Values: map[string]string{"name": name}, Errors: map[string]string{"password": msg}}
			h.render(w, code, "signin", operatorui.SignIn{Page: p, Next: next})
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

func (h *handler) handleSignOut() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.auth.DeleteSession(r); err != nil {
			h.fail(w, r, err)
			return
		}
		h.auth.SetSessionCookie(w, r, "", -1)
		http.Redirect(w, r, "/portal/signin", http.StatusSeeOther)
	})
}

// handleHome is the customer's overview: each subscription's terms and
// this month so far (uptime, the downtime the objective allows and what
// is left of it, credit), and the open tickets.
func (h *handler) handleHome() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		customer, now := auth.Customer(r), h.now().UTC()
		period := now.Format("2006-01")
		p := operatorui.PortalHome{Page: h.page(r, "Overview"), Period: period}
		c := h.cfg()
		from, end, err := reports.EvidenceRange(period)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		evb, err := reports.Evidence(r.Context(), c, h.store, from, end)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ev, err := facts.Parse("evidence", bytes.NewReader(evb))
		if err != nil {
			h.fail(w, r, fmt.Errorf("stored evidence: %w", err))
			return
		}
		reps, err := reports.Reports(c, evb, reports.Query{Period: period, Customer: customer, AsOf: now})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, s := range ev.Subscriptions {
			if s.Customer != customer {
				continue
			}
			ps := operatorui.PortalSubscription{Subscription: s, Policy: s.Policy}
			for _, rep := range reps {
				for _, sr := range rep.Subscriptions {
					if sr.Subscription != s.ID {
						continue
					}
					ps.Report, ps.Policy = sr, rep.Policy
					for _, cv := range sr.Coverage {
						if cv.NoData {
							ps.Covered = append(ps.Covered, cv.Component+": no minute")
						} else {
							ps.Covered = append(ps.Covered, fmt.Sprintf("%s: %s min", cv.Component, strconv.FormatFloat(cv.Minutes, 'f', -1, 64)))
						}
					}
					for _, pol := range c.Policies {
						if pol.ID != rep.Policy {
							continue
						}
						if v := pol.VersionAt(now); v != nil {
							if pl, err := v.PlanOf(s); err == nil && pl != nil {
								ps.Promises = sla.Terms(pl)
							}
						}
					}
					over := "per period (" + sr.Period
					if sr.Window != "" {
						over = "over a " + sr.Window + " window (to " + sr.End.UTC().Format("2 Jan 2006 15:04 UTC")
					}
					ps.Terms = fmt.Sprintf("%s %% uptime %s, %s), policy %s", strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", sr.Objective), "0"), "."), over, sr.TimeZone, rep.Policy)
					// The whole period's allowance, not the part elapsed, as
					// the engine counts it (sla.Budget).
					ps.AllowedMinutes = math.Round(sr.Budget.AllowedMinutes*10) / 10
					ps.UsedMinutes = math.Round(sr.Budget.UsedMinutes*10) / 10
					ps.LeftMinutes = math.Round(sr.Budget.LeftMinutes*10) / 10
					ps.NextTier = sr.Budget.NextTier
				}
			}
			if ps.Terms == "" {
				ps.Terms = "policy " + cmp.Or(s.Policy, "any") + ", plan " + s.Plan
			}
			p.Subscriptions = append(p.Subscriptions, ps)
		}
		list, err := h.tickets.List(r.Context(), tickets.Filter{Customer: customer})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.OpenTickets = len(list)
		for _, lt := range list {
			if slices.ContainsFunc(lt.Clocks, func(c *sla.Clock) bool { return c.State == sla.ClockBreached }) {
				p.Breached++
			}
		}
		h.render(w, http.StatusOK, "portal_home", p)
	})
}

// handleReports is the customer's reports of a period (?period=, this
// month by default) with the evidence behind each figure; ?subscription=
// keeps one subscription, to print.
func (h *handler) handleReports() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		customer, now := auth.Customer(r), h.now().UTC()
		period := r.URL.Query().Get("period")
		if period == "" {
			period = now.Format("2006-01")
		}
		p := operatorui.Reports{Page: h.page(r, "Reports "+period), Base: "/portal/reports", Period: period, AsOf: now}
		prev, next, reps, err := reports.Browse(r.Context(), h.cfg(), h.store, reports.Query{Period: period, Customer: customer, AsOf: now, Explain: true})
		p.Prev, p.Next = prev, next
		if err != nil {
			if sla.IsInput(err) {
				p.Error = err.Error()
				h.render(w, http.StatusBadRequest, "reports", p)
				return
			}
			h.fail(w, r, err)
			return
		}
		if sub := r.URL.Query().Get("subscription"); sub != "" {
			p.Print = true
			found := false
			for _, rep := range reps {
				rep.Subscriptions = slices.DeleteFunc(rep.Subscriptions, func(s *sla.SubscriptionReport) bool { return s.Subscription != sub })
				found = found || len(rep.Subscriptions) > 0
			}
			if !found {
				h.fail(w, r, &sla.NotFoundError{Msg: fmt.Sprintf("no subscription %q in %s", sub, period)})
				return
			}
		}
		p.Reports = reps
		h.render(w, http.StatusOK, "reports", p)
	})
}

// handleTickets is the customer's tickets with their live clocks.
func (h *handler) handleTickets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		customer := auth.Customer(r)
		f := tickets.Filter{All: q.Get("state") == "all", Customer: customer, Plan: q.Get("plan"), Priority: q.Get("priority")}
		every, err := h.tickets.List(r.Context(), tickets.Filter{All: true, Customer: customer})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p := operatorui.Tickets{Page: h.page(r, "Your tickets"), Base: "/portal/tickets", All: f.All, Customer: customer, Plan: f.Plan, Priority: f.Priority,
			Customers: []string{customer}}
		for _, lt := range every {
			if !slices.Contains(p.Plans, lt.Plan) {
				p.Plans = append(p.Plans, lt.Plan)
			}
			if !slices.Contains(p.Priorities, lt.Priority) {
				p.Priorities = append(p.Priorities, lt.Priority)
			}
			if f.Match(lt) {
				p.List = append(p.List, operatorui.TicketRow{LiveTicket: lt,
					Breached: slices.ContainsFunc(lt.Clocks, func(c *sla.Clock) bool { return c.State == sla.ClockBreached })})
			}
		}
		slices.Sort(p.Plans)
		slices.Sort(p.Priorities)
		h.render(w, http.StatusOK, "tickets", p)
	})
}

// handleTicket is one of the customer's tickets; another customer's is
// not found, as a missing one.
func (h *handler) handleTicket() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		t, err := h.tickets.Get(r.Context(), id)
		if err == nil && t.Customer != auth.Customer(r) {
			err = &sla.NotFoundError{Msg: fmt.Sprintf("no ticket %q", id)}
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p := operatorui.TicketPage{Page: h.page(r, "Ticket "+t.Ticket), Ticket: t.LiveTicket, Unmatched: t.Unmatched}
		for _, e := range t.Events {
			p.Events = append(p.Events, operatorui.TicketEvent{ID: e.ID, Kind: e.Kind, Status: e.Status, Priority: e.Priority, At: e.At})
		}
		h.render(w, http.StatusOK, "ticket", p)
	})
}

// subscriptionsPage is the customer's own subscribers and the form.
func (h *handler) subscriptionsPage(r *http.Request, form operatorui.Form) (operatorui.PortalSubscriptions, error) {
	p := operatorui.PortalSubscriptions{Page: h.page(r, "Status notifications")}
	p.Form = form
	for _, c := range h.cfg().Components {
		p.Components = append(p.Components, operatorui.Option{Value: c.ID, Label: cmp.Or(c.Name, c.ID)})
	}
	subs, err := h.outbox.Subscribers(r.Context())
	if err != nil {
		return p, err
	}
	for _, s := range subs {
		if s.Customer == auth.Customer(r) {
			p.List = append(p.List, operatorui.PortalSubscriber{ID: s.ID, Kind: s.Kind, Address: s.Address, Components: s.Components,
				Confirmed: !s.ConfirmedAt.IsZero(), CreatedAt: s.CreatedAt})
		}
	}
	return p, nil
}

func (h *handler) handleSubscriptions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.subscriptionsPage(r, operatorui.Form{})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.render(w, http.StatusOK, "portal_subscriptions", p)
	})
}

// handleAddSubscription adds a webhook (its secret shown once) or an
// e-mail address (sent its confirmation link) of the customer's own.
func (h *handler) handleAddSubscription() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/portal/subscriptions")
			return
		}
		in := outbox.SubscriberInput{Kind: v.Get("kind"), Components: v["components"], Customer: auth.Customer(r)}
		if in.Kind == "email" {
			in.Email = strings.TrimSpace(v.Get("email"))
		} else {
			in.URL = strings.TrimSpace(v.Get("url"))
		}
		sub, err := h.outbox.AddSubscriber(r.Context(), auth.Who(r), in, web.PublicURL(h.cfg().Server.PublicURL, r))
		code, form := http.StatusCreated, operatorui.Form{}
		switch {
		case err == nil:
		case sla.IsInput(err) || errors.As(err, new(*sla.ConflictError)):
			code = http.StatusBadRequest
			if errors.As(err, new(*sla.ConflictError)) {
				code = http.StatusConflict
			}
			form = operatorui.Form{Name: "sub", Values: map[string]string{"kind": v.Get("kind"), "url": v.Get("url"), "email": v.Get("email")},
				Errors: map[string]string{}}
			field, msg := fieldOf(err)
			form.Errors[field] = msg
		default:
			h.fail(w, r, err)
			return
		}
		p, perr := h.subscriptionsPage(r, form)
		if perr != nil {
			h.fail(w, r, perr)
			return
		}
		if err == nil && sub.Secret != "" && sub.Kind == "webhook" {
			p.Secret, p.SecretFor = sub.Secret, sub.Address
		}
		h.render(w, code, "portal_subscriptions", p)
	})
}

// fieldOf is the field an error names ("" for none) and its message.
func fieldOf(err error) (field, msg string) {
	var ie *sla.InputError
	var ce *sla.ConflictError
	switch {
	case errors.As(err, &ie):
		return ie.Field, ie.Msg
	case errors.As(err, &ce):
		return ce.Field, ce.Msg
	}
	return "", err.Error()
}

// handleRemoveSubscription removes one of the customer's subscribers;
// another's is not found.
func (h *handler) handleRemoveSubscription() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := web.ParseForm(w, r); err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/portal/subscriptions")
			return
		}
		id := r.PathValue("id")
		sub, err := h.outbox.Subscriber(r.Context(), id)
		if err != nil || sub.Customer != auth.Customer(r) {
			h.fail(w, r, &sla.NotFoundError{Msg: fmt.Sprintf("no subscription %q", id)})
			return
		}
		if err := h.outbox.RemoveSubscriber(r.Context(), auth.Who(r), id); err != nil {
			h.fail(w, r, err)
			return
		}
		http.Redirect(w, r, "/portal/subscriptions", http.StatusSeeOther)
	})
}
