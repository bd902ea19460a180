package statuspage

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"
)

// DayBounds returns the n+1 boundaries of the n days of loc that end with
// the day holding now, oldest first: day i is [b[i], b[i+1]). Days are
// calendar days of loc, so a day a clock change shortens has 23 hours.
func DayBounds(now time.Time, loc *time.Location, n int) []time.Time {
	t := now.In(loc)
	y, m, d := t.Date()
	b := make([]time.Time, n+1)
	for i := range b {
		// time.Date normalises day overflow and resolves each midnight in
		// the zone, so the bounds follow the clock changes.
		b[i] = time.Date(y, m, d-(n-1)+i, 0, 0, 0, 0, loc)
	}
	return b
}

// ParseDate reads a day's path segment ("2026-11-30") in loc.
func ParseDate(s string, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	return t, err == nil && t.Format("2006-01-02") == s
}

// ParseMonth reads a month ("2026-10") in loc.
func ParseMonth(s string, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01", s, loc)
	return t, err == nil && t.Format("2006-01") == s
}

var (
	hundred = big.NewRat(100, 1)
	pct99   = big.NewRat(99, 1)
	pct95   = big.NewRat(95, 1)
)

// FormatUptime shows an uptime percentage with three decimals, rounded
// down so that any downtime shows below 100 %; "no data" for nil.
func FormatUptime(r *big.Rat) string {
	if r == nil {
		return "no data"
	}
	if r.Cmp(hundred) >= 0 {
		return "100%"
	}
	// Thousandths of a percent, rounded down.
	x := new(big.Rat).Mul(r, big.NewRat(1000, 1))
	q := new(big.Int).Quo(x.Num(), x.Denom())
	n := q.Int64()
	return fmt.Sprintf("%d.%03d%%", n/1000, n%1000)
}

// UptimeClass names a bar's colour for an uptime: up at 100 %, minor from
// 99 %, partial from 95 %, major below; none without data.
func UptimeClass(r *big.Rat) string {
	switch {
	case r == nil:
		return "none"
	case r.Cmp(hundred) >= 0:
		return "up"
	case r.Cmp(pct99) >= 0:
		return "minor"
	case r.Cmp(pct95) >= 0:
		return "partial"
	}
	return "major"
}

// DayText says what a day's bar shows: the date, the uptime and the
// incidents, so that colour is never the only carrier.
func DayText(day time.Time, r *big.Rat, incidents int) string {
	if r == nil {
		return day.Format("2 Jan 2006") + ": no data"
	}
	return dayText(day, FormatUptime(r), incidents)
}

func dayText(day time.Time, uptime string, incidents int) string {
	date := day.Format("2 Jan 2006")
	inc := "no incidents"
	switch {
	case incidents == 1:
		inc = "1 incident"
	case incidents > 1:
		inc = fmt.Sprintf("%d incidents", incidents)
	}
	return date + ": " + uptime + " uptime, " + inc
}

// MakeDay builds one bar.
func MakeDay(day time.Time, r *big.Rat, incidents int) Day {
	d := Day{Date: day.Format("2006-01-02"), Class: UptimeClass(r), Incidents: incidents}
	if r == nil {
		d.Text = DayText(day, nil, incidents)
		return d
	}
	d.Uptime = FormatUptime(r)
	d.Text = dayText(day, d.Uptime, incidents)
	return d
}

// weightedStatuses are the statuses a weighting speaks of, worst first.
var weightedStatuses = []struct{ status, name string }{
	{"major_outage", "a major outage"},
	{"partial_outage", "a partial outage"},
	{"degraded_performance", "degraded performance"},
	{"under_maintenance", "time under maintenance"},
}

// Weighting states in words how the figures count each status: weights are
// in thousandths (1000 is fully down); removed statuses are left out.
func Weighting(weights map[string]int64, removed map[string]bool) string {
	var down, up, out []string
	for _, s := range weightedStatuses {
		switch w := weights[s.status]; {
		case removed[s.status]:
			out = append(out, s.name)
		case w >= 1000:
			down = append(down, s.name+" counts as fully down")
		case w > 0:
			down = append(down, fmt.Sprintf("%s counts as %s%% down", s.name, strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%d.%d", w/10, w%10), "0"), ".")))
		default:
			up = append(up, s.name)
		}
	}
	var parts []string
	if len(down) > 0 {
		parts = append(parts, "Uptime is the share of time up: "+join(down)+".")
	}
	if len(up) > 0 {
		parts = append(parts, capital(join(up))+" "+isAre(len(up))+" counted as up.")
	}
	if len(out) > 0 {
		parts = append(parts, capital(join(out))+" "+isAre(len(out))+" left out of the figures.")
	}
	return strings.Join(parts, " ")
}

func join(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

var blankLineRE = regexp.MustCompile(`\n[ \t]*\n`)

// Paragraphs splits plain text into paragraphs at blank lines.
func Paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	for _, p := range blankLineRE.Split(text, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
