// Package helpdesk turns helpdesks' webhooks into slakeeper's ticket and
// ticket-event facts: Zendesk (trigger webhooks with the body template of
// docs/helpdesks.md, and event-subscribed ticket webhooks), Jira Service
// Management (issue and comment webhooks), Zammad (trigger webhooks) and a
// generic JSON form. It verifies each request's signature, reads the
// payload into Updates, and maps organisations, requester domains,
// priorities and statuses to customers, policy priorities and statuses
// under a Mapping. It does no I/O: the caller passes the request's headers
// and body, and the ticket's stored state.
package helpdesk

import (
	"cmp"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// The kinds of helpdesk.
const (
	KindZendesk = "zendesk"
	KindJira    = "jira"
	KindZammad  = "zammad"
	KindGeneric = "generic"
)

// Kinds lists the kinds of helpdesk, for messages.
var Kinds = []string{KindZendesk, KindJira, KindZammad, KindGeneric}

// Mapping is one helpdesk integration: its name (the prefix of its facts'
// ids and the tickets' source), its kind, its signing secret and how its
// values map to slakeeper's. Map keys are lower case.
type Mapping struct {
	Name   string
	Kind   string
	Secret []byte
	// Organizations maps a helpdesk organisation, by id or name, to a
	// customer; Domains maps a requester's e-mail domain to one. An
	// organisation is tried first.
	Organizations map[string]string
	Domains       map[string]string
	// Priorities maps a helpdesk priority (name or id) to a policy
	// priority. Empty: the helpdesk's priority, in lower case, is the
	// policy's.
	Priorities map[string]string
	// Statuses maps a helpdesk status (lower case, spaces and dashes as
	// "_") to a slakeeper status: "open", "solved", "closed", or one the
	// plans' support.pause lists (pending_customer, on_hold, …) to stop
	// the clocks. Unmapped statuses keep their own name, and Jira statuses
	// of the "done" category are "solved".
	Statuses map[string]string
	// Bots are the authors (ids, account ids or e-mail addresses) whose
	// comments are automatic: they are no agent's reply.
	Bots map[string]bool
	// OrganizationField is the Jira field that holds the Service
	// Management organisations (default customfield_10002).
	OrganizationField string
}

// The kinds of comment author.
const (
	AuthorAgent    = "agent"
	AuthorCustomer = "customer"
	AuthorBot      = "bot"
)

// Update is what one webhook tells of one ticket: its state or a change,
// and a comment.
type Update struct {
	// Ticket is the helpdesk's id for the ticket (a Jira key, a Zammad
	// number).
	Ticket  string
	Subject string
	// Created is the ticket's creation, zero when the payload does not
	// say; Creation marks the update that reports it.
	Created  time.Time
	Creation bool
	// Organizations are the keys of the ticket's organisation (id, name);
	// Requester the requester's e-mail address.
	Organizations []string
	Requester     string
	// At is when the change happened; Delivery names it, so that a
	// delivery repeated makes the same facts.
	At       time.Time
	Delivery string
	// Status and Priority are the helpdesk's values, as the ticket has
	// them after the change ("" when the payload does not tell).
	// StatusDone says the helpdesk counts Status as done (Jira's "done"
	// category).
	Status     string
	StatusDone bool
	Priority   string
	// PriorityID is the helpdesk's id of Priority, tried after its name.
	PriorityID string
	Comment    *Comment
}

// Comment is a comment added to a ticket.
type Comment struct {
	ID     string
	At     time.Time
	Public bool
	// Author is AuthorAgent, AuthorCustomer or AuthorBot; AuthorID the
	// author's id or e-mail, matched against the Mapping's Bots.
	Author   string
	AuthorID string
}

// Verify checks the request's signature with m's secret, as the kind of
// helpdesk signs: Zendesk's X-Zendesk-Webhook-Signature (base64
// HMAC-SHA256 of the timestamp header and the body), Jira's and Zammad's
// X-Hub-Signature (sha256= or sha1= and the hex HMAC of the body), the
// generic form's X-Slakeeper-Signature (sha256= and the hex HMAC-SHA256
// of the body). The error says what is wrong without the secret.
func Verify(m *Mapping, h http.Header, body []byte) error {
	if len(m.Secret) == 0 {
		return fmt.Errorf("helpdesk %s has no secret", m.Name)
	}
	var want, got []byte
	var err error
	switch m.Kind {
	case KindZendesk:
		sig, ts := h.Get("X-Zendesk-Webhook-Signature"), h.Get("X-Zendesk-Webhook-Signature-Timestamp")
		if sig == "" || ts == "" {
			return fmt.Errorf("no X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp header")
		}
		got, err = decodeBase64(sig)
		want = zendeskSignature(m.Secret, ts, body)
	case KindJira, KindZammad, KindGeneric:
		header, method := "X-Hub-Signature", "sha256"
		if m.Kind == KindZammad {
			method = "sha1"
		}
		if m.Kind == KindGeneric {
			header = "X-Slakeeper-Signature"
		}
		v := h.Get(header)
		if v == "" {
			return fmt.Errorf("no %s header", header)
		}
		alg, hexSig, ok := strings.Cut(v, "=")
		if !ok || alg != method {
			return fmt.Errorf("%s: want %s=<hex HMAC>, got method %q", header, method, alg)
		}
		got, err = decodeHex(hexSig)
		want = hubSignature(method, m.Secret, body)
	default:
		return fmt.Errorf("helpdesk %s: unknown kind %q", m.Name, m.Kind)
	}
	if err != nil {
		return fmt.Errorf("signature: %v", err)
	}
	if !hmac.Equal(got, want) {
		return fmt.Errorf("signature does not match the body")
	}
	return nil
}

// Parse reads the updates of a webhook's body. A payload of an event that
// tells nothing about the clocks (a tag change, a user event) has none.
// A body that is not the kind's payload is a *sla.InputError naming the
// field.
func Parse(m *Mapping, h http.Header, body []byte) ([]Update, error) {
	var us []Update
	var err error
	switch m.Kind {
	case KindZendesk:
		us, err = parseZendesk(body)
	case KindJira:
		us, err = parseJira(m, h, body)
	case KindZammad:
		us, err = parseZammad(h, body)
	case KindGeneric:
		us, err = parseGeneric(body)
	default:
		return nil, fmt.Errorf("helpdesk %s: unknown kind %q", m.Name, m.Kind)
	}
	if err != nil {
		return nil, err
	}
	for i := range us {
		if us[i].Ticket == "" {
			return nil, &sla.InputError{Field: "ticket", Msg: "the payload names no ticket"}
		}
		if us[i].At.IsZero() {
			return nil, &sla.InputError{Field: "at", Msg: fmt.Sprintf("ticket %s: the payload tells no time", us[i].Ticket)}
		}
	}
	return us, nil
}

// State is a ticket as stored: the ticket fact and its events.
type State struct {
	Ticket *sla.Ticket
	Events []*sla.TicketEvent
}

// status and priority are the ticket's status and priority after its
// stored events (the engine's replay rules: solved sets "solved",
// reopened "open").
func (s *State) now() (status, priority string, seen map[string]bool) {
	status, priority = "open", s.Ticket.Priority
	seen = map[string]bool{}
	evs := slices.Clone(s.Events)
	slices.SortStableFunc(evs, func(a, b *sla.TicketEvent) int { return a.At.Compare(b.At) })
	for _, e := range evs {
		seen[e.ID] = true
		switch e.Kind {
		case sla.TicketStatus:
			status = e.Status
		case sla.TicketSolved:
			if !solvedStatus(status) {
				status = "solved"
			}
		case sla.TicketReopened:
			if solvedStatus(status) {
				status = "open"
			}
		case sla.TicketPriority:
			priority = e.Priority
		}
	}
	return status, priority, seen
}

func solvedStatus(s string) bool { return s == "solved" || s == "closed" }

// Result is the facts of one update, and what of it was not counted.
type Result struct {
	// Facts are JSON Lines facts (docs/facts.md): the ticket's, when it
	// is new, then its events.
	Facts [][]byte
	// TicketID is the ticket's fact id.
	TicketID string
	// Ignored says what the update held that no clock counts (an internal
	// note, a bot's reply), for the answer and the log.
	Ignored []string
}

// TicketID is the fact id of the helpdesk's ticket id under m.
func TicketID(m *Mapping, ticket string) string {
	return m.Name + "-" + safeID(ticket)
}

// Facts turns u into facts, given the ticket as stored (nil when it is
// not): the ticket fact for a new ticket (its customer and priority
// mapped, or the helpdesk's values flagged as unmapped), and the events
// that differ from the stored state: a status change, a solve or a reopen,
// a priority change, an agent's or the customer's public comment.
func Facts(m *Mapping, u *Update, st *State) (*Result, error) {
	res := &Result{TicketID: TicketID(m, u.Ticket)}
	var ticket *sla.Ticket
	var status, priority string
	var seen map[string]bool
	if st != nil && st.Ticket != nil {
		ticket = st.Ticket
		status, priority, seen = st.now()
	} else {
		t, err := newTicket(m, u, res.TicketID)
		if err != nil {
			return nil, err
		}
		ticket = t
		b, err := ticketJSON(t)
		if err != nil {
			return nil, err
		}
		res.Facts = append(res.Facts, b)
		status, priority, seen = "open", t.Priority, map[string]bool{}
	}
	at := u.At
	if at.Before(ticket.At) {
		at = ticket.At
	}
	delivery := safeID(u.Delivery)
	if delivery == "" {
		delivery = at.UTC().Format("20060102T150405.000")
	}
	// emit adds the event id of kind, unless the ticket has it already.
	emit := func(id, kind string, when time.Time, e map[string]any) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		if when.Before(ticket.At) {
			when = ticket.At
		}
		e["type"], e["id"], e["ticket"], e["kind"], e["at"] = "ticket_event", id, res.TicketID, kind, when.UTC().Format(time.RFC3339Nano)
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("ticket event %s: %w", id, err)
		}
		res.Facts = append(res.Facts, b)
		return nil
	}
	// add emits a change of this delivery: its id is the delivery's, and
	// the value's, so that a repeated delivery repeats it.
	add := func(kind, value string, e map[string]any) error {
		id := fmt.Sprintf("%s-%s-%s", res.TicketID, kind, delivery)
		if value != "" {
			id += "-" + safeID(value)
		}
		return emit(id, kind, at, e)
	}
	if u.Priority != "" || u.PriorityID != "" {
		if p, _ := mapPriority(m, u); p != priority {
			if err := add(sla.TicketPriority, p, map[string]any{"priority": p}); err != nil {
				return nil, err
			}
			priority = p
		}
	}
	// The comment before the status: a reply and a solve in one update
	// answer first, then solve.
	if c := u.Comment; c != nil && c.ID != "" && !seen[commentID(res.TicketID, c.ID)] {
		kind := ""
		switch {
		case !c.Public:
			res.Ignored = append(res.Ignored, fmt.Sprintf("comment %s: internal note", c.ID))
		case c.Author == AuthorBot || m.Bots[strings.ToLower(c.AuthorID)]:
			res.Ignored = append(res.Ignored, fmt.Sprintf("comment %s: automatic reply by %s", c.ID, cmp.Or(c.AuthorID, "a bot")))
		case c.Author == AuthorAgent:
			kind = sla.TicketAgentReply
		case c.Author == AuthorCustomer:
			kind = sla.TicketCustomerReply
		default:
			res.Ignored = append(res.Ignored, fmt.Sprintf("comment %s: unknown author", c.ID))
		}
		if kind != "" {
			when := c.At
			if when.IsZero() {
				when = at
			}
			if err := emit(commentID(res.TicketID, c.ID), kind, when, map[string]any{}); err != nil {
				return nil, err
			}
		}
	}
	if u.Status != "" {
		next := mapStatus(m, u.Status, u.StatusDone)
		var err error
		switch {
		case next == status:
		case solvedStatus(next) && !solvedStatus(status):
			if next == "solved" {
				err = add(sla.TicketSolved, "", map[string]any{})
			} else {
				err = add(sla.TicketStatus, next, map[string]any{"status": next})
			}
		case solvedStatus(next) && solvedStatus(status):
			// solved → closed: still solved, nothing for the clocks.
		case solvedStatus(status) && next == "open":
			err = add(sla.TicketReopened, "", map[string]any{})
		default:
			err = add(sla.TicketStatus, next, map[string]any{"status": next})
		}
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// commentID is the fact id of a comment's event.
func commentID(ticket, comment string) string {
	return ticket + "-c" + safeID(comment)
}

// newTicket is the ticket fact of a ticket first seen in u.
func newTicket(m *Mapping, u *Update, id string) (*sla.Ticket, error) {
	t := &sla.Ticket{ID: id, At: u.Created, Subject: u.Subject, Source: m.Name}
	if t.At.IsZero() || t.At.After(u.At) {
		t.At = u.At
	}
	if !u.Creation {
		t.FirstSeen = u.At
	}
	cust, ok := mapCustomer(m, u)
	t.Customer = cust
	if !ok {
		t.Unmapped = append(t.Unmapped, "customer")
	}
	prio, ok := mapPriority(m, u)
	t.Priority = prio
	if !ok {
		t.Unmapped = append(t.Unmapped, "priority")
	}
	return t, nil
}

// ticketJSON is t as a ticket fact.
func ticketJSON(t *sla.Ticket) ([]byte, error) {
	f := map[string]any{"type": "ticket", "id": t.ID, "at": t.At.UTC().Format(time.RFC3339Nano), "customer": t.Customer, "priority": t.Priority}
	if t.Subject != "" {
		f["subject"] = t.Subject
	}
	if t.Source != "" {
		f["source"] = t.Source
	}
	if !t.FirstSeen.IsZero() && t.FirstSeen.After(t.At) {
		f["first_seen"] = t.FirstSeen.UTC().Format(time.RFC3339Nano)
	}
	if len(t.Unmapped) > 0 {
		f["unmapped"] = t.Unmapped
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("ticket %s: %w", t.ID, err)
	}
	return b, nil
}

// mapCustomer finds u's customer: by organisation, then by the
// requester's domain. Unmapped, it is the organisation's or the domain's
// own name (or "unknown"), and ok is false.
func mapCustomer(m *Mapping, u *Update) (string, bool) {
	for _, o := range u.Organizations {
		if c, ok := m.Organizations[strings.ToLower(o)]; ok {
			return c, true
		}
	}
	domain := ""
	if _, d, ok := strings.Cut(u.Requester, "@"); ok {
		domain = strings.ToLower(strings.TrimSpace(d))
		if c, ok := m.Domains[domain]; ok {
			return c, true
		}
	}
	for i := len(u.Organizations) - 1; i >= 0; i-- {
		// The last key is the most readable (a name after an id).
		if o := strings.TrimSpace(u.Organizations[i]); o != "" {
			return o, false
		}
	}
	return cmp.Or(domain, "unknown"), false
}

// mapPriority maps u's priority. Without a priority table the helpdesk's
// own (lower case) is the policy's; with one, an unmapped priority keeps
// the helpdesk's value as it is and ok is false.
func mapPriority(m *Mapping, u *Update) (string, bool) {
	name := strings.ToLower(strings.TrimSpace(u.Priority))
	if len(m.Priorities) == 0 {
		return cmp.Or(name, "none"), name != ""
	}
	for _, k := range []string{name, strings.ToLower(u.PriorityID)} {
		if p, ok := m.Priorities[k]; ok && k != "" {
			return p, true
		}
	}
	return cmp.Or(strings.TrimSpace(u.Priority), "none"), false
}

// NormalStatus is a helpdesk status as Mapping.Statuses keys it: lower
// case, with spaces and dashes as underscores ("On-hold" → "on_hold").
func NormalStatus(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// mapStatus maps a helpdesk status to a slakeeper status.
func mapStatus(m *Mapping, raw string, done bool) string {
	s := NormalStatus(raw)
	if v, ok := m.Statuses[s]; ok {
		return v
	}
	switch {
	case done:
		return "solved"
	case s == "new":
		return "open"
	}
	return s
}

// safeID keeps the characters of an id that read well in a fact id.
func safeID(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ':':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
