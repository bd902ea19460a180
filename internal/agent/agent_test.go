package agent

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// testToken is distinctive, so that a search of the logs finds any trace.
const testToken = "tok-Zq8X3vN1pL5sW7yK"

// testMonitors returns the monitors of location eu, checked every
// interval, and one of location us that a confused server might send.
func testMonitors(interval time.Duration) []*monitor.Monitor {
	return []*monitor.Monitor{
		{ID: "web", Type: monitor.TypeHTTP, Target: "https://example.test", Interval: interval, Locations: []string{"eu", "us"}},
		{ID: "api", Type: monitor.TypeTCP, Target: "api.example.test:443", Interval: interval, Locations: []string{"eu"}},
		{ID: "us-only", Type: monitor.TypeTCP, Target: "us.example.test:443", Interval: interval, Locations: []string{"us"}},
	}
}

func textLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// onlyAssigned fails if a check of another location ran.
func onlyAssigned(tb testing.TB, made []string) {
	tb.Helper()
	for _, m := range made {
		if strings.HasPrefix(m, "us-only#") {
			tb.Fatalf("result %s: got a check of location us, want only eu's", m)
		}
	}
}

// outage is a real-time end-to-end test: an agent checking two monitors
// every 10ms against the fake server on a loopback listener.
type outage struct {
	t     *testing.T
	fake  *fakeServer
	live  *liveServer
	prod  *producer
	opts  Options
	agent *running
}

// waitMade waits until the checks have made n more results.
func (o *outage) waitMade(n int) {
	o.t.Helper()
	target := len(o.prod.results()) + n
	waitFor(o.t, fmt.Sprintf("%d more results", n), func() bool { return len(o.prod.results()) >= target })
}

func (o *outage) restartAgent() {
	o.t.Helper()
	o.agent.stop(o.t)
	o.agent = startAgent(o.t, o.opts)
}

func TestAgentDeliversThroughOutages(t *testing.T) {
	tests := []struct {
		name    string
		disrupt func(o *outage)
		// wantCopies: the server must have received some results twice.
		wantCopies bool
	}{
		{
			name: "server answers 503",
			disrupt: func(o *outage) {
				o.fake.set(func(f *fakeServer) { f.failWith = http.StatusServiceUnavailable })
				o.waitMade(30)
				o.fake.set(func(f *fakeServer) { f.failWith = 0 })
			},
		},
		{
			name: "server stores results but its answers are lost",
			disrupt: func(o *outage) {
				o.fake.set(func(f *fakeServer) { f.loseAcks = true })
				o.waitMade(30)
				o.fake.set(func(f *fakeServer) { f.loseAcks = false })
			},
			wantCopies: true,
		},
		{
			name: "server goes away and comes back on the same address",
			disrupt: func(o *outage) {
				o.live.stop()
				o.waitMade(30)
				o.live.restart()
			},
		},
		{
			name: "agent restarts",
			disrupt: func(o *outage) {
				o.waitMade(10)
				o.restartAgent()
				o.waitMade(10)
			},
		},
		{
			name: "agent restarts while the server is away",
			disrupt: func(o *outage) {
				o.live.stop()
				o.waitMade(20)
				// The new agent runs the cached monitor list meanwhile.
				o.restartAgent()
				o.waitMade(20)
				o.live.restart()
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeServer(testToken, "eu", testMonitors(10*time.Millisecond)...)
			live := startLive(t, fake.handler())
			prod := &producer{}
			logs := &syncBuffer{}
			o := &outage{t: t, fake: fake, live: live, prod: prod}
			o.opts = Options{
				Server:       live.url(),
				Token:        testToken,
				Location:     "eu",
				BufferDir:    t.TempDir(),
				Run:          prod.run,
				Logger:       textLogger(logs),
				RefreshEvery: 50 * time.Millisecond,
				BatchSize:    7,
				RetryMin:     5 * time.Millisecond,
				RetryMax:     40 * time.Millisecond,
				Rand:         func() float64 { return 0.5 },
			}
			o.agent = startAgent(t, o.opts)
			waitFor(t, "the first results", func() bool { return fake.storedCount() >= 10 })

			tt.disrupt(o)

			want := prod.results()
			waitFor(t, "every result made so far to be stored", func() bool { return fake.has(want) })
			o.agent.stop(t)

			fake.check(t, want)
			onlyAssigned(t, prod.results())
			fake.set(func(f *fakeServer) {
				if tt.wantCopies && f.copies == 0 {
					t.Error("copies received: got 0, want some (the lost answers should make the agent resend)")
				}
			})
			noToken(t, logs.String(), testToken)
		})
	}
}

func TestAgentRejectedTokenBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := newFakeServer("another-token", "eu", testMonitors(time.Second)...)
		prod := &producer{}
		logs := &syncBuffer{}
		r := startAgent(t, Options{
			Server:       "https://slakeeper.test/",
			Token:        testToken,
			Location:     "eu",
			BufferDir:    t.TempDir(),
			Client:       &http.Client{Transport: handlerTransport{fake.handler()}},
			Run:          prod.run,
			Logger:       textLogger(logs),
			RefreshEvery: time.Hour,
			Rand:         func() float64 { return 0 }, // the longest wait of each step
		})

		time.Sleep(3 * time.Minute)
		synctest.Wait()
		calls := fake.callsTo(pathAck)
		var gaps []time.Duration
		for i, c := range calls {
			if c.status != http.StatusUnauthorized {
				t.Errorf("call %d: got status %d, want 401", i, c.status)
			}
			if i > 0 {
				gaps = append(gaps, c.at.Sub(calls[i-1].at))
			}
		}
		want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
			16 * time.Second, 32 * time.Second, 60 * time.Second}
		if diff := cmp.Diff(want, gaps); diff != "" {
			t.Errorf("waits between retries (-want +got):\n%s", diff)
		}
		if !strings.Contains(logs.String(), "rejected the agent's token") {
			t.Errorf("logs: got %q, want the rejected token reported", logs.String())
		}
		if n := fake.storedCount(); n != 0 {
			t.Errorf("stored while the token is rejected: got %d, want 0", n)
		}

		// The operator fixes the server's configuration.
		fake.set(func(f *fakeServer) { f.token = testToken })
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		made := prod.results()
		// The first retry after the fix is at most a minute away, and the
		// checks run every second from then on.
		if len(made) < 100 {
			t.Errorf("results made: got %d, want at least 100", len(made))
		}
		r.stop(t)
		fake.check(t, made)
		onlyAssigned(t, made)
		noToken(t, logs.String(), testToken)
	})
}

func TestAgentServerAheadOfBuffer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := newFakeServer(testToken, "eu", testMonitors(time.Second)...)
		// Results of an earlier agent whose buffer directory was lost.
		at := time.Now().Add(-time.Hour)
		var old []string
		for seq := uint64(1); seq <= 100; seq++ {
			msg := fmt.Sprintf("old#%d", seq)
			old = append(old, msg)
			fake.stored[seq] = monitor.Result{MonitorID: "old", Location: "eu", At: at, State: monitor.Up, Message: msg, Seq: seq}
			fake.arrivals = append(fake.arrivals, seq)
		}
		prod := &producer{}
		logs := &syncBuffer{}
		r := startAgent(t, Options{
			Server:    "http://slakeeper.test",
			Token:     testToken,
			Location:  "eu",
			BufferDir: t.TempDir(),
			Client:    &http.Client{Transport: handlerTransport{fake.handler()}},
			Run:       prod.run,
			Logger:    textLogger(logs),
		})
		time.Sleep(30 * time.Second)
		synctest.Wait()
		made := prod.results()
		st := r.a.BufferStats()
		if want := uint64(101 + len(made)); st.NextSeq != want || st.AckedSeq != want-1 {
			t.Errorf("buffer next, acked seq: got %d, %d, want %d, %d", st.NextSeq, st.AckedSeq, want, want-1)
		}
		r.stop(t)

		if len(made) == 0 {
			t.Fatal("results made: got none, want some")
		}
		if got, want := fake.storedCount(), 100+len(made); got != want {
			t.Errorf("stored: got %d results, want %d", got, want)
		}
		fake.check(t, append(old, made...))
		if !strings.Contains(logs.String(), "buffer directory replaced") {
			t.Errorf("logs: got %q, want a warning about the seqs", logs.String())
		}
	})
}

func TestNewRejectsBadOptions(t *testing.T) {
	valid := Options{Server: "https://sla.example.com", Token: testToken, Location: "eu", BufferDir: "/var/lib/slakeeper"}
	tests := []struct {
		name   string
		change func(o *Options)
		want   string // in the error; empty for none
	}{
		{"valid", func(o *Options) {}, ""},
		{"no server", func(o *Options) { o.Server = "" }, "server URL"},
		{"server without a scheme", func(o *Options) { o.Server = "sla.example.com" }, "server URL"},
		{"server with another scheme", func(o *Options) { o.Server = "ftp://sla.example.com" }, "server URL"},
		{"password in the server URL stays out", func(o *Options) { o.Server = "ftp://u:hunter2@sla.example.com" }, "xxxxx"},
		{"no token", func(o *Options) { o.Token = "" }, "no token"},
		{"no location", func(o *Options) { o.Location = "" }, "no location"},
		{"the server's own location", func(o *Options) { o.Location = monitor.LocalLocation }, "server's own"},
		{"no buffer directory", func(o *Options) { o.BufferDir = "" }, "no buffer directory"},
		{"negative batch", func(o *Options) { o.BatchSize = -1 }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid
			tt.change(&o)
			_, err := New(o)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: got %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("New: got nil, want an error containing %q", tt.want)
			case err != nil && !strings.Contains(err.Error(), tt.want):
				t.Errorf("New: got %q, want it to contain %q", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "hunter2")) {
				t.Errorf("New: got %q, want no secret in it", err)
			}
		})
	}
}

func TestOptionsLogValueHidesToken(t *testing.T) {
	logs := &syncBuffer{}
	textLogger(logs).Info("starting", "options", Options{
		Server: "https://agent:hunter2@sla.example.com", Token: testToken, Location: "eu",
	})
	got := logs.String()
	noToken(t, got, testToken)
	if strings.Contains(got, "hunter2") {
		t.Errorf("logs: got %q, want no password", got)
	}
	if !strings.Contains(got, "location=eu") {
		t.Errorf("logs: got %q, want the location", got)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name     string
		min, max time.Duration
		rand     float64
		want     []float64 // seconds
	}{
		{
			name: "doubles to the cap",
			min:  time.Second, max: time.Minute, rand: 0,
			want: []float64{1, 2, 4, 8, 16, 32, 60, 60},
		},
		{
			name: "jitter takes up to half off",
			min:  time.Second, max: time.Minute, rand: 0.5,
			want: []float64{0.75, 1.5, 3, 6, 12, 24, 45, 45},
		},
		{
			name: "cap below the second step",
			min:  time.Second, max: 1500 * time.Millisecond, rand: 0,
			want: []float64{1, 1.5, 1.5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &backoff{min: tt.min, max: tt.max, rand: func() float64 { return tt.rand }}
			var got, want []time.Duration
			for _, w := range tt.want {
				got = append(got, b.next())
				want = append(want, time.Duration(w*float64(time.Second)))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			b.reset()
			if got := b.next(); got != want[0] {
				t.Errorf("after reset: got %v, want %v", got, want[0])
			}
		})
	}
}
