package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/notify"
	"github.com/slakeeper/slakeeper/internal/notify/webhook"
)

const (
	secret      = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	otherSecret = "whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM="
)

// rewrite lets a test tamper with requests on the way to the receiver.
type rewrite func(*http.Request)

func (f rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	f(r)
	return http.DefaultTransport.RoundTrip(r)
}

type received struct {
	header http.Header
	body   []byte
	err    error
}

// receiver is a webhook consumer that accepts only what Verify accepts.
func receiver(tb testing.TB, secret string, now time.Time, got chan<- received) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := webhook.Verify(secret, r.Header, body, now, 5*time.Minute)
		got <- received{header: r.Header.Clone(), body: body, err: err}
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func TestSendVerifiedByReceiver(t *testing.T) {
	sent := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	msg := notify.Message{
		ID: "msg_1", Event: "incident.updated", At: sent.Add(-time.Minute),
		Data: map[string]any{"incident": "inc-7", "state": "monitoring"},
	}
	tests := []struct {
		name      string
		recvKey   string
		recvNow   time.Time
		tamper    func(*http.Request)
		wantErr   error // from Verify at the receiver
		wantFail  bool  // Send fails
		wantPerms bool
	}{
		{name: "valid", recvKey: secret, recvNow: sent.Add(3 * time.Second)},
		{
			name: "tampered body", recvKey: secret, recvNow: sent,
			tamper: func(r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				b = bytes.Replace(b, []byte("monitoring"), []byte("resolved!!"), 1)
				r.Body = io.NopCloser(bytes.NewReader(b))
			},
			wantErr: webhook.ErrSignature, wantFail: true, wantPerms: true,
		},
		{
			name: "tampered id", recvKey: secret, recvNow: sent,
			tamper:  func(r *http.Request) { r.Header.Set("webhook-id", "msg_2") },
			wantErr: webhook.ErrSignature, wantFail: true, wantPerms: true,
		},
		{name: "wrong secret", recvKey: otherSecret, recvNow: sent, wantErr: webhook.ErrSignature, wantFail: true, wantPerms: true},
		{name: "old timestamp", recvKey: secret, recvNow: sent.Add(6 * time.Minute), wantErr: webhook.ErrTimestamp, wantFail: true, wantPerms: true},
		{name: "future timestamp", recvKey: secret, recvNow: sent.Add(-6 * time.Minute), wantErr: webhook.ErrTimestamp, wantFail: true, wantPerms: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan received, 1)
			srv := receiver(t, tt.recvKey, tt.recvNow, got)
			client := srv.Client()
			if tt.tamper != nil {
				client = &http.Client{Transport: rewrite(tt.tamper)}
			}
			n, err := webhook.New(srv.URL, secret, client, func() time.Time { return sent })
			if err != nil {
				t.Fatal(err)
			}
			err = n.Send(context.Background(), msg)
			if (err != nil) != tt.wantFail {
				t.Fatalf("got Send err %v, want failure %v", err, tt.wantFail)
			}
			if got := notify.IsPermanent(err); got != tt.wantPerms {
				t.Errorf("got IsPermanent %v, want %v", got, tt.wantPerms)
			}
			r := <-got
			if !errors.Is(r.err, tt.wantErr) {
				t.Errorf("got Verify err %v, want %v", r.err, tt.wantErr)
			}
			if tt.wantFail {
				return
			}
			for k, want := range map[string]string{
				"webhook-id":        "msg_1",
				"webhook-timestamp": "1772366400",
				"content-type":      "application/json",
			} {
				if got := r.header.Get(k); got != want {
					t.Errorf("got header %s %q, want %q", k, got, want)
				}
			}
			if sig := r.header.Get("webhook-signature"); !strings.HasPrefix(sig, "v1,") {
				t.Errorf("got signature %q, want v1,<base64>", sig)
			}
			var body map[string]any
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatalf("got body %s: %v, want JSON", r.body, err)
			}
			want := map[string]any{
				"type":      "incident.updated",
				"timestamp": "2026-03-01T11:59:00Z",
				"data":      map[string]any{"incident": "inc-7", "state": "monitoring"},
			}
			if diff := cmp.Diff(want, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	// The example from the Standard Webhooks reference libraries.
	body := []byte(`{"test": 2432232314}`)
	now := time.Unix(1614265330, 0)
	good := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	header := func(id, ts, sig string) http.Header {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		return h
	}
	tests := []struct {
		name    string
		secret  string
		header  http.Header
		body    []byte
		wantErr error
	}{
		{name: "spec example", secret: secret, header: header("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), body: body},
		{name: "one of several signatures", secret: secret, header: header("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,Zm9v v2,abc "+good), body: body},
		{name: "wrong version", secret: secret, header: header("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v2"+good[2:]), body: body, wantErr: webhook.ErrSignature},
		{name: "tampered body", secret: secret, header: header("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), body: []byte(`{"test": 2432232315}`), wantErr: webhook.ErrSignature},
		{name: "wrong secret", secret: otherSecret, header: header("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), body: body, wantErr: webhook.ErrSignature},
		{name: "missing id", secret: secret, header: header("", "1614265330", good), body: body, wantErr: webhook.ErrMissingHeaders},
		{name: "timestamp not a number", secret: secret, header: header("msg_p5jXN8AQM9LWM0D4loKWxJek", "yesterday", good), body: body, wantErr: webhook.ErrTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(tt.secret, tt.header, tt.body, now, 5*time.Minute)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewRejectsBadSecret(t *testing.T) {
	tests := []struct{ name, secret string }{
		{"no prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"not base64", "whsec_not*base64"},
		{"empty", "whsec_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := webhook.New("http://127.0.0.1:1", tt.secret, nil, time.Now)
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if strings.Contains(err.Error(), strings.TrimPrefix(tt.secret, "whsec_")) && tt.secret != "whsec_" {
				t.Errorf("got error %q quoting the secret, want it left out", err)
			}
		})
	}
}
