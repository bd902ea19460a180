// Package public is the server's public surface: the status page with
// its incident, day and history pages, the RSS and Atom feeds, and the
// subscription pages (the form, the opt-in link, the unsubscribe link).
// Nobody signs in here. The pages are rendered by internal/statuspage and
// served from a snapshot re-rendered only when the evidence changes.
package public

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/statuspage"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Store is what the pages read: the facts, and when each monitor's
// stored results begin.
type Store interface {
	FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error)
	FirstMinute(ctx context.Context, monitorID string, from time.Time) (first time.Time, ok bool, err error)
	// Minutes gives the response times of the charts the page draws.
	Minutes(ctx context.Context, monitorID string, from, to time.Time) ([]store.Minute, error)
	TakeToken(ctx context.Context, key string, burst float64, every time.Duration, now time.Time) (bool, error)
	CountUnconfirmed(ctx context.Context) (int, error)
}

var _ Store = (store.Store)(nil)

// Subscriptions are the email subscriptions the pages take and end
// (outbox.Service).
type Subscriptions interface {
	Subscribe(ctx context.Context, addr string, comps []string, base string) error
	CheckLinkToken(ctx context.Context, purpose, tok string) (id string, ok bool, err error)
	Subscriber(ctx context.Context, id string) (store.Subscriber, error)
	Confirm(ctx context.Context, sub store.Subscriber) (store.Subscriber, error)
	Unsubscribe(ctx context.Context, id string, oneClick bool) error
}

// Options are the public surface's dependencies.
type Options struct {
	Store         Store
	Config        func() *config.Config
	Now           func() time.Time
	Logger        *slog.Logger
	Subscriptions Subscriptions
	// ClientIP is the address a request came from (auth.Auth.ClientIP),
	// for the limits of the subscription form.
	ClientIP func(*http.Request) string
}

type handler struct {
	store    Store
	cfg      func() *config.Config
	now      func() time.Time
	log      *slog.Logger
	subs     Subscriptions
	clientIP func(*http.Request) string

	page  *pageState
	forms *statuspage.Subscriber
	// limiter limits subscription requests per client address (in
	// memory); the confirmation mails to one address are limited in the
	// store (addressKey), so a restart does not reset them.
	limiter *rateLimiter
}

// Mount registers the public routes on mux. The templates are parsed
// here, so that a broken one stops the start.
func Mount(mux *http.ServeMux, o Options) error {
	h := &handler{store: o.Store, cfg: o.Config, now: o.Now, log: o.Logger, subs: o.Subscriptions, clientIP: o.ClientIP,
		// Five subscription requests at once, then one a minute.
		limiter: newRateLimiter(5, time.Minute)}
	r, err := statuspage.New()
	if err != nil {
		return fmt.Errorf("status page templates: %w", err)
	}
	h.page = &pageState{h: h, r: r}
	if h.forms, err = statuspage.NewSubscriber(); err != nil {
		return fmt.Errorf("subscription page templates: %w", err)
	}

	// Public: the status page, its incidents, history and feeds, and its
	// style sheet.
	mux.Handle("GET /{$}", h.handleStatusPage())
	mux.Handle("GET /feed.rss", h.handleFeed("rss"))
	mux.Handle("GET /feed.atom", h.handleFeed("atom"))
	mux.Handle("GET /incidents/{id}", h.handleIncidentPage())
	mux.Handle("GET /history", h.handleHistory())
	mux.Handle("GET /history/{date}", h.handleDayPage())
	mux.Handle("GET /static/", statuspage.Static())

	// Public: the subscription form and the links of the mails. Tokens
	// in the links are HMACs: only the server can make them.
	mux.Handle("GET /subscribe", h.handleSubscribeForm())
	mux.Handle("POST /subscribe", h.handleSubscribe())
	// The link of the opt-in mail shows a button; the button confirms. A
	// mail scanner that follows every link does not confirm for a person.
	mux.Handle("GET /subscribe/confirm/{token}", h.handleConfirm(false))
	mux.Handle("POST /subscribe/confirm/{token}", h.handleConfirm(true))
	mux.Handle("GET /unsubscribe/{token}", h.handleUnsubscribe(false))
	// RFC 8058 one-click unsubscribe, posted by mail clients.
	mux.Handle("POST /unsubscribe/{token}", h.handleUnsubscribe(true))
	return nil
}
