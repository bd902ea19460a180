package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/statuspage"
	"github.com/slakeeper/slakeeper/internal/store"
)

// The public subscription pages: a form (email and components), the
// confirmation link of the double opt-in, and the unsubscribe link that
// every mail carries. They answer the same whatever an address's history,
// so that the form tells nobody who is subscribed.

// site is the status page's branding for the subscription pages.
func (s *Server) site() *statuspage.Site {
	sp := s.Config().StatusPage
	loc := sp.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	site := &statuspage.Site{Title: sp.Title, LogoURL: sp.LogoURL, Brand: sp.Brand, BrandDark: sp.BrandDark,
		TimeZone: loc.String(), GeneratedAt: s.now().In(loc)}
	for _, l := range sp.Links {
		site.Links = append(site.Links, statuspage.Link{Label: l.Label, URL: l.URL})
	}
	return site
}

// renderPage writes a rendered page with code, never cached: the pages
// are per request and cheap.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, code int, render func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		s.log.Error("render a subscription page", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// The form and the links act at a click: no other site frames them.
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	// The links carry tokens: keep them out of Referer headers.
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

func (s *Server) done(w http.ResponseWriter, r *http.Request, code int, heading string, paras ...string) {
	s.renderPage(w, r, code, func(b *bytes.Buffer) error {
		return s.notifier().pages.Done(b, statuspage.SubscribeDone{Site: s.site(), Heading: heading, Paragraphs: paras})
	})
}

// form renders the subscription form with the address and the checked
// components (nil: all) and the errors to show.
func (s *Server) form(w http.ResponseWriter, r *http.Request, code int, email string, checked []string, field string, errs ...string) {
	v := statuspage.SubscribeForm{Site: s.site(), Email: email, Errors: errs, Field: field}
	for _, c := range s.Config().Components {
		v.Components = append(v.Components, statuspage.SubscribeChoice{ID: c.ID, Name: c.Name, Group: c.Group,
			Checked: checked == nil || slices.Contains(checked, c.ID)})
	}
	s.renderPage(w, r, code, func(b *bytes.Buffer) error { return s.notifier().pages.Form(b, v) })
}

// noEmail answers the subscription routes of a server without an SMTP
// server: the form would promise mail that can never be sent.
func (s *Server) noEmail(w http.ResponseWriter, r *http.Request, code int) bool {
	if s.Config().Email != nil {
		return false
	}
	s.done(w, r, code, "Email updates are not available",
		"This status page does not send email. Follow the Atom feed (/feed.atom) or the RSS feed (/feed.rss) in a feed reader instead.")
	return true
}

func (s *Server) handleSubscribeForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noEmail(w, r, http.StatusOK) {
			return
		}
		s.form(w, r, http.StatusOK, "", nil, "")
	})
}

func (s *Server) handleSubscribe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noEmail(w, r, http.StatusNotFound) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			s.form(w, r, http.StatusBadRequest, "", nil, "", "The form could not be read; please try again.")
			return
		}
		raw := r.PostForm.Get("email")
		chosen := r.PostForm["components"]
		if chosen == nil {
			chosen = []string{}
		}
		addr, err := checkEmail("email", raw)
		if err != nil {
			var in *sla.InputError
			errors.As(err, &in)
			s.form(w, r, http.StatusBadRequest, raw, chosen, "email", in.Msg+".")
			return
		}
		comps := s.Config().Components
		var picked []string
		for _, c := range comps {
			if slices.Contains(chosen, c.ID) {
				picked = append(picked, c.ID)
			}
		}
		if len(picked) < len(chosen) {
			s.form(w, r, http.StatusBadRequest, raw, chosen, "components", "Choose among the components listed.")
			return
		}
		if len(comps) > 0 && len(picked) == 0 {
			s.form(w, r, http.StatusBadRequest, raw, chosen, "components", "Choose at least one component.")
			return
		}
		if len(picked) == len(comps) {
			// Every component: also the ones added later.
			picked = nil
		}
		now := s.now()
		n := s.notifier()
		// Both the sender and the address are limited: one client cannot
		// flood, and many clients cannot flood one address.
		if !n.limiter.allow("ip:"+limitAddr(s.clientIP(r)), now) || !n.toLimiter.allow("to:"+strings.ToLower(addr), now) {
			w.Header().Set("Retry-After", "60")
			s.form(w, r, http.StatusTooManyRequests, raw, chosen, "", "Too many subscription requests; please wait a minute and try again.")
			return
		}
		if err := s.subscribe(r.Context(), addr, picked, s.publicURL(r)); err != nil {
			s.log.Error("subscribe", "err", err)
			s.form(w, r, http.StatusInternalServerError, raw, chosen, "", "Something went wrong on our side; please try again later.")
			return
		}
		s.done(w, r, http.StatusOK, "Check your inbox",
			"If "+addr+" can receive updates, a message asking you to confirm is on its way. Open the link in it to start receiving updates.",
			"Nothing arrives? Check your spam folder, or subscribe again in a few minutes.")
	})
}

// subscribe creates or updates the email subscriber of addr. A new or
// still unconfirmed one gets a (new) confirmation mail, for its new choice
// of components. A confirmed one is left as it is: anyone can type an
// address into the form, so it must not change what someone receives (to
// change components, one unsubscribes and subscribes again).
func (s *Server) subscribe(ctx context.Context, addr string, comps []string, base string) error {
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

// handleConfirm confirms the subscription of the link (post), or shows
// the button that does (a GET of a pending one): links in mail are
// fetched by scanners, and a fetch must not confirm for the person.
func (s *Server) handleConfirm(post bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, ok, err := s.checkLinkToken(ctx, purposeConfirm, r.PathValue("token"))
		if err != nil {
			s.log.Error("confirm a subscription", "err", err)
			s.done(w, r, http.StatusInternalServerError, "Something went wrong", "Please try the link again later.")
			return
		}
		if !ok {
			s.done(w, r, http.StatusNotFound, "Link not valid", "This confirmation link is not valid. Copy the whole link from the mail, or subscribe again.")
			return
		}
		sub, err := s.store.Subscriber(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			s.done(w, r, http.StatusNotFound, "Subscription not found", "This subscription was cancelled. Subscribe again to receive updates.")
			return
		}
		if err == nil && sub.ConfirmedAt.IsZero() && !post {
			s.renderPage(w, r, http.StatusOK, func(b *bytes.Buffer) error {
				return s.notifier().pages.Done(b, statuspage.SubscribeDone{Site: s.site(), Heading: "Confirm your subscription",
					Paragraphs: []string{sub.Address + " will receive the status updates of " + s.site().Title + " once you confirm."},
					Action:     r.URL.Path, Button: "Confirm subscription"})
			})
			return
		}
		if err == nil && sub.ConfirmedAt.IsZero() {
			sub.ConfirmedAt = s.now().UTC().Truncate(time.Second)
			err = s.store.PutSubscriber(ctx, sub)
			if err == nil {
				s.log.Info("subscription confirmed", "id", sub.ID)
			}
		}
		if err != nil {
			s.log.Error("confirm a subscription", "id", id, "err", err)
			s.done(w, r, http.StatusInternalServerError, "Something went wrong", "Please try the link again later.")
			return
		}
		s.done(w, r, http.StatusOK, "Subscription confirmed",
			sub.Address+" will now receive the status updates of "+s.site().Title+".",
			"Every message has a link to unsubscribe at once.")
	})
}

// handleUnsubscribe deletes the subscriber of the link at once. oneClick
// is the RFC 8058 POST a mail client sends for List-Unsubscribe-Post; it
// gets a short answer and no page.
func (s *Server) handleUnsubscribe(oneClick bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, ok, err := s.checkLinkToken(ctx, purposeUnsubscribe, r.PathValue("token"))
		if err == nil && ok {
			err = s.store.DeleteSubscriber(ctx, id)
			if err == nil {
				s.log.Info("unsubscribed", "id", id, "one_click", oneClick)
			}
			if errors.Is(err, store.ErrNotFound) {
				// Already gone: unsubscribing twice is not an error.
				err = nil
			}
		}
		switch {
		case err != nil:
			s.log.Error("unsubscribe", "err", err)
			if oneClick {
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			s.done(w, r, http.StatusInternalServerError, "Something went wrong", "Please try the link again later.")
		case !ok && oneClick:
			http.Error(w, "unknown unsubscribe link", http.StatusNotFound)
		case !ok:
			s.done(w, r, http.StatusNotFound, "Link not valid", "This unsubscribe link is not valid. Copy the whole link from the mail.")
		case oneClick:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("unsubscribed\n"))
		default:
			s.done(w, r, http.StatusOK, "You are unsubscribed", "You will receive no more status updates from "+s.site().Title+".",
				"Changed your mind? You can subscribe again at any time.")
		}
	})
}

// Purposes of the subscription links' tokens: a confirmation link cannot
// be used to unsubscribe, nor the other way round.
const (
	purposeConfirm     = "confirm"
	purposeUnsubscribe = "unsubscribe"
)

// linkKey is the HMAC key of the subscription links, kept by the store so
// that links stay valid across restarts and servers.
func (s *Server) linkKey(ctx context.Context) ([]byte, error) {
	n := s.notifier()
	n.keyMu.Lock()
	defer n.keyMu.Unlock()
	if n.key == nil {
		k, err := s.store.Secret(ctx, "subscriptions")
		if err != nil {
			return nil, fmt.Errorf("subscription link key: %w", err)
		}
		n.key = k
	}
	return n.key, nil
}

// linkToken is "<subscriber id>.<base64url HMAC-SHA256(purpose, id)>":
// unforgeable without the key, and no table of tokens is needed.
func (s *Server) linkToken(ctx context.Context, purpose, id string) (string, error) {
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

// checkLinkToken returns the subscriber id of a valid token for purpose,
// or ok false.
func (s *Server) checkLinkToken(ctx context.Context, purpose, tok string) (id string, ok bool, err error) {
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

// checkEmail accepts a bare address (no display name) of at most 254
// bytes and returns it trimmed.
func checkEmail(field, v string) (string, error) {
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
func (s *Server) sendConfirmation(ctx context.Context, sub store.Subscriber, base string) error {
	now := s.now()
	p := outPayload{Kind: "confirm", Base: base, Site: s.siteTitle(),
		Event: eventWire{ID: sub.ID, Kind: eventConfirm, At: now.UTC(), Components: sub.Components}}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	ob := store.Outbound{ID: sub.ID + "/" + newID("confirm-"), Channel: "email", Recipient: sub.ID, Event: eventConfirm,
		Payload: body, CreatedAt: now, NextAt: now}
	if err := s.store.Enqueue(ctx, []store.Outbound{ob}); err != nil {
		return fmt.Errorf("queue the confirmation of %s: %w", sub.ID, err)
	}
	s.notifier().poke()
	return nil
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

// newAddressLimiter limits the subscription requests for one email
// address, each of which mails it: three at once, then one an hour, so
// the form cannot be used to send anyone more than a few dozen mails a
// day.
func newAddressLimiter() *rateLimiter { return newRateLimiter(3, time.Hour) }

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
