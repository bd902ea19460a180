// Package auth decides who is calling: operators signed in with a password
// (sessions in the store, failed sign-ins limited per user and address),
// API tokens with a role, probe agents and their location, and the client
// address behind trusted proxies. Surfaces wrap their routes in its
// middleware and ask it who acted; it knows no route.
package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Operator sign-in: users of the configuration sign in with a password at
// /admin/signin and get a session cookie. The cookie holds 32 random
// bytes; the store keeps only their SHA-256, so a copy of the database
// signs nobody in.
const (
	SessionCookie = "slakeeper_session"
	// SessionIdle ends a session nobody used for this long.
	SessionIdle = 12 * time.Hour
	// SessionMax ends every session this long after sign-in.
	SessionMax = 7 * 24 * time.Hour
	// sessionTouch is how stale SeenAt may get before it is written
	// again: at most one store write a minute per session.
	sessionTouch = time.Minute
)

// Failed sign-ins are limited per user name and client address together,
// and per client address: a (name, address) pair waits a growing delay
// after each failure and is refused for the rest of the window after
// MaxFailsPerUser of them; an address is refused after MaxFailsPerIP.
// Keying the user's limit by address too means an attacker elsewhere
// cannot lock an operator out of their own address.
const (
	FailWindow      = 15 * time.Minute
	MaxFailsPerUser = 5
	MaxFailsPerIP   = 20
)

// FailDelay is how long a (name, address) pair waits after its n-th
// failure before the next attempt is checked: none after the first two
// (a typo, a caps lock), then 2 s, then 4 s.
func FailDelay(n int) time.Duration {
	if n < 3 {
		return 0
	}
	return time.Duration(1<<(n-2)) * time.Second
}

// ErrSignInLimited is returned while a user name or an address has too
// many recent failed sign-ins.
var ErrSignInLimited = errors.New("too many failed sign-ins")

// ErrWrongPortal is a right password for an account that signs in
// elsewhere: a customer user at /admin, a staff user at /portal.
var ErrWrongPortal = errors.New("the account signs in to the other portal")

// ErrBadCredentials is the one answer for an unknown user and a wrong
// password, so that sign-in does not reveal which users exist.
var ErrBadCredentials = errors.New("unknown user or wrong password")

// Store is what auth keeps in the store: the operators' sessions and the
// counts of failed sign-ins.
type Store interface {
	Limits(ctx context.Context, keys []string, expired time.Time, fn func([]store.Limit) []store.Limit) error
	Session(ctx context.Context, hash string) (store.Session, error)
	PutSession(ctx context.Context, s store.Session) error
	DeleteSession(ctx context.Context, hash string) error
	User(ctx context.Context, name string) (store.User, error)
}

var _ Store = (store.Store)(nil)

// Auth is the server's authentication: the sessions and the sign-in
// limits, both in the store.
type Auth struct {
	store Store
	cfg   func() *config.Config
	now   func() time.Time
	log   *slog.Logger

	dummyMu sync.Mutex
	dummy   map[int][]byte // bcrypt cost → hash of a random password

	// slots bound the password checks running at once: a flood of
	// sign-ins from many addresses takes at most half the processors,
	// and the status page keeps the rest.
	slots chan struct{}
}

// New returns the authentication of a server: sessions in st, users and
// tokens of the configuration in force (cfg), times by now.
func New(st Store, cfg func() *config.Config, now func() time.Time, log *slog.Logger) *Auth {
	return &Auth{store: st, cfg: cfg, now: now, log: log, dummy: map[int][]byte{},
		slots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))}
}

// attempt counts a sign-in attempt of name from ip at now as a failure
// before its password is checked, and reports false (counting nothing)
// when either has reached its limit. Counting first keeps the limits
// when many attempts arrive at once: none waits for another's bcrypt to
// be counted. A right password gives the attempt back (succeeded). The
// counts are in the store, so every replica sharing it counts together.
func (a *Auth) attempt(ctx context.Context, name, ip string, now time.Time) (bool, error) {
	ok := false
	err := a.store.Limits(ctx, limitKeys(name, ip), now.Add(-FailWindow), func(cur []store.Limit) []store.Limit {
		pair, addr := live(cur[0], now), live(cur[1], now)
		if pair.N >= MaxFailsPerUser || addr.N >= MaxFailsPerIP || pair.N > 0 && now.Sub(pair.Last) < FailDelay(pair.N) {
			return cur // over a limit, or too soon after the pair's last failure
		}
		ok = true
		return []store.Limit{failed(pair, now), failed(addr, now)}
	})
	if err != nil {
		return false, fmt.Errorf("sign-in limits: %w", err)
	}
	return ok, nil
}

// succeeded forgets a user's failures and gives back the address's count
// of this attempt (not its earlier failures: one good password must not
// reset guessing at others from that address).
func (a *Auth) succeeded(ctx context.Context, name, ip string, now time.Time) error {
	err := a.store.Limits(ctx, limitKeys(name, ip), now.Add(-FailWindow), func(cur []store.Limit) []store.Limit {
		addr := cur[1]
		if addr.N > 0 {
			addr.N--
		}
		return []store.Limit{{}, addr}
	})
	if err != nil {
		return fmt.Errorf("sign-in limits: %w", err)
	}
	return nil
}

// limitKeys are the keys of a (name, address) pair and of the address in
// the store's limits. The name is hashed: it is whatever the form sent,
// of any length and bytes.
func limitKeys(name, ip string) []string {
	h := sha256.Sum256([]byte(name))
	return []string{"signin:user:" + hex.EncodeToString(h[:16]) + "@" + ip, "signin:addr:" + ip}
}

// live is l at now: none once its window has passed.
func live(l store.Limit, now time.Time) store.Limit {
	if l.N > 0 && now.Sub(l.Since) >= FailWindow {
		return store.Limit{}
	}
	return l
}

// failed is l with one more failure at now, a new window if none runs.
func failed(l store.Limit, now time.Time) store.Limit {
	if l.N == 0 {
		return store.Limit{N: 1, Since: now, Last: now}
	}
	l.N++
	l.Last = now
	return l
}

// dummyHash is a hash of a random password at cost: comparing an unknown
// user's password with it costs what comparing with a real hash does.
func (a *Auth) dummyHash(cost int) []byte {
	a.dummyMu.Lock()
	defer a.dummyMu.Unlock()
	if h, ok := a.dummy[cost]; ok {
		return h
	}
	var pw [16]byte
	_, _ = rand.Read(pw[:])
	h, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(pw[:])), cost)
	if err != nil {
		// Only an invalid cost fails, and configured costs are valid.
		h, _ = bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(pw[:])), bcrypt.DefaultCost)
	}
	a.dummy[cost] = h
	return h
}

// ClientIP is the address the request came from. X-Forwarded-For is
// trusted only from the configured proxies (server.trusted_proxies), and
// only its rightmost address that is not a proxy's: a client can put any
// addresses of its own in front.
func (a *Auth) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	proxies := a.cfg().Server.TrustedProxies
	trusted := func(v string) bool {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if len(proxies) == 0 || !trusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := host
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue
		}
		a, err := netip.ParseAddr(hop)
		if err != nil {
			// A trusted proxy wrote something else: stop at what is known.
			break
		}
		client = a.Unmap().String()
		if !trusted(hop) {
			break
		}
	}
	return client
}

// LimitAddr is the key of a client address in the limiters: an IPv4
// address, or an IPv6 address's /64, since one subscriber line or host
// commonly holds a whole /64 and could otherwise pick a fresh address per
// request.
func LimitAddr(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// CheckPassword verifies a user's password with the same bcrypt work for
// known and unknown users, within the failure limits.
func (a *Auth) CheckPassword(ctx context.Context, c *config.Config, name, password, ip string) error {
	now := a.now()
	ip = LimitAddr(ip)
	if ok, err := a.attempt(ctx, name, ip, now); err != nil {
		return err
	} else if !ok {
		return ErrSignInLimited
	}
	u, err := a.Account(ctx, name)
	if err != nil {
		return err
	}
	hash := []byte(nil)
	if u != nil && u.Active() {
		hash = u.Hash
	} else {
		cost := bcrypt.DefaultCost
		if len(c.Users) > 0 {
			cost, _ = bcrypt.Cost(c.Users[0].Hash)
		}
		hash = a.dummyHash(cost)
	}
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("sign-in of %q: %w", name, ctx.Err())
	}
	err = bcrypt.CompareHashAndPassword(hash, []byte(password))
	<-a.slots
	if u == nil || !u.Active() || err != nil {
		return ErrBadCredentials
	}
	return a.succeeded(ctx, name, ip, now)
}

// sessionHash is the stored key of a cookie value.
func sessionHash(cookie string) string {
	h := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(h[:])
}

// StartSession stores a new session for user and returns the cookie value.
func (a *Auth) StartSession(ctx context.Context, user string) (string, error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	cookie := base64.RawURLEncoding.EncodeToString(b[:])
	now := a.now().UTC()
	err := a.store.PutSession(ctx, store.Session{Hash: sessionHash(cookie), User: user, CreatedAt: now, SeenAt: now,
		ExpiresAt: sessionExpiry(now, now)})
	if err != nil {
		return "", fmt.Errorf("store session: %w", err)
	}
	return cookie, nil
}

// sessionExpiry is when a session created and last seen at those times
// ends: idle or absolute limit, whichever comes first.
func sessionExpiry(created, seen time.Time) time.Time {
	idle, abs := seen.Add(SessionIdle), created.Add(SessionMax)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// SessionUser returns the signed-in user of the request, or "" when the
// request has no valid session. Only a store failure is an error.
func (a *Auth) SessionUser(r *http.Request) (string, error) {
	acct, err := a.SessionAccount(r)
	if err != nil || acct == nil {
		return "", err
	}
	return acct.Name, nil
}

// SessionAccount returns the account of the request's valid session
// (its role and customer with it, read once), or nil when there is none.
// Only a store failure is an error.
func (a *Auth) SessionAccount(r *http.Request) (*Account, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 64 {
		return nil, nil
	}
	ctx := r.Context()
	hash := sessionHash(ck.Value)
	sess, err := a.store.Session(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	now := a.now().UTC()
	// The store drops expired sessions by its own clock; the server's
	// clock decides too, so the limits hold whatever the store's is.
	acct, err := a.Account(ctx, sess.User)
	if err != nil {
		return nil, err
	}
	if !now.Before(sessionExpiry(sess.CreatedAt, sess.SeenAt)) || acct == nil || !acct.Active() {
		if err := a.store.DeleteSession(ctx, hash); err != nil {
			return nil, fmt.Errorf("delete expired session: %w", err)
		}
		return nil, nil
	}
	if now.Sub(sess.SeenAt) >= sessionTouch {
		sess.SeenAt = now
		sess.ExpiresAt = sessionExpiry(sess.CreatedAt, now)
		if err := a.store.PutSession(ctx, sess); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return acct, nil
}

// secureCookie reports whether cookies should be Secure: the request came
// over TLS or through a proxy that terminated TLS, or the configured
// public address is https.
func (a *Auth) secureCookie(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") ||
		strings.HasPrefix(a.cfg().Server.PublicURL, "https://")
}

// SetSessionCookie sets (maxAge > 0) or clears (maxAge < 0) the session
// cookie: HTTP only, same-site lax, Secure behind TLS.
func (a *Auth) SetSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: a.secureCookie(r), SameSite: http.SameSiteLaxMode})
}

// DeleteSession deletes the request's session from the store, if it has
// one.
func (a *Auth) DeleteSession(r *http.Request) error {
	if ck, err := r.Cookie(SessionCookie); err == nil && ck.Value != "" {
		if err := a.store.DeleteSession(r.Context(), sessionHash(ck.Value)); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
	}
	return nil
}

// SignIn signs a user in to one side of the web UI: the staff pages
// (staff true: /admin) or the customer portal (staff false). It checks
// the password within the failure limits, refuses an account of the other
// side (ErrWrongPortal, only once the password is right), ends the
// request's old session (a cookie planted before sign-in is never
// promoted) and sets a new session's cookie. The error is for the form:
// ErrSignInLimited, ErrBadCredentials, ErrWrongPortal, or the store's.
func (a *Auth) SignIn(w http.ResponseWriter, r *http.Request, name, password string, staff bool) error {
	err := a.CheckPassword(r.Context(), a.cfg(), name, password, a.ClientIP(r))
	if err == nil {
		if role, _ := a.UserRole(r.Context(), name); Staff(role) != staff {
			err = ErrWrongPortal
		}
	}
	if err != nil {
		// The password is never shown again, nor logged.
		a.log.Warn("sign-in refused", "user", name, "addr", a.ClientIP(r), "staff", staff, "reason", err)
		return err
	}
	if err := a.DeleteSession(r); err != nil {
		return err
	}
	cookie, err := a.StartSession(r.Context(), name)
	if err != nil {
		return err
	}
	a.SetSessionCookie(w, r, cookie, int(SessionMax.Seconds()))
	a.log.Info("signed in", "user", name, "addr", a.ClientIP(r), "staff", staff)
	return nil
}

// SignInMessage is what a sign-in form says of SignIn's error, with the
// status; ok is false for a failure of the server itself.
func SignInMessage(err error) (code int, msg string, ok bool) {
	switch {
	case errors.Is(err, ErrSignInLimited):
		return http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins from this address; wait a little (after five, %d minutes) and try again.", int(FailWindow.Minutes())), true
	case errors.Is(err, ErrWrongPortal):
		return http.StatusForbidden, "This account signs in elsewhere: staff at /admin/signin, customers at /portal/signin.", true
	case errors.Is(err, ErrBadCredentials):
		return http.StatusUnauthorized, "Unknown user name or wrong password.", true
	}
	return http.StatusInternalServerError, "", false
}

// Account is a user who may sign in: from the configuration file, or
// created in the server (invited by an admin).
type Account struct {
	Name, Role, Customer string
	Hash                 []byte
	Disabled             bool
	// Configured says the configuration file declares it (it wins over
	// an account of the same name in the server).
	Configured bool
}

// Active reports whether the account may sign in: a password set, not
// disabled.
func (u *Account) Active() bool { return len(u.Hash) > 0 && !u.Disabled }

// Account finds the account name: the configuration's, else the
// server's; nil when there is none.
func (a *Auth) Account(ctx context.Context, name string) (*Account, error) {
	if u := a.cfg().User(name); u != nil {
		return &Account{Name: u.Name, Role: cmp.Or(u.Role, RoleOperator), Customer: u.Customer, Hash: u.Hash, Configured: true}, nil
	}
	u, err := a.store.User(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read user %s: %w", name, err)
	}
	return &Account{Name: u.Name, Role: u.Role, Customer: u.Customer, Hash: []byte(u.Hash), Disabled: u.Disabled}, nil
}
