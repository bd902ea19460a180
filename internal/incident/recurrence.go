package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// Recurrence expands a maintenance series' RFC 5545 rule in the series'
// time zone, keeping the local wall-clock time across daylight saving
// changes: a window at 02:30 on Sundays in Europe/Berlin starts at 02:30
// local time in winter and in summer.
//
// The rule is expanded on "floating" wall-clock times (local times written
// as if UTC, where no day has a gap or an overlap), and each wall time is
// then placed in the zone as RFC 5545 (3.3.5) says: a local time that
// occurs twice (autumn) is the first of the two; a local time that does
// not exist (spring) is read with the UTC offset before the gap, so 02:30
// on the last Sunday of March in Europe/Berlin is 03:30 CEST (01:30 UTC).
type Recurrence struct {
	rule  *rrule.RRule
	loc   *time.Location
	until time.Time
}

// maxIterations bounds one expansion, so a rule that yields nothing in
// range (or a very long series) cannot spin.
const maxIterations = 200000

// ParseRecurrence reads rule (such as "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2")
// starting at the wall-clock time start has in loc. until (zero: none)
// bounds the starts; count (0: none) caps their number and may instead be
// given in the rule as COUNT. Errors are *sla.InputError naming the field
// (rrule, count or until).
func ParseRecurrence(rule string, start time.Time, loc *time.Location, until time.Time, count int) (*Recurrence, error) {
	if loc == nil {
		loc = time.UTC
	}
	rule = strings.TrimPrefix(strings.TrimSpace(rule), "RRULE:")
	if rule == "" {
		return nil, &sla.InputError{Field: "rrule", Msg: "required"}
	}
	for _, part := range strings.Split(rule, ";") {
		key, _, _ := strings.Cut(part, "=")
		switch strings.ToUpper(key) {
		case "DTSTART":
			return nil, &sla.InputError{Field: "rrule", Msg: "give the first start as start, not DTSTART in the rule"}
		case "UNTIL":
			return nil, &sla.InputError{Field: "rrule", Msg: "give the end of the series as until (an RFC 3339 time), not UNTIL in the rule"}
		case "BYSECOND":
			// Occurrence ids name the minute; windows start on the
			// seconds of start.
			return nil, &sla.InputError{Field: "rrule", Msg: "BYSECOND is not supported: occurrences start at the seconds of start"}
		}
	}
	opt, err := rrule.StrToROption(strings.ToUpper(rule))
	if err != nil {
		return nil, &sla.InputError{Field: "rrule", Msg: fmt.Sprintf("want an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=SU;BYHOUR=2, got %q: %v", rule, err)}
	}
	switch opt.Freq {
	case rrule.SECONDLY, rrule.MINUTELY:
		return nil, &sla.InputError{Field: "rrule", Msg: fmt.Sprintf("maintenance recurs at most hourly, got FREQ=%s", opt.Freq)}
	}
	if count < 0 {
		return nil, &sla.InputError{Field: "count", Msg: fmt.Sprintf("want a positive number of occurrences, got %d", count)}
	}
	if count > 0 {
		if opt.Count > 0 && opt.Count != count {
			return nil, &sla.InputError{Field: "count", Msg: fmt.Sprintf("%d, but the rule says COUNT=%d", count, opt.Count)}
		}
		opt.Count = count
	}
	if !until.IsZero() && until.Before(start) {
		return nil, &sla.InputError{Field: "until", Msg: "must not be before start"}
	}
	opt.Dtstart = floating(start.In(loc))
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, &sla.InputError{Field: "rrule", Msg: fmt.Sprintf("%q: %v", rule, err)}
	}
	return &Recurrence{rule: r, loc: loc, until: until}, nil
}

// Starts returns the occurrence starts in [from, to), ascending, at most
// limit of them; more reports whether the limit cut the list short.
func (r *Recurrence) Starts(from, to time.Time, limit int) (starts []time.Time, more bool) {
	next := r.rule.Iterator()
	var last time.Time
	for i := 0; i < maxIterations; i++ {
		w, ok := next()
		if !ok {
			break
		}
		t := Localize(w, r.loc)
		if (!r.until.IsZero() && t.After(r.until)) || !t.Before(to) {
			break
		}
		// Two wall times can land on one instant around a gap.
		if t.Before(from) || t.Equal(last) {
			continue
		}
		if len(starts) == limit {
			return starts, true
		}
		starts = append(starts, t)
		last = t
	}
	return starts, false
}

// floating writes t's wall-clock time as a UTC time.
func floating(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// Localize places the floating wall time w (a local time written as UTC)
// in loc, as RFC 5545 reads a local time: the first of two, or with the
// offset before the gap when it does not exist.
func Localize(w time.Time, loc *time.Location) time.Time {
	_, before := w.Add(-24 * time.Hour).In(loc).Zone()
	_, after := w.Add(24 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		u := w.Add(-time.Duration(off) * time.Second)
		if floating(u.In(loc)).Equal(w) && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if best.IsZero() {
		best = w.Add(-time.Duration(before) * time.Second)
	}
	return best.UTC()
}
