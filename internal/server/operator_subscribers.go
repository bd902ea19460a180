package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// The operator pages of subscribers: the list, adding a webhook or Slack
// subscriber, removing one, and each one's delivery log. They call the
// functions of the subscriber API (notify_api.go), so the checks are the
// same.

// deliveryPageLimit is how many attempts a delivery log page shows.
const deliveryPageLimit = 100

func subscriberRow(s *Server, sub store.Subscriber) operatorui.SubscriberRow {
	var names []string
	if len(sub.Components) > 0 {
		names = s.componentNames(sub.Components)
	}
	return operatorui.SubscriberRow{ID: sub.ID, Kind: sub.Kind, Address: sub.Address, Components: names,
		CreatedAt: sub.CreatedAt, ConfirmedAt: sub.ConfirmedAt}
}

// subscribersPage is the list page with form (the submitted one, if any).
// Operators see every address in full: the page is only for them.
func (s *Server) subscribersPage(ctx context.Context, r *http.Request, form operatorui.Form) (operatorui.Subscribers, error) {
	subs, err := s.store.Subscribers(ctx)
	if err != nil {
		return operatorui.Subscribers{}, fmt.Errorf("subscribers page: %w", err)
	}
	p := operatorui.Subscribers{Page: s.opPage(r, "Subscribers"), Components: componentOptions(s.Config())}
	p.Form = form
	for _, sub := range subs {
		p.List = append(p.List, subscriberRow(s, sub))
	}
	for _, a := range s.Config().Alerts {
		p.Alerts = append(p.Alerts, operatorui.AlertRow{Name: a.Name, Kind: a.Kind, Recipient: "alert:" + a.Name})
	}
	return p, nil
}

func (s *Server) handleSubscribersPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.subscribersPage(r.Context(), r, operatorui.Form{Name: "add", Values: map[string]string{"kind": "webhook"}})
		if err != nil {
			s.failPage(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "subscribers", p)
	})
}

// handleAddSubscriberForm adds a subscriber and shows it, with a webhook's
// signing secret: this answer is the only time it is shown, so it is not a
// redirect to a page that could show it again.
func (s *Server) handleAddSubscriberForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := parseForm(w, r)
		var sub store.Subscriber
		if err == nil {
			in := subscriberInput{Kind: v.Get("kind"), URL: v.Get("url"), Email: v.Get("email"), Components: v["components"]}
			sub, err = s.addSubscriber(r.Context(), who(r), in, s.publicURL(r))
		}
		code, form := http.StatusCreated, operatorui.Form{Name: "add", Values: map[string]string{"kind": "webhook"}}
		var dup *duplicateError
		switch {
		case err == nil:
		case errors.As(err, &dup):
			code, form = http.StatusConflict, formOf("add", v, &sla.InputError{Field: dup.field, Msg: dup.msg})
		case sla.IsInput(err):
			code, form = http.StatusBadRequest, formOf("add", v, err)
		default:
			s.failPage(w, r, err)
			return
		}
		p, perr := s.subscribersPage(r.Context(), r, form)
		if perr != nil {
			s.failPage(w, r, perr)
			return
		}
		if err == nil {
			row := subscriberRow(s, sub)
			p.Added, p.Secret, p.Flash = &row, sub.Secret, "The subscriber is added."
		}
		s.render(w, r, code, "subscribers", p)
	})
}

// handleSubscriberPage is the delivery log of a subscriber, a removed
// subscriber or an operator alert channel ("alert:<name>").
func (s *Server) handleSubscriberPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, id := r.Context(), r.PathValue("id")
		sub, as, err := s.deliveryLog(ctx, id, deliveryPageLimit)
		if err != nil {
			s.failPage(w, r, err)
			return
		}
		p := operatorui.Deliveries{Recipient: id, Limit: deliveryPageLimit}
		title := "Delivery log: removed subscriber " + id
		switch {
		case sub != nil:
			row := subscriberRow(s, *sub)
			p.Subscriber, title = &row, "Delivery log: "+sub.Address
		case s.isAlertChannel(id):
			p.Alert = id[len("alert:"):]
			title = "Delivery log: alert channel " + p.Alert
		}
		p.Page = s.opPage(r, title)
		// Each attempt shows what became of its notification since.
		obs := map[string]*store.Outbound{}
		for _, a := range as {
			ob, seen := obs[a.OutboundID]
			if !seen {
				o, err := s.store.Outbound(ctx, a.OutboundID)
				switch {
				case err == nil:
					ob = &o
				case !errors.Is(err, store.ErrNotFound):
					s.failPage(w, r, fmt.Errorf("delivery log of %s: outbound %s: %w", id, a.OutboundID, err))
					return
				}
				obs[a.OutboundID] = ob
			}
			row := operatorui.AttemptRow{At: a.At, OK: a.OK, Code: a.Code, Error: a.Error, Duration: a.Duration,
				Outbound: a.OutboundID, Event: a.Event, Channel: a.Channel}
			if ob != nil {
				row.State, row.NextAt = ob.State, ob.NextAt
			}
			p.Attempts = append(p.Attempts, row)
		}
		s.render(w, r, http.StatusOK, "subscriber", p)
	})
}

// handleRemoveSubscriberPage asks to confirm the removal.
func (s *Server) handleRemoveSubscriberPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		sub, err := s.store.Subscriber(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			err = errNotFound{fmt.Sprintf("no subscriber %q", id)}
		}
		if err != nil {
			s.failPage(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "subscriber_remove", operatorui.SubscriberRemove{Page: s.opPage(r, "Remove a subscriber"),
			Subscriber: subscriberRow(s, sub)})
	})
}

func (s *Server) handleRemoveSubscriberForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The form has no fields; reading it bounds the body all the same.
		if _, err := parseForm(w, r); err != nil {
			s.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "")
			return
		}
		if err := s.removeSubscriber(r.Context(), who(r), r.PathValue("id")); err != nil {
			s.failPage(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/subscribers?done=removed", http.StatusSeeOther)
	})
}
