package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/web"
)

// An incident opened after the outage it is about starts when the outage
// did (started), within a week and never in the future; the dashboard's
// "Open an incident" link fills it in, and the attribution form defaults
// to the outage the monitors saw, not the incident's opening and
// resolution.
func TestIncidentStartsAtTheOutage(t *testing.T) {
	e := newIncidentEnv(t)
	now := e.clock.now()
	down, up := now.Add(-40*time.Minute), now.Add(-5*time.Minute)
	// The monitor saw api down from 40 to 5 minutes ago.
	var fs []store.Fact
	for _, st := range []struct {
		at     time.Time
		status string
	}{{down, "major_outage"}, {up, "operational"}} {
		id := fmt.Sprintf("st:api-http:%d:%s", st.at.Unix(), st.status)
		body, _ := json.Marshal(statusLine{Type: "status", ID: id, At: st.at.Format(time.RFC3339), Component: "api", Status: st.status, Source: "monitor:api-http"})
		fs = append(fs, store.Fact{ID: id, Type: "status", At: st.at, JSON: body})
	}
	if err := e.st.AppendFacts(context.Background(), fs); err != nil {
		t.Fatal(err)
	}
	var bad web.Error
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title": "API down", "severity": "major", "components": {"api": "major_outage"}, "started": "`+now.Add(time.Minute).Format(time.RFC3339)+`"}`, http.StatusBadRequest, &bad)
	if bad.Field != "started" || !strings.Contains(bad.Error, "future") {
		t.Errorf("a start in the future: %+v", bad)
	}
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title": "API down", "severity": "major", "components": {"api": "major_outage"}, "started": "`+now.Add(-8*24*time.Hour).Format(time.RFC3339)+`"}`, http.StatusBadRequest, &bad)
	if bad.Field != "started" || !strings.Contains(bad.Error, "more than") {
		t.Errorf("a start 8 days back: %+v", bad)
	}
	// Opened from the browser, 30 minutes after the outage began.
	b := e.browser()
	if p := b.signIn("alice", testAlicePassword); p.code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.code)
	}
	link := "/admin/incidents/new?" + url.Values{"component": {"api"}, "monitor": {"api-http"}, "since": {down.Format(time.RFC3339)}, "title": {"API outage"}}.Encode()
	p := b.get(link)
	if want := `value="` + down.Format("2006-01-02T15:04:05") + `"`; !strings.Contains(p.body, want) {
		t.Fatalf("the form does not start the incident at the outage (%s):\n%s", want, p.body)
	}
	p = b.post("/admin/incidents", url.Values{"title": {"API outage"}, "severity": {"major"}, "status": {"investigating"},
		"components.api": {"major_outage"}, "started": {down.Format("2006-01-02T15:04:05")}})
	if p.code != http.StatusSeeOther {
		t.Fatalf("open: %d\n%s", p.code, p.body)
	}
	id := strings.TrimPrefix(strings.Split(p.location, "?")[0], "/admin/incidents/")
	var inc incident.Incident
	e.call("GET", "/api/v1/incidents/"+id, testViewerToken, "", http.StatusOK, &inc)
	if !inc.Opened.Equal(down) {
		t.Errorf("opened %s, want the outage's start %s", inc.Opened, down)
	}
	// Resolved now, 5 minutes after the monitors saw it end: the
	// attribution defaults to the outage, 40 to 5 minutes ago.
	e.call("POST", "/api/v1/incidents/"+id+"/updates", testOpsToken, `{"status": "resolved", "message": "Fixed."}`, http.StatusCreated, nil)
	p = b.get("/admin/incidents/" + id)
	for _, want := range []string{`name="start" type="datetime-local" step="1" value="` + down.Format("2006-01-02T15:04:05") + `"`,
		`name="end" type="datetime-local" step="1" value="` + up.Format("2006-01-02T15:04:05") + `"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the attribution form lacks %s", want)
		}
	}
}
