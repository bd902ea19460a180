package auth

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

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
		if got := LimitAddr(tt.a) == LimitAddr(tt.b); got != tt.same {
			t.Errorf("LimitAddr(%s) == LimitAddr(%s): got %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

// Password checks take turns beyond half the processors: a flood of
// sign-ins cannot take all of them from the status page.
func TestPasswordChecksBounded(t *testing.T) {
	a := newTestAuth(t)
	for range cap(a.slots) {
		a.slots <- struct{}{}
	}
	done := make(chan error, 1)
	go func() {
		done <- a.CheckPassword(context.Background(), a.cfg(), "alice", testAlicePassword, "192.0.2.1")
	}()
	select {
	case err := <-done:
		t.Fatalf("with every slot taken, a password check ran (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	<-a.slots
	if err := <-done; err != nil {
		t.Errorf("after a slot freed: got %v, want signed in", err)
	}
	// A sign-in whose client went away while it waited is not checked.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.slots <- struct{}{}
	if err := a.CheckPassword(ctx, a.cfg(), "alice", testAlicePassword, "192.0.2.1"); err == nil {
		t.Error("a cancelled sign-in with every slot taken: got signed in, want an error")
	}
}

const testAlicePassword = "correct horse battery staple"

// newTestAuth is the authentication of a configuration with one user,
// alice, over a real SQLite store.
func newTestAuth(t *testing.T) *Auth {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(testAlicePassword), 10)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ALICE_HASH": string(h)}
	cfg, err := config.Parse("slakeeper.yaml", []byte("users:\n  - {name: alice, password_hash_env: ALICE_HASH}\n"),
		func(k string) string { return env[k] }, func(string) (*sla.Policy, error) { return nil, errors.New("no policies") })
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "auth.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, func() *config.Config { return cfg }, time.Now, slog.New(slog.DiscardHandler))
}
