// Package slack delivers notifications to a Slack incoming webhook.
package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/slakeeper/slakeeper/internal/notify"
)

// Notifier posts to one Slack incoming webhook. The webhook URL is a
// secret: it is never put in errors or logs.
type Notifier struct {
	url    string
	blocks bool
	client *http.Client
}

var _ notify.Notifier = (*Notifier)(nil)

// New returns a notifier for the incoming webhook url. With blocks set the
// message also carries Block Kit blocks; text stays as the notification
// fallback. client may be nil.
func New(url string, blocks bool, client *http.Client) *Notifier {
	if client == nil {
		client = http.DefaultClient
	}
	return &Notifier{url: url, blocks: blocks, client: client}
}

// Name returns "slack".
func (n *Notifier) Name() string { return "slack" }

// Payload is the JSON body of an incoming webhook.
type Payload struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks,omitempty"`
}

// Block is a Block Kit block; only the kinds used here are modelled.
type Block struct {
	Type string `json:"type"`
	Text *Text  `json:"text,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"` // plain_text or mrkdwn
	Text string `json:"text"`
}

// Build returns the payload sent for m.
func (n *Notifier) Build(m notify.Message) Payload {
	var b strings.Builder
	b.WriteString("*" + escape(m.Subject) + "*")
	if m.Text != "" {
		b.WriteString("\n" + escape(m.Text))
	}
	if m.URL != "" {
		b.WriteString("\n<" + m.URL + ">")
	}
	p := Payload{Text: b.String()}
	if !n.blocks {
		return p
	}
	p.Blocks = append(p.Blocks, Block{Type: "header", Text: &Text{Type: "plain_text", Text: truncate(m.Subject, 150)}})
	if m.Text != "" {
		p.Blocks = append(p.Blocks, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: truncate(escape(m.Text), 3000)}})
	}
	if m.URL != "" {
		p.Blocks = append(p.Blocks, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: "<" + m.URL + "|Open in slakeeper>"}})
	}
	return p
}

// Send posts m once.
func (n *Notifier) Send(ctx context.Context, m notify.Message) error {
	body, err := json.Marshal(n.Build(m))
	if err != nil {
		return notify.Permanent(fmt.Errorf("slack: encode payload: %w", err))
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if err := notify.Post(ctx, n.client, n.url, h, body); err != nil {
		return fmt.Errorf("slack %s: %w", m.ID, err)
	}
	return nil
}

// escape applies Slack's mrkdwn escaping so user text cannot form links or
// mentions.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
