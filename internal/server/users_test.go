package server

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slakeeper/slakeeper/internal/notify/smtptest"
)

// An admin invites a support lead and a customer user by e-mail (a real
// SMTP sink); each sets a password with the mailed one-time link and
// signs in on its side; the link works once; a disabled user's session
// ends; bad input names its field; only an admin manages users.
func TestUsersInvite(t *testing.T) {
	sink := smtptest.Start(t)
	e := startNotify(t, filepath.Join(t.TempDir(), "u.db"), `server: {public_url: "$URL"}
email: {smtp_addr: "`+sink.Addr+`", from: "slakeeper <sla@example.com>", tls: none}
customers: [{id: acme, name: Acme}]
users:
  - {name: root, role: admin, password_hash_env: ALICE_HASH}
  - {name: alice, password_hash_env: ALICE_HASH}
`, map[string]string{"ALICE_HASH": testAliceHash(t)})
	admin := browserFor(t, e.url)
	if p := admin.signIn("root", testAlicePassword); p.code != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", p.code)
	}

	// Bad input: the field is named, nothing is created.
	for _, tt := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"email": {"not-an-address"}, "role": {"support"}}, "email"},
		{url.Values{"email": {"x@example.com"}, "role": {"root"}}, "role"},
		{url.Values{"email": {"x@example.com"}, "role": {"customer"}}, "customer"},
		{url.Values{"email": {"alice"}, "role": {"support"}}, "email"},
	} {
		p := admin.post("/admin/users", tt.form)
		if p.code < 400 || !strings.Contains(p.body, `id="invite-`+tt.field+`-err"`) {
			t.Errorf("invite %v: got %d, want the error at %s:\n%.400s", tt.form, p.code, tt.field, p.body)
		}
	}

	accept := func(addr, password string) {
		t.Helper()
		var link string
		eventually(t, "the invitation to "+addr, func() bool { return len(mailsTo(sink, t, addr)) > 0 })
		ms := mailsTo(sink, t, addr)
		link = linkIn(t, mailBody(t, ms[len(ms)-1]), e.url, "/invite/")
		b := browserFor(t, e.url)
		if p := b.get(link); p.code != http.StatusOK || !strings.Contains(p.body, "Set your password") {
			t.Fatalf("invitation page: %d", p.code)
		}
		if p := b.post(link, url.Values{"password": {"short"}}); p.code != http.StatusBadRequest {
			t.Errorf("a short password: got %d", p.code)
		}
		if p := b.post(link, url.Values{"password": {password}}); p.code != http.StatusOK || !strings.Contains(p.body, "Your password is set") {
			t.Fatalf("set the password: %d %s", p.code, p.body)
		}
		if p := b.post(link, url.Values{"password": {password + "x"}}); p.code != http.StatusNotFound {
			t.Errorf("the link again: got %d, want 404", p.code)
		}
	}
	if p := admin.post("/admin/users", url.Values{"email": {"sam@example.com"}, "role": {"support"}}); p.code != http.StatusSeeOther {
		t.Fatalf("invite sam: %d %s", p.code, p.body)
	}
	accept("sam@example.com", "sams-password-1")
	if p := admin.post("/admin/users", url.Values{"email": {"anna@acme.example"}, "role": {"customer"}, "customer": {"acme"}}); p.code != http.StatusSeeOther {
		t.Fatalf("invite anna: %d %s", p.code, p.body)
	}
	accept("anna@acme.example", "annas-password-1")

	sam := browserFor(t, e.url)
	if p := sam.signIn("sam@example.com", "sams-password-1"); p.code != http.StatusSeeOther {
		t.Fatalf("sam signs in: %d %s", p.code, p.body)
	}
	if p := sam.get("/admin/tickets"); p.code != http.StatusOK || strings.Contains(p.body, `href="/admin/incidents/new"`) || strings.Contains(p.body, `href="/admin/users"`) {
		t.Errorf("support at tickets: %d, with links only to what support may open", p.code)
	}
	if p := admin.get("/admin/tickets"); !strings.Contains(p.body, `href="/admin/incidents/new"`) || !strings.Contains(p.body, `href="/admin/users"`) {
		t.Errorf("the admin's navigation lacks a link")
	}
	if p := sam.get("/admin/incidents/new"); p.code != http.StatusForbidden {
		t.Errorf("support at the incident form: %d", p.code)
	}
	anna := browserFor(t, e.url)
	if p := anna.post("/portal/signin", url.Values{"name": {"anna@acme.example"}, "password": {"annas-password-1"}}); p.code != http.StatusSeeOther {
		t.Fatalf("anna signs in to the portal: %d %s", p.code, p.body)
	}

	// Disabled: sam's session ends, and sam cannot sign in again.
	if p := admin.post("/admin/users/sam@example.com/disable", nil); p.code != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", p.code, p.body)
	}
	if p := sam.get("/admin/tickets"); p.code != http.StatusSeeOther {
		t.Errorf("a disabled user's session: got %d, want 303 to sign in", p.code)
	}
	if p := browserFor(t, e.url).signIn("sam@example.com", "sams-password-1"); p.code != http.StatusUnauthorized {
		t.Errorf("a disabled user signs in: got %d", p.code)
	}
	if p := admin.post("/admin/users/sam@example.com/enable", nil); p.code != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.code)
	}
	// A new password link.
	if p := admin.post("/admin/users/sam@example.com/reset", nil); p.code != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", p.code, p.body)
	}
	eventually(t, "the second mail to sam", func() bool { return len(mailsTo(sink, t, "sam@example.com")) == 2 })
	accept("sam@example.com", "sams-password-2")
	if p := browserFor(t, e.url).signIn("sam@example.com", "sams-password-2"); p.code != http.StatusSeeOther {
		t.Errorf("sam with the new password: %d", p.code)
	}
	// The file's users are the file's.
	if p := admin.post("/admin/users/alice/disable", nil); p.code != http.StatusConflict {
		t.Errorf("disable a configured user: got %d", p.code)
	}
	// Only an admin manages users.
	op := browserFor(t, e.url)
	op.signIn("alice", testAlicePassword)
	if p := op.get("/admin/users"); p.code != http.StatusForbidden {
		t.Errorf("an operator at the users page: %d", p.code)
	}
	if p := op.post("/admin/users", url.Values{"email": {"eve@example.com"}, "role": {"admin"}}); p.code != http.StatusForbidden {
		t.Errorf("an operator invites: %d", p.code)
	}
	page := admin.get("/admin/users")
	checkLabels(t, page.body)
	for _, want := range []string{"sam@example.com", "anna@acme.example", "invited by root", "of <code>acme</code>"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
}

// The users API: an admin token invites (without an SMTP server the link
// comes back to pass on), lists, disables; other roles are refused; bad
// input names its field.
func TestUsersAPI(t *testing.T) {
	cfg := strings.Replace(incidentTestConfig, "tokens:\n", "tokens:\n  - {name: root-token, role: admin, token_env: ADMIN_TOKEN}\n", 1)
	const adminToken = "admin-token-of-enough-length"
	e := newIncidentEnvWithEnv(t, cfg, incidentTestPolicy, map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken,
		"ALICE_HASH": testAliceHash(t), "ADMIN_TOKEN": adminToken})
	var inv struct {
		Mailed    bool
		Link      string
		MailError string `json:"mail_error"`
	}
	e.call("POST", "/api/v1/users", adminToken, `{"email":"sam@example.com","role":"support"}`, http.StatusCreated, &inv)
	if inv.Mailed || !strings.Contains(inv.Link, "/invite/") || inv.MailError == "" {
		t.Fatalf("invitation without SMTP: %+v", inv)
	}
	var bad struct{ Field string }
	e.call("POST", "/api/v1/users", adminToken, `{"email":"x@example.com","role":"root"}`, http.StatusBadRequest, &bad)
	if bad.Field != "role" {
		t.Errorf("bad role: field %q", bad.Field)
	}
	e.call("POST", "/api/v1/users", adminToken, `{"email":"sam@example.com","role":"support"}`, http.StatusConflict, nil)
	e.call("POST", "/api/v1/users", testOpsToken, `{"email":"eve@example.com","role":"admin"}`, http.StatusForbidden, nil)
	b := e.browser()
	path := inv.Link[strings.Index(inv.Link, "/invite/"):]
	if p := b.post(path, url.Values{"password": {"sams-password-1"}}); p.code != http.StatusOK {
		t.Fatalf("accept: %d", p.code)
	}
	var list struct {
		Users []struct{ Name, Role, State, Source string }
	}
	e.call("GET", "/api/v1/users", adminToken, "", http.StatusOK, &list)
	if len(list.Users) != 2 || list.Users[1].Name != "sam@example.com" || list.Users[1].State != "active" || list.Users[1].Source != "server" {
		t.Errorf("users: %+v", list.Users)
	}
	e.call("POST", "/api/v1/users/sam@example.com/disable", adminToken, "", http.StatusNoContent, nil)
	e.call("POST", "/api/v1/users/alice/disable", adminToken, "", http.StatusConflict, nil)
	e.call("POST", "/api/v1/users/nobody/enable", adminToken, "", http.StatusNotFound, nil)
	if p := e.browser().signIn("sam@example.com", "sams-password-1"); p.code != http.StatusUnauthorized {
		t.Errorf("a disabled user signs in: %d", p.code)
	}
}
