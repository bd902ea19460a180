package timeline

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// on returns 2026-06-01 hh:mm UTC; interval tests live on that one day.
func on(tb testing.TB, hhmm string) time.Time {
	tb.Helper()
	return utc(tb, "2026-06-01T"+hhmm+":00Z")
}

// span returns [hh:mm, hh:mm) on 2026-06-01 UTC.
func span(tb testing.TB, from, to string) Interval {
	tb.Helper()
	return Interval{Start: on(tb, from), End: on(tb, to)}
}

func TestNewInterval(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name       string
		start, end time.Time
		want       Interval
	}{
		{
			name:  "truncates to seconds and converts to UTC",
			start: time.Date(2026, 6, 1, 12, 0, 0, 999_999_999, berlin), // 12:00 CEST = 10:00Z
			end:   time.Date(2026, 6, 1, 13, 0, 1, 500_000_000, berlin), // 13:00:01 CEST = 11:00:01Z
			want:  Interval{Start: on(t, "10:00"), End: on(t, "11:00").Add(time.Second)},
		},
		{
			name:  "reversed becomes empty at start",
			start: on(t, "11:00"),
			end:   on(t, "10:00"),
			want:  Interval{Start: on(t, "11:00"), End: on(t, "11:00")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewInterval(tt.start, tt.end)
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got.Start.Location() != time.UTC || got.End.Location() != time.UTC {
				t.Errorf("got locations %v/%v, want UTC", got.Start.Location(), got.End.Location())
			}
		})
	}
}

func TestIntervalMethods(t *testing.T) {
	a := span(t, "10:00", "12:00")
	tests := []struct {
		name string
		got  any
		want any
	}{
		{name: "duration", got: a.Duration(), want: 2 * time.Hour},
		{name: "reversed literal has zero duration", got: Interval{Start: on(t, "12:00"), End: on(t, "10:00")}.Duration(), want: time.Duration(0)},
		{name: "empty", got: span(t, "10:00", "10:00").Empty(), want: true},
		{name: "not empty", got: a.Empty(), want: false},
		{name: "contains start", got: a.Contains(on(t, "10:00")), want: true},
		{name: "excludes end", got: a.Contains(on(t, "12:00")), want: false},
		{name: "excludes before", got: a.Contains(on(t, "09:59")), want: false},
		{name: "overlaps", got: a.Overlaps(span(t, "11:00", "13:00")), want: true},
		{name: "touching does not overlap", got: a.Overlaps(span(t, "12:00", "13:00")), want: false},
		{name: "empty never overlaps", got: a.Overlaps(span(t, "11:00", "11:00")), want: false},
		// [10,12) ∩ [11,13) = [11,12)
		{name: "intersect", got: a.Intersect(span(t, "11:00", "13:00")), want: span(t, "11:00", "12:00")},
		// disjoint: empty at the later start, 14:00
		{name: "intersect disjoint", got: a.Intersect(span(t, "14:00", "15:00")).Empty(), want: true},
		{name: "string", got: a.String(), want: "2026-06-01T10:00:00Z/2026-06-01T12:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestNewSet(t *testing.T) {
	tests := []struct {
		name string
		in   []Interval
		want Set
	}{
		{name: "nothing", in: nil, want: nil},
		{name: "only empty", in: []Interval{span(t, "10:00", "10:00")}, want: nil},
		{
			// [10,12) ∪ [11,13) = [10,13)
			name: "overlapping",
			in:   []Interval{span(t, "10:00", "12:00"), span(t, "11:00", "13:00")},
			want: Set{span(t, "10:00", "13:00")},
		},
		{
			// [10,11) and [11,12) touch, so they merge into [10,12)
			name: "adjacent",
			in:   []Interval{span(t, "10:00", "11:00"), span(t, "11:00", "12:00")},
			want: Set{span(t, "10:00", "12:00")},
		},
		{
			name: "unsorted with gap",
			in:   []Interval{span(t, "14:00", "15:00"), span(t, "10:00", "11:00")},
			want: Set{span(t, "10:00", "11:00"), span(t, "14:00", "15:00")},
		},
		{
			name: "nested and empty and reversed",
			in: []Interval{
				span(t, "10:00", "16:00"), span(t, "11:00", "12:00"),
				span(t, "17:00", "17:00"), span(t, "19:00", "18:00"),
			},
			want: Set{span(t, "10:00", "16:00")},
		},
		{
			// [09,10) ∪ [10,11) ∪ [10:30,12) ∪ [08,09) chain into one [08,12)
			name: "chain",
			in: []Interval{
				span(t, "09:00", "10:00"), span(t, "10:30", "12:00"),
				span(t, "10:00", "11:00"), span(t, "08:00", "09:00"),
			},
			want: Set{span(t, "08:00", "12:00")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewSet(tt.in...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NewSet mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetAlgebra(t *testing.T) {
	// a = [08,10) [12,14) [16,18)
	a := NewSet(span(t, "08:00", "10:00"), span(t, "12:00", "14:00"), span(t, "16:00", "18:00"))
	tests := []struct {
		name string
		got  Set
		want Set
	}{
		{
			// [08,10) [12,14) [16,18) ∪ [09,13) ∪ [18,19) = [08,14) [16,19)
			name: "union overlapping and adjacent",
			got:  a.Union(NewSet(span(t, "09:00", "13:00"), span(t, "18:00", "19:00"))),
			want: Set{span(t, "08:00", "14:00"), span(t, "16:00", "19:00")},
		},
		{name: "union with empty", got: a.Union(nil), want: a},
		{
			// [08,10) [12,14) [16,18) ∩ [09,17) = [09,10) [12,14) [16,17)
			name: "intersect",
			got:  a.Intersect(NewSet(span(t, "09:00", "17:00"))),
			want: Set{span(t, "09:00", "10:00"), span(t, "12:00", "14:00"), span(t, "16:00", "17:00")},
		},
		{
			// touching only: [10,12) meets a at 10:00 and 12:00 but shares nothing
			name: "intersect touching",
			got:  a.Intersect(NewSet(span(t, "10:00", "12:00"))),
			want: nil,
		},
		{
			// [08,10) - [08:30,09) = [08,08:30) [09,10): one interval split in two
			name: "subtract splits an interval",
			got:  NewSet(span(t, "08:00", "10:00")).Subtract(NewSet(span(t, "08:30", "09:00"))),
			want: Set{span(t, "08:00", "08:30"), span(t, "09:00", "10:00")},
		},
		{
			// a - [09,17) = [08,09) [17,18); the hole spans three intervals
			name: "subtract spanning hole",
			got:  a.Subtract(NewSet(span(t, "09:00", "17:00"))),
			want: Set{span(t, "08:00", "09:00"), span(t, "17:00", "18:00")},
		},
		{
			// a - [07,08) [10,12) [18,19): only touching holes, nothing removed
			name: "subtract touching holes",
			got:  a.Subtract(NewSet(span(t, "07:00", "08:00"), span(t, "10:00", "12:00"), span(t, "18:00", "19:00"))),
			want: a,
		},
		{name: "subtract everything", got: a.Subtract(NewSet(span(t, "00:00", "23:00"))), want: nil},
		{
			// clip to [09,13) = [09,10) [12,13)
			name: "clip",
			got:  a.Clip(span(t, "09:00", "13:00")),
			want: Set{span(t, "09:00", "10:00"), span(t, "12:00", "13:00")},
		},
		{name: "clip to empty", got: a.Clip(span(t, "09:00", "09:00")), want: nil},
		{
			// hand-built, unsorted, overlapping literal is normalized first:
			// {[12,14) [08,11) [10,13)} = [08,14); minus [09,10) = [08,09) [10,14)
			name: "unnormalized literal",
			got:  Set{span(t, "12:00", "14:00"), span(t, "08:00", "11:00"), span(t, "10:00", "13:00")}.Subtract(Set{span(t, "09:00", "10:00")}),
			want: Set{span(t, "08:00", "09:00"), span(t, "10:00", "14:00")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetDurationContains(t *testing.T) {
	// [08,10) [12,14) [16,18): 2h + 2h + 2h = 6h
	a := NewSet(span(t, "08:00", "10:00"), span(t, "12:00", "14:00"), span(t, "16:00", "18:00"))
	if got, want := a.Duration(), 6*time.Hour; got != want {
		t.Errorf("Duration: got %v, want %v", got, want)
	}
	// overlapping literal [08,10) [09,11) counts the overlap once: 3h
	if got, want := (Set{span(t, "08:00", "10:00"), span(t, "09:00", "11:00")}).Duration(), 3*time.Hour; got != want {
		t.Errorf("Duration of overlapping literal: got %v, want %v", got, want)
	}
	tests := []struct {
		name string
		at   string
		want bool
	}{
		{name: "before all", at: "07:59", want: false},
		{name: "first start", at: "08:00", want: true},
		{name: "first end", at: "10:00", want: false},
		{name: "gap", at: "11:00", want: false},
		{name: "middle", at: "13:00", want: true},
		{name: "last minute", at: "17:59", want: true},
		{name: "after all", at: "18:00", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Contains(on(t, tt.at)); got != tt.want {
				t.Errorf("Contains(%s): got %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

// TestOutageAcrossMonths clips one outage to each month it touches, the way
// monthly availability is computed.
func TestOutageAcrossMonths(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	// 2026-10-31 22:00 CET (21:00Z) to 2026-11-01 02:30 CET (01:30Z).
	outage := NewSet(iv(t, "2026-10-31T21:00:00Z", "2026-11-01T01:30:00Z"))
	tests := []struct {
		name   string
		period string
		want   Set
		dur    time.Duration
	}{
		{
			// October ends at local midnight 2026-11-01 00:00 CET = 2026-10-31T23:00Z: 21:00-23:00 = 2h
			name:   "october part",
			period: "2026-10",
			want:   Set{iv(t, "2026-10-31T21:00:00Z", "2026-10-31T23:00:00Z")},
			dur:    2 * time.Hour,
		},
		{
			// November starts 23:00Z: 23:00-01:30 = 2h30m
			name:   "november part",
			period: "2026-11",
			want:   Set{iv(t, "2026-10-31T23:00:00Z", "2026-11-01T01:30:00Z")},
			dur:    150 * time.Minute,
		},
		{name: "september untouched", period: "2026-09", want: nil, dur: 0},
	}
	var total time.Duration
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.period, berlin)
			if err != nil {
				t.Fatal(err)
			}
			got := outage.Clip(p.Interval())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Clip mismatch (-want +got):\n%s", diff)
			}
			if got.Duration() != tt.dur {
				t.Errorf("duration: got %v, want %v", got.Duration(), tt.dur)
			}
			total += got.Duration()
		})
	}
	// 2h + 2h30m = 4h30m: the months partition the outage exactly.
	if want := outage.Duration(); total != want {
		t.Errorf("sum over months: got %v, want %v", total, want)
	}
}
