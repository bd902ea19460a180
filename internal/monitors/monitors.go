package monitors

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/detect"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Verdict is the detector's current word on a monitor: its status as last
// confirmed ("" while nothing was) and since when.
type Verdict struct {
	Status sla.Status
	Since  time.Time
}

// Live is what the server core knows now: the detector's verdicts by
// monitor, and the tracker fed with every result it stores.
type Live interface {
	Verdicts() map[string]Verdict
	Tracker() *Tracker
}

// Store is what a monitor's page reads from the store.
type Store interface {
	Results(ctx context.Context, monitorID string, from, to time.Time) ([]monitor.Result, error)
	Minutes(ctx context.Context, monitorID string, from, to time.Time) ([]store.Minute, error)
}

var _ Store = (store.Store)(nil)

// Service answers the console's questions.
type Service struct {
	cfg   func() *config.Config
	now   func() time.Time
	live  Live
	store Store
}

// New returns the console's service.
func New(cfg func() *config.Config, now func() time.Time, live Live, st Store) *Service {
	return &Service{cfg: cfg, now: now, live: live, store: st}
}

// States a list filters on: the verdict in a word.
const (
	StateUp       = "up"
	StateDegraded = "degraded"
	StateDown     = "down"
	StateUnknown  = "unknown"
)

// Check is one check result as the console shows it.
type Check struct {
	At        time.Time     `json:"at"`
	Location  string        `json:"location"`
	State     monitor.State `json:"state"`
	LatencyMS *float64      `json:"latency_ms,omitempty"`
	Message   string        `json:"message,omitempty"`
}

// Row is one monitor in the list.
type Row struct {
	ID            string   `json:"id"`
	Component     string   `json:"component"`
	ComponentName string   `json:"component_name"`
	Type          string   `json:"type"`
	Target        string   `json:"target,omitempty"`
	Locations     []string `json:"locations"`
	// State is up, degraded, down or unknown (no check yet); Status the
	// status fact's value it stands for.
	State  string     `json:"state"`
	Status sla.Status `json:"status,omitempty"`
	Since  *time.Time `json:"since,omitempty"`
	Last   *Check     `json:"last,omitempty"`
	// LatencyMS is the last check's; P50MS and P95MS over the checks of
	// the last 24 hours that answered.
	LatencyMS *float64 `json:"latency_ms,omitempty"`
	P50MS     *float64 `json:"p50_ms,omitempty"`
	P95MS     *float64 `json:"p95_ms,omitempty"`
	// Uptime24h and Uptime30d are the percent of checks not down.
	Uptime24h *float64 `json:"uptime_24h,omitempty"`
	Uptime30d *float64 `json:"uptime_30d,omitempty"`
	Checks24h int      `json:"checks_24h"`
}

// Query selects and orders the list.
type Query struct {
	Component string
	// State is one of the State constants, "" for all.
	State string
	// Text must occur (any case) in the id, component, target or last
	// message.
	Text string
	// Sort is id (default), component, state, since, latency, p50, p95,
	// uptime_24h or uptime_30d; Desc reverses it.
	Sort string
	Desc bool
}

// Sorts are the keys a list sorts by.
var Sorts = []string{"id", "component", "state", "since", "latency", "p50", "p95", "uptime_24h", "uptime_30d"}

// States are the states a list filters on.
var States = []string{StateUp, StateDegraded, StateDown, StateUnknown}

// Check reports the query's first error as an input error.
func (q Query) Check() error {
	if q.State != "" && !slices.Contains(States, q.State) {
		return &sla.InputError{Field: "state", Msg: fmt.Sprintf("%q is not one of %s", q.State, strings.Join(States, ", "))}
	}
	if q.Sort != "" && !slices.Contains(Sorts, q.Sort) {
		return &sla.InputError{Field: "sort", Msg: fmt.Sprintf("%q is not one of %s", q.Sort, strings.Join(Sorts, ", "))}
	}
	return nil
}

func stateOf(st sla.Status) string {
	switch st {
	case sla.Operational:
		return StateUp
	case sla.Degraded:
		return StateDegraded
	case sla.MajorOutage, sla.PartialOutage:
		return StateDown
	}
	return StateUnknown
}

func ms(d time.Duration) *float64 {
	if d < 0 {
		return nil
	}
	v := float64(d.Microseconds()) / 1000
	return &v
}

func pct(v float64) *float64 {
	if v < 0 {
		return nil
	}
	return &v
}

// row builds a monitor's row from the verdict and the tracker.
func (s *Service) row(c *config.Config, m *monitor.Monitor, v Verdict, f Figures) Row {
	r := Row{ID: m.ID, Component: m.Component, ComponentName: c.ComponentName(m.Component), Type: m.Type, Target: m.Target,
		Locations: detect.Locations(m), Checks24h: f.Checks24h, P50MS: ms(f.P50), P95MS: ms(f.P95),
		Uptime24h: pct(f.Uptime24h), Uptime30d: pct(f.Uptime30d)}
	r.Status = v.Status
	if r.Status == "" && !f.Last.At.IsZero() {
		// Checked, nothing confirmed: every monitor starts operational.
		r.Status = sla.Operational
	}
	r.State = stateOf(r.Status)
	if !v.Since.IsZero() {
		t := v.Since.UTC()
		r.Since = &t
	}
	if !f.Last.At.IsZero() {
		r.Last = checkOf(f.Last)
		r.LatencyMS = r.Last.LatencyMS
	}
	return r
}

func checkOf(res monitor.Result) *Check {
	ch := &Check{At: res.At.UTC(), Location: res.Location, State: res.State, Message: res.Message}
	if res.State != monitor.Down && res.Latency > 0 {
		ch.LatencyMS = ms(res.Latency)
	}
	return ch
}

// List returns the monitors q selects, in its order.
func (s *Service) List(q Query) ([]Row, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	c, now := s.cfg(), s.now()
	verdicts := s.live.Verdicts()
	tr := s.live.Tracker()
	text := strings.ToLower(q.Text)
	out := make([]Row, 0, len(c.Monitors))
	for _, m := range c.Monitors {
		if q.Component != "" && m.Component != q.Component {
			continue
		}
		r := s.row(c, m, verdicts[m.ID], tr.Figures(m.ID, detect.Locations(m), now))
		if q.State != "" && r.State != q.State {
			continue
		}
		if text != "" && !matches(r, text) {
			continue
		}
		out = append(out, r)
	}
	sortRows(out, q.Sort, q.Desc)
	return out, nil
}

func matches(r Row, text string) bool {
	for _, s := range []string{r.ID, r.Component, r.ComponentName, r.Target, r.Type} {
		if strings.Contains(strings.ToLower(s), text) {
			return true
		}
	}
	return r.Last != nil && strings.Contains(strings.ToLower(r.Last.Message), text)
}

// stateRank orders states worst first.
var stateRank = map[string]int{StateDown: 0, StateDegraded: 1, StateUp: 2, StateUnknown: 3}

// cmpOpt compares optional figures, missing ones last whatever the order.
func cmpOpt(a, b *float64, desc bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if desc {
		return cmp.Compare(*b, *a)
	}
	return cmp.Compare(*a, *b)
}

func sortRows(rows []Row, key string, desc bool) {
	sign := 1
	if desc {
		sign = -1
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		var c int
		switch key {
		case "component":
			c = sign * cmp.Compare(a.ComponentName, b.ComponentName)
		case "state":
			c = sign * cmp.Compare(stateRank[a.State], stateRank[b.State])
		case "since":
			var x, y time.Time
			if a.Since != nil {
				x = *a.Since
			}
			if b.Since != nil {
				y = *b.Since
			}
			c = sign * x.Compare(y)
		case "latency":
			c = cmpOpt(a.LatencyMS, b.LatencyMS, desc)
		case "p50":
			c = cmpOpt(a.P50MS, b.P50MS, desc)
		case "p95":
			c = cmpOpt(a.P95MS, b.P95MS, desc)
		case "uptime_24h":
			c = cmpOpt(a.Uptime24h, b.Uptime24h, desc)
		case "uptime_30d":
			c = cmpOpt(a.Uptime30d, b.Uptime30d, desc)
		}
		if c != 0 {
			return c
		}
		return sign * cmp.Compare(a.ID, b.ID)
	})
}

// Outages are the monitors whose confirmed verdict is an outage now, the
// oldest first.
func (s *Service) Outages() []Row {
	rows, _ := s.List(Query{State: StateDown, Sort: "since"})
	return rows
}

// Ranges are a monitor page's chart ranges with their step.
var Ranges = []string{"1h", "24h", "30d", "90d"}

var rangeSpan = map[string]struct{ span, step time.Duration }{
	"1h":  {time.Hour, 0}, // every result
	"24h": {24 * time.Hour, 5 * time.Minute},
	"30d": {30 * 24 * time.Hour, 2 * time.Hour},
	"90d": {90 * 24 * time.Hour, 6 * time.Hour},
}

// Point is one step of a series: the checks in [At, At+step) (one check
// for a range of every result).
type Point struct {
	At       time.Time `json:"at"`
	Up       int       `json:"up"`
	Degraded int       `json:"degraded"`
	Down     int       `json:"down"`
	// MeanMS and MaxMS are the latency of the step's checks (a down
	// check's too, as the store sums them), absent when none measured one.
	MeanMS *float64 `json:"mean_ms,omitempty"`
	MaxMS  *float64 `json:"max_ms,omitempty"`
}

// State is the step's worst state.
func (p Point) State() monitor.State {
	switch {
	case p.Down > 0:
		return monitor.Down
	case p.Degraded > 0:
		return monitor.Degraded
	}
	return monitor.Up
}

// Series is one location's points.
type Series struct {
	Location string  `json:"location"`
	Points   []Point `json:"points"`
}

// Detail is a monitor's page.
type Detail struct {
	Row
	Range    string        `json:"range"`
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	StepSecs int           `json:"step_seconds"`
	Series   []Series      `json:"series"`
	Failures []Check       `json:"failures"`
	Checks   int           `json:"-"`
	Step     time.Duration `json:"-"`
}

// MaxFailures is how many of the latest failures a page lists.
const MaxFailures = 50

// Detail returns monitor id's page over rng (1h, 24h, 30d, 90d; "" is
// 24h). Its p50 and p95 are exact, from the raw results of 24 hours.
func (s *Service) Detail(ctx context.Context, id, rng string) (*Detail, error) {
	if rng == "" {
		rng = "24h"
	}
	sp, ok := rangeSpan[rng]
	if !ok {
		return nil, &sla.InputError{Field: "range", Msg: fmt.Sprintf("%q is not one of %s", rng, strings.Join(Ranges, ", "))}
	}
	c, now := s.cfg(), s.now().UTC()
	m := c.Monitor(id)
	if m == nil {
		return nil, &sla.NotFoundError{Msg: fmt.Sprintf("monitor %q is not configured", id)}
	}
	d := &Detail{Range: rng, To: now, From: now.Add(-sp.span), Step: sp.step, StepSecs: int(sp.step.Seconds())}
	d.Row = s.row(c, m, s.live.Verdicts()[id], s.live.Tracker().Figures(id, detect.Locations(m), now))
	// Raw results: the failures of the range (at least a day, at most a
	// week back) and the exact percentiles of the last 24 hours.
	back := min(max(sp.span, 24*time.Hour), 7*24*time.Hour)
	rs, err := s.store.Results(ctx, id, now.Add(-back), now.Add(time.Second))
	if err != nil {
		return nil, err
	}
	var lats []time.Duration
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		if r.State != monitor.Up && len(d.Failures) < MaxFailures {
			d.Failures = append(d.Failures, *checkOf(r))
		}
		if !r.At.Before(now.Add(-24*time.Hour)) && r.State != monitor.Down && r.Latency > 0 {
			lats = append(lats, r.Latency)
		}
	}
	if len(lats) > 0 {
		slices.Sort(lats)
		d.P50MS, d.P95MS = ms(nearestRank(lats, 0.50)), ms(nearestRank(lats, 0.95))
	}
	bySeries := map[string]*Series{}
	series := func(loc string) *Series {
		if x := bySeries[loc]; x != nil {
			return x
		}
		x := &Series{Location: loc}
		bySeries[loc] = x
		return x
	}
	for _, loc := range d.Locations {
		series(loc)
	}
	if sp.step == 0 {
		for _, r := range rs {
			if r.At.Before(d.From) {
				continue
			}
			p := Point{At: r.At.UTC()}
			switch r.State {
			case monitor.Up:
				p.Up = 1
			case monitor.Degraded:
				p.Degraded = 1
			default:
				p.Down = 1
			}
			if r.Latency > 0 {
				p.MeanMS, p.MaxMS = ms(r.Latency), ms(r.Latency)
			}
			x := series(r.Location)
			x.Points = append(x.Points, p)
			d.Checks++
		}
	} else {
		mins, err := s.store.Minutes(ctx, id, d.From, now.Add(time.Minute))
		if err != nil {
			return nil, err
		}
		type acc struct {
			p        Point
			sum, max time.Duration
		}
		steps := map[string][]*acc{}
		for _, mn := range mins {
			x := series(mn.Location)
			at := mn.Minute.Truncate(sp.step)
			list := steps[x.Location]
			if len(list) == 0 || !list[len(list)-1].p.At.Equal(at) {
				list = append(list, &acc{p: Point{At: at}})
				steps[x.Location] = list
			}
			a := list[len(list)-1]
			a.p.Up += mn.Up
			a.p.Degraded += mn.Degraded
			a.p.Down += mn.Down
			a.sum += mn.LatencySum
			a.max = max(a.max, mn.LatencyMax)
			d.Checks += mn.Up + mn.Degraded + mn.Down
		}
		for loc, list := range steps {
			x := series(loc)
			for _, a := range list {
				if n := a.p.Up + a.p.Degraded + a.p.Down; n > 0 && a.max > 0 {
					a.p.MeanMS, a.p.MaxMS = ms(a.sum/time.Duration(n)), ms(a.max)
				}
				x.Points = append(x.Points, a.p)
			}
		}
	}
	for _, loc := range slices.Sorted(maps.Keys(bySeries)) {
		d.Series = append(d.Series, *bySeries[loc])
	}
	if d.Failures == nil {
		d.Failures = []Check{}
	}
	return d, nil
}

func nearestRank(sorted []time.Duration, q float64) time.Duration {
	i := int(float64(len(sorted))*q+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// autoRE reads the monitor out of an automatic incident's id: "auto-"
// and the status fact's id, st:<monitor>:<unix>:<status>.
var autoRE = regexp.MustCompile(`^auto-st:(.+):[0-9]+:[a-z_]+$`)

// OpenedBy reports whether incident id was opened automatically by
// monitor's confirmed change.
func OpenedBy(incidentID, monitorID string) bool {
	m := autoRE.FindStringSubmatch(incidentID)
	return m != nil && m[1] == monitorID
}
