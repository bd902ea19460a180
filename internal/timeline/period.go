package timeline

import (
	"fmt"
	"strings"
	"time"
)

// Kind is the length of a Period: a calendar month, quarter or year.
type Kind int

// The kinds of Period. The zero Kind is invalid so that a forgotten field is
// caught rather than silently meaning "month".
const (
	Month Kind = iota + 1
	Quarter
	Year
)

// ParseKind parses "month", "quarter" or "year".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "month":
		return Month, nil
	case "quarter":
		return Quarter, nil
	case "year":
		return Year, nil
	}
	return 0, fmt.Errorf("parse period kind %q: want month, quarter or year", s)
}

// String returns "month", "quarter" or "year", or "Kind(n)" for invalid values.
func (k Kind) String() string {
	switch k {
	case Month:
		return "month"
	case Quarter:
		return "quarter"
	case Year:
		return "year"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Period is a calendar month, quarter or year in an IANA time zone.
//
// Index is the month (1-12) for Month, the quarter (1-4) for Quarter and 0 for
// Year. A nil Loc means UTC. Methods on a Period with an invalid Kind or Index
// return zero values rather than panicking.
type Period struct {
	Kind  Kind
	Year  int
	Index int
	Loc   *time.Location
}

// ParsePeriod parses "2026-10" (a month), "2026-Q4" (a quarter) or "2026" (a
// year) in loc. Anything else is an error naming the value. A nil loc means
// UTC.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	bad := func(why string) (Period, error) {
		return Period{}, fmt.Errorf("parse period %q: %s", s, why)
	}
	if len(s) < 4 {
		return bad("want YYYY, YYYY-MM or YYYY-Qn")
	}
	y, ok := digits(s[:4])
	if !ok {
		return bad("want YYYY, YYYY-MM or YYYY-Qn")
	}
	rest := s[4:]
	switch {
	case rest == "":
		return Period{Kind: Year, Year: y, Loc: loc}, nil
	case len(rest) == 3 && strings.HasPrefix(rest, "-Q"):
		q, ok := digits(rest[2:])
		if !ok || q < 1 || q > 4 {
			return bad("quarter must be Q1 to Q4")
		}
		return Period{Kind: Quarter, Year: y, Index: q, Loc: loc}, nil
	case len(rest) == 3 && rest[0] == '-':
		m, ok := digits(rest[1:])
		if !ok || m < 1 || m > 12 {
			return bad("month must be 01 to 12")
		}
		return Period{Kind: Month, Year: y, Index: m, Loc: loc}, nil
	}
	return bad("want YYYY, YYYY-MM or YYYY-Qn")
}

// PeriodOf returns the period of kind k that contains t, judged by t's local
// date in loc. A nil loc means UTC; an invalid k yields the zero Period.
func PeriodOf(t time.Time, k Kind, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	d := DateOf(t.In(loc))
	switch k {
	case Month:
		return Period{Kind: Month, Year: d.Year, Index: int(d.Month), Loc: loc}
	case Quarter:
		return Period{Kind: Quarter, Year: d.Year, Index: (int(d.Month)-1)/3 + 1, Loc: loc}
	case Year:
		return Period{Kind: Year, Year: d.Year, Loc: loc}
	}
	return Period{}
}

// valid reports whether p's Kind and Index agree.
func (p Period) valid() bool {
	switch p.Kind {
	case Month:
		return p.Index >= 1 && p.Index <= 12
	case Quarter:
		return p.Index >= 1 && p.Index <= 4
	case Year:
		return p.Index == 0
	}
	return false
}

// first returns the local date on which p begins.
func (p Period) first() Date {
	switch p.Kind {
	case Month:
		return Date{Year: p.Year, Month: time.Month(p.Index), Day: 1}
	case Quarter:
		return Date{Year: p.Year, Month: time.Month(3*(p.Index-1) + 1), Day: 1}
	}
	return Date{Year: p.Year, Month: time.January, Day: 1}
}

// Interval returns [local midnight of p's first day, local midnight of the
// next period's first day) as UTC instants. Midnights follow Date.In, so DST
// changes inside p lengthen or shorten it. An invalid p yields the zero
// Interval.
func (p Period) Interval() Interval {
	if !p.valid() {
		return Interval{}
	}
	return Interval{Start: p.first().In(p.Loc), End: p.Next().first().In(p.Loc)}
}

// Minutes returns the real elapsed minutes in p. For example October 2026 in
// Europe/Berlin has 31*1440+60 = 44700 because DST ends that month.
func (p Period) Minutes() int64 {
	return int64(p.Interval().Duration() / time.Minute)
}

// Prev returns the period of the same kind before p. An invalid p is
// returned unchanged.
func (p Period) Prev() Period {
	if !p.valid() {
		return p
	}
	n := p
	switch p.Kind {
	case Month:
		if n.Index--; n.Index < 1 {
			n.Year, n.Index = n.Year-1, 12
		}
	case Quarter:
		if n.Index--; n.Index < 1 {
			n.Year, n.Index = n.Year-1, 4
		}
	case Year:
		n.Year--
	}
	return n
}

// Next returns the period of the same kind that follows p. An invalid p is
// returned unchanged.
func (p Period) Next() Period {
	if !p.valid() {
		return p
	}
	n := p
	switch p.Kind {
	case Month:
		n.Index++
		if n.Index > 12 {
			n.Year, n.Index = n.Year+1, 1
		}
	case Quarter:
		n.Index++
		if n.Index > 4 {
			n.Year, n.Index = n.Year+1, 1
		}
	case Year:
		n.Year++
	}
	return n
}

// Months returns the months inside p in order: three for a quarter, twelve
// for a year and p itself for a month. An invalid p yields nil.
func (p Period) Months() []Period {
	if !p.valid() {
		return nil
	}
	n := map[Kind]int{Month: 1, Quarter: 3, Year: 12}[p.Kind]
	f := p.first()
	out := make([]Period, n)
	for k := range out {
		out[k] = Period{Kind: Month, Year: p.Year, Index: int(f.Month) + k, Loc: p.Loc}
	}
	return out
}

// String formats p as "2026-10", "2026-Q4" or "2026", the forms ParsePeriod
// accepts.
func (p Period) String() string {
	switch {
	case !p.valid():
		return fmt.Sprintf("invalid period (kind %v, year %d, index %d)", p.Kind, p.Year, p.Index)
	case p.Kind == Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.Index)
	case p.Kind == Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Index)
	}
	return fmt.Sprintf("%04d", p.Year)
}
