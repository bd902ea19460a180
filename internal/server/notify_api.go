package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// notifyRoutes registers the subscription pages and the subscriber API.
func (s *Server) notifyRoutes(mux *http.ServeMux) {
	if err := s.notifier().pageErr; err != nil {
		// The templates are embedded: a broken one is a bug that must
		// stop the start, not a page that fails later.
		panic(err)
	}
	// Public: the subscription form and the links of the mails. Tokens
	// in the links are HMACs: only the server can make them.
	mux.Handle("GET /subscribe", s.handleSubscribeForm())
	mux.Handle("POST /subscribe", s.handleSubscribe())
	// The link of the opt-in mail shows a button; the button confirms. A
	// mail scanner that follows every link does not confirm for a person.
	mux.Handle("GET /subscribe/confirm/{token}", s.handleConfirm(false))
	mux.Handle("POST /subscribe/confirm/{token}", s.handleConfirm(true))
	mux.Handle("GET /unsubscribe/{token}", s.handleUnsubscribe(false))
	// RFC 8058 one-click unsubscribe, posted by mail clients.
	mux.Handle("POST /unsubscribe/{token}", s.handleUnsubscribe(true))

	// Viewer or operator: subscribers and their delivery logs.
	mux.Handle("GET /api/v1/subscribers", s.requireToken("viewer", "operator")(s.handleSubscribers()))
	mux.Handle("GET /api/v1/subscribers/{id}/deliveries", s.requireToken("viewer", "operator")(s.handleDeliveries()))
	// Operator: add and remove subscribers.
	mux.Handle("POST /api/v1/subscribers", s.requireToken("operator")(s.handleCreateSubscriber()))
	mux.Handle("DELETE /api/v1/subscribers/{id}", s.requireToken("operator")(s.handleDeleteSubscriber()))
}

// subscriberWire is a subscriber as the API shows it. The secret is only
// in the answer that creates a webhook subscriber.
type subscriberWire struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Address     string   `json:"address"`
	Components  []string `json:"components"`
	CreatedAt   string   `json:"created_at"`
	ConfirmedAt string   `json:"confirmed_at,omitempty"`
	Secret      string   `json:"secret,omitempty"`
}

func subscriberOut(sub store.Subscriber) subscriberWire {
	w := subscriberWire{ID: sub.ID, Kind: sub.Kind, Address: sub.Address, Components: sub.Components, CreatedAt: rfc3339(sub.CreatedAt)}
	if w.Components == nil {
		w.Components = []string{}
	}
	if !sub.ConfirmedAt.IsZero() {
		w.ConfirmedAt = rfc3339(sub.ConfirmedAt)
	}
	return w
}

// newWebhookSecret is a Standard Webhooks signing secret: whsec_ and 24
// random bytes in base64.
func newWebhookSecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

// checkHookURL accepts an absolute http or https URL.
func checkHookURL(field, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &sla.InputError{Field: field, Msg: "want an absolute http:// or https:// URL"}
	}
	return nil
}

// redactURL is a URL's scheme and host, without the path, query and user
// information that may carry a secret.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "(redacted)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// subscriberInput is a subscriber to add, from the API or the operator UI.
type subscriberInput struct {
	Kind       string   `json:"kind"`
	URL        string   `json:"url"`
	Email      string   `json:"email"`
	Components []string `json:"components"`
}

// duplicateError is an address that already has a subscriber of its kind:
// 409 from the API, an error at the field in the form.
type duplicateError struct{ field, msg string }

func (e *duplicateError) Error() string { return e.msg }

// addSubscriber validates in and stores the subscriber on behalf of by. A
// webhook gets a new signing secret, returned in the subscriber (its only
// showing); an email address is sent its confirmation, with links on
// base. Input errors are *sla.InputError naming the field (the first
// only); an address already subscribed is *duplicateError.
func (s *Server) addSubscriber(ctx context.Context, by string, in subscriberInput, base string) (store.Subscriber, error) {
	var addr string
	var err error
	switch in.Kind {
	case "webhook", "slack":
		if in.Email != "" {
			err = &sla.InputError{Field: "email", Msg: "only for kind email"}
		} else if err = required("url", in.URL); err == nil {
			err = checkHookURL("url", in.URL)
		}
		addr = in.URL
	case "email":
		if s.Config().Email == nil {
			err = &sla.InputError{Field: "kind", Msg: "email needs the email: section (an SMTP server) in the configuration"}
		} else if in.URL != "" {
			err = &sla.InputError{Field: "url", Msg: "only for kinds webhook and slack"}
		} else {
			addr, err = checkEmail("email", in.Email)
		}
	default:
		err = &sla.InputError{Field: "kind", Msg: fmt.Sprintf("want webhook, slack or email, got %q", in.Kind)}
	}
	if err == nil && len(in.Components) > 0 {
		err = incident.Components("components", in.Components, s.knownComponent())
	}
	if err != nil {
		return store.Subscriber{}, firstInput(err)
	}
	if old, err := s.store.SubscriberByAddress(ctx, in.Kind, addr); err == nil {
		field := "url"
		if in.Kind == "email" {
			field = "email"
		}
		return store.Subscriber{}, &duplicateError{field: field, msg: fmt.Sprintf("subscriber %s already has this address; delete it first to replace it", old.ID)}
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Subscriber{}, fmt.Errorf("add subscriber: %w", err)
	}
	now := s.now().UTC().Truncate(time.Second)
	sub := store.Subscriber{ID: newID("sub-"), Kind: in.Kind, Address: addr, Components: in.Components, CreatedAt: now}
	if in.Kind == "webhook" {
		sub.Secret = newWebhookSecret()
	}
	if in.Kind != "email" {
		// The operator vouches for a webhook or Slack channel; a
		// person's address must confirm itself (double opt-in).
		sub.ConfirmedAt = now
	}
	if err := s.store.PutSubscriber(ctx, sub); err != nil {
		return store.Subscriber{}, fmt.Errorf("add subscriber: %w", err)
	}
	if in.Kind == "email" {
		if err := s.sendConfirmation(ctx, sub, base); err != nil {
			return store.Subscriber{}, err
		}
	}
	s.log.Info("subscriber added", "id", sub.ID, "kind", sub.Kind, "by", by)
	return sub, nil
}

// removeSubscriber deletes subscriber id on behalf of by (its pending
// notifications end; its delivery log stays). An unknown id is
// errNotFound.
func (s *Server) removeSubscriber(ctx context.Context, by, id string) error {
	err := s.store.DeleteSubscriber(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound{fmt.Sprintf("no subscriber %q", id)}
	}
	if err != nil {
		return fmt.Errorf("remove subscriber %s: %w", id, err)
	}
	s.log.Info("subscriber deleted", "id", id, "by", by)
	return nil
}

// deliveryLog is the last limit delivery attempts to recipient id (a
// subscriber's id, or alert:<name> for an operator alert channel), newest
// first, with the subscriber when it still exists. An id nobody ever had
// is errNotFound; a deleted subscriber's log is kept and shown.
func (s *Server) deliveryLog(ctx context.Context, id string, limit int) (*store.Subscriber, []store.DeliveryAttempt, error) {
	var found *store.Subscriber
	sub, err := s.store.Subscriber(ctx, id)
	switch {
	case err == nil:
		found = &sub
	case errors.Is(err, store.ErrNotFound):
		as, err := s.store.Deliveries(ctx, id, 1)
		if err != nil {
			return nil, nil, fmt.Errorf("delivery log of %s: %w", id, err)
		}
		if len(as) == 0 && !s.isAlertChannel(id) {
			return nil, nil, errNotFound{fmt.Sprintf("no subscriber %q", id)}
		}
	default:
		return nil, nil, fmt.Errorf("delivery log of %s: %w", id, err)
	}
	as, err := s.store.Deliveries(ctx, id, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("delivery log of %s: %w", id, err)
	}
	return found, as, nil
}

func (s *Server) handleCreateSubscriber() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in subscriberInput
		if err := decodeBody(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		sub, err := s.addSubscriber(r.Context(), who(r), in, s.publicURL(r))
		var dup *duplicateError
		if errors.As(err, &dup) {
			writeJSON(w, http.StatusConflict, apiError{Error: dup.msg, Field: dup.field})
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := subscriberOut(sub)
		out.Secret = sub.Secret
		writeJSON(w, http.StatusCreated, out)
	})
}

func (s *Server) handleSubscribers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		subs, err := s.store.Subscribers(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]subscriberWire, len(subs))
		for i, sub := range subs {
			out[i] = subscriberOut(sub)
			if sub.Kind != "email" && callerRole(r) != "operator" {
				// A Slack URL is the channel's credential, and a webhook
				// URL may hold one: viewers see only where it goes.
				out[i].Address = redactURL(sub.Address)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"subscribers": out})
	})
}

func (s *Server) handleDeleteSubscriber() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.removeSubscriber(r.Context(), who(r), r.PathValue("id")); err != nil {
			s.failMaint(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// deliveryWire is one attempt of the delivery log.
type deliveryWire struct {
	Outbound   string `json:"outbound"`
	Event      string `json:"event"`
	Channel    string `json:"channel"`
	At         string `json:"at"`
	OK         bool   `json:"ok"`
	Code       int    `json:"code,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// handleDeliveries is a recipient's delivery log, newest first. The id is
// a subscriber's, or alert:<name> for an operator alert channel.
func (s *Server) handleDeliveries() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		limit := 100
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				s.fail(w, r, &sla.InputError{Field: "limit", Msg: fmt.Sprintf("want 1 to 1000, got %q", v)})
				return
			}
			limit = n
		}
		_, as, err := s.deliveryLog(r.Context(), id, limit)
		if err != nil {
			s.failMaint(w, r, err)
			return
		}
		out := make([]deliveryWire, len(as))
		for i, a := range as {
			out[i] = deliveryWire{Outbound: a.OutboundID, Event: a.Event, Channel: a.Channel, At: a.At.UTC().Format(time.RFC3339Nano),
				OK: a.OK, Code: a.Code, Error: a.Error, DurationMS: a.Duration.Milliseconds()}
		}
		writeJSON(w, http.StatusOK, map[string]any{"recipient": id, "deliveries": out})
	})
}

func (s *Server) isAlertChannel(id string) bool {
	for _, a := range s.Config().Alerts {
		if "alert:"+a.Name == id {
			return true
		}
	}
	return false
}
