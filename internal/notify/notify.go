// Package notify defines the one interface every notification channel meets,
// the message they carry, and delivery with retries. Each channel lives in
// its own sub-package (webhook, slack, pagerduty, email).
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"time"
)

// Message is one notification, independent of the channel that carries it.
type Message struct {
	// ID identifies the message; receivers use it to deduplicate deliveries.
	ID string
	// Event names what happened, e.g. "incident.updated" or "monitor.down".
	Event string
	// Subject is a one-line summary.
	Subject string
	// Text is the plain-text body.
	Text string
	// URL links to the incident, monitor or report the message is about.
	URL string
	// Data is a JSON-encodable payload for machine receivers.
	Data any
	// At is when the event happened.
	At time.Time
	// Severity is one of critical, error, warning or info (PagerDuty's set).
	Severity string
	// DedupKey groups a trigger with its later resolve.
	DedupKey string
	// Unsubscribe is a one-click unsubscribe URL (RFC 8058), if any.
	Unsubscribe string
}

// Notifier delivers messages over one channel.
type Notifier interface {
	// Name identifies the notifier in delivery logs.
	Name() string
	// Send delivers m once; it does not retry.
	Send(ctx context.Context, m Message) error
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying. It returns nil for a nil err.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked by
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// StatusError is a non-2xx answer from an HTTP receiver.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("status %d", e.Code)
	}
	return fmt.Sprintf("status %d: %s", e.Code, e.Body)
}

// CheckResponse returns nil for a 2xx response and otherwise a *StatusError,
// marked permanent for 4xx codes other than 408 and 429, since resending the
// same request cannot fix those. It reads at most a short prefix of the body.
func CheckResponse(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	err := &StatusError{Code: resp.StatusCode, Body: string(b)}
	if resp.StatusCode >= 400 && resp.StatusCode < 500 &&
		resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return Permanent(err)
	}
	return err
}

// Status extracts the HTTP status code from err, or 0 when there is none.
func Status(err error) int {
	var s *StatusError
	if errors.As(err, &s) {
		return s.Code
	}
	return 0
}

// Post sends body to url with the given headers and checks the answer with
// CheckResponse; a redirect is a failed answer. Transport errors are returned without the URL, because
// channel URLs (Slack's in particular) embed secrets and errors get logged.
func Post(ctx context.Context, client *http.Client, url string, header http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Permanent(errors.New("build request: invalid URL"))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if client == nil {
		client = http.DefaultClient
	}
	// A redirect is an answer, not followed: a receiver must not steer
	// the server's requests to another address (an internal one).
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		var uerr *neturl.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	defer io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	return CheckResponse(resp)
}
