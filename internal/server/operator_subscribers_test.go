package server

import (
	"context"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/api"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/store"
)

// browserFor is a browser (auth_test.go) on the server at base.
func browserFor(t *testing.T, base string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var secretRE = regexp.MustCompile(`value="(whsec_[^"]+)"`)

func TestOperatorSubscriberPages(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP+`users:
  - {name: alice, password_hash_env: ALICE_HASH}
alerts:
  - {name: ops-chat, kind: slack, url: "http://127.0.0.1:9/chat", events: [monitor.down]}
`, map[string]string{"ALICE_HASH": testAliceHash(t)})
	ctx := context.Background()

	// Signed out: the page sends to sign in, a form post does nothing.
	anon := browserFor(t, e.url)
	if p := anon.get("/admin/subscribers"); p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/admin/signin?next=") {
		t.Errorf("signed out: got %d to %q, want 303 to sign in", p.code, p.location)
	}
	if p := anon.post("/admin/subscribers", url.Values{"kind": {"webhook"}, "url": {"https://hooks.example.com/x"}}); p.code != http.StatusUnauthorized {
		t.Errorf("signed-out add: got %d, want 401", p.code)
	}
	if subs, _ := e.st.Subscribers(ctx); len(subs) != 0 {
		t.Fatalf("a signed-out form added %d subscribers", len(subs))
	}

	b := browserFor(t, e.url)
	b.signIn("alice", testAlicePassword)
	p := b.get("/admin/subscribers")
	if p.code != http.StatusOK || !strings.Contains(p.body, `<a href="/admin/subscribers">Subscribers</a>`) || !strings.Contains(p.body, "No subscribers yet.") {
		t.Fatalf("empty list: got %d:\n%s", p.code, p.body)
	}
	if !strings.Contains(p.body, `href="/admin/subscribers/alert:ops-chat"`) {
		t.Errorf("the alert channel's log is not linked:\n%s", p.body)
	}
	checkWellFormed(t, p.body)
	checkLabels(t, p.body)

	// The API's checks, at the form's fields, with what was entered kept.
	for _, tt := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"kind": {"webhook"}, "url": {"ftp://x.example"}}, "url"},
		{url.Values{"kind": {"slack"}}, "url"},
		{url.Values{"kind": {"sms"}, "url": {"https://x.example"}}, "kind"},
		{url.Values{"kind": {"webhook"}, "url": {"https://x.example"}, "components": {"nope"}}, "components"},
	} {
		p := b.post("/admin/subscribers", tt.form)
		if p.code != http.StatusBadRequest || !strings.Contains(p.body, `id="add-`+tt.field+`-err"`) {
			t.Errorf("%v: got %d, want 400 with the error at %s:\n%s", tt.form, p.code, tt.field, p.body)
		}
		if u := tt.form.Get("url"); u != "" && !strings.Contains(p.body, `value="`+u+`"`) {
			t.Errorf("%v: the url entered is not kept", tt.form)
		}
	}

	// A webhook: its secret is shown once, then never again.
	h := newHookReceiver(t, 2)
	p = b.post("/admin/subscribers", url.Values{"kind": {"webhook"}, "url": {h.srv.URL + "/hook"}, "components": {"api"}})
	m := secretRE.FindStringSubmatch(p.body)
	if p.code != http.StatusCreated || m == nil || !strings.Contains(p.body, "The subscriber is added.") {
		t.Fatalf("add a webhook: got %d, want 201 showing the whsec_ secret:\n%s", p.code, p.body)
	}
	checkWellFormed(t, p.body)
	checkLabels(t, p.body)
	// The attribute escapes "+" as &#43;.
	secret := html.UnescapeString(m[1])
	h.setSecret(secret)
	subs, err := e.st.Subscribers(ctx)
	if err != nil || len(subs) != 1 {
		t.Fatalf("got %d subscribers (%v), want 1", len(subs), err)
	}
	hook := subs[0]
	if hook.Kind != "webhook" || hook.Secret != secret || hook.ConfirmedAt.IsZero() || len(hook.Components) != 1 || hook.Components[0] != "api" {
		t.Errorf("stored %+v, want a confirmed webhook on api with the secret shown", hook)
	}
	if p = b.get("/admin/subscribers"); strings.Contains(p.body, m[1]) || strings.Contains(p.body, "Signing secret") {
		t.Error("the list shows the secret again")
	}
	if p = b.post("/admin/subscribers", url.Values{"kind": {"webhook"}, "url": {h.srv.URL + "/hook"}}); p.code != http.StatusConflict ||
		!strings.Contains(p.body, `id="add-url-err"`) || !strings.Contains(p.body, hook.ID) {
		t.Errorf("the same url again: got %d, want 409 at the url naming %s", p.code, hook.ID)
	}
	p = b.post("/admin/subscribers", url.Values{"kind": {"slack"}, "url": {"http://127.0.0.1:9/slack"}})
	if p.code != http.StatusCreated || strings.Contains(p.body, "whsec_") {
		t.Errorf("add Slack: got %d, want 201 without a secret", p.code)
	}
	// An email subscriber (from the API): its address in full, pending.
	var mail api.Subscriber
	e.call("POST", "/api/v1/subscribers", testOpsToken, `{"kind": "email", "email": "jane.doe@example.com"}`, http.StatusCreated, &mail)
	p = b.get("/admin/subscribers")
	if !strings.Contains(p.body, ">jane.doe@example.com</a>") || !strings.Contains(p.body, "Pending confirmation") || strings.Count(p.body, ">Confirmed<") != 2 {
		t.Errorf("list: want the address in full, one pending and two confirmed:\n%s", p.body)
	}
	if !strings.Contains(p.body, "Components: API") || !strings.Contains(p.body, "Components: all components") {
		t.Errorf("list: want the component names:\n%s", p.body)
	}

	// The delivery log: two refusals, then the delivery.
	if err := e.s.outbox.Publish(ctx, outbox.Event{ID: "inc-1.u1", Kind: outbox.EventIncidentUpdated, At: time.Now(), Title: "API errors", Components: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the webhook delivery", func() bool { return e.outboundState("inc-1.u1/"+hook.ID) == store.OutboundDelivered })
	// The Slack one is refused (nothing listens) until its budget ends.
	var slack store.Subscriber
	subs, _ = e.st.Subscribers(ctx)
	for _, sub := range subs {
		if sub.Kind == "slack" {
			slack = sub
		}
	}
	eventually(t, "the Slack notification to fail", func() bool { return e.outboundState("inc-1.u1/"+slack.ID) == store.OutboundFailed })
	p = b.get("/admin/subscribers/" + hook.ID)
	if p.code != http.StatusOK {
		t.Fatalf("delivery log: %d", p.code)
	}
	checkWellFormed(t, p.body)
	if n := strings.Count(p.body, `<tr class="failed" role="row">`); n != 2 || strings.Count(p.body, `<tr class="ok" role="row">`) != 1 {
		t.Errorf("delivery log: %d failed rows, want 2 and 1 ok:\n%s", n, p.body)
	}
	for _, want := range []string{`<span class="status s-failed"><span class="dot" aria-hidden="true"></span>Failed</span>`,
		`<span class="status s-ok"><span class="dot" aria-hidden="true"></span>OK</span>`, `data-label="Code" class="nowrap">503</td>`, "try later", " ms</td>",
		`<span class="status s-delivered"><span class="dot" aria-hidden="true"></span>Delivered</span>`, "incident.updated", "Delivery log: " + h.srv.URL + "/hook"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("delivery log lacks %q:\n%s", want, p.body)
		}
	}
	p = b.get("/admin/subscribers/" + slack.ID)
	// The last cell is the notification's state.
	if !strings.Contains(p.body, `s-failed"><span class="dot" aria-hidden="true"></span>Failed</span></td>
</tr>`) {
		t.Errorf("Slack log: want the notification shown failed:\n%s", p.body)
	}
	if strings.Contains(p.body, `<tr class="ok" role="row">`) || !strings.Contains(p.body, `<span class="hint">none</span>`) {
		t.Errorf("Slack log: want only failures without a code")
	}

	// A notification still pending shows its next attempt.
	next := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	now := time.Now().UTC()
	if err := e.st.Enqueue(ctx, []store.Outbound{{ID: "ev-2/" + hook.ID, Channel: "webhook", Recipient: hook.ID, Event: outbox.EventIncidentResolved,
		Payload: []byte(`{}`), CreatedAt: now, NextAt: next}}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: "ev-2/" + hook.ID, Recipient: hook.ID, Channel: "webhook",
		Event: outbox.EventIncidentResolved, At: now, Code: 502, Error: "bad gateway", Duration: 1500 * time.Millisecond}, store.OutboundPending, next); err != nil {
		t.Fatal(err)
	}
	p = b.get("/admin/subscribers/" + hook.ID)
	if !strings.Contains(p.body, `Pending</span>, next attempt <time datetime="2030-01-02T03:04:00Z">2 Jan 2030 03:04 UTC</time>`) ||
		!strings.Contains(p.body, `>1500 ms</td>`) || !strings.Contains(p.body, "bad gateway") {
		t.Errorf("pending: want the next attempt's time:\n%s", p.body)
	}

	// Removal asks first, then removes; the log stays readable.
	p = b.get("/admin/subscribers/" + hook.ID + "/remove")
	if p.code != http.StatusOK || !strings.Contains(p.body, `action="/admin/subscribers/`+hook.ID+`/remove"`) {
		t.Fatalf("confirm page: got %d:\n%s", p.code, p.body)
	}
	checkWellFormed(t, p.body)
	if _, err := e.st.Subscriber(ctx, hook.ID); err != nil {
		t.Fatalf("asking to confirm removed it: %v", err)
	}
	p = b.post("/admin/subscribers/"+hook.ID+"/remove", nil)
	if p.code != http.StatusSeeOther || p.location != "/admin/subscribers?done=removed" {
		t.Fatalf("remove: got %d to %q", p.code, p.location)
	}
	if p = b.get(p.location); !strings.Contains(p.body, "The subscriber is removed.") || strings.Contains(p.body, h.srv.URL) {
		t.Errorf("after removing: want the flash and the webhook gone:\n%s", p.body)
	}
	if e.outboundState("ev-2/"+hook.ID) != store.OutboundFailed {
		t.Error("the removed subscriber's pending notification is still pending")
	}
	if p = b.get("/admin/subscribers/" + hook.ID); p.code != http.StatusOK || !strings.Contains(p.body, "This subscriber has been removed") {
		t.Errorf("removed subscriber's log: got %d", p.code)
	}
	for _, path := range []string{"/admin/subscribers/" + hook.ID + "/remove", "/admin/subscribers/sub-nobody/remove"} {
		if p = b.post(path, nil); p.code != http.StatusNotFound || !strings.Contains(p.body, "no subscriber") {
			t.Errorf("POST %s: got %d, want 404 saying so", path, p.code)
		}
	}
	for _, path := range []string{"/admin/subscribers/sub-nobody", "/admin/subscribers/sub-nobody/remove", "/admin/subscribers/alert:nobody"} {
		if p = b.get(path); p.code != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", path, p.code)
		}
	}

	// The operator alert channel's log.
	if err := e.s.outbox.Publish(ctx, outbox.Event{ID: "st:api:1:major_outage", Kind: outbox.EventMonitorDown, At: time.Now(), Components: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the alert to fail", func() bool { return e.outboundState("st:api:1:major_outage/alert:ops-chat") == store.OutboundFailed })
	p = b.get("/admin/subscribers/alert:ops-chat")
	if p.code != http.StatusOK || !strings.Contains(p.body, "alert channel ops-chat") || !strings.Contains(p.body, "monitor.down") {
		t.Errorf("alert log: got %d:\n%s", p.code, p.body)
	}
}
