package sla

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"
)

// Terms says what plan promises, in words, one sentence a line: the
// uptime objective over its period and time zone, what is excused, the
// credits, and the support targets. The customer portal shows them.
func Terms(plan *Plan) []string {
	var out []string
	period := strings.ToLower(plan.Period.String())
	zone := "UTC"
	if plan.Location != nil {
		zone = plan.Location.String()
	}
	over := "per " + period
	if plan.Rolling > 0 {
		over = fmt.Sprintf("over any %d days", plan.Rolling)
	}
	out = append(out, fmt.Sprintf("Uptime of at least %s %% %s (%s) of %s.", ratText(plan.Objective), over, zone, strings.Join(plan.Components, ", ")))
	var excused []string
	for c := range plan.Excluded {
		excused = append(excused, strings.ReplaceAll(string(c), "_", " "))
	}
	sort.Strings(excused)
	if len(excused) > 0 {
		line := "Not counted against the provider: " + strings.Join(excused, ", ")
		if plan.Excluded[CauseMaintenance] && plan.MaintenanceNotice > 0 {
			line += fmt.Sprintf(" (maintenance announced at least %s ahead)", durationText(plan.MaintenanceNotice))
		}
		out = append(out, line+".")
	}
	if plan.MinDowntime > 0 {
		out = append(out, fmt.Sprintf("Interruptions shorter than %s are not counted.", durationText(plan.MinDowntime)))
	}
	if plan.CountIn > 0 {
		from := "the " + period
		if plan.Rolling > 0 {
			from = "the window"
		}
		out = append(out, fmt.Sprintf("Downtime is counted in whole intervals of %s from the start of %s: an interval with any downtime counts whole.", durationText(plan.CountIn), from))
	}
	for _, t := range plan.Credits.Tiers {
		out = append(out, fmt.Sprintf("Uptime below %s %%: a credit of %s %% of the %sly fee.", ratText(t.Below), ratText(t.Percent), period))
	}
	if l := plan.Credits.Linear; l != nil {
		out = append(out, fmt.Sprintf("A credit of %s %% of the fee for every %s points of downtime.", ratText(l.Percent), ratText(l.Per)))
	}
	if plan.Credits.Cap != nil {
		out = append(out, fmt.Sprintf("Credits are capped at %s %% of the fee.", ratText(plan.Credits.Cap)))
	}
	if s := plan.Support; s != nil {
		for _, id := range s.PriorityOrder {
			tg := s.Priorities[id]
			if tg == nil {
				continue
			}
			var parts []string
			for _, x := range []struct {
				what string
				t    *Target
			}{{"first response", tg.FirstResponse}, {"response to each reply", tg.OngoingResponse}, {"an update at least every", tg.UpdateEvery}, {"resolution", tg.Resolution}} {
				if x.t != nil {
					parts = append(parts, fmt.Sprintf("%s %s", x.what, targetText(x.t)))
				}
			}
			if len(parts) > 0 {
				out = append(out, fmt.Sprintf("Support, %s: %s.", cmpName(tg.Name, id), strings.Join(parts, "; ")))
			}
		}
	}
	return out
}

func cmpName(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// targetText is a target's duration and calendar ("2 h (work hours)").
func targetText(t *Target) string {
	cal := "around the clock"
	if t.Calendar != nil && t.Calendar.Name() != "always" {
		cal = "in " + t.Calendar.Name() + " hours"
	}
	d := t.Duration
	if d%time.Hour == 0 {
		// Hours, not days: a target's day may be a business day.
		return fmt.Sprintf("%d h %s", d/time.Hour, cal)
	}
	return durationText(d) + " " + cal
}

// durationText is d in the largest whole unit.
func durationText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return d.String()
}

// ratText is r as a short decimal ("99.9", "10").
func ratText(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	s := r.FloatString(4)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
