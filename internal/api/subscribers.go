package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/web"
)

// Subscriber is a subscriber as the API shows it. The secret is only
// in the answer that creates a webhook subscriber.
type Subscriber struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Address     string   `json:"address"`
	Components  []string `json:"components"`
	CreatedAt   string   `json:"created_at"`
	ConfirmedAt string   `json:"confirmed_at,omitempty"`
	Secret      string   `json:"secret,omitempty"`
}

func subscriberOut(sub store.Subscriber) Subscriber {
	w := Subscriber{ID: sub.ID, Kind: sub.Kind, Address: sub.Address, Components: sub.Components, CreatedAt: rfc3339(sub.CreatedAt)}
	if w.Components == nil {
		w.Components = []string{}
	}
	if !sub.ConfirmedAt.IsZero() {
		w.ConfirmedAt = rfc3339(sub.ConfirmedAt)
	}
	return w
}

func (h *handler) handleCreateSubscriber() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in outbox.SubscriberInput
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		sub, err := h.out.AddSubscriber(r.Context(), auth.Who(r), in, web.PublicURL(h.cfg().Server.PublicURL, r))
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		out := subscriberOut(sub)
		out.Secret = sub.Secret
		web.JSON(w, http.StatusCreated, out)
	})
}

func (h *handler) handleSubscribers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		subs, err := h.out.Subscribers(r.Context())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		out := make([]Subscriber, len(subs))
		for i, sub := range subs {
			out[i] = subscriberOut(sub)
			if !auth.Allowed(auth.Role(r), auth.PermSubscribersWrite) {
				// Full addresses (a URL may be a credential) are the
				// operators'.
				out[i].Address = outbox.RedactAddress(sub.Kind, sub.Address)
			}
		}
		web.JSON(w, http.StatusOK, map[string]any{"subscribers": out})
	})
}

func (h *handler) handleDeleteSubscriber() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.out.RemoveSubscriber(r.Context(), auth.Who(r), r.PathValue("id")); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// Delivery is one attempt of a delivery log, as the API shows it.
type Delivery struct {
	Outbound string `json:"outbound"`
	Event    string `json:"event"`
	Channel  string `json:"channel"`
	At       string `json:"at"`
	// State is "queued" for a notification not tried yet (At: when it
	// was queued); empty for an attempt.
	State      string `json:"state,omitempty"`
	OK         bool   `json:"ok"`
	Code       int    `json:"code,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// handleDeliveries is a recipient's delivery log, newest first. The id is
// a subscriber's, or alert:<name> for an operator alert channel.
func (h *handler) handleDeliveries() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		limit := 100
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				web.Fail(h.log, w, r, &sla.InputError{Field: "limit", Msg: fmt.Sprintf("want 1 to 1000, got %q", v)})
				return
			}
			limit = n
		}
		_, as, err := h.out.DeliveryLog(r.Context(), id, limit)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		out := make([]Delivery, len(as))
		operator := auth.Allowed(auth.Role(r), auth.PermSubscribersWrite)
		for i, a := range as {
			if !operator {
				a.Error = outbox.RedactError(a.Error)
			}
			out[i] = Delivery{Outbound: a.OutboundID, Event: a.Event, Channel: a.Channel, At: a.At.UTC().Format(time.RFC3339Nano),
				OK: a.OK, Code: a.Code, Error: a.Error, DurationMS: a.Duration.Milliseconds()}
			if a.Queued {
				out[i].State = "queued"
			}
		}
		web.JSON(w, http.StatusOK, map[string]any{"recipient": id, "deliveries": out})
	})
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
