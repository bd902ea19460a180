package timeline

import (
	"slices"
	"sort"
	"time"
)

// Interval is a half-open [Start, End) span of time.
//
// Intervals built by NewInterval are truncated to whole seconds and stored in
// UTC; an Interval whose End is not after its Start is empty.
type Interval struct {
	Start, End time.Time
}

// NewInterval returns the interval [start, end) truncated to whole seconds and
// converted to UTC. If end is before start it returns the empty interval at
// start, so that callers never see a negative span.
func NewInterval(start, end time.Time) Interval {
	s, e := norm(start), norm(end)
	if e.Before(s) {
		e = s
	}
	return Interval{Start: s, End: e}
}

// norm applies the package's instant convention: whole seconds, UTC.
func norm(t time.Time) time.Time {
	return t.Truncate(time.Second).UTC()
}

// Duration returns the length of i, or 0 when i is empty.
func (i Interval) Duration() time.Duration {
	if i.Empty() {
		return 0
	}
	return i.End.Sub(i.Start)
}

// Empty reports whether i contains no instant.
func (i Interval) Empty() bool {
	return !i.End.After(i.Start)
}

// Contains reports whether Start <= t < End.
func (i Interval) Contains(t time.Time) bool {
	return !t.Before(i.Start) && t.Before(i.End)
}

// Overlaps reports whether i and j share at least one instant. Intervals that
// merely touch (one ends where the other starts) do not overlap.
func (i Interval) Overlaps(j Interval) bool {
	return !i.Empty() && !j.Empty() && i.Start.Before(j.End) && j.Start.Before(i.End)
}

// Intersect returns the common part of i and j. When they are disjoint the
// result is an empty interval positioned at the later of the two starts.
func (i Interval) Intersect(j Interval) Interval {
	s := later(i.Start, j.Start)
	e := earlier(i.End, j.End)
	if e.Before(s) {
		e = s
	}
	return Interval{Start: s, End: e}
}

// String formats i as "start/end" in RFC 3339, the ISO 8601 interval notation.
func (i Interval) String() string {
	return i.Start.UTC().Format(time.RFC3339) + "/" + i.End.UTC().Format(time.RFC3339)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Set is a normalized list of intervals: sorted by start, disjoint,
// non-adjacent (touching intervals are merged) and without empty intervals.
//
// Sets returned by this package are always normalized and never alias their
// inputs. Methods also accept hand-built, unnormalized sets by normalizing
// them first. The empty set is nil.
type Set []Interval

// NewSet returns the normalized set covering the union of ivs. Each interval
// is first passed through NewInterval, so inputs may be unsorted, overlapping,
// empty, reversed or finer than a second.
func NewSet(ivs ...Interval) Set {
	out := make(Set, 0, len(ivs))
	for _, iv := range ivs {
		n := NewInterval(iv.Start, iv.End)
		if !n.Empty() {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	merged := out[:1]
	for _, iv := range out[1:] {
		last := &merged[len(merged)-1]
		// Touching intervals merge too, so a Set has one representation.
		if !iv.Start.After(last.End) {
			last.End = later(last.End, iv.End)
			continue
		}
		merged = append(merged, iv)
	}
	return slices.Clip(merged)
}

// normalized returns s itself when it already satisfies the Set invariants,
// and a normalized copy otherwise.
func (s Set) normalized() Set {
	for k, iv := range s {
		if iv.Empty() || iv.Start.Location() != time.UTC || iv.End.Location() != time.UTC ||
			iv.Start.Nanosecond() != 0 || iv.End.Nanosecond() != 0 ||
			(k > 0 && !iv.Start.After(s[k-1].End)) {
			return NewSet(s...)
		}
	}
	return s
}

// Union returns the instants in s or o.
func (s Set) Union(o Set) Set {
	all := make([]Interval, 0, len(s)+len(o))
	all = append(all, s...)
	all = append(all, o...)
	return NewSet(all...)
}

// Intersect returns the instants in both s and o.
func (s Set) Intersect(o Set) Set {
	a, b := s.normalized(), o.normalized()
	var out Set
	for i, j := 0, 0; i < len(a) && j < len(b); {
		if iv := a[i].Intersect(b[j]); !iv.Empty() {
			out = append(out, iv)
		}
		// Advance whichever interval ends first; it cannot meet anything later.
		if a[i].End.Before(b[j].End) {
			i++
		} else {
			j++
		}
	}
	return out
}

// Subtract returns the instants in s that are not in o.
func (s Set) Subtract(o Set) Set {
	a, b := s.normalized(), o.normalized()
	var out Set
	j := 0
	for _, iv := range a {
		cur := iv.Start
		for j < len(b) && !b[j].Start.After(iv.End) {
			if b[j].End.After(cur) && b[j].Start.After(cur) {
				out = append(out, Interval{Start: cur, End: b[j].Start})
			}
			cur = later(cur, b[j].End)
			if b[j].End.After(iv.End) {
				// This hole reaches into the next interval of a; keep it.
				break
			}
			j++
		}
		if cur.Before(iv.End) {
			out = append(out, Interval{Start: cur, End: iv.End})
		}
	}
	return out
}

// Clip returns the parts of s inside i.
func (s Set) Clip(i Interval) Set {
	i = NewInterval(i.Start, i.End)
	if i.Empty() {
		return nil
	}
	a := s.normalized()
	// Skip intervals ending at or before i.Start without a linear scan.
	k := sort.Search(len(a), func(k int) bool { return a[k].End.After(i.Start) })
	var out Set
	for ; k < len(a) && a[k].Start.Before(i.End); k++ {
		out = append(out, a[k].Intersect(i))
	}
	return out
}

// Duration returns the total length of s, counting overlaps once.
func (s Set) Duration() time.Duration {
	var d time.Duration
	for _, iv := range s.normalized() {
		d = satAdd(d, iv.Duration())
	}
	return d
}

// Contains reports whether some interval of s contains t.
func (s Set) Contains(t time.Time) bool {
	a := s.normalized()
	k := sort.Search(len(a), func(k int) bool { return a[k].End.After(t) })
	return k < len(a) && a[k].Contains(t)
}

// satAdd adds two non-negative durations, saturating instead of overflowing
// for spans of centuries.
func satAdd(a, b time.Duration) time.Duration {
	if a > maxDuration-b {
		return maxDuration
	}
	return a + b
}

const maxDuration = time.Duration(1<<63 - 1)
