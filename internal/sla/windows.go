package sla

import (
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// targetDeadline is when a target of d business time started at start is
// due on cal, outside pauses. A target of zero ("the next business
// moment") is due at once inside hours and at the next opening outside
// them.
func targetDeadline(cal *timeline.Calendar, start time.Time, d time.Duration, pauses timeline.Set) (time.Time, error) {
	if d == 0 {
		return cal.NextOpenExcept(start, pauses)
	}
	return cal.AddExcept(start, d, pauses)
}
