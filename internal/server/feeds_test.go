package server

import (
	"encoding/json"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFeedsShowIncidents creates an incident through the API and reads both
// feeds with a real parser (Debian's feedparser, as the feed package's own
// tests do).
func TestFeedsShowIncidents(t *testing.T) {
	e := newIncidentEnv(t)
	var inc struct {
		ID string `json:"id"`
	}
	e.call("POST", "/api/v1/incidents", testOpsToken, `{"title":"Checkout <slow> & failing","severity":"major","components":{"api":"partial_outage"},"message":"We are looking into it."}`, http.StatusCreated, &inc)
	e.fact("postmortem", "pm-feed", e.clock.now(), map[string]any{"incident": inc.ID, "at": rfc3339(e.clock.now()),
		"title": "Why checkout <failed>", "summary": "A full disk.\n\nWe alert on disks now."})
	e.tick()
	for _, tt := range []struct{ path, version, ctype string }{
		{"/feed.rss", "rss20", "application/rss+xml"},
		{"/feed.atom", "atom10", "application/atom+xml"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(e.url + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, tt.ctype) {
				t.Errorf("content type: got %q, want %s", got, tt.ctype)
			}
			path := filepath.Join(t.TempDir(), "feed.xml")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.ReadFrom(resp.Body); err != nil {
				t.Fatal(err)
			}
			f.Close()
			if _, err := os.Stat("/usr/bin/python3"); err != nil {
				t.Skip("no system python3")
			}
			out, err := exec.Command("/usr/bin/python3", filepath.Join("..", "feed", "testdata", "parse_feed.py"), path).Output()
			if err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("feedparser: %v (apt-get install -y python3-feedparser)", err)
				}
				t.Skipf("feedparser unavailable: %v", err)
			}
			var parsed struct {
				Bozo    bool   `json:"bozo"`
				Version string `json:"version"`
				Entries []struct {
					ID, Title, Link, Summary string
				} `json:"entries"`
			}
			if err := json.Unmarshal(out, &parsed); err != nil {
				t.Fatalf("parser output %s: %v", out, err)
			}
			if parsed.Bozo || parsed.Version != tt.version || len(parsed.Entries) != 1 {
				t.Fatalf("got bozo=%v version=%s entries=%d, want a clean %s feed with one entry\n%s", parsed.Bozo, parsed.Version, len(parsed.Entries), tt.version, out)
			}
			en := parsed.Entries[0]
			if en.Title != "Checkout <slow> & failing [investigating]" || !strings.HasSuffix(en.Link, "/incidents/"+inc.ID) {
				t.Errorf("entry: got %q %q, want the incident's title and page", en.Title, en.Link)
			}
			// feedparser gives RSS descriptions as HTML: text shown as is
			// comes escaped.
			text := en.Summary
			if tt.version == "rss20" {
				text = html.UnescapeString(text)
			}
			if !strings.Contains(text, "Post-mortem: Why checkout <failed>") || !strings.Contains(text, "We alert on disks now.") ||
				!strings.Contains(text, "We are looking into it.") {
				t.Errorf("entry text: want the post-mortem and the updates, got %q", en.Summary)
			}
		})
	}
}
