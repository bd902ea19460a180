package timeline

import (
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		millis  bool
		days    int
		rest    time.Duration
		wantErr error
	}{
		{name: "hours and minutes", in: "1h30m", rest: 90 * time.Minute},
		{name: "days apart", in: "2d4h", days: 2, rest: 4 * time.Hour},
		{name: "days only", in: "7d", days: 7},
		{name: "millis refused in whole-second mode", in: "500ms", wantErr: ErrBadDuration},
		{name: "millis allowed", in: "500ms", millis: true, rest: 500 * time.Millisecond},
		{name: "negative", in: "-5m", wantErr: ErrBadDuration},
		{name: "empty", in: "", wantErr: ErrBadDuration},
		{name: "too many days", in: "36601d", wantErr: ErrLongDuration},
		// 36,600 days is the limit; any hours beyond it overflow the bound.
		{name: "days plus hours past the bound", in: "36600d1h", wantErr: ErrLongDuration},
		{name: "hours that overflow time.Duration", in: "2000000000h", wantErr: ErrLongDuration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			days, rest, err := ParseDuration(tt.in, tt.millis)
			if !errors.Is(err, tt.wantErr) || (err == nil && (days != tt.days || rest != tt.rest)) {
				t.Errorf("got %d days %v, %v; want %d days %v, %v", days, rest, err, tt.days, tt.rest, tt.wantErr)
			}
		})
	}
}
