// Package monitors is the monitors console's figures: every monitor's
// current verdict, last check, latency now, p50 and p95 over 24 hours and
// uptime over 24 hours and 30 days for the list (kept in memory by
// Tracker, so the list of 10,000 monitors reads no store), and one
// monitor's response-time and state series, failures and incidents for
// its page (read from the store). The admin pages and the API share it.
package monitors

import (
	"math"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// The latency histogram: bucket i holds latencies in
// [histBase·√2^i, histBase·√2^(i+1)); the first also everything faster,
// the last everything slower (1,048 s and up). A percentile read from it
// is the bucket's geometric middle: within 19 % of the true value.
const (
	histBuckets = 44
	histBase    = 250 * time.Microsecond
	hoursKept   = 24
	daysKept    = 31
)

// Tracker keeps, per monitor and location, the last check and rolling
// counts: 24 hourly buckets (checks by state and a latency histogram) and
// 31 daily ones (checks by state). About 2.5 KB a series; safe for
// concurrent use.
type Tracker struct {
	mu     sync.Mutex
	series map[seriesKey]*series
	// cut is where the live counts start: earlier results are the
	// warm-up's (Warm) to count, from the store.
	cut time.Time
}

type seriesKey struct{ monitor, location string }

type series struct {
	last  monitor.Result
	hours [hoursKept]hourBucket
	days  [daysKept]dayBucket
	// absorbed is the latest minute Absorb counted, with what it held
	// then: read again while it fills, it adds only what it gained.
	absorbed store.Minute
}

type counts struct{ up, degraded, down uint32 }

func (c *counts) add(s monitor.State, n uint32) {
	switch s {
	case monitor.Up:
		c.up += n
	case monitor.Degraded:
		c.degraded += n
	case monitor.Down:
		c.down += n
	}
}

type hourBucket struct {
	hour int64 // unix hours
	counts
	hist *[histBuckets]uint16
}

type dayBucket struct {
	day int64 // unix days
	counts
}

// NewTracker returns a tracker that counts results from cut on.
func NewTracker(cut time.Time) *Tracker {
	return &Tracker{series: map[seriesKey]*series{}, cut: cut}
}

// Cut is the time the live counts start from.
func (t *Tracker) Cut() time.Time { return t.cut }

func bucketOf(lat time.Duration) int {
	if lat <= histBase {
		return 0
	}
	i := int(2 * math.Log2(float64(lat)/float64(histBase)))
	return min(max(i, 0), histBuckets-1)
}

// bucketMiddle is the geometric middle of bucket i.
func bucketMiddle(i int) time.Duration {
	return time.Duration(float64(histBase) * math.Pow(2, (float64(i)+0.5)/2))
}

func (t *Tracker) get(k seriesKey) *series {
	s := t.series[k]
	if s == nil {
		s = &series{}
		t.series[k] = s
	}
	return s
}

// Observe counts stored results. A result counts once: one not newer
// than the last counted of its series (an agent sending again) is
// skipped, as is one before the cut.
func (t *Tracker) Observe(rs []monitor.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range rs {
		if r.At.Before(t.cut) {
			continue
		}
		s := t.get(seriesKey{r.MonitorID, r.Location})
		if !s.last.At.IsZero() && !r.At.After(s.last.At) {
			continue
		}
		s.last = monitor.Result{MonitorID: r.MonitorID, Location: r.Location, At: r.At, State: r.State, Message: r.Message, Latency: r.Latency}
		lat := time.Duration(-1)
		if r.State != monitor.Down && r.Latency > 0 {
			lat = r.Latency
		}
		s.count(r.At, r.State, 1, lat)
	}
}

// count adds n checks of state at time at (with latency lat, or none when
// negative) to the buckets of their hour and day.
func (s *series) count(at time.Time, state monitor.State, n uint32, lat time.Duration) {
	sec := at.Unix()
	h := floorDiv(sec, 3600)
	hb := &s.hours[mod(h, hoursKept)]
	if hb.hour != h {
		if hb.hour > h && hb.hour != 0 {
			hb = nil // older than the window
		} else {
			*hb = hourBucket{hour: h}
		}
	}
	if hb != nil {
		hb.add(state, n)
		if lat >= 0 {
			if hb.hist == nil {
				hb.hist = new([histBuckets]uint16)
			}
			b := &hb.hist[bucketOf(lat)]
			*b = uint16(min(uint32(*b)+n, math.MaxUint16))
		}
	}
	d := floorDiv(sec, 86400)
	db := &s.days[mod(d, daysKept)]
	if db.day != d {
		if db.day > d && db.day != 0 {
			return
		}
		*db = dayBucket{day: d}
	}
	db.add(state, n)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func mod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// Warm adds what the store holds from before the cut: per-minute
// aggregates of the last 24 hours (each minute's mean latency stands for
// its checks in the histogram) and day counts before them. Results
// observed live are not in them, so nothing counts twice.
func (t *Tracker) Warm(minutes []store.Minute, days []store.DayCount) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range minutes {
		if !m.Minute.Before(t.cut) {
			continue
		}
		t.get(seriesKey{m.MonitorID, m.Location}).countMinute(m, m.Up, m.Degraded, m.Down)
	}
	for _, d := range days {
		s := t.get(seriesKey{d.MonitorID, d.Location})
		s.count(d.Day, monitor.Up, uint32(d.Up), -1)
		s.count(d.Day, monitor.Degraded, uint32(d.Degraded), -1)
		s.count(d.Day, monitor.Down, uint32(d.Down), -1)
	}
}

// countMinute counts up, deg and down checks of minute m, the answered
// ones each at the minute's mean latency (its only latency figure), and
// returns that mean (-1: none).
func (s *series) countMinute(m store.Minute, up, deg, down int) time.Duration {
	lat := time.Duration(-1)
	if n := m.Up + m.Degraded + m.Down; n > 0 && m.LatencySum > 0 {
		lat = m.LatencySum / time.Duration(n)
	}
	s.count(m.Minute, monitor.Up, uint32(up), lat)
	s.count(m.Minute, monitor.Degraded, uint32(deg), lat)
	s.count(m.Minute, monitor.Down, uint32(down), -1)
	return lat
}

// Absorb counts per-minute aggregates read from the store for monitors
// whose results this process does not observe (another replica watches
// them), from the cut on: each minute once, and the latest one read again
// while it fills adds only what it gained; a minute before the latest
// absorbed is not counted again. The last check becomes the latest
// minute's, to the minute: its start, and the state most of its checks
// had.
func (t *Tracker) Absorb(minutes []store.Minute) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range minutes {
		if m.Minute.Before(t.cut) {
			continue
		}
		s := t.get(seriesKey{m.MonitorID, m.Location})
		up, deg, down := m.Up, m.Degraded, m.Down
		switch a := s.absorbed; {
		case m.Minute.Before(a.Minute):
			continue
		case m.Minute.Equal(a.Minute):
			up, deg, down = max(up-a.Up, 0), max(deg-a.Degraded, 0), max(down-a.Down, 0)
		}
		lat := s.countMinute(m, up, deg, down)
		s.absorbed = m
		if m.Minute.After(s.last.At) {
			state := monitor.Up
			switch {
			case m.Down > m.Up+m.Degraded:
				state = monitor.Down
			case m.Degraded > m.Up:
				state = monitor.Degraded
			}
			s.last = monitor.Result{MonitorID: m.MonitorID, Location: m.Location, At: m.Minute, State: state, Latency: max(lat, 0)}
		}
	}
}

// Figures are a monitor's list figures at a time, over its locations.
type Figures struct {
	// Last is the newest check at any location (zero At: none).
	Last monitor.Result
	// Checks24h counts the checks of the last 24 hours.
	Checks24h int
	// P50, P95 are percentiles of the latencies of the checks of the
	// last 24 hours that answered (-1: none).
	P50, P95 time.Duration
	// Uptime24h, Uptime30d are the shares of checks not down over the
	// last 24 hours and 30 days, in percent (-1: no checks).
	Uptime24h, Uptime30d float64
}

// Figures returns the figures of monitor id at locations, at now: the 24
// hours are the hour of now and the 23 before it, the 30 days the day of
// now and the 29 before it.
func (t *Tracker) Figures(id string, locations []string, now time.Time) Figures {
	f := Figures{P50: -1, P95: -1, Uptime24h: -1, Uptime30d: -1}
	nowH, nowD := floorDiv(now.Unix(), 3600), floorDiv(now.Unix(), 86400)
	var h24, d30 counts
	var hist [histBuckets]uint32
	t.mu.Lock()
	for _, loc := range locations {
		s := t.series[seriesKey{id, loc}]
		if s == nil {
			continue
		}
		if s.last.At.After(f.Last.At) {
			f.Last = s.last
		}
		for i := range s.hours {
			hb := &s.hours[i]
			if hb.hour > nowH-hoursKept && hb.hour <= nowH {
				h24.up, h24.degraded, h24.down = h24.up+hb.up, h24.degraded+hb.degraded, h24.down+hb.down
				if hb.hist != nil {
					for j, n := range hb.hist {
						hist[j] += uint32(n)
					}
				}
			}
		}
		for i := range s.days {
			db := &s.days[i]
			if db.day > nowD-30 && db.day <= nowD {
				d30.up, d30.degraded, d30.down = d30.up+db.up, d30.degraded+db.degraded, d30.down+db.down
			}
		}
	}
	t.mu.Unlock()
	f.Checks24h = int(h24.up + h24.degraded + h24.down)
	f.Uptime24h, f.Uptime30d = uptime(h24), uptime(d30)
	f.P50, f.P95 = percentile(&hist, 0.50), percentile(&hist, 0.95)
	return f
}

func uptime(c counts) float64 {
	n := c.up + c.degraded + c.down
	if n == 0 {
		return -1
	}
	return 100 * float64(c.up+c.degraded) / float64(n)
}

// percentile is the q-quantile of a histogram (the nearest rank), -1 for
// an empty one.
func percentile(h *[histBuckets]uint32, q float64) time.Duration {
	var n uint64
	for _, c := range h {
		n += uint64(c)
	}
	if n == 0 {
		return -1
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for i, c := range h {
		seen += uint64(c)
		if seen >= rank {
			return bucketMiddle(i)
		}
	}
	return bucketMiddle(histBuckets - 1)
}

// Forget drops the series of monitors not in keep (removed by a reload).
func (t *Tracker) Forget(keep map[string]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.series {
		if !keep[k.monitor] {
			delete(t.series, k)
		}
	}
}
