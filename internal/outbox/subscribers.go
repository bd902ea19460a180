package outbox

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// SubscriberInput is a subscriber to add, from the API or the operator UI.
type SubscriberInput struct {
	Kind       string   `json:"kind"`
	URL        string   `json:"url"`
	Email      string   `json:"email"`
	Components []string `json:"components"`
	// Customer is set when a customer adds it in its portal.
	Customer string `json:"-"`
}

// newID is prefix and 8 random bytes in hex.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
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
	if strings.TrimSpace(v) == "" {
		return &sla.InputError{Field: field, Msg: "required"}
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &sla.InputError{Field: field, Msg: "want an absolute http:// or https:// URL"}
	}
	return nil
}

// AddSubscriber validates in and stores the subscriber on behalf of by. A
// webhook gets a new signing secret, returned in the subscriber (its only
// showing); an email address is sent its confirmation, with links on
// base. Input errors are *sla.InputError naming the field (the first
// only); an address already subscribed is *sla.ConflictError naming it.
func (s *Service) AddSubscriber(ctx context.Context, by string, in SubscriberInput, base string) (store.Subscriber, error) {
	var addr string
	var err error
	switch in.Kind {
	case "webhook", "slack":
		if in.Email != "" {
			err = &sla.InputError{Field: "email", Msg: "only for kind email"}
		} else {
			err = checkHookURL("url", in.URL)
		}
		addr = in.URL
	case "email":
		if s.cfg().Email == nil {
			err = &sla.InputError{Field: "kind", Msg: "email needs the email: section (an SMTP server) in the configuration"}
		} else if in.URL != "" {
			err = &sla.InputError{Field: "url", Msg: "only for kinds webhook and slack"}
		} else {
			addr, err = CheckEmail("email", in.Email)
		}
	default:
		err = &sla.InputError{Field: "kind", Msg: fmt.Sprintf("want webhook, slack or email, got %q", in.Kind)}
	}
	if err == nil && len(in.Components) > 0 {
		err = incident.Components("components", in.Components, s.cfg().KnownComponent())
		if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
			// One field at a time, as the other kinds of error.
			err = j.Unwrap()[0]
		}
	}
	if err != nil {
		return store.Subscriber{}, err
	}
	if old, err := s.store.SubscriberByAddress(ctx, in.Kind, addr); err == nil {
		field := "url"
		if in.Kind == "email" {
			field = "email"
		}
		return store.Subscriber{}, &sla.ConflictError{Field: field, Msg: fmt.Sprintf("subscriber %s already has this address; delete it first to replace it", old.ID)}
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Subscriber{}, fmt.Errorf("add subscriber: %w", err)
	}
	now := s.now().UTC().Truncate(time.Second)
	sub := store.Subscriber{ID: newID("sub-"), Kind: in.Kind, Address: addr, Components: in.Components, CreatedAt: now, Customer: in.Customer}
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

// RemoveSubscriber deletes subscriber id on behalf of by (its pending
// notifications end; its delivery log stays). An unknown id is
// *sla.NotFoundError.
func (s *Service) RemoveSubscriber(ctx context.Context, by, id string) error {
	err := s.store.DeleteSubscriber(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return &sla.NotFoundError{Msg: fmt.Sprintf("no subscriber %q", id)}
	}
	if err != nil {
		return fmt.Errorf("remove subscriber %s: %w", id, err)
	}
	s.log.Info("subscriber deleted", "id", id, "by", by)
	return nil
}

// Subscribers are every subscriber, confirmed or not.
func (s *Service) Subscribers(ctx context.Context) ([]store.Subscriber, error) {
	return s.store.Subscribers(ctx)
}

// Subscriber is subscriber id; an unknown one is *sla.NotFoundError.
func (s *Service) Subscriber(ctx context.Context, id string) (store.Subscriber, error) {
	sub, err := s.store.Subscriber(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sub, &sla.NotFoundError{Msg: fmt.Sprintf("no subscriber %q", id)}
	}
	return sub, err
}

// Outbound is the outbound row id, as it is now (store.ErrNotFound when
// pruned or never stored).
func (s *Service) Outbound(ctx context.Context, id string) (store.Outbound, error) {
	return s.store.Outbound(ctx, id)
}

// LogEntry is one line of a delivery log: an attempt, or a notification
// queued and not tried yet (Queued: At is when it was queued, and it has
// no result, code or duration).
type LogEntry struct {
	store.DeliveryAttempt
	Queued bool
}

// DeliveryLog is the last limit entries of the delivery log of recipient
// id (a subscriber's id, or alert:<name> for an operator alert channel),
// newest first: its delivery attempts and its notifications queued but
// not tried yet, with the subscriber when it still exists. An id nobody
// ever had is *sla.NotFoundError; a deleted subscriber's log is kept and
// shown.
func (s *Service) DeliveryLog(ctx context.Context, id string, limit int) (*store.Subscriber, []LogEntry, error) {
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
		if len(as) == 0 && !s.IsAlertChannel(id) {
			return nil, nil, &sla.NotFoundError{Msg: fmt.Sprintf("no subscriber %q", id)}
		}
	default:
		return nil, nil, fmt.Errorf("delivery log of %s: %w", id, err)
	}
	as, err := s.store.Deliveries(ctx, id, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("delivery log of %s: %w", id, err)
	}
	queued, err := s.store.QueuedOutbound(ctx, id, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("delivery log of %s: %w", id, err)
	}
	// Both newest first: merged by time, a queued one before an attempt
	// of the same instant.
	out := make([]LogEntry, 0, min(limit, len(as)+len(queued)))
	for len(out) < limit && (len(as) > 0 || len(queued) > 0) {
		if len(queued) > 0 && (len(as) == 0 || !queued[0].CreatedAt.Before(as[0].At)) {
			ob := queued[0]
			out = append(out, LogEntry{Queued: true, DeliveryAttempt: store.DeliveryAttempt{OutboundID: ob.ID, Recipient: ob.Recipient,
				Channel: ob.Channel, Event: ob.Event, At: ob.CreatedAt}})
			queued = queued[1:]
			continue
		}
		out = append(out, LogEntry{DeliveryAttempt: as[0]})
		as = as[1:]
	}
	return found, out, nil
}

// IsAlertChannel reports whether id is the recipient id of a configured
// operator alert channel ("alert:<name>").
func (s *Service) IsAlertChannel(id string) bool {
	for _, a := range s.cfg().Alerts {
		if "alert:"+a.Name == id {
			return true
		}
	}
	return false
}

// Subscribe creates or updates the email subscriber of addr. A new or
// still unconfirmed one gets a (new) confirmation mail, for its new choice
// of components. A confirmed one is left as it is: anyone can type an
// address into the form, so it must not change what someone receives (to
// change components, one unsubscribes and subscribes again).
func (s *Service) Subscribe(ctx context.Context, addr string, comps []string, base string) error {
	sub, err := s.store.SubscriberByAddress(ctx, "email", addr)
	switch {
	case errors.Is(err, store.ErrNotFound):
		sub = store.Subscriber{ID: newID("sub-"), Kind: "email", Address: addr, CreatedAt: s.now().UTC().Truncate(time.Second)}
	case err != nil:
		return err
	case !sub.ConfirmedAt.IsZero():
		return nil
	}
	sub.Components = comps
	if err := s.store.PutSubscriber(ctx, sub); err != nil {
		return err
	}
	return s.sendConfirmation(ctx, sub, base)
}

// Confirm confirms the email subscription of sub now, unless it is
// already; it returns the subscriber as stored.
func (s *Service) Confirm(ctx context.Context, sub store.Subscriber) (store.Subscriber, error) {
	if !sub.ConfirmedAt.IsZero() {
		return sub, nil
	}
	sub.ConfirmedAt = s.now().UTC().Truncate(time.Second)
	if err := s.store.PutSubscriber(ctx, sub); err != nil {
		return sub, err
	}
	s.log.Info("subscription confirmed", "id", sub.ID)
	return sub, nil
}

// Unsubscribe deletes subscriber id at the request of the holder of its
// link; unsubscribing twice is not an error.
func (s *Service) Unsubscribe(ctx context.Context, id string, oneClick bool) error {
	err := s.store.DeleteSubscriber(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err == nil {
		s.log.Info("unsubscribed", "id", id, "one_click", oneClick)
	}
	return err
}

// Purposes of the subscription links' tokens: a confirmation link cannot
// be used to unsubscribe, nor the other way round.
const (
	PurposeConfirm     = "confirm"
	PurposeUnsubscribe = "unsubscribe"
)

// linkKey is the HMAC key of the subscription links, kept by the store so
// that links stay valid across restarts and servers.
func (s *Service) linkKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key == nil {
		k, err := s.store.Secret(ctx, "subscriptions")
		if err != nil {
			return nil, fmt.Errorf("subscription link key: %w", err)
		}
		s.key = k
	}
	return s.key, nil
}

// LinkToken is "<subscriber id>.<base64url HMAC-SHA256(purpose, id)>":
// unforgeable without the key, and no table of tokens is needed.
func (s *Service) LinkToken(ctx context.Context, purpose, id string) (string, error) {
	key, err := s.linkKey(ctx)
	if err != nil {
		return "", err
	}
	return id + "." + base64.RawURLEncoding.EncodeToString(linkMAC(key, purpose, id)), nil
}

func linkMAC(key []byte, purpose, id string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(id))
	return m.Sum(nil)
}

// CheckLinkToken returns the subscriber id of a valid token for purpose,
// or ok false.
func (s *Service) CheckLinkToken(ctx context.Context, purpose, tok string) (id string, ok bool, err error) {
	i := strings.LastIndexByte(tok, '.')
	if i <= 0 {
		return "", false, nil
	}
	id = tok[:i]
	mac, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		return "", false, nil
	}
	key, err := s.linkKey(ctx)
	if err != nil {
		return "", false, err
	}
	return id, hmac.Equal(mac, linkMAC(key, purpose, id)), nil
}

// CheckEmail accepts a bare address (no display name) of at most 254
// bytes and returns it trimmed.
func CheckEmail(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", &sla.InputError{Field: field, Msg: "enter your email address"}
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		return "", &sla.InputError{Field: field, Msg: fmt.Sprintf("%q is not an email address such as name@example.com", v)}
	}
	return v, nil
}

// sendConfirmation queues the double opt-in mail of sub; the dispatcher
// sends it at once. Each call sends a new one.
func (s *Service) sendConfirmation(ctx context.Context, sub store.Subscriber, base string) error {
	now := s.now()
	p := outPayload{Kind: "confirm", Base: base, Site: s.siteTitle(),
		Event: Wire{ID: sub.ID, Kind: eventConfirm, At: now.UTC(), Components: sub.Components}}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	ob := store.Outbound{ID: sub.ID + "/" + newID("confirm-"), Channel: "email", Recipient: sub.ID, Event: eventConfirm,
		Payload: body, CreatedAt: now, NextAt: now}
	if err := s.store.Enqueue(ctx, []store.Outbound{ob}); err != nil {
		return fmt.Errorf("queue the confirmation of %s: %w", sub.ID, err)
	}
	s.Poke()
	return nil
}

// RedactAddress is a subscriber's address as a role without
// subscribers:write sees it: an email's local part masked
// (j***@example.org), a URL cut to its scheme and host (a Slack URL is the
// channel's credential; a webhook URL may hold one).
func RedactAddress(kind, addr string) string {
	if kind == "email" {
		local, domain, ok := strings.Cut(addr, "@")
		if !ok || local == "" {
			return "***"
		}
		r, _ := utf8.DecodeRuneInString(local)
		return string(r) + "***@" + domain
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return "(redacted)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// RedactError is a delivery's error as a role without subscribers:write
// sees it: a receiver's answer may carry its own secrets or its users'
// data, so only the status is kept ("status 500: …" → "status 500").
func RedactError(e string) string {
	i := strings.Index(e, "status ")
	if i < 0 || len(e) < i+10 {
		return e
	}
	if rest := e[i+10:]; strings.HasPrefix(rest, ": ") {
		return e[:i+10] + " (the answer is shown to operators)"
	}
	return e
}
