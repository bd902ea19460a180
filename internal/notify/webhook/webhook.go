// Package webhook delivers notifications as Standard Webhooks
// (https://www.standardwebhooks.com): a JSON body {type, timestamp, data}
// signed with HMAC-SHA256 in the webhook-id, webhook-timestamp and
// webhook-signature headers.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/notify"
)

const secretPrefix = "whsec_"

// Notifier posts signed webhooks to one endpoint.
type Notifier struct {
	url    string
	key    []byte
	client *http.Client
	now    func() time.Time
}

var _ notify.Notifier = (*Notifier)(nil)

// New returns a notifier posting to url, signing with secret
// ("whsec_<base64>"). now stamps webhook-timestamp; client may be nil.
func New(url, secret string, client *http.Client, now func() time.Time) (*Notifier, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &Notifier{url: url, key: key, client: client, now: now}, nil
}

// Name returns "webhook".
func (n *Notifier) Name() string { return "webhook" }

type payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// Send posts m once. The body's timestamp is when the event happened
// (m.At); the signed webhook-timestamp is when it was sent.
func (n *Notifier) Send(ctx context.Context, m notify.Message) error {
	if m.ID == "" {
		return notify.Permanent(errors.New("webhook: message has no ID"))
	}
	body, err := json.Marshal(payload{Type: m.Event, Timestamp: m.At.UTC(), Data: m.Data})
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook: encode payload: %w", err))
	}
	ts := n.now().Unix()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("webhook-id", m.ID)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", "v1,"+sign(n.key, m.ID, ts, body))
	if err := notify.Post(ctx, n.client, n.url, h, body); err != nil {
		return fmt.Errorf("webhook %s: %w", m.ID, err)
	}
	return nil
}

func decodeSecret(secret string) ([]byte, error) {
	// Only the prefix is named in errors: the secret itself must never reach a log.
	raw, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return nil, errors.New("webhook secret: missing whsec_ prefix")
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, errors.New("webhook secret: not valid base64 after whsec_")
	}
	if len(key) == 0 {
		return nil, errors.New("webhook secret: empty")
	}
	return key, nil
}

func sign(key []byte, id string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, ts)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Errors returned by Verify, for receivers that want to tell them apart.
var (
	ErrMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrTimestamp      = errors.New("webhook: timestamp outside tolerance")
	ErrSignature      = errors.New("webhook: no matching signature")
)

// Verify checks a received webhook: the headers must carry a v1 signature
// of id.timestamp.body under secret, and the timestamp must be within
// tolerance of now in either direction, which bounds replays.
func Verify(secret string, headers http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := decodeSecret(secret)
	if err != nil {
		return err
	}
	id := headers.Get("webhook-id")
	tsText := headers.Get("webhook-timestamp")
	sigs := headers.Get("webhook-signature")
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not unix seconds", ErrTimestamp, tsText)
	}
	sent := time.Unix(ts, 0)
	if sent.Before(now.Add(-tolerance)) || sent.After(now.Add(tolerance)) {
		return fmt.Errorf("%w: sent %s, now %s", ErrTimestamp, sent.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	want := []byte(sign(key, id, ts, body))
	// Several space-separated signatures may be present during key rotation.
	for _, s := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		if hmac.Equal([]byte(sig), want) {
			return nil
		}
	}
	return ErrSignature
}
