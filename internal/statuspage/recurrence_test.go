package statuspage

import (
	"testing"
	"time"
)

func TestRecurrence(t *testing.T) {
	for _, tt := range []struct {
		rule  string
		count int
		until time.Time
		want  string
	}{
		{"FREQ=WEEKLY;BYDAY=SU", 0, time.Time{}, "every Sunday"},
		{"FREQ=WEEKLY;BYDAY=SU;BYHOUR=2", 0, time.Time{}, "every Sunday"},
		{"FREQ=WEEKLY;BYDAY=TU,TH", 0, time.Time{}, "every Tuesday and Thursday"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU", 0, time.Time{}, "every 2 weeks on Saturday and Sunday"},
		{"FREQ=WEEKLY;BYDAY=SU;COUNT=4", 0, time.Time{}, "every Sunday, 4 times"},
		{"FREQ=WEEKLY", 0, time.Time{}, "every week"},
		{"FREQ=DAILY", 0, time.Time{}, "every day"},
		{"FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", 0, time.Time{}, "every Monday, Tuesday, Wednesday, Thursday and Friday"},
		{"FREQ=HOURLY;INTERVAL=6", 0, time.Time{}, "every 6 hours"},
		{"FREQ=MONTHLY;BYDAY=1SU", 0, time.Time{}, "on the first Sunday of every month"},
		{"FREQ=MONTHLY;BYDAY=-1FR", 0, time.Time{}, "on the last Friday of every month"},
		{"FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU", 0, time.Time{}, "on the second Tuesday of every 3 months"},
		{"FREQ=MONTHLY;BYMONTHDAY=1", 0, time.Time{}, "on day 1 of every month"},
		{"FREQ=MONTHLY;BYMONTHDAY=1,15", 0, time.Time{}, "on days 1 and 15 of every month"},
		{"FREQ=MONTHLY;BYMONTHDAY=-1", 0, time.Time{}, "on the last day of every month"},
		{"FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", 0, time.Time{}, "every year on day 24 of December"},
		{"FREQ=YEARLY;BYMONTH=1,7", 0, time.Time{}, "every year in January and July"},
		{"FREQ=DAILY;COUNT=1", 0, time.Time{}, "every day, once"},
		{"FREQ=WEEKLY;BYDAY=SU", 0, time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), "every Sunday, until 31 Jan 2027"},
		// Parts without words are given as written.
		{"FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1", 0, time.Time{}, "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1"},
		{"FREQ=WEEKLY;BYDAY=1SU", 0, time.Time{}, "FREQ=WEEKLY;BYDAY=1SU"},
		{"FREQ=YEARLY;BYWEEKNO=20", 0, time.Time{}, "FREQ=YEARLY;BYWEEKNO=20"},
		{"FREQ=MONTHLY;BYMONTHDAY=40", 0, time.Time{}, "FREQ=MONTHLY;BYMONTHDAY=40"},
		{"FREQ=FORTNIGHTLY", 0, time.Time{}, "FREQ=FORTNIGHTLY"},
		{"BYDAY=X", 0, time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), "BYDAY=X, until 31 Jan 2027"},
		{"", 0, time.Time{}, ""},
		// The series' own count, when the rule has none.
		{"FREQ=DAILY", 3, time.Time{}, "every day, 3 times"},
		{"FREQ=DAILY;COUNT=3", 3, time.Time{}, "every day, 3 times"},
	} {
		if got := Recurrence(tt.rule, tt.count, tt.until); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.rule, got, tt.want)
		}
	}
}

func FuzzRecurrence(f *testing.F) {
	for _, s := range []string{"FREQ=WEEKLY;BYDAY=SU", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", "BYDAY=U"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rule string) {
		if Recurrence(rule, 0, time.Time{}) == "" && rule != "" {
			t.Errorf("%q: no text", rule)
		}
	})
}
