package pagerduty_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/notify"
	"github.com/slakeeper/slakeeper/internal/notify/pagerduty"
)

func receiver(tb testing.TB, code int, got chan<- map[string]any) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/enqueue" {
			tb.Errorf("got path %q, want /v2/enqueue", r.URL.Path)
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			tb.Errorf("got undecodable body: %v", err)
		}
		got <- body
		w.WriteHeader(code)
		w.Write([]byte(`{"status":"success","message":"Event processed","dedup_key":"x"}`))
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func TestSend(t *testing.T) {
	at := time.Date(2026, 5, 4, 10, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name string
		msg  notify.Message
		want map[string]any
	}{
		{
			name: "monitor down triggers",
			msg: notify.Message{
				ID: "m1", Event: "monitor.down", Subject: "API is down", At: at,
				Severity: "critical", DedupKey: "monitor/api", URL: "https://sla.example.com/m/api",
				Data: map[string]any{"region": "eu-west", "status": 502},
			},
			want: map[string]any{
				"routing_key":  "R0UT1NG",
				"event_action": "trigger",
				"dedup_key":    "monitor/api",
				"payload": map[string]any{
					"summary": "API is down", "source": "slakeeper-test", "severity": "critical",
					"timestamp":      "2026-05-04T08:30:00Z",
					"custom_details": map[string]any{"region": "eu-west", "status": float64(502)},
				},
				"links": []any{map[string]any{"href": "https://sla.example.com/m/api", "text": "slakeeper"}},
			},
		},
		{
			name: "monitor up resolves",
			msg:  notify.Message{ID: "m2", Event: "monitor.up", Subject: "API is up", At: at, Severity: "info", DedupKey: "monitor/api"},
			want: map[string]any{
				"routing_key": "R0UT1NG", "event_action": "resolve", "dedup_key": "monitor/api",
				"payload": map[string]any{"summary": "API is up", "source": "slakeeper-test", "severity": "info", "timestamp": "2026-05-04T08:30:00Z"},
			},
		},
		{
			name: "incident resolved resolves; dedup key falls back to ID, bad severity to error",
			msg:  notify.Message{ID: "inc-9", Event: "incident.resolved", Subject: "Fixed", Severity: "urgent"},
			want: map[string]any{
				"routing_key": "R0UT1NG", "event_action": "resolve", "dedup_key": "inc-9",
				"payload": map[string]any{"summary": "Fixed", "source": "slakeeper-test", "severity": "error"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan map[string]any, 1)
			srv := receiver(t, http.StatusAccepted, got)
			n := pagerduty.New(srv.URL+"/v2/enqueue", "R0UT1NG", "slakeeper-test", srv.Client())
			if err := n.Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("got err %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, <-got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAction(t *testing.T) {
	tests := []struct{ event, want string }{
		{"monitor.down", "trigger"},
		{"monitor.up", "resolve"},
		{"incident.created", "trigger"},
		{"incident.updated", "trigger"},
		{"incident.resolved", "resolve"},
		{"slo.breached", "trigger"},
		{"backup", "trigger"},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			if got := pagerduty.Action(tt.event); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name     string
		code     int
		wantPerm bool
	}{
		{"invalid event", http.StatusBadRequest, true},
		{"throttled", http.StatusTooManyRequests, false},
		{"unavailable", http.StatusServiceUnavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := receiver(t, tt.code, make(chan map[string]any, 1))
			err := pagerduty.New(srv.URL+"/v2/enqueue", "k", "", srv.Client()).Send(context.Background(), notify.Message{ID: "m", Event: "monitor.down"})
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if got := notify.IsPermanent(err); got != tt.wantPerm {
				t.Errorf("got IsPermanent %v, want %v", got, tt.wantPerm)
			}
			if got := notify.Status(err); got != tt.code {
				t.Errorf("got status %d, want %d", got, tt.code)
			}
		})
	}
}
