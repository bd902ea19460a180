// Package statuspage renders the public status page: the components and
// their current status, the open incidents, the maintenance windows and the
// recent history. It is pure rendering: the caller decides what the page
// says and where it is served; the templates are parsed once, from files
// embedded in the binary, so a broken template fails at start-up.
package statuspage

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// styleHash is the content hash that names the style sheet's path, so the
// sheet can be cached for a year and still change with each release.
var styleHash = func() string {
	sum := sha256.Sum256(styleCSS)
	return hex.EncodeToString(sum[:])[:16]
}()

// StylePath is the path the pages link the style sheet under.
func StylePath() string { return "/static/" + styleHash + "/style.css" }

// View is everything the status page shows.
type View struct {
	Title string
	// Overall is the worst status of any component.
	Overall     string
	Groups      []Group
	Active      []IncidentView
	Maintenance []MaintenanceView
	Past        []IncidentView
	GeneratedAt time.Time
}

// Group is a named set of components; the unnamed group comes first.
type Group struct {
	Name       string
	Components []Component
}

// Component is one component and its current status.
type Component struct {
	ID, Name, Status, StatusText string
}

// IncidentView is one incident as the page shows it.
type IncidentView struct {
	ID, Title, Severity, Status, StatusText string
	Opened                                  time.Time
	// Resolved is the zero time while the incident is open.
	Resolved   time.Time
	Components []Component
	// Updates are newest first.
	Updates []UpdateView
	// SiteTitle names the status page on the incident's own page.
	SiteTitle   string
	GeneratedAt time.Time
}

// UpdateView is one public update of an incident.
type UpdateView struct {
	At                          time.Time
	Status, StatusText, Message string
}

// MaintenanceView is one upcoming or ongoing maintenance window.
type MaintenanceView struct {
	ID, Title, State string
	Components       []string
	Start, End       time.Time
}

var statusTexts = map[string]string{
	"operational":          "Operational",
	"degraded_performance": "Degraded performance",
	"under_maintenance":    "Under maintenance",
	"partial_outage":       "Partial outage",
	"major_outage":         "Major outage",
	"investigating":        "Investigating",
	"identified":           "Identified",
	"monitoring":           "Monitoring",
	"resolved":             "Resolved",
	"update":               "Update",
	"upcoming":             "Upcoming",
	"ongoing":              "In progress",
}

// StatusText is the label shown beside a status's colour, so the page
// never relies on colour alone.
func StatusText(status string) string {
	if t, ok := statusTexts[status]; ok {
		return t
	}
	if status == "" {
		return "Unknown"
	}
	return strings.ReplaceAll(status, "_", " ")
}

var overallTexts = map[string]string{
	"operational":          "All systems operational",
	"degraded_performance": "Some systems have degraded performance",
	"under_maintenance":    "Scheduled maintenance in progress",
	"partial_outage":       "Partial outage",
	"major_outage":         "Major outage",
}

func overallText(status string) string {
	if t, ok := overallTexts[status]; ok {
		return t
	}
	return StatusText(status)
}

// Renderer renders the pages from the parsed templates.
type Renderer struct {
	page, incident *template.Template
}

// New parses the embedded templates.
func New() (*Renderer, error) {
	funcs := template.FuncMap{
		"statusText":  StatusText,
		"overallText": overallText,
		"stylePath":   StylePath,
		"utc": func(t time.Time) string {
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}
	parse := func(name string) (*template.Template, error) {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("status page template %s: %w", name, err)
		}
		return t, nil
	}
	page, err := parse("page.html")
	if err != nil {
		return nil, err
	}
	inc, err := parse("incident.html")
	if err != nil {
		return nil, err
	}
	return &Renderer{page: page, incident: inc}, nil
}

// Page renders the status page. Nothing is written when rendering fails.
func (r *Renderer) Page(w io.Writer, v View) error {
	return execute(w, r.page, v)
}

// Incident renders one incident's page. Nothing is written when
// rendering fails.
func (r *Renderer) Incident(w io.Writer, v IncidentView) error {
	return execute(w, r.incident, v)
}

func execute(w io.Writer, t *template.Template, data any) error {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		return fmt.Errorf("render status page: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Static serves the style sheet under StylePath, cacheable for a year: a
// new sheet has a new path. Mount it at /static/.
func Static() http.Handler {
	etag := `"` + styleHash + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != StylePath() {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/css; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", etag)
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(styleCSS)
	})
}
