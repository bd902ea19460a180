package feed

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// systemPython is the Debian interpreter that sees python3-feedparser; the
// python3 on PATH may be a pyenv build without it.
const systemPython = "/usr/bin/python3"

type fpEntry struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Link        string   `json:"link"`
	Published   string   `json:"published"`
	Updated     string   `json:"updated"`
	PublishedTS *int64   `json:"published_ts"`
	UpdatedTS   *int64   `json:"updated_ts"`
	Summary     string   `json:"summary"`
	Tags        []string `json:"tags"`
}

type fpResult struct {
	Bozo          bool      `json:"bozo"`
	BozoException string    `json:"bozo_exception"`
	Version       string    `json:"version"`
	Title         string    `json:"title"`
	Link          string    `json:"link"`
	Entries       []fpEntry `json:"entries"`
}

// requireFeedparser skips the test when feedparser is unavailable, except on
// CI (CI=true) where its absence is a failure.
func requireFeedparser(t *testing.T) {
	t.Helper()
	msg := ""
	if _, err := os.Stat(systemPython); err != nil {
		msg = systemPython + " not found"
	} else if out, err := exec.Command(systemPython, "-c", "import feedparser").CombinedOutput(); err != nil {
		msg = "feedparser not importable by " + systemPython + ": " + string(bytes.TrimSpace(out)) +
			" (apt-get install -y python3-feedparser)"
	}
	if msg == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func parseWithFeedparser(t *testing.T, doc []byte) fpResult {
	t.Helper()
	path := filepath.Join(t.TempDir(), "feed.xml")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(systemPython, filepath.Join("testdata", "parse_feed.py"), path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("parse_feed.py: %v\n%s", err, stderr.String())
	}
	var r fpResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("bad JSON from parse_feed.py: %v\n%s", err, out)
	}
	return r
}

func TestFeedparserRoundTrip(t *testing.T) {
	requireFeedparser(t)
	f := trickyFeed()
	wantTitle := clean(f.Title)
	for _, tc := range []struct {
		name    string
		render  func(*bytes.Buffer, Feed) error
		version string
		// summary converts feedparser's summary back to plain text.
		summary func(string) string
	}{
		// RSS descriptions are HTML; feedparser keeps the escaped markup.
		{"rss", rssFn, "rss20", html.UnescapeString},
		// Atom content type="text" is returned as plain text.
		{"atom", atomFn, "atom10", func(s string) string { return s }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := render(t, tc.render, f)
			r := parseWithFeedparser(t, doc)
			if r.Bozo {
				t.Fatalf("feedparser bozo: %s\n%s", r.BozoException, doc)
			}
			if r.Version != tc.version {
				t.Errorf("version = %q, want %q", r.Version, tc.version)
			}
			if r.Title != wantTitle {
				t.Errorf("title = %q, want %q", r.Title, wantTitle)
			}
			if r.Link != f.Link {
				t.Errorf("link = %q, want %q", r.Link, f.Link)
			}
			if len(r.Entries) != len(f.Items) {
				t.Fatalf("entries = %d, want %d", len(r.Entries), len(f.Items))
			}
			for i, e := range r.Entries {
				in := f.Items[i]
				if e.ID != in.ID {
					t.Errorf("entry %d id = %q, want %q", i, e.ID, in.ID)
				}
				if want := clean(in.Title); e.Title != want {
					t.Errorf("entry %d title = %q, want %q", i, e.Title, want)
				}
				if e.Link != in.Link {
					t.Errorf("entry %d link = %q, want %q", i, e.Link, in.Link)
				}
				if e.Published == "" || e.PublishedTS == nil || *e.PublishedTS != in.Published.Unix() {
					t.Errorf("entry %d published = %q (%v), want %v", i, e.Published, e.PublishedTS, in.Published)
				}
				if e.Updated == "" || e.UpdatedTS == nil || *e.UpdatedTS != in.Updated.Unix() {
					t.Errorf("entry %d updated = %q (%v), want %v", i, e.Updated, e.UpdatedTS, in.Updated)
				}
				if got, want := tc.summary(e.Summary), clean(in.Text); got != want {
					t.Errorf("entry %d summary = %q, want %q", i, got, want)
				}
				var wantTags []string
				for _, c := range in.Categories {
					if c = clean(c); c != "" {
						wantTags = append(wantTags, c)
					}
				}
				if len(e.Tags) != len(wantTags) {
					t.Errorf("entry %d tags = %q, want %q", i, e.Tags, wantTags)
				} else {
					for j := range wantTags {
						if e.Tags[j] != wantTags[j] {
							t.Errorf("entry %d tag %d = %q, want %q", i, j, e.Tags[j], wantTags[j])
						}
					}
				}
			}
		})
	}
}
