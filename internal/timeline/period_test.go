package timeline

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPeriodMinutes(t *testing.T) {
	tests := []struct {
		name   string
		period string
		loc    string
		want   int64
	}{
		{name: "28-day month", period: "2026-02", loc: "UTC", want: 40320},                          // 28*1440
		{name: "29-day month", period: "2028-02", loc: "UTC", want: 41760},                          // 29*1440
		{name: "30-day month", period: "2026-04", loc: "UTC", want: 43200},                          // 30*1440
		{name: "31-day month", period: "2026-01", loc: "UTC", want: 44640},                          // 31*1440
		{name: "berlin january", period: "2026-01", loc: "Europe/Berlin", want: 44640},              // no DST change
		{name: "berlin march", period: "2026-03", loc: "Europe/Berlin", want: 44580},                // 31*1440-60, spring forward 03-29
		{name: "berlin october", period: "2026-10", loc: "Europe/Berlin", want: 44700},              // 31*1440+60, fall back 10-25
		{name: "new york march", period: "2026-03", loc: "America/New_York", want: 44580},           // 31*1440-60, spring forward 03-08
		{name: "new york november", period: "2026-11", loc: "America/New_York", want: 43260},        // 30*1440+60, fall back 11-01
		{name: "berlin q1", period: "2026-Q1", loc: "Europe/Berlin", want: 129540},                  // (31+28+31)*1440-60
		{name: "berlin q4", period: "2026-Q4", loc: "Europe/Berlin", want: 132540},                  // (31+30+31)*1440+60
		{name: "berlin q2", period: "2026-Q2", loc: "Europe/Berlin", want: 131040},                  // (30+31+30)*1440
		{name: "berlin year", period: "2026", loc: "Europe/Berlin", want: 525600},                   // 365*1440, -60+60
		{name: "leap year", period: "2028", loc: "UTC", want: 527040},                               // 366*1440
		{name: "new york year", period: "2026", loc: "America/New_York", want: 525600},              // 365*1440
		{name: "half-hour dst october", period: "2026-10", loc: "Australia/Lord_Howe", want: 44610}, // 31*1440-30
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.period, mustLoc(t, tt.loc))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Minutes(); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
			var sum int64
			for _, m := range p.Months() {
				sum += m.Minutes()
			}
			if sum != tt.want {
				t.Errorf("sum over months: got %d, want %d", sum, tt.want)
			}
		})
	}
}

func TestPeriodInterval(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	p := Period{Kind: Month, Year: 2026, Index: 10, Loc: berlin}
	// 2026-10-01 00:00 CEST = 2026-09-30T22:00Z; 2026-11-01 00:00 CET = 2026-10-31T23:00Z
	want := iv(t, "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z")
	if got := p.Interval(); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParsePeriod(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name    string
		in      string
		want    Period
		wantErr bool
	}{
		{name: "month", in: "2026-10", want: Period{Kind: Month, Year: 2026, Index: 10, Loc: berlin}},
		{name: "quarter", in: "2026-Q4", want: Period{Kind: Quarter, Year: 2026, Index: 4, Loc: berlin}},
		{name: "year", in: "2026", want: Period{Kind: Year, Year: 2026, Loc: berlin}},
		{name: "month 13", in: "2026-13", wantErr: true},
		{name: "month 0", in: "2026-00", wantErr: true},
		{name: "quarter 5", in: "2026-Q5", wantErr: true},
		{name: "quarter 0", in: "2026-Q0", wantErr: true},
		{name: "lowercase quarter", in: "2026-q4", wantErr: true},
		{name: "single-digit month", in: "2026-1", wantErr: true},
		{name: "full date", in: "2026-10-01", wantErr: true},
		{name: "two-digit year", in: "26-10", wantErr: true},
		{name: "letters", in: "abcd", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "trailing space", in: "2026 ", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePeriod(tt.in, berlin)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %v, want error", got)
				}
				if !strings.Contains(err.Error(), `"`+tt.in+`"`) {
					t.Errorf("got error %q, want it to name %q", err, tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String: got %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range []Kind{Month, Quarter, Year} {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q): got %v, %v, want %v", k.String(), got, err, k)
		}
	}
	for _, bad := range []string{"", "Month", "week", "months"} {
		if _, err := ParseKind(bad); err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("ParseKind(%q): got error %v, want one naming the value", bad, err)
		}
	}
	if got, want := Kind(0).String(), "Kind(0)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPeriodOf(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	// 2026-09-30T22:30Z is 00:30 CEST on 1 October in Berlin but still
	// 30 September in UTC.
	instant := utc(t, "2026-09-30T22:30:00Z")
	tests := []struct {
		name string
		kind Kind
		loc  *time.Location
		want string
	}{
		{name: "berlin month", kind: Month, loc: berlin, want: "2026-10"},
		{name: "utc month", kind: Month, loc: time.UTC, want: "2026-09"},
		{name: "berlin quarter", kind: Quarter, loc: berlin, want: "2026-Q4"},
		{name: "utc quarter", kind: Quarter, loc: time.UTC, want: "2026-Q3"},
		{name: "year", kind: Year, loc: berlin, want: "2026"},
		{name: "nil location is utc", kind: Month, loc: nil, want: "2026-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PeriodOf(instant, tt.kind, tt.loc)
			if p.String() != tt.want {
				t.Errorf("got %v, want %v", p, tt.want)
			}
			if !p.Interval().Contains(instant) {
				t.Errorf("interval %v does not contain %v", p.Interval(), instant)
			}
		})
	}
}

func TestPeriodNextAndMonths(t *testing.T) {
	tests := []struct {
		name       string
		period     string
		wantNext   string
		wantMonths []string
	}{
		{name: "month", period: "2026-10", wantNext: "2026-11", wantMonths: []string{"2026-10"}},
		{name: "december", period: "2026-12", wantNext: "2027-01", wantMonths: []string{"2026-12"}},
		{name: "quarter", period: "2026-Q4", wantNext: "2027-Q1", wantMonths: []string{"2026-10", "2026-11", "2026-12"}},
		{name: "second quarter", period: "2026-Q2", wantNext: "2026-Q3", wantMonths: []string{"2026-04", "2026-05", "2026-06"}},
		{name: "year", period: "2026", wantNext: "2027", wantMonths: []string{
			"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06",
			"2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.period, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Next().String(); got != tt.wantNext {
				t.Errorf("Next: got %v, want %v", got, tt.wantNext)
			}
			// Prev undoes Next, across year ends too.
			if got := p.Next().Prev().String(); got != tt.period {
				t.Errorf("Next().Prev(): got %v, want %v", got, tt.period)
			}
			// Consecutive periods tile time: this one ends where the next starts.
			if got, want := p.Interval().End, p.Next().Interval().Start; !got.Equal(want) {
				t.Errorf("end: got %v, want next start %v", got, want)
			}
			var got []string
			for _, m := range p.Months() {
				got = append(got, m.String())
			}
			if diff := cmp.Diff(tt.wantMonths, got); diff != "" {
				t.Errorf("Months mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvalidPeriod(t *testing.T) {
	tests := []struct {
		name string
		p    Period
	}{
		{name: "zero", p: Period{}},
		{name: "month 13", p: Period{Kind: Month, Year: 2026, Index: 13}},
		{name: "year with index", p: Period{Kind: Year, Year: 2026, Index: 1}},
		{name: "unknown kind", p: Period{Kind: 7, Year: 2026, Index: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Interval(); got != (Interval{}) {
				t.Errorf("Interval: got %v, want zero", got)
			}
			if got := tt.p.Minutes(); got != 0 {
				t.Errorf("Minutes: got %d, want 0", got)
			}
			if got := tt.p.Months(); got != nil {
				t.Errorf("Months: got %v, want nil", got)
			}
			if got := tt.p.Next(); got != tt.p {
				t.Errorf("Next: got %+v, want %+v", got, tt.p)
			}
			if got := tt.p.String(); !strings.HasPrefix(got, "invalid period") {
				t.Errorf("String: got %q, want an invalid period", got)
			}
		})
	}
}
