// Package timeline is the time arithmetic of the SLA platform: half-open
// intervals and normalized interval sets, civil dates, calendar periods
// (months, quarters, years) in IANA zones, and business-hours calendars that
// answer "how much business time lies between a and b" and "when does a
// clock of d business time run out".
//
// The package is pure: it does no I/O and never reads the current time;
// every instant is passed in. No input makes it panic: invalid input yields
// an error, or, for functions without an error result, a documented zero
// value.
//
// # Conventions
//
// Resolution and zones. Instants have whole-second resolution: constructors
// and every method taking an instant truncate it to the second. Every
// instant returned is in UTC. Business-time durations are whole seconds.
//
// Intervals. An Interval is half-open, [Start, End). A Set is sorted,
// disjoint and non-adjacent: touching intervals are merged, so [10:00,11:00)
// and [11:00,12:00) are stored as [10:00,12:00).
//
// Windows. A calendar's opening windows are local wall-clock times in its
// Location, open over [Start, End). An End of 24h means the next local
// midnight. Touching windows (09:00-12:00 and 12:00-17:00) behave as one.
//
// DST. Window boundaries and midnights are wall-clock readings converted to
// real instants by one rule: the first instant whose wall clock reads at or
// after the boundary. So a boundary in a spring-forward gap maps to the
// instant the gap ends (02:30 on 2026-03-29 in Europe/Berlin is 03:00 CEST),
// and a boundary in a fall-back repeat maps to its first occurrence (02:30 on
// 2026-10-25 in Europe/Berlin is 02:30 CEST). Hence a 00:00-24:00 window
// lasts 23h on spring-forward day and 25h on fall-back day, while an
// 08:00-16:00 window lasts 8 real hours on both. The rule is implemented on
// the zone's transitions rather than with time.Date, which does not specify
// which side of a gap it picks. Periods use the same midnights, so October
// 2026 in Europe/Berlin has 44700 minutes.
//
// Holidays. Holidays are local dates. On a holiday a business-hours calendar
// is closed all day. A 24/7 calendar ignores holidays unless
// ClosedOnHolidaysWhenAlways is set. Country holidays come from the national
// lists of github.com/rickar/cal/v2 on their observed dates (US Independence
// Day 2026 falls on a Saturday and is observed on Friday 3 July), and are
// known for the years 1 to 9999.
//
// Clocks. A clock started outside business hours starts counting at the next
// opening: Add from an instant outside hours counts from NextOpen. A deadline
// may land exactly on a closing time: when the business time runs out exactly
// at the end of a window, Add returns that closing instant, not the next
// opening (08:00 + 8h on an 08:00-16:00 calendar is 16:00 the same day).
// Add(t, 0) returns t unchanged even outside hours. A negative duration is an
// error. Pauses (AddExcept, ElapsedExcept) stop the clock; overlapping pauses
// count once and pauses outside business hours change nothing.
//
// Termination and cost. NextOpen and Add return an error wrapping
// ErrNoOpening when the calendar has no business time for 10 years (for
// example when every working day is a holiday), and Add refuses deadlines
// more than 100 years after the start. Elapsed, Open and Add walk the range
// day by day (about half a microsecond per day), which is fine for durations
// of weeks and acceptable for decades; a 24/7 calendar that no holiday closes
// takes a constant-time fast path. To keep every walk bounded, calendars
// other than that fast path are closed outside the years 1 to 9999.
package timeline
