package timeline

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCalendarAdd(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	newYork := mustLoc(t, "America/New_York")
	cet := cetWork(t)
	cetDE := cetWork(t, "DE")
	ny := nyWork(t)
	nyUS := nyWork(t, "US")
	split := splitDay(t)
	cetXmasEve := mustCalendar(t, CalendarSpec{
		Name:         "cet-work-xmas-eve",
		Location:     berlin,
		Week:         weekdays(Window{Start: hm(8, 0), End: hm(16, 0)}),
		HolidayDates: []Date{mustDate(t, "2026-12-24")},
	})
	always := Always(berlin)
	alwaysNY := Always(newYork)
	alwaysClosedDE := mustCalendar(t, CalendarSpec{
		Name: "24/7-closed-de", Location: berlin, Always: true,
		HolidayCountries: []string{"DE"}, ClosedOnHolidaysWhenAlways: true,
	})
	alwaysOpenDE := mustCalendar(t, CalendarSpec{
		Name: "24/7-open-de", Location: berlin, Always: true, HolidayCountries: []string{"DE"},
	})
	sundayAllDay := mustCalendar(t, CalendarSpec{
		Name: "sunday", Location: berlin,
		Week: map[time.Weekday][]Window{time.Sunday: {{Start: 0, End: hm(24, 0)}}},
	})

	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  string // UTC
	}{
		// --- 08:00-16:00 Europe/Berlin, Mon-Fri ---
		{
			// Mon 08:00 CEST + 8h = 16:00 CEST (14:00Z) the same day, not Tue 08:00
			name: "deadline exactly on closing", cal: cet,
			start: local(t, berlin, "2026-06-15 08:00"), d: 8 * time.Hour, want: "2026-06-15T14:00:00Z",
		},
		{
			// 8h runs out at 16:00, the extra second is Tue 08:00:00-08:00:01 CEST
			name: "one second past closing", cal: cet,
			start: local(t, berlin, "2026-06-15 08:00"), d: 8*time.Hour + time.Second, want: "2026-06-16T06:00:01Z",
		},
		{
			// Add(t, 0) is t, even on a Saturday
			name: "zero duration off hours", cal: cet,
			start: local(t, berlin, "2026-06-13 10:00"), d: 0, want: "2026-06-13T08:00:00Z",
		},
		{
			// Fri 15:00-16:00 = 1h, Mon 08:00 + 2h = 10:00 CEST (08:00Z)
			name: "across weekend", cal: cet,
			start: local(t, berlin, "2026-06-12 15:00"), d: 3 * time.Hour, want: "2026-06-15T08:00:00Z",
		},
		{
			// opened Sat 10:00: counts from Mon 08:00, + 1h = 09:00 CEST (07:00Z)
			name: "opened on saturday", cal: cet,
			start: local(t, berlin, "2026-06-13 10:00"), d: time.Hour, want: "2026-06-15T07:00:00Z",
		},
		{
			// opened Tue 20:00: counts from Wed 08:00, + 1h = 09:00 CEST
			name: "opened at 20:00", cal: cet,
			start: local(t, berlin, "2026-06-16 20:00"), d: time.Hour, want: "2026-06-17T07:00:00Z",
		},
		{
			// opened Wed 05:00: counts from 08:00, + 1h = 09:00 CEST
			name: "opened at 05:00", cal: cet,
			start: local(t, berlin, "2026-06-17 05:00"), d: time.Hour, want: "2026-06-17T07:00:00Z",
		},
		{
			// opened exactly at closing, Mon 16:00: next opening Tue 08:00 + 1h
			name: "opened at closing", cal: cet,
			start: local(t, berlin, "2026-06-15 16:00"), d: time.Hour, want: "2026-06-16T07:00:00Z",
		},
		{
			// Mon 12-16 = 4h, Tue 8h, Wed 8h: 20h runs out Wed 16:00 CEST (14:00Z)
			name: "several days ending on closing", cal: cet,
			start: local(t, berlin, "2026-06-15 12:00"), d: 20 * time.Hour, want: "2026-06-17T14:00:00Z",
		},
		{
			// 5 days x 8h = 40h: Mon 08:00 to Fri 16:00 CEST
			name: "one business week", cal: cet,
			start: local(t, berlin, "2026-06-15 08:00"), d: 40 * time.Hour, want: "2026-06-19T14:00:00Z",
		},
		{
			// Fri 15:00 CEST (13:00Z) 1h, DST ends Sun, Mon 08:00 CET + 1h = 09:00 CET (08:00Z)
			name: "business hours across fall back", cal: cet,
			start: utc(t, "2026-10-23T13:00:00Z"), d: 2 * time.Hour, want: "2026-10-26T08:00:00Z",
		},
		{
			// Fri 15:00 CET (14:00Z) 1h, DST starts Sun, Mon 08:00 CEST + 1h = 09:00 CEST (07:00Z)
			name: "business hours across spring forward", cal: cet,
			start: utc(t, "2026-03-27T14:00:00Z"), d: 2 * time.Hour, want: "2026-03-30T07:00:00Z",
		},

		// --- holidays ---
		{
			// explicit 2026-12-24: Wed 15:00 CET 1h, Thu closed, Fri 25 (no country set) 08:00 + 1h = 09:00 CET (08:00Z)
			name: "explicit holiday date", cal: cetXmasEve,
			start: local(t, berlin, "2026-12-23 15:00"), d: 2 * time.Hour, want: "2026-12-25T08:00:00Z",
		},
		{
			// without holidays: Thu 24 15:00-16:00 1h, Fri 25 08:00 + 1h = 09:00 CET
			name: "christmas without holidays", cal: cet,
			start: local(t, berlin, "2026-12-24 15:00"), d: 2 * time.Hour, want: "2026-12-25T08:00:00Z",
		},
		{
			// DE: Thu 24 1h, Fri 25 + Sat 26 holidays, Sun closed, Mon 28 08:00 + 1h = 09:00 CET (08:00Z)
			name: "DE christmas", cal: cetDE,
			start: local(t, berlin, "2026-12-24 15:00"), d: 2 * time.Hour, want: "2026-12-28T08:00:00Z",
		},
		{
			// opened on Fri 25 (DE holiday): counts from Mon 28 08:00, + 1h
			name: "opened on a holiday", cal: cetDE,
			start: local(t, berlin, "2026-12-25 10:00"), d: time.Hour, want: "2026-12-28T08:00:00Z",
		},
		{
			// Thu 31 15:00 1h, Fri 2027-01-01 holiday, Mon 04 08:00 + 1h = 09:00 CET
			name: "DE new year", cal: cetDE,
			start: local(t, berlin, "2026-12-31 15:00"), d: 2 * time.Hour, want: "2027-01-04T08:00:00Z",
		},
		{
			// US: Wed 18:00 EST 1h, Thu 26 Thanksgiving, Fri 27 07:00 + 2h = 09:00 EST (14:00Z)
			name: "US thanksgiving", cal: nyUS,
			start: local(t, newYork, "2026-11-25 18:00"), d: 3 * time.Hour, want: "2026-11-27T14:00:00Z",
		},
		{
			// 4 July 2026 is a Saturday, observed Fri 3 July: Thu 18:00 EDT 1h, Mon 6 07:00 + 1h = 08:00 EDT (12:00Z)
			name: "US observed independence day", cal: nyUS,
			start: local(t, newYork, "2026-07-02 18:00"), d: 2 * time.Hour, want: "2026-07-06T12:00:00Z",
		},

		// --- 07:00-19:00 America/New_York, Mon-Fri ---
		{
			// Mon 07:00 EDT + 12h = 19:00 EDT (23:00Z)
			name: "ny deadline exactly on closing", cal: ny,
			start: local(t, newYork, "2026-06-15 07:00"), d: 12 * time.Hour, want: "2026-06-15T23:00:00Z",
		},
		{
			// Fri 18:00 EST 1h, Mon 07:00 + 1h = 08:00 EST (13:00Z)
			name: "ny across weekend", cal: ny,
			start: local(t, newYork, "2026-01-09 18:00"), d: 2 * time.Hour, want: "2026-01-12T13:00:00Z",
		},
		{
			// Fri 18:00 EDT (22:00Z) 1h, DST ends Sun, Mon 07:00 EST + 1h = 08:00 EST (13:00Z)
			name: "ny across fall back", cal: ny,
			start: utc(t, "2026-10-30T22:00:00Z"), d: 2 * time.Hour, want: "2026-11-02T13:00:00Z",
		},
		{
			// Fri 18:00 EST (23:00Z) 1h, DST starts Sun, Mon 07:00 EDT + 1h = 08:00 EDT (12:00Z)
			name: "ny across spring forward", cal: ny,
			start: utc(t, "2026-03-06T23:00:00Z"), d: 2 * time.Hour, want: "2026-03-09T12:00:00Z",
		},

		// --- 09:00-12:00 and 13:00-17:00 Europe/Berlin ---
		{
			// 11:00-12:00 1h, lunch, 13:00 + 1h = 14:00 CEST (12:00Z)
			name: "lunch break skipped", cal: split,
			start: local(t, berlin, "2026-06-15 11:00"), d: 2 * time.Hour, want: "2026-06-15T12:00:00Z",
		},
		{
			// 09:00 + 3h = 12:00 CEST (10:00Z), the closing before lunch, not 13:00
			name: "ends exactly at lunch", cal: split,
			start: local(t, berlin, "2026-06-15 09:00"), d: 3 * time.Hour, want: "2026-06-15T10:00:00Z",
		},
		{
			// opened 12:30 during lunch: counts from 13:00, + 1h = 14:00 CEST
			name: "opened during lunch", cal: split,
			start: local(t, berlin, "2026-06-15 12:30"), d: time.Hour, want: "2026-06-15T12:00:00Z",
		},
		{
			// 3h + 4h = 7h: 09:00 to 17:00 CEST (15:00Z)
			name: "full split day", cal: split,
			start: local(t, berlin, "2026-06-15 09:00"), d: 7 * time.Hour, want: "2026-06-15T15:00:00Z",
		},

		// --- 24/7 ---
		{
			// 01:30 CEST (23:30Z) + 2h real = 01:30Z = 02:30 CET
			name: "24/7 berlin across fall back", cal: always,
			start: utc(t, "2026-10-24T23:30:00Z"), d: 2 * time.Hour, want: "2026-10-25T01:30:00Z",
		},
		{
			// 01:30 CET (00:30Z) + 1h real = 01:30Z = 03:30 CEST
			name: "24/7 berlin across spring forward", cal: always,
			start: utc(t, "2026-03-29T00:30:00Z"), d: time.Hour, want: "2026-03-29T01:30:00Z",
		},
		{
			// 01:30 EST (06:30Z) + 1h real = 07:30Z = 03:30 EDT
			name: "24/7 ny across spring forward", cal: alwaysNY,
			start: utc(t, "2026-03-08T06:30:00Z"), d: time.Hour, want: "2026-03-08T07:30:00Z",
		},
		{
			// 00:30 EDT (04:30Z) + 2h real = 06:30Z = 01:30 EST
			name: "24/7 ny across fall back", cal: alwaysNY,
			start: utc(t, "2026-11-01T04:30:00Z"), d: 2 * time.Hour, want: "2026-11-01T06:30:00Z",
		},
		{
			// walking path (holidays configured) agrees with the fast path: 01:30 CEST + 2h = 02:30 CET
			name: "24/7 closed on holidays across fall back", cal: alwaysClosedDE,
			start: utc(t, "2026-10-24T23:30:00Z"), d: 2 * time.Hour, want: "2026-10-25T01:30:00Z",
		},
		{
			// 24 Dec 23:00 CET (22:00Z) 1h, 25+26 closed, 27 00:00 CET (26T23:00Z) + 1h = 27T00:00Z
			name: "24/7 closed on DE holidays", cal: alwaysClosedDE,
			start: local(t, berlin, "2026-12-24 23:00"), d: 2 * time.Hour, want: "2026-12-27T00:00:00Z",
		},
		{
			// holidays ignored: 22:00Z + 2h = 25T00:00Z
			name: "24/7 open on DE holidays", cal: alwaysOpenDE,
			start: local(t, berlin, "2026-12-24 23:00"), d: 2 * time.Hour, want: "2026-12-25T00:00:00Z",
		},
		{
			// whole fall-back Sunday is 25h: 00:00 CEST (24T22:00Z) + 25h = Mon 00:00 CET (25T23:00Z), the closing
			name: "00-24 window lasts 25h on fall back", cal: sundayAllDay,
			start: utc(t, "2026-10-24T22:00:00Z"), d: 25 * time.Hour, want: "2026-10-25T23:00:00Z",
		},
		{
			// whole spring-forward Sunday is 23h: 00:00 CET (28T23:00Z) + 23h = Mon 00:00 CEST (29T22:00Z)
			name: "00-24 window lasts 23h on spring forward", cal: sundayAllDay,
			start: utc(t, "2026-03-28T23:00:00Z"), d: 23 * time.Hour, want: "2026-03-29T22:00:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cal.Add(tt.start, tt.d)
			if err != nil {
				t.Fatalf("got error %v, want %s", err, tt.want)
			}
			if want := utc(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("got %v, want %v", got, want)
			}
			// The business time between start and the deadline is exactly d.
			if el := tt.cal.Elapsed(tt.start, got); el != tt.d {
				t.Errorf("Elapsed(start, deadline): got %v, want %v", el, tt.d)
			}
		})
	}
}

// TestElapsedAddSymmetry checks Elapsed(start, Add(start, d)) == d over a
// grid of starts (inside and outside hours) and durations.
func TestElapsedAddSymmetry(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	cals := []*Calendar{
		cetWork(t, "DE"), nyWork(t, "US"), splitDay(t), Always(berlin),
		mustCalendar(t, CalendarSpec{Name: "24/7-closed", Location: berlin, Always: true,
			HolidayCountries: []string{"DE"}, ClosedOnHolidaysWhenAlways: true}),
	}
	starts := []time.Time{
		utc(t, "2026-10-23T13:00:00Z"), // Fri before fall back, inside Berlin hours
		utc(t, "2026-03-27T14:00:00Z"), // Fri before spring forward
		utc(t, "2026-11-25T15:30:00Z"), // Wed before Thanksgiving
		utc(t, "2026-12-23T09:17:42Z"), // before Christmas
		utc(t, "2026-06-13T10:00:00Z"), // Saturday, outside hours
	}
	ds := []time.Duration{time.Second, time.Hour, 8 * time.Hour, 8*time.Hour + time.Second, 40 * time.Hour, 500 * time.Hour}
	for _, c := range cals {
		for _, start := range starts {
			for _, d := range ds {
				name := c.Name() + "/" + start.Format(time.RFC3339) + "/" + d.String()
				t.Run(name, func(t *testing.T) {
					end, err := c.Add(start, d)
					if err != nil {
						t.Fatal(err)
					}
					if got := c.Elapsed(start, end); got != d {
						t.Errorf("got %v, want %v", got, d)
					}
					// The last counted second is business time.
					if !c.IsOpen(end.Add(-time.Second)) {
						t.Errorf("got closed at %v, want open just before the deadline", end.Add(-time.Second))
					}
				})
			}
		}
	}
}

// TestDSTWindows pins how wall-clock windows map to real durations on DST
// days.
func TestDSTWindows(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	newYork := mustLoc(t, "America/New_York")
	sunday := func(loc *time.Location, w Window) *Calendar {
		return mustCalendar(t, CalendarSpec{Name: "sunday " + w.String(), Location: loc,
			Week: map[time.Weekday][]Window{time.Sunday: {w}}})
	}
	tests := []struct {
		name string
		cal  *Calendar
		day  string // a Sunday; Elapsed is taken from Saturday noon to Monday noon (UTC)
		want time.Duration
	}{
		{name: "berlin 00-24 spring forward", cal: sunday(berlin, Window{0, hm(24, 0)}), day: "2026-03-29", want: 23 * time.Hour},
		{name: "berlin 00-24 fall back", cal: sunday(berlin, Window{0, hm(24, 0)}), day: "2026-10-25", want: 25 * time.Hour},
		{name: "berlin 00-24 ordinary", cal: sunday(berlin, Window{0, hm(24, 0)}), day: "2026-06-14", want: 24 * time.Hour},
		{name: "ny 00-24 spring forward", cal: sunday(newYork, Window{0, hm(24, 0)}), day: "2026-03-08", want: 23 * time.Hour},
		{name: "ny 00-24 fall back", cal: sunday(newYork, Window{0, hm(24, 0)}), day: "2026-11-01", want: 25 * time.Hour},
		{name: "berlin 08-16 spring forward", cal: sunday(berlin, Window{hm(8, 0), hm(16, 0)}), day: "2026-03-29", want: 8 * time.Hour},
		{name: "berlin 08-16 fall back", cal: sunday(berlin, Window{hm(8, 0), hm(16, 0)}), day: "2026-10-25", want: 8 * time.Hour},
		{name: "ny 07-19 spring forward", cal: sunday(newYork, Window{hm(7, 0), hm(19, 0)}), day: "2026-03-08", want: 12 * time.Hour},
		{name: "ny 07-19 fall back", cal: sunday(newYork, Window{hm(7, 0), hm(19, 0)}), day: "2026-11-01", want: 12 * time.Hour},
		// 02:30 is in the gap and maps to 03:00 CEST: 03:00-04:00 CEST = 1h
		{name: "berlin start in gap", cal: sunday(berlin, Window{hm(2, 30), hm(4, 0)}), day: "2026-03-29", want: time.Hour},
		// 02:30 repeats and maps to its first occurrence: 02:30 CEST (00:30Z) to 04:00 CET (03:00Z) = 2h30m
		{name: "berlin start in repeat", cal: sunday(berlin, Window{hm(2, 30), hm(4, 0)}), day: "2026-10-25", want: 150 * time.Minute},
		{name: "berlin 02:30-04:00 ordinary", cal: sunday(berlin, Window{hm(2, 30), hm(4, 0)}), day: "2026-03-22", want: 90 * time.Minute},
		// window wholly inside the gap never opens: 02:10 and 02:40 both map to 03:00
		{name: "berlin window inside gap", cal: sunday(berlin, Window{hm(2, 10), hm(2, 40)}), day: "2026-03-29", want: 0},
		// 01:30 EST (06:30Z) to 02:30 -> gap end 03:00 EDT (07:00Z) = 30m
		{name: "ny end in gap", cal: sunday(newYork, Window{hm(1, 30), hm(2, 30)}), day: "2026-03-08", want: 30 * time.Minute},
		// 01:30 EDT (05:30Z) first occurrence to 02:30 EST (07:30Z) = 2h
		{name: "ny start in repeat", cal: sunday(newYork, Window{hm(1, 30), hm(2, 30)}), day: "2026-11-01", want: 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDate(t, tt.day)
			from := time.Date(d.Year, d.Month, d.Day-1, 12, 0, 0, 0, time.UTC)
			to := time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC)
			if got := tt.cal.Elapsed(from, to); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got := tt.cal.Open(NewInterval(from, to)).Duration(); got != tt.want {
				t.Errorf("Open duration: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsOpenNextOpen(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	cet := cetWork(t, "DE")
	tests := []struct {
		name     string
		cal      *Calendar
		at       time.Time
		wantOpen bool
		wantNext string // UTC
	}{
		{name: "inside hours", cal: cet, at: local(t, berlin, "2026-06-15 10:00"), wantOpen: true, wantNext: "2026-06-15T08:00:00Z"},
		{name: "opening instant", cal: cet, at: local(t, berlin, "2026-06-15 08:00"), wantOpen: true, wantNext: "2026-06-15T06:00:00Z"},
		// windows are [08:00, 16:00): 16:00 is closed, next opening Tue 08:00 CEST
		{name: "closing instant", cal: cet, at: local(t, berlin, "2026-06-15 16:00"), wantOpen: false, wantNext: "2026-06-16T06:00:00Z"},
		{name: "second before opening", cal: cet, at: utc(t, "2026-06-15T05:59:59Z"), wantOpen: false, wantNext: "2026-06-15T06:00:00Z"},
		{name: "saturday", cal: cet, at: local(t, berlin, "2026-06-13 10:00"), wantOpen: false, wantNext: "2026-06-15T06:00:00Z"},
		// Fri 25 and Sat 26 Dec are DE holidays: Mon 28 08:00 CET = 07:00Z
		{name: "holiday", cal: cet, at: local(t, berlin, "2026-12-25 10:00"), wantOpen: false, wantNext: "2026-12-28T07:00:00Z"},
		// sub-second input is truncated: 10:00:00.7 -> 10:00:00
		{name: "sub-second", cal: cet, at: local(t, berlin, "2026-06-15 10:00").Add(700 * time.Millisecond), wantOpen: true, wantNext: "2026-06-15T08:00:00Z"},
		// NY fall-back Sunday: next opening Mon 07:00 EST = 12:00Z
		{name: "ny sunday fall back", cal: nyWork(t), at: utc(t, "2026-11-01T06:30:00Z"), wantOpen: false, wantNext: "2026-11-02T12:00:00Z"},
		{name: "24/7", cal: Always(berlin), at: utc(t, "2026-12-25T03:04:05Z"), wantOpen: true, wantNext: "2026-12-25T03:04:05Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.IsOpen(tt.at); got != tt.wantOpen {
				t.Errorf("IsOpen: got %v, want %v", got, tt.wantOpen)
			}
			got, err := tt.cal.NextOpen(tt.at)
			if err != nil {
				t.Fatalf("NextOpen: got error %v, want %s", err, tt.wantNext)
			}
			if want := utc(t, tt.wantNext); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("NextOpen: got %v, want %v", got, want)
			}
		})
	}
}

func TestCalendarOpen(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	split := splitDay(t)
	touching := mustCalendar(t, CalendarSpec{Name: "touching", Location: berlin,
		Week: weekdays(Window{Start: hm(9, 0), End: hm(12, 0)}, Window{Start: hm(12, 0), End: hm(17, 0)})})
	allDay := mustCalendar(t, CalendarSpec{Name: "all day", Location: berlin, Week: everyDay(Window{Start: 0, End: hm(24, 0)})})
	tests := []struct {
		name string
		cal  *Calendar
		iv   Interval
		want Set
	}{
		{
			// Mon and Tue, each 09-12 and 13-17 CEST (07-10Z, 11-15Z)
			name: "two windows per day", cal: split,
			iv: NewInterval(local(t, berlin, "2026-06-15 00:00"), local(t, berlin, "2026-06-17 00:00")),
			want: Set{
				iv(t, "2026-06-15T07:00:00Z", "2026-06-15T10:00:00Z"), iv(t, "2026-06-15T11:00:00Z", "2026-06-15T15:00:00Z"),
				iv(t, "2026-06-16T07:00:00Z", "2026-06-16T10:00:00Z"), iv(t, "2026-06-16T11:00:00Z", "2026-06-16T15:00:00Z"),
			},
		},
		{
			// Fri 10:00 to Mon 10:00: Fri 10-12, 13-17, nothing at the weekend, Mon 09-10
			name: "across weekend clipped", cal: split,
			iv: NewInterval(local(t, berlin, "2026-06-12 10:00"), local(t, berlin, "2026-06-15 10:00")),
			want: Set{
				iv(t, "2026-06-12T08:00:00Z", "2026-06-12T10:00:00Z"), iv(t, "2026-06-12T11:00:00Z", "2026-06-12T15:00:00Z"),
				iv(t, "2026-06-15T07:00:00Z", "2026-06-15T08:00:00Z"),
			},
		},
		{
			// 09-12 and 12-17 touch and come out as one 09-17
			name: "touching windows merge", cal: touching,
			iv:   NewInterval(local(t, berlin, "2026-06-15 00:00"), local(t, berlin, "2026-06-16 00:00")),
			want: Set{iv(t, "2026-06-15T07:00:00Z", "2026-06-15T15:00:00Z")},
		},
		{
			// 24:00 of one day touches 00:00 of the next: one interval over two days
			name: "midnight joins days", cal: allDay,
			iv:   NewInterval(local(t, berlin, "2026-06-15 12:00"), local(t, berlin, "2026-06-17 12:00")),
			want: Set{iv(t, "2026-06-15T10:00:00Z", "2026-06-17T10:00:00Z")},
		},
		{
			name: "24/7 returns the interval", cal: Always(berlin),
			iv:   iv(t, "2026-06-15T10:00:00Z", "2026-06-17T10:00:00Z"),
			want: Set{iv(t, "2026-06-15T10:00:00Z", "2026-06-17T10:00:00Z")},
		},
		{name: "empty interval", cal: split, iv: iv(t, "2026-06-15T10:00:00Z", "2026-06-15T10:00:00Z"), want: nil},
		{name: "weekend only", cal: split, iv: NewInterval(local(t, berlin, "2026-06-13 00:00"), local(t, berlin, "2026-06-15 00:00")), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Open(tt.iv)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Open mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestElapsed(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	newYork := mustLoc(t, "America/New_York")
	cet := cetWork(t, "DE")
	tests := []struct {
		name string
		cal  *Calendar
		a, b time.Time
		want time.Duration
	}{
		// Fri 15-16 = 1h, Mon 08-10 = 2h: 3h
		{name: "across weekend", cal: cet, a: local(t, berlin, "2026-06-12 15:00"), b: local(t, berlin, "2026-06-15 10:00"), want: 3 * time.Hour},
		// Thu 24 15-16 = 1h, 25/26 holidays, weekend, Mon 28 08-09 = 1h: 2h
		{name: "across DE christmas", cal: cet, a: local(t, berlin, "2026-12-24 15:00"), b: local(t, berlin, "2026-12-28 09:00"), want: 2 * time.Hour},
		{name: "reversed is zero", cal: cet, a: local(t, berlin, "2026-06-15 12:00"), b: local(t, berlin, "2026-06-15 10:00"), want: 0},
		{name: "empty is zero", cal: cet, a: local(t, berlin, "2026-06-15 12:00"), b: local(t, berlin, "2026-06-15 12:00"), want: 0},
		{name: "outside hours is zero", cal: cet, a: local(t, berlin, "2026-06-15 17:00"), b: local(t, berlin, "2026-06-16 07:00"), want: 0},
		// Wed 25 18-19 = 1h, Thu 26 Thanksgiving, Fri 27 07-19 = 12h: 13h
		{name: "US thanksgiving", cal: nyWork(t, "US"), a: local(t, newYork, "2026-11-25 18:00"), b: local(t, newYork, "2026-11-28 00:00"), want: 13 * time.Hour},
		// 24/7 fast path over the fall-back night: 22:00Z to 23:00Z next day = 25h
		{name: "24/7 over fall back day", cal: Always(berlin), a: utc(t, "2026-10-24T22:00:00Z"), b: utc(t, "2026-10-25T23:00:00Z"), want: 25 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Elapsed(tt.a, tt.b); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPauses(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	cet := cetWork(t)
	at := func(s string) time.Time { return local(t, berlin, s) }
	pause := func(from, to string) Interval { return NewInterval(at(from), at(to)) }
	always := Always(berlin)

	elapsed := []struct {
		name   string
		cal    *Calendar
		a, b   string
		pauses Set
		want   time.Duration
	}{
		// Mon 08-16 = 8h minus 10-11 = 7h
		{name: "pause inside hours", cal: cet, a: "2026-06-15 08:00", b: "2026-06-15 16:00",
			pauses: NewSet(pause("2026-06-15 10:00", "2026-06-15 11:00")), want: 7 * time.Hour},
		// pause 18-20 lies outside hours: 8h
		{name: "pause outside hours", cal: cet, a: "2026-06-15 08:00", b: "2026-06-15 16:00",
			pauses: NewSet(pause("2026-06-15 18:00", "2026-06-15 20:00")), want: 8 * time.Hour},
		// 10-11 and 10:30-12 overlap; hand-built literal, counted once as 10-12: 8h - 2h = 6h
		{name: "overlapping pauses counted once", cal: cet, a: "2026-06-15 08:00", b: "2026-06-15 16:00",
			pauses: Set{pause("2026-06-15 10:30", "2026-06-15 12:00"), pause("2026-06-15 10:00", "2026-06-15 11:00")}, want: 6 * time.Hour},
		// Mon 08 - Tue 16 = 16h; pause Mon 15:00 - Tue 09:00 removes Mon 15-16 and Tue 08-09: 14h
		{name: "pause across the night", cal: cet, a: "2026-06-15 08:00", b: "2026-06-16 16:00",
			pauses: NewSet(pause("2026-06-15 15:00", "2026-06-16 09:00")), want: 14 * time.Hour},
		// 24/7 fast path: 00:00-06:00 = 6h minus 01:00-01:30 = 5h30m
		{name: "24/7 with pause", cal: always, a: "2026-06-15 00:00", b: "2026-06-15 06:00",
			pauses: NewSet(pause("2026-06-15 01:00", "2026-06-15 01:30")), want: 330 * time.Minute},
	}
	for _, tt := range elapsed {
		t.Run("elapsed/"+tt.name, func(t *testing.T) {
			if got := tt.cal.ElapsedExcept(at(tt.a), at(tt.b), tt.pauses); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	add := []struct {
		name   string
		cal    *Calendar
		start  string
		d      time.Duration
		pauses Set
		want   string // UTC
	}{
		// Mon has 7h outside the 10-11 pause; the 8th hour is Tue 08-09 CEST (07:00Z)
		{name: "pause inside hours", cal: cet, start: "2026-06-15 08:00", d: 8 * time.Hour,
			pauses: NewSet(pause("2026-06-15 10:00", "2026-06-15 11:00")), want: "2026-06-16T07:00:00Z"},
		// pause 18-20 outside hours changes nothing: 16:00 CEST (14:00Z)
		{name: "pause outside hours", cal: cet, start: "2026-06-15 08:00", d: 8 * time.Hour,
			pauses: NewSet(pause("2026-06-15 18:00", "2026-06-15 20:00")), want: "2026-06-15T14:00:00Z"},
		// started 10:30 inside pause 10-11: counts from 11:00, + 1h = 12:00 CEST (10:00Z)
		{name: "started inside a pause", cal: cet, start: "2026-06-15 10:30", d: time.Hour,
			pauses: NewSet(pause("2026-06-15 10:00", "2026-06-15 11:00")), want: "2026-06-15T10:00:00Z"},
		// overlapping 10-11 and 10:30-12 = 10-12: 08-10 2h, 12-14 2h, 4h ends 14:00 CEST (12:00Z)
		{name: "overlapping pauses counted once", cal: cet, start: "2026-06-15 08:00", d: 4 * time.Hour,
			pauses: Set{pause("2026-06-15 10:30", "2026-06-15 12:00"), pause("2026-06-15 10:00", "2026-06-15 11:00")}, want: "2026-06-15T12:00:00Z"},
		// 6h of business time ends exactly where the pause 14-15 begins: 14:00 CEST, not 15:00
		{name: "runs out at pause start", cal: cet, start: "2026-06-15 08:00", d: 6 * time.Hour,
			pauses: NewSet(pause("2026-06-15 14:00", "2026-06-15 15:00")), want: "2026-06-15T12:00:00Z"},
		// 24/7: 00:00 CEST (22:00Z prev day) 1h, pause 01:00-01:30, 1h more ends 02:30 CEST (00:30Z)
		{name: "24/7 with pause", cal: always, start: "2026-06-15 00:00", d: 2 * time.Hour,
			pauses: NewSet(pause("2026-06-15 01:00", "2026-06-15 01:30")), want: "2026-06-15T00:30:00Z"},
	}
	for _, tt := range add {
		t.Run("add/"+tt.name, func(t *testing.T) {
			got, err := tt.cal.AddExcept(at(tt.start), tt.d, tt.pauses)
			if err != nil {
				t.Fatalf("got error %v, want %s", err, tt.want)
			}
			if want := utc(t, tt.want); !got.Equal(want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if el := tt.cal.ElapsedExcept(at(tt.start), got, tt.pauses); el != tt.d {
				t.Errorf("ElapsedExcept(start, deadline): got %v, want %v", el, tt.d)
			}
		})
	}
}

func TestHolidays(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name      string
		countries []string
		dates     []string
		date      Date
		want      bool
	}{
		{name: "DE christmas", countries: []string{"DE"}, date: mustDate(t, "2026-12-25"), want: true},
		{name: "DE boxing day", countries: []string{"DE"}, date: mustDate(t, "2026-12-26"), want: true},
		{name: "DE christmas eve is a workday", countries: []string{"DE"}, date: mustDate(t, "2026-12-24"), want: false},
		{name: "DE unity day", countries: []string{"DE"}, date: mustDate(t, "2026-10-03"), want: true},
		{name: "US thanksgiving", countries: []string{"US"}, date: mustDate(t, "2026-11-26"), want: true},
		// 2026-07-04 is a Saturday; only the observed Friday counts
		{name: "US observed date", countries: []string{"US"}, date: mustDate(t, "2026-07-03"), want: true},
		{name: "US actual date not used", countries: []string{"US"}, date: mustDate(t, "2026-07-04"), want: false},
		// New Year 2022 is a Saturday, observed on Friday 2021-12-31: a year boundary
		{name: "US observed in previous year", countries: []string{"US"}, date: mustDate(t, "2021-12-31"), want: true},
		// Boxing Day 2026 is a Saturday, observed Monday 28
		{name: "GB observed boxing day", countries: []string{"GB"}, date: mustDate(t, "2026-12-28"), want: true},
		{name: "NO constitution day", countries: []string{"NO"}, date: mustDate(t, "2026-05-17"), want: true},
		{name: "lower-case code", countries: []string{"de"}, date: mustDate(t, "2026-12-25"), want: true},
		{name: "several countries", countries: []string{"DE", "US"}, date: mustDate(t, "2026-11-26"), want: true},
		{name: "explicit date", dates: []string{"2026-12-24"}, date: mustDate(t, "2026-12-24"), want: true},
		{name: "explicit date other day", dates: []string{"2026-12-24"}, date: mustDate(t, "2026-12-23"), want: false},
		{name: "no holidays", date: mustDate(t, "2026-12-25"), want: false},
		{name: "outside rule years", countries: []string{"DE"}, date: Date{Year: 10000, Month: time.December, Day: 25}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dates []Date
			for _, s := range tt.dates {
				dates = append(dates, mustDate(t, s))
			}
			c := mustCalendar(t, CalendarSpec{Name: tt.name, Location: berlin,
				Week: weekdays(Window{Start: hm(8, 0), End: hm(16, 0)}), HolidayCountries: tt.countries, HolidayDates: dates})
			if got := c.IsHoliday(tt.date); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHolidaysConcurrent(t *testing.T) {
	c := cetWork(t, "DE", "US")
	var wg sync.WaitGroup
	for k := range 8 {
		wg.Go(func() {
			d := Date{Year: 2020 + k, Month: time.December, Day: 25}
			if !c.IsHoliday(d) {
				t.Errorf("IsHoliday(%v): got false, want true", d)
			}
		})
	}
	wg.Wait()
}

func TestSupportedCountries(t *testing.T) {
	got := SupportedCountries()
	if !slices.IsSorted(got) {
		t.Errorf("got %v, want sorted", got)
	}
	for _, want := range []string{"DE", "GB", "NO", "US"} {
		if !slices.Contains(got, want) {
			t.Errorf("got %v, want it to contain %s", got, want)
		}
	}
	// Every supported country evaluates without panicking at the ends of the
	// rule range and has some holiday in 2026.
	for _, code := range got {
		t.Run(code, func(t *testing.T) {
			c := mustCalendar(t, CalendarSpec{Name: code, Location: time.UTC,
				Week: weekdays(Window{Start: 0, End: hm(24, 0)}), HolidayCountries: []string{code}})
			for _, y := range []int{minYear, 1970, maxYear} {
				c.IsHoliday(Date{Year: y, Month: time.June, Day: 1})
			}
			n := 0
			for d := mustDate(t, "2026-01-01"); d.Year == 2026; d = d.AddDays(1) {
				if c.IsHoliday(d) {
					n++
				}
			}
			if n == 0 {
				t.Errorf("got no holidays in 2026, want some")
			}
		})
	}
}

func TestDayLength(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name string
		spec CalendarSpec
		want time.Duration
	}{
		{name: "default is longest weekday", spec: CalendarSpec{Location: berlin, Week: map[time.Weekday][]Window{
			time.Monday:   {{Start: hm(8, 0), End: hm(16, 0)}}, // 8h
			time.Saturday: {{Start: hm(9, 0), End: hm(13, 0)}}, // 4h
		}}, want: 8 * time.Hour},
		// 3h + 4h
		{name: "split day sums windows", spec: CalendarSpec{Location: berlin,
			Week: weekdays(Window{Start: hm(9, 0), End: hm(12, 0)}, Window{Start: hm(13, 0), End: hm(17, 0)})}, want: 7 * time.Hour},
		{name: "24/7", spec: CalendarSpec{Location: berlin, Always: true}, want: 24 * time.Hour},
		{name: "explicit", spec: CalendarSpec{Location: berlin, Always: true, DayLength: 450 * time.Minute}, want: 450 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustCalendar(t, tt.spec).DayLength(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCalendarAccessors(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	c := cetWork(t)
	if c.Name() != "cet-work" || c.Location().String() != berlin.String() {
		t.Errorf("got %q in %v, want %q in %v", c.Name(), c.Location(), "cet-work", berlin)
	}
	if got := Always(nil).Location(); got != time.UTC {
		t.Errorf("Always(nil): got %v, want UTC", got)
	}
}

func TestNewCalendarErrors(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	mon := func(ws ...Window) map[time.Weekday][]Window { return map[time.Weekday][]Window{time.Monday: ws} }
	tests := []struct {
		name string
		spec CalendarSpec
		want []string // substrings of the error
	}{
		{name: "missing location", spec: CalendarSpec{Name: "x", Week: mon(Window{hm(8, 0), hm(16, 0)})}, want: []string{`"x"`, "location is required"}},
		{name: "end before start", spec: CalendarSpec{Name: "x", Location: berlin, Week: mon(Window{hm(16, 0), hm(8, 0)})}, want: []string{"Monday", "16:00-08:00", "start must be before end"}},
		{name: "empty window", spec: CalendarSpec{Name: "x", Location: berlin, Week: mon(Window{hm(8, 0), hm(8, 0)})}, want: []string{"start must be before end"}},
		{name: "past midnight", spec: CalendarSpec{Name: "x", Location: berlin, Week: mon(Window{hm(22, 0), hm(25, 0)})}, want: []string{"within 00:00-24:00"}},
		{name: "negative start", spec: CalendarSpec{Name: "x", Location: berlin, Week: mon(Window{-time.Hour, hm(8, 0)})}, want: []string{"within 00:00-24:00"}},
		{name: "sub-second", spec: CalendarSpec{Name: "x", Location: berlin, Week: mon(Window{hm(8, 0) + time.Millisecond, hm(9, 0)})}, want: []string{"whole seconds"}},
		{name: "overlapping windows", spec: CalendarSpec{Name: "x", Location: berlin, Week: mon(Window{hm(9, 0), hm(12, 0)}, Window{hm(11, 0), hm(13, 0)})}, want: []string{"09:00-12:00", "11:00-13:00", "overlap"}},
		{name: "no open hours", spec: CalendarSpec{Name: "x", Location: berlin}, want: []string{"no open hours"}},
		{name: "only empty weekdays", spec: CalendarSpec{Name: "x", Location: berlin, Week: map[time.Weekday][]Window{time.Monday: nil}}, want: []string{"no open hours"}},
		{name: "invalid weekday", spec: CalendarSpec{Name: "x", Location: berlin, Week: map[time.Weekday][]Window{7: {{hm(8, 0), hm(9, 0)}}}}, want: []string{"invalid weekday 7"}},
		{name: "unknown country", spec: CalendarSpec{Name: "x", Location: berlin, Always: true, HolidayCountries: []string{"DE", "XX"}}, want: []string{`"XX"`, "unknown", "DE, DK"}},
		{name: "invalid holiday date", spec: CalendarSpec{Name: "x", Location: berlin, Always: true, HolidayDates: []Date{{2026, time.February, 30}}}, want: []string{"2026-02-30"}},
		{name: "negative day length", spec: CalendarSpec{Name: "x", Location: berlin, Always: true, DayLength: -time.Hour}, want: []string{"day length"}},
		{name: "day length over 24h", spec: CalendarSpec{Name: "x", Location: berlin, Always: true, DayLength: 25 * time.Hour}, want: []string{"day length"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCalendar(tt.spec)
			if err == nil {
				t.Fatalf("got calendar %q, want error containing %q", c.Name(), tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestAddErrors(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	start := local(t, berlin, "2026-01-05 09:00") // a Monday

	// Open on Mondays only, and every Monday for 11 years is a holiday.
	var mondays []Date
	for d := mustDate(t, "2026-01-05"); d.Year < 2037; d = d.AddDays(7) {
		mondays = append(mondays, d)
	}
	never := mustCalendar(t, CalendarSpec{Name: "never", Location: berlin,
		Week: map[time.Weekday][]Window{time.Monday: {{hm(9, 0), hm(17, 0)}}}, HolidayDates: mondays})

	tests := []struct {
		name    string
		run     func() error
		wantIs  error
		wantMsg string
	}{
		{name: "negative duration", run: func() error { _, err := cetWork(t).Add(start, -time.Second); return err }, wantMsg: "negative duration"},
		{name: "negative duration 24/7", run: func() error { _, err := Always(berlin).Add(start, -time.Hour); return err }, wantMsg: "negative duration"},
		{name: "add with no opening", run: func() error { _, err := never.Add(start, time.Hour); return err }, wantIs: ErrNoOpening},
		{name: "next open with no opening", run: func() error { _, err := never.NextOpen(start); return err }, wantIs: ErrNoOpening},
		{
			// a 20-year pause leaves a 24/7 clock nothing to count
			name: "pauses cover everything",
			run: func() error {
				_, err := Always(berlin).AddExcept(start, time.Hour, NewSet(NewInterval(start, start.AddDate(20, 0, 0))))
				return err
			},
			wantIs: ErrNoOpening,
		},
		{
			// 101 years of 24/7 time lies beyond the 100-year horizon
			name:    "too far 24/7",
			run:     func() error { _, err := Always(berlin).Add(start, 101*365*24*time.Hour); return err },
			wantMsg: "more than 100 years",
		},
		{
			// 40h/week is about 2088h/year; 250000h would take about 120 years
			name:    "too far business hours",
			run:     func() error { _, err := cetWork(t).Add(start, 250000*time.Hour); return err },
			wantMsg: "more than 100 years",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("got error %v, want one wrapping %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("got error %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

// TestYearRange pins that business-hours calendars are closed outside the
// years 1 to 9999, which keeps walks over garbage instants bounded.
func TestYearRange(t *testing.T) {
	c := cetWork(t, "DE")
	farPast := time.Date(-1_000_000, 1, 1, 0, 0, 0, 0, time.UTC)
	year5 := time.Date(5, 1, 1, 0, 0, 0, 0, time.UTC)
	farFuture := time.Date(1_000_000_000, 1, 1, 0, 0, 0, 0, time.UTC)
	year20000 := time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)

	// only years 1 to 4 count: 4 years of about 2088h each, certainly > 0
	if got := c.Elapsed(farPast, year5); got <= 0 || got > 4*53*40*time.Hour {
		t.Errorf("Elapsed(far past, year 5): got %v, want the business time of years 1-4", got)
	}
	if got := c.Elapsed(year20000, farFuture); got != 0 {
		t.Errorf("Elapsed beyond year 9999: got %v, want 0", got)
	}
	if got := c.Open(NewInterval(year20000, farFuture)); got != nil {
		t.Errorf("Open beyond year 9999: got %v, want nil", got)
	}
	if c.IsOpen(time.Date(20000, 1, 3, 10, 0, 0, 0, time.UTC)) { // a Monday
		t.Errorf("IsOpen in year 20000: got true, want false")
	}
	for _, start := range []time.Time{year20000, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)} {
		if _, err := c.Add(start, 1000*time.Hour); !errors.Is(err, ErrNoOpening) {
			t.Errorf("Add from %v: got %v, want ErrNoOpening", start, err)
		}
	}
	// The plain 24/7 fast path has no such limit.
	if got := Always(time.UTC).Elapsed(year20000, year20000.Add(time.Hour)); got != time.Hour {
		t.Errorf("24/7 Elapsed in year 20000: got %v, want 1h", got)
	}
}
