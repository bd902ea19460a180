package notify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/notify"
)

// httpNotifier posts to a test server through notify.Post.
type httpNotifier struct{ url string }

func (h httpNotifier) Name() string { return "http" }
func (h httpNotifier) Send(ctx context.Context, m notify.Message) error {
	return notify.Post(ctx, nil, h.url, nil, []byte(m.Text))
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func noSleep(context.Context, time.Duration) error { return nil }

func TestDeliverHTTP(t *testing.T) {
	tests := []struct {
		name      string
		codes     []int // answers in order; the last repeats
		wantTries int
		wantErr   bool
		wantPerm  bool
		wantLog   []int // Attempt.Status per try
	}{
		{name: "503 then 200 is retried", codes: []int{503, 200}, wantTries: 2, wantLog: []int{503, 0}},
		{name: "400 is not retried", codes: []int{400}, wantTries: 1, wantErr: true, wantPerm: true, wantLog: []int{400}},
		{name: "404 is not retried", codes: []int{404}, wantTries: 1, wantErr: true, wantPerm: true, wantLog: []int{404}},
		{name: "429 is retried", codes: []int{429, 429, 204}, wantTries: 3, wantLog: []int{429, 429, 0}},
		{name: "408 is retried", codes: []int{408, 200}, wantTries: 2, wantLog: []int{408, 0}},
		{name: "500 until attempts run out", codes: []int{500}, wantTries: 4, wantErr: true, wantLog: []int{500, 500, 500, 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(calls.Add(1)) - 1
				w.WriteHeader(tt.codes[min(i, len(tt.codes)-1)])
			}))
			defer srv.Close()
			at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			var log []notify.Attempt
			policy := notify.Backoff{
				Attempts: 4, Initial: time.Second, Max: time.Minute,
				Now:       func() time.Time { return at },
				OnAttempt: func(a notify.Attempt) { log = append(log, a) },
			}
			tries, err := notify.Deliver(context.Background(), httpNotifier{srv.URL}, notify.Message{ID: "m1"}, policy, noSleep, discard())
			if tries != tt.wantTries {
				t.Errorf("got %d tries, want %d", tries, tt.wantTries)
			}
			if got := int(calls.Load()); got != tt.wantTries {
				t.Errorf("got %d requests, want %d", got, tt.wantTries)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("got err %v, want error %v", err, tt.wantErr)
			}
			if got := notify.IsPermanent(err); got != tt.wantPerm {
				t.Errorf("got IsPermanent %v, want %v", got, tt.wantPerm)
			}
			var statuses []int
			for _, a := range log {
				statuses = append(statuses, a.Status)
				if a.Notifier != "http" || a.MessageID != "m1" || !a.At.Equal(at) {
					t.Errorf("got attempt %+v, want notifier http, message m1, at %v", a, at)
				}
			}
			if diff := cmp.Diff(tt.wantLog, statuses); diff != "" {
				t.Errorf("attempt statuses (-want +got):\n%s", diff)
			}
			if len(log) > 0 && (log[len(log)-1].Err == nil) == tt.wantErr {
				t.Errorf("got last attempt err %v, want error %v", log[len(log)-1].Err, tt.wantErr)
			}
		})
	}
}

type failing struct{ err error }

func (f failing) Name() string                               { return "failing" }
func (f failing) Send(context.Context, notify.Message) error { return f.err }

func TestDeliverBackoffSequence(t *testing.T) {
	tests := []struct {
		name   string
		policy notify.Backoff
		want   []time.Duration
	}{
		{
			name:   "doubling without jitter, capped",
			policy: notify.Backoff{Attempts: 6, Initial: time.Second, Max: 10 * time.Second},
			want:   []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second},
		},
		{
			name:   "full jitter uses injected rand",
			policy: notify.Backoff{Attempts: 4, Initial: time.Second, Max: time.Minute, Multiplier: 3, Jitter: 1, Rand: seq(0.5, 0.25, 1)},
			want:   []time.Duration{500 * time.Millisecond, 750 * time.Millisecond, 9 * time.Second},
		},
		{
			name:   "half jitter",
			policy: notify.Backoff{Attempts: 3, Initial: 2 * time.Second, Jitter: 0.5, Rand: seq(0, 0.5)},
			want:   []time.Duration{time.Second, 3 * time.Second},
		},
		{
			name:   "single attempt never sleeps",
			policy: notify.Backoff{Attempts: 1, Initial: time.Second},
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var slept []time.Duration
			sleep := func(_ context.Context, d time.Duration) error {
				slept = append(slept, d)
				return nil
			}
			tries, err := notify.Deliver(context.Background(), failing{errors.New("down")}, notify.Message{ID: "x"}, tt.policy, sleep, discard())
			if err == nil {
				t.Fatal("got nil error, want the notifier's error")
			}
			if want := max(tt.policy.Attempts, 1); tries != want {
				t.Errorf("got %d tries, want %d", tries, want)
			}
			if diff := cmp.Diff(tt.want, slept); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

// seq returns a fake rand yielding vs in turn.
func seq(vs ...float64) func() float64 {
	i := 0
	return func() float64 {
		v := vs[i%len(vs)]
		i++
		return v
	}
}

func TestDeliverStopsWhenSleepIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sleep := func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	want := errors.New("down")
	tries, err := notify.Deliver(ctx, failing{want}, notify.Message{}, notify.Backoff{Attempts: 5, Initial: time.Second}, sleep, discard())
	if tries != 1 {
		t.Errorf("got %d tries, want 1", tries)
	}
	if !errors.Is(err, want) {
		t.Errorf("got err %v, want %v", err, want)
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("bad request")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", base, false},
		{"marked", notify.Permanent(base), true},
		{"wrapped after marking", errors.Join(errors.New("ctx"), notify.Permanent(base)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notify.IsPermanent(tt.err); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if notify.Permanent(nil) != nil {
		t.Error("got non-nil Permanent(nil), want nil")
	}
	if !errors.Is(notify.Permanent(base), base) {
		t.Error("got Permanent(err) not wrapping err, want errors.Is true")
	}
}
