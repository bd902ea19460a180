package statuspage

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// BannerView is the page's headline: the worst current condition.
type BannerView struct {
	// Status colours the banner: a component status, or "incident" for an
	// incident in progress that names no impact.
	Status string
	Text   string
}

// Banner is the worst current condition: an outage or degraded
// performance of a component (in its status or in an active incident's
// impacts) first, then any other active incident, then maintenance in
// progress, then operational or no data. Maintenance ranks below every
// incident, though a component under maintenance shows no worse status:
// a visitor must not read "maintenance" while an incident is open.
func Banner(overall string, groups []Group, active []IncidentView, maintenance []MaintenanceView) BannerView {
	worst, rank := "", statusRank("operational")
	consider := func(st string) {
		if st == "under_maintenance" {
			return
		}
		if r := statusRank(st); r > rank {
			worst, rank = st, r
		}
	}
	underMaintenance := false
	for _, g := range groups {
		for _, c := range g.Components {
			consider(c.Status)
			underMaintenance = underMaintenance || c.Status == "under_maintenance"
		}
	}
	for _, inc := range active {
		for _, c := range inc.Components {
			consider(c.Status)
		}
	}
	for _, m := range maintenance {
		underMaintenance = underMaintenance || m.State == "ongoing"
	}
	switch {
	case worst != "":
		text := overallText(worst)
		if n := len(active); n > 0 {
			text += " · " + incidentsInProgress(active)
		}
		return BannerView{Status: worst, Text: text}
	case len(active) > 0:
		return BannerView{Status: "incident", Text: incidentsInProgress(active)}
	case underMaintenance:
		return BannerView{Status: "under_maintenance", Text: overallText("under_maintenance")}
	}
	if overall == "under_maintenance" || overall == "" {
		overall = "operational"
	}
	return BannerView{Status: overall, Text: overallText(overall)}
}

func incidentsInProgress(active []IncidentView) string {
	if len(active) == 1 {
		title := active[0].Title
		if title == "" {
			title = "Incident " + active[0].ID
		}
		return "Incident in progress: " + title
	}
	return fmt.Sprintf("%d incidents in progress", len(active))
}

// Chart is a component's response time over a recent span, as the
// operator enables it (status_page.response_time_charts).
type Chart struct {
	From, To time.Time
	// Means are the mean response times in milliseconds of equal spans
	// from From to To, oldest first; negative where nothing was measured.
	Means []float64
}

// Summary says what the chart shows in words: the mean over the span
// and the highest of the spans' means.
func (c *Chart) Summary() string {
	var sum, high float64
	n := 0
	for _, m := range c.Means {
		if m < 0 {
			continue
		}
		sum += m
		high = math.Max(high, m)
		n++
	}
	hours := int(c.To.Sub(c.From).Round(time.Hour).Hours())
	if n == 0 {
		return fmt.Sprintf("Response time, last %d hours: no measurements", hours)
	}
	return fmt.Sprintf("Response time, last %d hours: mean %s, highest %s", hours, ms(sum/float64(n)), ms(high))
}

func ms(v float64) string {
	if v >= 10 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
}

// chartHeight is the chart's height in its own units; the width is one
// unit per span.
const chartHeight = 40

// chartSVG draws the chart as inline SVG: a line per run of measured
// spans, scaled to the highest mean, with its summary as the accessible
// name and as the caption. No script and no external file: the page
// stays one request.
func chartSVG(c *Chart) template.HTML {
	var b strings.Builder
	summary := template.HTMLEscapeString(c.Summary())
	high := 0.0
	for _, m := range c.Means {
		high = math.Max(high, m)
	}
	w := max(len(c.Means)-1, 1)
	fmt.Fprintf(&b, `<figure class=chart><svg viewBox="0 0 %d %d" preserveAspectRatio=none role=img aria-label="%s"><path d="`, w, chartHeight, summary)
	pen := false
	for i, m := range c.Means {
		if m < 0 || high <= 0 {
			pen = false
			continue
		}
		y := chartHeight - 2 - (chartHeight-4)*m/high
		op := "L"
		if !pen {
			op = "M"
		}
		// A lone point still shows: a short stroke.
		fmt.Fprintf(&b, "%s%d %s", op, i, strconv.FormatFloat(y, 'f', 1, 64))
		if !pen && (i+1 == len(c.Means) || c.Means[i+1] < 0) {
			fmt.Fprintf(&b, "h.5")
		}
		pen = true
	}
	b.WriteString(`"/></svg><figcaption>`)
	b.WriteString(summary)
	b.WriteString("</figcaption></figure>\n")
	return template.HTML(b.String())
}
