package timeline

import (
	"fmt"
	"time"
)

// Date is a civil (local) date without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date written strictly as YYYY-MM-DD, such as
// "2026-12-24". The error names the offending value.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	y, okY := digits(s[0:4])
	m, okM := digits(s[5:7])
	d, okD := digits(s[8:10])
	if !okY || !okM || !okD {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	date := Date{Year: y, Month: time.Month(m), Day: d}
	if !date.valid() {
		return Date{}, fmt.Errorf("parse date %q: no such day", s)
	}
	return date, nil
}

// digits converts an all-ASCII-digit string; signs and spaces are rejected so
// that parsing stays strict.
func digits(s string) (int, bool) {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, s != ""
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// AddDays returns the date n days after d (before it for negative n).
// Out-of-range fields in d are normalized the way time.Date does.
func (d Date) AddDays(n int) Date {
	return DateOf(d.utcNoon().AddDate(0, 0, n))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.utcNoon().Weekday()
}

// In returns the instant of local midnight at the start of d in loc, in UTC.
// If midnight does not exist that day (a DST gap at 00:00) it returns the
// instant the gap ends; if it occurs twice it returns the first occurrence.
// A nil loc means UTC.
func (d Date) In(loc *time.Location) time.Time {
	return wallTime(d, 0, loc)
}

// valid reports whether d names a real calendar day.
func (d Date) valid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 &&
		DateOf(d.utcNoon()) == d
}

// utcNoon anchors date arithmetic in UTC, where days are always 24h long.
func (d Date) utcNoon() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// maxOffset bounds how far any zone's UTC offset can be from UTC; real zones
// stay within ±15h, so two days is a wide margin.
const maxOffset = 48 * 3600

// wallTime converts the local wall-clock reading "date d, off after midnight"
// in loc into an instant (UTC, whole seconds).
//
// It returns the first instant whose wall-clock reading is at or after the
// requested one. That single rule yields the package's DST convention: an
// ordinary reading maps to itself, a reading repeated by a fall-back maps to
// its first occurrence, and a reading skipped by a spring-forward gap maps to
// the instant the gap ends. time.Date leaves the gap case unspecified, so the
// rule is implemented directly on the zone's transitions.
func wallTime(d Date, off time.Duration, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	// The wall reading as seconds, counted as if the zone were UTC.
	u := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() + int64(off/time.Second)

	// Walk the zone periods (spans of constant offset) that can contain an
	// instant with this reading, oldest first; the first match is the answer.
	t := time.Unix(u-maxOffset, 0).In(loc)
	for range 16 {
		_, offset := t.Zone()
		start, end := t.ZoneBounds()
		cand := u - int64(offset)
		if !start.IsZero() && cand < start.Unix() {
			// Every earlier instant reads before u and this period already
			// reads after it: u lies in a gap that ends at this period's start.
			return start.UTC()
		}
		if end.IsZero() || cand < end.Unix() {
			return time.Unix(cand, 0).UTC()
		}
		t = end.In(loc)
	}
	// Unreachable for real zone data, which never has 16 transitions within
	// four days; fall back to the offset in effect at the reading.
	_, offset := time.Unix(u, 0).In(loc).Zone()
	return time.Unix(u-int64(offset), 0).UTC()
}
