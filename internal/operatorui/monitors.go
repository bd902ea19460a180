package operatorui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitors"
)

// MonitorsPage is the monitors console's list.
type MonitorsPage struct {
	Page
	Rows []monitors.Row
	// Total is how many monitors the filter selects; Rows is one page of
	// them (Shown from First).
	Total, First int
	Prev, Next   string
	Components   []Option
	States       []string
	// The filter as asked.
	Component, State, Text, Sort, Order string
	Columns                             []SortColumn
}

// SortColumn is a column heading that sorts the list by its key; a
// second click reverses the order.
type SortColumn struct {
	Label, Key, URL string
	// Sorted is "ascending" or "descending" for the column the list is
	// sorted by (aria-sort), else "".
	Sorted string
}

// MonitorPage is one monitor's page.
type MonitorPage struct {
	Page
	M         *monitors.Detail
	Ranges    []RangeLink
	Charts    []Chart
	Incidents []IncidentRow
}

// RangeLink is one of a monitor page's chart ranges.
type RangeLink struct {
	Label, URL string
	Current    bool
}

// The charts' size in SVG units.
const (
	chartW, chartH, stateH = 720.0, 160.0, 14.0
)

// Chart is one location's response-time line and state strip, laid out
// for SVG.
type Chart struct {
	Location string
	W, H     float64
	// StateY is the top of the state strip.
	StateY, FullH float64
	// Line is the polyline of the mean response time ("x,y x,y …").
	Line   string
	Points []ChartPoint
	States []StateBar
	// MaxMS is the top of the scale; Ticks are its labelled lines.
	MaxMS float64
	Ticks []Tick
	// Checks counts the checks charted; From and To bound the range.
	Checks   int
	From, To time.Time
}

// ChartPoint is one point of the line, with what it stands for.
type ChartPoint struct {
	X, Y  float64
	Title string
}

// StateBar is one step of the state strip.
type StateBar struct {
	X, W  float64
	State string
	Title string
}

// Tick is a labelled value line.
type Tick struct {
	Y     float64
	Label string
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Charts lays out d's series, one chart per location.
func Charts(d *monitors.Detail) []Chart {
	span := d.To.Sub(d.From).Seconds()
	x := func(t time.Time) float64 {
		return math.Max(0, math.Min(chartW, chartW*t.Sub(d.From).Seconds()/span))
	}
	step := d.Step.Seconds()
	var out []Chart
	for _, s := range d.Series {
		c := Chart{Location: s.Location, W: chartW, H: chartH, StateY: chartH + 6, FullH: chartH + 6 + stateH, From: d.From, To: d.To}
		top := 0.0
		for _, p := range s.Points {
			if p.MeanMS != nil {
				top = max(top, *p.MeanMS)
			}
		}
		c.MaxMS = niceCeil(top)
		for _, v := range []float64{0, c.MaxMS / 2, c.MaxMS} {
			c.Ticks = append(c.Ticks, Tick{Y: chartH - chartH*v/c.MaxMS, Label: strconv.FormatFloat(v, 'f', -1, 64) + " ms"})
		}
		var line []string
		for i, p := range s.Points {
			n := p.Up + p.Degraded + p.Down
			c.Checks += n
			px := x(p.At)
			w := chartW * step / span
			if step == 0 {
				// One result a point: its bar reaches the next one.
				end := d.To
				if i+1 < len(s.Points) {
					end = s.Points[i+1].At
				}
				w = x(end) - px
			}
			when := p.At.UTC().Format("2 Jan 15:04:05")
			title := fmt.Sprintf("%s: %d up, %d degraded, %d down", when, p.Up, p.Degraded, p.Down)
			if p.MeanMS != nil {
				title += fmt.Sprintf(", mean %s ms, max %s ms", f1(*p.MeanMS), f1(*p.MaxMS))
				py := chartH - chartH*(*p.MeanMS)/c.MaxMS
				line = append(line, f1(px)+","+f1(py))
				c.Points = append(c.Points, ChartPoint{X: px, Y: py, Title: title})
			}
			c.States = append(c.States, StateBar{X: px, W: math.Max(w, 0.5), State: string(p.State()), Title: title})
		}
		c.Line = strings.Join(line, " ")
		out = append(out, c)
	}
	return out
}
