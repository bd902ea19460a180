package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPostmortemFormUnknownIncident: a post-mortem for an incident that
// does not exist is a 404 page saying so, valid form or not.
func TestPostmortemFormUnknownIncident(t *testing.T) {
	e := newIncidentEnv(t)
	b := e.browser()
	b.signIn("alice", testAlicePassword)
	for _, id := range []string{"inc-0000000000000000", "x1", "inc-zz%2Fzz"} {
		for _, form := range []url.Values{
			{"title": {"Outage"}, "summary": {"A disk filled up."}},
			{"title": {"Outage"}},
			{"url": {"ftp://x"}},
		} {
			p := b.post("/admin/incidents/"+id+"/postmortems", form)
			if p.code != http.StatusNotFound || !strings.Contains(p.body, "no incident") {
				t.Errorf("%v: got %d, want 404 naming the incident:\n%s", form, p.code, p.body)
			}
		}
	}
}
