// Package users is the service behind the accounts an admin manages in
// the UI: staff and customer users invited by e-mail with a one-time link
// to set their password, disabled and enabled, and sent a new link to
// reset a password. The configuration file's users are listed with them
// and stay the file's: it wins for the names it declares.
package users

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Store is what the service reads and writes.
type Store interface {
	PutUser(ctx context.Context, u store.User) error
	User(ctx context.Context, name string) (store.User, error)
	Users(ctx context.Context) ([]store.User, error)
	PutInvitation(ctx context.Context, inv store.Invitation) error
	UseInvitation(ctx context.Context, hash string, now time.Time) (string, error)
}

var _ Store = (store.Store)(nil)

// Mailer sends an invitation.
type Mailer interface {
	Mail(ctx context.Context, to, subject, text, link string) error
}

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Service manages the server's accounts.
type Service struct {
	store Store
	cfg   func() *config.Config
	now   func() time.Time
	mail  Mailer
}

// New returns the service.
func New(st Store, cfg func() *config.Config, now func() time.Time, mail Mailer) *Service {
	return &Service{store: st, cfg: cfg, now: now, mail: mail}
}

// View is an account as the users page lists it.
type View struct {
	Name, Role, Customer string
	// Source is "config" (the file's) or "server".
	Source string
	// State is "active", "invited" (no password yet) or "disabled".
	State     string
	CreatedBy string
}

// List is every account, the file's first.
func (s *Service) List(ctx context.Context) ([]View, error) {
	var out []View
	for _, u := range s.cfg().Users {
		out = append(out, View{Name: u.Name, Role: cmp.Or(u.Role, auth.RoleOperator), Customer: u.Customer, Source: "config", State: "active"})
	}
	us, err := s.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		if s.cfg().User(u.Name) != nil {
			continue // the file's wins
		}
		v := View{Name: u.Name, Role: u.Role, Customer: u.Customer, Source: "server", State: "active", CreatedBy: u.CreatedBy}
		switch {
		case u.Disabled:
			v.State = "disabled"
		case u.Hash == "":
			v.State = "invited"
		}
		out = append(out, v)
	}
	return out, nil
}

// Invitation is an invitation made: its link, and whether it was mailed
// (MailError says why not).
type Invitation struct {
	Link      string
	Mailed    bool
	MailError string
}

// Invite creates the account email with role (and customer, for a
// customer user) and sends it a link to set its password; base is the
// server's public address. Bad input is an *sla.InputError naming the
// field; an account of that name, a *sla.ConflictError.
func (s *Service) Invite(ctx context.Context, by, email, role, customer, base string) (*Invitation, error) {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != strings.TrimSpace(email) {
		return nil, &sla.InputError{Field: "email", Msg: fmt.Sprintf("want an e-mail address such as anna@example.com, got %q", email)}
	}
	if !slices.Contains(auth.UserRoles, role) {
		return nil, &sla.InputError{Field: "role", Msg: fmt.Sprintf("want one of %s, got %q", strings.Join(auth.UserRoles, ", "), role)}
	}
	switch {
	case role == auth.RoleCustomer && customer == "":
		return nil, &sla.InputError{Field: "customer", Msg: "required for a customer user: the customer whose portal it sees"}
	case role != auth.RoleCustomer && customer != "":
		return nil, &sla.InputError{Field: "customer", Msg: "only for a customer user"}
	}
	if s.cfg().User(email) != nil {
		return nil, &sla.ConflictError{Msg: fmt.Sprintf("%s is a user of the configuration file", email)}
	}
	if _, err := s.store.User(ctx, email); err == nil {
		return nil, &sla.ConflictError{Msg: fmt.Sprintf("%s has an account already: send it a new link instead", email)}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := s.store.PutUser(ctx, store.User{Name: email, Role: role, Customer: customer, CreatedAt: s.now().UTC(), CreatedBy: by}); err != nil {
		return nil, err
	}
	return s.invite(ctx, email, role, base, "You are invited")
}

// Reset sends account name a new link to set its password; the old
// password works until the new one is set.
func (s *Service) Reset(ctx context.Context, by, name, base string) (*Invitation, error) {
	u, err := s.serverUser(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.invite(ctx, u.Name, u.Role, base, "Set a new password")
}

// SetDisabled disables or enables account name; a disabled account's
// sessions end at their next request.
func (s *Service) SetDisabled(ctx context.Context, name string, disabled bool) error {
	u, err := s.serverUser(ctx, name)
	if err != nil {
		return err
	}
	u.Disabled = disabled
	return s.store.PutUser(ctx, u)
}

// serverUser is account name of the server; the file's are changed in
// the file (conflict), an unknown one is not found.
func (s *Service) serverUser(ctx context.Context, name string) (store.User, error) {
	if s.cfg().User(name) != nil {
		return store.User{}, &sla.ConflictError{Msg: fmt.Sprintf("%s is a user of the configuration file: change it there", name)}
	}
	u, err := s.store.User(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, &sla.NotFoundError{Msg: fmt.Sprintf("no user %q", name)}
	}
	return u, err
}

// invite stores a new one-time link for name and mails it.
func (s *Service) invite(ctx context.Context, name, role, base, subject string) (*Invitation, error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	if err := s.store.PutInvitation(ctx, store.Invitation{Hash: TokenHash(token), User: name, Expires: s.now().Add(InvitationTTL)}); err != nil {
		return nil, err
	}
	inv := &Invitation{Link: strings.TrimRight(base, "/") + "/invite/" + token}
	where := "the operators' pages"
	if role == auth.RoleCustomer {
		where = "your SLA portal"
	}
	text := fmt.Sprintf("Set your password for %s with the link below (it works once, for %d days). Your user name is %s.", where, int(InvitationTTL.Hours()/24), name)
	if err := s.mail.Mail(ctx, name, subject, text, inv.Link); err != nil {
		inv.MailError = err.Error()
	} else {
		inv.Mailed = true
	}
	return inv, nil
}

// TokenHash is the stored key of an invitation's token.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// MinPassword and MaxPassword bound a password, in bytes (bcrypt reads 72).
const (
	MinPassword = 8
	MaxPassword = 72
)

// Accept sets the password of the invitation token's account, once; an
// unknown, used or expired link is *sla.NotFoundError. It returns the
// account's name.
func (s *Service) Accept(ctx context.Context, token, password string) (string, error) {
	if n := len(password); n < MinPassword || n > MaxPassword {
		return "", &sla.InputError{Field: "password", Msg: fmt.Sprintf("want %d to %d bytes, got %d", MinPassword, MaxPassword, n)}
	}
	name, err := s.store.UseInvitation(ctx, TokenHash(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return "", &sla.NotFoundError{Msg: "this link is unknown, used already or expired: ask for a new one"}
	}
	if err != nil {
		return "", err
	}
	u, err := s.serverUser(ctx, name)
	if err != nil {
		return "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), 12)
	if err != nil {
		return "", fmt.Errorf("hash the password: %w", err)
	}
	u.Hash = string(hash)
	if err := s.store.PutUser(ctx, u); err != nil {
		return "", err
	}
	return name, nil
}
