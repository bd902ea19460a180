package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A spray of distinct keys (addresses, client addresses) must not grow the
// subscription limiter without bound, nor let the spray through once the
// limiter is full; keys that have refilled are forgotten later.
func TestRateLimiterBounded(t *testing.T) {
	l := newRateLimiter(5, time.Minute)
	now := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	allowed := 0
	for i := range 3 * maxBuckets {
		if l.allow(fmt.Sprintf("to:victim-%d@example.org", i), now) {
			allowed++
		}
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("after %d distinct keys: %d buckets, want at most %d", 3*maxBuckets, n, maxBuckets)
	}
	if allowed > maxBuckets {
		t.Errorf("a full limiter let %d of %d new keys through, want at most %d", allowed, 3*maxBuckets, maxBuckets)
	}
	// A key already tracked is still limited.
	for range 10 {
		l.allow("to:victim-0@example.org", now)
	}
	if l.allow("to:victim-0@example.org", now) {
		t.Error("a tracked key was allowed beyond its burst")
	}
	// Once the buckets have refilled they are forgotten, and new keys
	// are let through again.
	later := now.Add(6 * time.Minute)
	if !l.allow("to:someone-new@example.org", later) {
		t.Error("a new key was refused after every bucket refilled")
	}
	if n := len(l.buckets); n > 10 {
		t.Errorf("after the buckets refilled: %d buckets kept, want them pruned", n)
	}
}

// The addresses of one IPv6 /64 are one client: its owner has 2^64 of them.
func TestLimitAddrGroupsIPv6(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::7", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"192.0.2.1", "192.0.2.2", false},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.2", false},
	} {
		if got := limitAddr(tt.a) == limitAddr(tt.b); got != tt.same {
			t.Errorf("limitAddr(%s) == limitAddr(%s): got %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

// Failed sign-ins from many addresses of one /64 share its limit.
func TestSignInLimitPerIPv6Network(t *testing.T) {
	e := newIncidentEnv(t)
	s := e.server
	for i := range maxFailsPerIP {
		if err := s.checkPassword(context.Background(), s.Config(), fmt.Sprintf("guess-%d", i), "wrong", fmt.Sprintf("2001:db8:1:2::%x", i+1)); err != errBadCredentials {
			t.Fatalf("failure %d: got %v, want errBadCredentials", i+1, err)
		}
	}
	if err := s.checkPassword(context.Background(), s.Config(), "alice", testAlicePassword, "2001:db8:1:2:abcd::1"); err != errSignInLimited {
		t.Errorf("another address of the /64 after %d failures: got %v, want errSignInLimited", maxFailsPerIP, err)
	}
	if err := s.checkPassword(context.Background(), s.Config(), "alice", testAlicePassword, "2001:db8:9::1"); err != nil {
		t.Errorf("another network: got %v, want nil", err)
	}
}

// A Slack incoming webhook's URL is its credential, and a webhook URL may
// carry one: a viewer sees where subscribers are, never the whole URL.
func TestViewerSeesNoSubscriberURLSecrets(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP, nil)
	const slackURL = "https://hooks.slack.com/services/T0001/B0002/SlackSecretPart"
	const hookURL = "https://hooks.example.com/in/HookSecretPart?token=QuerySecretPart"
	for _, b := range []string{`{"kind": "slack", "url": "` + slackURL + `"}`, `{"kind": "webhook", "url": "` + hookURL + `"}`} {
		e.call("POST", "/api/v1/subscribers", testOpsToken, b, http.StatusCreated, nil)
	}
	var list struct{ Subscribers []subscriberWire }
	e.call("GET", "/api/v1/subscribers", testViewerToken, "", http.StatusOK, &list)
	if len(list.Subscribers) != 2 {
		t.Fatalf("viewer: got %+v, want 2 subscribers", list.Subscribers)
	}
	for _, sub := range list.Subscribers {
		for _, secret := range []string{"SlackSecretPart", "HookSecretPart", "QuerySecretPart"} {
			if strings.Contains(sub.Address, secret) {
				t.Errorf("viewer sees %s's address %q", sub.Kind, sub.Address)
			}
		}
		if !strings.HasPrefix(sub.Address, "https://hooks.") {
			t.Errorf("viewer: %s's address %q does not say where it goes", sub.Kind, sub.Address)
		}
	}
	// Operators manage them and see them whole.
	e.call("GET", "/api/v1/subscribers", testOpsToken, "", http.StatusOK, &list)
	if got := []string{list.Subscribers[0].Address, list.Subscribers[1].Address}; !slices.Contains(got, slackURL) || !slices.Contains(got, hookURL) {
		t.Errorf("operator: got addresses %q, want them whole", got)
	}
}

// Operator pages may not be framed by another site (clickjacking a form),
// sniffed into another type, or leak their address in Referer; their
// policy admits only this server's style sheet.
func TestOperatorPagesSecurityHeaders(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	pages := map[string]page{"sign-in page": b.get("/admin/signin"), "refused sign-in": b.signIn("alice", "wrong-password"),
		"unsigned form post": b.post("/admin/incidents", url.Values{"title": {"x"}})}
	if p := b.signIn("alice", testAlicePassword); p.code != http.StatusSeeOther {
		t.Fatalf("sign-in: got %d", p.code)
	}
	pages["dashboard"] = b.get("/admin")
	pages["subscribers"] = b.get("/admin/subscribers")
	for name, p := range pages {
		for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
			if got := p.header.Get(h); got != want {
				t.Errorf("%s (%d): %s is %q, want %q", name, p.code, h, got, want)
			}
		}
		csp := p.header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", name, csp, d)
			}
		}
	}
}

// The subscription pages act at a click (the form, the confirm and
// unsubscribe links): no other site may frame them.
func TestSubscriptionPagesNotFramed(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP, nil)
	for _, path := range []string{"/subscribe", "/unsubscribe/sub-x.AAAA", "/subscribe/confirm/sub-x.AAAA"} {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q, want DENY", path, got)
		}
		if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q, want frame-ancestors 'none'", path, got)
		}
	}
}

// publicReads are the GET routes anyone may call, and why.
var publicReads = map[string]string{
	"GET /healthz":                    "liveness, no data",
	"GET /readyz":                     "readiness, no data",
	"GET /metrics":                    "counters without customer data",
	"GET /{$}":                        "the public status page",
	"GET /feed.rss":                   "the public feed",
	"GET /feed.atom":                  "the public feed",
	"GET /incidents/{id}":             "a public incident page",
	"GET /history":                    "the public incident history",
	"GET /history/{date}":             "a public day page",
	"GET /static/":                    "the status page's style sheet",
	"GET /demo/{name}":                "demo endpoints, demo configuration only",
	"GET /subscribe":                  "the public subscription form",
	"GET /subscribe/confirm/{token}":  "the opt-in link (an HMAC token)",
	"GET /unsubscribe/{token}":        "the unsubscribe link (an HMAC token)",
	"GET /admin/signin":               "the sign-in form",
	"GET /admin/static/":              "the operator pages' style sheet",
	"GET /api/v1/heartbeat/{monitor}": "checks the monitor's own token (TestEveryWriteRouteNeedsCredentials)",
}

// Every other GET route answers nothing private without a credential:
// the API refuses (401/403), an operator page sends to sign in.
func TestEveryPrivateReadNeedsCredentials(t *testing.T) {
	e := newIncidentEnv(t)
	checked := 0
	for _, rt := range routes(t) {
		method, pattern, _ := strings.Cut(rt, " ")
		if method != "GET" || publicReads[rt] != "" {
			continue
		}
		path := strings.TrimSuffix(wildcardRE.ReplaceAllString(pattern, "x1"), "{$}")
		for _, cred := range []struct{ name, header, value string }{
			{"no credentials", "", ""},
			{"unknown token", "Authorization", "Bearer not-a-token-of-anyone-here"},
			{"forged session cookie", "Cookie", sessionCookie + "=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		} {
			b := e.browser()
			req, err := http.NewRequest(method, e.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cred.header != "" {
				req.Header.Set(cred.header, cred.value)
			}
			p := b.do(req)
			switch {
			case strings.HasPrefix(pattern, "/admin"):
				if p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/admin/signin?") {
					t.Errorf("%s with %s: got %d to %q, want 303 to sign in", path, cred.name, p.code, p.location)
				}
			case p.code != http.StatusUnauthorized && p.code != http.StatusForbidden:
				t.Errorf("%s with %s: got %d %.200s, want 401 or 403", path, cred.name, p.code, p.body)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("checked only %d private read routes", checked)
	}
}

// A form body beyond maxForm is refused unread, on the public forms and
// the operator's alike.
func TestOversizedFormsRefused(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP+`users:
  - {name: alice, password_hash: "`+testAliceHash(t)+`"}
`, nil)
	big := url.Values{"name": {"alice"}, "email": {"a@example.org"}, "pad": {strings.Repeat("x", maxForm)}}.Encode()
	for _, path := range []string{"/admin/signin", "/subscribe", "/admin/incidents"} {
		req, err := http.NewRequest("POST", e.url+path, strings.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusBadRequest
		if path == "/admin/incidents" {
			// Not signed in: refused before the body is read.
			want = http.StatusUnauthorized
		}
		if resp.StatusCode != want {
			t.Errorf("POST %s with %d bytes: got %d, want %d", path, len(big), resp.StatusCode, want)
		}
	}
	if subs, err := e.st.Subscribers(context.Background()); err != nil || len(subs) != 0 {
		t.Errorf("an oversized subscription form stored %d subscribers (%v)", len(subs), err)
	}
}

// Behind a reverse proxy every request comes from the proxy: the limits
// per address would be shared by everyone (20 bad passwords by anyone
// would lock every operator out). A configured trusted proxy's
// X-Forwarded-For names the client: its rightmost address not a proxy's,
// since a client may send any addresses of its own in front.
func TestClientAddressBehindTrustedProxy(t *testing.T) {
	e := newIncidentEnvWith(t, incidentTestConfig+"server: {trusted_proxies: [127.0.0.1, 10.0.0.0/8]}\n", incidentTestPolicy)
	plain := newIncidentEnv(t)
	for _, tt := range []struct {
		peer, xff string
		trusted   bool
		want      string
	}{
		{"127.0.0.1:4000", "203.0.113.9", true, "203.0.113.9"},
		{"127.0.0.1:4000", "198.51.100.1, 203.0.113.9", true, "203.0.113.9"},
		{"127.0.0.1:4000", "203.0.113.9, 10.1.2.3", true, "203.0.113.9"},
		{"127.0.0.1:4000", "", true, "127.0.0.1"},
		{"127.0.0.1:4000", "10.0.0.1, 10.1.2.3", true, "10.0.0.1"},
		{"127.0.0.1:4000", "not-an-address", true, "127.0.0.1"},
		{"192.0.2.7:4000", "203.0.113.9", true, "192.0.2.7"},
		{"127.0.0.1:4000", "203.0.113.9", false, "127.0.0.1"},
	} {
		r, err := http.NewRequest("GET", "/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.RemoteAddr = tt.peer
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		s := plain.server
		if tt.trusted {
			s = e.server
		}
		if got := s.clientIP(r); got != tt.want {
			t.Errorf("peer %s, X-Forwarded-For %q, proxies trusted %v: got %s, want %s", tt.peer, tt.xff, tt.trusted, got, tt.want)
		}
	}

	// End to end: an attacker's failures behind the proxy do not lock
	// out an operator coming through the same proxy.
	b := e.browser()
	signIn := func(from, name, password string) int {
		req, err := http.NewRequest("POST", e.url+"/admin/signin", strings.NewReader(url.Values{"name": {name}, "password": {password}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		return b.do(req).code
	}
	for i := range maxFailsPerIP {
		signIn("203.0.113.66", fmt.Sprintf("guess-%d", i), "wrong")
	}
	if code := signIn("203.0.113.66", "guess-x", "wrong"); code != http.StatusTooManyRequests {
		t.Errorf("the attacker after %d failures: got %d, want 429", maxFailsPerIP, code)
	}
	if code := signIn("198.51.100.20", "alice", testAlicePassword); code != http.StatusSeeOther {
		t.Errorf("an operator through the same proxy: got %d, want 303 (signed in)", code)
	}
}

// The limits hold under concurrency: sign-ins sent all at once from one
// address do not all get a password check before the first failure is
// counted.
func TestSignInLimitHoldsUnderConcurrency(t *testing.T) {
	e := newIncidentEnv(t)
	s := e.server
	const n = 3 * maxFailsPerIP
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			<-start
			errs <- s.checkPassword(context.Background(), s.Config(), fmt.Sprintf("guess-%d", i), "wrong", "192.0.2.50")
		}()
	}
	close(start)
	checked := 0
	for range n {
		switch err := <-errs; err {
		case errBadCredentials:
			checked++
		case errSignInLimited:
		default:
			t.Errorf("got %v", err)
		}
	}
	if checked > maxFailsPerIP {
		t.Errorf("%d concurrent sign-ins from one address: %d passwords checked, want at most %d", n, checked, maxFailsPerIP)
	}
}

// Anyone can type an address into the public form: it must not change
// what a confirmed subscriber receives (an attacker narrowing someone's
// components to silence the incidents they care about).
func TestFormDoesNotChangeAConfirmedSubscription(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP, nil)
	ctx := context.Background()
	const addr = "ops@example.org"
	if code, _ := e.page("POST", "/subscribe", url.Values{"email": {addr}, "components": {"api", "web"}}); code != http.StatusOK {
		t.Fatalf("subscribe: got %d", code)
	}
	sub, err := e.st.SubscriberByAddress(ctx, "email", addr)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.s.linkToken(ctx, purposeConfirm, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.page("POST", "/subscribe/confirm/"+tok, nil); code != http.StatusOK {
		t.Fatalf("confirm: got %d", code)
	}
	if code, _ := e.page("POST", "/subscribe", url.Values{"email": {addr}, "components": {"web"}}); code != http.StatusOK {
		t.Fatalf("subscribe again: got %d, want the same answer as ever", code)
	}
	got, err := e.st.SubscriberByAddress(ctx, "email", addr)
	if err != nil || len(got.Components) != 0 || got.ConfirmedAt.IsZero() {
		t.Errorf("after the form again: got %+v (%v), want the confirmed subscription to every component unchanged", got, err)
	}
}

// The form mails the address typed into it: one address gets a few
// confirmation mails at once, then one an hour, not one a minute.
func TestConfirmationMailsToOneAddressLimited(t *testing.T) {
	l := newAddressLimiter()
	now := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	sent := 0
	for m := range 60 {
		if l.allow("to:victim@example.org", now.Add(time.Duration(m)*time.Minute)) {
			sent++
		}
	}
	if sent > 4 {
		t.Errorf("an hour of requests, one a minute: %d confirmation mails, want at most 4", sent)
	}
	if !l.allow("to:victim@example.org", now.Add(2*time.Hour)) {
		t.Error("two hours later: refused, want allowed")
	}
}

// Password checks take turns beyond half the processors: a flood of
// sign-ins cannot take all of them from the status page.
func TestPasswordChecksBounded(t *testing.T) {
	e := newIncidentEnv(t)
	s := e.server
	for range cap(s.auth.slots) {
		s.auth.slots <- struct{}{}
	}
	done := make(chan error, 1)
	go func() {
		done <- s.checkPassword(context.Background(), s.Config(), "alice", testAlicePassword, "192.0.2.1")
	}()
	select {
	case err := <-done:
		t.Fatalf("with every slot taken, a password check ran (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	<-s.auth.slots
	if err := <-done; err != nil {
		t.Errorf("after a slot freed: got %v, want signed in", err)
	}
	// A sign-in whose client went away while it waited is not checked.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.auth.slots <- struct{}{}
	if err := s.checkPassword(ctx, s.Config(), "alice", testAlicePassword, "192.0.2.1"); err == nil {
		t.Error("a cancelled sign-in with every slot taken: got signed in, want an error")
	}
}
