package sla

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// segment is a stretch of one component's merged status timeline.
type segment struct {
	start, end time.Time
	status     Status
	cause      Cause
	facts      []string
}

// farFuture closes the last segment of a timeline: a status holds until the
// next change, and an outage that never ended is still going on.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// sourceEvent is one status claim of one source.
type sourceEvent struct {
	at     time.Time
	status Status
	cause  Cause
	fact   string
}

// timeline merges every source of evidence about a component — monitors,
// locations, operators and incident impacts — into one step function. At
// each instant the worst claim wins, so overlapping evidence counts once.
func (e *engine) timeline(comp string) []segment {
	if t, ok := e.timelines[comp]; ok {
		return t
	}
	sources := map[string][]sourceEvent{}
	keyOf := map[string]string{} // source → its key, made once, not per fact
	for _, s := range e.statuses[comp] {
		k, ok := keyOf[s.Source]
		if !ok {
			k = "status:" + s.Source
			keyOf[s.Source] = k
			// Most components have one source: room for all at once.
			sources[k] = make([]sourceEvent, 0, len(e.statuses[comp]))
		}
		sources[k] = append(sources[k], sourceEvent{s.At, s.Status, s.Cause, s.ID})
	}
	for _, in := range e.incidents[comp] {
		key := "incident:" + in.ID
		sources[key] = append(sources[key], sourceEvent{in.At, in.Components[comp], in.Cause, in.ID})
		for _, u := range e.updates[in.ID] {
			switch {
			case u.Status == "resolved":
				sources[key] = append(sources[key], sourceEvent{u.At, Operational, in.Cause, u.ID})
			case u.Components != nil:
				st, ok := u.Components[comp]
				if !ok {
					st = Operational
				}
				sources[key] = append(sources[key], sourceEvent{u.At, st, in.Cause, u.ID})
			}
		}
	}
	keys := make([]string, 0, len(sources))
	bounds := map[int64]bool{}
	for k, evs := range sources {
		keys = append(keys, k)
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
		for _, ev := range evs {
			bounds[ev.at.Unix()] = true
		}
	}
	sort.Strings(keys)
	ts := make([]int64, 0, len(bounds))
	for b := range bounds {
		ts = append(ts, b)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	pos := make(map[string]int, len(keys))
	var out []segment
	for i, b := range ts {
		end := farFuture
		if i+1 < len(ts) {
			end = time.Unix(ts[i+1], 0).UTC()
		}
		seg := segment{start: time.Unix(b, 0).UTC(), end: end, status: Operational}
		worst := -1
		for _, k := range keys {
			evs := sources[k]
			j := pos[k]
			for j < len(evs) && evs[j].at.Unix() <= b {
				j++
			}
			pos[k] = j
			if j == 0 {
				continue
			}
			cur := evs[j-1]
			// Same instant, same source: the last one in the file wins.
			r := cur.status.Rank()
			switch {
			case r > worst:
				worst = r
				seg.status, seg.cause, seg.facts = cur.status, cur.cause, []string{cur.fact}
			case r == worst:
				seg.facts = append(seg.facts, cur.fact)
				if seg.cause == "" {
					seg.cause = cur.cause
				}
			}
		}
		if n := len(out); n > 0 && out[n-1].status == seg.status && out[n-1].cause == seg.cause && sameFacts(out[n-1].facts, seg.facts) {
			out[n-1].end = seg.end
			continue
		}
		out = append(out, seg)
	}
	e.timelines[comp] = out
	return out
}

func sameFacts(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// piece is a counted stretch of downtime on one component.
type piece struct {
	iv      timeline.Interval
	comp    string
	status  Status
	weight  int64 // thousandths
	cause   Cause
	counted string
	facts   []string
	note    string
}

// downSet is the time a component is down under the plan's weights, for
// upstream attribution.
func (e *engine) downSet(comp string, plan *Plan, win timeline.Interval) timeline.Set {
	var ivs []timeline.Interval
	for _, s := range e.timeline(comp) {
		if plan.Weights[s.status] > 0 {
			ivs = append(ivs, timeline.NewInterval(s.start, s.end).Intersect(win))
		}
	}
	return timeline.NewSet(ivs...)
}

// timelyWindows are the maintenance windows of comp that were announced
// early enough to excuse downtime; late ones are returned apart.
func (e *engine) windows(comp string, plan *Plan) (timely, late []*Maintenance) {
	for _, m := range e.maint[comp] {
		if !m.AnnouncedAt.After(m.Start.Add(-plan.MaintenanceNotice)) {
			timely = append(timely, m)
		} else {
			late = append(late, m)
		}
	}
	return timely, late
}

type pieceKey struct {
	plan       *Plan
	comp       string
	start, end int64
}

// cachedPieces shares the pieces of a component among the subscriptions of
// one plan and period: month-end for many customers on one plan computes
// each component once. Callers must not modify the result.
func (e *engine) cachedPieces(comp string, plan *Plan, win timeline.Interval) []piece {
	k := pieceKey{plan, comp, win.Start.Unix(), win.End.Unix()}
	if p, ok := e.pieces[k]; ok {
		return p
	}
	p := e.componentPieces(comp, plan, win)
	e.pieces[k] = p
	return p
}

// componentPieces attributes and counts one component's downtime within win.
func (e *engine) componentPieces(comp string, plan *Plan, win timeline.Interval) []piece {
	segs := e.timeline(comp)
	// Episodes: maximal runs of downtime (weight > 0). A run shorter than
	// the plan's minimum is a blip and is ignored; its length is measured
	// whole, even across the period's edges.
	type episode struct {
		start, end time.Time
		first, n   int
	}
	var eps []episode
	for i, s := range segs {
		if plan.Weights[s.status] == 0 {
			continue
		}
		if n := len(eps); n > 0 && eps[n-1].end.Equal(s.start) {
			eps[n-1].end = s.end
			eps[n-1].n++
			continue
		}
		eps = append(eps, episode{start: s.start, end: s.end, first: i, n: 1})
	}
	timely, late := e.windows(comp, plan)
	attrs := e.attrs[comp]
	var upstream []string
	if c := e.pol.Components[comp]; c != nil {
		for _, d := range c.DependsOn {
			if dc := e.pol.Components[d]; dc != nil && dc.Upstream {
				upstream = append(upstream, d)
			}
		}
	}
	var out []piece
	for _, ep := range eps {
		epIv := timeline.NewInterval(ep.start, ep.end)
		if !epIv.Overlaps(win) {
			continue
		}
		blip := plan.MinDowntime > 0 && ep.end.Sub(ep.start) < plan.MinDowntime
		for _, s := range segs[ep.first : ep.first+ep.n] {
			iv := timeline.NewInterval(s.start, s.end).Intersect(win)
			if iv.Empty() {
				continue
			}
			base := piece{iv: iv, comp: comp, status: s.status, weight: plan.Weights[s.status], facts: s.facts}
			if blip {
				base.counted = CountIgnored
				base.cause = causeOr(s.cause)
				base.note = fmt.Sprintf("down %s in all, under the minimum of %s", ep.end.Sub(ep.start), plan.MinDowntime)
				out = append(out, base)
				continue
			}
			out = append(out, e.attribute(base, s.cause, plan, timely, late, attrs, upstream)...)
		}
	}
	return out
}

func causeOr(c Cause) Cause {
	if c == "" {
		return CauseLiable
	}
	return c
}

// attribute splits a piece where the reason for it changes and gives each
// part its cause, in this order of precedence: an operator's attribution
// (the latest wins), a timely maintenance window, an incident's cause, an
// upstream component being down at the same time, the cause on the status
// fact, and otherwise liable.
func (e *engine) attribute(p piece, statusCause Cause, plan *Plan, timely, late []*Maintenance, attrs []*Attribution, upstream []string) []piece {
	cuts := map[int64]bool{p.iv.Start.Unix(): true, p.iv.End.Unix(): true}
	cut := func(a, b time.Time) {
		if p.iv.Contains(a) {
			cuts[a.Unix()] = true
		}
		if p.iv.Contains(b) {
			cuts[b.Unix()] = true
		}
	}
	for _, a := range attrs {
		cut(a.Start, a.End)
	}
	for _, m := range timely {
		cut(m.Start, m.End)
	}
	for _, m := range late {
		cut(m.Start, m.End)
	}
	incs := e.incidents[p.comp]
	incOpen := make([]timeline.Set, len(incs))
	for i, in := range incs {
		incOpen[i] = e.incidentOpen(in)
		for _, iv := range incOpen[i] {
			cut(iv.Start, iv.End)
		}
	}
	upDown := map[string]timeline.Set{}
	for _, u := range upstream {
		set := e.downSet(u, plan, p.iv)
		upDown[u] = set
		for _, iv := range set {
			cut(iv.Start, iv.End)
		}
	}
	ts := make([]int64, 0, len(cuts))
	for c := range cuts {
		ts = append(ts, c)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	var out []piece
	for i := 0; i+1 < len(ts); i++ {
		q := p
		q.iv = timeline.NewInterval(time.Unix(ts[i], 0), time.Unix(ts[i+1], 0))
		q.facts = append([]string(nil), p.facts...)
		at := q.iv.Start
		q.cause, q.counted = "", ""
		// unwindowed: the cause maintenance came from a status fact or an
		// incident, not from a window or an operator's attribution.
		unwindowed := false
		var best *Attribution
		for _, a := range attrs {
			if timeline.NewInterval(a.Start, a.End).Contains(at) && (best == nil || !a.At.Before(best.At)) {
				best = a
			}
		}
		switch {
		case best != nil:
			q.cause = best.Cause
			q.facts = append(q.facts, best.ID)
			q.note = fmt.Sprintf("attributed to %s by %s: %s", best.Cause, best.By, best.Reason)
		default:
			for _, m := range timely {
				if timeline.NewInterval(m.Start, m.End).Contains(at) {
					q.cause = CauseMaintenance
					q.facts = append(q.facts, m.ID)
					q.note = fmt.Sprintf("scheduled maintenance %q announced %s", m.Title, m.AnnouncedAt.Format(time.RFC3339))
					break
				}
			}
		}
		if q.cause == "" {
			for _, m := range late {
				if timeline.NewInterval(m.Start, m.End).Contains(at) {
					q.counted = CountLateNotice
					q.facts = append(q.facts, m.ID)
					q.note = fmt.Sprintf("maintenance %q announced %s, less than %s before its start: it does not excuse downtime", m.Title, m.AnnouncedAt.Format(time.RFC3339), plan.MaintenanceNotice)
					break
				}
			}
			for i, in := range incs {
				if in.Cause != "" && incOpen[i].Contains(at) {
					q.cause = in.Cause
					q.facts = appendUnique(q.facts, in.ID)
					unwindowed = in.Cause == CauseMaintenance
					break
				}
			}
		}
		if q.cause == "" {
			for _, u := range upstream {
				if upDown[u].Contains(at) {
					q.cause = CauseThirdParty
					q.note = fmt.Sprintf("upstream %s was down at the same time", u)
					q.facts = append(q.facts, e.factsAt(u, at)...)
					break
				}
			}
		}
		if q.cause == "" {
			q.cause = causeOr(statusCause)
			unwindowed = q.cause == CauseMaintenance
		}
		switch {
		case unwindowed && plan.Excluded[CauseMaintenance]:
			// Maintenance excuses downtime through a window announced with
			// the plan's notice, never through a fact's word alone: counted,
			// and said why, rather than silently excluded. A window
			// announced late says it better.
			if q.counted != CountLateNotice {
				q.counted = CountUnwindowed
				q.note = "the evidence gives maintenance as the cause, but no announced maintenance window covers this time: it does not excuse downtime"
			}
		case q.cause != CauseLiable && plan.Excluded[q.cause]:
			q.counted = CountExcluded
		case q.counted == CountLateNotice:
		default:
			q.counted = CountLiable
		}
		out = append(out, q)
	}
	return out
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// factsAt cites the facts behind comp's status at t.
func (e *engine) factsAt(comp string, t time.Time) []string {
	for _, s := range e.timeline(comp) {
		if !t.Before(s.start) && t.Before(s.end) {
			return s.facts
		}
	}
	return nil
}

// reopens reports whether an incident update with this status reopens a
// resolved incident; "update" is a message only and changes nothing.
func reopens(status string) bool {
	switch status {
	case "investigating", "identified", "monitoring":
		return true
	}
	return false
}

// incidentOpen is when an incident was open: from its opening to its
// resolution, and again from a reopening update to the next resolution.
func (e *engine) incidentOpen(in *Incident) timeline.Set {
	var ivs []timeline.Interval
	start, open := in.At, true
	for _, u := range e.updates[in.ID] {
		switch {
		case u.Status == "resolved" && open:
			ivs = append(ivs, timeline.NewInterval(start, u.At))
			open = false
		case reopens(u.Status) && !open:
			start, open = u.At, true
		}
	}
	if open {
		ivs = append(ivs, timeline.NewInterval(start, farFuture))
	}
	return timeline.NewSet(ivs...)
}

// tally is the arithmetic of one uptime figure, in seconds and
// thousandths of a second.
type tally struct {
	total    int64 // D, seconds
	window   int64 // P, seconds
	liable   int64 // N, weighted, thousandths of seconds
	excluded map[Cause]int64
	ignored  int64
}

// uptime is the exact uptime in percent.
func (t tally) uptime(f Formula) *big.Rat {
	den := t.total * 1000
	if f == FormulaRemoved {
		den -= t.window * 1000
	}
	if den <= 0 {
		return big.NewRat(100, 1)
	}
	return new(big.Rat).SetFrac(big.NewInt((den-t.liable)*100), big.NewInt(den))
}

// count sums pieces of several components: at each instant the largest
// liable weight counts once, and the rest of the largest weight is
// excluded under the cause of the heaviest excluded piece (ties go to the
// first cause in Causes). It sweeps the pieces' edges once, so a flapping
// monitor with tens of thousands of pieces stays linear-logarithmic.
func count(pieces []piece, win timeline.Interval, removed timeline.Set, g grid) tally {
	t := tally{total: int64(win.Duration() / time.Second), excluded: map[Cause]int64{}}
	t.window = int64(removed.Duration() / time.Second)
	type edge struct {
		at    int64
		delta int
		p     *piece
	}
	edges := make([]edge, 0, 2*len(pieces))
	for i := range pieces {
		p := &pieces[i]
		a, b := p.iv.Start.Unix(), p.iv.End.Unix()
		switch p.counted {
		case CountIgnored:
			t.ignored += int64(p.iv.Duration()/time.Second) * p.weight
			continue
		case CountLiable, CountLateNotice, CountUnwindowed:
			a, b = g.out(a, b, win)
		case CountExcluded:
		default:
			continue
		}
		edges = append(edges, edge{a, +1, p}, edge{b, -1, p})
	}
	sort.Slice(edges, func(i, j int) bool { return edges[i].at < edges[j].at })
	// Active pieces by weight: few distinct weights, so scanning the maps
	// between edges is cheap.
	liableActive := map[int64]int{}
	type wc struct {
		w int64
		c Cause
	}
	exclActive := map[wc]int{}
	causeRank := map[Cause]int{}
	for i, c := range Causes {
		causeRank[c] = i
	}
	// outside is the part of [a, b) not in the removed windows.
	outside := func(a, b int64) int64 {
		iv := timeline.NewInterval(time.Unix(a, 0), time.Unix(b, 0))
		return int64(iv.Duration()/time.Second) - int64(removed.Clip(iv).Duration()/time.Second)
	}
	for i := 0; i < len(edges); {
		now := edges[i].at
		for ; i < len(edges) && edges[i].at == now; i++ {
			e := edges[i]
			if e.p.counted == CountExcluded {
				k := wc{e.p.weight, e.p.cause}
				if exclActive[k] += e.delta; exclActive[k] == 0 {
					delete(exclActive, k)
				}
			} else if liableActive[e.p.weight] += e.delta; liableActive[e.p.weight] == 0 {
				delete(liableActive, e.p.weight)
			}
		}
		if i == len(edges) {
			break
		}
		next := edges[i].at
		var liable, excl int64
		var exclCause Cause
		for w := range liableActive {
			liable = max(liable, w)
		}
		for k := range exclActive {
			if k.w > excl || (k.w == excl && causeRank[k.c] < causeRank[exclCause]) {
				excl, exclCause = k.w, k.c
			}
		}
		if liable == 0 && excl == 0 {
			continue
		}
		// Time inside an excused window is outside the period (D − P).
		d := outside(now, next)
		t.liable += d * liable
		if excl > liable {
			t.excluded[exclCause] += d * (excl - liable)
		}
	}
	return t
}

// grid is the fixed intervals a plan counts downtime in (Plan.CountIn),
// step seconds long from origin (the period's start); a zero step counts
// downtime as it is.
type grid struct {
	origin, step int64
}

func gridOf(plan *Plan, origin time.Time) grid {
	return grid{origin: origin.Unix(), step: int64(plan.CountIn / time.Second)}
}

// out rounds [a, b) out to whole cells of the grid, within win: the cell
// holding a starts it and the cell holding b−1 ends it.
func (g grid) out(a, b int64, win timeline.Interval) (int64, int64) {
	if g.step <= 0 || b <= a {
		return a, b
	}
	a = g.origin + floorDiv(a-g.origin, g.step)*g.step
	b = g.origin + (floorDiv(b-g.origin-1, g.step)+1)*g.step
	return max(a, win.Start.Unix()), min(b, win.End.Unix())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func minutes(thousandthSeconds int64) float64 {
	return float64(thousandthSeconds) / 60000
}

// avail is the availability of one plan over one window: the same for
// every subscription on the plan with that window, so it is computed once.
type avail struct {
	t          tally
	uptime     *big.Rat
	components []*ComponentUptime
	intervals  []*Interval
	perf       []*PerfResult
	pieces     []piece
	coverage   []*ComponentCoverage
	noData     bool
	// rounded is the liable downtime (thousandths of seconds) counting in
	// whole intervals added; compPieces, compRemoved and worst keep what
	// combine: worst needs to work it out.
	rounded     int64
	compPieces  [][]piece
	compRemoved []timeline.Set
	worst       int
}

type availKey struct {
	plan               *Plan
	start, end, origin int64
}

// availability is plan's availability over win, a part of the period (or
// rolling window) that starts at origin, where whole-interval counting
// (Plan.CountIn) lays its grid from.
func (e *engine) availability(plan *Plan, win timeline.Interval, origin time.Time) *avail {
	k := availKey{plan, win.Start.Unix(), win.End.Unix(), origin.Unix()}
	if a, ok := e.avails[k]; ok {
		return a
	}
	a := &avail{components: []*ComponentUptime{}}
	g := gridOf(plan, origin)
	var windows timeline.Set
	var perComp []tally
	for _, comp := range plan.Components {
		pieces := e.cachedPieces(comp, plan, win)
		var removed timeline.Set
		if plan.Formula == FormulaRemoved {
			timely, _ := e.windows(comp, plan)
			for _, m := range timely {
				removed = removed.Union(timeline.NewSet(timeline.NewInterval(m.Start, m.End).Intersect(win)))
			}
		}
		t := count(pieces, win, removed, g)
		cu := &ComponentUptime{Component: comp, Uptime: ratFloat(t.uptime(plan.Formula)), LiableMinutes: minutes(t.liable)}
		a.components = append(a.components, cu)
		if c := e.pol.Components[comp]; c != nil && c.Beta {
			// Shown, but it carries no credit and stays out of the service.
			cu.Excluded = "beta or experimental: no credit"
			pieces = append([]piece(nil), pieces...)
			for i := range pieces {
				pieces[i].counted = CountBeta
			}
			if e.req.Explain {
				a.intervals = append(a.intervals, e.explain(pieces)...)
			}
			continue
		}
		perComp = append(perComp, t)
		a.compPieces = append(a.compPieces, pieces)
		a.compRemoved = append(a.compRemoved, removed)
		a.pieces = append(a.pieces, pieces...)
		windows = windows.Union(removed)
		if e.req.Explain {
			a.intervals = append(a.intervals, e.explain(pieces)...)
		}
	}
	if e.req.Explain {
		for _, iv := range windows {
			a.intervals = append(a.intervals, &Interval{Start: iv.Start, End: iv.End, Minutes: iv.Duration().Minutes(), Counted: CountWindow, Facts: e.windowFacts(plan, iv), Note: "scheduled maintenance removed from the period (D − P)"})
		}
		sort.SliceStable(a.intervals, func(i, j int) bool {
			if !a.intervals[i].Start.Equal(a.intervals[j].Start) {
				return a.intervals[i].Start.Before(a.intervals[j].Start)
			}
			return a.intervals[i].Component < a.intervals[j].Component
		})
	}
	switch {
	case len(perComp) == 0:
		a.t = count(nil, win, nil, grid{})
	case plan.Combine == CombineWorst:
		// The worst component decides.
		worst := 0
		for i := range perComp {
			if perComp[i].uptime(plan.Formula).Cmp(perComp[worst].uptime(plan.Formula)) < 0 {
				worst = i
			}
		}
		a.t = perComp[worst]
		a.worst = worst
	default:
		a.t = count(a.pieces, win, windows, g)
	}
	if g.step > 0 && len(perComp) > 0 {
		// What the whole intervals added to the downtime as it was.
		raw := count(a.pieces, win, windows, grid{})
		if plan.Combine == CombineWorst {
			raw = count(a.compPieces[a.worst], win, a.compRemoved[a.worst], grid{})
		}
		a.rounded = a.t.liable - raw.liable
	}
	a.uptime = a.t.uptime(plan.Formula)
	a.perf = e.performance(plan, win)
	a.coverage, a.noData = e.covered(plan, win)
	e.avails[k] = a
	return a
}

// covered is, per tracked component of the plan (one with coverage
// evidence), the share of win its monitoring covered. noData holds when
// every component that counts (beta ones do not) is tracked and none was
// covered at all: nothing was measured, so nothing can be called met.
func (e *engine) covered(plan *Plan, win timeline.Interval) (out []*ComponentCoverage, noData bool) {
	counted, tracked, minutes := 0, 0, time.Duration(0)
	for _, comp := range plan.Components {
		beta := e.pol.Components[comp] != nil && e.pol.Components[comp].Beta
		if !beta {
			counted++
		}
		set, ok := e.coverage[comp]
		if !ok {
			continue
		}
		c := &ComponentCoverage{Component: comp, NoData: true}
		if in := set.Clip(win); len(in) > 0 {
			first, last := in[0].Start, in[len(in)-1].End
			c.Minutes, c.First, c.Last, c.NoData = in.Duration().Minutes(), &first, &last, false
		}
		out = append(out, c)
		if !beta {
			tracked++
			minutes += set.Clip(win).Duration()
		}
	}
	return out, counted > 0 && tracked == counted && minutes == 0
}

// subscription computes one subscription's figures for one plan period.
func (e *engine) subscription(s *Subscription, pp planPeriod, win timeline.Interval) *SubscriptionReport {
	v, plan, period := pp.version, pp.plan, pp.period
	a := e.availability(plan, win, pp.iv.Start)
	t := a.t
	sr := &SubscriptionReport{
		Customer: s.Customer, Subscription: s.ID, Plan: plan.ID, Override: plan != v.Plans[plan.ID],
		Period: period.String(), TimeZone: plan.Location.String(), Start: win.Start, End: win.End,
		Objective: ratFloat(plan.Objective), Formula: plan.Formula, ExcludedMinutes: map[Cause]float64{},
		Components: a.components, Intervals: a.intervals, Performance: a.perf,
		Uptime: ratFloat(a.uptime), UptimeExact: a.uptime.RatString(), Met: a.uptime.Cmp(plan.Objective) >= 0 && !a.noData,
		Coverage: a.coverage, NoData: a.noData,
		TotalMinutes: float64(t.total) / 60, MaintenanceMinutes: float64(t.window) / 60,
		LiableMinutes: minutes(t.liable), IgnoredMinutes: minutes(t.ignored), RoundedMinutes: minutes(a.rounded),
	}
	for c, v := range t.excluded {
		sr.ExcludedMinutes[c] = minutes(v)
	}
	sr.Credit = e.credit(s, plan, period, a.uptime, sr, a.pieces)
	for _, u := range plan.Upstream {
		sr.Upstream = append(sr.Upstream, e.upstream(u, plan, win))
	}
	if plan.Rolling > 0 {
		sr.Window = fmt.Sprintf("rolling %dd", plan.Rolling)
	}
	// The budget runs to the period's (or window's) end, or to the
	// subscription's if it ends first: no downtime can come after it.
	until := pp.iv.End
	if !s.End.IsZero() && s.End.Before(until) {
		until = s.End
	}
	sr.Budget = budget(plan, a.uptime, t, win, until)
	return sr
}

// budget is the error budget of a subscription period whose uptime so far
// is uptime over the window win (ending at AsOf while the period runs);
// until is the period's end, or a rolling window's, which win reaches.
// The arithmetic, in seconds of the denominator d (the whole period from
// win.Start, less the maintenance removed so far under FormulaRemoved):
// allowed = (100 − objective) × d ÷ 100; used = (100 − uptime) × d' ÷ 100
// where d' is the denominator so far; at the period's end with no more
// downtime the uptime is (d − used) ÷ d × 100.
func budget(plan *Plan, uptime *big.Rat, t tally, win timeline.Interval, until time.Time) Budget {
	full := until.Sub(win.Start) / time.Second
	d := big.NewRat(int64(full), 1)
	soFar := big.NewRat(t.total, 1)
	if plan.Formula == FormulaRemoved {
		d.Sub(d, big.NewRat(t.window, 1))
		soFar.Sub(soFar, big.NewRat(t.window, 1))
	}
	if d.Sign() <= 0 || uptime == nil {
		return Budget{}
	}
	hundred := big.NewRat(100, 1)
	pct := func(x *big.Rat) *big.Rat { return new(big.Rat).Quo(x, hundred) }
	allowed := new(big.Rat).Mul(pct(new(big.Rat).Sub(hundred, plan.Objective)), d)
	used := new(big.Rat).Mul(pct(new(big.Rat).Sub(hundred, uptime)), soFar)
	end := new(big.Rat).Quo(new(big.Rat).Sub(d, used), d)
	end.Mul(end, hundred)
	noCap := plan.Credits
	noCap.Cap = nil
	b := Budget{
		AllowedMinutes: ratFloat(allowed) / 60, UsedMinutes: ratFloat(used) / 60,
		LeftMinutes: ratFloat(new(big.Rat).Sub(allowed, used)) / 60,
		EndUptime:   ratFloat(end), EndCredit: ratFloat(CreditPercent(&noCap, plan.Objective, end)),
	}
	if allowed.Sign() > 0 {
		b.UsedPercent = ratFloat(new(big.Rat).Quo(used, allowed)) * 100
	}
	// The next tier: the highest "below" the end uptime has not fallen
	// under yet, whose credit beats the one heading.
	cur := CreditPercent(&noCap, plan.Objective, end)
	var next *Tier
	for i := range plan.Credits.Tiers {
		tr := &plan.Credits.Tiers[i]
		if tr.Below == nil || tr.Percent == nil || end.Cmp(tr.Below) < 0 || tr.Percent.Cmp(cur) <= 0 {
			continue
		}
		if next == nil || tr.Below.Cmp(next.Below) > 0 {
			next = tr
		}
	}
	if next != nil {
		left := new(big.Rat).Mul(pct(new(big.Rat).Sub(end, next.Below)), d)
		b.NextTier = &NextTier{Below: ratFloat(next.Below), CreditPercent: ratFloat(next.Percent), MinutesLeft: ratFloat(left) / 60}
	}
	return b
}

func (e *engine) windowFacts(plan *Plan, iv timeline.Interval) []string {
	var ids []string
	for _, comp := range plan.Components {
		timely, _ := e.windows(comp, plan)
		for _, m := range timely {
			if timeline.NewInterval(m.Start, m.End).Overlaps(iv) {
				ids = appendUnique(ids, m.ID)
			}
		}
	}
	return ids
}

func (e *engine) explain(pieces []piece) []*Interval {
	out := make([]*Interval, 0, len(pieces))
	for _, p := range pieces {
		out = append(out, &Interval{Start: p.iv.Start, End: p.iv.End, Minutes: p.iv.Duration().Minutes(), Component: p.comp, Status: p.status,
			Weight: float64(p.weight) / 1000, Cause: p.cause, Counted: p.counted, Facts: p.facts, Note: p.note})
	}
	return out
}

// performance evaluates the plan's performance objectives over win. An
// objective with no sample in win is no data: not met, no credit. With a
// location rule each location's samples are judged alone and the
// objective is met when enough locations meet it; Value is then the
// aggregate of every sample, for reference.
func (e *engine) performance(plan *Plan, win timeline.Interval) []*PerfResult {
	var out []*PerfResult
	for _, po := range plan.Performance {
		r := &PerfResult{ID: po.ID, Metric: po.Metric, Aggregate: po.Aggregate}
		if po.Max != nil {
			r.Bound = "below " + po.Max.FloatString(3)
		} else {
			r.Bound = "at least " + po.Min.FloatString(3)
		}
		var vals []*Sample
		byLoc := map[string][]*Sample{}
		for _, comp := range po.Components {
			if c := e.pol.Components[comp]; c != nil && c.Beta {
				continue
			}
			for _, s := range e.samples[comp] {
				if s.Metric == po.Metric && win.Contains(s.At) {
					vals = append(vals, s)
					byLoc[s.Location] = append(byLoc[s.Location], s)
					r.Facts = append(r.Facts, s.ID)
					r.Samples += int(max(s.Count, 1))
				}
			}
		}
		if len(vals) == 0 {
			r.NoData = true
			out = append(out, r)
			continue
		}
		v := aggregate(po.Aggregate, vals)
		r.Value = &v
		if lr := po.Locations; lr != nil {
			met := 0
			for _, loc := range slices.Sorted(maps.Keys(byLoc)) {
				lv := aggregate(po.Aggregate, byLoc[loc])
				n := 0
				for _, s := range byLoc[loc] {
					n += int(max(s.Count, 1))
				}
				l := &LocationResult{Location: loc, Value: lv, Samples: n, Met: po.meets(lv)}
				if l.Met {
					met++
				}
				r.Locations = append(r.Locations, l)
			}
			n := len(r.Locations)
			switch {
			case lr.Most:
				r.Rule, r.Met = "most", 2*met > n
			case lr.All:
				r.Rule, r.Met = "all", met == n
			default:
				r.Rule, r.Met = fmt.Sprintf("at least %d", lr.AtLeast), met >= lr.AtLeast
			}
		} else {
			r.Met = po.meets(v)
		}
		if !r.Met {
			r.Credit = ratFloat(po.Credit)
		}
		out = append(out, r)
	}
	return out
}

// meets reports whether v satisfies the objective's bound, compared
// exactly.
func (po *PerfObjective) meets(v float64) bool {
	rv := new(big.Rat)
	if rv.SetFloat64(v) == nil {
		return false
	}
	if po.Max != nil {
		return rv.Cmp(po.Max) < 0
	}
	return rv.Cmp(po.Min) >= 0
}

// aggregate computes mean, min, max or a nearest-rank percentile of the
// measurements the samples stand for. A sample summarising Count of them
// (a server's hourly aggregate) counts Count times at its mean for the
// mean and the percentiles, and by its Min and Max for min and max: mean,
// min and max are exact; a percentile is that of the summaries' means
// weighted by their counts, which is within the spread of one summary's
// measurements of the true one.
func aggregate(agg string, samples []*Sample) float64 {
	// A sample made by hand (Count 0) is one measurement.
	lo := func(s *Sample) float64 {
		if s.Count == 0 {
			return s.Value
		}
		return s.Min
	}
	hi := func(s *Sample) float64 {
		if s.Count == 0 {
			return s.Value
		}
		return s.Max
	}
	switch agg {
	case "min":
		v := lo(samples[0])
		for _, s := range samples {
			v = min(v, lo(s))
		}
		return v
	case "max":
		v := hi(samples[0])
		for _, s := range samples {
			v = max(v, hi(s))
		}
		return v
	case "mean":
		var sum float64
		var n int64
		for _, s := range samples {
			c := max(s.Count, 1)
			sum += s.Value * float64(c)
			n += c
		}
		return sum / float64(n)
	}
	sorted := slices.Clone(samples)
	slices.SortStableFunc(sorted, func(a, b *Sample) int { return cmp.Compare(a.Value, b.Value) })
	var total int64
	for _, s := range sorted {
		total += max(s.Count, 1)
	}
	var pct float64
	fmt.Sscanf(strings.TrimPrefix(agg, "p"), "%g", &pct)
	rank := int64(math.Ceil(pct / 100 * float64(total)))
	rank = max(1, min(rank, total))
	for _, s := range sorted {
		if rank -= max(s.Count, 1); rank <= 0 {
			return s.Value
		}
	}
	return sorted[len(sorted)-1].Value
}

// credit computes the credit owed for one subscription period.
func (e *engine) credit(s *Subscription, plan *Plan, period timeline.Period, uptime *big.Rat, sr *SubscriptionReport, pieces []piece) CreditResult {
	cr := CreditResult{Currency: s.Currency, Eligible: true, State: CreditNone, Amount: "0.00", Owed: "0.00"}
	if plan.Rolling > 0 {
		// The parser refuses credits on a rolling window: it has no end
		// to settle them at.
		return cr
	}
	uncapped := new(big.Rat)
	if len(plan.Credits.Tiers) > 0 || plan.Credits.Linear != nil {
		noCap := plan.Credits
		noCap.Cap = nil
		uncapped.Add(uncapped, CreditPercent(&noCap, plan.Objective, uptime))
	}
	for i, po := range plan.Performance {
		// An objective without a sample is not met, but nothing shows it
		// was missed: it earns no credit (its PerfResult says 0).
		if r := sr.Performance[i]; !r.Met && !r.NoData {
			uncapped.Add(uncapped, po.Credit)
		}
	}
	pct := new(big.Rat).Set(uncapped)
	limit := big.NewRat(100, 1)
	if plan.Credits.Cap != nil {
		limit = plan.Credits.Cap
	}
	if pct.Cmp(limit) > 0 {
		pct.Set(limit)
		cr.Capped = true
	}
	cr.Percent = ratFloat(pct)
	cr.Uncapped = ratFloat(uncapped)
	amount := new(big.Rat)
	if s.Fee != nil {
		amount.Mul(s.Fee, pct)
		amount.Quo(amount, big.NewRat(100, 1))
	}
	cr.Amount = cents(amount)

	if plan.Eligibility.GoodStanding {
		if st := e.standing(s.Customer, period.Interval().End); st != StandingGood {
			cr.Eligible = false
			cr.Ineligible = append(cr.Ineligible, fmt.Sprintf("account not in good standing (%s) at the end of the period", st))
		}
	}
	if plan.Eligibility.NotTrial && s.Trial {
		cr.Eligible = false
		cr.Ineligible = append(cr.Ineligible, "free trial")
	}
	if pct.Sign() == 0 {
		return cr
	}
	if !plan.Credits.Claim.Automatic {
		from := period.Interval().End
		if plan.Credits.Claim.FromFailure {
			var last time.Time
			for _, p := range pieces {
				if (p.counted == CountLiable || p.counted == CountLateNotice || p.counted == CountUnwindowed) && p.iv.End.After(last) {
					last = p.iv.End
				}
			}
			if !last.IsZero() {
				from = last
			}
		}
		// A Within of 0 is no deadline (claim: on_request), as the
		// reduction checker reads it too.
		if w := plan.Credits.Claim.Within; w > 0 {
			dl := from.Add(w)
			cr.ClaimDeadline = &dl
		}
	}
	switch {
	case !cr.Eligible:
		cr.State = CreditNone
	case plan.Credits.Claim.Automatic:
		cr.State = CreditAutomatic
	default:
		cr.State = CreditExpired
		if cr.ClaimDeadline == nil || e.req.AsOf.Before(*cr.ClaimDeadline) {
			cr.State = CreditOpen
		}
		for _, c := range e.claims[s.ID] {
			if c.Period != sr.Period {
				continue
			}
			cr.Claim = c.ID
			if cr.ClaimDeadline == nil || !c.At.After(*cr.ClaimDeadline) {
				cr.State = CreditClaimed
				break
			}
			cr.State = CreditLate
		}
	}
	if cr.State == CreditAutomatic || cr.State == CreditClaimed {
		cr.Owed = cr.Amount
	}
	return cr
}

// standing is the customer's standing at t (the last record before it).
func (e *engine) standing(customer string, t time.Time) Standing {
	st := StandingGood
	for _, c := range e.customers[customer] {
		if c.At.Before(t) {
			st = c.Standing
		}
	}
	return st
}

// cents rounds half to even to two decimals, as invoices do.
func cents(r *big.Rat) string {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	q, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	// Compare 2·remainder with the denominator for half-even rounding.
	twice := new(big.Int).Mul(m.Abs(m), big.NewInt(2))
	switch c := twice.Cmp(x.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if x.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	neg := q.Sign() < 0
	q.Abs(q)
	s := fmt.Sprintf("%03s", q.String())
	out := s[:len(s)-2] + "." + s[len(s)-2:]
	if neg {
		out = "-" + out
	}
	return out
}

// upstream is an upstream component's own uptime over win (see
// UpstreamReport).
func (e *engine) upstream(u *UpstreamObjective, plan *Plan, win timeline.Interval) *UpstreamReport {
	total := win.End.Sub(win.Start)
	down := e.downSet(u.Component, plan, win).Duration()
	ur := &UpstreamReport{Component: u.Component, Uptime: 100, DownMinutes: down.Minutes()}
	if total > 0 {
		up := big.NewRat(int64(total-down), int64(total))
		up.Mul(up, big.NewRat(100, 1))
		ur.Uptime = ratFloat(up)
		if u.Objective != nil {
			o, met := ratFloat(u.Objective), up.Cmp(u.Objective) >= 0
			ur.Objective, ur.Met = &o, &met
		}
	}
	return ur
}
