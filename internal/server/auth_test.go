package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// testAlicePassword is the password of the test configuration's user
// alice.
const testAlicePassword = "alice-has-a-long-password"

var aliceHash struct {
	once sync.Once
	h    string
	err  error
}

// testAliceHash is the bcrypt hash of testAlicePassword at the lowest cost
// the configuration accepts, made once per test binary.
func testAliceHash(tb testing.TB) string {
	tb.Helper()
	aliceHash.once.Do(func() {
		var h []byte
		h, aliceHash.err = bcrypt.GenerateFromPassword([]byte(testAlicePassword), 10)
		aliceHash.h = string(h)
	})
	if aliceHash.err != nil {
		tb.Fatal(aliceHash.err)
	}
	return aliceHash.h
}

// browser is an HTTP client with cookies that does not follow redirects,
// and sends the headers a browser sends on a same-origin form post.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (e *incidentEnv) browser() *browser {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, base: e.url, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is an answer: status, Location and body.
type page struct {
	code     int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{code: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "none")
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.base)
	return b.do(req)
}

func (b *browser) signIn(name, password string) page {
	b.t.Helper()
	return b.post("/admin/signin", url.Values{"name": {name}, "password": {password}, "next": {"/admin"}})
}

// auth.SessionCookie returns the browser's session cookie value.
func (b *browser) session() string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == auth.SessionCookie {
			return c.Value
		}
	}
	return ""
}

func TestSignInAndOut(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()

	p := b.get("/admin")
	if p.code != http.StatusSeeOther || p.location != "/admin/signin?next=%2Fadmin" {
		t.Fatalf("GET /admin signed out: got %d to %q, want 303 to the sign-in page", p.code, p.location)
	}
	if p = b.get("/admin/signin?next=%2Fadmin"); p.code != http.StatusOK || !strings.Contains(p.body, `name="password"`) || !strings.Contains(p.body, `value="/admin"`) {
		t.Fatalf("sign-in page: got %d %s", p.code, p.body)
	}

	for _, tt := range []struct{ name, user, password string }{
		{"wrong password", "alice", "not-her-password"},
		{"unknown user", "mallory", testAlicePassword},
	} {
		p = b.signIn(tt.user, tt.password)
		if p.code != http.StatusUnauthorized || !strings.Contains(p.body, "Unknown user name or wrong password.") {
			t.Errorf("%s: got %d, want 401 with the one message for both", tt.name, p.code)
		}
		if !strings.Contains(p.body, `value="`+tt.user+`"`) || strings.Contains(p.body, tt.password) {
			t.Errorf("%s: the form must show the name again, never the password:\n%s", tt.name, p.body)
		}
		if b.session() != "" {
			t.Errorf("%s: a session cookie was set", tt.name)
		}
	}

	p = b.signIn("alice", testAlicePassword)
	if p.code != http.StatusSeeOther || p.location != "/admin" {
		t.Fatalf("sign-in: got %d to %q, want 303 to /admin", p.code, p.location)
	}
	var ck *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == auth.SessionCookie {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Fatalf("session cookie: got %+v, want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", ck)
	}
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(raw) != 32 {
		t.Errorf("cookie value %q: want 32 bytes in unpadded base64url (%v)", ck.Value, err)
	}
	// The store keeps the hash of the cookie, never the cookie.
	ctx := context.Background()
	if _, err := e.st.Session(ctx, ck.Value); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session stored under the cookie value itself: %v", err)
	}
	sum := sha256.Sum256([]byte(ck.Value))
	sess, err := e.st.Session(ctx, hex.EncodeToString(sum[:]))
	if err != nil || sess.User != "alice" {
		t.Fatalf("stored session: got %+v, %v", sess, err)
	}

	if p = b.get("/admin"); p.code != http.StatusOK || !strings.Contains(p.body, "Signed in as <strong>alice</strong>") {
		t.Fatalf("dashboard signed in: got %d %s", p.code, p.body)
	}
	// Signed in, the sign-in page sends on.
	if p = b.get("/admin/signin?next=%2Fadmin%2Fincidents%2Fnew"); p.code != http.StatusSeeOther || p.location != "/admin/incidents/new" {
		t.Errorf("sign-in page signed in: got %d to %q", p.code, p.location)
	}

	// The session works on the write API too, and its user is who acted.
	req, _ := http.NewRequest("POST", e.url+"/api/v1/incidents", strings.NewReader(`{"title":"API down","severity":"critical","components":{"api":"major_outage"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if p = b.do(req); p.code != http.StatusCreated {
		t.Fatalf("API with a session: got %d %s", p.code, p.body)
	}
	var inc incident.Incident
	if err := json.Unmarshal([]byte(p.body), &inc); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("POST", e.url+"/api/v1/incidents/"+inc.ID+"/attributions", strings.NewReader(`{"cause":"ddos","reason":"SYN flood","end":"2026-10-14T10:00:00Z"}`))
	if p = b.do(req); p.code != http.StatusCreated || !strings.Contains(p.body, `"by": "alice"`) {
		t.Errorf("attribution with a session: got %d %s, want by alice", p.code, p.body)
	}

	p = b.post("/admin/signout", nil)
	if p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/admin/signin") {
		t.Errorf("sign-out: got %d to %q", p.code, p.location)
	}
	if _, err := e.st.Session(ctx, hex.EncodeToString(sum[:])); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after sign-out the session is still stored: %v", err)
	}
	if b.session() != "" {
		t.Error("after sign-out the browser still has the cookie")
	}
	// The old cookie, replayed, is worthless.
	req, _ = http.NewRequest("GET", e.url+"/admin", nil)
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: ck.Value})
	if p = e.browser().do(req); p.code != http.StatusSeeOther {
		t.Errorf("replayed cookie after sign-out: got %d, want 303 to sign in", p.code)
	}
}

func TestSignInLimiter(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	for i := range auth.MaxFailsPerUser {
		if p := b.signIn("alice", "wrong-password"); p.code != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i+1, p.code)
		}
		if i == 2 {
			// Growing delays: the fourth try comes too soon after the third.
			if p := b.signIn("alice", testAlicePassword); p.code != http.StatusTooManyRequests {
				t.Fatalf("a try within the delay: got %d, want 429", p.code)
			}
		}
		e.clock.set(e.clock.now().Add(auth.FailDelay(i + 1)))
	}
	// Locked: even the right password is refused, without a session.
	if p := b.signIn("alice", testAlicePassword); p.code != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many failed sign-ins") {
		t.Fatalf("after %d failures: got %d, want 429", auth.MaxFailsPerUser, p.code)
	}
	if b.session() != "" {
		t.Fatal("a locked sign-in set a session cookie")
	}
	// From her own address, alice is not locked out by the attacker's.
	if err := e.server.auth.CheckPassword(context.Background(), e.server.Config(), "alice", testAlicePassword, "198.51.100.7"); err != nil {
		t.Errorf("alice from another address: %v", err)
	}
	// Unknown names are limited alike, so the limiter tells nothing of
	// which users exist.
	for i := range auth.MaxFailsPerUser {
		b.signIn("nobody", "wrong-password")
		e.clock.set(e.clock.now().Add(auth.FailDelay(i + 1)))
	}
	if p := b.signIn("nobody", "wrong-password"); p.code != http.StatusTooManyRequests {
		t.Errorf("unknown user after %d failures: got %d, want 429", auth.MaxFailsPerUser, p.code)
	}
	// The window passes.
	e.clock.set(e.clock.now().Add(auth.FailWindow))
	if p := b.signIn("alice", testAlicePassword); p.code != http.StatusSeeOther {
		t.Fatalf("after the window: got %d, want 303", p.code)
	}

	// Per address: many names from one address.
	e.clock.set(e.clock.now().Add(auth.FailWindow))
	for i := range auth.MaxFailsPerIP {
		b.signIn(fmt.Sprintf("guess-%d", i), "wrong-password")
	}
	if p := b.signIn("alice", testAlicePassword); p.code != http.StatusTooManyRequests {
		t.Errorf("after %d failures from one address: got %d, want 429", auth.MaxFailsPerIP, p.code)
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newIncidentEnv(t)
	signedIn := func(b *browser) bool {
		t.Helper()
		p := b.get("/admin")
		return p.code == http.StatusOK
	}
	start := e.clock.now()

	// Idle: 12 hours without a request ends the session.
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	e.clock.set(start.Add(auth.SessionIdle - time.Minute))
	if !signedIn(b) {
		t.Fatal("signed out before the idle timeout")
	}
	// That request renewed it: another 12 hours from now.
	e.clock.set(start.Add(2*auth.SessionIdle - 2*time.Minute))
	if !signedIn(b) {
		t.Fatal("a request did not renew the idle timeout")
	}
	e.clock.set(start.Add(3*auth.SessionIdle - 2*time.Minute))
	if signedIn(b) {
		t.Fatal("still signed in after 12 hours idle")
	}

	// Absolute: 7 days after sign-in, however active.
	e.clock.set(start)
	b = e.browser()
	b.signIn("alice", testAlicePassword)
	for at := time.Duration(0); at < auth.SessionMax; at += 6 * time.Hour {
		e.clock.set(start.Add(at))
		if !signedIn(b) {
			t.Fatalf("signed out %s after sign-in", at)
		}
	}
	e.clock.set(start.Add(auth.SessionMax))
	if signedIn(b) {
		t.Fatal("still signed in 7 days after sign-in")
	}

	// SeenAt is written at most once a minute.
	e.clock.set(start)
	b = e.browser()
	b.signIn("alice", testAlicePassword)
	sum := sha256.Sum256([]byte(b.session()))
	hash := hex.EncodeToString(sum[:])
	e.clock.set(start.Add(30 * time.Second))
	signedIn(b)
	if s, _ := e.st.Session(context.Background(), hash); !s.SeenAt.Equal(start) {
		t.Errorf("SeenAt after 30 s: got %v, want %v (unchanged)", s.SeenAt, start)
	}
	e.clock.set(start.Add(time.Minute))
	signedIn(b)
	if s, _ := e.st.Session(context.Background(), hash); !s.SeenAt.Equal(start.Add(time.Minute)) {
		t.Errorf("SeenAt after 1 min: got %v, want %v", s.SeenAt, start.Add(time.Minute))
	}
}

func TestSessionCookieSecure(t *testing.T) {
	for _, tt := range []struct {
		name      string
		publicURL string
		header    map[string]string
		want      bool
	}{
		{"plain http", "", nil, false},
		{"behind a TLS proxy", "", map[string]string{"X-Forwarded-Proto": "https"}, true},
		{"https public address", "https://status.example.test", nil, true},
		{"http public address", "http://status.example.test", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := incidentTestConfig
			if tt.publicURL != "" {
				cfg += "server: {public_url: \"" + tt.publicURL + "\"}\n"
			}
			e := newIncidentEnvWith(t, cfg, incidentTestPolicy)
			req, _ := http.NewRequest("POST", e.url+"/admin/signin", strings.NewReader(url.Values{"name": {"alice"}, "password": {testAlicePassword}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			p := e.browser().do(req)
			var ck *http.Cookie
			for _, c := range (&http.Response{Header: p.header}).Cookies() {
				if c.Name == auth.SessionCookie {
					ck = c
				}
			}
			if ck == nil {
				t.Fatalf("no session cookie: %d", p.code)
			}
			if ck.Secure != tt.want {
				t.Errorf("Secure: got %v, want %v", ck.Secure, tt.want)
			}
		})
	}
}

func TestSignInReplacesSession(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	first := b.session()
	p := b.signIn("alice", testAlicePassword)
	second := b.session()
	if p.code != http.StatusSeeOther || second == "" || second == first {
		t.Fatalf("second sign-in: got %d, cookie %q after %q; want a new cookie", p.code, second, first)
	}
	if n := len((&http.Response{Header: p.header}).Cookies()); n != 1 {
		t.Errorf("second sign-in set %d cookies, want 1", n)
	}
	sum := sha256.Sum256([]byte(first))
	if _, err := e.st.Session(context.Background(), hex.EncodeToString(sum[:])); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the replaced session is still stored: %v", err)
	}
}

func TestRemovedUserIsSignedOut(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	if p := b.get("/admin"); p.code != http.StatusOK {
		t.Fatalf("signed in: got %d", p.code)
	}
	cfg, err := config.Parse("slakeeper.yaml", []byte(strings.Replace(incidentTestConfig, "  - {name: alice, password_hash_env: ALICE_HASH}\n", "", 1)),
		func(k string) string {
			return map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken}[k]
		}, func(name string) (*sla.Policy, error) { return policy.Parse(name, []byte(incidentTestPolicy)) })
	if err != nil {
		t.Fatal(err)
	}
	e.server.Reload(cfg)
	if p := b.get("/admin"); p.code != http.StatusSeeOther {
		t.Errorf("after alice was removed from the configuration: got %d, want 303 to sign in", p.code)
	}
	if p := b.signIn("alice", testAlicePassword); p.code != http.StatusUnauthorized {
		t.Errorf("sign-in of a removed user: got %d, want 401", p.code)
	}
}

// TestUnknownUserCostsABcrypt checks that a sign-in for a user who does
// not exist takes the bcrypt work of a real one, so that timing does not
// tell which users exist. The bound is loose (a third) for busy machines;
// without the dummy comparison the unknown user would be ~100 times faster.
func TestUnknownUserCostsABcrypt(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	fastest := func(user func(int) string) time.Duration {
		best := time.Hour
		for i := range 3 {
			start := time.Now()
			if p := b.signIn(user(i), "wrong-password"); p.code != http.StatusUnauthorized {
				t.Fatalf("got %d, want 401", p.code)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	known := fastest(func(int) string { return "alice" })
	unknown := fastest(func(i int) string { return fmt.Sprintf("nobody-%d", i) })
	if unknown < known/3 {
		t.Errorf("a wrong password takes %s for alice but %s for an unknown user", known, unknown)
	}
}

// lockedBuffer is a log destination safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSignInLogsNoSecrets(t *testing.T) {
	e := newIncidentEnv(t)
	var logs lockedBuffer
	s, err := New(Options{Store: e.st, Config: e.cfg, Now: e.clock.now, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	e.url = ts.URL

	b := e.browser()
	b.signIn("alice", "a-wrong-password-of-hers")
	b.signIn("alice", testAlicePassword)
	cookie := b.session()
	b.post("/admin/incidents", url.Values{"title": {"API down"}, "severity": {"critical"}, "components.api": {"major_outage"}})
	req, _ := http.NewRequest("GET", e.url+"/api/v1/incidents", nil)
	b.do(req)
	b.post("/admin/signout", nil)

	out := logs.String()
	if !strings.Contains(out, "signed in") || !strings.Contains(out, "sign-in refused") || !strings.Contains(out, "user=alice") {
		t.Errorf("the sign-ins are not logged:\n%s", out)
	}
	for _, secret := range []string{testAlicePassword, "a-wrong-password-of-hers", cookie, testAliceHash(t)} {
		if cookie == "" || strings.Contains(out, secret) {
			t.Errorf("the log holds a secret (%.6s…):\n%s", secret, out)
		}
	}
}
