package timeline

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxDays is the longest duration ParseDuration accepts, in days (about 100
// years): longer ones are surely typos, and days plus hours must not
// overflow time.Duration (about 292 years) even where a day counts 24 hours.
const MaxDays = 36600

// MaxDuration is MaxDays as a duration.
const MaxDuration = MaxDays * 24 * time.Hour

// The errors of ParseDuration.
var (
	ErrBadDuration  = errors.New("not a duration")
	ErrLongDuration = errors.New("duration too long")
)

var (
	durRE       = regexp.MustCompile(`^(?:(\d+)d)?((?:\d+(?:\.\d+)?(?:h|m|s))*)$`)
	durMillisRE = regexp.MustCompile(`^(?:(\d+)d)?((?:\d+(?:\.\d+)?(?:h|m|s|ms))*)$`)
)

// ParseDuration reads Go durations ("90s", "1h30m", and "500ms" when
// millis) with a leading whole number of days ("7d", "2d4h"). Days are
// returned apart so that a business-time target can count them in business
// days. The whole, with days of 24 hours, is at most MaxDuration
// (ErrLongDuration), so that a caller can add days (of at most 24 hours)
// and the rest without overflow. Policies use whole seconds; the server's
// configuration allows milliseconds for latency thresholds.
func ParseDuration(s string, millis bool) (days int, rest time.Duration, err error) {
	s = strings.TrimSpace(s)
	re := durRE
	if millis {
		re = durMillisRE
	}
	g := re.FindStringSubmatch(s)
	if s == "" || g == nil {
		return 0, 0, ErrBadDuration
	}
	if g[1] != "" {
		n, err := strconv.Atoi(g[1])
		if err != nil || n > MaxDays {
			return 0, 0, ErrLongDuration
		}
		days = n
	}
	if g[2] != "" {
		d, err := time.ParseDuration(g[2])
		if err != nil {
			// The pattern admits only well-formed non-negative
			// durations, so the error is an overflow.
			return 0, 0, ErrLongDuration
		}
		rest = d
	}
	if rest > MaxDuration-time.Duration(days)*24*time.Hour {
		return 0, 0, ErrLongDuration
	}
	return days, rest, nil
}
