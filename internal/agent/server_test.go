package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/agentwire"
	"github.com/slakeeper/slakeeper/internal/monitor"
)

// fakeServer implements the server's side of the agent protocol for one
// location, storing results in memory by seq.
type fakeServer struct {
	location string
	now      func() time.Time

	mu       sync.Mutex
	token    string
	monitors []*monitor.Monitor
	failWith int  // answer every request with this status, if not 0
	loseAcks bool // store results, then answer 503 as if the answer was lost
	stored   map[uint64]monitor.Result
	arrivals []uint64 // seqs in the order they were first stored
	copies   int      // results received again and dropped
	problems []string // protocol violations by the agent
	calls    []call
}

// call is one request the fake server answered.
type call struct {
	at     time.Time
	path   string
	status int
}

func newFakeServer(token, location string, ms ...*monitor.Monitor) *fakeServer {
	return &fakeServer{
		location: location,
		now:      time.Now,
		token:    token,
		monitors: ms,
		stored:   map[uint64]monitor.Result{},
	}
}

func (f *fakeServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/agent/monitors", f.guard(func(w http.ResponseWriter, r *http.Request) int {
		out := agentwire.Monitors{Location: f.location}
		for _, m := range f.monitors {
			out.Monitors = append(out.Monitors, agentwire.FromMonitor(m))
		}
		return reply(w, out)
	}))
	mux.HandleFunc("POST /api/v1/agent/results", f.guard(func(w http.ResponseWriter, r *http.Request) int {
		var body agentwire.Results
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return http.StatusBadRequest
		}
		for _, res := range body.Results {
			f.store(res.ToResult(f.location))
		}
		if f.loseAcks {
			http.Error(w, "lost", http.StatusServiceUnavailable)
			return http.StatusServiceUnavailable
		}
		return reply(w, map[string]uint64{"acked_seq": f.ackedSeq()})
	}))
	mux.HandleFunc("GET /api/v1/agent/ack", f.guard(func(w http.ResponseWriter, r *http.Request) int {
		return reply(w, map[string]uint64{"acked_seq": f.ackedSeq()})
	}))
	return mux
}

// guard checks the token and the injected failures, holds the lock for
// the handler and records the call.
func (f *fakeServer) guard(h func(http.ResponseWriter, *http.Request) int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		status := http.StatusUnauthorized
		switch {
		case r.Header.Get("Authorization") != "Bearer "+f.token:
			http.Error(w, "unauthorized", status)
		case f.failWith != 0:
			status = f.failWith
			http.Error(w, "unavailable", status)
		default:
			status = h(w, r)
		}
		f.calls = append(f.calls, call{at: f.now(), path: r.URL.Path, status: status})
	}
}

func reply(w http.ResponseWriter, v any) int {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(agentwire.Header, strconv.Itoa(agentwire.Version))
	json.NewEncoder(w).Encode(v)
	return http.StatusOK
}

// store keeps r idempotently by seq; f.mu is held.
func (f *fakeServer) store(r monitor.Result) {
	if r.Seq == 0 {
		f.problems = append(f.problems, fmt.Sprintf("result %s without a seq", r.Message))
		return
	}
	if r.Location != f.location {
		f.problems = append(f.problems, fmt.Sprintf("seq %d: location %q, want %q", r.Seq, r.Location, f.location))
	}
	if old, ok := f.stored[r.Seq]; ok {
		f.copies++
		if diff := cmp.Diff(old, r); diff != "" {
			f.problems = append(f.problems, fmt.Sprintf("seq %d reused for a different result (-first +second):\n%s", r.Seq, diff))
		}
		return
	}
	if n := len(f.arrivals); n > 0 && r.Seq < f.arrivals[n-1] {
		f.problems = append(f.problems, fmt.Sprintf("seq %d arrived after seq %d", r.Seq, f.arrivals[n-1]))
	}
	f.stored[r.Seq] = r
	f.arrivals = append(f.arrivals, r.Seq)
}

// ackedSeq is the highest seq stored; f.mu is held.
func (f *fakeServer) ackedSeq() uint64 {
	var m uint64
	for s := range f.stored {
		m = max(m, s)
	}
	return m
}

func (f *fakeServer) set(fn func(f *fakeServer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeServer) storedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.stored)
}

// has reports whether every message in msgs is stored.
func (f *fakeServer) has(msgs []string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	got := map[string]bool{}
	for _, r := range f.stored {
		got[r.Message] = true
	}
	for _, m := range msgs {
		if !got[m] {
			return false
		}
	}
	return true
}

func (f *fakeServer) callsTo(path string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.path == path {
			out = append(out, c)
		}
	}
	return out
}

// check reports what the server received that breaks the agent's
// guarantees: seqs out of order, reused or missing, results stored twice
// under different seqs, results of one monitor out of order, and any of
// want not stored.
func (f *fakeServer) check(tb testing.TB, want []string) {
	tb.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.problems {
		tb.Error(p)
	}
	seqs := make([]uint64, 0, len(f.stored))
	for s := range f.stored {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	if len(seqs) > 0 && seqs[0] != 1 || len(seqs) > 0 && seqs[len(seqs)-1] != uint64(len(seqs)) {
		tb.Errorf("stored seqs: got %d seqs from %d to %d, want 1 to %d without gaps", len(seqs), seqs[0], seqs[len(seqs)-1], len(seqs))
	}
	bySeq := map[string]uint64{}
	lastAt := map[string]time.Time{}
	for _, s := range seqs {
		r := f.stored[s]
		if prev, ok := bySeq[r.Message]; ok {
			tb.Errorf("result %s: stored under seqs %d and %d, want once", r.Message, prev, s)
		}
		bySeq[r.Message] = s
		if r.At.Before(lastAt[r.MonitorID]) {
			tb.Errorf("seq %d: monitor %s ran at %v, before its previous result at %v", s, r.MonitorID, r.At, lastAt[r.MonitorID])
		}
		lastAt[r.MonitorID] = r.At
	}
	missing := 0
	for _, m := range want {
		if _, ok := bySeq[m]; !ok {
			missing++
		}
	}
	if missing > 0 {
		tb.Errorf("stored: got %d of the %d results made, want all", len(want)-missing, len(want))
	}
}

// producer is a fake check that names each result it makes.
type producer struct {
	mu   sync.Mutex
	made []string
}

func (p *producer) run(ctx context.Context, m *monitor.Monitor) monitor.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := fmt.Sprintf("%s#%d", m.ID, len(p.made)+1)
	p.made = append(p.made, msg)
	return monitor.Result{State: monitor.Up, Message: msg, Latency: time.Millisecond}
}

func (p *producer) results() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.made)
}

// liveServer is the fake server on a real loopback listener, which can go
// away and come back on the same address.
type liveServer struct {
	tb   testing.TB
	h    http.Handler
	addr string
	srv  *httptest.Server
}

func startLive(tb testing.TB, h http.Handler) *liveServer {
	tb.Helper()
	l := &liveServer{tb: tb, h: h, srv: httptest.NewServer(h)}
	l.addr = l.srv.Listener.Addr().String()
	tb.Cleanup(func() {
		if l.srv != nil {
			l.srv.Close()
		}
	})
	return l
}

func (l *liveServer) url() string { return "http://" + l.addr }

func (l *liveServer) stop() {
	l.srv.Close()
	l.srv = nil
}

func (l *liveServer) restart() {
	l.tb.Helper()
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		l.tb.Fatalf("listen again on %s: %v", l.addr, err)
	}
	srv := httptest.NewUnstartedServer(l.h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	l.srv = srv
}

// handlerTransport serves requests with a handler in memory, for tests in
// a testing/synctest bubble, where real sockets would stop the clock.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// running is an agent's Run in progress.
type running struct {
	a      *Agent
	cancel context.CancelFunc
	done   chan error
}

func startAgent(tb testing.TB, opts Options) *running {
	tb.Helper()
	a, err := New(opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{a: a, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- a.Run(ctx) }()
	return r
}

// stop cancels Run and waits for it to return.
func (r *running) stop(tb testing.TB) {
	tb.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			tb.Errorf("Run: got %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		tb.Fatal("Run did not return within 20s of its context ending")
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline; it asserts nothing about how long that takes.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// noToken fails if the token shows in the logs.
func noToken(tb testing.TB, logs, token string) {
	tb.Helper()
	if strings.Contains(logs, token) {
		tb.Errorf("logs: got the token in them, want it never logged:\n%s", logs)
	}
}
