package timeline

import (
	"testing"
	"time"

	// Embedded zone data keeps the DST expectations independent of the host.
	_ "time/tzdata"
)

func mustLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load location %q: %v", name, err)
	}
	return loc
}

// utc parses an RFC 3339 instant such as "2026-10-24T23:30:00Z". Tests write
// instants near DST changes this way to avoid any wall-clock ambiguity.
func utc(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("parse instant %q: %v", s, err)
	}
	return t.UTC()
}

// local parses an unambiguous local wall-clock time "2006-01-02 15:04" in loc.
func local(tb testing.TB, loc *time.Location, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		tb.Fatalf("parse local time %q: %v", s, err)
	}
	return t.UTC()
}

func mustDate(tb testing.TB, s string) Date {
	tb.Helper()
	d, err := ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustCalendar(tb testing.TB, spec CalendarSpec) *Calendar {
	tb.Helper()
	c, err := NewCalendar(spec)
	if err != nil {
		tb.Fatalf("NewCalendar(%q): %v", spec.Name, err)
	}
	return c
}

// hm returns the offset h:m after midnight.
func hm(h, m int) time.Duration {
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
}

// weekdays gives Monday to Friday the same windows.
func weekdays(ws ...Window) map[time.Weekday][]Window {
	week := make(map[time.Weekday][]Window)
	for wd := time.Monday; wd <= time.Friday; wd++ {
		week[wd] = ws
	}
	return week
}

// everyDay gives all seven days the same windows.
func everyDay(ws ...Window) map[time.Weekday][]Window {
	week := make(map[time.Weekday][]Window)
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		week[wd] = ws
	}
	return week
}

// cetWork is the "CET work hours" of one SLA: 08:00-16:00 Europe/Berlin,
// Monday to Friday.
func cetWork(tb testing.TB, countries ...string) *Calendar {
	tb.Helper()
	return mustCalendar(tb, CalendarSpec{
		Name:             "cet-work",
		Location:         mustLoc(tb, "Europe/Berlin"),
		Week:             weekdays(Window{Start: hm(8, 0), End: hm(16, 0)}),
		HolidayCountries: countries,
	})
}

// nyWork is "7 am-7 pm EST": 07:00-19:00 America/New_York, Monday to Friday.
func nyWork(tb testing.TB, countries ...string) *Calendar {
	tb.Helper()
	return mustCalendar(tb, CalendarSpec{
		Name:             "ny-work",
		Location:         mustLoc(tb, "America/New_York"),
		Week:             weekdays(Window{Start: hm(7, 0), End: hm(19, 0)}),
		HolidayCountries: countries,
	})
}

// splitDay is 09:00-12:00 and 13:00-17:00 Europe/Berlin, Monday to Friday.
func splitDay(tb testing.TB) *Calendar {
	tb.Helper()
	return mustCalendar(tb, CalendarSpec{
		Name:     "split",
		Location: mustLoc(tb, "Europe/Berlin"),
		Week:     weekdays(Window{Start: hm(9, 0), End: hm(12, 0)}, Window{Start: hm(13, 0), End: hm(17, 0)}),
	})
}

func iv(tb testing.TB, start, end string) Interval {
	tb.Helper()
	return Interval{Start: utc(tb, start), End: utc(tb, end)}
}
