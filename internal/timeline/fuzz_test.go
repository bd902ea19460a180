package timeline

import (
	"testing"
	"time"
)

// fuzzZones mixes ordinary DST, half-hour DST, midnight transitions and no
// DST at all.
var fuzzZones = []string{
	"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
	"America/Havana", "Asia/Beirut", "America/Santiago", "Asia/Kolkata",
}

// fuzzCountries are the holiday sets the fuzzer may pick; "" means none.
var fuzzCountries = []string{"", "DE", "US", "GB", "NO"}

// FuzzCalendarAdd builds a calendar from small fuzzed parameters and checks
// that Add never panics, never goes backwards and is the inverse of Elapsed.
// The same holds for AddExcept and ElapsedExcept with one fuzzed pause.
func FuzzCalendarAdd(f *testing.F) {
	// zone, weekday mask, window 1 start/length, gap, window 2 length (minutes),
	// country, always, closed on holidays, start (seconds from 2026-01-01),
	// d (seconds), pause offset and length (seconds)
	f.Add(uint8(1), uint8(0b0111110), uint16(480), uint16(480), uint16(0), uint16(0), uint8(1), false, false, int64(0), uint32(8*3600), int32(0), uint32(0))
	f.Add(uint8(2), uint8(0b0111110), uint16(420), uint16(720), uint16(0), uint16(0), uint8(2), false, false, int64(26_000_000), uint32(3*3600), int32(3600), uint32(7200))
	f.Add(uint8(1), uint8(0b1111111), uint16(0), uint16(1440), uint16(0), uint16(0), uint8(1), true, true, int64(25_000_000), uint32(2*3600), int32(-100), uint32(600))
	f.Add(uint8(3), uint8(0b0000001), uint16(130), uint16(30), uint16(10), uint16(60), uint8(0), false, false, int64(24_000_000), uint32(90*60), int32(0), uint32(0))
	f.Add(uint8(4), uint8(0b1000001), uint16(0), uint16(60), uint16(1200), uint16(180), uint8(3), false, false, int64(5_500_000), uint32(7*3600), int32(50), uint32(86400))

	locs := make([]*time.Location, len(fuzzZones))
	for k, z := range fuzzZones {
		locs[k] = mustLoc(f, z)
	}
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, zone, mask uint8, start1, len1, gap, len2 uint16, country uint8,
		always, closedOnHolidays bool, startSec int64, dSec uint32, pauseOff int32, pauseLen uint32) {
		// Build up to two windows per open weekday, clamped to the day.
		const dayMin = 24 * 60
		var ws []Window
		s1 := int(start1) % dayMin
		e1 := min(s1+int(len1)%(dayMin+1), dayMin)
		if e1 > s1 {
			ws = append(ws, Window{Start: hm(0, s1), End: hm(0, e1)})
		}
		s2 := e1 + int(gap)%dayMin
		e2 := min(s2+int(len2)%(dayMin+1), dayMin)
		if e2 > s2 {
			ws = append(ws, Window{Start: hm(0, s2), End: hm(0, e2)})
		}
		week := make(map[time.Weekday][]Window)
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			if mask&(1<<wd) != 0 {
				week[wd] = ws
			}
		}
		var countries []string
		if code := fuzzCountries[int(country)%len(fuzzCountries)]; code != "" {
			countries = []string{code}
		}
		c, err := NewCalendar(CalendarSpec{
			Name: "fuzz", Location: locs[int(zone)%len(locs)], Always: always, Week: week,
			HolidayCountries: countries, ClosedOnHolidaysWhenAlways: closedOnHolidays,
		})
		if err != nil {
			return // e.g. no open hours: rejecting is fine, panicking is not
		}

		// Start within about ±20 years of 2026; d up to about 30 days of
		// business time, whole and fractional seconds alike.
		start := epoch.Add(time.Duration(startSec%(20*366*86400)) * time.Second).Add(time.Duration(dSec%1000) * time.Millisecond)
		d := time.Duration(dSec%(30*86400)) * time.Second
		wantD := d.Truncate(time.Second)

		end, err := c.Add(start, d)
		if err == nil {
			checkDeadline(t, c, start, end, wantD, nil)
		}

		pStart := start.Add(time.Duration(pauseOff) * time.Second)
		pauses := NewSet(NewInterval(pStart, pStart.Add(time.Duration(pauseLen%(60*86400))*time.Second)))
		end, err = c.AddExcept(start, d, pauses)
		if err == nil {
			checkDeadline(t, c, start, end, wantD, pauses)
		}
	})
}

func checkDeadline(tb testing.TB, c *Calendar, start, end time.Time, d time.Duration, pauses Set) {
	tb.Helper()
	if end.Before(norm(start)) {
		tb.Fatalf("got deadline %v, want >= start %v", end, start)
	}
	if got := c.ElapsedExcept(start, end, pauses); got != d {
		tb.Fatalf("ElapsedExcept(%v, %v): got %v, want %v", start, end, got, d)
	}
	if d == 0 {
		if !end.Equal(norm(start)) {
			tb.Fatalf("got deadline %v for zero duration, want start %v", end, norm(start))
		}
		return
	}
	// The last counted second is business time outside the pauses.
	last := end.Add(-time.Second)
	if !c.IsOpen(last) || pauses.Contains(last) {
		tb.Fatalf("got deadline %v, want the second before it to be counted business time", end)
	}
	if next, err := c.NextOpen(start); err != nil || next.After(last) {
		tb.Fatalf("NextOpen(%v): got %v, %v, want at or before %v", start, next, err, last)
	}
}
