package facts

import (
	"testing"
	"time"
)

const seriesLine = `{"type":"maintenance_series","id":"ms-db","components":["pim"],"title":"Patching","start":"2026-03-01T02:30:00+01:00","time_zone":"Europe/Berlin","rrule":"FREQ=WEEKLY;BYDAY=SU","duration":"1h","until":"2026-12-31T00:00:00Z","announced_at":"2026-02-01T09:00:00Z","by":"alice"}`

func TestMaintenanceSeries(t *testing.T) {
	ev := mustParse(t, seriesLine)
	if len(ev.MaintenanceSeries) != 1 {
		t.Fatalf("got %d series, want 1", len(ev.MaintenanceSeries))
	}
	s := ev.MaintenanceSeries[0]
	if s.ID != "ms-db" || s.Location.String() != "Europe/Berlin" || s.Duration != time.Hour || s.RRule != "FREQ=WEEKLY;BYDAY=SU" ||
		!s.Start.Equal(utc("2026-03-01T01:30:00Z")) || !s.Until.Equal(utc("2026-12-31T00:00:00Z")) ||
		!s.AnnouncedAt.Equal(utc("2026-02-01T09:00:00Z")) || s.By != "alice" || s.Title != "Patching" || !s.CancelledAt.IsZero() {
		t.Errorf("got %+v", *s)
	}
}

func TestMaintenanceSeriesErrors(t *testing.T) {
	const head = `{"type":"maintenance_series","id":"ms","components":["pim"],"start":"2026-03-01T02:30:00+01:00","announced_at":"2026-02-01T09:00:00Z",`
	tests := []struct {
		name string
		line string
		want wantErr
	}{
		{"bad rrule", head + `"rrule":"FREQ=FORTNIGHTLY","duration":"1h"}`, wantErr{2, "rrule", "want an RFC 5545 RRULE"}},
		{"missing rrule", head + `"duration":"1h"}`, wantErr{2, "rrule", "required"}},
		{"UNTIL in the rule", head + `"rrule":"FREQ=DAILY;UNTIL=20260401T000000Z","duration":"1h"}`, wantErr{2, "rrule", "as until"}},
		{"missing duration", head + `"rrule":"FREQ=DAILY"}`, wantErr{2, "duration", "required"}},
		{"bad duration", head + `"rrule":"FREQ=DAILY","duration":"an hour"}`, wantErr{2, "duration", `got "an hour"`}},
		{"too long", head + `"rrule":"FREQ=DAILY","duration":"32d"}`, wantErr{2, "duration", "at most 31d"}},
		{"bad zone", head + `"rrule":"FREQ=DAILY","duration":"1h","time_zone":"Mars/Olympus"}`, wantErr{2, "time_zone", "IANA"}},
		{"count disagrees", head + `"rrule":"FREQ=DAILY;COUNT=2","duration":"1h","count":3}`, wantErr{2, "count", "COUNT=2"}},
		{"until before start", head + `"rrule":"FREQ=DAILY","duration":"1h","until":"2026-01-01T00:00:00Z"}`, wantErr{2, "until", "before start"}},
		{"no components", `{"type":"maintenance_series","id":"ms","components":[],"start":"2026-03-01T02:30:00Z","announced_at":"2026-02-01T09:00:00Z","rrule":"FREQ=DAILY","duration":"1h"}`, wantErr{2, "components", "list the components"}},
		{"cancel without by", `{"type":"maintenance_cancel","id":"mc","at":"2026-03-01T00:00:00Z","maintenance":"ms-db"}`, wantErr{2, "by", "required"}},
		{"cancel without target", `{"type":"maintenance_cancel","id":"mc","at":"2026-03-01T00:00:00Z","by":"alice"}`, wantErr{2, "maintenance", "required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(`# a comment line, so the fact is on line 2`, tt.line)
			checkErr(t, err, tt.want)
		})
	}
}

// TestMaintenanceCancel checks how cancellations apply: the earliest wins,
// a series' cancellation reaches its occurrences, and one naming nothing
// known is ignored.
func TestMaintenanceCancel(t *testing.T) {
	window := func(id, series, start, end string) string {
		s := `{"type":"maintenance","id":"` + id + `","components":["pim"],"start":"` + start + `","end":"` + end + `","announced_at":"2026-02-01T09:00:00Z"`
		if series != "" {
			s += `,"series":"` + series + `"`
		}
		return s + "}"
	}
	cancel := func(id, target, at string) string {
		return `{"type":"maintenance_cancel","id":"` + id + `","at":"` + at + `","maintenance":"` + target + `","by":"alice","reason":"postponed"}`
	}
	ev := mustParse(t,
		seriesLine,
		window("ms-db-20260301T0130Z", "ms-db", "2026-03-01T01:30:00Z", "2026-03-01T02:30:00Z"),
		window("ms-db-20260308T0130Z", "ms-db", "2026-03-08T01:30:00Z", "2026-03-08T02:30:00Z"),
		window("mw-1", "", "2026-03-10T10:00:00Z", "2026-03-10T12:00:00Z"),
		window("mw-2", "", "2026-03-11T10:00:00Z", "2026-03-11T12:00:00Z"),
		cancel("mc-1", "ms-db", "2026-03-05T00:00:00Z"),
		cancel("mc-2", "mw-1", "2026-03-10T11:00:00Z"),
		cancel("mc-3", "mw-1", "2026-03-10T11:30:00Z"),
		cancel("mc-4", "mw-gone", "2026-03-10T11:30:00Z"),
	)
	want := map[string]string{
		"ms-db-20260301T0130Z": "2026-03-05T00:00:00Z", // after its end: no effect
		"ms-db-20260308T0130Z": "2026-03-05T00:00:00Z", // before its start: void
		"mw-1":                 "2026-03-10T11:00:00Z", // the earlier of two
		"mw-2":                 "",
	}
	for _, m := range ev.Maintenance {
		got := ""
		if !m.CancelledAt.IsZero() {
			got = m.CancelledAt.Format(time.RFC3339)
		}
		if got != want[m.ID] {
			t.Errorf("%s: cancelled at %q, want %q", m.ID, got, want[m.ID])
		}
	}
	if got := ev.MaintenanceSeries[0].CancelledAt; !got.Equal(utc("2026-03-05T00:00:00Z")) {
		t.Errorf("series cancelled at %v, want 2026-03-05T00:00:00Z", got)
	}
	inForce := map[string]string{}
	for _, m := range ev.Maintenance {
		if w, ok := m.InForce(); ok {
			inForce[m.ID] = w.End.Format(time.RFC3339)
		}
	}
	wantForce := map[string]string{"ms-db-20260301T0130Z": "2026-03-01T02:30:00Z", "mw-1": "2026-03-10T11:00:00Z", "mw-2": "2026-03-11T12:00:00Z"}
	if len(inForce) != len(wantForce) {
		t.Errorf("in force: got %v, want %v", inForce, wantForce)
	}
	for id, end := range wantForce {
		if inForce[id] != end {
			t.Errorf("%s in force until %q, want %q", id, inForce[id], end)
		}
	}
}
