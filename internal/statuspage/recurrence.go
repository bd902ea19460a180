package statuspage

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Recurrence says in words how a maintenance series recurs, from its
// RFC 5545 rule as written ("FREQ=WEEKLY;BYDAY=SU" is "every Sunday") and
// its end (count occurrences when the rule has no COUNT, 0: any; until,
// in the page's zone, zero: none). The times of day are
// left out: the page lists the occurrences with theirs. A rule with a
// part it cannot put in words is given as written, so nothing is hidden.
func Recurrence(rule string, count int, until time.Time) string {
	text, ok := describe(rule)
	if !ok {
		text = rule
	}
	if count > 0 && !strings.Contains(strings.ToUpper(rule), "COUNT=") {
		text += times(count)
	}
	if !until.IsZero() {
		text += ", until " + until.Format("2 Jan 2006")
	}
	return text
}

var (
	dayNames = map[string]string{"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}
	ordinals = map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last"}
	units    = map[string]string{"MINUTELY": "minute", "HOURLY": "hour", "DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
)

func describe(rule string) (string, bool) {
	parts := map[string]string{}
	for _, p := range strings.Split(strings.TrimPrefix(strings.TrimSpace(rule), "RRULE:"), ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return "", false
		}
		switch k = strings.ToUpper(k); k {
		case "FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT":
			parts[k] = strings.ToUpper(v)
		case "BYHOUR", "BYMINUTE", "BYSECOND", "WKST":
			// Times of day are on the occurrences; the week start changes
			// no occurrence this text names.
		default:
			return "", false
		}
	}
	unit, ok := units[parts["FREQ"]]
	if !ok {
		return "", false
	}
	n := 1
	if v, has := parts["INTERVAL"]; has {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return "", false
		}
	}
	every := "every " + unit
	if n > 1 {
		every = fmt.Sprintf("every %d %ss", n, unit)
	}
	var text string
	switch {
	case parts["BYMONTH"] != "":
		if parts["FREQ"] != "YEARLY" || parts["BYDAY"] != "" {
			return "", false
		}
		months, ok := listOf(parts["BYMONTH"], 1, 12, func(m int) string { return time.Month(m).String() })
		if !ok {
			return "", false
		}
		text = every + " in " + months
		if d := parts["BYMONTHDAY"]; d != "" {
			days, ok := listOf(d, 1, 31, strconv.Itoa)
			if !ok {
				return "", false
			}
			text = every + " on " + plural("day", d) + " " + days + " of " + months
		}
	case parts["BYMONTHDAY"] != "":
		if parts["FREQ"] != "MONTHLY" || parts["BYDAY"] != "" {
			return "", false
		}
		if parts["BYMONTHDAY"] == "-1" {
			text = "on the last day of " + every
			break
		}
		days, ok := listOf(parts["BYMONTHDAY"], 1, 31, strconv.Itoa)
		if !ok {
			return "", false
		}
		text = "on " + plural("day", parts["BYMONTHDAY"]) + " " + days + " of " + every
	case parts["BYDAY"] != "":
		var names []string
		nth := false
		for _, d := range strings.Split(parts["BYDAY"], ",") {
			name, ok := dayNames[d[max(len(d)-2, 0):]]
			if !ok {
				return "", false
			}
			if pre := d[:len(d)-2]; pre != "" {
				i, err := strconv.Atoi(pre)
				if err != nil || ordinals[i] == "" || parts["FREQ"] != "MONTHLY" {
					return "", false
				}
				name, nth = "the "+ordinals[i]+" "+name, true
			}
			names = append(names, name)
		}
		switch {
		case nth:
			text = "on " + join(names) + " of " + every
		case n == 1 && (parts["FREQ"] == "WEEKLY" || parts["FREQ"] == "DAILY" || parts["FREQ"] == "MONTHLY"):
			text = "every " + join(names)
		case parts["FREQ"] == "WEEKLY":
			text = every + " on " + join(names)
		default:
			return "", false
		}
	default:
		text = every
	}
	if c := parts["COUNT"]; c != "" {
		k, err := strconv.Atoi(c)
		if err != nil || k < 1 {
			return "", false
		}
		text += times(k)
	}
	return text, true
}

func times(n int) string {
	if n == 1 {
		return ", once"
	}
	return fmt.Sprintf(", %d times", n)
}

// listOf reads a comma list of whole numbers from lo to hi and names them.
func listOf(s string, lo, hi int, name func(int) string) (string, bool) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		i, err := strconv.Atoi(p)
		if err != nil || i < lo || i > hi {
			return "", false
		}
		out = append(out, name(i))
	}
	return join(out), true
}

func plural(word, list string) string {
	if strings.Contains(list, ",") {
		return word + "s"
	}
	return word
}
