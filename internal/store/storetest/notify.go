package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// notifyScenarios are the outbox, subscriber, session, secret and
// FactsOfType parts of the contract.
var notifyScenarios = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"EachFactFor", testEachFactFor},
	{"EnqueueIdempotent", testEnqueueIdempotent},
	{"EnqueueInvalid", testEnqueueInvalid},
	{"DueOutbound", testDueOutbound},
	{"DueOutboundRecipientOrder", testDueOutboundRecipientOrder},
	{"QueuedOutbound", testQueuedOutbound},
	{"RecordAttempt", testRecordAttempt},
	{"NotFound", testNotFound},
	{"Subscribers", testSubscribers},
	{"DeleteSubscriber", testDeleteSubscriber},
	{"Sessions", testSessions},
	{"SecretConcurrent", testSecretConcurrent},
	{"FactsOfType", testFactsOfType},
	{"FactsByID", testFactsByID},
	{"AppendFactsConcurrent", testAppendFactsConcurrent},
	{"AppendFactsNotify", testAppendFactsNotify},
	{"TicketFacts", testTicketFacts},
	{"Users", testUsers},
	{"Coverage", testCoverage},
	{"Samples", testSamples},
	{"PruneNotify", testPruneNotify},
}

func outbound(id, recipient string, next time.Time) store.Outbound {
	return store.Outbound{
		ID: id, Channel: "webhook", Recipient: recipient, Event: "incident.updated",
		Payload: []byte(`{"id":"` + id + `"}`), CreatedAt: t0, NextAt: next,
	}
}

func mustEnqueue(t testing.TB, s store.Store, obs ...store.Outbound) {
	t.Helper()
	if err := s.Enqueue(ctxFor(t), obs); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

func mustOutbound(t testing.TB, s store.Store, id string) store.Outbound {
	t.Helper()
	o, err := s.Outbound(ctxFor(t), id)
	if err != nil {
		t.Fatalf("Outbound(%s): %v", id, err)
	}
	return o
}

func mustPending(t testing.TB, s store.Store) int {
	t.Helper()
	n, err := s.PendingOutbound(ctxFor(t))
	if err != nil {
		t.Fatalf("PendingOutbound: %v", err)
	}
	return n
}

func dueIDs(t testing.TB, s store.Store, now time.Time, limit int) []string {
	t.Helper()
	obs, err := s.DueOutbound(ctxFor(t), now, limit)
	if err != nil {
		t.Fatalf("DueOutbound: %v", err)
	}
	ids := []string{}
	for _, o := range obs {
		ids = append(ids, o.ID)
	}
	return ids
}

func testEnqueueIdempotent(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	a := outbound("a", "sub-1", time.Time{})
	a.Payload = []byte{0, 1, 2, 0xff} // bytes, not text
	b := outbound("b", "alert:ops", t0.Add(time.Minute))
	b.Channel = "pagerduty"
	mustEnqueue(t, s, a, b)
	// A zero NextAt and UpdatedAt are CreatedAt; the state is pending.
	want := a
	want.NextAt, want.UpdatedAt, want.State = t0, t0, store.OutboundPending
	if d := diff(want, mustOutbound(t, s, "a")); d != "" {
		t.Errorf("Outbound(a) (-want +got):\n%s", d)
	}
	// Enqueued again, changed, beside a new one: a stays as it was.
	a2 := a
	a2.Payload, a2.Event = []byte("other"), "incident.resolved"
	mustEnqueue(t, s, a2, outbound("c", "sub-2", t0))
	if d := diff(want, mustOutbound(t, s, "a")); d != "" {
		t.Errorf("Outbound(a) after enqueueing it again (-want +got):\n%s", d)
	}
	if n := mustPending(t, s); n != 3 {
		t.Errorf("PendingOutbound: got %d, want 3", n)
	}
	if err := s.Enqueue(ctx, nil); err != nil {
		t.Errorf("Enqueue of nothing: %v", err)
	}
}

func testEnqueueInvalid(t *testing.T, s store.Store) {
	tests := []struct {
		name string
		edit func(o *store.Outbound)
	}{
		{"empty id", func(o *store.Outbound) { o.ID = "" }},
		{"id not UTF-8", func(o *store.Outbound) { o.ID = "a\xffb" }},
		{"id with NUL", func(o *store.Outbound) { o.ID = "a\x00b" }},
		{"unknown channel", func(o *store.Outbound) { o.Channel = "pigeon" }},
		{"empty channel", func(o *store.Outbound) { o.Channel = "" }},
		{"empty recipient", func(o *store.Outbound) { o.Recipient = "" }},
		{"empty event", func(o *store.Outbound) { o.Event = "" }},
		{"zero created", func(o *store.Outbound) { o.CreatedAt = time.Time{} }},
		{"next before 1970", func(o *store.Outbound) { o.NextAt = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"unknown state", func(o *store.Outbound) { o.State = "lost" }},
		{"negative attempts", func(o *store.Outbound) { o.Attempts = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := outbound("bad", "sub-1", t0)
			tt.edit(&bad)
			err := s.Enqueue(ctxFor(t), []store.Outbound{outbound("ok", "sub-1", t0), bad})
			if err == nil {
				t.Fatal("got no error")
			}
			if !sla.IsInput(err) {
				t.Errorf("got %v (%T), want an input error", err, err)
			}
		})
	}
	// Each batch is refused whole: the valid outbound beside the bad one is not stored.
	if n := mustPending(t, s); n != 0 {
		t.Errorf("PendingOutbound after refused batches: got %d, want 0", n)
	}
}

func testDueOutbound(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	done := outbound("done", "sub-1", t0)
	done.State = store.OutboundDelivered
	// One recipient each (a recipient's are returned one at a time, see
	// testDueOutboundRecipientOrder); done's does not hold first back.
	mustEnqueue(t, s,
		outbound("late", "sub-4", t0.Add(time.Hour)),
		outbound("b", "sub-5", t0.Add(time.Minute)),
		outbound("a", "sub-2", t0.Add(time.Minute)),
		outbound("first", "sub-1", t0),
		outbound("z", "sub-3", t0.Add(30*time.Second)),
		done,
	)
	now := t0.Add(time.Minute)
	// By NextAt, then ID; NextAt == now is due; delivered ones never are.
	if d := diff([]string{"first", "z", "a", "b"}, dueIDs(t, s, now, 10)); d != "" {
		t.Errorf("DueOutbound (-want +got):\n%s", d)
	}
	if d := diff([]string{"first", "z"}, dueIDs(t, s, now, 2)); d != "" {
		t.Errorf("DueOutbound limit 2 (-want +got):\n%s", d)
	}
	if d := diff([]string{"first"}, dueIDs(t, s, t0.Add(time.Second-time.Nanosecond), 10)); d != "" {
		t.Errorf("DueOutbound before z (-want +got):\n%s", d)
	}
	if d := diff([]string{}, dueIDs(t, s, t0.Add(-time.Millisecond), 10)); d != "" {
		t.Errorf("DueOutbound before all (-want +got):\n%s", d)
	}
	got, err := s.DueOutbound(ctx, now, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("DueOutbound: got %d, %v; want 1", len(got), err)
	}
	if d := diff(mustOutbound(t, s, "first"), got[0]); d != "" {
		t.Errorf("DueOutbound's outbound differs from Outbound's (-want +got):\n%s", d)
	}
	for _, limit := range []int{0, -1} {
		if _, err := s.DueOutbound(ctx, now, limit); !sla.IsInput(err) {
			t.Errorf("DueOutbound limit %d: got %v, want an input error", limit, err)
		}
	}
	if n := mustPending(t, s); n != 5 {
		t.Errorf("PendingOutbound: got %d, want 5", n)
	}
}

func mustDeliveries(t testing.TB, s store.Store, recipient string, limit int) []store.DeliveryAttempt {
	t.Helper()
	got, err := s.Deliveries(ctxFor(t), recipient, limit)
	if err != nil {
		t.Fatalf("Deliveries(%q): %v", recipient, err)
	}
	return got
}

// testDueOutboundRecipientOrder checks that a recipient's outbounds are
// due one at a time in the order they were enqueued: a later one waits
// while an earlier one is pending, even when the earlier one's retry is
// not due yet, so that a "resolved" never overtakes its "down".
func testDueOutboundRecipientOrder(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	// Enqueued in two calls, the second of two in one call; the same
	// CreatedAt and NextAt, ids against the order.
	mustEnqueue(t, s, outbound("z-down", "pd", t0))
	mustEnqueue(t, s, outbound("m-update", "pd", t0), outbound("a-up", "pd", t0), outbound("other", "sub-2", t0))
	now := t0.Add(time.Second)
	if d := diff([]string{"other", "z-down"}, dueIDs(t, s, now, 10)); d != "" {
		t.Errorf("DueOutbound (-want +got):\n%s", d)
	}
	// The first fails and is retried in an hour: the others wait for it.
	if err := s.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: "z-down", At: now, Code: 503, Error: "busy"},
		store.OutboundPending, t0.Add(time.Hour)); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	if d := diff([]string{"other"}, dueIDs(t, s, now, 10)); d != "" {
		t.Errorf("DueOutbound while the first waits for its retry (-want +got):\n%s", d)
	}
	if d := diff([]string{"other", "z-down"}, dueIDs(t, s, t0.Add(time.Hour), 10)); d != "" {
		t.Errorf("DueOutbound at the retry (-want +got):\n%s", d)
	}
	// Delivered, then given up on: each lets the next one through.
	if err := s.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: "z-down", At: t0.Add(time.Hour), OK: true},
		store.OutboundDelivered, time.Time{}); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	if d := diff([]string{"m-update", "other"}, dueIDs(t, s, t0.Add(time.Hour), 10)); d != "" {
		t.Errorf("DueOutbound after the first was delivered (-want +got):\n%s", d)
	}
	if err := s.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: "m-update", At: t0.Add(time.Hour), Code: 400, Error: "bad"},
		store.OutboundFailed, time.Time{}); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	if d := diff([]string{"a-up", "other"}, dueIDs(t, s, t0.Add(time.Hour), 10)); d != "" {
		t.Errorf("DueOutbound after the second failed (-want +got):\n%s", d)
	}
}

// testQueuedOutbound checks that a recipient's pending outbounds not yet
// tried are listed, the last queued first, and leave the list at their
// first attempt.
func testQueuedOutbound(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outbound("q1", "sub-1", t0), outbound("q2", "sub-1", t0), outbound("other", "sub-2", t0))
	mustEnqueue(t, s, outbound("q3", "sub-1", t0))
	queued := func(limit int) []string {
		t.Helper()
		obs, err := s.QueuedOutbound(ctx, "sub-1", limit)
		if err != nil {
			t.Fatalf("QueuedOutbound: %v", err)
		}
		var ids []string
		for _, o := range obs {
			ids = append(ids, o.ID)
		}
		return ids
	}
	if d := diff([]string{"q3", "q2", "q1"}, queued(10)); d != "" {
		t.Errorf("QueuedOutbound (-want +got):\n%s", d)
	}
	if d := diff([]string{"q3", "q2"}, queued(2)); d != "" {
		t.Errorf("QueuedOutbound limit 2 (-want +got):\n%s", d)
	}
	if err := s.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: "q1", At: t0, Code: 503, Error: "busy"},
		store.OutboundPending, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if d := diff([]string{"q3", "q2"}, queued(10)); d != "" {
		t.Errorf("QueuedOutbound after q1's attempt (-want +got):\n%s", d)
	}
	if _, err := s.QueuedOutbound(ctx, "sub-1", 0); err == nil {
		t.Error("QueuedOutbound with limit 0: got no error")
	}
}

func testRecordAttempt(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outbound("o1", "sub-1", t0), outbound("o2", "sub-2", t0))
	// A failed attempt, retried in a minute.
	a1 := store.DeliveryAttempt{OutboundID: "o1", At: t0.Add(time.Second), Code: 503,
		Error: "service unavailable", Duration: 1500 * time.Microsecond}
	if err := s.RecordAttempt(ctx, a1, store.OutboundPending, t0.Add(time.Minute)); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	want := outbound("o1", "sub-1", t0.Add(time.Minute))
	want.State, want.Attempts, want.LastError, want.UpdatedAt = store.OutboundPending, 1, "service unavailable", a1.At
	if d := diff(want, mustOutbound(t, s, "o1")); d != "" {
		t.Errorf("after a failed attempt (-want +got):\n%s", d)
	}
	if d := diff([]string{"o2"}, dueIDs(t, s, t0.Add(time.Second), 10)); d != "" {
		t.Errorf("due before the retry (-want +got):\n%s", d)
	}
	// Then delivered: no attempt is due any more.
	a2 := store.DeliveryAttempt{OutboundID: "o1", Recipient: "sub-1", Channel: "webhook", Event: "incident.updated",
		At: t0.Add(time.Minute), OK: true, Code: 200, Duration: 2 * time.Millisecond}
	if err := s.RecordAttempt(ctx, a2, store.OutboundDelivered, time.Time{}); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	want.State, want.Attempts, want.LastError, want.UpdatedAt, want.NextAt = store.OutboundDelivered, 2, "", a2.At, time.Time{}
	if d := diff(want, mustOutbound(t, s, "o1")); d != "" {
		t.Errorf("after delivery (-want +got):\n%s", d)
	}
	// o2 gives up at its first attempt.
	a3 := store.DeliveryAttempt{OutboundID: "o2", At: t0.Add(2 * time.Minute), Code: 410, Error: "gone"}
	if err := s.RecordAttempt(ctx, a3, store.OutboundFailed, time.Time{}); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	if o := mustOutbound(t, s, "o2"); o.State != store.OutboundFailed || o.Attempts != 1 || o.LastError != "gone" {
		t.Errorf("o2: got state %q, %d attempts, error %q; want failed, 1, gone", o.State, o.Attempts, o.LastError)
	}
	if n := mustPending(t, s); n != 0 {
		t.Errorf("PendingOutbound: got %d, want 0", n)
	}
	if d := diff([]string{}, dueIDs(t, s, far, 10)); d != "" {
		t.Errorf("due after all done (-want +got):\n%s", d)
	}
	// The log, newest first; empty recipient, channel and event are the outbound's.
	a1.Recipient, a1.Channel, a1.Event = "sub-1", "webhook", "incident.updated"
	if d := diff([]store.DeliveryAttempt{a2, a1}, mustDeliveries(t, s, "sub-1", 10)); d != "" {
		t.Errorf("Deliveries(sub-1) (-want +got):\n%s", d)
	}
	if d := diff([]store.DeliveryAttempt{a2}, mustDeliveries(t, s, "sub-1", 1)); d != "" {
		t.Errorf("Deliveries(sub-1, 1) (-want +got):\n%s", d)
	}
	a3.Recipient, a3.Channel, a3.Event = "sub-2", "webhook", "incident.updated"
	if d := diff([]store.DeliveryAttempt{a3, a2, a1}, mustDeliveries(t, s, "", 10)); d != "" {
		t.Errorf("Deliveries(all) (-want +got):\n%s", d)
	}
	if d := diff([]store.DeliveryAttempt{}, mustDeliveries(t, s, "nobody", 10)); d != "" {
		t.Errorf("Deliveries(nobody) (-want +got):\n%s", d)
	}
	// Invalid attempts change nothing.
	bad := []struct {
		name  string
		a     store.DeliveryAttempt
		state string
		next  time.Time
	}{
		{"no outbound", store.DeliveryAttempt{At: t0}, store.OutboundPending, t0},
		{"zero time", store.DeliveryAttempt{OutboundID: "o1"}, store.OutboundFailed, time.Time{}},
		{"unknown state", store.DeliveryAttempt{OutboundID: "o1", At: t0}, "queued", t0},
		{"pending without next", store.DeliveryAttempt{OutboundID: "o1", At: t0}, store.OutboundPending, time.Time{}},
		{"unknown channel", store.DeliveryAttempt{OutboundID: "o1", At: t0, Channel: "fax"}, store.OutboundFailed, time.Time{}},
		{"negative duration", store.DeliveryAttempt{OutboundID: "o1", At: t0, Duration: -1}, store.OutboundFailed, time.Time{}},
	}
	for _, b := range bad {
		if err := s.RecordAttempt(ctx, b.a, b.state, b.next); !sla.IsInput(err) {
			t.Errorf("RecordAttempt %s: got %v, want an input error", b.name, err)
		}
	}
	if got := mustDeliveries(t, s, "", 10); len(got) != 3 {
		t.Errorf("Deliveries after invalid attempts: got %d, want 3", len(got))
	}
	for _, limit := range []int{0, -5} {
		if _, err := s.Deliveries(ctx, "sub-1", limit); !sla.IsInput(err) {
			t.Errorf("Deliveries limit %d: got %v, want an input error", limit, err)
		}
	}
}

func wantNotFound(t testing.TB, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: got %v, want ErrNotFound", what, err)
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	_, err := s.Outbound(ctx, "nope")
	wantNotFound(t, "Outbound", err)
	err = s.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: "nope", At: t0, Error: "x"}, store.OutboundFailed, time.Time{})
	wantNotFound(t, "RecordAttempt", err)
	if got := mustDeliveries(t, s, "", 10); len(got) != 0 {
		t.Errorf("RecordAttempt of an unknown outbound logged %d attempts, want 0", len(got))
	}
	_, err = s.Subscriber(ctx, "nope")
	wantNotFound(t, "Subscriber", err)
	_, err = s.SubscriberByAddress(ctx, "email", "nobody@example.com")
	wantNotFound(t, "SubscriberByAddress", err)
	wantNotFound(t, "DeleteSubscriber", s.DeleteSubscriber(ctx, "nope"))
	_, err = s.Session(ctx, sessionHash("nope"))
	wantNotFound(t, "Session", err)
}

func mustPutSubscriber(t testing.TB, s store.Store, sub store.Subscriber) {
	t.Helper()
	if err := s.PutSubscriber(ctxFor(t), sub); err != nil {
		t.Fatalf("PutSubscriber(%s): %v", sub.ID, err)
	}
}

func mustSubscriber(t testing.TB, s store.Store, id string) store.Subscriber {
	t.Helper()
	sub, err := s.Subscriber(ctxFor(t), id)
	if err != nil {
		t.Fatalf("Subscriber(%s): %v", id, err)
	}
	return sub
}

func testSubscribers(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	ann := store.Subscriber{ID: "s-ann", Kind: "email", Address: "Ann@Example.COM", Components: []string{"api", "web"},
		Secret: "tok-ann", CreatedAt: t0.Add(time.Minute)}
	bob := store.Subscriber{ID: "s-bob", Kind: "webhook", Address: "https://hooks.example/Bob", Secret: "whsec_1", CreatedAt: t0, Customer: "acme"}
	cat := store.Subscriber{ID: "s-cat", Kind: "slack", Address: "https://hooks.slack.example/T1", CreatedAt: t0.Add(time.Minute)}
	for _, sub := range []store.Subscriber{ann, bob, cat} {
		mustPutSubscriber(t, s, sub)
	}
	if d := diff(ann, mustSubscriber(t, s, "s-ann")); d != "" {
		t.Errorf("Subscriber(s-ann) (-want +got):\n%s", d)
	}
	// Replaced by ID: confirmed, fewer components.
	ann.ConfirmedAt, ann.Components = t0.Add(5*time.Minute), []string{"api"}
	mustPutSubscriber(t, s, ann)
	if d := diff(ann, mustSubscriber(t, s, "s-ann")); d != "" {
		t.Errorf("Subscriber(s-ann) after replacing (-want +got):\n%s", d)
	}
	all, err := s.Subscribers(ctx)
	if err != nil {
		t.Fatalf("Subscribers: %v", err)
	}
	if d := diff([]store.Subscriber{bob, ann, cat}, all); d != "" {
		t.Errorf("Subscribers, by CreatedAt then ID (-want +got):\n%s", d)
	}
	// Email addresses compare case-insensitively, others exactly.
	for _, addr := range []string{"ann@example.com", "ANN@EXAMPLE.COM", "Ann@Example.COM"} {
		got, err := s.SubscriberByAddress(ctx, "email", addr)
		if err != nil || got.ID != "s-ann" {
			t.Errorf("SubscriberByAddress(email, %s): got %q, %v; want s-ann", addr, got.ID, err)
		}
	}
	if got, err := s.SubscriberByAddress(ctx, "webhook", "https://hooks.example/Bob"); err != nil || got.ID != "s-bob" {
		t.Errorf("SubscriberByAddress(webhook): got %q, %v; want s-bob", got.ID, err)
	}
	_, err = s.SubscriberByAddress(ctx, "webhook", "https://hooks.example/bob")
	wantNotFound(t, "SubscriberByAddress(webhook, other case)", err)
	_, err = s.SubscriberByAddress(ctx, "slack", "ann@example.com")
	wantNotFound(t, "SubscriberByAddress(another kind)", err)

	bad := []struct {
		name string
		edit func(*store.Subscriber)
	}{
		{"empty id", func(s *store.Subscriber) { s.ID = "" }},
		{"unknown kind", func(s *store.Subscriber) { s.Kind = "sms" }},
		{"pagerduty is no subscriber kind", func(s *store.Subscriber) { s.Kind = "pagerduty" }},
		{"empty address", func(s *store.Subscriber) { s.Address = "" }},
		{"address not UTF-8", func(s *store.Subscriber) { s.Address = "a\xff@example.com" }},
		{"empty component", func(s *store.Subscriber) { s.Components = []string{"api", ""} }},
		{"zero created", func(s *store.Subscriber) { s.CreatedAt = time.Time{} }},
	}
	for _, b := range bad {
		sub := bob
		sub.ID = "s-new"
		b.edit(&sub)
		if err := s.PutSubscriber(ctx, sub); !sla.IsInput(err) {
			t.Errorf("PutSubscriber %s: got %v, want an input error", b.name, err)
		}
	}
	if all, _ := s.Subscribers(ctx); len(all) != 3 {
		t.Errorf("Subscribers after invalid puts: got %d, want 3", len(all))
	}
}

func testDeleteSubscriber(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	for _, id := range []string{"s1", "s2"} {
		mustPutSubscriber(t, s, store.Subscriber{ID: id, Kind: "email", Address: id + "@example.com", CreatedAt: t0})
	}
	mustEnqueue(t, s,
		outbound("s1-a", "s1", t0), outbound("s1-b", "s1", t0.Add(time.Hour)), outbound("s1-done", "s1", t0),
		outbound("s2-a", "s2", t0),
	)
	if err := s.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: "s1-done", At: t0, OK: true, Code: 250}, store.OutboundDelivered, time.Time{}); err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	if err := s.DeleteSubscriber(ctx, "s1"); err != nil {
		t.Fatalf("DeleteSubscriber: %v", err)
	}
	_, err := s.Subscriber(ctx, "s1")
	wantNotFound(t, "Subscriber after delete", err)
	_, err = s.SubscriberByAddress(ctx, "email", "s1@example.com")
	wantNotFound(t, "SubscriberByAddress after delete", err)
	wantNotFound(t, "DeleteSubscriber again", s.DeleteSubscriber(ctx, "s1"))
	for _, id := range []string{"s1-a", "s1-b"} {
		o := mustOutbound(t, s, id)
		if o.State != store.OutboundFailed || o.LastError != "unsubscribed" || o.Attempts != 0 {
			t.Errorf("%s: got state %q, error %q, %d attempts; want failed, unsubscribed, 0", id, o.State, o.LastError, o.Attempts)
		}
	}
	if o := mustOutbound(t, s, "s1-done"); o.State != store.OutboundDelivered || o.LastError != "" {
		t.Errorf("s1-done: got %q (%q), want it left delivered", o.State, o.LastError)
	}
	if d := diff([]string{"s2-a"}, dueIDs(t, s, far, 10)); d != "" {
		t.Errorf("due after unsubscribing s1 (-want +got):\n%s", d)
	}
	if n := mustPending(t, s); n != 1 {
		t.Errorf("PendingOutbound: got %d, want 1", n)
	}
	// The delivery log of a deleted subscriber is kept.
	if got := mustDeliveries(t, s, "s1", 10); len(got) != 1 {
		t.Errorf("Deliveries(s1) after delete: got %d, want 1", len(got))
	}
}

func sessionHash(cookie string) string {
	h := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(h[:])
}

// fakeClock is a settable clock for SetClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func testSessions(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	clock := &fakeClock{t: t0}
	s.SetClock(clock.now)
	alice := store.Session{Hash: sessionHash("cookie-a"), User: "alice", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), SeenAt: t0.Add(time.Minute)}
	bob := store.Session{Hash: sessionHash("cookie-b"), User: "bob", CreatedAt: t0, ExpiresAt: t0.Add(2 * time.Hour)}
	for _, sess := range []store.Session{alice, bob} {
		if err := s.PutSession(ctx, sess); err != nil {
			t.Fatalf("PutSession(%s): %v", sess.User, err)
		}
	}
	get := func(hash string) (store.Session, error) { return s.Session(ctx, hash) }
	if got, err := get(alice.Hash); err != nil {
		t.Fatalf("Session(alice): %v", err)
	} else if d := diff(alice, got); d != "" {
		t.Errorf("Session(alice) (-want +got):\n%s", d)
	}
	// A zero SeenAt is CreatedAt.
	if got, err := get(bob.Hash); err != nil || !got.SeenAt.Equal(t0) {
		t.Errorf("Session(bob): got SeenAt %v, %v; want %v", got.SeenAt, err, t0)
	}
	// Replaced by hash: seen again, expiry extended.
	alice.SeenAt, alice.ExpiresAt = t0.Add(30*time.Minute), t0.Add(90*time.Minute)
	if err := s.PutSession(ctx, alice); err != nil {
		t.Fatalf("PutSession: %v", err)
	}
	// Expired at ExpiresAt itself, not a millisecond later.
	clock.set(t0.Add(90*time.Minute - time.Millisecond))
	if got, err := get(alice.Hash); err != nil || !got.SeenAt.Equal(alice.SeenAt) {
		t.Errorf("Session(alice) just before expiry: got %+v, %v", got, err)
	}
	clock.set(t0.Add(90 * time.Minute))
	_, err := get(alice.Hash)
	wantNotFound(t, "Session(alice) expired", err)
	// Deleted: gone, and deleting again is harmless.
	for range 2 {
		if err := s.DeleteSession(ctx, bob.Hash); err != nil {
			t.Errorf("DeleteSession: %v", err)
		}
	}
	_, err = get(bob.Hash)
	wantNotFound(t, "Session(bob) deleted", err)
	// The raw cookie is not a hash.
	bad := []struct {
		name string
		edit func(*store.Session)
	}{
		{"raw cookie", func(s *store.Session) { s.Hash = "cookie-c" }},
		{"upper-case hex", func(s *store.Session) { s.Hash = "AB" + s.Hash[2:] }},
		{"not hex", func(s *store.Session) { s.Hash = "zz" + s.Hash[2:] }},
		{"empty user", func(s *store.Session) { s.User = "" }},
		{"zero expiry", func(s *store.Session) { s.ExpiresAt = time.Time{} }},
		{"zero created", func(s *store.Session) { s.CreatedAt = time.Time{} }},
	}
	for _, b := range bad {
		sess := store.Session{Hash: sessionHash("cookie-c"), User: "carol", CreatedAt: t0, ExpiresAt: far}
		b.edit(&sess)
		if err := s.PutSession(ctx, sess); !sla.IsInput(err) {
			t.Errorf("PutSession %s: got %v, want an input error", b.name, err)
		}
	}
}

func testSecretConcurrent(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	const n = 8
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.Secret(ctx, "links") })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Secret %d: %v", i, errs[i])
		}
		if len(got[i]) != 32 {
			t.Fatalf("Secret %d: got %d bytes, want 32", i, len(got[i]))
		}
		if string(got[i]) != string(got[0]) {
			t.Errorf("Secret %d: got %x, want the first's %x", i, got[i], got[0])
		}
	}
	other, err := s.Secret(ctx, "sessions")
	if err != nil {
		t.Fatalf("Secret(sessions): %v", err)
	}
	if string(other) == string(got[0]) {
		t.Error("two secrets are equal")
	}
	if again, err := s.Secret(ctx, "links"); err != nil || string(again) != string(got[0]) {
		t.Errorf("Secret(links) again: got %x, %v; want %x", again, err, got[0])
	}
	if _, err := s.Secret(ctx, ""); !sla.IsInput(err) {
		t.Errorf("Secret(\"\"): got %v, want an input error", err)
	}
}

// SecretReopen checks that a secret is the same for two stores opened on
// one database at once and after they are closed and the database opened
// again. open opens the same database each time and arranges to close it.
func SecretReopen(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := ctxFor(t)
	a, b := open(t), open(t)
	var sa, sb []byte
	var ea, eb error
	var wg sync.WaitGroup
	wg.Go(func() { sa, ea = a.Secret(ctx, "k") })
	wg.Go(func() { sb, eb = b.Secret(ctx, "k") })
	wg.Wait()
	if ea != nil || eb != nil {
		t.Fatalf("Secret: %v; %v", ea, eb)
	}
	if len(sa) != 32 || string(sa) != string(sb) {
		t.Fatalf("Secret from two stores at once: got %x and %x, want the same 32 bytes", sa, sb)
	}
	for _, s := range []store.Store{a, b} {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	c := open(t)
	got, err := c.Secret(ctx, "k")
	if err != nil {
		t.Fatalf("Secret after reopening: %v", err)
	}
	if string(got) != string(sa) {
		t.Errorf("Secret after reopening: got %x, want %x", got, sa)
	}
}

func testFactsOfType(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	mk := func(id, typ string, at time.Time) store.Fact {
		return fact(id, typ, at, fmt.Sprintf(`{"type":%q,"id":%q}`, typ, id))
	}
	fs := []store.Fact{
		mk("inc-2", "incident", t0.Add(2*time.Hour)),
		mk("inc-1", "incident", t0.Add(time.Hour)),
		mk("upd-1", "incident_update", t0.Add(90*time.Minute)),
		mk("mw-1", "maintenance", t0.Add(3*time.Hour)),
		mk("cust", "customer", time.Time{}),
		mk("tmpl", "incident", time.Time{}),
		mk("inc-0", "incident", t0),
	}
	if err := s.AppendFacts(ctx, fs); err != nil {
		t.Fatalf("AppendFacts: %v", err)
	}
	ids := func(types []string, from, to time.Time) []string {
		t.Helper()
		got, err := s.FactsOfType(ctx, types, from, to)
		if err != nil {
			t.Fatalf("FactsOfType(%v): %v", types, err)
		}
		out := []string{}
		for _, f := range got {
			out = append(out, f.ID)
		}
		return out
	}
	tests := []struct {
		name     string
		types    []string
		from, to time.Time
		want     []string
	}{
		{"one type, everything", []string{"incident"}, time.Time{}, far, []string{"tmpl", "inc-0", "inc-1", "inc-2"}},
		{"two types", []string{"incident_update", "incident"}, time.Time{}, far, []string{"tmpl", "inc-0", "inc-1", "upd-1", "inc-2"}},
		{"half-open range", []string{"incident", "maintenance"}, t0.Add(time.Hour), t0.Add(3 * time.Hour), []string{"tmpl", "inc-1", "inc-2"}},
		{"timeless type", []string{"customer"}, t0, t0, []string{"cust"}},
		{"unknown type", []string{"nope"}, time.Time{}, far, []string{}},
		{"no types", nil, time.Time{}, far, []string{}},
	}
	for _, tt := range tests {
		if d := diff(tt.want, ids(tt.types, tt.from, tt.to)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
	// The facts are those Facts returns.
	got, err := s.FactsOfType(ctx, []string{"maintenance"}, time.Time{}, far)
	if err != nil || len(got) != 1 {
		t.Fatalf("FactsOfType(maintenance): got %d, %v", len(got), err)
	}
	if d := diff(fs[3], got[0]); d != "" {
		t.Errorf("FactsOfType(maintenance) (-want +got):\n%s", d)
	}
}

func testPruneNotify(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	clock := &fakeClock{t: t0.Add(time.Hour)}
	s.SetClock(clock.now)
	keep := t0.Add(30 * time.Minute)
	// 12 delivered and 3 failed before keep, each with two log rows; one
	// delivered after keep; one pending from long ago.
	var obs []store.Outbound
	for i := range 17 {
		obs = append(obs, outbound(fmt.Sprintf("o%02d", i), "sub-1", t0))
	}
	mustEnqueue(t, s, obs...)
	record := func(id string, at time.Time, state string) {
		t.Helper()
		next := time.Time{}
		if state == store.OutboundPending {
			next = at.Add(time.Minute)
		}
		if err := s.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: id, At: at, Error: "x"}, state, next); err != nil {
			t.Fatalf("RecordAttempt(%s): %v", id, err)
		}
	}
	for i := range 15 {
		id := fmt.Sprintf("o%02d", i)
		record(id, t0.Add(time.Minute), store.OutboundPending)
		final := store.OutboundDelivered
		if i >= 12 {
			final = store.OutboundFailed
		}
		record(id, t0.Add(time.Duration(i+2)*time.Minute), final)
	}
	record("o15", t0.Add(time.Minute), store.OutboundPending)
	record("o15", keep, store.OutboundDelivered) // not before keep: stays
	// o16 stays pending, however old.
	sessions := []store.Session{
		{Hash: sessionHash("old"), User: "u", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)},
		{Hash: sessionHash("now"), User: "u", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		{Hash: sessionHash("live"), User: "u", CreatedAt: t0, ExpiresAt: t0.Add(2 * time.Hour)},
	}
	for _, sess := range sessions {
		if err := s.PutSession(ctx, sess); err != nil {
			t.Fatalf("PutSession: %v", err)
		}
	}
	// 15 outbounds + 30 log rows + 2 expired sessions, 4 per statement.
	n, err := s.Prune(ctx, keep, keep, 4)
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if n != 47 {
		t.Errorf("Prune: got %d rows deleted, want 47", n)
	}
	for i := range 15 {
		_, err := s.Outbound(ctx, fmt.Sprintf("o%02d", i))
		wantNotFound(t, fmt.Sprintf("Outbound(o%02d) after prune", i), err)
	}
	if o := mustOutbound(t, s, "o15"); o.State != store.OutboundDelivered {
		t.Errorf("o15: got %q, want it kept delivered", o.State)
	}
	if o := mustOutbound(t, s, "o16"); o.State != store.OutboundPending {
		t.Errorf("o16: got %q, want it kept pending", o.State)
	}
	var left []string
	for _, a := range mustDeliveries(t, s, "", 100) {
		left = append(left, a.OutboundID)
	}
	if d := diff([]string{"o15", "o15"}, left); d != "" {
		t.Errorf("delivery log after prune (-want +got):\n%s", d)
	}
	for _, h := range []string{"old", "now"} {
		_, err := s.Session(ctx, sessionHash(h))
		wantNotFound(t, "Session("+h+") after prune", err)
	}
	// The pruned sessions are gone, not only expired: back in time they
	// are still not found.
	clock.set(t0)
	_, err = s.Session(ctx, sessionHash("old"))
	wantNotFound(t, "pruned Session(old) before its expiry", err)
	if _, err := s.Session(ctx, sessionHash("live")); err != nil {
		t.Errorf("Session(live) after prune: %v", err)
	}
	if n, err := s.Prune(ctx, keep, keep, 4); err != nil || n != 0 {
		t.Errorf("second Prune: got %d, %v; want 0, nil", n, err)
	}
}

// FactsByID finds stored facts by id whatever their time, in the order
// stored, and leaves unknown ids out.
func testFactsByID(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	fs := []store.Fact{
		fact("tk-1", "ticket", t0.Add(time.Hour), `{"type":"ticket","id":"tk-1"}`),
		fact("cust", "customer", time.Time{}, `{"type":"customer","id":"cust"}`),
		fact("ev-1", "ticket_event", t0.Add(2*time.Hour), `{"type":"ticket_event","id":"ev-1"}`),
	}
	if err := s.AppendFacts(ctx, fs); err != nil {
		t.Fatalf("AppendFacts: %v", err)
	}
	got, err := s.FactsByID(ctx, []string{"ev-1", "nope", "cust", "tk-1"})
	if err != nil {
		t.Fatalf("FactsByID: %v", err)
	}
	if d := diff(fs, got); d != "" {
		t.Errorf("FactsByID (-want +got):\n%s", d)
	}
	if got, err := s.FactsByID(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("FactsByID(nil): got %v, %v; want none", got, err)
	}
	if got, err := s.FactsByID(ctx, []string{"nope"}); err != nil || len(got) != 0 {
		t.Errorf("FactsByID(unknown): got %v, %v; want none", got, err)
	}
}

// Coverage runs only grow: the later end wins whatever order writes come
// in; a run is read while it starts before the bound; prune drops runs
// that ended before the evidence horizon; bad runs are refused whole.
func testCoverage(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	run := func(comp string, start, end time.Duration) store.CoverageRun {
		return store.CoverageRun{Component: comp, Start: t0.Add(start), End: t0.Add(end)}
	}
	if err := s.PutCoverage(ctx, []store.CoverageRun{run("web", 0, time.Hour), run("api", time.Hour, 2*time.Hour)}); err != nil {
		t.Fatalf("PutCoverage: %v", err)
	}
	// Extended, then an older write arrives late: the later end stays.
	if err := s.PutCoverage(ctx, []store.CoverageRun{run("web", 0, 3*time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCoverage(ctx, []store.CoverageRun{run("web", 0, 2*time.Hour), run("web", 5*time.Hour, 6*time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Coverage(ctx, t0.Add(5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.CoverageRun{run("api", time.Hour, 2*time.Hour), run("web", 0, 3*time.Hour)}
	if d := diff(want, got); d != "" {
		t.Errorf("Coverage (-want +got):\n%s", d)
	}
	if err := s.PutCoverage(ctx, []store.CoverageRun{run("db", 0, time.Hour), run("db", time.Hour, time.Hour)}); err == nil {
		t.Error("an empty run was stored")
	}
	if got, _ := s.Coverage(ctx, far); len(got) != 3 {
		t.Errorf("after a refused write: %d runs, want 3 (nothing of it stored)", len(got))
	}
	if _, err := s.Prune(ctx, t0, t0.Add(150*time.Minute), 10); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Coverage(ctx, far)
	want = []store.CoverageRun{run("web", 0, 3*time.Hour), run("web", 5*time.Hour, 6*time.Hour)}
	if d := diff(want, got); d != "" {
		t.Errorf("after prune (-want +got):\n%s", d)
	}
}

// Samples add up per hour, component, location and metric: counts and
// sums add, min and max widen; a range is half-open by hour; prune drops
// hours before the evidence horizon; bad summaries are refused whole.
func testSamples(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	h := func(n int) time.Time { return t0.Truncate(time.Hour).Add(time.Duration(n) * time.Hour) }
	sum := func(comp, loc string, hour int, n int64, total, lo, hi float64) store.SampleSum {
		return store.SampleSum{Component: comp, Location: loc, Metric: "latency_ms", Hour: h(hour), N: n, Sum: total, Min: lo, Max: hi}
	}
	if err := s.AddSamples(ctx, []store.SampleSum{sum("web", "eu", 0, 2, 60, 20, 40), sum("web", "us", 0, 1, 90, 90, 90), sum("web", "eu", 1, 1, 10, 10, 10)}); err != nil {
		t.Fatalf("AddSamples: %v", err)
	}
	if err := s.AddSamples(ctx, []store.SampleSum{sum("web", "eu", 0, 3, 30, 5, 15)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Samples(ctx, h(0), h(1))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.SampleSum{sum("web", "eu", 0, 5, 90, 5, 40), sum("web", "us", 0, 1, 90, 90, 90)}
	if d := diff(want, got); d != "" {
		t.Errorf("Samples (-want +got):\n%s", d)
	}
	if err := s.AddSamples(ctx, []store.SampleSum{sum("db", "eu", 0, 1, 1, 1, 1), sum("db", "eu", 0, 0, 0, 0, 0)}); err == nil {
		t.Error("a summary of no measurement was stored")
	}
	if got, _ := s.Samples(ctx, h(-10), h(10)); len(got) != 3 {
		t.Errorf("after a refused write: %d summaries, want 3", len(got))
	}
	if _, err := s.Prune(ctx, h(0), h(1), 10); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Samples(ctx, h(-10), h(10))
	if d := diff([]store.SampleSum{sum("web", "eu", 1, 1, 10, 10, 10)}, got); d != "" {
		t.Errorf("after prune (-want +got):\n%s", d)
	}
}

// TicketFacts finds a ticket and its events, in the order stored, and
// nothing of other tickets or of other types.
func testTicketFacts(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	fs := []store.Fact{
		fact("tk-1", "ticket", t0, `{"type":"ticket","id":"tk-1"}`),
		fact("tk-1-b", "ticket_event", t0.Add(2*time.Hour), `{"type":"ticket_event","id":"tk-1-b","ticket":"tk-1"}`),
		fact("tk-2-a", "ticket_event", t0.Add(time.Hour), `{"type":"ticket_event","id":"tk-2-a","ticket":"tk-2"}`),
		fact("tk-1-a", "ticket_event", t0.Add(time.Hour), `{"type":"ticket_event","id":"tk-1-a","ticket":"tk-1"}`),
		fact("inc-u", "incident_update", t0, `{"type":"incident_update","id":"inc-u","ticket":"tk-1"}`),
	}
	if err := s.AppendFacts(ctx, fs); err != nil {
		t.Fatalf("AppendFacts: %v", err)
	}
	got, err := s.TicketFacts(ctx, "tk-1")
	if err != nil {
		t.Fatalf("TicketFacts: %v", err)
	}
	if d := diff([]store.Fact{fs[0], fs[1], fs[3]}, got); d != "" {
		t.Errorf("TicketFacts (-want +got):\n%s", d)
	}
	if got, err := s.TicketFacts(ctx, "nope"); err != nil || len(got) != 0 {
		t.Errorf("TicketFacts(unknown): got %v, %v; want none", got, err)
	}
}

// Concurrent AppendFacts calls (which SQLite commits together) each stay
// all or nothing: a call with a conflicting fact stores none of its
// facts and the others are all stored.
func testAppendFactsConcurrent(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	if err := s.AppendFacts(ctx, []store.Fact{fact("taken", "ticket", t0, `{"type":"ticket","id":"taken","v":1}`)}); err != nil {
		t.Fatal(err)
	}
	const calls = 40
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			fs := []store.Fact{
				fact(fmt.Sprintf("c%d-a", i), "ticket", t0, fmt.Sprintf(`{"type":"ticket","id":"c%d-a"}`, i)),
				fact(fmt.Sprintf("c%d-b", i), "ticket_event", t0, fmt.Sprintf(`{"type":"ticket_event","id":"c%d-b","ticket":"c%d-a"}`, i, i)),
			}
			if i%10 == 7 {
				fs = append(fs, fact("taken", "ticket", t0, `{"type":"ticket","id":"taken","v":2}`))
			}
			errs[i] = s.AppendFacts(ctx, fs)
		})
	}
	wg.Wait()
	for i, err := range errs {
		got, ferr := s.FactsByID(ctx, []string{fmt.Sprintf("c%d-a", i), fmt.Sprintf("c%d-b", i)})
		if ferr != nil {
			t.Fatal(ferr)
		}
		if i%10 == 7 {
			if !errors.Is(err, store.ErrConflict) || len(got) != 0 {
				t.Errorf("call %d with a conflict: got %v and %d facts stored, want ErrConflict and none", i, err, len(got))
			}
		} else if err != nil || len(got) != 2 {
			t.Errorf("call %d: got %v and %d facts stored, want both", i, err, len(got))
		}
	}
}

// testAppendFactsNotify checks that facts and their outbounds are stored
// together or not at all, concurrent calls sharing transactions, and that
// a call again (a replay) queues nothing twice.
func testAppendFactsNotify(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	if err := s.AppendFacts(ctx, []store.Fact{fact("held", "incident", t0, `{"type":"incident","id":"held","v":1}`)}); err != nil {
		t.Fatal(err)
	}
	const calls = 30
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			fs := []store.Fact{fact(fmt.Sprintf("n%d", i), "incident", t0, fmt.Sprintf(`{"type":"incident","id":"n%d"}`, i))}
			if i%10 == 3 {
				fs = append(fs, fact("held", "incident", t0, `{"type":"incident","id":"held","v":2}`))
			}
			errs[i] = s.AppendFactsNotify(ctx, fs, []store.Outbound{outbound(fmt.Sprintf("n%d/a", i), "a", t0), outbound(fmt.Sprintf("n%d/b", i), "b", t0)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		got, ferr := s.FactsByID(ctx, []string{fmt.Sprintf("n%d", i)})
		if ferr != nil {
			t.Fatal(ferr)
		}
		var queued int
		for _, r := range []string{"a", "b"} {
			if _, oerr := s.Outbound(ctx, fmt.Sprintf("n%d/%s", i, r)); oerr == nil {
				queued++
			} else if !errors.Is(oerr, store.ErrNotFound) {
				t.Fatal(oerr)
			}
		}
		if i%10 == 3 {
			if !errors.Is(err, store.ErrConflict) || len(got) != 0 || queued != 0 {
				t.Errorf("call %d with a conflict: got %v, %d facts and %d outbounds stored, want ErrConflict and none", i, err, len(got), queued)
			}
		} else if err != nil || len(got) != 1 || queued != 2 {
			t.Errorf("call %d: got %v, %d facts and %d outbounds stored, want the fact and both outbounds", i, err, len(got), queued)
		}
	}
	// A replay of a stored call, with an outbound already delivered.
	if err := s.RecordAttempt(ctx, store.DeliveryAttempt{OutboundID: "n0/a", At: t0, OK: true}, store.OutboundDelivered, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendFactsNotify(ctx, []store.Fact{fact("n0", "incident", t0, `{"type":"incident","id":"n0"}`)},
		[]store.Outbound{outbound("n0/a", "a", t0), outbound("n0/b", "b", t0)}); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if o := mustOutbound(t, s, "n0/a"); o.State != store.OutboundDelivered || o.Attempts != 1 {
		t.Errorf("after the replay got %+v, want it delivered once", o)
	}
	// Outbounds alone, without facts, are queued as Enqueue does.
	if err := s.AppendFactsNotify(ctx, nil, []store.Outbound{outbound("alone", "a", t0)}); err != nil {
		t.Fatal(err)
	}
	mustOutbound(t, s, "alone")
}

// Users are stored and replaced by name; an invitation is used once, and
// never after it expires.
func testUsers(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	u := store.User{Name: "bob@example.com", Role: "support", CreatedAt: t0, CreatedBy: "alice"}
	if err := s.PutUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.Hash, u.Disabled = "$2a$10$hash", true
	if err := s.PutUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUser(ctx, store.User{Name: "anna@acme.example", Role: "customer", Customer: "acme", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, "bob@example.com")
	if err != nil || got.Hash != u.Hash || !got.Disabled || got.Role != "support" || got.CreatedBy != "alice" || !got.CreatedAt.Equal(t0) {
		t.Errorf("User: got %+v, %v", got, err)
	}
	if _, err := s.User(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: got %v, want ErrNotFound", err)
	}
	all, err := s.Users(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "anna@acme.example" || all[0].Customer != "acme" {
		t.Errorf("Users: got %+v, %v", all, err)
	}
	if err := s.PutInvitation(ctx, store.Invitation{Hash: "h1", User: "bob@example.com", Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInvitation(ctx, store.Invitation{Hash: "h2", User: "bob@example.com", Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if user, err := s.UseInvitation(ctx, "h1", t0.Add(time.Minute)); err != nil || user != "bob@example.com" {
		t.Errorf("UseInvitation: got %q, %v", user, err)
	}
	if _, err := s.UseInvitation(ctx, "h1", t0.Add(2*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a used invitation: got %v, want ErrNotFound", err)
	}
	if _, err := s.UseInvitation(ctx, "h2", t0.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired invitation: got %v, want ErrNotFound", err)
	}
}
