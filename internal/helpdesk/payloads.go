package helpdesk

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// zendeskSignature is base64(HMAC-SHA256(secret, timestamp + body)), as
// Zendesk signs its webhooks.
func zendeskSignature(secret []byte, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write(body)
	return mac.Sum(nil)
}

// ZendeskSignature is the X-Zendesk-Webhook-Signature header value of
// body signed at ts, for tests and tools that send as Zendesk does.
func ZendeskSignature(secret []byte, ts string, body []byte) string {
	return base64.StdEncoding.EncodeToString(zendeskSignature(secret, ts, body))
}

// hubSignature is the HMAC of body with method (sha256 or sha1).
func hubSignature(method string, secret, body []byte) []byte {
	h := sha256.New
	if method == "sha1" {
		h = func() hash.Hash { return sha1.New() }
	}
	mac := hmac.New(h, secret)
	mac.Write(body)
	return mac.Sum(nil)
}

// HubSignature is the X-Hub-Signature (Jira: sha256, Zammad: sha1) or
// X-Slakeeper-Signature (sha256) value of body.
func HubSignature(method string, secret, body []byte) string {
	return method + "=" + hex.EncodeToString(hubSignature(method, secret, body))
}

func decodeBase64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimSpace(s))
}
func decodeHex(s string) ([]byte, error) { return hex.DecodeString(strings.TrimSpace(s)) }

// flexString is a JSON string or number (helpdesks send ids as either).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*f = flexString(n.String())
	}
	return nil
}

// decode reads body into v, naming the field of a type error.
func decode(kind string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &sla.InputError{Field: te.Field, Msg: fmt.Sprintf("%s payload: want %s, got %s", kind, te.Type, te.Value)}
		}
		return &sla.InputError{Field: "body", Msg: fmt.Sprintf("%s payload: not JSON: %v", kind, err)}
	}
	return nil
}

// parseTime reads a helpdesk time in one of layouts; "" is zero.
func parseTime(field, v string, layouts ...string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, v); err == nil {
			if t.Year() < 1970 || t.Year() > 9999 {
				return time.Time{}, &sla.InputError{Field: field, Msg: fmt.Sprintf("year %d is out of range (1970–9999)", t.Year())}
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, &sla.InputError{Field: field, Msg: fmt.Sprintf("want a time such as %s, got %q", layouts[0], v)}
}

// Zendesk's times: RFC 3339 in its events; minutes only in the trigger
// placeholders' *_with_timestamp.
var zendeskLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"}

// zendeskTrigger is the trigger webhook body of docs/helpdesks.md.
type zendeskTrigger struct {
	TicketID        flexString `json:"ticket_id"`
	CreatedAt       string     `json:"created_at"`
	UpdatedAt       string     `json:"updated_at"`
	Status          string     `json:"status"`
	Priority        string     `json:"priority"`
	OrganizationID  flexString `json:"organization_id"`
	Organization    string     `json:"organization"`
	RequesterEmail  string     `json:"requester_email"`
	CommentID       flexString `json:"comment_id"`
	CommentPublic   string     `json:"comment_public"`
	CommentAuthorID flexString `json:"comment_author_id"`
	CurrentUserID   flexString `json:"current_user_id"`
	CurrentUserRole string     `json:"current_user_role"`
}

// zendeskEvent is an event-subscribed ticket webhook
// (zen:event-type:ticket.*).
type zendeskEvent struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Time   string `json:"time"`
	Detail struct {
		ID             flexString `json:"id"`
		CreatedAt      string     `json:"created_at"`
		UpdatedAt      string     `json:"updated_at"`
		Status         string     `json:"status"`
		Priority       string     `json:"priority"`
		Subject        string     `json:"subject"`
		OrganizationID flexString `json:"organization_id"`
	} `json:"detail"`
	Event struct {
		Current  json.RawMessage `json:"current"`
		Previous json.RawMessage `json:"previous"`
		Comment  *struct {
			ID       flexString `json:"id"`
			IsPublic bool       `json:"is_public"`
			Author   struct {
				ID      flexString `json:"id"`
				IsStaff bool       `json:"is_staff"`
			} `json:"author"`
		} `json:"comment"`
	} `json:"event"`
}

func parseZendesk(body []byte) ([]Update, error) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := decode("Zendesk", body, &probe); err != nil {
		return nil, err
	}
	if strings.HasPrefix(probe.Type, "zen:event-type:") {
		return parseZendeskEvent(body)
	}
	var p zendeskTrigger
	if err := decode("Zendesk", body, &p); err != nil {
		return nil, err
	}
	created, err := parseTime("created_at", p.CreatedAt, zendeskLayouts...)
	if err != nil {
		return nil, err
	}
	updated, err := parseTime("updated_at", p.UpdatedAt, zendeskLayouts...)
	if err != nil {
		return nil, err
	}
	if updated.IsZero() {
		updated = created
	}
	u := Update{Ticket: string(p.TicketID), Created: created, Creation: !created.IsZero() && !updated.After(created.Add(time.Minute)),
		Organizations: nonEmpty(string(p.OrganizationID), p.Organization), Requester: p.RequesterEmail,
		At: updated, Status: p.Status, Priority: placeholderValue(p.Priority)}
	// A trigger's delivery is the ticket's state at the update's minute;
	// the status and priority in the fact ids tell two updates of one
	// minute apart.
	u.Delivery = updated.Format("20060102T1504")
	if id := string(p.CommentID); id != "" {
		c := &Comment{ID: id, Public: strings.EqualFold(p.CommentPublic, "true"), AuthorID: string(p.CommentAuthorID)}
		role := strings.ToLower(strings.TrimSpace(p.CurrentUserRole))
		switch {
		case c.AuthorID != "" && c.AuthorID != string(p.CurrentUserID):
			// Not written by the user who made the update: a trigger's or
			// an automation's comment.
			c.Author = AuthorBot
		case role == "agent" || role == "admin" || strings.Contains(role, "agent"):
			c.Author = AuthorAgent
		case role == "end-user" || role == "end_user" || role == "end user":
			c.Author = AuthorCustomer
		}
		u.Comment = c
	}
	return []Update{u}, nil
}

// placeholderValue is "" for a placeholder Zendesk renders empty ("-").
func placeholderValue(s string) string {
	if s = strings.TrimSpace(s); s == "-" {
		return ""
	}
	return s
}

func parseZendeskEvent(body []byte) ([]Update, error) {
	var e zendeskEvent
	if err := decode("Zendesk", body, &e); err != nil {
		return nil, err
	}
	kind, ok := strings.CutPrefix(e.Type, "zen:event-type:ticket.")
	if !ok {
		return nil, nil // not a ticket event
	}
	at, err := parseTime("time", e.Time, zendeskLayouts...)
	if err != nil {
		return nil, err
	}
	created, err := parseTime("detail.created_at", e.Detail.CreatedAt, zendeskLayouts...)
	if err != nil {
		return nil, err
	}
	u := Update{Ticket: string(e.Detail.ID), Subject: e.Detail.Subject, Created: created, At: at, Delivery: e.ID,
		Organizations: nonEmpty(string(e.Detail.OrganizationID))}
	current := func() (string, error) {
		var s string
		if len(e.Event.Current) == 0 {
			return "", &sla.InputError{Field: "event.current", Msg: "Zendesk " + kind + ": missing"}
		}
		if err := json.Unmarshal(e.Event.Current, &s); err != nil {
			return "", &sla.InputError{Field: "event.current", Msg: "Zendesk " + kind + ": want a string"}
		}
		return s, nil
	}
	switch kind {
	case "created":
		u.Creation, u.At = true, cmpTime(created, at)
		u.Status, u.Priority = e.Detail.Status, e.Detail.Priority
	case "status_changed":
		if u.Status, err = current(); err != nil {
			return nil, err
		}
	case "priority_changed":
		if u.Priority, err = current(); err != nil {
			return nil, err
		}
	case "comment_added":
		c := e.Event.Comment
		if c == nil {
			return nil, &sla.InputError{Field: "event.comment", Msg: "Zendesk comment_added: missing"}
		}
		u.Comment = &Comment{ID: string(c.ID), At: at, Public: c.IsPublic, AuthorID: string(c.Author.ID), Author: AuthorCustomer}
		if c.Author.IsStaff {
			u.Comment.Author = AuthorAgent
		}
	default:
		// Other ticket events (tags, assignee, …) tell nothing new to the
		// clocks, but a ticket first seen this way is recorded.
	}
	return []Update{u}, nil
}

// Jira's times: "2026-10-14T09:10:00.000+0200".
var jiraLayouts = []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano}

type jiraUser struct {
	AccountID    string `json:"accountId"`
	AccountType  string `json:"accountType"`
	EmailAddress string `json:"emailAddress"`
}

type jiraHook struct {
	Timestamp    int64     `json:"timestamp"`
	WebhookEvent string    `json:"webhookEvent"`
	User         *jiraUser `json:"user"`
	Issue        struct {
		ID     flexString                 `json:"id"`
		Key    string                     `json:"key"`
		Fields map[string]json.RawMessage `json:"fields"`
	} `json:"issue"`
	Changelog *struct {
		ID    flexString `json:"id"`
		Items []struct {
			Field      string `json:"field"`
			FieldID    string `json:"fieldId"`
			To         string `json:"to"`
			ToString   string `json:"toString"`
			FromString string `json:"fromString"`
		} `json:"items"`
	} `json:"changelog"`
	Comment *struct {
		ID        flexString `json:"id"`
		Author    jiraUser   `json:"author"`
		Created   string     `json:"created"`
		JsdPublic *bool      `json:"jsdPublic"`
	} `json:"comment"`
}

type jiraFields struct {
	Summary  string `json:"summary"`
	Created  string `json:"created"`
	Priority *struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	} `json:"priority"`
	Status *struct {
		Name           string `json:"name"`
		StatusCategory struct {
			Key string `json:"key"`
		} `json:"statusCategory"`
	} `json:"status"`
	Reporter *jiraUser `json:"reporter"`
}

func parseJira(m *Mapping, h http.Header, body []byte) ([]Update, error) {
	var p jiraHook
	if err := decode("Jira", body, &p); err != nil {
		return nil, err
	}
	var f jiraFields
	if raw, err := json.Marshal(p.Issue.Fields); err == nil {
		if err := decode("Jira", raw, &f); err != nil {
			return nil, err
		}
	}
	created, err := parseTime("issue.fields.created", f.Created, jiraLayouts...)
	if err != nil {
		return nil, err
	}
	at := time.UnixMilli(p.Timestamp).UTC()
	if p.Timestamp == 0 {
		at = created
	} else if at.Year() < 1970 || at.Year() > 9999 {
		return nil, &sla.InputError{Field: "timestamp", Msg: fmt.Sprintf("want milliseconds since 1970, got %d", p.Timestamp)}
	}
	u := Update{Ticket: cmp.Or(p.Issue.Key, string(p.Issue.ID)), Subject: f.Summary, Created: created, At: at,
		Delivery: cmp.Or(h.Get("X-Atlassian-Webhook-Identifier"), strconv.FormatInt(p.Timestamp, 10))}
	if f.Reporter != nil {
		u.Requester = f.Reporter.EmailAddress
	}
	field := cmp.Or(m.OrganizationField, "customfield_10002")
	if raw, ok := p.Issue.Fields[field]; ok {
		var orgs []struct {
			ID   flexString `json:"id"`
			Name string     `json:"name"`
		}
		if json.Unmarshal(raw, &orgs) == nil {
			for _, o := range orgs {
				u.Organizations = append(u.Organizations, nonEmpty(string(o.ID), o.Name)...)
			}
		}
	}
	statusDone := f.Status != nil && f.Status.StatusCategory.Key == "done"
	switch p.WebhookEvent {
	case "jira:issue_created":
		u.Creation, u.At = true, cmpTime(created, at)
		if f.Status != nil {
			u.Status, u.StatusDone = f.Status.Name, statusDone
		}
		if f.Priority != nil {
			u.Priority, u.PriorityID = f.Priority.Name, string(f.Priority.ID)
		}
	case "jira:issue_updated":
		if p.Changelog != nil {
			for _, it := range p.Changelog.Items {
				switch cmp.Or(it.FieldID, it.Field) {
				case "status":
					u.Status = it.ToString
					u.StatusDone = statusDone && f.Status != nil && f.Status.Name == it.ToString
				case "priority":
					u.Priority, u.PriorityID = it.ToString, it.To
				}
			}
		}
	case "comment_created":
	default:
		return nil, nil // comment_updated, deletions, …: nothing for the clocks
	}
	if c := p.Comment; c != nil && (p.WebhookEvent == "comment_created" || p.WebhookEvent == "jira:issue_updated") {
		when, err := parseTime("comment.created", c.Created, jiraLayouts...)
		if err != nil {
			return nil, err
		}
		cm := &Comment{ID: string(c.ID), At: when, Public: c.JsdPublic == nil || *c.JsdPublic, AuthorID: c.Author.AccountID}
		switch {
		case c.Author.AccountType == "customer":
			cm.Author = AuthorCustomer
		case c.Author.AccountType == "app":
			cm.Author = AuthorBot
		case f.Reporter != nil && f.Reporter.AccountID != "" && f.Reporter.AccountID == c.Author.AccountID:
			// The requester commenting on their own request.
			cm.Author = AuthorCustomer
		default:
			cm.Author = AuthorAgent
		}
		u.Comment = cm
	}
	return []Update{u}, nil
}

// zammadHook is Zammad's trigger webhook payload.
type zammadHook struct {
	Ticket struct {
		ID           flexString `json:"id"`
		Number       flexString `json:"number"`
		Title        string     `json:"title"`
		State        zammadName `json:"state"`
		Priority     zammadName `json:"priority"`
		CreatedAt    string     `json:"created_at"`
		UpdatedAt    string     `json:"updated_at"`
		Organization *struct {
			ID     flexString `json:"id"`
			Name   string     `json:"name"`
			Domain string     `json:"domain"`
		} `json:"organization"`
		Customer *struct {
			Email string `json:"email"`
		} `json:"customer"`
	} `json:"ticket"`
	Article *struct {
		ID        flexString `json:"id"`
		Sender    string     `json:"sender"`
		Internal  bool       `json:"internal"`
		CreatedAt string     `json:"created_at"`
		CreatedBy *struct {
			Email string `json:"email"`
			Login string `json:"login"`
		} `json:"created_by"`
	} `json:"article"`
}

// zammadName is a state or priority: a name, or an object with one.
type zammadName string

func (z *zammadName) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*z = zammadName(o.Name)
		return nil
	}
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*z = zammadName(s)
	return nil
}

func parseZammad(h http.Header, body []byte) ([]Update, error) {
	var p zammadHook
	if err := decode("Zammad", body, &p); err != nil {
		return nil, err
	}
	t := p.Ticket
	created, err := parseTime("ticket.created_at", t.CreatedAt, time.RFC3339Nano)
	if err != nil {
		return nil, err
	}
	updated, err := parseTime("ticket.updated_at", t.UpdatedAt, time.RFC3339Nano)
	if err != nil {
		return nil, err
	}
	if updated.IsZero() {
		updated = created
	}
	u := Update{Ticket: cmp.Or(string(t.Number), string(t.ID)), Subject: t.Title, Created: created,
		Creation: !created.IsZero() && !updated.After(created.Add(time.Minute)), At: updated,
		Delivery: cmp.Or(h.Get("X-Zammad-Delivery"), updated.Format("20060102T150405.000")),
		Status:   string(t.State), Priority: string(t.Priority)}
	if o := t.Organization; o != nil {
		u.Organizations = nonEmpty(string(o.ID), o.Domain, o.Name)
	}
	if t.Customer != nil {
		u.Requester = t.Customer.Email
	}
	if a := p.Article; a != nil && a.ID != "" {
		when, err := parseTime("article.created_at", a.CreatedAt, time.RFC3339Nano)
		if err != nil {
			return nil, err
		}
		c := &Comment{ID: string(a.ID), At: when, Public: !a.Internal}
		if a.CreatedBy != nil {
			c.AuthorID = cmp.Or(a.CreatedBy.Email, a.CreatedBy.Login)
		}
		switch strings.ToLower(a.Sender) {
		case "agent":
			c.Author = AuthorAgent
		case "customer":
			c.Author = AuthorCustomer
		default:
			c.Author = AuthorBot // "System"
		}
		u.Comment = c
	}
	return []Update{u}, nil
}

// genericHook is the generic JSON form (docs/helpdesks.md).
type genericHook struct {
	ID     string `json:"id"`
	At     string `json:"at"`
	Ticket struct {
		ID           flexString `json:"id"`
		CreatedAt    string     `json:"created_at"`
		Subject      string     `json:"subject"`
		Organization string     `json:"organization"`
		Requester    string     `json:"requester"`
		Priority     string     `json:"priority"`
		Status       string     `json:"status"`
	} `json:"ticket"`
	Comment *struct {
		ID     flexString `json:"id"`
		At     string     `json:"at"`
		Public *bool      `json:"public"`
		Author string     `json:"author"`
		By     string     `json:"by"`
	} `json:"comment"`
}

func parseGeneric(body []byte) ([]Update, error) {
	var items []json.RawMessage
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		if err := decode("generic", body, &items); err != nil {
			return nil, err
		}
	} else {
		items = []json.RawMessage{body}
	}
	var out []Update
	for i, raw := range items {
		var p genericHook
		if err := decode("generic", raw, &p); err != nil {
			return nil, prefixed(i, len(items), err)
		}
		created, err := parseTime("ticket.created_at", p.Ticket.CreatedAt, time.RFC3339Nano)
		if err != nil {
			return nil, prefixed(i, len(items), err)
		}
		at, err := parseTime("at", p.At, time.RFC3339Nano)
		if err != nil {
			return nil, prefixed(i, len(items), err)
		}
		if at.IsZero() {
			at = created
		}
		u := Update{Ticket: string(p.Ticket.ID), Subject: p.Ticket.Subject, Created: created, At: at, Delivery: p.ID,
			Creation: !created.IsZero() && at.Equal(created), Organizations: nonEmpty(p.Ticket.Organization),
			Requester: p.Ticket.Requester, Status: p.Ticket.Status, Priority: p.Ticket.Priority}
		if c := p.Comment; c != nil {
			when, err := parseTime("comment.at", c.At, time.RFC3339Nano)
			if err != nil {
				return nil, prefixed(i, len(items), err)
			}
			cm := &Comment{ID: string(c.ID), At: when, Public: c.Public == nil || *c.Public, AuthorID: c.By}
			switch c.Author {
			case AuthorAgent, AuthorCustomer, AuthorBot:
				cm.Author = c.Author
			default:
				return nil, prefixed(i, len(items), &sla.InputError{Field: "comment.author", Msg: fmt.Sprintf("want agent, customer or bot, got %q", c.Author)})
			}
			if cm.ID == "" {
				return nil, prefixed(i, len(items), &sla.InputError{Field: "comment.id", Msg: "required"})
			}
			u.Comment = cm
		}
		out = append(out, u)
	}
	return out, nil
}

// prefixed names the element of a list in err.
func prefixed(i, n int, err error) error {
	if n == 1 {
		return err
	}
	var ie *sla.InputError
	if errors.As(err, &ie) {
		return &sla.InputError{Field: fmt.Sprintf("[%d].%s", i, ie.Field), Msg: fmt.Sprintf("element %d: %s", i, ie.Msg)}
	}
	return fmt.Errorf("element %d: %w", i, err)
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// cmpTime is a unless it is zero, else b.
func cmpTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}
