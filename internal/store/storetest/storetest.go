// Package storetest is the contract every store.Store meets. Each
// implementation's test runs Run over a fresh store per scenario, so that
// SQLite and PostgreSQL behave the same.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Run runs every scenario of the contract. open returns a new, empty store
// and arranges (with t.Cleanup) to close and remove it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	scenarios := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"ResultsRoundTrip", testResultsRoundTrip},
		{"ResultsPrecision", testResultsPrecision},
		{"ResultsOrder", testResultsOrder},
		{"ResultsRange", testResultsRange},
		{"ResultsInvalid", testResultsInvalid},
		{"AgentSeqIdempotent", testAgentSeq},
		{"FactsIdempotent", testFactsIdempotent},
		{"FactsConflict", testFactsConflict},
		{"FactsInvalid", testFactsInvalid},
		{"FactsRange", testFactsRange},
		{"Minutes", testMinutes},
		{"MinuteDays", testMinuteDays},
		{"RollUp", testRollUp},
		{"RollUpBoundary", testRollUpBoundary},
		{"States", testStates},
		{"Prune", testPrune},
		{"Size", testSize},
		{"ConcurrentAppend", testConcurrentAppend},
		{"BatcherAcknowledges", testBatcherAcknowledges},
		{"BatcherCoalesces", testBatcherCoalesces},
		{"BatcherDelay", testBatcherDelay},
		{"BatcherFlushClose", testBatcherFlushClose},
		{"BatcherErrors", testBatcherErrors},
		{"Ping", testPing},
	}
	scenarios = append(scenarios, notifyScenarios...)
	scenarios = append(scenarios, ledgerScenarios...)
	scenarios = append(scenarios, replicaScenarios...)
	scenarios = append(scenarios, limitScenarios...)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.fn(t, open(t))
		})
	}
}

// t0 is a whole minute, so that minute arithmetic below reads simply.
var t0 = time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)

// far is a bound after every time used here.
var far = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

func ctxFor(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

func res(mon, loc string, at time.Time, st monitor.State, lat time.Duration) monitor.Result {
	return monitor.Result{MonitorID: mon, Location: loc, At: at, State: st, Latency: lat, Duration: lat}
}

func mustAppend(t testing.TB, s store.Store, rs ...monitor.Result) {
	t.Helper()
	if err := s.AppendResults(ctxFor(t), rs); err != nil {
		t.Fatalf("AppendResults: %v", err)
	}
}

func mustResults(t testing.TB, s store.Store, mon string, from, to time.Time) []monitor.Result {
	t.Helper()
	got, err := s.Results(ctxFor(t), mon, from, to)
	if err != nil {
		t.Fatalf("Results(%s): %v", mon, err)
	}
	return got
}

func mustMinutes(t testing.TB, s store.Store, mon string, from, to time.Time) []store.Minute {
	t.Helper()
	got, err := s.Minutes(ctxFor(t), mon, from, to)
	if err != nil {
		t.Fatalf("Minutes(%s): %v", mon, err)
	}
	return got
}

func mustFacts(t testing.TB, s store.Store, from, to time.Time) []store.Fact {
	t.Helper()
	got, err := s.Facts(ctxFor(t), from, to)
	if err != nil {
		t.Fatalf("Facts: %v", err)
	}
	return got
}

func mustAgentSeq(t testing.TB, s store.Store, loc string) uint64 {
	t.Helper()
	n, err := s.AgentSeq(ctxFor(t), loc)
	if err != nil {
		t.Fatalf("AgentSeq(%s): %v", loc, err)
	}
	return n
}

// diff compares with cmp.Diff; times compare with Equal, and a nil slice
// equals an empty one.
func diff(want, got any) string {
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

func testResultsRoundTrip(t *testing.T, s store.Store) {
	want := []monitor.Result{
		{
			MonitorID: "pim-http", Location: monitor.LocalLocation,
			At:       t0.Add(1500 * time.Millisecond),
			Duration: 123456 * time.Microsecond,
			State:    monitor.Down, Message: "connection refused",
			Latency:        98765 * time.Microsecond,
			PacketLossPct:  ptr(12.5),
			ThroughputMbps: ptr(87.25),
			CertExpiry:     ptr(time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)),
		},
		{
			MonitorID: "pim-http", Location: "fra",
			At:    t0.Add(2 * time.Second),
			State: monitor.Degraded, Latency: 2 * time.Second, Duration: 2*time.Second + time.Microsecond,
			Seq: 7,
		},
		{
			// Zero-valued measurements are present, not absent.
			MonitorID: "pim-http", Location: "fra",
			At:    t0.Add(3 * time.Second),
			State: monitor.Up, PacketLossPct: ptr(0.0), ThroughputMbps: ptr(0.0),
			Message: "200 OK", Seq: 8,
		},
		{
			// The longest storable latency; a cert expiry in another zone comes back in UTC.
			MonitorID: "pim-http", Location: monitor.LocalLocation,
			At:    t0.Add(4 * time.Second),
			State: monitor.Up, Latency: store.MaxDuration, Duration: store.MaxDuration,
			CertExpiry: ptr(time.Date(2026, 12, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))),
			Message:    "ünïcödé ✓",
		},
	}
	mustAppend(t, s, want...)
	got := mustResults(t, s, "pim-http", t0, t0.Add(time.Minute))
	if d := diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	for _, r := range got {
		if r.At.Location() != time.UTC {
			t.Errorf("At %v: got location %v, want UTC", r.At, r.At.Location())
		}
		if r.CertExpiry != nil && r.CertExpiry.Location() != time.UTC {
			t.Errorf("CertExpiry %v: got location %v, want UTC", r.CertExpiry, r.CertExpiry.Location())
		}
	}
}

func testResultsPrecision(t *testing.T, s store.Store) {
	in := monitor.Result{
		MonitorID: "m", Location: "local", State: monitor.Down,
		At:       t0.Add(time.Second + 999999*time.Nanosecond), // 1.000999999 s
		Duration: 1500 * time.Nanosecond,
		Latency:  2999 * time.Nanosecond,
		// A message with bytes PostgreSQL's text refuses.
		Message:    "bad\x00byte\xff",
		CertExpiry: ptr(t0.Add(123456789 * time.Nanosecond)),
	}
	mustAppend(t, s, in)
	want := []monitor.Result{{
		MonitorID: "m", Location: "local", State: monitor.Down,
		At:         t0.Add(time.Second), // milliseconds, truncated
		Duration:   time.Microsecond,    // microseconds, truncated
		Latency:    2 * time.Microsecond,
		Message:    "bad\uFFFDbyte\uFFFD",
		CertExpiry: ptr(t0.Add(123 * time.Millisecond)),
	}}
	got := mustResults(t, s, "m", t0, t0.Add(time.Minute))
	if d := diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
}

func testResultsOrder(t *testing.T, s store.Store) {
	// Two batches, each out of order, over two locations.
	mustAppend(t, s,
		res("m", "local", t0.Add(30*time.Second), monitor.Up, 0),
		res("m", "fra", t0.Add(10*time.Second), monitor.Up, 0),
		res("m", "local", t0.Add(10*time.Second), monitor.Down, 0),
	)
	mustAppend(t, s,
		res("m", "fra", t0.Add(20*time.Second), monitor.Degraded, 0),
		res("m", "ams", t0.Add(10*time.Second), monitor.Up, 0),
		res("m", "fra", t0, monitor.Up, 0),
	)
	got := mustResults(t, s, "m", t0, far)
	type key struct {
		At  time.Duration
		Loc string
	}
	var keys []key
	for _, r := range got {
		keys = append(keys, key{r.At.Sub(t0), r.Location})
	}
	// By At, then by location.
	want := []key{{0, "fra"}, {10 * time.Second, "ams"}, {10 * time.Second, "fra"}, {10 * time.Second, "local"}, {20 * time.Second, "fra"}, {30 * time.Second, "local"}}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

func testResultsRange(t *testing.T, s store.Store) {
	ats := []time.Duration{-time.Millisecond, 0, time.Minute - time.Millisecond, time.Minute}
	for _, d := range ats {
		mustAppend(t, s, res("m", "local", t0.Add(d), monitor.Up, 0))
	}
	mustAppend(t, s, res("other", "local", t0, monitor.Up, 0))
	tests := []struct {
		name     string
		from, to time.Time
		want     []time.Duration
	}{
		{"half-open minute", t0, t0.Add(time.Minute), []time.Duration{0, time.Minute - time.Millisecond}},
		{"from is included", t0.Add(-time.Millisecond), t0, []time.Duration{-time.Millisecond}},
		{"to is excluded", t0.Add(time.Minute), t0.Add(time.Minute), nil},
		{"sub-millisecond from excludes the millisecond before it", t0.Add(500 * time.Microsecond), t0.Add(time.Minute), []time.Duration{time.Minute - time.Millisecond}},
		{"sub-millisecond to includes its millisecond", t0, t0.Add(time.Nanosecond), []time.Duration{0}},
		{"everything", time.Time{}, far, []time.Duration{-time.Millisecond, 0, time.Minute - time.Millisecond, time.Minute}},
		{"reversed", far, time.Time{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []time.Duration
			for _, r := range mustResults(t, s, "m", tt.from, tt.to) {
				if r.MonitorID != "m" {
					t.Errorf("got monitor %q, want m", r.MonitorID)
				}
				got = append(got, r.At.Sub(t0))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	if got := mustResults(t, s, "nobody", time.Time{}, far); len(got) != 0 {
		t.Errorf("unknown monitor: got %d results, want 0", len(got))
	}
}

func testResultsInvalid(t *testing.T, s store.Store) {
	ok := res("ok", "local", t0, monitor.Up, 0)
	tests := []struct {
		name string
		edit func(r *monitor.Result)
	}{
		{"empty monitor", func(r *monitor.Result) { r.MonitorID = "" }},
		{"monitor not UTF-8", func(r *monitor.Result) { r.MonitorID = "a\xffb" }},
		{"location with NUL", func(r *monitor.Result) { r.Location = "a\x00b" }},
		{"empty state", func(r *monitor.Result) { r.State = "" }},
		{"unknown state", func(r *monitor.Result) { r.State = "sideways" }},
		{"zero time", func(r *monitor.Result) { r.At = time.Time{} }},
		{"before 1970", func(r *monitor.Result) { r.At = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC) }},
		{"year 6000", func(r *monitor.Result) { r.At = time.Date(6000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"negative latency", func(r *monitor.Result) { r.Latency = -time.Millisecond }},
		{"latency too long", func(r *monitor.Result) { r.Latency = store.MaxDuration + time.Microsecond }},
		{"duration too long", func(r *monitor.Result) { r.Duration = time.Hour }},
		{"NaN loss", func(r *monitor.Result) { r.PacketLossPct = ptr(math.NaN()) }},
		{"infinite throughput", func(r *monitor.Result) { r.ThroughputMbps = ptr(math.Inf(1)) }},
		{"cert expiry year 0", func(r *monitor.Result) { r.CertExpiry = ptr(time.Time{}.AddDate(-1, 0, 0)) }},
		{"seq beyond int64", func(r *monitor.Result) { r.Seq = math.MaxInt64 + 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := res("bad", "local", t0.Add(time.Second), monitor.Down, 0)
			tt.edit(&bad)
			err := s.AppendResults(ctxFor(t), []monitor.Result{ok, bad})
			if err == nil {
				t.Fatal("got no error")
			}
			if !sla.IsInput(err) {
				t.Errorf("got %v (%T), want an input error", err, err)
			}
			if err := store.ValidateResult(bad); err == nil {
				t.Error("ValidateResult: got no error")
			}
		})
	}
	// The batch is refused whole: the valid result beside each bad one is not stored.
	if got := mustResults(t, s, "ok", time.Time{}, far); len(got) != 0 {
		t.Errorf("got %d results of the refused batches, want 0", len(got))
	}
	if err := s.AppendResults(ctxFor(t), nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func testAgentSeq(t *testing.T, s store.Store) {
	if got := mustAgentSeq(t, s, "fra"); got != 0 {
		t.Errorf("AgentSeq before any result: got %d, want 0", got)
	}
	agent := func(mon, loc string, seq uint64, st monitor.State) monitor.Result {
		r := res(mon, loc, t0.Add(time.Duration(seq)*time.Second), st, 10*time.Millisecond)
		r.Seq = seq
		return r
	}
	mustAppend(t, s, agent("a", "fra", 1, monitor.Up), agent("a", "fra", 2, monitor.Up), agent("a", "fra", 3, monitor.Down), agent("b", "fra", 4, monitor.Up))
	if got := mustAgentSeq(t, s, "fra"); got != 4 {
		t.Errorf("AgentSeq(fra): got %d, want 4", got)
	}
	// Redelivery of 2 and 3 (3 with a different body: the first stored
	// wins), 5 new, 6 twice within the batch.
	changed := agent("a", "fra", 3, monitor.Up)
	changed.Message = "changed"
	mustAppend(t, s, agent("a", "fra", 2, monitor.Up), changed, agent("a", "fra", 5, monitor.Up), agent("a", "fra", 6, monitor.Up), agent("a", "fra", 6, monitor.Up))
	// The same seq at another location is another agent's.
	mustAppend(t, s, agent("a", "ams", 1, monitor.Up))
	// A local result (seq 0) delivered again is stored once: a series has
	// one result per millisecond. Another millisecond is another result.
	local := res("a", monitor.LocalLocation, t0, monitor.Up, 0)
	mustAppend(t, s, local)
	mustAppend(t, s, local)
	again := local
	again.State, again.Message = monitor.Down, "a second result in the same millisecond"
	mustAppend(t, s, again)
	local.At = t0.Add(time.Millisecond)
	mustAppend(t, s, local)

	got := mustResults(t, s, "a", time.Time{}, far)
	type key struct {
		Loc string
		Seq uint64
		St  monitor.State
		Msg string
	}
	var keys []key
	for _, r := range got {
		keys = append(keys, key{r.Location, r.Seq, r.State, r.Message})
	}
	want := []key{
		{"local", 0, monitor.Up, ""}, {"local", 0, monitor.Up, ""}, // at t0 and t0+1ms
		{"ams", 1, monitor.Up, ""}, {"fra", 1, monitor.Up, ""}, // both at t0+1s
		{"fra", 2, monitor.Up, ""}, {"fra", 3, monitor.Down, ""}, {"fra", 5, monitor.Up, ""}, {"fra", 6, monitor.Up, ""},
	}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("stored results (-want +got):\n%s", d)
	}
	for loc, want := range map[string]uint64{"fra": 6, "ams": 1, monitor.LocalLocation: 0, "nowhere": 0} {
		if got := mustAgentSeq(t, s, loc); got != want {
			t.Errorf("AgentSeq(%s): got %d, want %d", loc, got, want)
		}
	}
	// Skipped duplicates are not counted in the minute aggregates: fra has
	// seqs 1, 2, 3 (down), 5, 6 in minute t0, 10ms latency each.
	mins := mustMinutes(t, s, "a", t0, t0.Add(time.Minute))
	wantMins := []store.Minute{
		{MonitorID: "a", Location: "ams", Minute: t0, Span: time.Minute, Up: 1, LatencySum: 10 * time.Millisecond, LatencyMax: 10 * time.Millisecond},
		{MonitorID: "a", Location: "fra", Minute: t0, Span: time.Minute, Up: 4, Down: 1, LatencySum: 50 * time.Millisecond, LatencyMax: 10 * time.Millisecond},
		{MonitorID: "a", Location: "local", Minute: t0, Span: time.Minute, Up: 2},
	}
	if d := diff(wantMins, mins); d != "" {
		t.Errorf("minutes (-want +got):\n%s", d)
	}
}

func fact(id, typ string, at time.Time, json string) store.Fact {
	return store.Fact{ID: id, Type: typ, At: at, JSON: []byte(json)}
}

func testFactsIdempotent(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	f := fact("st-3", "status", t0, `{"type":"status","id":"st-3","at":"2026-10-14T09:00:00Z","component":"pim","status":"major_outage"}`)
	spaced := fact("st-3", "status", t0, "{ \"type\": \"status\",\n \"id\": \"st-3\", \"at\": \"2026-10-14T09:00:00Z\", \"component\": \"pim\", \"status\": \"major_outage\" }")
	if err := s.AppendFacts(ctx, []store.Fact{f}); err != nil {
		t.Fatalf("AppendFacts: %v", err)
	}
	// The same fact again, alone, with other whitespace, and twice in one batch.
	for _, batch := range [][]store.Fact{{f}, {spaced}, {f, spaced}} {
		if err := s.AppendFacts(ctx, batch); err != nil {
			t.Fatalf("AppendFacts of the same fact: %v", err)
		}
	}
	// A new fact twice in one batch is stored once.
	g := fact("cust-1", "customer", time.Time{}, `{"type":"customer","id":"cust-1","name":"Nordic Retail AS"}`)
	if err := s.AppendFacts(ctx, []store.Fact{g, g}); err != nil {
		t.Fatalf("AppendFacts of a fact twice: %v", err)
	}
	want := []store.Fact{g, f} // timeless first; JSON compacted
	got := mustFacts(t, s, t0, t0.Add(time.Hour))
	if d := diff(want, got); d != "" {
		t.Errorf("facts (-want +got):\n%s", d)
	}
	if err := s.AppendFacts(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func testFactsConflict(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	f := fact("st-3", "status", t0, `{"type":"status","id":"st-3","at":"2026-10-14T09:00:00Z","component":"pim","status":"major_outage"}`)
	if err := s.AppendFacts(ctx, []store.Fact{f}); err != nil {
		t.Fatalf("AppendFacts: %v", err)
	}
	other := fact("other", "status", t0, `{"type":"status","id":"other","at":"2026-10-14T09:00:00Z","component":"pim","status":"operational"}`)
	tests := []struct {
		name  string
		batch []store.Fact
	}{
		{"different body", []store.Fact{fact("st-3", "status", t0, `{"type":"status","id":"st-3","at":"2026-10-14T09:00:00Z","component":"pim","status":"operational"}`)}},
		{"fields in another order", []store.Fact{fact("st-3", "status", t0, `{"id":"st-3","type":"status","at":"2026-10-14T09:00:00Z","component":"pim","status":"major_outage"}`)}},
		{"different time", []store.Fact{{ID: f.ID, Type: f.Type, At: t0.Add(time.Second), JSON: f.JSON}}},
		{"new fact before a conflict", []store.Fact{other, fact("st-3", "status", t0, `{"type":"status","id":"st-3","x":1}`)}},
		{"conflict within the batch", []store.Fact{
			fact("new", "status", t0, `{"type":"status","id":"new","status":"operational"}`),
			fact("new", "status", t0, `{"type":"status","id":"new","status":"major_outage"}`),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AppendFacts(ctx, tt.batch)
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("got %v, want ErrConflict", err)
			}
		})
	}
	// Refused batches store nothing.
	want := []store.Fact{f}
	if d := diff(want, mustFacts(t, s, time.Time{}, far)); d != "" {
		t.Errorf("facts (-want +got):\n%s", d)
	}
}

func testFactsInvalid(t *testing.T, s store.Store) {
	tests := []struct {
		name string
		f    store.Fact
	}{
		{"not JSON", fact("a", "status", t0, `{"type":"status","id":"a"`)},
		{"not an object", fact("a", "status", t0, `["a"]`)},
		{"two objects", fact("a", "status", t0, `{"type":"status","id":"a"} {}`)},
		{"id differs", fact("a", "status", t0, `{"type":"status","id":"b"}`)},
		{"type differs", fact("a", "status", t0, `{"type":"incident","id":"a"}`)},
		{"no id", fact("", "status", t0, `{"type":"status"}`)},
		{"no type", fact("a", "", t0, `{"id":"a"}`)},
		{"not UTF-8", fact("a", "status", t0, "{\"type\":\"status\",\"id\":\"a\",\"x\":\"\xff\"}")},
		{"year before 1970", fact("a", "status", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), `{"type":"status","id":"a"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AppendFacts(ctxFor(t), []store.Fact{tt.f})
			if err == nil {
				t.Fatal("got no error")
			}
			if !sla.IsInput(err) {
				t.Errorf("got %v (%T), want an input error", err, err)
			}
		})
	}
	if got := mustFacts(t, s, time.Time{}, far); len(got) != 0 {
		t.Errorf("got %d facts, want 0", len(got))
	}
}

func testFactsRange(t *testing.T, s store.Store) {
	at := func(id string, d time.Duration) store.Fact {
		return fact(id, "backup", t0.Add(d), fmt.Sprintf(`{"type":"backup","id":%q,"ok":true}`, id))
	}
	cust := fact("cust", "customer", time.Time{}, `{"type":"customer","id":"cust"}`)
	sub := fact("sub", "subscription", time.Time{}, `{"type":"subscription","id":"sub"}`)
	batches := [][]store.Fact{
		{at("later", 2*time.Hour), at("before", -time.Second)},
		{at("b", time.Hour), at("a", time.Hour), at("start", 0)}, // b before a: insertion order breaks the tie
		{sub, at("end", 2*time.Hour-time.Millisecond), cust},
	}
	for _, b := range batches {
		if err := s.AppendFacts(ctxFor(t), b); err != nil {
			t.Fatalf("AppendFacts: %v", err)
		}
	}
	ids := func(fs []store.Fact) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"half-open", t0, t0.Add(2 * time.Hour), []string{"sub", "cust", "start", "b", "a", "end"}},
		{"empty range keeps timeless facts", t0.Add(10 * time.Hour), t0.Add(11 * time.Hour), []string{"sub", "cust"}},
		{"everything", time.Time{}, far, []string{"sub", "cust", "before", "start", "b", "a", "end", "later"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, ids(mustFacts(t, s, tt.from, tt.to))); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	got := mustFacts(t, s, t0, t0.Add(time.Second))
	want := []store.Fact{sub, cust, at("start", 0)}
	if d := diff(want, got); d != "" {
		t.Errorf("facts (-want +got):\n%s", d)
	}
	for _, f := range got {
		if !f.At.IsZero() && f.At.Location() != time.UTC {
			t.Errorf("fact %s: At in %v, want UTC", f.ID, f.At.Location())
		}
	}
}

func testMinutes(t *testing.T, s store.Store) {
	ms := time.Millisecond
	mustAppend(t, s,
		res("api", "fra", t0, monitor.Up, 100*ms),
		res("api", "fra", t0.Add(20*time.Second), monitor.Up, 300*ms),
		res("api", "fra", t0.Add(40*time.Second), monitor.Degraded, 900*ms),
		res("api", "fra", t0.Add(time.Minute), monitor.Down, 0),
		res("api", "local", t0.Add(5*time.Second), monitor.Up, 50*ms),
		res("web", "fra", t0, monitor.Down, 7*ms), // another monitor
	)
	// A later batch adds to the same minute.
	mustAppend(t, s, res("api", "fra", t0.Add(time.Minute-ms), monitor.Down, 2000*ms))
	want := []store.Minute{
		// 09:00 fra: up 100ms, up 300ms, degraded 900ms, down 2000ms:
		// up 2, degraded 1, down 1; sum 100+300+900+2000 = 3300ms; max 2000ms.
		{MonitorID: "api", Location: "fra", Minute: t0, Span: time.Minute, Up: 2, Degraded: 1, Down: 1, LatencySum: 3300 * ms, LatencyMax: 2000 * ms},
		// 09:00 local: one up at 50ms.
		{MonitorID: "api", Location: "local", Minute: t0, Span: time.Minute, Up: 1, LatencySum: 50 * ms, LatencyMax: 50 * ms},
		// 09:01 fra: one down at 0ms (09:01:00 starts the next minute).
		{MonitorID: "api", Location: "fra", Minute: t0.Add(time.Minute), Span: time.Minute, Down: 1},
	}
	got := mustMinutes(t, s, "api", t0, t0.Add(2*time.Minute))
	if d := diff(want, got); d != "" {
		t.Errorf("minutes (-want +got):\n%s", d)
	}
	for _, m := range got {
		if m.Minute.Location() != time.UTC {
			t.Errorf("minute %v: got location %v, want UTC", m.Minute, m.Minute.Location())
		}
	}
	// A minute is in [from, to) when it starts there: 09:00 starts before 09:00:30.
	got = mustMinutes(t, s, "api", t0.Add(30*time.Second), t0.Add(2*time.Minute))
	if d := diff(want[2:], got); d != "" {
		t.Errorf("minutes from 09:00:30 (-want +got):\n%s", d)
	}
	got = mustMinutes(t, s, "api", t0, t0.Add(time.Minute))
	if d := diff(want[:2], got); d != "" {
		t.Errorf("minutes to 09:01 (-want +got):\n%s", d)
	}
	// Extreme bounds are fine.
	got = mustMinutes(t, s, "api", time.Time{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if d := diff(want, got); d != "" {
		t.Errorf("minutes of all time (-want +got):\n%s", d)
	}
	// MinutesFrom: every monitor's minutes from the one holding from, in
	// minute order (the order within a minute is the store's).
	all, err := s.MinutesFrom(ctxFor(t), t0.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(all, func(a, b store.Minute) int {
		if c := a.Minute.Compare(b.Minute); c != 0 {
			return c
		}
		return strings.Compare(a.MonitorID+"\x00"+a.Location, b.MonitorID+"\x00"+b.Location)
	})
	web := store.Minute{MonitorID: "web", Location: "fra", Minute: t0, Span: time.Minute, Down: 1, LatencySum: 7 * ms, LatencyMax: 7 * ms}
	if d := diff([]store.Minute{want[0], want[1], web, want[2]}, all); d != "" {
		t.Errorf("minutes from 09:00:30 of every monitor (-want +got):\n%s", d)
	}
	if later, err := s.MinutesFrom(ctxFor(t), t0.Add(2*time.Minute)); err != nil || len(later) != 0 {
		t.Errorf("minutes from 09:02: %v %v, want none", later, err)
	}
	if got := mustResults(t, s, "api", time.Time{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)); len(got) != 6 {
		t.Errorf("results of all time: got %d, want 6", len(got))
	}
	// FirstMinute: the earliest minute starting at or after from, any
	// location; none for an unknown monitor or past the last minute.
	for _, c := range []struct {
		mon    string
		from   time.Time
		want   time.Time
		wantOK bool
	}{
		{"api", time.Time{}, t0, true},
		{"api", t0, t0, true},
		{"api", t0.Add(30 * time.Second), t0.Add(time.Minute), true}, // 09:00 starts before 09:00:30
		{"api", t0.Add(2 * time.Minute), time.Time{}, false},
		{"web", t0.Add(-time.Hour), t0, true},
		{"nobody", time.Time{}, time.Time{}, false},
	} {
		got, ok, err := s.FirstMinute(ctxFor(t), c.mon, c.from)
		if err != nil || ok != c.wantOK || !got.Equal(c.want) || (ok && got.Location() != time.UTC) {
			t.Errorf("FirstMinute(%s, %v) = %v, %v, %v; want %v, %v", c.mon, c.from, got, ok, err, c.want, c.wantOK)
		}
	}
	// The mean latency is the domain's to compute: 3300ms / 4 = 825ms.
	if m := want[0]; m.LatencySum/time.Duration(m.Up+m.Degraded+m.Down) != 825*ms {
		t.Errorf("mean latency arithmetic is off")
	}
}

func testStates(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	if got, err := s.States(ctx); err != nil || len(got) != 0 {
		t.Fatalf("States of an empty store: got %v, %v; want none", got, err)
	}
	local := store.MonitorState{
		MonitorID: "a", Location: "local", State: monitor.Up, Fails: 0, Successes: 3,
		Confirmed: monitor.Up, NextDue: t0.Add(time.Minute), UpdatedAt: t0,
	}
	fresh := store.MonitorState{MonitorID: "a", Location: "fra"} // nothing known yet
	other := store.MonitorState{
		MonitorID: "B", Location: "local", State: monitor.Down, Fails: 2,
		Confirmed: monitor.Degraded, NextDue: t0.Add(1500 * time.Millisecond), UpdatedAt: t0,
	}
	// The series may already exist from results.
	mustAppend(t, s, res("a", "local", t0, monitor.Up, 0))
	for _, st := range []store.MonitorState{local, fresh, other} {
		if err := s.SetState(ctx, st); err != nil {
			t.Fatalf("SetState(%s@%s): %v", st.MonitorID, st.Location, err)
		}
	}
	// Sorted by monitor then location, bytewise ("B" < "a").
	want := []store.MonitorState{other, fresh, local}
	got, err := s.States(ctx)
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	if d := diff(want, got); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
	// SetState replaces.
	local.State, local.Fails, local.Successes, local.Confirmed = monitor.Down, 1, 0, monitor.Up
	local.NextDue, local.UpdatedAt = t0.Add(2*time.Minute), t0.Add(time.Minute)
	if err := s.SetState(ctx, local); err != nil {
		t.Fatalf("SetState: %v", err)
	}
	want = []store.MonitorState{other, fresh, local}
	got, err = s.States(ctx)
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	if d := diff(want, got); d != "" {
		t.Errorf("states after update (-want +got):\n%s", d)
	}
	for _, bad := range []store.MonitorState{
		{MonitorID: "", Location: "local"},
		{MonitorID: "a", State: "sideways"},
		{MonitorID: "a", Confirmed: "sideways"},
		{MonitorID: "a", Fails: -1},
		{MonitorID: "a", NextDue: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if err := s.SetState(ctx, bad); !sla.IsInput(err) {
			t.Errorf("SetState(%+v): got %v, want an input error", bad, err)
		}
	}
}

func testPrune(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	// 95 results of p, one a minute from t0 (so 95 minutes), agents' at fra.
	var rs []monitor.Result
	for i := range 95 {
		r := res("p", "fra", t0.Add(time.Duration(i)*time.Minute), monitor.Up, time.Millisecond)
		r.Seq = uint64(i + 1)
		rs = append(rs, r)
	}
	mustAppend(t, s, rs...)
	mustAppend(t, s, res("q", "local", t0, monitor.Down, 0)) // another series
	var fs []store.Fact
	for i := range 5 {
		id := fmt.Sprintf("bk-%d", i)
		fs = append(fs, fact(id, "backup", t0.Add(time.Duration(i)*10*time.Minute), fmt.Sprintf(`{"type":"backup","id":%q}`, id)))
	}
	fs = append(fs, fact("cust", "customer", time.Time{}, `{"type":"customer","id":"cust"}`))
	if err := s.AppendFacts(ctx, fs); err != nil {
		t.Fatalf("AppendFacts: %v", err)
	}
	if _, err := s.Prune(ctx, t0, t0, 0); err == nil {
		t.Error("Prune with batch 0: got no error")
	}
	// Results before 09:50 go: p's 0..49 (50) and q's (1). Minutes that end
	// by 09:20:30 go: p's 0..19 (20) and q's 09:00 (1). Timed facts before
	// 09:20:30 go: bk-0, bk-1, bk-2 (3). 50+1+20+1+3 = 75, in statements of
	// at most 10 rows.
	n, err := s.Prune(ctx, t0.Add(50*time.Minute), t0.Add(20*time.Minute+30*time.Second), 10)
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if n != 75 {
		t.Errorf("Prune: got %d rows deleted, want 75", n)
	}
	got := mustResults(t, s, "p", time.Time{}, far)
	if len(got) != 45 || !got[0].At.Equal(t0.Add(50*time.Minute)) {
		t.Errorf("results left: got %d from %v, want 45 from 09:50", len(got), firstAt(got))
	}
	if got := mustResults(t, s, "q", time.Time{}, far); len(got) != 0 {
		t.Errorf("results of q left: got %d, want 0", len(got))
	}
	// Minute 09:20 ends after 09:20:30 and stays.
	mins := mustMinutes(t, s, "p", time.Time{}, far)
	if len(mins) != 75 || !mins[0].Minute.Equal(t0.Add(20*time.Minute)) {
		t.Errorf("minutes left: got %d, want 75 from 09:20", len(mins))
	}
	var ids []string
	for _, f := range mustFacts(t, s, time.Time{}, far) {
		ids = append(ids, f.ID)
	}
	if d := cmp.Diff([]string{"cust", "bk-3", "bk-4"}, ids); d != "" {
		t.Errorf("facts left (-want +got):\n%s", d)
	}
	// Pruning does not lower the agent's seq, and pruning again finds nothing.
	if got := mustAgentSeq(t, s, "fra"); got != 95 {
		t.Errorf("AgentSeq after prune: got %d, want 95", got)
	}
	if n, err := s.Prune(ctx, t0.Add(50*time.Minute), t0.Add(20*time.Minute+30*time.Second), 10); err != nil || n != 0 {
		t.Errorf("second Prune: got %d, %v; want 0, nil", n, err)
	}
}

func firstAt(rs []monitor.Result) time.Time {
	if len(rs) == 0 {
		return time.Time{}
	}
	return rs[0].At
}

func testSize(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	before, err := s.Size(ctx)
	if err != nil {
		t.Fatalf("Size: %v", err)
	}
	if before <= 0 {
		t.Errorf("Size of an empty store: got %d, want > 0 (the schema takes room)", before)
	}
	var rs []monitor.Result
	for i := range 5000 {
		rs = append(rs, res(fmt.Sprintf("m%d", i%50), "local", t0.Add(time.Duration(i)*time.Second), monitor.Down, time.Millisecond))
		rs[i].Message = "connection refused"
	}
	mustAppend(t, s, rs...)
	after, err := s.Size(ctx)
	if err != nil {
		t.Fatalf("Size: %v", err)
	}
	if after <= before {
		t.Errorf("Size after 5000 results: got %d, want more than %d", after, before)
	}
}

func testConcurrentAppend(t *testing.T, s store.Store) {
	const writers, batches, per = 8, 25, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				var rs []monitor.Result
				for i := range per {
					n := b*per + i
					// All writers share monitor c and its minutes; half the
					// results are an agent's (its own location and seqs).
					at := t0.Add(time.Duration(n)*time.Second + time.Duration(w)*time.Millisecond)
					r := res("c", monitor.LocalLocation, at, monitor.Up, time.Millisecond)
					if i%2 == 1 {
						r.Location = fmt.Sprintf("agent-%d", w)
						r.Seq = uint64(n + 1)
					}
					rs = append(rs, r)
				}
				if err := s.AppendResults(context.Background(), rs); err != nil {
					errs <- fmt.Errorf("writer %d batch %d: %w", w, b, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	const total = writers * batches * per
	if got := mustResults(t, s, "c", time.Time{}, far); len(got) != total {
		t.Errorf("got %d results, want %d", len(got), total)
	}
	sum := 0
	for _, m := range mustMinutes(t, s, "c", time.Time{}, far) {
		sum += m.Up + m.Degraded + m.Down
	}
	if sum != total {
		t.Errorf("minutes count %d results, want %d", sum, total)
	}
	for w := range writers {
		if got := mustAgentSeq(t, s, fmt.Sprintf("agent-%d", w)); got != batches*per {
			t.Errorf("AgentSeq(agent-%d): got %d, want %d", w, got, batches*per)
		}
	}
}

// counting wraps a Store and counts AppendResults calls and their sizes.
type counting struct {
	store.Store
	mu    sync.Mutex
	sizes []int
	fail  error
}

func (c *counting) AppendResults(ctx context.Context, rs []monitor.Result) error {
	c.mu.Lock()
	c.sizes = append(c.sizes, len(rs))
	fail := c.fail
	c.mu.Unlock()
	if fail != nil {
		return fail
	}
	return c.Store.AppendResults(ctx, rs)
}

func (c *counting) calls() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.sizes...)
}

func closeBatcher(t testing.TB, b *store.Batcher) {
	t.Helper()
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Batcher.Close: %v", err)
		}
	})
}

func testBatcherAcknowledges(t *testing.T, s store.Store) {
	b := store.NewBatcher(s, 16, 5*time.Millisecond, nil)
	closeBatcher(t, b)
	const n = 50
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range n {
		wg.Go(func() {
			mon := fmt.Sprintf("m%d", i)
			if err := b.Add(context.Background(), res(mon, "local", t0.Add(time.Duration(i)*time.Second), monitor.Up, 0)); err != nil {
				t.Errorf("Add %d: %v", i, err)
				failed.Add(1)
				return
			}
			// Acknowledged means readable at once.
			got, err := s.Results(context.Background(), mon, time.Time{}, far)
			if err != nil || len(got) != 1 {
				t.Errorf("after Add %d returned: got %d results, %v; want 1", i, len(got), err)
			}
		})
	}
	wg.Wait()
	if d := b.QueueDepth(); d != 0 {
		t.Errorf("QueueDepth after all Adds returned: got %d, want 0", d)
	}
}

func testBatcherCoalesces(t *testing.T, s store.Store) {
	c := &counting{Store: s}
	// A delay far longer than the test: only a full batch commits.
	b := store.NewBatcher(c, 40, time.Hour, nil)
	closeBatcher(t, b)
	var wg sync.WaitGroup
	for i := range 80 {
		wg.Go(func() {
			if err := b.Add(context.Background(), res("m", "local", t0.Add(time.Duration(i)*time.Second), monitor.Up, 0)); err != nil {
				t.Errorf("Add %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if d := cmp.Diff([]int{40, 40}, c.calls()); d != "" {
		t.Errorf("AppendResults calls (-want +got):\n%s", d)
	}
	if got := mustResults(t, s, "m", time.Time{}, far); len(got) != 80 {
		t.Errorf("got %d results, want 80", len(got))
	}
}

func testBatcherDelay(t *testing.T, s store.Store) {
	c := &counting{Store: s}
	b := store.NewBatcher(c, 1000, 20*time.Millisecond, nil)
	closeBatcher(t, b)
	// One result alone commits after the delay.
	if err := b.Add(ctxFor(t), res("m", "local", t0, monitor.Up, 0)); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if d := cmp.Diff([]int{1}, c.calls()); d != "" {
		t.Errorf("AppendResults calls (-want +got):\n%s", d)
	}
	// With no delay, whatever is waiting commits at once.
	b0 := store.NewBatcher(s, 1000, 0, nil)
	closeBatcher(t, b0)
	if err := b0.Add(ctxFor(t), res("m", "local", t0.Add(time.Second), monitor.Up, 0)); err != nil {
		t.Fatalf("Add without delay: %v", err)
	}
	if got := mustResults(t, s, "m", time.Time{}, far); len(got) != 2 {
		t.Errorf("got %d results, want 2", len(got))
	}
}

// waitDepth waits until b holds n results.
func waitDepth(t testing.TB, b *store.Batcher, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for b.QueueDepth() != n {
		if time.Now().After(deadline) {
			t.Fatalf("QueueDepth: got %d, want %d", b.QueueDepth(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func testBatcherFlushClose(t *testing.T, s store.Store) {
	b := store.NewBatcher(s, 1000, time.Hour, nil)
	if err := b.Flush(ctxFor(t)); err != nil {
		t.Errorf("Flush with nothing waiting: %v", err)
	}
	added := make(chan error, 2)
	go func() { added <- b.Add(context.Background(), res("m", "local", t0, monitor.Up, 0)) }()
	waitDepth(t, b, 1)
	if err := b.Flush(ctxFor(t)); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if err := <-added; err != nil {
		t.Fatalf("Add: %v", err)
	}
	if b.QueueDepth() != 0 {
		t.Errorf("QueueDepth after Flush: got %d, want 0", b.QueueDepth())
	}
	// Close commits what waits.
	go func() { added <- b.Add(context.Background(), res("m", "local", t0.Add(time.Second), monitor.Up, 0)) }()
	waitDepth(t, b, 1)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-added; err != nil {
		t.Fatalf("Add before Close: %v", err)
	}
	if got := mustResults(t, s, "m", time.Time{}, far); len(got) != 2 {
		t.Errorf("got %d results, want 2", len(got))
	}
	if err := b.Add(ctxFor(t), res("m", "local", t0, monitor.Up, 0)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Add after Close: got %v, want ErrClosed", err)
	}
	if err := b.Flush(ctxFor(t)); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func testBatcherErrors(t *testing.T, s store.Store) {
	// An invalid result is refused at once and does not fail the others.
	c := &counting{Store: s}
	b := store.NewBatcher(c, 2, time.Hour, nil)
	closeBatcher(t, b)
	if err := b.Add(ctxFor(t), monitor.Result{MonitorID: "m", State: "sideways", At: t0}); !sla.IsInput(err) {
		t.Errorf("Add of an invalid result: got %v, want an input error", err)
	}
	if b.QueueDepth() != 0 {
		t.Errorf("QueueDepth after a refused Add: got %d, want 0", b.QueueDepth())
	}
	// A cancelled context is not queued.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Add(cancelled, res("m", "local", t0, monitor.Up, 0)); !errors.Is(err, context.Canceled) {
		t.Errorf("Add with a cancelled context: got %v, want context.Canceled", err)
	}
	// A failed commit fails every Add of its batch.
	errDisk := errors.New("disk full")
	c.mu.Lock()
	c.fail = errDisk
	c.mu.Unlock()
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			if err := b.Add(context.Background(), res("m", "local", t0.Add(time.Duration(i)*time.Second), monitor.Up, 0)); !errors.Is(err, errDisk) {
				t.Errorf("Add %d into a failing store: got %v, want %v", i, err, errDisk)
			}
		})
	}
	wg.Wait()
	if b.QueueDepth() != 0 {
		t.Errorf("QueueDepth after a failed batch: got %d, want 0", b.QueueDepth())
	}
	if d := cmp.Diff([]int{2}, c.calls()); d != "" {
		t.Errorf("AppendResults calls (-want +got):\n%s", d)
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(ctxFor(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
