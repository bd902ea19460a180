package timeline

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
)

// ErrNoOpening is returned (wrapped) by NextOpen, Add and AddExcept when a
// calendar has no business time left for noOpeningYears, for example because
// every working day is a holiday.
var ErrNoOpening = errors.New("no business time within 10 years")

const (
	// noOpeningYears bounds the search for the next opening so that walks
	// over a calendar that never opens again terminate.
	noOpeningYears = 10
	// maxAddYears bounds how far after its start a deadline may lie, which
	// keeps Add's day-by-day walk finite even for absurd durations.
	maxAddYears = 100
	day         = 24 * time.Hour
)

// Window is a daily opening window given as offsets from local midnight:
// open from Start up to, but not including, End. 0 <= Start < End <= 24h; an
// End of 24h means the next local midnight. Users write minutes; the package
// accepts any whole number of seconds.
type Window struct {
	Start, End time.Duration
}

// String formats w as "08:00-16:00", falling back to Go duration syntax for
// values that are not whole minutes within a day.
func (w Window) String() string {
	return formatOffset(w.Start) + "-" + formatOffset(w.End)
}

func formatOffset(d time.Duration) string {
	if d < 0 || d > day || d%time.Minute != 0 {
		return d.String()
	}
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// CalendarSpec describes a business-hours calendar; NewCalendar validates it.
type CalendarSpec struct {
	// Name identifies the calendar in errors and reports.
	Name string
	// Location is the IANA zone the windows and holidays are local to.
	Location *time.Location
	// Always makes the calendar open 24/7; Week is then ignored.
	Always bool
	// Week holds the opening windows per weekday. Weekdays without an entry
	// are closed.
	Week map[time.Weekday][]Window
	// HolidayDates are explicit local dates on which the calendar is closed.
	HolidayDates []Date
	// HolidayCountries are ISO 3166 alpha-2 codes (see SupportedCountries)
	// whose national public holidays, on their observed dates, close the
	// calendar.
	HolidayCountries []string
	// ClosedOnHolidaysWhenAlways makes a 24/7 calendar close on holidays;
	// otherwise a 24/7 calendar ignores them.
	ClosedOnHolidaysWhenAlways bool
	// DayLength is the length of one "business day". Zero means the longest
	// weekday's total open time, or 24h for a 24/7 calendar.
	DayLength time.Duration
}

// Calendar is a validated business-hours calendar. It is immutable apart from
// an internal holiday cache and is safe for concurrent use.
type Calendar struct {
	name      string
	loc       *time.Location
	week      [7][]Window
	dayLength time.Duration

	holidayDates map[Date]bool
	holidays     *holidayCache
	// closesOnHolidays is false for 24/7 calendars that ignore holidays.
	closesOnHolidays bool
	// alwaysOpen marks a 24/7 calendar that no holiday closes; its business
	// time is plain elapsed time, which allows a fast path.
	alwaysOpen bool
}

// NewCalendar validates spec and builds a Calendar. It rejects a missing
// location, windows outside a day or overlapping within a weekday, a week
// without any open window (unless Always), invalid holiday dates, unknown
// country codes and a DayLength outside [0, 24h].
func NewCalendar(spec CalendarSpec) (*Calendar, error) {
	c, err := newCalendar(spec)
	if err != nil {
		return nil, fmt.Errorf("new calendar %q: %w", spec.Name, err)
	}
	return c, nil
}

func newCalendar(spec CalendarSpec) (*Calendar, error) {
	if spec.Location == nil {
		return nil, errors.New("location is required")
	}
	c := &Calendar{
		name:             spec.Name,
		loc:              spec.Location,
		holidayDates:     make(map[Date]bool, len(spec.HolidayDates)),
		holidays:         &holidayCache{},
		closesOnHolidays: !spec.Always || spec.ClosedOnHolidaysWhenAlways,
	}

	if spec.Always {
		for wd := range c.week {
			c.week[wd] = []Window{{Start: 0, End: day}}
		}
	} else {
		// Sorted keys make the reported error deterministic.
		for _, wd := range slices.Sorted(maps.Keys(spec.Week)) {
			if wd < time.Sunday || wd > time.Saturday {
				return nil, fmt.Errorf("invalid weekday %d", int(wd))
			}
			sorted, err := validateWindows(spec.Week[wd])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", wd, err)
			}
			c.week[wd] = sorted
		}
	}

	var longest time.Duration
	for _, ws := range c.week {
		var total time.Duration
		for _, w := range ws {
			total += w.End - w.Start
		}
		longest = max(longest, total)
	}
	if longest == 0 {
		return nil, errors.New("no open hours in the week")
	}

	switch {
	case spec.DayLength < 0 || spec.DayLength > day:
		return nil, fmt.Errorf("day length %v: must be between 0 and 24h", spec.DayLength)
	case spec.DayLength == 0:
		c.dayLength = longest
	default:
		c.dayLength = spec.DayLength
	}

	for _, d := range spec.HolidayDates {
		if !d.valid() {
			return nil, fmt.Errorf("holiday date %s: no such day", d)
		}
		c.holidayDates[d] = true
	}
	for _, code := range spec.HolidayCountries {
		rules, ok := countryHolidays[strings.ToUpper(code)]
		if !ok {
			return nil, fmt.Errorf("holiday country %q: unknown, supported are %s",
				code, strings.Join(SupportedCountries(), ", "))
		}
		c.holidays.rules = append(c.holidays.rules, rules...)
	}

	hasHolidays := len(c.holidayDates) > 0 || len(c.holidays.rules) > 0
	c.alwaysOpen = spec.Always && !(c.closesOnHolidays && hasHolidays)
	return c, nil
}

// validateWindows checks one weekday's windows and returns them sorted.
// Touching windows (09-12, 12-17) are allowed and behave as one.
func validateWindows(ws []Window) ([]Window, error) {
	sorted := slices.Clone(ws)
	for _, w := range sorted {
		switch {
		case w.Start < 0 || w.End > day:
			return nil, fmt.Errorf("window %s: must lie within 00:00-24:00", w)
		case w.Start >= w.End:
			return nil, fmt.Errorf("window %s: start must be before end", w)
		case w.Start%time.Second != 0 || w.End%time.Second != 0:
			return nil, fmt.Errorf("window %s: must be whole seconds", w)
		}
	}
	slices.SortFunc(sorted, func(a, b Window) int { return cmp.Compare(a.Start, b.Start) })
	for k := 1; k < len(sorted); k++ {
		if sorted[k].Start < sorted[k-1].End {
			return nil, fmt.Errorf("windows %s and %s overlap", sorted[k-1], sorted[k])
		}
	}
	return sorted, nil
}

// Always returns a 24/7 calendar in loc that ignores holidays. A nil loc
// means UTC.
func Always(loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{name: "24/7", loc: loc, dayLength: day, holidays: &holidayCache{}, alwaysOpen: true}
	for wd := range c.week {
		c.week[wd] = []Window{{Start: 0, End: day}}
	}
	return c
}

// Name returns the calendar's name.
func (c *Calendar) Name() string { return c.name }

// Location returns the zone the calendar's windows and holidays are local to.
func (c *Calendar) Location() *time.Location { return c.loc }

// DayLength returns the length of one business day.
func (c *Calendar) DayLength() time.Duration { return c.dayLength }

// IsHoliday reports whether the local date d is one of the calendar's
// holidays, explicit or national. It reports the configuration even for a
// 24/7 calendar that stays open on holidays.
func (c *Calendar) IsHoliday(d Date) bool {
	return c.holidayDates[d] || c.holidays.has(d)
}

// dayOpen appends the open intervals of local date d to dst, in order.
func (c *Calendar) dayOpen(dst []Interval, d Date) []Interval {
	if d.Year < minYear || d.Year > maxYear || (c.closesOnHolidays && c.IsHoliday(d)) {
		return dst
	}
	for _, w := range c.week[d.Weekday()] {
		// Windows wholly inside a spring-forward gap collapse to nothing.
		iv := Interval{Start: wallTime(d, w.Start, c.loc), End: wallTime(d, w.End, c.loc)}
		if !iv.Empty() {
			dst = append(dst, iv)
		}
	}
	return dst
}

// days yields, for each local date starting the day before from's (a margin
// for zones whose transitions blur the date line), the instant the date
// starts and its open intervals that end after from, clipped to begin no
// earlier than from. Intervals come out in chronological order. The slice is
// reused between iterations. The sequence covers at most the years minYear
// to maxYear; callers normally stop it much earlier.
func (c *Calendar) days(from time.Time) iter.Seq2[time.Time, []Interval] {
	return func(yield func(time.Time, []Interval) bool) {
		var buf []Interval
		d := DateOf(from.In(c.loc)).AddDays(-1)
		if d.Year < minYear {
			d = Date{Year: minYear, Month: time.January, Day: 1}
		}
		for ; d.Year <= maxYear; d = d.AddDays(1) {
			buf = c.dayOpen(buf[:0], d)
			kept := buf[:0]
			for _, iv := range buf {
				if iv.End.After(from) {
					iv.Start = later(iv.Start, from)
					kept = append(kept, iv)
				}
			}
			if !yield(d.In(c.loc), kept) {
				return
			}
		}
	}
}

// IsOpen reports whether t falls inside business hours.
func (c *Calendar) IsOpen(t time.Time) bool {
	t = norm(t)
	if c.alwaysOpen {
		return true
	}
	d := DateOf(t.In(c.loc))
	var buf []Interval
	for _, dd := range []Date{d.AddDays(-1), d, d.AddDays(1)} {
		buf = c.dayOpen(buf, dd)
	}
	for _, iv := range buf {
		if iv.Contains(t) {
			return true
		}
	}
	return false
}

// NextOpen returns t itself (in UTC, whole seconds) when the calendar is open
// at t, and otherwise the next instant at which it opens. It returns an error
// wrapping ErrNoOpening when there is no opening within 10 years.
func (c *Calendar) NextOpen(t time.Time) (time.Time, error) {
	t = norm(t)
	if c.alwaysOpen {
		return t, nil
	}
	limit := t.AddDate(noOpeningYears, 0, 0)
	for dayStart, ivs := range c.days(t) {
		if len(ivs) > 0 {
			return ivs[0].Start, nil
		}
		if dayStart.After(limit) {
			break
		}
	}
	return time.Time{}, fmt.Errorf("calendar %q: next opening after %s: %w", c.name, t.Format(time.RFC3339), ErrNoOpening)
}

// NextOpenExcept returns the first instant at or after t that is open
// and outside pauses: t itself when it is, else the next opening or the
// end of the pause, whichever comes later. It is the deadline of a target
// of zero business time ("the next business moment"), which Add does not
// give: Add(t, 0) is t even outside hours.
func (c *Calendar) NextOpenExcept(t time.Time, pauses Set) (time.Time, error) {
	ps := pauses.normalized()
	for {
		next, err := c.NextOpen(t)
		if err != nil {
			return time.Time{}, err
		}
		paused := false
		for _, p := range ps {
			if !p.Start.After(next) && p.End.After(next) {
				t, paused = p.End, true
				break
			}
		}
		if !paused {
			return next, nil
		}
	}
}

// Open returns the business-time parts of iv as a normalized Set.
func (c *Calendar) Open(iv Interval) Set {
	iv = NewInterval(iv.Start, iv.End)
	if iv.Empty() {
		return nil
	}
	if c.alwaysOpen {
		return Set{iv}
	}
	var out []Interval
	for dayStart, ivs := range c.days(iv.Start) {
		if !dayStart.Before(iv.End) {
			break
		}
		for _, o := range ivs {
			if x := o.Intersect(iv); !x.Empty() {
				out = append(out, x)
			}
		}
	}
	return NewSet(out...)
}

// Elapsed returns the business time in [a, b), or 0 if b is not after a.
// It walks the range day by day unless the calendar is plain 24/7.
func (c *Calendar) Elapsed(a, b time.Time) time.Duration {
	return c.ElapsedExcept(a, b, nil)
}

// ElapsedExcept returns the business time in [a, b) that lies outside
// pauses. Overlapping pauses count once; pauses outside business hours
// change nothing.
func (c *Calendar) ElapsedExcept(a, b time.Time, pauses Set) time.Duration {
	span := NewInterval(a, b)
	if span.Empty() {
		return 0
	}
	ps := pauses.normalized()
	if c.alwaysOpen {
		return Set{span}.Subtract(ps).Duration()
	}
	var total time.Duration
	for dayStart, ivs := range c.days(span.Start) {
		if !dayStart.Before(span.End) {
			break
		}
		for _, iv := range ivs {
			iv = iv.Intersect(span)
			if iv.Empty() {
				continue
			}
			if len(ps) > 0 {
				total = satAdd(total, Set{iv}.Subtract(ps.Clip(iv)).Duration())
			} else {
				total = satAdd(total, iv.Duration())
			}
		}
	}
	return total
}

// Add returns the deadline: the instant at which d of business time has
// elapsed since start. See AddExcept for the rules.
func (c *Calendar) Add(start time.Time, d time.Duration) (time.Time, error) {
	return c.AddExcept(start, d, nil)
}

// AddExcept returns the instant at which d of business time outside pauses
// has elapsed since start.
//
// Counting begins at start, or at the next opening when start is outside
// hours or inside a pause. If the time runs out exactly at a closing, the
// closing instant is returned, not the next opening. Add(start, 0) returns
// start itself (in UTC, whole seconds) even outside hours. d is truncated to
// whole seconds. Errors: negative d, no business time for 10 years (wrapping
// ErrNoOpening), or a deadline more than 100 years after start.
func (c *Calendar) AddExcept(start time.Time, d time.Duration, pauses Set) (time.Time, error) {
	start = norm(start)
	if d < 0 {
		return time.Time{}, fmt.Errorf("calendar %q: add %v to %s: negative duration", c.name, d, start.Format(time.RFC3339))
	}
	d = d.Truncate(time.Second)
	if d == 0 {
		return start, nil
	}
	limit := start.AddDate(maxAddYears, 0, 0)
	tooFar := func() error {
		return fmt.Errorf("calendar %q: add %v to %s: deadline more than %d years away", c.name, d, start.Format(time.RFC3339), maxAddYears)
	}
	ps := pauses.normalized()

	if c.alwaysOpen && len(ps) == 0 {
		if end := start.Add(d); !end.After(limit) {
			return end, nil
		}
		return time.Time{}, tooFar()
	}

	remaining := d
	lastOpen := start
	for dayStart, ivs := range c.days(start) {
		for _, iv := range ivs {
			parts := Set{iv}
			if len(ps) > 0 {
				parts = parts.Subtract(ps.Clip(iv))
			}
			for _, p := range parts {
				if dur := p.Duration(); dur < remaining {
					remaining -= dur
					lastOpen = p.End
					continue
				}
				// "<=" above would skip to the next opening; ending here
				// returns the closing instant when the time runs out exactly.
				if end := p.Start.Add(remaining); !end.After(limit) {
					return end, nil
				}
				return time.Time{}, tooFar()
			}
		}
		switch {
		case dayStart.After(limit):
			return time.Time{}, tooFar()
		case dayStart.After(lastOpen.AddDate(noOpeningYears, 0, 0)):
			return time.Time{}, fmt.Errorf("calendar %q: add %v to %s: after %s: %w",
				c.name, d, start.Format(time.RFC3339), lastOpen.Format(time.RFC3339), ErrNoOpening)
		}
	}
	// The walk ran past year maxYear, after which the calendar is closed.
	return time.Time{}, fmt.Errorf("calendar %q: add %v to %s: %w", c.name, d, start.Format(time.RFC3339), ErrNoOpening)
}
