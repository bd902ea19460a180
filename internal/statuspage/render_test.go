package statuspage

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBanner(t *testing.T) {
	comps := func(sts ...string) []Group {
		var g Group
		for _, st := range sts {
			g.Components = append(g.Components, Component{Status: st})
		}
		return []Group{g}
	}
	inc := func(impact string) IncidentView {
		v := IncidentView{ID: "i1", Title: "Slow logins"}
		if impact != "" {
			v.Components = []Component{{Status: impact}}
		}
		return v
	}
	ongoing := []MaintenanceView{{State: "ongoing"}}
	tests := []struct {
		name        string
		overall     string
		groups      []Group
		active      []IncidentView
		maint       []MaintenanceView
		status, has string
	}{
		{"all operational", "operational", comps("operational", "operational"), nil, nil, "operational", "All systems operational"},
		{"maintenance alone", "under_maintenance", comps("operational", "under_maintenance"), nil, ongoing, "under_maintenance", "Scheduled maintenance in progress"},
		// Maintenance ranks above degraded performance among statuses, not
		// on the banner.
		{"degraded incident outranks maintenance", "under_maintenance", comps("under_maintenance", "degraded_performance"),
			[]IncidentView{inc("degraded_performance")}, ongoing, "degraded_performance", "Incident in progress: Slow logins"},
		{"incident without impact outranks maintenance", "under_maintenance", comps("under_maintenance"),
			[]IncidentView{inc("")}, ongoing, "incident", "Incident in progress: Slow logins"},
		// The component under maintenance shows maintenance; its incident
		// still names the outage.
		{"incident on a component under maintenance", "under_maintenance", comps("under_maintenance"),
			[]IncidentView{inc("major_outage")}, ongoing, "major_outage", "Major outage"},
		{"worst outage", "major_outage", comps("partial_outage", "major_outage"), nil, nil, "major_outage", "Major outage"},
		{"no data", NoData, comps(NoData), nil, nil, NoData, "No data yet"},
		{"two incidents", "operational", comps("operational"), []IncidentView{inc(""), inc("")}, nil, "incident", "2 incidents in progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Banner(tt.overall, tt.groups, tt.active, tt.maint)
			if got.Status != tt.status || !strings.Contains(got.Text, tt.has) {
				t.Errorf("got %+v, want status %s and text with %q", got, tt.status, tt.has)
			}
		})
	}
}

// page renders a status page of two groups and returns its HTML.
func page(t *testing.T, v View) string {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if v.Site == nil {
		v.Site = &Site{Title: "Status", TimeZone: "UTC", GeneratedAt: time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)}
	}
	var b bytes.Buffer
	if err := r.Page(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func days(classes ...string) []Day {
	var out []Day
	for i, c := range classes {
		d := Day{Date: time.Date(2026, 10, 1+i, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), Class: c}
		if c != "none" {
			d.Uptime = map[string]string{"up": "100%", "minor": "99.500%", "partial": "97.000%", "major": "90.000%"}[c]
		}
		out = append(out, d)
	}
	return out
}

func TestPageBarsAndGroups(t *testing.T) {
	api := Component{ID: "api", Name: "API", Status: "partial_outage", StatusText: "Partial outage", Uptime30: "99.9%", Uptime90: "99.9%",
		Days: days("none", "up", "minor", "major")}
	api.Days[1].Incidents, api.Days[1].Titles = 3, []string{"Slow <logins>", "Errors", "Timeouts"}
	web := Component{ID: "web", Name: "Web", Status: "operational", StatusText: "Operational", Days: days("up", "up", "up", "up")}
	v := View{Overall: "partial_outage", Days: 4, DayLabels: []string{"1 Oct 2026", "2 Oct 2026", "3 Oct 2026", "4 Oct 2026"},
		FirstDay: "2026-10-01", LastDay: "2026-10-04",
		Groups: []Group{{Name: "Core", Components: []Component{api, web}}, {Name: "", Components: []Component{web}}}}
	html := page(t, v)
	for _, want := range []string{
		// One short item per day; details only where there is something
		// to say, escaped, the first two titles then a count.
		`<ol class=bars aria-label="API: daily uptime, oldest first"><li class=n><li tabindex=0><i>100% uptime, 3 incidents: Slow &lt;logins&gt;; Errors; and 1 more</i><li class=m tabindex=0><i>99.500% uptime</i><li class=x tabindex=0><i>90.000% uptime</i></ol>`,
		`<ol class=bars aria-label="Web: daily uptime, oldest first"><li><li><li><li></ol>`,
		// The dates, once per position.
		`.bars li:nth-child(3){--d:"3 Oct 2026"}`,
		// A named group collapses and shows its worst status.
		`<details class="group" open>`, `<summary><h3>Core</h3> <span class="status s-partial_outage">`,
		`<a href="/history/2026-10-04">Today</a>`, `data-first="2026-10-01"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page: missing %s", want)
		}
	}
	if strings.Count(html, "<details class=\"group\"") != 1 {
		t.Errorf("the unnamed group is not a collapsible one")
	}
	v.GroupsCollapsed = true
	if html := page(t, v); !strings.Contains(html, `<details class="group">`) {
		t.Errorf("groups_collapsed: the group starts open")
	}
}

func TestPageMaintenanceSeries(t *testing.T) {
	at := func(d, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, time.UTC) }
	v := View{Overall: "operational", Days: 0, Maintenance: []MaintenanceView{{ID: "w1", Title: "Patching", State: "upcoming", Start: at(18, 2), End: at(18, 3),
		Recurs: "every Sunday", Next: []Occurrence{{Start: at(25, 2), End: at(25, 3)}, {Start: at(32, 2), End: at(32, 3)}}}}}
	html := page(t, v)
	if n := strings.Count(html, "Patching"); n != 1 {
		t.Errorf("the series is shown %d times, want once", n)
	}
	for _, want := range []string{"Recurring: every Sunday", "<summary>Next occurrences</summary>", "25 Oct 2026 02:00 UTC", "1 Nov 2026 02:00 UTC"} {
		if !strings.Contains(html, want) {
			t.Errorf("page: missing %q", want)
		}
	}
}

func TestChart(t *testing.T) {
	from := time.Date(2026, 10, 13, 9, 0, 0, 0, time.UTC)
	c := &Chart{From: from, To: from.Add(24 * time.Hour), Means: []float64{100, 200, -1, 50, -1}}
	svg := string(chartSVG(c))
	for _, want := range []string{`<svg viewBox="0 0 4 40"`, `role=img aria-label="Response time, last 24 hours: mean 117 ms, highest 200 ms"`,
		// A gap breaks the line; a lone point still shows.
		`d="M0 20.0L1 2.0M3 29.0h.5"`, "<figcaption>Response time, last 24 hours: mean 117 ms, highest 200 ms</figcaption>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart: missing %s in\n%s", want, svg)
		}
	}
	empty := &Chart{From: from, To: from.Add(time.Hour), Means: []float64{-1, -1}}
	if got := string(chartSVG(empty)); !strings.Contains(got, "no measurements") || !strings.Contains(got, `d=""`) {
		t.Errorf("chart without measurements: %s", got)
	}
	v := View{Overall: "operational", Days: 1, DayLabels: []string{"1 Oct 2026"},
		Groups: []Group{{Components: []Component{{ID: "api", Name: "API", Status: "operational", Chart: c, Days: days("up")}}}}}
	if html := page(t, v); !strings.Contains(html, `<figure class=chart><svg`) {
		t.Errorf("the page does not draw the chart")
	}
}
