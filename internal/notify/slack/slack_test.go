package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/notify"
	"github.com/slakeeper/slakeeper/internal/notify/slack"
)

// receiver records the JSON body posted to it and answers code.
func receiver(tb testing.TB, code int, got chan<- map[string]any) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			tb.Errorf("got content type %q, want application/json", ct)
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			tb.Errorf("got undecodable body: %v", err)
		}
		got <- body
		w.WriteHeader(code)
		io.WriteString(w, "ok")
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func TestSend(t *testing.T) {
	msg := notify.Message{
		ID: "m1", Event: "monitor.down", Subject: "API is down",
		Text: "Checks from 3 regions fail: status 502 <b>", URL: "https://status.example.com/i/7",
	}
	tests := []struct {
		name   string
		blocks bool
		msg    notify.Message
		want   map[string]any
	}{
		{
			name: "text only",
			msg:  msg,
			want: map[string]any{"text": "*API is down*\nChecks from 3 regions fail: status 502 &lt;b&gt;\n<https://status.example.com/i/7>"},
		},
		{
			name:   "with blocks",
			blocks: true,
			msg:    msg,
			want: map[string]any{
				"text": "*API is down*\nChecks from 3 regions fail: status 502 &lt;b&gt;\n<https://status.example.com/i/7>",
				"blocks": []any{
					map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": "API is down"}},
					map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "Checks from 3 regions fail: status 502 &lt;b&gt;"}},
					map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "<https://status.example.com/i/7|Open in slakeeper>"}},
				},
			},
		},
		{
			name: "subject only",
			msg:  notify.Message{ID: "m2", Subject: "R&D <ok>"},
			want: map[string]any{"text": "*R&amp;D &lt;ok&gt;*"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan map[string]any, 1)
			srv := receiver(t, http.StatusOK, got)
			if err := slack.New(srv.URL, tt.blocks, srv.Client()).Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("got err %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, <-got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
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
		{"gone webhook", http.StatusNotFound, true},
		{"rate limited", http.StatusTooManyRequests, false},
		{"server error", http.StatusInternalServerError, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := receiver(t, tt.code, make(chan map[string]any, 1))
			err := slack.New(srv.URL, false, srv.Client()).Send(context.Background(), notify.Message{ID: "m"})
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if got := notify.IsPermanent(err); got != tt.wantPerm {
				t.Errorf("got IsPermanent %v, want %v", got, tt.wantPerm)
			}
		})
	}
}

func TestTransportErrorHidesURL(t *testing.T) {
	// Slack webhook URLs are credentials; a failed dial must not print one.
	url := "http://127.0.0.1:1/services/T000/B000/SECRETTOKEN"
	err := slack.New(url, false, nil).Send(context.Background(), notify.Message{ID: "m"})
	if err == nil {
		t.Fatal("got nil error, want a dial error")
	}
	if strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Errorf("got error %q, want the webhook URL left out", err)
	}
}
