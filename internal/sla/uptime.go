package sla

import (
	"math/big"
	"sort"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// UptimeRule is how a public status page weighs the statuses, which is its
// own statement and not any contract's: no minimum downtime, no excluded
// causes (downtime is downtime, whoever is liable).
type UptimeRule struct {
	// Weights gives each status its share of downtime in thousandths, as
	// Plan.Weights does; a status not listed counts as up.
	Weights map[Status]int64
	// Removed statuses are left out of the figures: time in them is taken
	// out of the window, as D − P takes out maintenance. When
	// UnderMaintenance is removed, so are the maintenance windows of the
	// evidence (however late they were announced).
	Removed map[Status]bool
	// Since is, per component, when evidence other than facts began (its
	// monitors' first results): a component checked and never changed has
	// no status fact, yet has been measured up since its first check.
	Since map[string]time.Time
}

// UptimeFigure is one component's uptime over one window.
type UptimeFigure struct {
	// Measured is the part of the window with evidence: from the
	// component's first fact on. Empty when there was none yet.
	Measured timeline.Interval
	// Uptime is the exact percentage; nil when nothing was measured, or
	// when all of the measured time was removed.
	Uptime *big.Rat
	// DownSeconds is the weighted downtime counted, in seconds.
	DownSeconds float64
}

// Uptimes computes status page figures with the engine's arithmetic: the
// same merged timeline (worst claim wins, incident impacts included) and the
// same exact tally as a report. Build it once per evidence; it is not safe
// for concurrent use.
type Uptimes struct {
	e    *engine
	plan *Plan
	rule UptimeRule
}

// NewUptimes indexes the evidence for rule.
func NewUptimes(ev *Evidence, rule UptimeRule) *Uptimes {
	pol := &Policy{Components: map[string]*Component{}}
	plan := &Plan{ID: "status-page", Weights: rule.Weights, Excluded: map[Cause]bool{}, Formula: FormulaRemoved}
	e := newEngine(Request{Policy: pol, Evidence: ev})
	return &Uptimes{e: e, plan: plan, rule: rule}
}

// First is the instant of the component's first evidence, facts or
// Since; zero when there is none.
func (u *Uptimes) First(comp string) time.Time {
	first := u.rule.Since[comp]
	if segs := u.e.timeline(comp); len(segs) > 0 && (first.IsZero() || segs[0].start.Before(first)) {
		first = segs[0].start
	}
	return first
}

// Component computes comp's figure for each window.
func (u *Uptimes) Component(comp string, windows []timeline.Interval) []UptimeFigure {
	out := make([]UptimeFigure, len(windows))
	first := u.First(comp)
	if first.IsZero() || len(windows) == 0 {
		return out
	}
	span := windows[0]
	for _, w := range windows[1:] {
		span = timeline.NewInterval(earliest(span.Start, w.Start), latest(span.End, w.End))
	}
	span = span.Intersect(timeline.NewInterval(first, farFuture))
	// One pass of attribution over the whole span; each window then takes
	// its part. Episodes are measured whole either way, so this is the
	// same as computing each window alone.
	pieces := u.e.componentPieces(comp, u.plan, span)
	var removed timeline.Set
	for _, s := range u.e.timeline(comp) {
		if u.rule.Removed[s.status] {
			removed = removed.Union(timeline.NewSet(timeline.NewInterval(s.start, s.end).Intersect(span)))
		}
	}
	if u.rule.Removed[UnderMaintenance] {
		for _, m := range u.e.maint[comp] {
			removed = removed.Union(timeline.NewSet(timeline.NewInterval(m.Start, m.End).Intersect(span)))
		}
	}
	var clipped []piece
	for i, w := range windows {
		win := w.Intersect(timeline.NewInterval(first, farFuture))
		if win.Empty() {
			continue
		}
		clipped = clipped[:0]
		// One component's pieces follow each other in time: start at the
		// first that ends inside the window.
		k := sort.Search(len(pieces), func(k int) bool { return pieces[k].iv.End.After(win.Start) })
		for ; k < len(pieces) && pieces[k].iv.Start.Before(win.End); k++ {
			if iv := pieces[k].iv.Intersect(win); !iv.Empty() {
				q := pieces[k]
				q.iv = iv
				clipped = append(clipped, q)
			}
		}
		cut := removed.Clip(win)
		var t tally
		if len(clipped) == 0 && len(cut) == 0 {
			// Nothing counted and nothing removed: the tally is the
			// window alone (most days of most components).
			t = tally{total: int64(win.Duration() / time.Second)}
		} else {
			t = count(clipped, win, cut, grid{})
		}
		out[i].Measured = win
		out[i].DownSeconds = float64(t.liable) / 1000
		if t.total > t.window {
			out[i].Uptime = t.uptime(FormulaRemoved)
		}
	}
	return out
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
