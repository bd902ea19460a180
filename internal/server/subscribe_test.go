package server

import (
	"context"
	"errors"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/notify/smtptest"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/store"
)

// page fetches a public page (GET, or POST of form) and returns the code
// and body.
func (e *notifyEnv) page(method, path string, form url.Values) (int, string) {
	e.t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = http.PostForm(e.url+path, form)
	} else {
		resp, err = http.Get(e.url + path)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); method == http.MethodGet && !strings.HasPrefix(ct, "text/html") {
		e.t.Errorf("%s %s: got Content-Type %q, want HTML", method, path, ct)
	}
	return resp.StatusCode, string(b)
}

// mailBody decodes a received message's quoted-printable body.
func mailBody(t *testing.T, m smtptest.Message) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(m.Body))))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// linkIn returns the first link of the body to path (a path prefix).
func linkIn(t *testing.T, body, base, path string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(base+path) + `[A-Za-z0-9._-]+`).FindString(body)
	if m == "" {
		t.Fatalf("no %s link in the mail:\n%s", path, body)
	}
	return strings.TrimPrefix(m, base)
}

// mailsTo returns the messages received for addr.
func mailsTo(sink *smtptest.Server, t *testing.T, addr string) []smtptest.Message {
	var out []smtptest.Message
	for _, m := range sink.Messages(t) {
		if m.Header.Get("X-RcptTo") == addr {
			out = append(out, m)
		}
	}
	return out
}

func TestEmailSubscriptionFlow(t *testing.T) {
	sink := smtptest.Start(t)
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), `server: {public_url: "$URL"}
email: {smtp_addr: "`+sink.Addr+`", from: "Status <status@example.com>", tls: none}
`, nil)
	ctx := context.Background()
	const addr = "jane@example.org"
	waitMails := func(n int) []smtptest.Message {
		t.Helper()
		var ms []smtptest.Message
		eventually(t, "mail to "+addr, func() bool { ms = mailsTo(sink, t, addr); return len(ms) >= n })
		return ms
	}

	// The form: every component offered and checked.
	code, body := e.page("GET", "/subscribe", nil)
	if code != http.StatusOK || !strings.Contains(body, `name="email"`) ||
		!strings.Contains(body, `value="api" checked`) || !strings.Contains(body, `value="web" checked`) || !strings.Contains(body, "Website") {
		t.Fatalf("got %d, a form without the email input or the checked components:\n%s", code, body)
	}
	// Refusals re-render the form with the error and what was typed.
	for _, tt := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"email": {"not an address"}, "components": {"api"}}, "is not an email address"},
		{url.Values{"email": {"Jane <jane@example.org>"}, "components": {"api"}}, "is not an email address"},
		{url.Values{"email": {""}, "components": {"api"}}, "enter your email address"},
		{url.Values{"email": {addr}}, "Choose at least one component."},
		{url.Values{"email": {addr}, "components": {"api", "nope"}}, "Choose among the components listed."},
	} {
		code, body := e.page("POST", "/subscribe", tt.form)
		if code != http.StatusBadRequest || !strings.Contains(body, tt.want) || !strings.Contains(body, `<form method="post" action="/subscribe"`) {
			t.Errorf("%v: got %d, want 400 and the form saying %q:\n%s", tt.form, code, tt.want, body)
		}
	}

	code, body = e.page("POST", "/subscribe", url.Values{"email": {addr}, "components": {"api"}})
	if code != http.StatusOK || !strings.Contains(body, "Check your inbox") {
		t.Fatalf("got %d, want the check-your-inbox page:\n%s", code, body)
	}
	sub, err := e.st.SubscriberByAddress(ctx, "email", addr)
	if err != nil || !sub.ConfirmedAt.IsZero() || len(sub.Components) != 1 || sub.Components[0] != "api" {
		t.Fatalf("got %+v (%v), want a pending subscriber to api", sub, err)
	}
	confirm := waitMails(1)[0]
	text := mailBody(t, confirm)
	if !strings.Contains(confirm.Header.Get("Subject"), "Confirm your subscription") || !strings.Contains(text, "for API") {
		t.Errorf("got confirmation %q:\n%s", confirm.Header.Get("Subject"), text)
	}
	if confirm.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.HasPrefix(confirm.Header.Get("List-Unsubscribe"), "<"+e.url+"/unsubscribe/") {
		t.Errorf("got List-Unsubscribe %q and -Post %q, want RFC 8058 headers", confirm.Header.Get("List-Unsubscribe"), confirm.Header.Get("List-Unsubscribe-Post"))
	}
	confirmLink := linkIn(t, text, e.url, "/subscribe/confirm/")

	// Not confirmed yet: an incident tells it nothing.
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	if err := e.s.outbox.Publish(ctx, outbox.Event{ID: "inc-1.created", Kind: outbox.EventIncidentCreated, At: at, Title: "API errors", Components: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	if st := e.outboundState("inc-1.created/" + sub.ID); st != "" {
		t.Errorf("got an outbound (%s) for an unconfirmed subscriber", st)
	}

	// A forged or mangled link is refused; the right one confirms, twice.
	if code, _ := e.page("GET", "/subscribe/confirm/"+sub.ID+".AAAA", nil); code != http.StatusNotFound {
		t.Errorf("forged token: got %d, want 404", code)
	}
	unsubLink := linkIn(t, text, e.url, "/unsubscribe/")
	if code, _ := e.page("GET", "/subscribe/confirm/"+strings.TrimPrefix(unsubLink, "/unsubscribe/"), nil); code != http.StatusNotFound {
		t.Errorf("an unsubscribe token used to confirm: got %d, want 404", code)
	}
	// Following the link (as a mail scanner does) only shows the button.
	code, body = e.page("GET", confirmLink, nil)
	if code != http.StatusOK || !strings.Contains(body, `<form method="post" action="`+confirmLink+`"`) || strings.Contains(body, "Subscription confirmed") {
		t.Fatalf("GET of the confirmation link: got %d, want the page with the button:\n%s", code, body)
	}
	if sub, _ = e.st.Subscriber(ctx, sub.ID); !sub.ConfirmedAt.IsZero() {
		t.Fatal("following the link confirmed the subscription")
	}
	if code, _ := e.page("POST", "/subscribe/confirm/"+sub.ID+".AAAA", nil); code != http.StatusNotFound {
		t.Errorf("forged token posted: got %d, want 404", code)
	}
	for range 2 {
		code, body := e.page("POST", confirmLink, nil)
		if code != http.StatusOK || !strings.Contains(body, "Subscription confirmed") {
			t.Fatalf("confirm: got %d:\n%s", code, body)
		}
	}
	// Confirmed: following the link again says so.
	if code, body := e.page("GET", confirmLink, nil); code != http.StatusOK || !strings.Contains(body, "Subscription confirmed") {
		t.Errorf("GET after confirming: got %d:\n%s", code, body)
	}
	if sub, _ = e.st.Subscriber(ctx, sub.ID); sub.ConfirmedAt.IsZero() {
		t.Fatal("the subscriber is still unconfirmed")
	}

	// An update on its component arrives; one on another component does not.
	if err := e.s.outbox.Publish(ctx, outbox.Event{ID: "inc-1.u1", Kind: outbox.EventIncidentUpdated, At: at, Title: "API errors", Message: "We found the cause.",
		Status: "identified", Severity: "P2", Incident: "inc-1", Components: []string{"api"}, URL: "/incidents/inc-1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.outbox.Publish(ctx, outbox.Event{ID: "inc-2.created", Kind: outbox.EventIncidentCreated, At: at, Title: "Website slow", Components: []string{"web"}}); err != nil {
		t.Fatal(err)
	}
	if st := e.outboundState("inc-2.created/" + sub.ID); st != "" {
		t.Errorf("got an outbound (%s) for a component the subscriber did not choose", st)
	}
	update := waitMails(2)[1]
	text = mailBody(t, update)
	if subj := update.Header.Get("Subject"); subj != "[Service status] Incident update: API errors" {
		t.Errorf("got Subject %q", subj)
	}
	for _, want := range []string{"We found the cause.", "Status: Identified", "Severity: P2", "Components: API", e.url + "/incidents/inc-1"} {
		if !strings.Contains(text, want) {
			t.Errorf("update mail lacks %q:\n%s", want, text)
		}
	}
	header := strings.Trim(update.Header.Get("List-Unsubscribe"), "<>")
	if update.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || header != e.url+linkIn(t, text, e.url, "/unsubscribe/") {
		t.Errorf("got List-Unsubscribe %q, want the body's link", header)
	}

	// Unsubscribe through the link in the mail: at once, then idempotent,
	// also by the one-click POST of the header.
	code, body = e.page("GET", linkIn(t, text, e.url, "/unsubscribe/"), nil)
	if code != http.StatusOK || !strings.Contains(body, "You are unsubscribed") {
		t.Fatalf("unsubscribe: got %d:\n%s", code, body)
	}
	if _, err := e.st.Subscriber(ctx, sub.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("got %v after unsubscribing, want the subscriber gone", err)
	}
	resp, err := http.Post(header, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("one-click unsubscribe: got %d, want 200", resp.StatusCode)
	}
	if err := e.s.outbox.Publish(ctx, outbox.Event{ID: "inc-1.resolved", Kind: outbox.EventIncidentResolved, At: at, Title: "API errors", Components: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	if st := e.outboundState("inc-1.resolved/" + sub.ID); st != "" {
		t.Errorf("got an outbound (%s) after unsubscribing", st)
	}
}

func TestResubscribeAndRateLimit(t *testing.T) {
	sink := smtptest.Start(t)
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), `server: {public_url: "$URL"}
email: {smtp_addr: "`+sink.Addr+`", from: "status@example.com", tls: none}
`, nil)
	ctx := context.Background()
	const addr = "sam@example.org"
	// The answers are compared without the footer's time.
	mainOf := func(page string) string {
		i, j := strings.Index(page, "<main"), strings.Index(page, "</main>")
		if i < 0 || j < i {
			t.Fatalf("no main element in %s", page)
		}
		return page[i:j]
	}
	code, first := e.page("POST", "/subscribe", url.Values{"email": {addr}, "components": {"api"}})
	first = mainOf(first)
	if code != http.StatusOK {
		t.Fatalf("got %d", code)
	}
	sub, err := e.st.SubscriberByAddress(ctx, "email", addr)
	if err != nil {
		t.Fatal(err)
	}
	// Again, for every component: same subscriber, new components, a
	// second confirmation, and the same answer.
	code, again := e.page("POST", "/subscribe", url.Values{"email": {addr}, "components": {"api", "web"}})
	if code != http.StatusOK || mainOf(again) != first {
		t.Errorf("got %d and a different page for the second request, want the same", code)
	}
	sub2, err := e.st.SubscriberByAddress(ctx, "email", addr)
	if err != nil || sub2.ID != sub.ID || len(sub2.Components) != 0 {
		t.Errorf("got %+v (%v), want %s for all components", sub2, err, sub.ID)
	}
	eventually(t, "two confirmations", func() bool { return len(mailsTo(sink, t, addr)) == 2 })

	// Confirmed: subscribing again says the same and sends nothing new.
	tok, err := e.s.outbox.LinkToken(ctx, outbox.PurposeConfirm, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.page("POST", "/subscribe/confirm/"+tok, nil); code != http.StatusOK {
		t.Fatalf("confirm: got %d", code)
	}
	if code, page := e.page("POST", "/subscribe", url.Values{"email": {addr}, "components": {"web"}}); code != http.StatusOK || mainOf(page) != first {
		t.Errorf("got %d and a page that differs for a confirmed address, want the same answer", code)
	}

	// One client may not use the form to flood: 5 requests, then 429.
	var last int
	for i := range 4 {
		last, _ = e.page("POST", "/subscribe", url.Values{"email": {"x" + string(rune('a'+i)) + "@example.org"}, "components": {"api"}})
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("got %d for the 7th request from one address, want 429", last)
	}
}

func TestUnconfirmedSubscribersExpire(t *testing.T) {
	db := filepath.Join(t.TempDir(), "n.db")
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	for _, sub := range []store.Subscriber{
		{ID: "sub-old", Kind: "email", Address: "old@example.org", CreatedAt: now.Add(-8 * 24 * time.Hour)},
		{ID: "sub-new", Kind: "email", Address: "new@example.org", CreatedAt: now.Add(-24 * time.Hour)},
		{ID: "sub-kept", Kind: "email", Address: "kept@example.org", CreatedAt: now.Add(-30 * 24 * time.Hour), ConfirmedAt: now.Add(-29 * 24 * time.Hour)},
	} {
		if err := st.PutSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	e := startNotify(t, db, noSMTP, nil)
	eventually(t, "the sweep at start", func() bool {
		_, err := e.st.Subscriber(ctx, "sub-old")
		return errors.Is(err, store.ErrNotFound)
	})
	for _, id := range []string{"sub-new", "sub-kept"} {
		if _, err := e.st.Subscriber(ctx, id); err != nil {
			t.Errorf("%s: got %v, want it kept", id, err)
		}
	}
}
