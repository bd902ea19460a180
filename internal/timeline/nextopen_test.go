package timeline

import (
	"testing"
	"time"
)

// TestNextOpenExcept: the deadline of a target of zero business time on
// an 08:00–16:00 Europe/Berlin calendar, Monday to Friday.
func TestNextOpenExcept(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	week := map[time.Weekday][]Window{}
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = []Window{{Start: 8 * time.Hour, End: 16 * time.Hour}}
	}
	cal, err := NewCalendar(CalendarSpec{Name: "cet", Location: berlin, Week: week})
	if err != nil {
		t.Fatal(err)
	}
	tue := local(t, berlin, "2026-10-27 10:00")
	tests := []struct {
		name   string
		start  time.Time
		pauses Set
		want   string // UTC
	}{
		// Inside hours: at once. Tuesday 10:00 CET = 09:00Z.
		{name: "inside hours", start: tue, want: "2026-10-27T09:00:00Z"},
		// Saturday 10:00 CEST: Monday 08:00 CET = 07:00Z (DST ended on the 25th).
		{name: "weekend across the DST change", start: local(t, berlin, "2026-10-24 10:00"), want: "2026-10-26T07:00:00Z"},
		// 16:00 is the closing instant, outside the window: Monday 08:00.
		{name: "at the closing", start: local(t, berlin, "2026-10-23 16:00"), want: "2026-10-26T07:00:00Z"},
		// Paused 10:00–11:30 CET: 11:30 CET = 10:30Z.
		{name: "paused at the start", start: tue, pauses: NewSet(NewInterval(tue, tue.Add(90*time.Minute))), want: "2026-10-27T10:30:00Z"},
		// Paused until 17:00 CET, after closing: Wednesday 08:00 CET = 07:00Z.
		{name: "paused past the closing", start: tue, pauses: NewSet(NewInterval(tue, local(t, berlin, "2026-10-27 17:00"))), want: "2026-10-28T07:00:00Z"},
		// Paused until Wednesday 08:00 and again 08:00–09:00: 09:00 CET = 08:00Z.
		{name: "two pauses", start: tue, pauses: NewSet(NewInterval(tue, local(t, berlin, "2026-10-27 18:00")), NewInterval(local(t, berlin, "2026-10-28 08:00"), local(t, berlin, "2026-10-28 09:00"))), want: "2026-10-28T08:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cal.NextOpenExcept(tt.start, tt.pauses)
			if err != nil {
				t.Fatal(err)
			}
			if g := got.UTC().Format(time.RFC3339); g != tt.want {
				t.Errorf("got %s, want %s", g, tt.want)
			}
		})
	}
}
