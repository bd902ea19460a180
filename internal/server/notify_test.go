package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/slakeeper/slakeeper/internal/api"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/notify"
	"github.com/slakeeper/slakeeper/internal/notify/smtptest"
	"github.com/slakeeper/slakeeper/internal/notify/webhook"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/web"
)

// notifyEnv is a running server (Run and HTTP) with its own SQLite file.
type notifyEnv struct {
	t   *testing.T
	s   *Server
	st  store.Store
	url string
	// stop ends Run and waits for it.
	stop func()
}

// notifyConfig is the configuration of the notification tests; extra is
// appended (alerts:, email:, server:).
const notifyConfig = `components:
  - {id: api, name: API}
  - {id: web, name: Website}
tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: dashboard, role: viewer, token_env: VIEW_TOKEN}
`

// startNotify starts a server on the SQLite file db with the configuration
// notifyConfig+extra; env adds environment variables. The listener is
// made first so that the configuration can name the server's own address
// ($URL in extra) as its public URL.
func startNotify(t *testing.T, db, extra string, env map[string]string) *notifyEnv {
	t.Helper()
	return startNotifyWrapped(t, db, extra, env, nil)
}

// startNotifyWrapped is startNotify with the server's store wrapped by
// wrap (nil: not wrapped), to make it fail on purpose.
func startNotifyWrapped(t *testing.T, db, extra string, env map[string]string, wrap func(store.Store) store.Store) *notifyEnv {
	t.Helper()
	return startNotifyAt(t, db, extra, env, wrap, nil)
}

// startNotifyAt is startNotifyWrapped with the server's clock (nil: the
// real one).
func startNotifyAt(t *testing.T, db, extra string, env map[string]string, wrap func(store.Store) store.Store, now func() time.Time) *notifyEnv {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	vars := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Parse("slakeeper.yaml", []byte(notifyConfig+strings.ReplaceAll(extra, "$URL", url)),
		func(k string) string { return vars[k] }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	var served store.Store = st
	if wrap != nil {
		served = wrap(st)
	}
	// Short retries, so the tests wait milliseconds, not minutes.
	s, err := New(Options{Store: served, Config: cfg, Now: now, Notify: outbox.Options{RecordRetry: 5 * time.Millisecond,
		Backoff: notify.Backoff{Attempts: testNotifyAttempts, Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.Listener.Close()
	ts.Listener = l
	ts.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("run: %v", err)
			}
			ts.Close()
			st.Close()
		})
	}
	t.Cleanup(stop)
	return &notifyEnv{t: t, s: s, st: st, url: url, stop: stop}
}

// testNotifyAttempts is how many attempts the tests' outbox makes.
const testNotifyAttempts = 6

// metricValue is the value of metric name in reg with the labels (name,
// value pairs); 0 when it has no such sample yet.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == labels[i] && l.GetValue() == labels[i+1] }) {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
	}
	return 0
}

// call sends body with the token ("" for none) and checks the status code.
func (e *notifyEnv) call(method, path, token, body string, wantCode int, out any) []byte {
	e.t.Helper()
	return apiCall(e.t, e.url, method, path, token, body, wantCode, out)
}

// eventually polls cond every 10 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// outboundState is the state of an outbound, "" when there is none.
func (e *notifyEnv) outboundState(id string) string {
	e.t.Helper()
	ob, err := e.st.Outbound(context.Background(), id)
	if errors.Is(err, store.ErrNotFound) {
		return ""
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return ob.State
}

// hookReceiver is a real HTTP receiver of Standard Webhooks that checks
// each signature and answers the first fail requests with 503.
type hookReceiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	fail   int
	calls  int
	got    []hookCall
	// refuse, when set, answers 503 to the requests whose webhook-id it
	// picks; tried is every signed request's webhook-id in arrival order.
	refuse func(id string) bool
	tried  []string
	// skew is how far the sender's clock may be from the real one (a
	// server on a test clock signs with its time); 0 means 5 minutes.
	skew time.Duration
}

type hookCall struct {
	ID   string
	Body struct {
		Type string      `json:"type"`
		Data outbox.Wire `json:"data"`
	}
}

func newHookReceiver(t *testing.T, fail int) *hookReceiver {
	h := &hookReceiver{t: t, fail: fail}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.secret == "" {
			http.Error(w, "no secret yet", http.StatusServiceUnavailable)
			return
		}
		if err := webhook.Verify(h.secret, r.Header, body, time.Now(), cmp.Or(h.skew, 5*time.Minute)); err != nil {
			t.Errorf("webhook signature: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		h.calls++
		h.tried = append(h.tried, r.Header.Get("webhook-id"))
		if h.calls <= h.fail || (h.refuse != nil && h.refuse(r.Header.Get("webhook-id"))) {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		var c hookCall
		c.ID = r.Header.Get("webhook-id")
		if err := json.Unmarshal(body, &c.Body); err != nil {
			t.Errorf("webhook body %s: %v", body, err)
		}
		h.got = append(h.got, c)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) setSecret(s string) { h.mu.Lock(); h.secret = s; h.mu.Unlock() }

func (h *hookReceiver) received() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

func TestNoEmailWithoutSMTP(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), "", nil)
	// "Subscribe to updates" leads to the feeds, as links that work.
	code, body := e.page("GET", "/subscribe", nil)
	if code != http.StatusOK || !strings.Contains(body, "does not send email") || strings.Contains(body, "<form") ||
		!strings.Contains(body, `<a href="/feed.atom">`) || !strings.Contains(body, `<a href="/feed.rss">`) {
		t.Errorf("GET /subscribe without email: got %d:\n%s", code, body)
	}
	for _, feed := range []string{"/feed.atom", "/feed.rss"} {
		resp, err := http.Get(e.url + feed)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
			t.Errorf("GET %s: %d %s", feed, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if code, _ := e.page("POST", "/subscribe", map[string][]string{"email": {"a@example.org"}}); code != http.StatusNotFound {
		t.Errorf("POST /subscribe without email: got %d, want 404", code)
	}
	var got web.Error
	e.call("POST", "/api/v1/subscribers", testOpsToken, `{"kind": "email", "email": "a@example.org"}`, http.StatusBadRequest, &got)
	if got.Field != "kind" {
		t.Errorf("got %+v, want an error on kind", got)
	}
	if subs, _ := e.st.Subscribers(context.Background()); len(subs) != 0 {
		t.Errorf("got subscribers %+v, want none", subs)
	}
}

// noSMTP is an email: section (with the public_url it needs) whose server never answers: confirmation
// mails stay pending, which these tests do not look at.
const noSMTP = "server: {public_url: \"https://status.example.com\"}\nemail: {smtp_addr: \"127.0.0.1:9\", from: status@example.com, tls: none}\n"

func TestSubscriberAPI(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP, nil)
	body := `{"kind": "webhook", "url": "https://hooks.example.com/x", "components": ["api"]}`
	// Denials: no token, an unknown one, a viewer writing.
	e.call("POST", "/api/v1/subscribers", "", body, http.StatusUnauthorized, nil)
	e.call("POST", "/api/v1/subscribers", "not-a-known-token-at-all", body, http.StatusUnauthorized, nil)
	e.call("POST", "/api/v1/subscribers", testViewerToken, body, http.StatusForbidden, nil)
	e.call("GET", "/api/v1/subscribers", "", "", http.StatusUnauthorized, nil)
	e.call("DELETE", "/api/v1/subscribers/sub-x", testViewerToken, "", http.StatusForbidden, nil)
	e.call("DELETE", "/api/v1/subscribers/sub-x", "", "", http.StatusUnauthorized, nil)
	e.call("GET", "/api/v1/subscribers/sub-x/deliveries", "", "", http.StatusUnauthorized, nil)

	var hook api.Subscriber
	e.call("POST", "/api/v1/subscribers", testOpsToken, body, http.StatusCreated, &hook)
	if !strings.HasPrefix(hook.Secret, "whsec_") || hook.ConfirmedAt == "" || hook.Kind != "webhook" || !slices.Equal(hook.Components, []string{"api"}) {
		t.Errorf("got %+v, want a confirmed webhook subscriber with a whsec_ secret", hook)
	}
	var mail api.Subscriber
	e.call("POST", "/api/v1/subscribers", testOpsToken, `{"kind": "email", "email": "Ops@Example.com"}`, http.StatusCreated, &mail)
	if mail.ConfirmedAt != "" || mail.Secret != "" || len(mail.Components) != 0 {
		t.Errorf("got %+v, want an unconfirmed email subscriber to all components without a secret", mail)
	}
	e.call("POST", "/api/v1/subscribers", testOpsToken, `{"kind": "email", "email": "ops@example.com"}`, http.StatusConflict, nil)
	for _, tt := range []struct{ body, field string }{
		{`{"kind": "sms", "url": "https://x.example"}`, "kind"},
		{`{"kind": "webhook", "url": "ftp://x.example"}`, "url"},
		{`{"kind": "webhook"}`, "url"},
		{`{"kind": "slack", "url": "https://x.example", "email": "a@example.com"}`, "email"},
		{`{"kind": "email", "email": "not an address"}`, "email"},
		{`{"kind": "email", "email": "a@example.com", "url": "https://x.example"}`, "url"},
		{`{"kind": "webhook", "url": "https://x.example", "components": ["nope"]}`, "components[0]"},
		{`{"kind": "webhook", "url": "https://x.example", "secret": "mine"}`, "secret"},
	} {
		var got web.Error
		e.call("POST", "/api/v1/subscribers", testOpsToken, tt.body, http.StatusBadRequest, &got)
		if got.Field != tt.field {
			t.Errorf("%s: got error %+v, want field %q", tt.body, got, tt.field)
		}
	}

	var list struct{ Subscribers []api.Subscriber }
	e.call("GET", "/api/v1/subscribers", testViewerToken, "", http.StatusOK, &list)
	if len(list.Subscribers) != 2 || list.Subscribers[0].Secret != "" || list.Subscribers[1].Secret != "" {
		t.Errorf("got %+v, want both subscribers and no secret", list.Subscribers)
	}
	e.call("GET", "/api/v1/subscribers/"+hook.ID+"/deliveries", testViewerToken, "", http.StatusOK, nil)
	e.call("GET", "/api/v1/subscribers/sub-nobody/deliveries", testViewerToken, "", http.StatusNotFound, nil)
	e.call("GET", "/api/v1/subscribers/"+hook.ID+"/deliveries?limit=0", testViewerToken, "", http.StatusBadRequest, nil)
	e.call("DELETE", "/api/v1/subscribers/"+hook.ID, testOpsToken, "", http.StatusNoContent, nil)
	e.call("DELETE", "/api/v1/subscribers/"+hook.ID, testOpsToken, "", http.StatusNotFound, nil)
	e.call("GET", "/api/v1/subscribers", testOpsToken, "", http.StatusOK, &list)
	if len(list.Subscribers) != 1 || list.Subscribers[0].ID != mail.ID {
		t.Errorf("got %+v after the delete, want only %s", list.Subscribers, mail.ID)
	}
}

// addHook creates a webhook subscriber to comps through the API and gives
// its secret to the receiver.
func (e *notifyEnv) addHook(h *hookReceiver, comps string) api.Subscriber {
	e.t.Helper()
	var sub api.Subscriber
	e.call("POST", "/api/v1/subscribers", testOpsToken, `{"kind": "webhook", "url": "`+h.srv.URL+`/hook", "components": `+comps+`}`, http.StatusCreated, &sub)
	h.setSecret(sub.Secret)
	return sub
}

func TestWebhookRetriesWithBackoffAndLogsDeliveries(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), "server: {public_url: \"https://status.example.com\"}\n", nil)
	h := newHookReceiver(t, 2)
	sub := e.addHook(h, `["api"]`)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ev := outbox.Event{ID: "inc-1.u1", Kind: outbox.EventIncidentUpdated, At: at, Title: "API errors", Message: "Fixed the cause.",
		Status: "monitoring", Severity: "P2", Incident: "inc-1", Components: []string{"api"}, URL: "/incidents/inc-1"}
	if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the third attempt to succeed", func() bool { return len(h.received()) == 1 })
	got := h.received()[0]
	if got.ID != "inc-1.u1/"+sub.ID || got.Body.Type != outbox.EventIncidentUpdated {
		t.Errorf("got webhook-id %q type %q, want %q, %q", got.ID, got.Body.Type, "inc-1.u1/"+sub.ID, outbox.EventIncidentUpdated)
	}
	want := outbox.Wire{ID: "inc-1.u1", Kind: outbox.EventIncidentUpdated, At: at, Title: "API errors", Message: "Fixed the cause.",
		Status: "monitoring", Severity: "P2", Incident: "inc-1", Components: []string{"api"}, URL: "https://status.example.com/incidents/inc-1"}
	if d := got.Body.Data; !d.At.Equal(want.At) || d.URL != want.URL || d.Title != want.Title || d.Message != want.Message || !slices.Equal(d.Components, want.Components) {
		t.Errorf("got data %+v, want %+v", d, want)
	}
	eventually(t, "the delivery to be recorded", func() bool { return e.outboundState(got.ID) == store.OutboundDelivered })

	var log struct{ Deliveries []api.Delivery }
	// The operator reads the receiver's answers (a viewer, their status).
	e.call("GET", "/api/v1/subscribers/"+sub.ID+"/deliveries", testOpsToken, "", http.StatusOK, &log)
	if len(log.Deliveries) != 3 {
		t.Fatalf("got %d attempts in the log %+v, want 3", len(log.Deliveries), log.Deliveries)
	}
	// Newest first: the success, then the two refusals.
	for i, d := range log.Deliveries {
		wantOK := i == 0
		if d.OK != wantOK || d.Outbound != got.ID || d.Channel != "webhook" || d.Event != outbox.EventIncidentUpdated {
			t.Errorf("attempt %d: got %+v, want ok %v", i, d, wantOK)
		}
		if !wantOK && (d.Code != 503 || !strings.Contains(d.Error, "try later")) {
			t.Errorf("attempt %d: got code %d error %q, want 503 and the receiver's text", i, d.Code, d.Error)
		}
	}
	ob, err := e.st.Outbound(context.Background(), got.ID)
	if err != nil || ob.Attempts != 3 {
		t.Errorf("got outbound %+v (%v), want 3 attempts", ob, err)
	}

	// Publishing the same event again notifies nobody twice.
	if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if ob2, _ := e.st.Outbound(context.Background(), got.ID); ob2.Attempts != 3 || ob2.State != store.OutboundDelivered {
		t.Errorf("got %+v after publishing again, want it untouched", ob2)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_notifications_delivered_total", "channel", "webhook"); v != 1 {
		t.Errorf("got %v delivered webhooks in the metric, want 1", v)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_notification_attempts_total", "channel", "webhook", "result", "error"); v != 2 {
		t.Errorf("got %v failed attempts in the metric, want 2", v)
	}
}

func TestComponentFiltering(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP, nil)
	apiHook, webHook, allHook := newHookReceiver(t, 0), newHookReceiver(t, 0), newHookReceiver(t, 0)
	apiSub, webSub, allSub := e.addHook(apiHook, `["api"]`), e.addHook(webHook, `["web"]`), e.addHook(allHook, `[]`)
	// A pending email subscriber is not told anything before it confirms.
	var pending api.Subscriber
	e.call("POST", "/api/v1/subscribers", testOpsToken, `{"kind": "email", "email": "later@example.com"}`, http.StatusCreated, &pending)

	ctx := context.Background()
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, ev := range []outbox.Event{
		{ID: "e-api", Kind: outbox.EventIncidentCreated, At: at, Title: "API down", Components: []string{"api"}},
		{ID: "e-web", Kind: outbox.EventMaintenanceScheduled, At: at, Title: "Web work", Components: []string{"web"}},
		{ID: "e-both", Kind: outbox.EventIncidentResolved, At: at, Title: "Both fine", Components: []string{"web", "api"}},
		{ID: "e-none", Kind: outbox.EventMaintenanceCompleted, At: at, Title: "Everyone"},
		// Not public: subscribers are never told of monitors.
		{ID: "e-down", Kind: outbox.EventMonitorDown, At: at, Title: "api-http down", Components: []string{"api"}},
	} {
		if err := e.s.outbox.Publish(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]string{apiSub.ID: {"e-api", "e-both", "e-none"}, webSub.ID: {"e-web", "e-both", "e-none"}, allSub.ID: {"e-api", "e-web", "e-both", "e-none"}}
	for _, id := range []string{"e-api", "e-web", "e-both", "e-none", "e-down"} {
		for sub, evs := range want {
			state := e.outboundState(id + "/" + sub)
			if queued := state != ""; queued != slices.Contains(evs, id) {
				t.Errorf("event %s to %s: got state %q, want queued %v", id, sub, state, !queued)
			}
		}
		if state := e.outboundState(id + "/" + pending.ID); state != "" {
			t.Errorf("event %s was queued for the unconfirmed subscriber (%s)", id, state)
		}
	}
	for r, sub := range map[*hookReceiver]string{apiHook: apiSub.ID, webHook: webSub.ID, allHook: allSub.ID} {
		eventually(t, "every queued webhook", func() bool { return len(r.received()) == len(want[sub]) })
		var ids []string
		for _, c := range r.received() {
			ids = append(ids, strings.TrimSuffix(c.ID, "/"+sub))
		}
		slices.Sort(ids)
		if w := slices.Sorted(slices.Values(want[sub])); !slices.Equal(ids, w) {
			t.Errorf("%s got %v, want %v", sub, ids, want[sub])
		}
	}
}

func TestDeliverySurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "n.db")
	h := newHookReceiver(t, 1000) // down for as long as the first server runs
	e := startNotify(t, db, "", nil)
	sub := e.addHook(h, `[]`)
	ev := outbox.Event{ID: "inc-9.created", Kind: outbox.EventIncidentCreated, At: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Title: "Outage"}
	if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	id := ev.ID + "/" + sub.ID
	eventually(t, "a failed attempt", func() bool {
		ob, err := e.st.Outbound(context.Background(), id)
		return err == nil && ob.Attempts >= 1
	})
	e.stop()

	h.mu.Lock()
	h.fail = 0 // the receiver is back
	h.mu.Unlock()
	e2 := startNotify(t, db, "", nil)
	eventually(t, "the delivery after the restart", func() bool { return len(h.received()) == 1 })
	if got := h.received()[0].ID; got != id {
		t.Errorf("got webhook-id %q, want %q", got, id)
	}
	eventually(t, "the delivery to be recorded", func() bool { return e2.outboundState(id) == store.OutboundDelivered })
}

func TestGiveUpIsLoggedAndCounted(t *testing.T) {
	// A 400 is permanent: no retry, the row is failed and stays.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad payload", http.StatusBadRequest)
	}))
	defer refuse.Close()
	// A 503 is retried until the attempts run out.
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer busy.Close()
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), `alerts:
  - {name: refuse, kind: slack, url: "`+refuse.URL+`"}
  - {name: busy, kind: slack, url: "`+busy.URL+`"}
`, nil)
	ev := outbox.Event{ID: "st:api-http:1:major_outage", Kind: outbox.EventMonitorDown, At: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Title: "api-http is down", Components: []string{"api"}}
	if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"refuse", "busy"} {
		eventually(t, name+" to fail for good", func() bool { return e.outboundState(ev.ID+"/alert:"+name) == store.OutboundFailed })
	}
	ctx := context.Background()
	if ob, _ := e.st.Outbound(ctx, ev.ID+"/alert:refuse"); ob.Attempts != 1 || !strings.Contains(ob.LastError, "bad payload") {
		t.Errorf("refused: got %+v, want one attempt and the receiver's answer", ob)
	}
	if ob, _ := e.st.Outbound(ctx, ev.ID+"/alert:busy"); ob.Attempts != testNotifyAttempts {
		t.Errorf("busy: got %d attempts, want %d", ob.Attempts, testNotifyAttempts)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_notifications_failed_total", "channel", "slack"); v != 2 {
		t.Errorf("got %v failures in the metric, want 2", v)
	}
	problems, err := testutil.GatherAndLint(e.s.reg, "slakeeper_notifications_failed_total", "slakeeper_notification_attempts_total")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
	var log struct{ Deliveries []api.Delivery }
	e.call("GET", "/api/v1/subscribers/alert:busy/deliveries", testOpsToken, "", http.StatusOK, &log)
	if len(log.Deliveries) != testNotifyAttempts {
		t.Errorf("got %d attempts in the log, want %d", len(log.Deliveries), testNotifyAttempts)
	}

	// A row of a subscriber deleted meanwhile is closed, not a failure.
	now := time.Now()
	if err := e.st.Enqueue(ctx, []store.Outbound{{ID: "ev/sub-gone", Channel: "webhook", Recipient: "sub-gone", Event: outbox.EventIncidentCreated,
		Payload: []byte(`{"event": {"id": "ev", "kind": "incident.created"}}`), CreatedAt: now, NextAt: now}}); err != nil {
		t.Fatal(err)
	}
	e.s.outbox.Poke()
	eventually(t, "the row to be closed", func() bool { return e.outboundState("ev/sub-gone") == store.OutboundFailed })
	if ob, _ := e.st.Outbound(ctx, "ev/sub-gone"); ob.LastError != "unsubscribed" {
		t.Errorf("got last error %q, want unsubscribed", ob.LastError)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_notifications_failed_total", "channel", "webhook"); v != 0 {
		t.Errorf("got %v webhook failures in the metric, want none for an unsubscribed recipient", v)
	}
}

func TestAlertChannels(t *testing.T) {
	type req struct {
		path string
		body map[string]any
	}
	var mu sync.Mutex
	var reqs []req
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		reqs = append(reqs, req{r.URL.Path, b})
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer recv.Close()
	hook := newHookReceiver(t, 0)
	const secret = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LW9mLXRoZS1vcHM="
	hook.setSecret(secret)
	sink := smtptest.Start(t)
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), `server: {public_url: "https://status.example.com"}
email: {smtp_addr: "`+sink.Addr+`", from: "slakeeper <sla@example.com>", tls: none}
alerts:
  - {name: ops-mail, kind: email, to: [ops@example.com, cto@example.com], events: [monitor.down]}
  - {name: pager, kind: pagerduty, url: "`+recv.URL+`/pd", routing_key_env: PD_KEY, events: [monitor.down, monitor.up]}
  - {name: chat, kind: slack, url_env: SLACK_URL, events: [monitor.down, obligation.due]}
  - {name: ops-hook, kind: webhook, url: "`+hook.srv.URL+`/ops", secret_env: HOOK_SECRET}
`, map[string]string{"PD_KEY": "pd-routing-key", "SLACK_URL": recv.URL + "/slack", "HOOK_SECRET": secret})
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for _, ev := range []outbox.Event{
		{ID: "st:api-http:1:major_outage", Kind: outbox.EventMonitorDown, At: at, Title: "API is down", Components: []string{"api"}},
		{ID: "st:api-http:2:operational", Kind: outbox.EventMonitorUp, At: at.Add(time.Minute), Title: "API is up", Components: []string{"api"}},
		{ID: "ob:inc-1:update", Kind: outbox.EventObligationDue, At: at, Title: "Update due for inc-1", Incident: "inc-1"},
	} {
		if err := e.s.outbox.Publish(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	// pager: down and up; chat: down and the obligation; ops-hook: all three.
	eventually(t, "the alerts", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(reqs) == 4 && len(hook.received()) == 3
	})
	mu.Lock()
	defer mu.Unlock()
	var pd []map[string]any
	var slackTexts []string
	for _, r := range reqs {
		switch r.path {
		case "/pd":
			pd = append(pd, r.body)
		case "/slack":
			slackTexts = append(slackTexts, r.body["text"].(string))
		}
	}
	if len(pd) != 2 || len(slackTexts) != 2 {
		t.Fatalf("got %d PagerDuty and %d Slack requests, want 2 and 2", len(pd), len(slackTexts))
	}
	// One recipient's alerts go out in order: the trigger, then its resolve.
	if pd[0]["event_action"] != "trigger" || pd[1]["event_action"] != "resolve" || pd[0]["dedup_key"] != "slakeeper/monitor/api-http" || pd[0]["dedup_key"] != pd[1]["dedup_key"] || pd[0]["routing_key"] != "pd-routing-key" {
		t.Errorf("got PagerDuty events %v, want a trigger and a resolve with one dedup key", pd)
	}
	if p, _ := pd[0]["payload"].(map[string]any); p["severity"] != "critical" || p["summary"] != "[Service status] Down: API is down" {
		t.Errorf("got PagerDuty payload %v, want a critical alert with the subject", p)
	}
	if !strings.Contains(slackTexts[0], "Down: API is down") || !strings.Contains(slackTexts[1], "Due soon: Update due for inc-1") {
		t.Errorf("got Slack texts %q", slackTexts)
	}
	ms := sink.Wait(t, 1, 10*time.Second)
	if len(ms) != 1 {
		t.Fatalf("got %d alert mails, want 1 (monitor.down only)", len(ms))
	}
	m := ms[0]
	if m.Header.Get("Subject") != "[Service status] Down: API is down" || m.Header.Get("X-RcptTo") != "ops@example.com, cto@example.com" {
		t.Errorf("got alert mail %q to %q", m.Header.Get("Subject"), m.Header.Get("X-RcptTo"))
	}
	if m.Header.Get("List-Unsubscribe") != "" {
		t.Error("an operator alert carries an unsubscribe header; operators change the configuration instead")
	}
}

// recordFailingStore refuses the first fail RecordAttempt calls, as a
// database that reads but cannot write for a while (disk full, locked).
type recordFailingStore struct {
	store.Store
	mu    sync.Mutex
	fail  int
	calls int
}

func (s *recordFailingStore) RecordAttempt(ctx context.Context, a store.DeliveryAttempt, state string, nextAt time.Time) error {
	s.mu.Lock()
	s.calls++
	refuse := s.calls <= s.fail
	s.mu.Unlock()
	if refuse {
		return errors.New("disk I/O error")
	}
	return s.Store.RecordAttempt(ctx, a, state, nextAt)
}

// A delivery whose record cannot be written is recorded later, not sent
// again every poll while the database refuses writes.
func TestDeliveredNotSentAgainWhileItsRecordFails(t *testing.T) {
	rs := &recordFailingStore{fail: 3}
	e := startNotifyWrapped(t, filepath.Join(t.TempDir(), "n.db"), "", nil, func(st store.Store) store.Store {
		rs.Store = st
		return rs
	})
	h := newHookReceiver(t, 0)
	sub := e.addHook(h, `[]`)
	ev := outbox.Event{ID: "inc-3.created", Kind: outbox.EventIncidentCreated, At: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Title: "Outage"}
	if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	id := ev.ID + "/" + sub.ID
	eventually(t, "the delivery to be recorded", func() bool { return e.outboundState(id) == store.OutboundDelivered })
	if got := len(h.received()); got != 1 {
		t.Errorf("got %d deliveries, want 1", got)
	}
	if ob, _ := e.st.Outbound(context.Background(), id); ob.Attempts != 1 {
		t.Errorf("got %d attempts recorded, want 1", ob.Attempts)
	}
}

// A recipient gets its notifications in the order they were queued, even
// when the first is retried: a "resolved" never overtakes its "created".
func TestRecipientOrderKeptAcrossRetries(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), "", nil)
	h := newHookReceiver(t, 1) // refuses the first request
	sub := e.addHook(h, `[]`)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, ev := range []outbox.Event{
		{ID: "inc-5.created", Kind: outbox.EventIncidentCreated, At: at, Title: "Outage"},
		{ID: "inc-5.resolved", Kind: outbox.EventIncidentResolved, At: at.Add(time.Minute), Title: "Outage"},
	} {
		if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "both deliveries", func() bool { return len(h.received()) == 2 })
	var got []string
	for _, c := range h.received() {
		got = append(got, strings.TrimSuffix(c.ID, "/"+sub.ID))
	}
	if want := []string{"inc-5.created", "inc-5.resolved"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A recipient's later notification waits while an earlier one is retried
// with backoff, and goes once the earlier is given up on: the incident's
// "resolved" is not tried before the last attempt at its "created".
func TestRecipientOrderKeptUntilGivenUp(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), "", nil)
	h := newHookReceiver(t, 0)
	h.refuse = func(id string) bool { return strings.HasPrefix(id, outbox.EventIncidentCreated+":") }
	sub := e.addHook(h, `[]`)
	var inc struct{ ID string }
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"API unavailable","severity":"P1","components":{"api":"major_outage"}}`,
		http.StatusCreated, &inc)
	created := outbox.EventIncidentCreated + ":" + inc.ID + "/" + sub.ID
	// Resolved while created waits for its first retry (20–100 ms).
	eventually(t, "the first attempt at created", func() bool {
		ob, err := e.st.Outbound(context.Background(), created)
		return err == nil && ob.Attempts >= 1
	})
	e.call("POST", "/api/v1/incidents/"+inc.ID+"/updates", testOpsToken, `{"status":"resolved","message":"Fixed"}`, http.StatusCreated, nil)
	eventually(t, "the resolution's delivery", func() bool { return len(h.received()) == 1 })
	h.mu.Lock()
	tried := slices.Clone(h.tried)
	h.mu.Unlock()
	var want []string
	for range testNotifyAttempts {
		want = append(want, created)
	}
	if got := h.received()[0].ID; !strings.HasPrefix(got, outbox.EventIncidentResolved+":") {
		t.Fatalf("got %q delivered, want the resolution", got)
	}
	want = append(want, h.received()[0].ID)
	if !slices.Equal(tried, want) {
		t.Errorf("got requests %q, want every attempt at created (%d) before the resolution", tried, testNotifyAttempts)
	}
	if st := e.outboundState(created); st != store.OutboundFailed {
		t.Errorf("created: got state %q, want failed", st)
	}
}

// The notifications of an event already recorded are queued even when
// the request that caused it has gone (its context is cancelled).
func TestPublishOutlivesItsRequest(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), "", nil)
	h := newHookReceiver(t, 0)
	sub := e.addHook(h, `[]`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client went away after the incident was stored
	ev := outbox.Event{ID: "inc-7.created", Kind: outbox.EventIncidentCreated, At: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Title: "Outage"}
	if err := e.s.outbox.Publish(ctx, ev); err != nil {
		t.Fatalf("publish: %v", err)
	}
	eventually(t, "the delivery", func() bool { return len(h.received()) == 1 })
	if got := h.received()[0].ID; got != ev.ID+"/"+sub.ID {
		t.Errorf("got webhook-id %q, want %q", got, ev.ID+"/"+sub.ID)
	}
}

// enqueueFailingStore refuses the first fail Enqueue calls, as a
// database that cannot be written for a while.
type enqueueFailingStore struct {
	store.Store
	fail atomic.Int64
}

func (s *enqueueFailingStore) Enqueue(ctx context.Context, obs []store.Outbound) error {
	if s.fail.Add(-1) >= 0 {
		return errors.New("database is locked")
	}
	return s.Store.Enqueue(ctx, obs)
}

// Events whose notifications the store refuses to queue are held and
// queued when it accepts again, in order, behind which later events wait.
func TestRefusedEventsAreHeldAndQueuedInOrder(t *testing.T) {
	fs := &enqueueFailingStore{}
	fs.fail.Store(3)
	e := startNotifyWrapped(t, filepath.Join(t.TempDir(), "n.db"), "", nil, func(st store.Store) store.Store {
		fs.Store = st
		return fs
	})
	h := newHookReceiver(t, 0)
	sub := e.addHook(h, `[]`)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, ev := range []outbox.Event{
		{ID: "inc-8.created", Kind: outbox.EventIncidentCreated, At: at, Title: "Outage"},
		{ID: "inc-8.resolved", Kind: outbox.EventIncidentResolved, At: at.Add(time.Minute), Title: "Outage"},
	} {
		if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
			t.Fatalf("publish %s: %v", ev.ID, err)
		}
	}
	eventually(t, "both deliveries", func() bool { return len(h.received()) == 2 })
	var got []string
	for _, c := range h.received() {
		got = append(got, strings.TrimSuffix(c.ID, "/"+sub.ID))
	}
	if want := []string{"inc-8.created", "inc-8.resolved"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_notifications_held"); v != 0 {
		t.Errorf("got %v held events in the metric, want 0", v)
	}
}

// Held events still unqueued when the server stops are counted as lost,
// so that an operator is alerted.
func TestUnqueuedEventIsCounted(t *testing.T) {
	fs := &enqueueFailingStore{}
	fs.fail.Store(1 << 40)
	e := startNotifyWrapped(t, filepath.Join(t.TempDir(), "n.db"), "alerts:\n  - {name: ops, kind: slack, url: \"http://127.0.0.1:1/\"}\n", nil,
		func(st store.Store) store.Store { fs.Store = st; return fs })
	ev := outbox.Event{ID: "st:api-http:1:major_outage", Kind: outbox.EventMonitorDown, At: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Title: "down"}
	if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_notifications_held"); v != 1 {
		t.Errorf("got %v held events in the metric, want 1", v)
	}
	// Stopped before it started, the server would never run the outbox
	// whose shutdown counts what is left.
	eventually(t, "the server to run", e.s.ready.Load)
	e.stop()
	if v := metricValue(t, e.s.reg, "slakeeper_notification_publish_errors_total"); v != 1 {
		t.Errorf("got %v unqueued events in the metric after the stop, want 1", v)
	}
	problems, err := testutil.GatherAndLint(e.s.reg, "slakeeper_notification_publish_errors_total", "slakeeper_notifications_held")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
}

// An event the store refuses for what it is (not for its state) is not
// held: it would hold every later event back for good.
func TestInvalidEventIsNotHeld(t *testing.T) {
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), "", nil)
	h := newHookReceiver(t, 0)
	sub := e.addHook(h, `[]`)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	if err := e.s.outbox.Publish(context.Background(), outbox.Event{ID: "bad\x00id", Kind: outbox.EventIncidentCreated, At: at, Title: "x"}); err == nil {
		t.Error("publish of an id with NUL: got no error")
	}
	if err := e.s.outbox.Publish(context.Background(), outbox.Event{ID: "inc-9.created", Kind: outbox.EventIncidentCreated, At: at, Title: "Outage"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the valid event's delivery", func() bool { return len(h.received()) == 1 })
	if got := h.received()[0].ID; got != "inc-9.created/"+sub.ID {
		t.Errorf("got webhook-id %q, want inc-9.created/%s", got, sub.ID)
	}
	if v := metricValue(t, e.s.reg, "slakeeper_notification_publish_errors_total"); v != 1 {
		t.Errorf("got %v unqueued events in the metric, want 1", v)
	}
}

// Notifications queued and not tried yet are in the delivery log, in the
// API and on the operators' page, as queued; tried, they are attempts.
func TestQueuedNotificationsInTheDeliveryLog(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	var (
		mu    sync.Mutex
		tried []string
	)
	// The receiver holds the first notification until released: the
	// second waits behind it, queued.
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("webhook-id")
		mu.Lock()
		tried = append(tried, id)
		mu.Unlock()
		if strings.HasPrefix(id, "inc-q.created/") {
			<-release
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)
	t.Cleanup(open) // before the server stops: runs first
	e := startNotify(t, filepath.Join(t.TempDir(), "n.db"), noSMTP+"users:\n  - {name: alice, password_hash_env: ALICE_HASH}\n",
		map[string]string{"ALICE_HASH": testAliceHash(t)})
	var sub api.Subscriber
	e.call("POST", "/api/v1/subscribers", testOpsToken, `{"kind": "webhook", "url": "`+recv.URL+`/hook"}`, http.StatusCreated, &sub)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, ev := range []outbox.Event{
		{ID: "inc-q.created", Kind: outbox.EventIncidentCreated, At: at, Title: "Outage"},
		{ID: "inc-q.resolved", Kind: outbox.EventIncidentResolved, At: at.Add(time.Minute), Title: "Outage"},
	} {
		if err := e.s.outbox.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the first notification in flight", func() bool { mu.Lock(); defer mu.Unlock(); return len(tried) == 1 })
	resolved := "inc-q.resolved/" + sub.ID
	ob, err := e.st.Outbound(context.Background(), resolved)
	if err != nil {
		t.Fatal(err)
	}

	var log struct{ Deliveries []api.Delivery }
	e.call("GET", "/api/v1/subscribers/"+sub.ID+"/deliveries", testViewerToken, "", http.StatusOK, &log)
	// Newest first: the resolution, then the opening (in flight, not
	// recorded yet: still untried).
	if len(log.Deliveries) != 2 {
		t.Fatalf("got %d log entries %+v, want both notifications queued", len(log.Deliveries), log.Deliveries)
	}
	want := api.Delivery{Outbound: resolved, Event: outbox.EventIncidentResolved, Channel: "webhook",
		At: ob.CreatedAt.UTC().Format(time.RFC3339Nano), State: "queued"}
	if got := log.Deliveries[0]; got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := log.Deliveries[1]; got.Outbound != "inc-q.created/"+sub.ID || got.State != "queued" {
		t.Errorf("got %+v, want the opening queued", got)
	}

	b := browserFor(t, e.url)
	b.signIn("alice", testAlicePassword)
	p := b.get("/admin/subscribers/" + sub.ID)
	checkWellFormed(t, p.body)
	if n := strings.Count(p.body, `<tr class="queued" role="row">`); p.code != http.StatusOK || n != 2 ||
		!strings.Contains(p.body, `<span class="status s-pending"><span class="dot" aria-hidden="true"></span>Queued</span>`) {
		t.Errorf("subscriber page: got %d with %d queued rows, want 200 and 2:\n%s", p.code, n, p.body)
	}

	open()
	eventually(t, "both deliveries recorded", func() bool { return e.outboundState(resolved) == store.OutboundDelivered })
	log.Deliveries = nil
	e.call("GET", "/api/v1/subscribers/"+sub.ID+"/deliveries", testViewerToken, "", http.StatusOK, &log)
	if len(log.Deliveries) != 2 || log.Deliveries[0].State != "" || !log.Deliveries[0].OK || log.Deliveries[1].State != "" || !log.Deliveries[1].OK {
		t.Errorf("after delivery: got %+v, want two attempts, ok", log.Deliveries)
	}
}
