package statuspage

import (
	"math/big"
	"slices"
	"testing"
	"time"
)

func TestDayBounds(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		now   time.Time
		loc   *time.Location
		n     int
		first time.Time
		// hours is the length of each day.
		hours []float64
	}{
		{"UTC", time.Date(2026, 11, 30, 15, 4, 0, 0, time.UTC), time.UTC, 3,
			time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), []float64{24, 24, 24}},
		// 29 March 2026: Paris moves from CET to CEST at 02:00, a 23-hour
		// day: 23:00Z on the 28th to 22:00Z on the 29th.
		{"spring forward in Paris", time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC), paris, 3,
			time.Date(2026, 3, 27, 23, 0, 0, 0, time.UTC), []float64{24, 23, 24}},
		// 25 October 2026: back to CET, a 25-hour day. 23:30Z on the 25th
		// is already the 26th in Paris (00:30 CET), so the two days are
		// the 25th (from 22:00Z on the 24th) and the 26th.
		{"fall back in Paris", time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC), paris, 2,
			time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC), []float64{25, 24}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := DayBounds(tt.now, tt.loc, tt.n)
			if len(b) != tt.n+1 {
				t.Fatalf("got %d bounds, want %d", len(b), tt.n+1)
			}
			if !b[0].Equal(tt.first) {
				t.Errorf("first day starts %s, want %s", b[0].UTC(), tt.first)
			}
			var hours []float64
			for i := range tt.n {
				hours = append(hours, b[i+1].Sub(b[i]).Hours())
			}
			if !slices.Equal(hours, tt.hours) {
				t.Errorf("day lengths: got %v, want %v", hours, tt.hours)
			}
			if last := b[len(b)-1]; !tt.now.Before(last) || !tt.now.After(b[len(b)-2]) {
				t.Errorf("now %s is not in the last day [%s, %s)", tt.now, b[len(b)-2], last)
			}
		})
	}
}

func TestFormatUptime(t *testing.T) {
	tests := []struct {
		r           *big.Rat
		text, class string
	}{
		{nil, "no data", "none"},
		{big.NewRat(100, 1), "100%", "up"},
		// 1 − 72/43 200 = 99.8333… %: rounded down to 99.833 %.
		{big.NewRat(599, 6), "99.833%", "minor"},
		// 1 − 1/43 200 = 99.99768… %: never shown as 100 %.
		{big.NewRat(4319900, 43200), "99.997%", "minor"},
		{big.NewRat(95, 1), "95.000%", "partial"},
		{big.NewRat(9499, 100), "94.990%", "major"},
		{big.NewRat(0, 1), "0.000%", "major"},
	}
	for _, tt := range tests {
		if got := FormatUptime(tt.r); got != tt.text {
			t.Errorf("FormatUptime(%v): got %q, want %q", tt.r, got, tt.text)
		}
		if got := UptimeClass(tt.r); got != tt.class {
			t.Errorf("UptimeClass(%v): got %q, want %q", tt.r, got, tt.class)
		}
	}
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if got, want := DayText(day, big.NewRat(599, 6), 2), "30 Nov 2026: 99.833% uptime, 2 incidents"; got != want {
		t.Errorf("DayText: got %q, want %q", got, want)
	}
	if got, want := DayText(day, nil, 0), "30 Nov 2026: no data"; got != want {
		t.Errorf("DayText without data: got %q, want %q", got, want)
	}
}

func TestWeighting(t *testing.T) {
	tests := []struct {
		name    string
		weights map[string]int64
		removed map[string]bool
		want    string
	}{
		{"default", map[string]int64{"major_outage": 1000, "partial_outage": 300}, map[string]bool{"under_maintenance": true},
			"Uptime is the share of time up: a major outage counts as fully down and a partial outage counts as 30% down. Degraded performance is counted as up. Time under maintenance is left out of the figures."},
		{"everything weighs", map[string]int64{"major_outage": 1000, "partial_outage": 1000, "degraded_performance": 125, "under_maintenance": 500}, nil,
			"Uptime is the share of time up: a major outage counts as fully down, a partial outage counts as fully down, degraded performance counts as 12.5% down and time under maintenance counts as 50% down."},
	}
	for _, tt := range tests {
		if got := Weighting(tt.weights, tt.removed); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestParagraphsAndDates(t *testing.T) {
	got := Paragraphs("First line\nstill first.\n \t\n\r\nSecond <b>.\n\n")
	if want := []string{"First line\nstill first.", "Second <b>."}; !slices.Equal(got, want) {
		t.Errorf("Paragraphs: got %q, want %q", got, want)
	}
	for _, s := range []string{"2026-02-30", "2026-1-05", "yesterday", "2026-11-30x", ""} {
		if _, ok := ParseDate(s, time.UTC); ok {
			t.Errorf("ParseDate(%q): want it refused", s)
		}
	}
	if d, ok := ParseDate("2026-11-30", time.UTC); !ok || !d.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseDate(2026-11-30): got %s, %v", d, ok)
	}
	for _, s := range []string{"2026-13", "2026-1", "2026-10-01", "oct"} {
		if _, ok := ParseMonth(s, time.UTC); ok {
			t.Errorf("ParseMonth(%q): want it refused", s)
		}
	}
}
