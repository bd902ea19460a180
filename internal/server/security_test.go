package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/api"
	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/public"
	"github.com/slakeeper/slakeeper/internal/web"
)

// Failed sign-ins from many addresses of one /64 share its limit.
func TestSignInLimitPerIPv6Network(t *testing.T) {
	e := newIncidentEnv(t)
	s := e.server
	for i := range auth.MaxFailsPerIP {
		if err := s.auth.CheckPassword(context.Background(), s.Config(), fmt.Sprintf("guess-%d", i), "wrong", fmt.Sprintf("2001:db8:1:2::%x", i+1)); err != auth.ErrBadCredentials {
			t.Fatalf("failure %d: got %v, want auth.ErrBadCredentials", i+1, err)
		}
	}
	if err := s.auth.CheckPassword(context.Background(), s.Config(), "alice", testAlicePassword, "2001:db8:1:2:abcd::1"); err != auth.ErrSignInLimited {
		t.Errorf("another address of the /64 after %d failures: got %v, want auth.ErrSignInLimited", auth.MaxFailsPerIP, err)
	}
	if err := s.auth.CheckPassword(context.Background(), s.Config(), "alice", testAlicePassword, "2001:db8:9::1"); err != nil {
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
	var list struct{ Subscribers []api.Subscriber }
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
	"GET /portal/signin":              "the portal's sign-in form",
	"GET /invite/{token}":             "the form of an invitation's link (the token is checked when used)",
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
			{"forged session cookie", "Cookie", auth.SessionCookie + "=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
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
			case strings.HasPrefix(pattern, "/admin"), strings.HasPrefix(pattern, "/portal"):
				signin := "/admin/signin?"
				if strings.HasPrefix(pattern, "/portal") {
					signin = "/portal/signin?"
				}
				if p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, signin) {
					t.Errorf("%s with %s: got %d to %q, want 303 to sign in (%s)", path, cred.name, p.code, p.location, signin)
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

// A form body beyond web.MaxForm is refused unread, on the public forms and
// the operator's alike.
func TestOversizedFormsRefused(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP+`users:
  - {name: alice, password_hash: "`+testAliceHash(t)+`"}
`, nil)
	big := url.Values{"name": {"alice"}, "email": {"a@example.org"}, "pad": {strings.Repeat("x", web.MaxForm)}}.Encode()
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
		// Its length is declared: refused before any of it is read, even
		// before the credentials are.
		want := http.StatusRequestEntityTooLarge
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
		if got := s.auth.ClientIP(r); got != tt.want {
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
	for i := range auth.MaxFailsPerIP {
		signIn("203.0.113.66", fmt.Sprintf("guess-%d", i), "wrong")
	}
	if code := signIn("203.0.113.66", "guess-x", "wrong"); code != http.StatusTooManyRequests {
		t.Errorf("the attacker after %d failures: got %d, want 429", auth.MaxFailsPerIP, code)
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
	const n = 3 * auth.MaxFailsPerIP
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			<-start
			errs <- s.auth.CheckPassword(context.Background(), s.Config(), fmt.Sprintf("guess-%d", i), "wrong", "192.0.2.50")
		}()
	}
	close(start)
	checked := 0
	for range n {
		switch err := <-errs; err {
		case auth.ErrBadCredentials:
			checked++
		case auth.ErrSignInLimited:
		default:
			t.Errorf("got %v", err)
		}
	}
	if checked > auth.MaxFailsPerIP {
		t.Errorf("%d concurrent sign-ins from one address: %d passwords checked, want at most %d", n, checked, auth.MaxFailsPerIP)
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
	tok, err := e.s.outbox.LinkToken(ctx, outbox.PurposeConfirm, sub.ID)
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

// An over-limit body is answered 413 before it is read: with
// "Expect: 100-continue" the client gets the answer, not a reset, and
// sends nothing; without it, the answer still comes.
func TestOverLimitBody(t *testing.T) {
	e := newIncidentEnv(t)
	for _, expect := range []bool{true, false} {
		body := bytes.Repeat([]byte("x"), 11<<20)
		req, err := http.NewRequest("POST", e.url+"/api/v1/incidents", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testOpsToken)
		req.Header.Set("Content-Type", "application/json")
		if expect {
			req.Header.Set("Expect", "100-continue")
		}
		c := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second}}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("expect %v: %v", expect, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "more than the 65536") {
			t.Errorf("expect %v: got %d %s", expect, resp.StatusCode, b)
		}
	}
	// Within its own limit, the evidence intake takes a larger body.
	if got := bodyLimit("/api/v1/facts"); got <= bodyLimit("/api/v1/incidents") {
		t.Errorf("the intake's limit %d", got)
	}
}

// A viewer reads a delivery log without the receiver's answer (it may
// hold the receiver's secrets) and subscribers' emails masked; the
// operator sees both.
func TestViewerSeesNoDeliveryBodies(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "internal token tok_ReceiverSecret rejected", http.StatusBadRequest)
	}))
	defer recv.Close()
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP, nil)
	var hook api.Subscriber
	e.call("POST", "/api/v1/subscribers", testOpsToken, `{"kind": "webhook", "url": "`+recv.URL+`/hook"}`, http.StatusCreated, &hook)
	if err := e.s.outbox.Publish(context.Background(), outbox.Event{ID: "inc-1/created", Kind: outbox.EventIncidentCreated, At: time.Now(), Title: "API down"}); err != nil {
		t.Fatal(err)
	}
	var log struct{ Deliveries []api.Delivery }
	eventually(t, "a failed delivery", func() bool {
		log.Deliveries = nil
		e.call("GET", "/api/v1/subscribers/"+hook.ID+"/deliveries", testOpsToken, "", http.StatusOK, &log)
		// Queued, it is not tried yet.
		return len(log.Deliveries) > 0 && log.Deliveries[0].State == ""
	})
	if !strings.Contains(log.Deliveries[0].Error, "tok_ReceiverSecret") {
		t.Errorf("operator: error %q, want the receiver's answer", log.Deliveries[0].Error)
	}
	e.call("GET", "/api/v1/subscribers/"+hook.ID+"/deliveries", testViewerToken, "", http.StatusOK, &log)
	if d := log.Deliveries[0]; strings.Contains(d.Error, "tok_ReceiverSecret") || !strings.Contains(d.Error, "status 400") {
		t.Errorf("viewer: error %q", d.Error)
	}
	// An email subscriber, masked for the viewer.
	if code, _ := e.page("POST", "/subscribe", url.Values{"email": {"jane.doe@example.org"}, "components": {"api"}}); code != http.StatusOK {
		t.Fatalf("subscribe: %d", code)
	}
	var list struct{ Subscribers []api.Subscriber }
	e.call("GET", "/api/v1/subscribers", testViewerToken, "", http.StatusOK, &list)
	for _, sub := range list.Subscribers {
		if sub.Kind == "email" && sub.Address != "j***@example.org" {
			t.Errorf("viewer sees email %q", sub.Address)
		}
	}
}

// The public form's limit per mailbox: victim+1@ and Victim@ are the
// same mailbox, the limit survives a restart, and subscriptions waiting
// for confirmation are capped overall.
func TestSubscriptionLimitsHold(t *testing.T) {
	db := filepath.Join(t.TempDir(), "n.db")
	e := startNotify(t, db, noSMTP, nil)
	post := func(e *notifyEnv, addr, ip string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", e.url+"/subscribe", strings.NewReader(url.Values{"email": {addr}, "components": {"api"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, addr := range []string{"victim@example.org", "victim+1@example.org", "Victim+2@Example.org"} {
		if code := post(e, addr, ""); code != http.StatusOK {
			t.Fatalf("request %d (%s): %d", i+1, addr, code)
		}
	}
	if code := post(e, "victim+3@example.org", ""); code != http.StatusTooManyRequests {
		t.Errorf("a fourth request to the same mailbox: %d, want 429", code)
	}
	e.stop()
	e = startNotify(t, db, noSMTP, nil)
	if code := post(e, "victim+4@example.org", ""); code != http.StatusTooManyRequests {
		t.Errorf("after a restart: %d, want 429 still", code)
	}
	// Three are waiting for confirmation: with a cap of three, the next
	// new address is refused for now.
	defer func(n int) { public.MaxUnconfirmed = n }(public.MaxUnconfirmed)
	public.MaxUnconfirmed = 3
	if code := post(e, "someone@example.net", ""); code != http.StatusServiceUnavailable {
		t.Errorf("over the cap of pending confirmations: %d, want 503", code)
	}
}
