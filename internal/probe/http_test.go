package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

const testJSON = `{"data":{"status":"degraded","count":3,"ok":true,"big":12345678901234567890,"ratio":1.50,"nothing":null},` +
	`"items":[{"name":"a"},{"name":"b"}]}`

// testMux serves the paths the http tests check.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "all ok here")
	})
	mux.HandleFunc("/unavailable", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, testJSON)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "method=%s token=%s host=%s body=%s", r.Method, r.Header.Get("X-Token"), r.Host, body)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		// Returns early when the client gives up, so Close is quick.
		select {
		case <-time.After(300 * time.Millisecond):
			fmt.Fprint(w, "ok")
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(testTimeout):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		// 2 MiB of filler, then the marker: beyond what the check reads.
		w.Write([]byte(strings.Repeat("x", 2<<20)))
		fmt.Fprint(w, "MARKER")
	})
	return mux
}

func newHTTPServer(tb testing.TB) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(testMux())
	tb.Cleanup(srv.Close)
	return srv
}

func TestHTTP(t *testing.T) {
	srv := newHTTPServer(t)
	u := srv.URL
	tests := []struct {
		name string
		m    monitor.Monitor
		want want
	}{
		{"ok default spec", monitor.Monitor{Target: u + "/ok"}, want{monitor.Up, ""}},
		{"ok with https type name", monitor.Monitor{Type: "https", Target: u + "/ok"}, want{monitor.Up, ""}},
		{"wrong status", monitor.Monitor{Target: u + "/unavailable"}, want{monitor.Down, "status 503, want 200-399"}},
		{"expected status list", monitor.Monitor{Target: u + "/unavailable", HTTP: &monitor.HTTPSpec{ExpectStatus: []int{503}}}, want{monitor.Up, ""}},
		{"status not in list", monitor.Monitor{Target: u + "/ok", HTTP: &monitor.HTTPSpec{ExpectStatus: []int{201, 204}}}, want{monitor.Down, "status 200, want 201, 204"}},
		{"not found", monitor.Monitor{Target: u + "/nope"}, want{monitor.Down, "status 404, want 200-399"}},
		{"body contains", monitor.Monitor{Target: u + "/ok", HTTP: &monitor.HTTPSpec{BodyContains: "ok"}}, want{monitor.Up, ""}},
		{"body does not contain", monitor.Monitor{Target: u + "/ok", HTTP: &monitor.HTTPSpec{BodyContains: "healthy"}}, want{monitor.Down, `body does not contain "healthy"`}},
		{"body regex", monitor.Monitor{Target: u + "/ok", HTTP: &monitor.HTTPSpec{BodyRegex: `^all \w+ here$`}}, want{monitor.Up, ""}},
		{"body regex fails", monitor.Monitor{Target: u + "/ok", HTTP: &monitor.HTTPSpec{BodyRegex: `^\d+$`}}, want{monitor.Down, `body does not match regex "^\\d+$"`}},
		{"body regex invalid", monitor.Monitor{Target: u + "/ok", HTTP: &monitor.HTTPSpec{BodyRegex: `(`}}, want{monitor.Down, "invalid body regex"}},
		{"body beyond 1 MiB is not read", monitor.Monitor{Target: u + "/big", HTTP: &monitor.HTTPSpec{BodyContains: "MARKER"}}, want{monitor.Down, `body does not contain "MARKER"`}},
		{"json equal", monitor.Monitor{Target: u + "/json", HTTP: &monitor.HTTPSpec{JSON: []monitor.JSONAssert{
			{Path: "data.status", Equals: "degraded"},
			{Path: "data.count", Equals: "3"},
			{Path: "data.ok", Equals: "true"},
			{Path: "data.big", Equals: "12345678901234567890"},
			{Path: "data.ratio", Equals: "1.50"},
			{Path: "data.nothing", Equals: "null"},
			{Path: "items.1.name", Equals: "b"},
			{Path: "items.0", Equals: `{"name":"a"}`},
		}}}, want{monitor.Up, ""}},
		{"json mismatch", monitor.Monitor{Target: u + "/json", HTTP: &monitor.HTTPSpec{JSON: []monitor.JSONAssert{{Path: "data.status", Equals: "ok"}}}}, want{monitor.Down, `json data.status = "degraded", want "ok"`}},
		{"json missing key", monitor.Monitor{Target: u + "/json", HTTP: &monitor.HTTPSpec{JSON: []monitor.JSONAssert{{Path: "data.version", Equals: "2"}}}}, want{monitor.Down, `json data.version: no key "version"`}},
		{"json index out of range", monitor.Monitor{Target: u + "/json", HTTP: &monitor.HTTPSpec{JSON: []monitor.JSONAssert{{Path: "items.5.name", Equals: "x"}}}}, want{monitor.Down, "json items.5.name: index 5 out of range (2 elements)"}},
		{"json index not a number", monitor.Monitor{Target: u + "/json", HTTP: &monitor.HTTPSpec{JSON: []monitor.JSONAssert{{Path: "items.first", Equals: "x"}}}}, want{monitor.Down, `"first" is not an index`}},
		{"json through a scalar", monitor.Monitor{Target: u + "/json", HTTP: &monitor.HTTPSpec{JSON: []monitor.JSONAssert{{Path: "data.status.code", Equals: "x"}}}}, want{monitor.Down, `no "code" in a string`}},
		{"json body not json", monitor.Monitor{Target: u + "/ok", HTTP: &monitor.HTTPSpec{JSON: []monitor.JSONAssert{{Path: "a", Equals: "b"}}}}, want{monitor.Down, "body is not JSON"}},
		{"redirect not followed is checked", monitor.Monitor{Target: u + "/redirect", HTTP: &monitor.HTTPSpec{ExpectStatus: []int{302}}}, want{monitor.Up, ""}},
		{"redirect not followed fails body check", monitor.Monitor{Target: u + "/redirect", HTTP: &monitor.HTTPSpec{BodyContains: "all ok"}}, want{monitor.Down, "body does not contain"}},
		{"redirect not followed wrong status", monitor.Monitor{Target: u + "/redirect", HTTP: &monitor.HTTPSpec{ExpectStatus: []int{200}}}, want{monitor.Down, "status 302, want 200"}},
		{"redirect followed", monitor.Monitor{Target: u + "/redirect", HTTP: &monitor.HTTPSpec{FollowRedirects: true, ExpectStatus: []int{200}, BodyContains: "all ok"}}, want{monitor.Up, ""}},
		{"redirect loop default limit", monitor.Monitor{Target: u + "/loop", HTTP: &monitor.HTTPSpec{FollowRedirects: true}}, want{monitor.Down, "stopped after 10 redirects"}},
		{"redirect loop own limit", monitor.Monitor{Target: u + "/loop", HTTP: &monitor.HTTPSpec{FollowRedirects: true, MaxRedirects: 3}}, want{monitor.Down, "stopped after 3 redirects"}},
		{"method headers body", monitor.Monitor{Target: u + "/echo", HTTP: &monitor.HTTPSpec{
			Method: "post", Body: "ping", Headers: map[string]string{"X-Token": "t0k", "Host": "status.example"},
			BodyContains: "method=POST token=t0k host=status.example body=ping",
		}}, want{monitor.Up, ""}},
		{"connection refused", monitor.Monitor{Target: "http://" + deadPort(t) + "/"}, want{monitor.Down, "request failed: connection refused"}},
		{"timeout", monitor.Monitor{Target: u + "/hang", Timeout: shortTimeout}, want{monitor.Down, "request failed: timeout after 200ms"}},
		{"slow is degraded", monitor.Monitor{Target: u + "/slow", DegradedAfter: 50 * time.Millisecond}, want{monitor.Degraded, "slow: "}},
		{"slow is down", monitor.Monitor{Target: u + "/slow", DegradedAfter: 10 * time.Millisecond, DownAfter: 50 * time.Millisecond}, want{monitor.Down, "> 50ms"}},
		{"slow within thresholds", monitor.Monitor{Target: u + "/slow", DegradedAfter: testTimeout}, want{monitor.Up, ""}},
		{"bad scheme", monitor.Monitor{Target: "ftp://127.0.0.1/"}, want{monitor.Down, `invalid target: scheme "ftp"`}},
		{"no host", monitor.Monitor{Target: "http:///path"}, want{monitor.Down, "invalid target: no host"}},
		{"unparsable url", monitor.Monitor{Target: "http://[::1"}, want{monitor.Down, "invalid target"}},
		{"empty target", monitor.Monitor{}, want{monitor.Down, "invalid target"}},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			if m.Type == "" {
				m.Type = monitor.TypeHTTP
			}
			got := run(t, r, &m)
			t.Logf("%s: %q", got.State, got.Message)
			assertResult(t, got, tt.want)
			if got.State == monitor.Up && got.Latency <= 0 {
				t.Errorf("got latency %v, want > 0", got.Latency)
			}
		})
	}
}

func TestHTTPSecretsStayOutOfMessages(t *testing.T) {
	target := "http://user:hunter2@" + deadPort(t) + "/?api_key=s3cret"
	got := run(t, Default(), &monitor.Monitor{Type: monitor.TypeHTTP, Target: target})
	if got.State != monitor.Down {
		t.Fatalf("got state %s, want down", got.State)
	}
	for _, secret := range []string{"hunter2", "s3cret"} {
		if strings.Contains(got.Message, secret) {
			t.Errorf("got message %q, want it free of %q", got.Message, secret)
		}
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewUnstartedServer(testMux())
	// The rejected handshakes below are expected; keep them out of the
	// test log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	tests := []struct {
		name string
		r    Registry
		spec *monitor.HTTPSpec
		want want
	}{
		{"self-signed rejected", Default(), nil, want{monitor.Down, "certificate"}},
		{"self-signed with InsecureSkipVerify", Default(), &monitor.HTTPSpec{InsecureSkipVerify: true}, want{monitor.Up, ""}},
		{"trusted root", New(Options{RootCAs: roots}), nil, want{monitor.Up, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &monitor.Monitor{Type: monitor.TypeHTTP, Target: srv.URL + "/ok", HTTP: tt.spec}
			got := run(t, tt.r, m)
			t.Logf("%s: %q", got.State, got.Message)
			assertResult(t, got, tt.want)
			if got.State == monitor.Up {
				if got.CertExpiry == nil || !got.CertExpiry.Equal(srv.Certificate().NotAfter) {
					t.Errorf("got CertExpiry %v, want %v", got.CertExpiry, srv.Certificate().NotAfter)
				}
			}
		})
	}
}

// TestHTTPReusesConnections runs many checks of one host at once and counts
// the connections the server accepted: with keep-alive and a large enough
// idle pool they stay near the number of concurrent checks instead of one
// per check, which is what keeps 10,000 monitors from exhausting sockets.
func TestHTTPReusesConnections(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(testMux())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	const workers, perWorker = 20, 25
	r := Default()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range workers {
		wg.Go(func() {
			for range perWorker {
				res := r.Run(context.Background(), &monitor.Monitor{ID: "m", Type: monitor.TypeHTTP, Target: srv.URL + "/ok", Timeout: testTimeout}, time.Now)
				if res.State != monitor.Up {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("got %d failed checks, want 0", n)
	}
	if n := conns.Load(); n > 2*workers {
		t.Errorf("got %d connections for %d checks, want at most %d", n, workers*perWorker, 2*workers)
	}
}

func TestLookupJSON(t *testing.T) {
	doc := map[string]any{"a": []any{map[string]any{"0": "zero-key"}}}
	tests := []struct {
		name, path, want string
	}{
		{"whole document", "", `{"a":[{"0":"zero-key"}]}`},
		{"numeric key of an object", "a.0.0", "zero-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := lookupJSON(doc, tt.path)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got := jsonText(v); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// BenchmarkHTTP measures one http check against a loopback server with many
// checks in flight, as a scheduler of thousands of monitors runs them.
func BenchmarkHTTP(b *testing.B) {
	srv := newHTTPServer(b)
	r := Default()
	m := &monitor.Monitor{ID: "m", Type: monitor.TypeHTTP, Target: srv.URL + "/ok", Timeout: testTimeout, HTTP: &monitor.HTTPSpec{BodyContains: "ok"}}
	b.SetParallelism(32)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res := r.Run(context.Background(), m, time.Now); res.State != monitor.Up {
				b.Errorf("got %s %q, want up", res.State, res.Message)
				return
			}
		}
	})
}

// BenchmarkHTTP10k checks 10,000 monitors spread over 10 loopback hosts,
// all at once, per iteration: the worst burst a scheduler of 10,000
// monitors can produce. conns/op is how many connections the servers
// accepted; with keep-alive it stays far below 10,000, and the per-host cap
// bounds it however large the burst.
func BenchmarkHTTP10k(b *testing.B) {
	const monitors, hosts = 10_000, 10
	var conns atomic.Int64
	var ms []*monitor.Monitor
	for h := range hosts {
		srv := httptest.NewUnstartedServer(testMux())
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
		srv.Start()
		b.Cleanup(srv.Close)
		for i := range monitors / hosts {
			ms = append(ms, &monitor.Monitor{ID: fmt.Sprintf("m%d-%d", h, i), Type: monitor.TypeHTTP, Target: srv.URL + "/ok", Timeout: 30 * time.Second})
		}
	}
	r := Default()
	var failed atomic.Int64
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for _, m := range ms {
			wg.Go(func() {
				if res := r.Run(context.Background(), m, time.Now); res.State != monitor.Up {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(conns.Load())/float64(b.N), "conns/op")
	if n := failed.Load(); n > 0 {
		b.Errorf("got %d failed checks, want 0", n)
	}
}
