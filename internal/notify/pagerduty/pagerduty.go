// Package pagerduty delivers notifications as PagerDuty Events API v2
// events: a trigger, or a resolve for events that end an incident.
package pagerduty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/notify"
)

// DefaultURL is PagerDuty's Events API v2 endpoint.
const DefaultURL = "https://events.pagerduty.com/v2/enqueue"

// Notifier sends events to one PagerDuty service integration.
type Notifier struct {
	url        string
	routingKey string
	source     string
	client     *http.Client
}

var _ notify.Notifier = (*Notifier)(nil)

// New returns a notifier for routingKey (the integration key, a secret).
// url defaults to DefaultURL when empty; source names the affected system
// in the payload; client may be nil.
func New(url, routingKey, source string, client *http.Client) *Notifier {
	if url == "" {
		url = DefaultURL
	}
	if source == "" {
		source = "slakeeper"
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &Notifier{url: url, routingKey: routingKey, source: source, client: client}
}

// Name returns "pagerduty".
func (n *Notifier) Name() string { return "pagerduty" }

// Event is the Events API v2 request body.
type Event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"`
	DedupKey    string   `json:"dedup_key,omitempty"`
	Payload     *Payload `json:"payload,omitempty"`
	Links       []Link   `json:"links,omitempty"`
}

// Payload describes the alert of a trigger event.
type Payload struct {
	Summary       string `json:"summary"`
	Source        string `json:"source"`
	Severity      string `json:"severity"`
	Timestamp     string `json:"timestamp,omitempty"`
	CustomDetails any    `json:"custom_details,omitempty"`
}

// Link is a link shown on the PagerDuty incident.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Action returns "resolve" for events ending in ".resolved" or ".up" and
// "trigger" for all others.
func Action(event string) string {
	if strings.HasSuffix(event, ".resolved") || strings.HasSuffix(event, ".up") {
		return "resolve"
	}
	return "trigger"
}

// Build returns the event sent for m.
func (n *Notifier) Build(m notify.Message) Event {
	e := Event{RoutingKey: n.routingKey, EventAction: Action(m.Event), DedupKey: m.DedupKey}
	if e.DedupKey == "" {
		e.DedupKey = m.ID
	}
	sev := m.Severity
	switch sev {
	case "critical", "error", "warning", "info":
	default:
		sev = "error"
	}
	summary := m.Subject
	if summary == "" {
		summary = m.Event
	}
	if r := []rune(summary); len(r) > 1024 { // PagerDuty's limit
		summary = string(r[:1024])
	}
	e.Payload = &Payload{Summary: summary, Source: n.source, Severity: sev, CustomDetails: m.Data}
	if !m.At.IsZero() {
		e.Payload.Timestamp = m.At.UTC().Format(time.RFC3339)
	}
	if m.URL != "" {
		e.Links = []Link{{Href: m.URL, Text: "slakeeper"}}
	}
	return e
}

// Send posts m once.
func (n *Notifier) Send(ctx context.Context, m notify.Message) error {
	if n.routingKey == "" {
		return notify.Permanent(errors.New("pagerduty: no routing key"))
	}
	body, err := json.Marshal(n.Build(m))
	if err != nil {
		return notify.Permanent(fmt.Errorf("pagerduty: encode event: %w", err))
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if err := notify.Post(ctx, n.client, n.url, h, body); err != nil {
		return fmt.Errorf("pagerduty %s: %w", m.ID, err)
	}
	return nil
}
