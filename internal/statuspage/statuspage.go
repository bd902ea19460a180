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
	"regexp"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

//go:embed static/status.js
var statusJS []byte

// The content hashes name the static files' paths, so that they can be
// cached for a year and still change with each release.
var (
	styleHash  = contentHash(styleCSS)
	scriptHash = contentHash(statusJS)
)

func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// StylePath is the path the pages link the style sheet under.
func StylePath() string { return "/static/" + styleHash + "/style.css" }

// ScriptPath is the path of the status page's optional script: it makes
// each bar a link to its day page and moves between bars with the arrow
// keys. The page works without it.
func ScriptPath() string { return "/static/" + scriptHash + "/status.js" }

// Site is what every page shares: the branding from the configuration
// and when the page was made.
type Site struct {
	Title string
	// LogoURL is shown beside the title when set.
	LogoURL string
	// Brand and BrandDark are #rrggbb colours for links and the header's
	// accent in the light and the dark scheme; empty keeps the default.
	Brand, BrandDark string
	Links            []Link
	// TimeZone names the zone the page's days and times are in.
	TimeZone    string
	GeneratedAt time.Time
}

// Link is one of the operator's links in the page's header.
type Link struct {
	Label, URL string
}

// View is everything the status page shows.
type View struct {
	Site *Site
	// Overall is the worst status of any component.
	Overall string
	// Banner is the worst current condition, which the banner at the top
	// shows (Banner builds it).
	Banner      BannerView
	Groups      []Group
	Active      []IncidentView
	Maintenance []MaintenanceView
	Past        []IncidentView
	// Weighting says in words how the uptime figures weigh the statuses.
	Weighting string
	// Days is how many days the bars show.
	Days int
	// DayLabels name the bars' days ("17 Jul 2026"), oldest first: the
	// page states them once, not once per bar.
	DayLabels []string
	// GroupsCollapsed starts the named groups closed.
	GroupsCollapsed bool
	// FirstDay and LastDay are the bars' first and last days
	// ("2006-01-02").
	FirstDay, LastDay string
}

// Group is a named set of components; the unnamed group comes first.
type Group struct {
	Name       string
	Components []Component
}

// Worst is the worst status of the group's components, which its
// summary shows while it is collapsed; components without data count
// only when none has data.
func (g Group) Worst() string {
	worst, rank := "", -1
	for _, c := range g.Components {
		if r := statusRank(c.Status); r > rank {
			worst, rank = c.Status, r
		}
	}
	return worst
}

// Component is one component, its current status and its uptime.
type Component struct {
	ID, Name, Status, StatusText string
	// Uptime30 and Uptime90 are the formatted figures ("99.833%"), "no
	// data" before the component had any evidence.
	Uptime30, Uptime90 string
	// Since30 and Since90 are the day monitoring began ("3 Dec") when it
	// began within the figure's span, which then covers less.
	Since30, Since90 string
	// Days are the daily bars, oldest first.
	Days []Day
	// Chart is the response-time chart, nil where it is not enabled.
	Chart *Chart
}

// Day is one component's figure for one day of the page's time zone.
type Day struct {
	// Date is "2006-01-02", the path of the day's page.
	Date string
	// Uptime is the formatted figure, empty when there was no data.
	Uptime string
	// Class colours the bar: up, minor, partial, major or none.
	Class     string
	Incidents int
	// Titles are the titles of the day's incidents of the component.
	Titles []string
	// Text says what the colour shows, for screen readers and as the
	// bar's title.
	Text string
}

// IncidentView is one incident as the page shows it.
type IncidentView struct {
	Site                                    *Site
	ID, Title, Severity, Status, StatusText string
	Opened                                  time.Time
	// Resolved is the zero time while the incident is open.
	Resolved   time.Time
	Components []Component
	// Updates are newest first.
	Updates    []UpdateView
	Postmortem *PostmortemView
}

// UpdateView is one public update of an incident.
type UpdateView struct {
	At                          time.Time
	Status, StatusText, Message string
}

// PostmortemView is an incident's published post-mortem.
type PostmortemView struct {
	At    time.Time
	Title string
	// Paragraphs are the summary's paragraphs, plain text.
	Paragraphs []string
	// URL points to the full text when it is published elsewhere.
	URL string
}

// MaintenanceView is one upcoming or ongoing maintenance window, or a
// recurring series shown once.
type MaintenanceView struct {
	ID, Title, State string
	Components       []string
	Start, End       time.Time
	// Next are a series' following occurrences after Start, soonest
	// first; empty for a one-off window.
	Next []Occurrence
	// Recurs says in words how the series recurs ("every Sunday", from
	// FREQ=WEEKLY;BYDAY=SU: Recurrence); empty for a one-off window.
	Recurs string
}

// Occurrence is one occurrence of a maintenance series.
type Occurrence struct {
	Start, End time.Time
}

// DayPage is one day's page: each component's figure and the incidents of
// the day.
type DayPage struct {
	Site *Site
	// Date is "2006-01-02"; Start and End bound the day in the page's zone.
	Date       string
	Start, End time.Time
	Components []DayComponent
	Incidents  []IncidentView
	// Prev and Next are the neighbouring days' dates, empty at the ends of
	// the kept days.
	Prev, Next string
	Weighting  string
	// Today marks the day still going on: its figures run to GeneratedAt.
	Today bool
}

// DayComponent is one component's figure on a day page.
type DayComponent struct {
	ID, Name string
	Day      Day
}

// HistoryPage lists the incidents opened in one month, newest first.
type HistoryPage struct {
	Site *Site
	// Month is "2006-01"; Start is its first instant in the page's zone.
	Month     string
	Start     time.Time
	Incidents []IncidentView
	// Prev and Next are the neighbouring months, empty when there is
	// nothing to go to.
	Prev, Next string
}

// NoData is the status of a component whose monitors have not checked it
// yet: nothing is known, which the page does not call operational.
const NoData = "no_data"

var statusTexts = map[string]string{
	NoData:                 "No data yet",
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

func statusRank(s string) int {
	switch s {
	case NoData:
		return 0
	case "operational":
		return 1
	case "degraded_performance":
		return 2
	case "under_maintenance":
		return 3
	case "partial_outage":
		return 4
	case "major_outage":
		return 5
	}
	return -1
}

var overallTexts = map[string]string{
	NoData:                 "No data yet: monitoring has not reported",
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
	page, incident, day, history *template.Template
}

// funcs are the templates' functions; the subscription pages
// (subscribe.go) share them with the layout.
func funcs() template.FuncMap {
	return template.FuncMap{
		"statusText":  StatusText,
		"overallText": overallText,
		"stylePath":   StylePath,
		"scriptPath":  ScriptPath,
		// Times are shown in the zone the caller put them in: the page's.
		"when": func(t time.Time) string { return t.Format("2 Jan 2006 15:04 MST") },
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"longDate": func(t time.Time) string {
			return t.Format("Monday 2 January 2006")
		},
		"monthName": func(t time.Time) string { return t.Format("January 2006") },
		"brandCSS":  brandCSS,
		"dayCSS":    dayCSS,
		"rows":      componentRows,
		"chart":     chartSVG,
	}
}

// New parses the embedded templates.
func New() (*Renderer, error) {
	funcs := funcs()
	parse := func(name string) (*template.Template, error) {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("status page template %s: %w", name, err)
		}
		return t, nil
	}
	var r Renderer
	for _, p := range []struct {
		t    **template.Template
		name string
	}{{&r.page, "page.html"}, {&r.incident, "incident.html"}, {&r.day, "day.html"}, {&r.history, "history.html"}} {
		t, err := parse(p.name)
		if err != nil {
			return nil, err
		}
		*p.t = t
	}
	return &r, nil
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

// Day renders one day's page. Nothing is written when rendering fails.
func (r *Renderer) Day(w io.Writer, v DayPage) error {
	return execute(w, r.day, v)
}

// History renders one month of incident history. Nothing is written when
// rendering fails.
func (r *Renderer) History(w io.Writer, v HistoryPage) error {
	return execute(w, r.history, v)
}

// barClass is the bars' class per day class: short, since a page of
// 1,000 components has 90,000 bars. A day at 100 % has none.
var barClass = map[string]string{"up": "", "minor": "m", "partial": "p", "major": "x", "none": "n"}

// barItems writes a component's day bars: one list item per day, its end
// tag left out as HTML allows. A day at 100 % without incidents is a bare
// <li>, a day without data <li class=n>: the style sheet gives their
// details from the date the page states once per position (dayCSS). A
// day with downtime or incidents is focusable and holds its details (the
// figure and the incidents), which the style sheet shows on hover and
// focus without JavaScript. Dates are not repeated per bar: the
// style sheet adds them, and the script (optional) links each bar to its
// day page. Every value is escaped.
func barItems(b *strings.Builder, days []Day) {
	for _, d := range days {
		cls := barClass[d.Class]
		b.WriteString("<li")
		if cls != "" {
			b.WriteString(" class=")
			b.WriteString(cls)
		}
		if d.Incidents == 0 && (d.Class == "up" || d.Class == "none") {
			b.WriteString(">")
			continue
		}
		b.WriteString(" tabindex=0><i>")
		b.WriteString(template.HTMLEscapeString(barLabel(d)))
		b.WriteString("</i>")
	}
}

// maxBarTitles bounds the incident titles a bar's label names; the day
// page lists them all.
const maxBarTitles = 2

// barLabel is a bar's details after its date: the figure and the
// incidents, by title.
func barLabel(d Day) string {
	var b strings.Builder
	if d.Uptime == "" {
		b.WriteString("no data")
	} else {
		b.WriteString(d.Uptime + " uptime")
	}
	switch n := len(d.Titles); {
	case n == 0 && d.Incidents > 0:
		fmt.Fprintf(&b, ", %d incidents", d.Incidents)
	case n == 1:
		b.WriteString(", incident: ")
	case n > 1:
		fmt.Fprintf(&b, ", %d incidents: ", n)
	}
	for i, t := range d.Titles {
		if i == maxBarTitles {
			fmt.Fprintf(&b, "; and %d more", len(d.Titles)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(t)
	}
	return b.String()
}

// dayCSS names each bar's day once for the whole page: a custom property
// per position that the style sheet shows in the bars' details.
func dayCSS(labels []string) template.CSS {
	var b strings.Builder
	for i, l := range labels {
		// The labels are dates the server formats: digits, letters and
		// spaces, nothing a style sheet would read otherwise.
		fmt.Fprintf(&b, ".bars li:nth-child(%d){--d:%q}", i+1, l)
	}
	return template.CSS(b.String())
}

// componentRows writes the rows of a group's components, as the template
// would but without its reflection: a page of 1,000 components is
// re-rendered on every change of the evidence. Every value is escaped.
func componentRows(v View, comps []Component) template.HTML {
	var b strings.Builder
	b.Grow(len(comps) * (300 + v.Days*8))
	esc := template.HTMLEscapeString
	for _, c := range comps {
		b.WriteString(`<li id="c-`)
		b.WriteString(esc(c.ID))
		b.WriteString(`"><div class=row><span class=name>`)
		b.WriteString(esc(c.Name))
		b.WriteString(`</span> <span class="status s-`)
		b.WriteString(esc(c.Status))
		b.WriteString(`">`)
		b.WriteString(esc(c.StatusText))
		b.WriteString("</span></div>\n")
		if c.Chart != nil {
			b.WriteString(string(chartSVG(c.Chart)))
		}
		b.WriteString(`<ol class=bars aria-label="`)
		b.WriteString(esc(c.Name))
		b.WriteString(`: daily uptime, oldest first">`)
		barItems(&b, c.Days)
		b.WriteString("</ol>\n<p class=uptime>Uptime — 30 days: ")
		b.WriteString(esc(c.Uptime30))
		if c.Since30 != "" {
			b.WriteString(" (since " + esc(c.Since30) + ")")
		}
		fmt.Fprintf(&b, " · %d days: ", v.Days)
		b.WriteString(esc(c.Uptime90))
		if c.Since90 != "" {
			b.WriteString(" (since " + esc(c.Since90) + ")")
		}
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String())
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// brandCSS sets the brand colours as the style sheet's custom properties.
// The colours are checked again here, as the configuration checks them,
// because they are written into a style element unescaped.
func brandCSS(s *Site) template.CSS {
	var b strings.Builder
	for _, c := range []struct{ prop, val string }{{"--brand-light", s.Brand}, {"--brand-dark", s.BrandDark}} {
		if colorRE.MatchString(c.val) {
			fmt.Fprintf(&b, "%s: %s; ", c.prop, c.val)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return template.CSS(":root { " + b.String() + "}")
}

func execute(w io.Writer, t *template.Template, data any) error {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		return fmt.Errorf("render status page: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Static serves the style sheet and the script under their content-hash
// paths, cacheable for a year: a new file has a new path. Mount it at
// /static/.
func Static() http.Handler {
	files := map[string]struct {
		body       []byte
		ctype, tag string
	}{
		StylePath():  {styleCSS, "text/css; charset=utf-8", `"` + styleHash + `"`},
		ScriptPath(): {statusJS, "text/javascript; charset=utf-8", `"` + scriptHash + `"`},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", f.tag)
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Header.Get("If-None-Match") == f.tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(f.body)
	})
}
