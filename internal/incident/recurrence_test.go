package incident

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/sla"
)

func TestRecurrenceStarts(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	u := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	tests := []struct {
		name     string
		rule     string
		start    string
		loc      *time.Location
		until    string
		count    int
		from, to string
		limit    int
		want     []string
		wantMore bool
	}{
		{
			// 2026-03-29 is the last Sunday of March: 02:00 CET jumps to
			// 03:00 CEST, so 02:30 does not exist that day and is read with
			// the offset before the gap (+01:00): 01:30 UTC, 03:30 CEST.
			// Before it 02:30 CET is 01:30 UTC; after it 02:30 CEST is
			// 00:30 UTC: the wall time stays 02:30.
			name: "weekly Sunday 02:30 Berlin across the spring change", rule: "FREQ=WEEKLY;BYDAY=SU",
			start: "2026-03-15T02:30:00+01:00", loc: berlin, from: "2026-03-01T00:00:00Z", to: "2026-04-13T00:00:00Z", limit: 10,
			want: []string{"2026-03-15T01:30:00Z", "2026-03-22T01:30:00Z", "2026-03-29T01:30:00Z", "2026-04-05T00:30:00Z", "2026-04-12T00:30:00Z"},
		},
		{
			// 2026-10-25 03:00 CEST falls back to 02:00 CET: 02:30 occurs
			// twice, and is the first of the two (CEST, 00:30 UTC).
			name: "weekly Sunday 02:30 Berlin across the autumn change", rule: "FREQ=WEEKLY;BYDAY=SU",
			start: "2026-10-18T02:30:00+02:00", loc: berlin, from: "2026-10-01T00:00:00Z", to: "2026-11-02T00:00:00Z", limit: 10,
			want: []string{"2026-10-18T00:30:00Z", "2026-10-25T00:30:00Z", "2026-11-01T01:30:00Z"},
		},
		{
			// BYHOUR gives the hour, start the minutes: 02:00 local.
			name: "BYHOUR in local time", rule: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2",
			start: "2026-03-01T00:00:00+01:00", loc: berlin, from: "2026-03-01T00:00:00Z", to: "2026-04-06T00:00:00Z", limit: 10,
			want: []string{"2026-03-01T01:00:00Z", "2026-03-08T01:00:00Z", "2026-03-15T01:00:00Z", "2026-03-22T01:00:00Z",
				"2026-03-29T01:00:00Z", "2026-04-05T00:00:00Z"},
		},
		{
			// New York, 2026-03-08 02:30 does not exist (EST -05:00 before
			// the gap): 07:30 UTC, 03:30 EDT, as RFC 5545 3.3.5 reads it.
			name: "daily 02:30 New York", rule: "FREQ=DAILY",
			start: "2026-03-07T02:30:00-05:00", loc: ny, from: "2026-03-07T00:00:00Z", to: "2026-03-10T00:00:00Z", limit: 10,
			want: []string{"2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"},
		},
		{
			name: "COUNT in the rule", rule: "FREQ=WEEKLY;BYDAY=SU;COUNT=2",
			start: "2026-03-15T02:30:00+01:00", loc: berlin, from: "2026-03-01T00:00:00Z", to: "2026-06-01T00:00:00Z", limit: 10,
			want: []string{"2026-03-15T01:30:00Z", "2026-03-22T01:30:00Z"},
		},
		{
			// count counts from start, also occurrences before from.
			name: "count field counts from start", rule: "FREQ=WEEKLY;BYDAY=SU", count: 3,
			start: "2026-03-15T02:30:00+01:00", loc: berlin, from: "2026-03-20T00:00:00Z", to: "2026-06-01T00:00:00Z", limit: 10,
			want: []string{"2026-03-22T01:30:00Z", "2026-03-29T01:30:00Z"},
		},
		{
			// until is inclusive of a start equal to it.
			name: "until", rule: "FREQ=WEEKLY;BYDAY=SU", until: "2026-04-05T00:30:00Z",
			start: "2026-03-15T02:30:00+01:00", loc: berlin, from: "2026-03-01T00:00:00Z", to: "2026-06-01T00:00:00Z", limit: 10,
			want: []string{"2026-03-15T01:30:00Z", "2026-03-22T01:30:00Z", "2026-03-29T01:30:00Z", "2026-04-05T00:30:00Z"},
		},
		{
			name: "limit", rule: "FREQ=HOURLY",
			start: "2026-03-01T00:00:00Z", loc: time.UTC, from: "2026-03-01T00:00:00Z", to: "2026-03-02T00:00:00Z", limit: 2,
			want: []string{"2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z"}, wantMore: true,
		},
		{
			name: "from and to are half-open", rule: "FREQ=DAILY",
			start: "2026-03-01T10:00:00Z", loc: time.UTC, from: "2026-03-02T10:00:00Z", to: "2026-03-04T10:00:00Z", limit: 10,
			want: []string{"2026-03-02T10:00:00Z", "2026-03-03T10:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var until time.Time
			if tt.until != "" {
				until = u(tt.until)
			}
			r, err := ParseRecurrence(tt.rule, u(tt.start), tt.loc, until, tt.count)
			if err != nil {
				t.Fatal(err)
			}
			got, more := r.Starts(u(tt.from), u(tt.to), tt.limit)
			var gotS []string
			for _, g := range got {
				if g.Location() != time.UTC {
					t.Errorf("start %v is not in UTC", g)
				}
				gotS = append(gotS, g.Format(time.RFC3339))
			}
			if d := cmp.Diff(tt.want, gotS); d != "" {
				t.Errorf("starts (-want +got):\n%s", d)
			}
			if more != tt.wantMore {
				t.Errorf("more: got %v, want %v", more, tt.wantMore)
			}
		})
	}
}

func TestRecurrenceErrors(t *testing.T) {
	start := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name, rule string
		until      time.Time
		count      int
		field, msg string
	}{
		{"empty", "", time.Time{}, 0, "rrule", "required"},
		{"not a rule", "EVERY SUNDAY", time.Time{}, 0, "rrule", "want an RFC 5545 RRULE"},
		{"unknown frequency", "FREQ=SOMETIMES", time.Time{}, 0, "rrule", "want an RFC 5545 RRULE"},
		{"too frequent", "FREQ=MINUTELY", time.Time{}, 0, "rrule", "at most hourly"},
		{"DTSTART", "FREQ=DAILY;DTSTART=20260301T020000Z", time.Time{}, 0, "rrule", "as start"},
		{"UNTIL", "FREQ=DAILY;UNTIL=20260401T000000Z", time.Time{}, 0, "rrule", "as until"},
		{"BYSECOND", "FREQ=HOURLY;BYSECOND=0,30", time.Time{}, 0, "rrule", "BYSECOND"},
		{"count disagrees", "FREQ=DAILY;COUNT=3", time.Time{}, 2, "count", "COUNT=3"},
		{"negative count", "FREQ=DAILY", time.Time{}, -1, "count", "positive"},
		{"until before start", "FREQ=DAILY", start.Add(-time.Hour), 0, "until", "before start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecurrence(tt.rule, start, time.UTC, tt.until, tt.count)
			var ie *sla.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want an input error", err)
			}
			if ie.Field != tt.field || !strings.Contains(ie.Msg, tt.msg) {
				t.Errorf("got field %q %q, want field %q containing %q", ie.Field, ie.Msg, tt.field, tt.msg)
			}
		})
	}
}
