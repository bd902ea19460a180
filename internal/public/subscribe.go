package public

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/statuspage"
	"github.com/slakeeper/slakeeper/internal/web"
)

// The public subscription pages: a form (email and components), the
// confirmation link of the double opt-in, and the unsubscribe link that
// every mail carries. They answer the same whatever an address's history,
// so that the form tells nobody who is subscribed.

// site is the status page's branding for the subscription pages.
func (h *handler) site() *statuspage.Site {
	sp := h.cfg().StatusPage
	loc := sp.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	site := &statuspage.Site{Title: sp.Title, LogoURL: sp.LogoURL, Brand: sp.Brand, BrandDark: sp.BrandDark,
		TimeZone: loc.String(), GeneratedAt: h.now().In(loc)}
	for _, l := range sp.Links {
		site.Links = append(site.Links, statuspage.Link{Label: l.Label, URL: l.URL})
	}
	return site
}

// renderPage writes a rendered page with code, never cached: the pages
// are per request and cheap.
func (h *handler) renderPage(w http.ResponseWriter, r *http.Request, code int, render func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		h.log.Error("render a subscription page", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	// The form and the links act at a click: no other site frames them.
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "frame-ancestors 'none'")
	// The links carry tokens: keep them out of Referer headers.
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

func (h *handler) done(w http.ResponseWriter, r *http.Request, code int, heading string, paras ...string) {
	h.renderPage(w, r, code, func(b *bytes.Buffer) error {
		return h.forms.Done(b, statuspage.SubscribeDone{Site: h.site(), Heading: heading, Paragraphs: paras})
	})
}

// form renders the subscription form with the address and the checked
// components (nil: all) and the errors to show.
func (h *handler) form(w http.ResponseWriter, r *http.Request, code int, email string, checked []string, field string, errs ...string) {
	v := statuspage.SubscribeForm{Site: h.site(), Email: email, Errors: errs, Field: field}
	for _, c := range h.cfg().Components {
		v.Components = append(v.Components, statuspage.SubscribeChoice{ID: c.ID, Name: c.Name, Group: c.Group,
			Checked: checked == nil || slices.Contains(checked, c.ID)})
	}
	h.renderPage(w, r, code, func(b *bytes.Buffer) error { return h.forms.Form(b, v) })
}

// noEmail answers the subscription routes of a server without an SMTP
// server: the form would promise mail that can never be sent.
func (h *handler) noEmail(w http.ResponseWriter, r *http.Request, code int) bool {
	if h.cfg().Email != nil {
		return false
	}
	h.done(w, r, code, "Email updates are not available",
		"This status page does not send email. Follow the Atom feed (/feed.atom) or the RSS feed (/feed.rss) in a feed reader instead.")
	return true
}

func (h *handler) handleSubscribeForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.cfg().Email == nil {
			// "Subscribe to updates" still leads somewhere that works:
			// the feeds.
			h.renderPage(w, r, http.StatusOK, func(b *bytes.Buffer) error {
				return h.forms.Form(b, statuspage.SubscribeForm{Site: h.site(), NoEmail: true})
			})
			return
		}
		h.form(w, r, http.StatusOK, "", nil, "")
	})
}

func (h *handler) handleSubscribe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.noEmail(w, r, http.StatusNotFound) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, web.MaxForm)
		if err := r.ParseForm(); err != nil {
			h.form(w, r, http.StatusBadRequest, "", nil, "", "The form could not be read; please try again.")
			return
		}
		raw := r.PostForm.Get("email")
		chosen := r.PostForm["components"]
		if chosen == nil {
			chosen = []string{}
		}
		addr, err := outbox.CheckEmail("email", raw)
		if err != nil {
			var in *sla.InputError
			errors.As(err, &in)
			h.form(w, r, http.StatusBadRequest, raw, chosen, "email", in.Msg+".")
			return
		}
		comps := h.cfg().Components
		var picked []string
		for _, c := range comps {
			if slices.Contains(chosen, c.ID) {
				picked = append(picked, c.ID)
			}
		}
		if len(picked) < len(chosen) {
			h.form(w, r, http.StatusBadRequest, raw, chosen, "components", "Choose among the components listed.")
			return
		}
		if len(comps) > 0 && len(picked) == 0 {
			h.form(w, r, http.StatusBadRequest, raw, chosen, "components", "Choose at least one component.")
			return
		}
		if len(picked) == len(comps) {
			// Every component: also the ones added later.
			picked = nil
		}
		now := h.now()
		// Both the sender and the address are limited: one client cannot
		// flood, and many clients cannot flood one address, however they
		// write it (addressKey).
		allowed := h.limiter.allow("ip:"+auth.LimitAddr(h.clientIP(r)), now)
		if allowed {
			var err error
			if allowed, err = h.store.TakeToken(r.Context(), "subscribe-to:"+addressKey(addr), addressBurst, addressEvery, now); err != nil {
				h.log.Error("subscribe: rate limit", "err", err)
				h.form(w, r, http.StatusInternalServerError, raw, chosen, "", "Something went wrong on our side; please try again later.")
				return
			}
		}
		if !allowed {
			w.Header().Set("Retry-After", "60")
			h.form(w, r, http.StatusTooManyRequests, raw, chosen, "", "Too many subscription requests; please wait a minute and try again.")
			return
		}
		// An overall cap: a spray of addresses cannot fill the store with
		// subscriptions nobody confirms.
		if n, err := h.store.CountUnconfirmed(r.Context()); err != nil || n >= MaxUnconfirmed {
			if err != nil {
				h.log.Error("subscribe: count pending", "err", err)
			} else {
				h.log.Warn("subscribe: too many unconfirmed subscriptions; new ones refused", "pending", n)
			}
			w.Header().Set("Retry-After", "3600")
			h.form(w, r, http.StatusServiceUnavailable, raw, chosen, "", "Subscriptions are paused for a while; please try again later.")
			return
		}
		if err := h.subs.Subscribe(r.Context(), addr, picked, web.PublicURL(h.cfg().Server.PublicURL, r)); err != nil {
			h.log.Error("subscribe", "err", err)
			h.form(w, r, http.StatusInternalServerError, raw, chosen, "", "Something went wrong on our side; please try again later.")
			return
		}
		h.done(w, r, http.StatusOK, "Check your inbox",
			"If "+addr+" can receive updates, a message asking you to confirm is on its way. Open the link in it to start receiving updates.",
			"Nothing arrives? Check your spam folder, or subscribe again in a few minutes.")
	})
}

// handleConfirm confirms the subscription of the link (post), or shows
// the button that does (a GET of a pending one): links in mail are
// fetched by scanners, and a fetch must not confirm for the person.
func (h *handler) handleConfirm(post bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, ok, err := h.subs.CheckLinkToken(ctx, outbox.PurposeConfirm, r.PathValue("token"))
		if err != nil {
			h.log.Error("confirm a subscription", "err", err)
			h.done(w, r, http.StatusInternalServerError, "Something went wrong", "Please try the link again later.")
			return
		}
		if !ok {
			h.done(w, r, http.StatusNotFound, "Link not valid", "This confirmation link is not valid. Copy the whole link from the mail, or subscribe again.")
			return
		}
		sub, err := h.subs.Subscriber(ctx, id)
		if errors.As(err, new(*sla.NotFoundError)) {
			h.done(w, r, http.StatusNotFound, "Subscription not found", "This subscription was cancelled. Subscribe again to receive updates.")
			return
		}
		if err == nil && sub.ConfirmedAt.IsZero() && !post {
			h.renderPage(w, r, http.StatusOK, func(b *bytes.Buffer) error {
				return h.forms.Done(b, statuspage.SubscribeDone{Site: h.site(), Heading: "Confirm your subscription",
					Paragraphs: []string{sub.Address + " will receive the status updates of " + h.site().Title + " once you confirm."},
					Action:     r.URL.Path, Button: "Confirm subscription"})
			})
			return
		}
		if err == nil {
			sub, err = h.subs.Confirm(ctx, sub)
		}
		if err != nil {
			h.log.Error("confirm a subscription", "id", id, "err", err)
			h.done(w, r, http.StatusInternalServerError, "Something went wrong", "Please try the link again later.")
			return
		}
		h.done(w, r, http.StatusOK, "Subscription confirmed",
			sub.Address+" will now receive the status updates of "+h.site().Title+".",
			"Every message has a link to unsubscribe at once.")
	})
}

// handleUnsubscribe deletes the subscriber of the link at once. oneClick
// is the RFC 8058 POST a mail client sends for List-Unsubscribe-Post; it
// gets a short answer and no page.
func (h *handler) handleUnsubscribe(oneClick bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, ok, err := h.subs.CheckLinkToken(ctx, outbox.PurposeUnsubscribe, r.PathValue("token"))
		if err == nil && ok {
			// Already gone is not an error: unsubscribing twice is fine.
			err = h.subs.Unsubscribe(ctx, id, oneClick)
		}
		switch {
		case err != nil:
			h.log.Error("unsubscribe", "err", err)
			if oneClick {
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			h.done(w, r, http.StatusInternalServerError, "Something went wrong", "Please try the link again later.")
		case !ok && oneClick:
			http.Error(w, "unknown unsubscribe link", http.StatusNotFound)
		case !ok:
			h.done(w, r, http.StatusNotFound, "Link not valid", "This unsubscribe link is not valid. Copy the whole link from the mail.")
		case oneClick:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("unsubscribed\n"))
		default:
			h.done(w, r, http.StatusOK, "You are unsubscribed", "You will receive no more status updates from "+h.site().Title+".",
				"Changed your mind? You can subscribe again at any time.")
		}
	})
}

// rateLimiter is a token bucket per key (a client address, an email
// address) held in memory: enough to keep the public form from being a
// way to mail-bomb someone, without a table.
type rateLimiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration
	buckets map[string]*bucket
	// pruned is when the buckets were last swept for refilled ones.
	pruned time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory under a spray of distinct
// addresses; pruneEvery bounds the time spent sweeping a full one.
const (
	maxBuckets = 10_000
	pruneEvery = time.Second
)

// The subscription requests for one email address, each of which mails
// it: three at once, then one an hour, so the form cannot be used to send
// anyone more than a few dozen mails a day.
const (
	addressBurst = 3
	addressEvery = time.Hour
)

// MaxUnconfirmed caps the subscriptions waiting for their confirmation
// (a variable so that a test can lower it).
var MaxUnconfirmed = 10_000

// addressKey is the mailbox an address reaches, for its limit: lower
// case, without a +tag (victim+1@ and victim+2@ are victim@).
func addressKey(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	if base, _, tagged := strings.Cut(local, "+"); tagged && base != "" {
		local = base
	}
	return local + "@" + domain
}

// newRateLimiter allows burst requests at once and one more every every.
func newRateLimiter(burst int, every time.Duration) *rateLimiter {
	return &rateLimiter{burst: float64(burst), every: every, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket, reporting whether there was one.
func (l *rateLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets && now.Sub(l.pruned) >= pruneEvery {
			// Forget the buckets that have refilled: a new bucket is
			// full anyway.
			l.pruned = now
			for k, b := range l.buckets {
				if b.tokens+float64(now.Sub(b.at))/float64(l.every) >= l.burst {
					delete(l.buckets, k)
				}
			}
		}
		if len(l.buckets) >= maxBuckets {
			// Full of keys still limited: a new one is refused rather
			// than let through unlimited (that would reopen the flood).
			return false
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = min(l.burst, b.tokens+float64(el)/float64(l.every))
		b.at = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
