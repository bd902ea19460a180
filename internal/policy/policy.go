// Package policy reads slakeeper policy files (YAML) into the domain's
// sla.Policy, refusing bad input with errors that name the file, line and
// field. The language is documented in docs/policy.md; the JSON Schema for
// editors is docs/policy.schema.json.
package policy

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
	"github.com/slakeeper/slakeeper/internal/yamlpos"
)

// Load reads and parses the policy file at path.
func Load(path string) (*sla.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return Parse(path, data)
}

// Limits bound a policy document (and a subscription's custom terms), so
// that the parser's work grows no faster than the document (see
// yamlpos.Limits) and a document costs at most about a second. The
// examples are at most 8 KB, 9 levels deep, with at most 14 keys in a
// mapping.
var Limits = yamlpos.Limits{Bytes: 1 << 20, Depth: 32, Keys: 256}

// Parse parses a policy document. file names it in error messages.
func Parse(file string, data []byte) (*sla.Policy, error) {
	var raw rawPolicy
	idx, err := yamlpos.DecodeLimits(file, data, &raw, Limits)
	if err != nil {
		return nil, err
	}
	c := &checker{errs: yamlpos.Errors{File: file, Idx: idx}}
	p := c.policy(&raw)
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

type checker struct {
	errs yamlpos.Errors
	cals map[string]*timeline.Calendar
	pol  *sla.Policy
}

func (c *checker) errf(path, format string, args ...any) { c.errs.Add(path, format, args...) }

func (c *checker) policy(r *rawPolicy) *sla.Policy {
	p := &sla.Policy{
		ID:         r.Policy,
		Title:      r.Title,
		NoticeDays: r.NoticeDays,
		Components: map[string]*sla.Component{},
		Calendars:  map[string]*timeline.Calendar{},
	}
	c.pol = p
	c.cals = p.Calendars
	if !validID(r.Policy) {
		c.errf("policy", "want an id (letters, digits, '-', '_', '.'), got %q", r.Policy)
	}
	if r.NoticeDays < 0 {
		c.errf("notice_days", "must not be negative, got %d", r.NoticeDays)
	}
	for i, rc := range r.Components {
		path := fmt.Sprintf("components[%d]", i)
		if !validID(rc.ID) {
			c.errf(path+".id", "want an id, got %q", rc.ID)
			continue
		}
		if _, dup := p.Components[rc.ID]; dup {
			c.errf(path+".id", "component %q is defined twice", rc.ID)
			continue
		}
		name := rc.Name
		if name == "" {
			name = rc.ID
		}
		p.Components[rc.ID] = &sla.Component{ID: rc.ID, Name: name, Beta: rc.Beta || rc.Experimental, Upstream: rc.Upstream, DependsOn: rc.DependsOn}
	}
	for i, rc := range r.Components {
		for j, d := range rc.DependsOn {
			if _, ok := p.Components[d]; !ok {
				c.errf(fmt.Sprintf("components[%d].depends_on[%d]", i, j), "unknown component %q", d)
			} else if d == rc.ID {
				c.errf(fmt.Sprintf("components[%d].depends_on[%d]", i, j), "a component cannot depend on itself")
			}
		}
	}
	if len(p.Components) == 0 && len(c.errs.List) == 0 {
		c.errf("components", "a policy needs at least one component")
	}
	for i := range r.Calendars {
		c.calendar(fmt.Sprintf("calendars[%d]", i), &r.Calendars[i])
	}
	if _, ok := p.Calendars[builtinAlways]; !ok {
		p.Calendars[builtinAlways] = alwaysCalendar()
	}
	if len(r.Versions) == 0 {
		c.errf("versions", "a policy needs at least one version")
	}
	seen := map[string]bool{}
	for i := range r.Versions {
		path := fmt.Sprintf("versions[%d]", i)
		v := c.version(path, &r.Versions[i])
		if v == nil {
			continue
		}
		if seen[v.ID] {
			c.errf(path+".version", "version %q is defined twice", v.ID)
		}
		seen[v.ID] = true
		p.Versions = append(p.Versions, v)
	}
	if len(c.errs.List) > 0 {
		return p
	}
	order := make([]int, len(p.Versions))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p.Versions[order[a]].Effective.Before(p.Versions[order[b]].Effective) })
	sorted := make([]*sla.Version, len(order))
	for i, o := range order {
		sorted[i] = p.Versions[o]
	}
	for i := 1; i < len(sorted); i++ {
		prev, next := sorted[i-1], sorted[i]
		path := fmt.Sprintf("versions[%d].effective", order[i])
		if next.Effective.Equal(prev.Effective) {
			c.errf(path, "versions %q and %q take effect at the same time", prev.ID, next.ID)
			continue
		}
		if p.NoticeDays == 0 {
			continue
		}
		if red := sla.Reductions(prev, next); len(red) > 0 {
			earliest := next.Published.AddDate(0, 0, p.NoticeDays)
			if next.Effective.Before(earliest) {
				c.errf(path, "version %q reduces protections (%s) and so cannot take effect before %s, %d days after it was published on %s; it says %s",
					next.ID, strings.Join(red, "; "), earliest.Format(time.RFC3339), p.NoticeDays, next.Published.Format(time.RFC3339), next.Effective.Format(time.RFC3339))
			}
		}
	}
	p.Versions = sorted
	return p
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]*$`)

func validID(s string) bool { return len(s) <= 128 && idRE.MatchString(s) }

// builtinAlways is the id of the 24/7 calendar every policy has.
const builtinAlways = "always"

func alwaysCalendar() *timeline.Calendar {
	cal, err := timeline.NewCalendar(timeline.CalendarSpec{Name: builtinAlways, Location: time.UTC, Always: true})
	if err != nil {
		// A 24/7 UTC calendar is always valid; this would be a programming error.
		panic(err)
	}
	return cal
}

func (c *checker) location(path, name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		c.errf(path, "unknown IANA time zone %q (for example Europe/Berlin, America/New_York, UTC)", name)
		return nil
	}
	return loc
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// parseDays reads "mon-fri", "sat", "mon,wed,fri", "daily".
func parseDays(s string) ([]time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "daily" || s == "every day" {
		return []time.Weekday{0, 1, 2, 3, 4, 5, 6}, true
	}
	var out []time.Weekday
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if a, b, ok := strings.Cut(part, "-"); ok {
			from, ok1 := dayNames[strings.TrimSpace(a)]
			to, ok2 := dayNames[strings.TrimSpace(b)]
			if !ok1 || !ok2 {
				return nil, false
			}
			for d := from; ; d = (d + 1) % 7 {
				out = append(out, d)
				if d == to {
					break
				}
			}
			continue
		}
		d, ok := dayNames[part]
		if !ok {
			return nil, false
		}
		out = append(out, d)
	}
	return out, len(out) > 0
}

var windowRE = regexp.MustCompile(`^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$`)

func parseWindow(s string) (timeline.Window, bool) {
	g := windowRE.FindStringSubmatch(strings.TrimSpace(s))
	if g == nil {
		return timeline.Window{}, false
	}
	n := make([]int, 4)
	for i := range n {
		n[i], _ = strconv.Atoi(g[i+1])
	}
	if n[0] > 23 || n[1] > 59 || n[2] > 24 || n[3] > 59 || (n[2] == 24 && n[3] != 0) {
		return timeline.Window{}, false
	}
	w := timeline.Window{
		Start: time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute,
		End:   time.Duration(n[2])*time.Hour + time.Duration(n[3])*time.Minute,
	}
	return w, w.End > w.Start
}

func (c *checker) calendar(path string, r *rawCalendar) {
	if !validID(r.ID) {
		c.errf(path+".id", "want an id, got %q", r.ID)
		return
	}
	if _, dup := c.cals[r.ID]; dup {
		c.errf(path+".id", "calendar %q is defined twice", r.ID)
		return
	}
	loc := c.location(path+".timezone", r.Timezone)
	if loc == nil {
		return
	}
	spec := timeline.CalendarSpec{Name: r.ID, Location: loc, Always: r.Always, ClosedOnHolidaysWhenAlways: r.ClosedOnHolidays, Week: map[time.Weekday][]timeline.Window{}}
	if r.Always && len(r.Hours) > 0 {
		c.errf(path+".hours", "a calendar that is always open has no hours")
	}
	if !r.Always && len(r.Hours) == 0 {
		c.errf(path+".hours", "give opening hours (e.g. mon-fri: \"08:00-16:00\") or always: true")
	}
	keys := make([]string, 0, len(r.Hours))
	for k := range r.Hours {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		node := r.Hours[k]
		n := deref(&node)
		hp := path + ".hours." + k
		days, ok := parseDays(k)
		if !ok {
			c.errf(hp, "want days such as mon-fri, sat, mon,wed or daily, got %q", k)
			continue
		}
		var texts []string
		switch n.Kind {
		case yaml.ScalarNode:
			texts = []string{n.Value}
		case yaml.SequenceNode:
			for _, w := range n.Content {
				texts = append(texts, deref(w).Value)
			}
		default:
			c.errf(hp, "want a window \"08:00-16:00\" or a list of them")
			continue
		}
		for _, t := range texts {
			w, ok := parseWindow(t)
			if !ok {
				c.errf(hp, "want a window HH:MM-HH:MM with start before end (24:00 allowed as end), got %q", t)
				continue
			}
			for _, d := range days {
				spec.Week[d] = append(spec.Week[d], w)
			}
		}
	}
	for i, d := range r.Holidays.Dates {
		date, err := timeline.ParseDate(d)
		if err != nil {
			c.errf(fmt.Sprintf("%s.holidays.dates[%d]", path, i), "want a date YYYY-MM-DD, got %q", d)
			continue
		}
		spec.HolidayDates = append(spec.HolidayDates, date)
	}
	spec.HolidayCountries = r.Holidays.Countries
	if r.DayLength != "" {
		// Checked here rather than left to the calendar so that the error
		// names day_length and its line.
		days, rest, err := parseDuration(r.DayLength)
		if d := time.Duration(days)*24*time.Hour + rest; err != nil || d > 24*time.Hour {
			c.errf(path+".day_length", "want a duration of at most 24h such as 8h, got %q", r.DayLength)
		} else {
			spec.DayLength = d
		}
	}
	cal, err := timeline.NewCalendar(spec)
	if err != nil {
		c.errf(path, "%v", err)
		// Keep a stand-in so that targets naming it do not add a second,
		// misleading "unknown calendar" error.
		cal = alwaysCalendar()
	}
	c.cals[r.ID] = cal
}

// maxDays and maxDuration bound every duration (see timeline.MaxDays).
const (
	maxDays     = timeline.MaxDays
	maxDuration = timeline.MaxDuration
)

// parseDuration reads a policy duration: whole seconds, days apart (see
// timeline.ParseDuration).
func parseDuration(s string) (days int, rest time.Duration, err error) {
	days, rest, err = timeline.ParseDuration(s, false)
	return days, rest.Truncate(time.Second), err
}

// durationError words a parseDuration error; want describes the durations
// the key takes.
func durationError(err error, want, s string) string {
	if errors.Is(err, timeline.ErrLongDuration) {
		return fmt.Sprintf("want a duration of at most %dd (about 100 years), got %q", maxDays, s)
	}
	return fmt.Sprintf("want a duration such as %s, got %q", want, s)
}

// wall reads a wall-clock duration, where a day is 24 hours.
func (c *checker) wall(path, s string, required bool) time.Duration {
	if s == "" {
		if required {
			c.errf(path, "required")
		}
		return 0
	}
	days, rest, err := parseDuration(s)
	if err != nil {
		c.errf(path, "%s", durationError(err, "90s, 15m, 2h, 7d or 1d12h", s))
		return 0
	}
	return time.Duration(days)*24*time.Hour + rest
}

// deref returns the value an alias stands for, or n itself. The keys kept
// as YAML nodes are decoded here rather than by the YAML library, which
// would have followed the alias.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// target reads a business-time target: "2h", "2d" (two business days of the
// calendar's day length) or {within: 2h, calendar: id}.
func (c *checker) target(path string, n *yaml.Node, defCal string) *sla.Target {
	if n == nil || n.Kind == 0 {
		return nil
	}
	n = deref(n)
	var rt rawTarget
	switch n.Kind {
	case yaml.ScalarNode:
		rt.Within = n.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, deref(n.Content[i+1])
			switch k {
			case "within":
				rt.Within = v.Value
			case "calendar":
				rt.Calendar = v.Value
			default:
				c.errf(path+"."+k, "is not a known key here (want within, calendar)")
			}
		}
	default:
		c.errf(path, "want a duration such as 2h or {within: 2h, calendar: id}")
		return nil
	}
	calID := rt.Calendar
	if calID == "" {
		calID = defCal
	}
	cal := c.cals[calID]
	if cal == nil {
		c.errf(path, "unknown calendar %q", calID)
		return nil
	}
	days, rest, err := parseDuration(rt.Within)
	if err != nil {
		c.errf(path, "%s", durationError(err, "30m, 2h or 2d (business days)", rt.Within))
		return nil
	}
	d := time.Duration(days)*cal.DayLength() + rest
	// A response due at zero is due at the calendar's next business
	// moment; a gap or a resolution of zero could never be met.
	if d <= 0 && !(d == 0 && (strings.HasSuffix(path, ".first_response") || strings.HasSuffix(path, ".ongoing_response"))) {
		hint := ""
		if strings.Contains(path, ".support.") {
			hint = " (0s, the calendar's next business moment, is for first_response and ongoing_response)"
		}
		c.errf(path, "a target must be longer than zero%s", hint)
		return nil
	}
	return &sla.Target{Duration: d, Calendar: cal}
}

// supportTarget reads a support priority's target, which may also be a
// range of two durations, "5m-15m" (or {within: 5m-15m, calendar: id};
// an en dash works too): seed 004's "acknowledgment within 5-15 minutes".
// A range promises its upper end; reports say which end was met.
func (c *checker) supportTarget(path string, n *yaml.Node, defCal string) *sla.Target {
	if n == nil || n.Kind == 0 {
		return nil
	}
	n = deref(n)
	within, at := n, -1 // the node holding the duration, its index in n
	if n.Kind == yaml.MappingNode {
		within = nil
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "within" {
				within, at = deref(n.Content[i+1]), i+1
			}
		}
	}
	if within == nil || within.Kind != yaml.ScalarNode {
		return c.target(path, n, defCal)
	}
	lo, hi, ok := cutRange(within.Value)
	if !ok {
		return c.target(path, n, defCal)
	}
	upper := *within
	upper.Value = hi
	whole := &upper
	if at >= 0 {
		m := *n
		m.Content = append([]*yaml.Node(nil), n.Content...)
		m.Content[at] = &upper
		whole = &m
	}
	t := c.target(path, whole, defCal)
	if t == nil {
		return nil
	}
	days, rest, err := parseDuration(lo)
	if err != nil {
		c.errf(path, "the range's lower end: %s", durationError(err, "30m, 2h or 2d (business days)", lo))
		return nil
	}
	t.Lower = time.Duration(days)*t.Calendar.DayLength() + rest
	if t.Lower <= 0 || t.Lower >= t.Duration {
		c.errf(path, "a range's lower end (%s) must be longer than zero and shorter than its upper end (%s)", lo, hi)
		return nil
	}
	return t
}

// cutRange splits "5m-15m" (or "5m – 15m") into its ends.
func cutRange(s string) (lo, hi string, ok bool) {
	for _, sep := range []string{"\u2013", "-"} {
		if a, b, found := strings.Cut(s, sep); found {
			return strings.TrimSpace(a), strings.TrimSpace(b), true
		}
	}
	return "", "", false
}

// percent reads a decimal percentage in [lo, hi].
func (c *checker) percent(path, s string, lo, hi int64) *big.Rat {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	r, ok := decimal(s)
	if !ok {
		c.errf(path, "want a decimal number such as 99.95, got %q", s)
		return nil
	}
	if r.Cmp(big.NewRat(lo, 1)) < 0 || r.Cmp(big.NewRat(hi, 1)) > 0 {
		c.errf(path, "must be between %d and %d, got %s", lo, hi, s)
		return nil
	}
	return r
}

var decRE = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,12})?$`)

// decimal parses a plain non-negative decimal exactly (European "99,5" too,
// as seed 002 writes it).
func decimal(s string) (*big.Rat, bool) {
	s = strings.Replace(s, ",", ".", 1)
	if !decRE.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// instant reads an RFC 3339 time or a date (midnight UTC).
func (c *checker) instant(path, s string) (time.Time, bool) {
	if s == "" {
		c.errf(path, "required")
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if d, err := timeline.ParseDate(s); err == nil {
		return d.In(time.UTC), true
	}
	c.errf(path, "want a date 2026-01-31 or a time 2026-01-31T09:00:00Z, got %q", s)
	return time.Time{}, false
}

func (c *checker) version(path string, r *rawVersion) *sla.Version {
	v := &sla.Version{ID: r.Version, Plans: map[string]*sla.Plan{}}
	if r.Version == "" {
		c.errf(path+".version", "required")
	}
	eff, ok1 := c.instant(path+".effective", r.Effective)
	v.Effective = eff
	if r.Published != "" {
		v.Published, _ = c.instant(path+".published", r.Published)
	} else {
		v.Published = eff
	}
	if ok1 && v.Effective.Before(v.Published) {
		c.errf(path+".effective", "a version cannot take effect before it is published (%s)", v.Published.Format(time.RFC3339))
	}
	if len(r.Plans) == 0 {
		c.errf(path+".plans", "a version needs at least one plan")
	}
	raws := map[string]*rawPlan{}
	for i := range r.Plans {
		pp := fmt.Sprintf("%s.plans[%d]", path, i)
		rp := &r.Plans[i]
		if !validID(rp.ID) {
			c.errf(pp+".id", "want an id, got %q", rp.ID)
			continue
		}
		if _, dup := v.Plans[rp.ID]; dup {
			c.errf(pp+".id", "plan %q is defined twice", rp.ID)
			continue
		}
		if plan := c.plan(pp, rp); plan != nil {
			v.Plans[rp.ID] = plan
			v.PlanOrder = append(v.PlanOrder, rp.ID)
			raws[rp.ID] = rp
		}
	}
	overs := map[[2]string]*rawPlan{}
	classes := map[[2]string]*rawPlan{}
	for i := range r.Overrides {
		op := fmt.Sprintf("%s.overrides[%d]", path, i)
		ro := &r.Overrides[i]
		who, id, into := "customer", ro.Customer, overs
		switch {
		case ro.Customer != "" && ro.Class != "":
			c.errf(op+".class", "an override is for one customer or for a class of customers, not both")
			continue
		case ro.Class != "":
			who, id, into = "class", ro.Class, classes
		}
		if !validID(id) {
			c.errf(op+"."+who, "want a %s id, got %q", who, id)
			continue
		}
		base := raws[ro.Plan]
		if base == nil {
			c.errf(op+".plan", "unknown plan %q", ro.Plan)
			continue
		}
		if into[[2]string{id, ro.Plan}] != nil {
			c.errf(op, "%s %q already has an override of plan %q", who, id, ro.Plan)
			continue
		}
		if ro.Set.ID != "" && ro.Set.ID != ro.Plan {
			c.errf(op+".set.id", "an override keeps the plan's id")
		}
		merged := mergePlan(base, &ro.Set)
		if plan := c.plan(op+".set", merged); plan != nil {
			v.Overrides = append(v.Overrides, &sla.Override{Customer: ro.Customer, Class: ro.Class, Plan: plan})
			into[[2]string{id, ro.Plan}] = merged
		}
	}
	v.Custom = (&custom{pol: c.pol, plans: raws, overrides: overs, classes: classes, done: map[string]customPlan{}}).compile
	return v
}

// mergePlan returns base with every key that over sets replaced whole.
func mergePlan(base, over *rawPlan) *rawPlan {
	m := *base
	if over.Name != "" {
		m.Name = over.Name
	}
	if over.Objective != nil {
		m.Objective = over.Objective
	}
	// A period and a rolling window replace each other.
	if over.Period != nil {
		m.Period, m.Window = over.Period, nil
	}
	if over.Window != nil {
		m.Window, m.Period = over.Window, nil
	}
	if over.Timezone != nil {
		m.Timezone = over.Timezone
	}
	if over.Components != nil {
		m.Components = over.Components
	}
	if over.Combine != nil {
		m.Combine = over.Combine
	}
	if over.Uptime != nil {
		m.Uptime = over.Uptime
	}
	if over.Exclusions != nil {
		m.Exclusions = over.Exclusions
	}
	if over.MaintenanceNotice != nil {
		m.MaintenanceNotice = over.MaintenanceNotice
	}
	if over.Credits != nil {
		m.Credits = over.Credits
	}
	if over.Eligibility != nil {
		m.Eligibility = over.Eligibility
	}
	if over.Performance != nil {
		m.Performance = over.Performance
	}
	if over.Support != nil {
		m.Support = over.Support
	}
	if over.Incidents != nil {
		m.Incidents = over.Incidents
	}
	if over.Recovery != nil {
		m.Recovery = over.Recovery
	}
	if over.Upstream != nil {
		m.Upstream = over.Upstream
	}
	return &m
}

var rollingRE = regexp.MustCompile(`^rolling\s+([1-9][0-9]?)d$`)

var aggRE = regexp.MustCompile(`^(mean|min|max|p(?:[1-9][0-9]?|99\.9))$`)

func (c *checker) plan(path string, r *rawPlan) *sla.Plan {
	before := len(c.errs.List)
	p := &sla.Plan{ID: r.ID, Name: r.Name, Excluded: map[sla.Cause]bool{}}
	if p.Name == "" {
		p.Name = r.ID
	}
	if r.Objective == nil {
		c.errf(path+".objective", "required (the uptime promised, in percent, e.g. 99.9)")
	} else if p.Objective = c.percent(path+".objective", *r.Objective, 0, 100); p.Objective != nil && p.Objective.Sign() == 0 {
		c.errf(path+".objective", "must be above 0")
	}
	p.Period = timeline.Month
	if r.Period != nil {
		k, err := timeline.ParseKind(*r.Period)
		if err != nil {
			c.errf(path+".period", "want month, quarter or year, got %q", *r.Period)
		}
		p.Period = k
	}
	if r.Window != nil {
		if r.Period != nil {
			c.errf(path+".window", "a plan is measured per calendar period or over a rolling window, not both: drop period or window")
		}
		g := rollingRE.FindStringSubmatch(*r.Window)
		n := 0
		if g != nil {
			n, _ = strconv.Atoi(g[1])
		}
		if n < 1 || n > 90 {
			c.errf(path+".window", "want a rolling window of 1 to 90 days, e.g. \"rolling 28d\" or \"rolling 30d\", got %q", *r.Window)
		} else {
			p.Rolling = n
		}
	}
	tz := ""
	if r.Timezone != nil {
		tz = *r.Timezone
	}
	p.Location = c.location(path+".timezone", tz)
	if len(r.Components) == 0 {
		c.errf(path+".components", "a plan covers at least one component")
	}
	for i, id := range r.Components {
		comp := c.pol.Components[id]
		if comp == nil {
			c.errf(fmt.Sprintf("%s.components[%d]", path, i), "unknown component %q", id)
			continue
		}
		if comp.Upstream {
			c.errf(fmt.Sprintf("%s.components[%d]", path, i), "component %q is a third party's (upstream) and cannot be covered", id)
		}
		p.Components = append(p.Components, id)
	}
	p.Combine = sla.CombineAny
	if r.Combine != nil {
		switch sla.Combine(*r.Combine) {
		case sla.CombineAny, sla.CombineWorst:
			p.Combine = sla.Combine(*r.Combine)
		default:
			c.errf(path+".combine", "want any (down when any covered component is down) or worst (per component, the worst decides), got %q", *r.Combine)
		}
	}
	p.Formula = sla.FormulaExcused
	p.Weights = map[sla.Status]int64{sla.MajorOutage: 1000, sla.UnderMaintenance: 1000, sla.PartialOutage: 300, sla.Degraded: 0, sla.Operational: 0}
	for i, e := range r.Exclusions {
		cause := sla.Cause(e)
		if !sla.ValidCause(cause) || cause == sla.CauseLiable {
			c.errf(fmt.Sprintf("%s.exclusions[%d]", path, i), "want one of maintenance, force_majeure, third_party, customer, ddos, got %q", e)
			continue
		}
		p.Excluded[cause] = true
	}
	if u := r.Uptime; u != nil {
		switch sla.Formula(u.Formula) {
		case "", sla.FormulaExcused:
		case sla.FormulaRemoved:
			p.Formula = sla.FormulaRemoved
			if !p.Excluded[sla.CauseMaintenance] {
				c.errf(path+".uptime.formula", "formula removed takes maintenance out of the period, so exclusions must list maintenance")
			}
		default:
			c.errf(path+".uptime.formula", "want excused ((total − downtime) ÷ total) or removed ((D − P − N) ÷ (D − P)), got %q", u.Formula)
		}
		for k, w := range u.Weights {
			st := sla.Status(k)
			if st.Rank() < 0 {
				c.errf(path+".uptime.weights."+k, "unknown status; want one of operational, degraded_performance, under_maintenance, partial_outage, major_outage")
				continue
			}
			r, ok := decimal(w)
			if !ok || r.Cmp(big.NewRat(1, 1)) > 0 || !new(big.Rat).Mul(r, big.NewRat(1000, 1)).IsInt() {
				c.errf(path+".uptime.weights."+k, "want a weight from 0 to 1 with at most 3 decimals, got %q", w)
				continue
			}
			p.Weights[st] = new(big.Rat).Mul(r, big.NewRat(1000, 1)).Num().Int64()
		}
		if p.Weights[sla.Operational] != 0 {
			c.errf(path+".uptime.weights.operational", "operational cannot count as downtime")
		}
		p.MinDowntime = c.wall(path+".uptime.min_downtime", u.MinDowntime, false)
		if u.CountIn != "" {
			// The grid runs from the period's start in real time; a step
			// that divides an hour stays on the local clock's minutes
			// across DST changes of whole hours.
			before := len(c.errs.List)
			d := c.wall(path+".uptime.count_in", u.CountIn, true)
			switch {
			case len(c.errs.List) > before:
				// wall said what is wrong
			case d < time.Minute || d > time.Hour || d%time.Minute != 0 || time.Hour%d != 0:
				c.errf(path+".uptime.count_in", "want whole minutes that divide an hour: 1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m or 1h, got %q", u.CountIn)
			default:
				p.CountIn = d
			}
		}
	}
	if r.MaintenanceNotice != nil {
		p.MaintenanceNotice = c.wall(path+".maintenance_notice", *r.MaintenanceNotice, true)
	}
	if r.Credits != nil {
		c.credits(path+".credits", r.Credits, &p.Credits)
		if p.Rolling > 0 && (len(p.Credits.Tiers) > 0 || p.Credits.Linear != nil) {
			c.errf(path+".credits", "a rolling window has no end to settle a credit at: give credits with a calendar period (period: month), or drop them")
		}
	} else {
		p.Credits.Claim.Automatic = true
	}
	if r.Eligibility != nil {
		p.Eligibility = sla.Eligibility{GoodStanding: r.Eligibility.GoodStanding, NotTrial: r.Eligibility.NoTrial}
	}
	seenPerf := map[string]bool{}
	for i, rp := range r.Performance {
		pp := fmt.Sprintf("%s.performance[%d]", path, i)
		po := &sla.PerfObjective{ID: rp.ID, Metric: rp.Metric, Aggregate: rp.Aggregate}
		if po.ID == "" {
			po.ID = rp.Metric
		}
		if seenPerf[po.ID] {
			c.errf(pp+".id", "performance objective %q is defined twice", po.ID)
		}
		seenPerf[po.ID] = true
		known := false
		for _, m := range sla.Metrics {
			known = known || m == rp.Metric
		}
		if !known {
			c.errf(pp+".metric", "want one of %s, got %q", strings.Join(sla.Metrics, ", "), rp.Metric)
		}
		if po.Aggregate == "" {
			po.Aggregate = "mean"
		}
		if !aggRE.MatchString(po.Aggregate) {
			c.errf(pp+".aggregate", "want mean, min, max or a percentile such as p95, got %q", rp.Aggregate)
		}
		if (rp.Max == nil) == (rp.Min == nil) {
			c.errf(pp, "give exactly one bound: below (strict, e.g. latency below 50) or at_least (e.g. throughput at_least 100)")
		}
		if rp.Max != nil {
			if po.Max, _ = decimal(*rp.Max); po.Max == nil {
				c.errf(pp+".below", "want a number, got %q", *rp.Max)
			}
		}
		if rp.Min != nil {
			if po.Min, _ = decimal(*rp.Min); po.Min == nil {
				c.errf(pp+".at_least", "want a number, got %q", *rp.Min)
			}
		}
		po.Credit = c.percent(pp+".credit", rp.Credit, 0, 100)
		switch rp.Locations {
		case "":
		case "most":
			po.Locations = &sla.LocationRule{Most: true}
		case "all":
			po.Locations = &sla.LocationRule{All: true}
		default:
			n, err := strconv.Atoi(rp.Locations)
			if err != nil || n < 1 {
				c.errf(pp+".locations", "want most, all or a number of locations of at least 1, got %q", rp.Locations)
			} else {
				po.Locations = &sla.LocationRule{AtLeast: n}
			}
		}
		po.Components = rp.Components
		if po.Components == nil {
			po.Components = p.Components
		}
		for j, id := range rp.Components {
			if c.pol.Components[id] == nil {
				c.errf(fmt.Sprintf("%s.components[%d]", pp, j), "unknown component %q", id)
			}
		}
		if p.Rolling > 0 && po.Credit != nil && po.Credit.Sign() > 0 {
			c.errf(pp+".credit", "a rolling window has no end to settle a credit at: give performance credits with a calendar period (period: month), or drop them")
		}
		p.Performance = append(p.Performance, po)
	}
	if r.Support != nil {
		p.Support = c.support(path+".support", r.Support)
	}
	if r.Incidents != nil {
		p.Incidents = c.incidents(path+".incidents", r.Incidents)
	}
	if rr := r.Recovery; rr != nil {
		p.Recovery = &sla.Recovery{
			RTO:          c.wall(path+".recovery.rto", rr.RTO, false),
			RPO:          c.wall(path+".recovery.rpo", rr.RPO, false),
			MaxDataLoss:  c.wall(path+".recovery.max_data_loss", rr.MaxDataLoss, false),
			BackupEvery:  c.wall(path+".recovery.backup_every", rr.BackupEvery, false),
			RestoreTests: rr.RestoreTests,
		}
		if rr.RestoreTests < 0 {
			c.errf(path+".recovery.restore_tests", "must not be negative")
		}
	}
	for i, u := range r.Upstream {
		at := fmt.Sprintf("%s.upstream[%d]", path, i)
		comp := c.pol.Components[u.Component]
		switch {
		case u.Component == "":
			c.errf(at+".component", "required (an upstream component's id)")
			continue
		case comp == nil:
			c.errf(at+".component", "unknown component %q", u.Component)
			continue
		case !comp.Upstream:
			c.errf(at+".component", "component %q is not upstream: true", u.Component)
			continue
		}
		uo := &sla.UpstreamObjective{Component: u.Component}
		if u.Objective != nil {
			uo.Objective = c.percent(at+".objective", *u.Objective, 0, 100)
		}
		p.Upstream = append(p.Upstream, uo)
	}
	if len(c.errs.List) > before {
		return nil
	}
	return p
}

func (c *checker) credits(path string, r *rawCredits, out *sla.Credits) {
	seen := map[string]bool{}
	for i, t := range r.Tiers {
		tp := fmt.Sprintf("%s.tiers[%d]", path, i)
		below := c.percent(tp+".below", t.Below, 0, 100)
		credit := c.percent(tp+".credit", t.Credit, 0, 100)
		if below != nil && seen[below.RatString()] {
			c.errf(tp+".below", "two tiers have the threshold %s", t.Below)
		}
		if below != nil {
			seen[below.RatString()] = true
		}
		if below != nil && credit != nil {
			out.Tiers = append(out.Tiers, sla.Tier{Below: below, Percent: credit})
		}
	}
	if l := r.Linear; l != nil {
		lin := &sla.Linear{Rounding: sla.Rounding(l.Rounding)}
		lin.Percent = c.percent(path+".linear.credit", l.Credit, 0, 100)
		lin.Per = c.percent(path+".linear.per", l.Per, 0, 100)
		if lin.Per != nil && lin.Per.Sign() == 0 {
			c.errf(path+".linear.per", "must be above 0")
		}
		switch l.From {
		case "", "downtime":
		case "objective":
			lin.FromObjective = true
		default:
			c.errf(path+".linear.from", "want downtime (points of downtime, 100 − uptime) or objective (points below the objective), got %q", l.From)
		}
		switch lin.Rounding {
		case sla.RoundFloor, sla.RoundCeil, sla.RoundProRata:
		case "":
			c.errf(path+".linear.rounding", "required: floor (whole steps), ceil (any started step) or pro_rata")
		default:
			c.errf(path+".linear.rounding", "want floor, ceil or pro_rata, got %q", l.Rounding)
		}
		out.Linear = lin
	}
	if len(r.Tiers) == 0 && r.Linear == nil {
		c.errf(path, "give tiers or linear")
	}
	if r.Cap != nil {
		out.Cap = c.percent(path+".cap", *r.Cap, 0, 100)
	}
	claim := deref(&r.Claim)
	switch claim.Kind {
	case 0:
		out.Claim.Automatic = true
	case yaml.ScalarNode:
		switch claim.Value {
		case "automatic":
			out.Claim.Automatic = true
		case "on_request":
			// Claimed, with no deadline ("upon request"): Within stays 0.
		default:
			c.errf(path+".claim", "want automatic, on_request or {within: 7d, from: period_end|failure}, got %q", claim.Value)
		}
	case yaml.MappingNode:
		var rc rawClaim
		if err := claim.Decode(&rc); err != nil {
			c.errf(path+".claim", "want {within: 7d, from: period_end|failure}")
			return
		}
		for i := 0; i+1 < len(claim.Content); i += 2 {
			if k := claim.Content[i].Value; k != "within" && k != "from" {
				c.errf(path+".claim."+k, "is not a known key here (want within, from)")
			}
		}
		out.Claim.Within = c.wall(path+".claim.within", rc.Within, true)
		if out.Claim.Within == 0 && rc.Within != "" {
			// 0 would read as "no deadline": say so in the one way that
			// cannot be mistaken for an expired window.
			c.errf(path+".claim.within", "want a window longer than 0 (for no deadline, write claim: on_request), got %q", rc.Within)
		}
		switch rc.From {
		case "", "period_end":
		case "failure":
			out.Claim.FromFailure = true
		default:
			c.errf(path+".claim.from", "want period_end or failure, got %q", rc.From)
		}
	default:
		c.errf(path+".claim", "want automatic, on_request or {within: 7d, from: period_end|failure}")
	}
}

func (c *checker) support(path string, r *rawSupport) *sla.Support {
	s := &sla.Support{Pause: map[string]bool{}, Priorities: map[string]*sla.Targets{}}
	for _, st := range r.Pause {
		s.Pause[st] = true
	}
	switch r.Reopen {
	case "", "continue":
	case "restart":
		s.ReopenRestart = true
	default:
		c.errf(path+".reopen", "want continue or restart, got %q", r.Reopen)
	}
	switch r.PriorityChange {
	case "", "recompute":
	case "restart":
		s.PriorityRestart = true
	default:
		c.errf(path+".priority_change", "want recompute (targets from creation) or restart (from the change), got %q", r.PriorityChange)
	}
	def := r.Calendar
	if def == "" {
		def = builtinAlways
	} else if c.cals[def] == nil {
		c.errf(path+".calendar", "unknown calendar %q", def)
		return s
	}
	if len(r.Priorities) == 0 {
		c.errf(path+".priorities", "list at least one priority")
	}
	for i := range r.Priorities {
		rp := &r.Priorities[i]
		pp := fmt.Sprintf("%s.priorities[%d]", path, i)
		if !validID(rp.ID) {
			c.errf(pp+".id", "want an id, got %q", rp.ID)
			continue
		}
		if s.Priorities[rp.ID] != nil {
			c.errf(pp+".id", "priority %q is defined twice", rp.ID)
			continue
		}
		cal := def
		if rp.Calendar != "" {
			if c.cals[rp.Calendar] == nil {
				c.errf(pp+".calendar", "unknown calendar %q", rp.Calendar)
				continue
			}
			cal = rp.Calendar
		}
		t := &sla.Targets{
			Name:            rp.Name,
			FirstResponse:   c.supportTarget(pp+".first_response", &rp.FirstResponse, cal),
			OngoingResponse: c.supportTarget(pp+".ongoing_response", &rp.OngoingResponse, cal),
			UpdateEvery:     c.supportTarget(pp+".update_every", &rp.UpdateEvery, cal),
			Resolution:      c.supportTarget(pp+".resolution", &rp.Resolution, cal),
		}
		if t.Name == "" {
			t.Name = rp.ID
		}
		s.Priorities[rp.ID] = t
		s.PriorityOrder = append(s.PriorityOrder, rp.ID)
	}
	return s
}

func (c *checker) incidents(path string, r *rawIncidents) *sla.IncidentRules {
	out := &sla.IncidentRules{UpdateEvery: map[string]*sla.Target{}, PostmortemSeverities: map[string]bool{}}
	def := r.Calendar
	if def == "" {
		def = builtinAlways
	} else if c.cals[def] == nil {
		c.errf(path+".calendar", "unknown calendar %q", def)
		return out
	}
	for sev, n := range r.UpdateEvery {
		if t := c.target(path+".update_every."+sev, &n, def); t != nil {
			out.UpdateEvery[sev] = t
		}
	}
	if pm := r.Postmortem; pm != nil {
		cal := pm.Calendar
		if cal == "" {
			cal = def
		}
		n := yaml.Node{Kind: yaml.ScalarNode, Value: pm.Within}
		if pm.Within == "" {
			c.errf(path+".postmortem.within", "required")
		} else if pm.Calendar != "" && c.cals[pm.Calendar] == nil {
			c.errf(path+".postmortem.calendar", "unknown calendar %q", pm.Calendar)
		} else {
			out.Postmortem = c.target(path+".postmortem.within", &n, cal)
		}
		for _, s := range pm.Severities {
			out.PostmortemSeverities[s] = true
		}
	}
	return out
}
