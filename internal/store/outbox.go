package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"
)

// Outbound is one notification to deliver to one recipient: the durable
// outbox entry that a sender retries until it is delivered or given up.
type Outbound struct {
	ID string
	// Channel is "email", "webhook", "slack" or "pagerduty".
	Channel string
	// Recipient is a subscriber's ID or "alert:<name>" for an operator alert.
	Recipient string
	// Event is the kind of event that caused the notification.
	Event   string
	Payload []byte
	// NextAt is when the next attempt is due (while pending).
	CreatedAt, NextAt, UpdatedAt time.Time
	Attempts                     int
	// State is OutboundPending, OutboundDelivered or OutboundFailed.
	State     string
	LastError string
}

// Outbound states.
const (
	OutboundPending   = "pending"
	OutboundDelivered = "delivered"
	OutboundFailed    = "failed"
)

// DeliveryAttempt is one attempt to deliver an outbound, as the delivery
// log keeps it.
type DeliveryAttempt struct {
	OutboundID, Recipient, Channel, Event string
	At                                    time.Time
	OK                                    bool
	// Code is the channel's status code (HTTP status, SMTP reply), 0 when
	// there was none.
	Code  int
	Error string
	// Duration is stored in microseconds.
	Duration time.Duration
}

// Subscriber is someone who receives the status page's notifications.
type Subscriber struct {
	ID string
	// Kind is "email", "webhook" or "slack".
	Kind    string
	Address string
	// Components are the component IDs subscribed to; empty means all.
	Components []string
	// Secret is the subscriber's own secret (a webhook's signing key, the
	// token of its confirmation and unsubscribe links).
	Secret string
	// ConfirmedAt is zero until the subscription is confirmed (double
	// opt-in).
	CreatedAt, ConfirmedAt time.Time
	// Customer is the customer that added it in its portal ("" for the
	// operators' and the public's).
	Customer string
}

// Session is an operator's sign-in session.
type Session struct {
	// Hash is the hex SHA-256 of the cookie's value: the value itself is
	// never stored, so a copy of the database signs nobody in.
	Hash                         string
	User                         string
	CreatedAt, ExpiresAt, SeenAt time.Time
}

// secretLen is the length of a Secret.
const secretLen = 32

var (
	channels        = []string{"email", "webhook", "slack", "pagerduty"}
	subscriberKinds = []string{"email", "webhook", "slack"}
	outboundStates  = []string{OutboundPending, OutboundDelivered, OutboundFailed}
)

func oneOf(field, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return inputErr(field, "want one of %s, got %q", strings.Join(allowed, ", "), v)
}

func checkRequiredTime(field string, t time.Time) error {
	if t.IsZero() {
		return inputErr(field, "required")
	}
	return checkTime(field, t)
}

func checkOptTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	return checkTime(field, t)
}

func checkLimit(limit int) error {
	if limit <= 0 {
		return inputErr("limit", "must be positive, got %d", limit)
	}
	return nil
}

// outboundRow is an Outbound encoded for storage.
type outboundRow struct {
	id, channel, recipient, event string
	payload                       []byte
	createdAt, updatedAt          int64
	nextAt                        *int64
	attempts                      int32
	state, lastError              string
}

// encodeOutbounds validates a batch and fills in its defaults.
func encodeOutbounds(obs []Outbound) ([]outboundRow, error) {
	rows := make([]outboundRow, len(obs))
	for i, o := range obs {
		name := fmt.Sprintf("outbound[%d]", i)
		if err := checkID(name+".id", o.ID, true); err != nil {
			return nil, err
		}
		if err := oneOf(name+".channel", o.Channel, channels); err != nil {
			return nil, err
		}
		if err := checkID(name+".recipient", o.Recipient, true); err != nil {
			return nil, err
		}
		if err := checkID(name+".event", o.Event, true); err != nil {
			return nil, err
		}
		if err := checkRequiredTime(name+".created_at", o.CreatedAt); err != nil {
			return nil, err
		}
		if err := checkOptTime(name+".next_at", o.NextAt); err != nil {
			return nil, err
		}
		if err := checkOptTime(name+".updated_at", o.UpdatedAt); err != nil {
			return nil, err
		}
		if o.State == "" {
			o.State = OutboundPending
		}
		if err := oneOf(name+".state", o.State, outboundStates); err != nil {
			return nil, err
		}
		if o.Attempts < 0 || o.Attempts > math.MaxInt32 {
			return nil, inputErr(name+".attempts", "%d is outside 0–%d", o.Attempts, math.MaxInt32)
		}
		if o.NextAt.IsZero() && o.State == OutboundPending {
			o.NextAt = o.CreatedAt
		}
		if o.UpdatedAt.IsZero() {
			o.UpdatedAt = o.CreatedAt
		}
		payload := o.Payload
		if payload == nil {
			payload = []byte{}
		}
		rows[i] = outboundRow{
			id: o.ID, channel: o.Channel, recipient: o.Recipient, event: o.Event,
			payload:   payload,
			createdAt: ms(o.CreatedAt), updatedAt: ms(o.UpdatedAt), nextAt: optMS(o.NextAt),
			attempts: int32(o.Attempts), state: o.State, lastError: cleanText(o.LastError),
		}
	}
	return rows, nil
}

func outboundFrom(id, channel, recipient, event string, payload []byte, createdAt int64, nextAt *int64, updatedAt, attempts int64, state, lastError string) Outbound {
	return Outbound{
		ID: id, Channel: channel, Recipient: recipient, Event: event, Payload: payload,
		CreatedAt: fromMS(createdAt), NextAt: optFromMS(nextAt), UpdatedAt: fromMS(updatedAt),
		Attempts: int(attempts), State: state, LastError: lastError,
	}
}

// earlierPending finds a pending outbound of the same recipient enqueued
// before the outbound o: DueOutbound holds o back while there is one.
const earlierPending = `SELECT 1 FROM outbound e WHERE e.state = 'pending' AND e.recipient = o.recipient AND e.seq < o.seq`

// outboundColumns are the columns outboundFrom decodes, in its order.
const outboundColumns = `id, channel, recipient, event, payload, created_at, next_at, updated_at, attempts, state, last_error`

func scanOutbounds(rows rowScanner, what string) ([]Outbound, error) {
	var out []Outbound
	for rows.Next() {
		o, err := scanOutbound(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func scanOutbound(row interface{ Scan(...any) error }) (Outbound, error) {
	var (
		id, channel, recipient, event, state, lastError string
		payload                                         []byte
		createdAt, updatedAt, attempts                  int64
		nextAt                                          *int64
	)
	if err := row.Scan(&id, &channel, &recipient, &event, &payload, &createdAt, &nextAt, &updatedAt, &attempts, &state, &lastError); err != nil {
		return Outbound{}, err
	}
	return outboundFrom(id, channel, recipient, event, payload, createdAt, nextAt, updatedAt, attempts, state, lastError), nil
}

// attemptRow is a DeliveryAttempt with its outbound's new state, encoded
// for storage.
type attemptRow struct {
	outbound, recipient, channel, event string
	at                                  int64
	ok                                  bool
	code                                int32
	errText                             string
	durUS                               int64
	state                               string
	nextAt                              *int64
}

func encodeAttempt(a DeliveryAttempt, state string, nextAt time.Time) (attemptRow, error) {
	if err := checkID("attempt.outbound", a.OutboundID, true); err != nil {
		return attemptRow{}, err
	}
	if err := checkID("attempt.recipient", a.Recipient, false); err != nil {
		return attemptRow{}, err
	}
	if a.Channel != "" {
		if err := oneOf("attempt.channel", a.Channel, channels); err != nil {
			return attemptRow{}, err
		}
	}
	if err := checkID("attempt.event", a.Event, false); err != nil {
		return attemptRow{}, err
	}
	if err := checkRequiredTime("attempt.at", a.At); err != nil {
		return attemptRow{}, err
	}
	if a.Code < 0 || a.Code > math.MaxInt32 {
		return attemptRow{}, inputErr("attempt.code", "%d is outside 0–%d", a.Code, math.MaxInt32)
	}
	if a.Duration < 0 {
		return attemptRow{}, inputErr("attempt.duration", "%v is negative", a.Duration)
	}
	if err := oneOf("state", state, outboundStates); err != nil {
		return attemptRow{}, err
	}
	if state == OutboundPending && nextAt.IsZero() {
		return attemptRow{}, inputErr("next_at", "required while the outbound is pending")
	}
	if err := checkOptTime("next_at", nextAt); err != nil {
		return attemptRow{}, err
	}
	return attemptRow{
		outbound: a.OutboundID, recipient: a.Recipient, channel: a.Channel, event: a.Event,
		at: ms(a.At), ok: a.OK, code: int32(a.Code), errText: cleanText(a.Error),
		durUS: int64(a.Duration / time.Microsecond), state: state, nextAt: optMS(nextAt),
	}, nil
}

// deliveryColumns are the columns scanDeliveries decodes, in its order.
const deliveryColumns = `outbound, recipient, channel, event, at, ok, code, error, duration`

func scanDeliveries(rows rowScanner) ([]DeliveryAttempt, error) {
	var out []DeliveryAttempt
	for rows.Next() {
		var (
			a             DeliveryAttempt
			at, code, dur int64
		)
		if err := rows.Scan(&a.OutboundID, &a.Recipient, &a.Channel, &a.Event, &at, &a.OK, &code, &a.Error, &dur); err != nil {
			return nil, fmt.Errorf("read deliveries: %w", err)
		}
		a.At, a.Code, a.Duration = fromMS(at), int(code), time.Duration(dur)*time.Microsecond
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	return out, nil
}

// subscriberRow is a Subscriber encoded for storage.
type subscriberRow struct {
	id, kind, address string
	// addressKey is what SubscriberByAddress compares: the address, lower
	// case for email (whose domain is case-insensitive and whose local
	// part is in practice).
	addressKey  string
	components  string // JSON array
	secret      string
	createdAt   int64
	confirmedAt *int64
	customer    string
}

func addressKey(kind, address string) string {
	if kind == "email" {
		return strings.ToLower(address)
	}
	return address
}

func encodeSubscriber(s Subscriber) (subscriberRow, error) {
	if err := checkID("subscriber.id", s.ID, true); err != nil {
		return subscriberRow{}, err
	}
	if err := oneOf("subscriber.kind", s.Kind, subscriberKinds); err != nil {
		return subscriberRow{}, err
	}
	if err := checkID("subscriber.address", s.Address, true); err != nil {
		return subscriberRow{}, err
	}
	for i, c := range s.Components {
		if err := checkID(fmt.Sprintf("subscriber.components[%d]", i), c, true); err != nil {
			return subscriberRow{}, err
		}
	}
	if err := checkID("subscriber.secret", s.Secret, false); err != nil {
		return subscriberRow{}, err
	}
	if err := checkRequiredTime("subscriber.created_at", s.CreatedAt); err != nil {
		return subscriberRow{}, err
	}
	if err := checkOptTime("subscriber.confirmed_at", s.ConfirmedAt); err != nil {
		return subscriberRow{}, err
	}
	comps := s.Components
	if comps == nil {
		comps = []string{}
	}
	b, err := json.Marshal(comps)
	if err != nil {
		return subscriberRow{}, fmt.Errorf("encode subscriber %s components: %w", s.ID, err)
	}
	return subscriberRow{
		id: s.ID, kind: s.Kind, address: s.Address, addressKey: addressKey(s.Kind, s.Address),
		components: string(b), secret: s.Secret,
		createdAt: ms(s.CreatedAt), confirmedAt: optMS(s.ConfirmedAt), customer: s.Customer,
	}, nil
}

// subscriberColumns are the columns scanSubscriber decodes, in its order.
const subscriberColumns = `id, kind, address, components, secret, created_at, confirmed_at, customer`

func scanSubscriber(row interface{ Scan(...any) error }) (Subscriber, error) {
	var (
		s           Subscriber
		comps       string
		createdAt   int64
		confirmedAt *int64
	)
	if err := row.Scan(&s.ID, &s.Kind, &s.Address, &comps, &s.Secret, &createdAt, &confirmedAt, &s.Customer); err != nil {
		return Subscriber{}, err
	}
	if err := json.Unmarshal([]byte(comps), &s.Components); err != nil {
		return Subscriber{}, fmt.Errorf("decode stored components of subscriber %s: %w", s.ID, err)
	}
	if len(s.Components) == 0 {
		s.Components = nil
	}
	s.CreatedAt, s.ConfirmedAt = fromMS(createdAt), optFromMS(confirmedAt)
	return s, nil
}

func scanSubscribers(rows rowScanner) ([]Subscriber, error) {
	var out []Subscriber
	for rows.Next() {
		s, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("read subscribers: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read subscribers: %w", err)
	}
	return out, nil
}

// sessionRow is a Session encoded for storage.
type sessionRow struct {
	hash, user                   string
	createdAt, expiresAt, seenAt int64
}

func encodeSession(s Session) (sessionRow, error) {
	if len(s.Hash) != 64 {
		return sessionRow{}, inputErr("session.hash", "want the 64 hex digits of a SHA-256, got %d characters", len(s.Hash))
	}
	if _, err := hex.DecodeString(s.Hash); err != nil || strings.ToLower(s.Hash) != s.Hash {
		return sessionRow{}, inputErr("session.hash", "want lower-case hex digits")
	}
	if err := checkID("session.user", s.User, true); err != nil {
		return sessionRow{}, err
	}
	if err := checkRequiredTime("session.created_at", s.CreatedAt); err != nil {
		return sessionRow{}, err
	}
	if err := checkRequiredTime("session.expires_at", s.ExpiresAt); err != nil {
		return sessionRow{}, err
	}
	seen := s.SeenAt
	if seen.IsZero() {
		seen = s.CreatedAt
	}
	if err := checkTime("session.seen_at", seen); err != nil {
		return sessionRow{}, err
	}
	return sessionRow{hash: s.Hash, user: s.User, createdAt: ms(s.CreatedAt), expiresAt: ms(s.ExpiresAt), seenAt: ms(seen)}, nil
}

func sessionFrom(hash, user string, createdAt, expiresAt, seenAt int64) Session {
	return Session{Hash: hash, User: user, CreatedAt: fromMS(createdAt), ExpiresAt: fromMS(expiresAt), SeenAt: fromMS(seenAt)}
}

func checkSecretName(name string) error {
	return checkID("secret.name", name, true)
}

func newSecret() ([]byte, error) {
	b := make([]byte, secretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate secret: %w", err)
	}
	return b, nil
}

// clock is a store's settable clock for session expiry.
type clock struct {
	f atomic.Pointer[func() time.Time]
}

func (c *clock) set(now func() time.Time) { c.f.Store(&now) }

func (c *clock) now() time.Time {
	if f := c.f.Load(); f != nil && *f != nil {
		return (*f)()
	}
	return time.Now()
}

// expiredCut is the stored time at or before which a session has expired.
func (c *clock) expiredCut() int64 { return ms(clampTime(c.now())) }

// scanFacts reads the rows of a facts query (id, type, at, body).
func scanFacts(rows rowScanner) ([]Fact, error) {
	var out []Fact
	for rows.Next() {
		var f factRow
		if err := rows.Scan(&f.id, &f.typ, &f.at, &f.body); err != nil {
			return nil, fmt.Errorf("read facts: %w", err)
		}
		out = append(out, f.fact())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	return out, nil
}
