package timeline

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Date
		wantErr bool
	}{
		{name: "christmas eve", in: "2026-12-24", want: Date{Year: 2026, Month: time.December, Day: 24}},
		{name: "leap day", in: "2028-02-29", want: Date{Year: 2028, Month: time.February, Day: 29}},
		{name: "not a leap year", in: "2026-02-29", wantErr: true},
		{name: "day 31 in a 30-day month", in: "2026-04-31", wantErr: true},
		{name: "month 13", in: "2026-13-01", wantErr: true},
		{name: "day zero", in: "2026-01-00", wantErr: true},
		{name: "single-digit month", in: "2026-1-01", wantErr: true},
		{name: "slashes", in: "2026/01/01", wantErr: true},
		{name: "leading space", in: " 2026-01-01", wantErr: true},
		{name: "sign", in: "+026-01-01", wantErr: true},
		{name: "with time", in: "2026-01-01T00:00", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in)
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
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String: got %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		name    string
		from    string
		days    int
		want    string
		weekday time.Weekday // weekday of want
	}{
		{name: "same day", from: "2026-12-24", days: 0, want: "2026-12-24", weekday: time.Thursday},
		{name: "across year end", from: "2026-12-31", days: 1, want: "2027-01-01", weekday: time.Friday},
		{name: "leap day", from: "2028-02-28", days: 1, want: "2028-02-29", weekday: time.Tuesday},
		{name: "no leap day", from: "2026-02-28", days: 1, want: "2026-03-01", weekday: time.Sunday},
		{name: "backwards", from: "2026-03-01", days: -1, want: "2026-02-28", weekday: time.Saturday},
		// DST day in Berlin is still one civil day
		{name: "over DST change", from: "2026-03-28", days: 2, want: "2026-03-30", weekday: time.Monday},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustDate(t, tt.from).AddDays(tt.days)
			if got.String() != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got.Weekday() != tt.weekday {
				t.Errorf("weekday: got %v, want %v", got.Weekday(), tt.weekday)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	instant := utc(t, "2026-12-31T23:30:00Z")
	tests := []struct {
		name string
		loc  string
		want string
	}{
		{name: "utc", loc: "UTC", want: "2026-12-31"},
		{name: "berlin is already next year", loc: "Europe/Berlin", want: "2027-01-01"}, // 00:30 CET
		{name: "new york", loc: "America/New_York", want: "2026-12-31"},                 // 18:30 EST
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DateOf(instant.In(mustLoc(t, tt.loc))); got.String() != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDateIn(t *testing.T) {
	tests := []struct {
		name string
		date string
		loc  string
		want string
	}{
		{name: "berlin winter", date: "2026-01-15", loc: "Europe/Berlin", want: "2026-01-14T23:00:00Z"},
		{name: "berlin summer", date: "2026-07-15", loc: "Europe/Berlin", want: "2026-07-14T22:00:00Z"},
		{name: "new york", date: "2026-11-01", loc: "America/New_York", want: "2026-11-01T04:00:00Z"}, // 00:00 EDT
		// Havana springs forward at midnight: 00:00 does not exist on 2026-03-08,
		// the day starts when the gap ends, 01:00 CDT = 05:00Z.
		{name: "midnight in a gap", date: "2026-03-08", loc: "America/Havana", want: "2026-03-08T05:00:00Z"},
		// Beirut falls back at midnight: 2026-10-24 23:00-24:00 repeats, so
		// 2026-10-25 00:00 is reached once, at 00:00 EET = 22:00Z.
		{name: "midnight after a repeat", date: "2026-10-25", loc: "Asia/Beirut", want: "2026-10-24T22:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustDate(t, tt.date).In(mustLoc(t, tt.loc))
			if want := utc(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	t.Run("nil location is utc", func(t *testing.T) {
		if got, want := mustDate(t, "2026-01-15").In(nil), utc(t, "2026-01-15T00:00:00Z"); !got.Equal(want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// TestWallTimeDST pins the gap and repeat rule; time.Date alone leaves the
// gap case unspecified (it maps 02:30 on 2026-03-29 Berlin to 03:30 CEST).
func TestWallTimeDST(t *testing.T) {
	tests := []struct {
		name string
		date string
		off  time.Duration
		loc  string
		want string
	}{
		// Berlin springs forward 02:00 CET -> 03:00 CEST on 2026-03-29.
		{name: "berlin gap maps to gap end", date: "2026-03-29", off: hm(2, 30), loc: "Europe/Berlin", want: "2026-03-29T01:00:00Z"}, // 03:00 CEST
		{name: "berlin gap start", date: "2026-03-29", off: hm(2, 0), loc: "Europe/Berlin", want: "2026-03-29T01:00:00Z"},
		{name: "berlin before gap", date: "2026-03-29", off: hm(1, 59), loc: "Europe/Berlin", want: "2026-03-29T00:59:00Z"}, // CET
		{name: "berlin after gap", date: "2026-03-29", off: hm(3, 0), loc: "Europe/Berlin", want: "2026-03-29T01:00:00Z"},
		{name: "berlin 24:00 on spring day", date: "2026-03-29", off: hm(24, 0), loc: "Europe/Berlin", want: "2026-03-29T22:00:00Z"}, // 2026-03-30 00:00 CEST
		// Berlin falls back 03:00 CEST -> 02:00 CET on 2026-10-25; 02:00-03:00 repeats.
		{name: "berlin repeat takes first", date: "2026-10-25", off: hm(2, 30), loc: "Europe/Berlin", want: "2026-10-25T00:30:00Z"}, // 02:30 CEST
		{name: "berlin repeat start", date: "2026-10-25", off: hm(2, 0), loc: "Europe/Berlin", want: "2026-10-25T00:00:00Z"},
		{name: "berlin after repeat", date: "2026-10-25", off: hm(3, 0), loc: "Europe/Berlin", want: "2026-10-25T02:00:00Z"}, // 03:00 CET
		// New York springs forward 02:00 EST -> 03:00 EDT on 2026-03-08.
		{name: "new york gap", date: "2026-03-08", off: hm(2, 30), loc: "America/New_York", want: "2026-03-08T07:00:00Z"}, // 03:00 EDT
		// New York falls back 02:00 EDT -> 01:00 EST on 2026-11-01; 01:00-02:00 repeats.
		{name: "new york repeat takes first", date: "2026-11-01", off: hm(1, 30), loc: "America/New_York", want: "2026-11-01T05:30:00Z"}, // 01:30 EDT
		{name: "new york after repeat", date: "2026-11-01", off: hm(2, 0), loc: "America/New_York", want: "2026-11-01T07:00:00Z"},        // 02:00 EST
		// Lord Howe shifts by 30 minutes: 02:00 +1030 -> 02:30 +11 on 2026-10-04.
		{name: "half-hour gap", date: "2026-10-04", off: hm(2, 15), loc: "Australia/Lord_Howe", want: "2026-10-03T15:30:00Z"}, // 02:30 +11
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wallTime(mustDate(t, tt.date), tt.off, mustLoc(t, tt.loc))
			if want := utc(t, tt.want); !got.Equal(want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}
