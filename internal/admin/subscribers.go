package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/web"
)

// The operator pages of subscribers: the list, adding a webhook or Slack
// subscriber, removing one, and each one's delivery log. They call the
// functions of the subscriber API (outbox.Service), so the checks are the
// same.

// deliveryPageLimit is how many attempts a delivery log page shows.
const deliveryPageLimit = 100

func subscriberRow(c *config.Config, sub store.Subscriber) operatorui.SubscriberRow {
	var names []string
	if len(sub.Components) > 0 {
		names = c.ComponentNames(sub.Components)
	}
	return operatorui.SubscriberRow{ID: sub.ID, Kind: sub.Kind, Address: sub.Address, Components: names,
		CreatedAt: sub.CreatedAt, ConfirmedAt: sub.ConfirmedAt}
}

// subscribersPage is the list page with form (the submitted one, if any).
// Operators see every address in full; a viewer, masked (RedactAddress).
func (h *handler) subscribersPage(ctx context.Context, r *http.Request, form operatorui.Form) (operatorui.Subscribers, error) {
	subs, err := h.out.Subscribers(ctx)
	if err != nil {
		return operatorui.Subscribers{}, fmt.Errorf("subscribers page: %w", err)
	}
	p := operatorui.Subscribers{Page: h.opPage(r, "Subscribers"), Components: componentOptions(h.cfg())}
	p.Form = form
	operator := auth.Allowed(auth.Role(r), auth.PermSubscribersWrite)
	for _, sub := range subs {
		row := subscriberRow(h.cfg(), sub)
		if !operator {
			row.Address = outbox.RedactAddress(sub.Kind, sub.Address)
		}
		p.List = append(p.List, row)
	}
	for _, a := range h.cfg().Alerts {
		p.Alerts = append(p.Alerts, operatorui.AlertRow{Name: a.Name, Kind: a.Kind, Recipient: "alert:" + a.Name})
	}
	return p, nil
}

func (h *handler) handleSubscribersPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.subscribersPage(r.Context(), r, operatorui.Form{Name: "add", Values: map[string]string{"kind": "webhook"}})
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "subscribers", p)
	})
}

// handleAddSubscriberForm adds a subscriber and shows it, with a webhook's
// signing secret: this answer is the only time it is shown, so it is not a
// redirect to a page that could show it again.
func (h *handler) handleAddSubscriberForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		var sub store.Subscriber
		if err == nil {
			in := outbox.SubscriberInput{Kind: v.Get("kind"), URL: v.Get("url"), Email: v.Get("email"), Components: v["components"]}
			sub, err = h.out.AddSubscriber(r.Context(), auth.Who(r), in, web.PublicURL(h.cfg().Server.PublicURL, r))
		}
		code, form := http.StatusCreated, operatorui.Form{Name: "add", Values: map[string]string{"kind": "webhook"}}
		var dup *sla.ConflictError
		switch {
		case err == nil:
		case errors.As(err, &dup):
			code, form = http.StatusConflict, formOf("add", v, &sla.InputError{Field: dup.Field, Msg: dup.Msg})
		case sla.IsInput(err):
			code, form = http.StatusBadRequest, formOf("add", v, err)
		default:
			h.failPage(w, r, err)
			return
		}
		p, perr := h.subscribersPage(r.Context(), r, form)
		if perr != nil {
			h.failPage(w, r, perr)
			return
		}
		if err == nil {
			row := subscriberRow(h.cfg(), sub)
			p.Added, p.Secret, p.Flash = &row, sub.Secret, "The subscriber is added."
		}
		h.render(w, r, code, "subscribers", p)
	})
}

// handleSubscriberPage is the delivery log of a subscriber, a removed
// subscriber or an operator alert channel ("alert:<name>").
func (h *handler) handleSubscriberPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, id := r.Context(), r.PathValue("id")
		// A viewer reads the log without the receivers' answers and with
		// masked addresses: those are the operators'.
		operator := auth.Allowed(auth.Role(r), auth.PermSubscribersWrite)
		sub, as, err := h.out.DeliveryLog(ctx, id, deliveryPageLimit)
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		p := operatorui.Deliveries{Recipient: id, Limit: deliveryPageLimit}
		title := "Delivery log: removed subscriber " + id
		switch {
		case sub != nil:
			row := subscriberRow(h.cfg(), *sub)
			if !operator {
				row.Address = outbox.RedactAddress(sub.Kind, sub.Address)
			}
			p.Subscriber, title = &row, "Delivery log: "+row.Address
		case h.out.IsAlertChannel(id):
			p.Alert = id[len("alert:"):]
			title = "Delivery log: alert channel " + p.Alert
		}
		p.Page = h.opPage(r, title)
		// Each attempt shows what became of its notification since.
		obs := map[string]*store.Outbound{}
		for _, a := range as {
			ob, seen := obs[a.OutboundID]
			if !seen {
				o, err := h.out.Outbound(ctx, a.OutboundID)
				switch {
				case err == nil:
					ob = &o
				case !errors.Is(err, store.ErrNotFound):
					h.failPage(w, r, fmt.Errorf("delivery log of %s: outbound %s: %w", id, a.OutboundID, err))
					return
				}
				obs[a.OutboundID] = ob
			}
			if !operator {
				a.Error = outbox.RedactError(a.Error)
			}
			row := operatorui.AttemptRow{At: a.At, Queued: a.Queued, OK: a.OK, Code: a.Code, Error: a.Error, Duration: a.Duration,
				Outbound: a.OutboundID, Event: a.Event, Channel: a.Channel}
			if ob != nil {
				row.State, row.NextAt = ob.State, ob.NextAt
			}
			p.Attempts = append(p.Attempts, row)
		}
		h.render(w, r, http.StatusOK, "subscriber", p)
	})
}

// handleRemoveSubscriberPage asks to confirm the removal.
func (h *handler) handleRemoveSubscriberPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		sub, err := h.out.Subscriber(r.Context(), id)
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "subscriber_remove", operatorui.SubscriberRemove{Page: h.opPage(r, "Remove a subscriber"),
			Subscriber: subscriberRow(h.cfg(), sub)})
	})
}

func (h *handler) handleRemoveSubscriberForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The form has no fields; reading it bounds the body all the same.
		if _, err := web.ParseForm(w, r); err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "")
			return
		}
		if err := h.out.RemoveSubscriber(r.Context(), auth.Who(r), r.PathValue("id")); err != nil {
			h.failPage(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/subscribers?done=removed", http.StatusSeeOther)
	})
}
