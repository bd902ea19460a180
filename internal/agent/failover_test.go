package agent

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/agentwire"
)

// With several replicas, the agent moves past one that is down or
// answers 5xx, sticks to the one that answers, and does not move on a
// refusal of its own request (4xx).
func TestClientFailsOver(t *testing.T) {
	var busyHits, upHits atomic.Int32
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		busyHits.Add(1)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
	}))
	defer busy.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upHits.Add(1)
		w.Header().Set(agentwire.Header, strconv.Itoa(agentwire.Version))
		w.Write([]byte(`{"acked_seq": 5}`))
	}))
	defer up.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()

	c := &client{bases: []string{goneURL, busy.URL, up.URL}, token: "t", hc: http.DefaultClient}
	seq, err := c.ack(context.Background())
	if err != nil || seq != 5 {
		t.Fatalf("ack: %d, %v", seq, err)
	}
	if busyHits.Load() != 1 || upHits.Load() != 1 {
		t.Errorf("hits: busy %d, up %d", busyHits.Load(), upHits.Load())
	}
	// Next time the replica that answered is asked first.
	if _, err := c.ack(context.Background()); err != nil {
		t.Fatal(err)
	}
	if busyHits.Load() != 1 || upHits.Load() != 2 {
		t.Errorf("second call: busy %d, up %d", busyHits.Load(), upHits.Load())
	}
	// A refusal of the request itself is not a replica's trouble.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unknown agent token", http.StatusUnauthorized)
	}))
	defer refuse.Close()
	c = &client{bases: []string{refuse.URL, up.URL}, token: "t", hc: http.DefaultClient}
	if _, err := c.ack(context.Background()); err == nil {
		t.Error("a 401 was passed over to the next replica")
	}
	// All down: the last error.
	c = &client{bases: []string{goneURL, busy.URL}, token: "t", hc: http.DefaultClient}
	if _, err := c.ack(context.Background()); err == nil {
		t.Error("no replica answered, yet no error")
	}
}

// An agent that meets a server of another protocol stops with an error
// naming the side to upgrade, instead of retrying for ever or sending
// results it would misread; its buffer is kept.
func TestAgentStopsOnAnotherProtocol(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server http.HandlerFunc
		want   string
	}{
		{"server of protocol 1", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"acked_seq": 0, "location": "eu", "monitors": []}`))
		}, "upgrade the server"},
		{"server refuses this agent", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUpgradeRequired)
			w.Write([]byte(`{"error": "the agent speaks agent protocol 2, this side speaks 3: upgrade the agent"}`))
		}, "upgrade the agent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.server)
			defer srv.Close()
			a, err := New(Options{Server: srv.URL, Token: testToken, Location: "eu", BufferDir: t.TempDir(), Run: (&producer{}).run})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err = a.Run(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) || ctx.Err() != nil {
				t.Errorf("Run: %v, want it to stop at once saying %q", err, tc.want)
			}
		})
	}
}
