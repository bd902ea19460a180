package sla

import (
	"fmt"
	"slices"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// The metric names of ticket targets and incident obligations.
const (
	MetricFirstResponse   = "first_response"
	MetricOngoingResponse = "ongoing_response"
	MetricUpdateEvery     = "update_every"
	MetricResolution      = "resolution"
	MetricPostmortem      = "postmortem"
)

// EvaluateTicket computes every target of one ticket as of asOf. The caller
// fills the report's Customer and Plan. events are the ticket's events in any
// order; they are sorted stably by At (ties keep their input order) and the
// ones after asOf are ignored, as they have not happened yet. A nil s yields a
// report without targets.
//
// The rules mirror Zendesk SLA policies:
//
//   - Status. A ticket starts "open". A status event sets its status, solved
//     sets "solved" and reopened sets "open". The ticket is solved while its
//     status is "solved" or "closed"; leaving that state, by a reopened event
//     or a status event, is a reopen. A reopened event on an unsolved ticket,
//     a solved event on a solved one and a status event that repeats the
//     current status change nothing.
//   - Pauses. The clocks stop while the status is one of s.Pause (such as
//     "pending" or "on_hold") and while the ticket is solved. Pauses are
//     known up to the end of what is measured: the achievement, or asOf.
//   - Priority. A metric uses the priority in effect when it was achieved, or
//     at asOf when it was not; a priority event that repeats the current
//     priority is no change. With s.PriorityRestart false (Zendesk's
//     "recompute") every target is measured from its natural start; with
//     true, a metric not achieved before a priority change is measured from
//     the change (or from a later start: a reopen, a cycle's start). A priority without targets, or a metric without a target,
//     yields no result.
//   - Deadline, used time and state. Deadline is the calendar's AddExcept of
//     the target from the start over the pauses; used is the business time
//     outside pauses from the start to the achievement or asOf. A target is
//     met when achieved at or before its deadline (exactly on it is met),
//     breached when achieved after it or not achieved by asOf ≥ deadline,
//     and pending otherwise.
//   - first_response runs from creation to the first agent_reply. Solving a
//     ticket that has no agent reply fulfils it at the solve time.
//   - ongoing_response (the time between the latest customer response and
//     the support team's response) is a recurring target: once the first
//     response is achieved, a customer_reply on an unsolved ticket without an
//     open cycle starts a cycle (further customer replies before an answer do
//     not restart it); the next agent_reply or solve ends it. A customer
//     reply while the ticket is solved starts a cycle only when the ticket is
//     then reopened (the solved time does not count, so its clock runs from
//     the reopen); an agent reply before the reopen answers it.
//   - update_every (the update cadence) is a recurring target: from the first
//     agent reply while the ticket is unsolved, each gap to the next agent
//     reply, or from the last one to the solve (or asOf), is a cycle. A reopen
//     after the cadence has begun starts a new cycle at the reopen.
//   - Recurring targets are measured per cycle, each under the priority in
//     effect at the cycle's end (asOf for an open cycle); cycles whose
//     priority has no target are not counted. The result reports Cycles and
//     Breaches, UsedMinutes of the worst cycle, and the deadline, target and
//     calendar of the first breached cycle, or else of the last cycle. It is
//     breached when any cycle is, pending when the last cycle is still open
//     and not yet due, and met otherwise. An open cycle counts as breached
//     only when asOf ≥ its deadline. AchievedAt is the end of the last cycle
//     when it is closed. A recurring target without any cycle yet (no
//     customer reply to answer, no agent reply yet) yields no result, as
//     Zendesk shows no instance of a metric that was never activated.
//   - resolution runs from creation to the solve. On a reopen, with
//     s.ReopenRestart false the clock continues (the time while solved does
//     not count); with true a new clock starts at the reopen and the last
//     clock is reported. It is achieved at the solve that the ticket is still
//     solved from at asOf.
//
// TargetMinutes is the target in minutes and Calendar the target calendar's
// name; a target without a calendar counts 24/7 in UTC. Deadline and
// AchievedAt are in UTC. Facts list the ticket id and then, in event order,
// the events that established the outcome: the start and end of each clock,
// the priority change that decided the target, and the status changes that
// paused it.
//
// EvaluateTicket returns an error, naming the fact, for an event of another
// ticket, of an unknown kind, without its status or priority, or before the
// ticket's creation, and when asOf is before the ticket's creation.
func EvaluateTicket(t *Ticket, events []*TicketEvent, s *Support, asOf time.Time) (*TicketReport, error) {
	rep, _, err := evaluateTicket(t, events, s, asOf)
	return rep, err
}

// evaluateTicket is EvaluateTicket, with the replay it computed from
// (the status at asOf, for the live clocks).
func evaluateTicket(t *Ticket, events []*TicketEvent, s *Support, asOf time.Time) (*TicketReport, *ticketReplay, error) {
	if t == nil {
		return nil, nil, &InputError{Msg: "ticket: missing ticket"}
	}
	r, err := replayTicket(t, events, s, asOf)
	if err != nil {
		return nil, nil, err
	}
	rep := &TicketReport{
		Ticket:   t.ID,
		Priority: r.priorityAt(len(r.events)),
		Targets:  []*TargetResult{},
	}
	if s == nil {
		return rep, r, nil
	}
	for _, eval := range []func() (*TargetResult, error){r.firstResponse, r.ongoingResponse, r.updateEvery, r.resolution} {
		res, err := eval()
		if err != nil {
			return nil, nil, fmt.Errorf("ticket %s: %w", t.ID, err)
		}
		if res != nil {
			rep.Targets = append(rep.Targets, res)
		}
	}
	return rep, r, nil
}

// Positions in a replayed ticket: an event's index, posCreated for the
// ticket's creation and len(events) for asOf.
const posCreated = -1

// ticketReplay is a ticket's history replayed up to asOf.
type ticketReplay struct {
	t      *Ticket
	s      *Support
	asOf   time.Time
	events []*TicketEvent
	// prio[i] is the priority after event i and prioEv[i] the index of the
	// event that set it (posCreated for the ticket's own).
	prio   []string
	prioEv []int
	// solve[i] and reopen[i] mark the events that solve or reopen the ticket.
	solve, reopen []bool
	// statusAtEnd is the ticket's status at asOf; solvedAtEnd says it is
	// solved then.
	statusAtEnd string
	solvedAtEnd bool
	pauses      timeline.Set
	spans       []ticketPause
	// windows holds, per metric, the measured stretch of the clock a
	// result reports last (the last cycle of a recurring target), for the
	// live clocks' timelines.
	windows map[string]clockWindow
}

// clockWindow is one clock's measured stretch and the pauses within it.
type clockWindow struct {
	window timeline.Interval
	paused timeline.Set
	done   bool
}

// ticketPause is one stretch during which the clocks stop, with the events
// that began, changed and ended it.
type ticketPause struct {
	iv     timeline.Interval
	events []int
}

// ticketSolvedStatus reports whether status means the ticket is solved.
func ticketSolvedStatus(status string) bool {
	return status == "solved" || status == "closed"
}

// replayTicket validates and sorts the events and replays the ticket's
// status and priority.
func replayTicket(t *Ticket, events []*TicketEvent, s *Support, asOf time.Time) (*ticketReplay, error) {
	if asOf.Before(t.At) {
		return nil, &InputError{Field: "at", Msg: fmt.Sprintf("ticket %s: created at %s, after the evaluation time %s",
			t.ID, oblTime(t.At), oblTime(asOf))}
	}
	var evs []*TicketEvent
	for _, e := range events {
		if e == nil {
			return nil, &InputError{Msg: fmt.Sprintf("ticket %s: missing event", t.ID)}
		}
		if err := checkTicketEvent(t, e); err != nil {
			return nil, err
		}
		if !e.At.After(asOf) {
			evs = append(evs, e)
		}
	}
	slices.SortStableFunc(evs, func(a, b *TicketEvent) int { return a.At.Compare(b.At) })

	n := len(evs)
	r := &ticketReplay{
		t: t, s: s, asOf: asOf, events: evs,
		prio: make([]string, n), prioEv: make([]int, n),
		solve: make([]bool, n), reopen: make([]bool, n),
	}
	paused := func(status string) bool {
		return ticketSolvedStatus(status) || (s != nil && s.Pause[status])
	}
	status, prio, prioEv := "open", t.Priority, posCreated
	var cur *ticketPause // the pause in progress
	for i, e := range evs {
		next := status
		switch e.Kind {
		case TicketStatus:
			next = e.Status
		case TicketSolved:
			if !ticketSolvedStatus(status) {
				next = "solved"
			}
		case TicketReopened:
			if ticketSolvedStatus(status) {
				next = "open"
			}
		case TicketPriority:
			if e.Priority != prio {
				prio, prioEv = e.Priority, i
			}
		}
		if next != status {
			wasSolved, isSolved := ticketSolvedStatus(status), ticketSolvedStatus(next)
			r.solve[i] = !wasSolved && isSolved
			r.reopen[i] = wasSolved && !isSolved
			switch wasPaused, isPaused := paused(status), paused(next); {
			case !wasPaused && isPaused:
				cur = &ticketPause{iv: timeline.Interval{Start: e.At}, events: []int{i}}
			case wasPaused && !isPaused:
				cur.iv.End = e.At
				cur.events = append(cur.events, i)
				r.addPause(cur)
				cur = nil
			case wasPaused && isPaused:
				cur.events = append(cur.events, i)
			}
			status = next
		}
		r.prio[i], r.prioEv[i] = prio, prioEv
	}
	if cur != nil {
		cur.iv.End = asOf
		r.addPause(cur)
	}
	r.statusAtEnd, r.solvedAtEnd = status, ticketSolvedStatus(status)
	for _, p := range r.spans {
		r.pauses = append(r.pauses, p.iv)
	}
	r.pauses = timeline.NewSet(r.pauses...)
	return r, nil
}

// addPause keeps a pause that is not empty.
func (r *ticketReplay) addPause(p *ticketPause) {
	p.iv = timeline.NewInterval(p.iv.Start, p.iv.End)
	if !p.iv.Empty() {
		r.spans = append(r.spans, *p)
	}
}

// checkTicketEvent validates one event of t.
func checkTicketEvent(t *Ticket, e *TicketEvent) error {
	bad := func(field, format string, args ...any) error {
		return &InputError{Field: field, Msg: fmt.Sprintf("ticket event %s: ", e.ID) + fmt.Sprintf(format, args...)}
	}
	if e.Ticket != t.ID {
		return bad("ticket", "belongs to ticket %q, not %q", e.Ticket, t.ID)
	}
	switch e.Kind {
	case TicketAgentReply, TicketCustomerReply, TicketSolved, TicketReopened:
	case TicketStatus:
		if e.Status == "" {
			return bad("status", "a status event needs a status")
		}
	case TicketPriority:
		if e.Priority == "" {
			return bad("priority", "a priority event needs a priority")
		}
	default:
		return bad("kind", "unknown kind %q", e.Kind)
	}
	if e.At.Before(t.At) {
		return bad("at", "at %s is before ticket %s was created at %s",
			oblTime(e.At), t.ID, oblTime(t.At))
	}
	return nil
}

// at returns the instant of position p.
func (r *ticketReplay) at(p int) time.Time {
	switch {
	case p == posCreated:
		return r.t.At
	case p >= len(r.events):
		return r.asOf
	}
	return r.events[p].At
}

// priorityAt returns the priority in effect at position p.
func (r *ticketReplay) priorityAt(p int) string {
	name, _ := r.priorityOf(p)
	return name
}

// priorityOf returns the priority in effect at position p and the position
// of the event that set it.
func (r *ticketReplay) priorityOf(p int) (string, int) {
	if p >= len(r.events) {
		p = len(r.events) - 1
	}
	if p < 0 {
		return r.t.Priority, posCreated
	}
	return r.prio[p], r.prioEv[p]
}

// ticketClock is one measured stretch of a ticket target: from position
// start to position end, achieved at end when done (otherwise end is asOf).
type ticketClock struct {
	start, end int
	done       bool
}

// ticketMeasure is a clock's outcome.
type ticketMeasure struct {
	target   *Target
	deadline time.Time
	used     time.Duration
	state    string
	achieved time.Time
	done     bool
	facts    map[int]bool
	window   clockWindow
	// lowerDeadline and band are set for a target given as a range.
	lowerDeadline time.Time
	band          string
}

// targetPick picks one metric's target from a priority's targets.
type targetPick func(*Targets) *Target

// measure evaluates clock c under the priority in effect at its end. It
// returns nil when that priority has no target for the metric.
func (r *ticketReplay) measure(c ticketClock, pick targetPick) (*ticketMeasure, error) {
	prio, prioEv := r.priorityOf(c.end)
	tgs := r.s.Priorities[prio]
	if tgs == nil {
		return nil, nil
	}
	tg := pick(tgs)
	if tg == nil {
		return nil, nil
	}
	facts := map[int]bool{}
	if prioEv != posCreated {
		facts[prioEv] = true
		// The change that set the priority precedes the end (an achieving
		// event is never a priority event); after the start, it restarts.
		if r.s.PriorityRestart && prioEv > c.start {
			c.start = prioEv
		}
	}
	if c.start != posCreated {
		facts[c.start] = true
	}
	if c.done {
		facts[c.end] = true
	}
	start, end := r.at(c.start), r.at(c.end)
	window := timeline.NewInterval(start, end)
	pauses := r.pauses.Clip(window)
	for _, p := range r.spans {
		if p.iv.Overlaps(window) {
			for _, i := range p.events {
				facts[i] = true
			}
		}
	}
	cal := targetCalendar(tg)
	deadline, err := targetDeadline(cal, start, tg.Duration, pauses)
	if err != nil {
		return nil, fmt.Errorf("deadline in calendar %s: %w", cal.Name(), err)
	}
	m := &ticketMeasure{
		target:   tg,
		deadline: deadline,
		used:     cal.ElapsedExcept(start, end, pauses),
		done:     c.done,
		facts:    facts,
		window:   clockWindow{window: window, paused: pauses, done: c.done},
	}
	switch {
	case c.done && !end.After(deadline):
		m.state = TargetMet
	case c.done || !r.asOf.Before(deadline):
		m.state = TargetBreached
	default:
		m.state = TargetPending
	}
	if c.done {
		m.achieved = end.UTC()
	}
	if tg.Lower > 0 {
		if m.lowerDeadline, err = cal.AddExcept(start, tg.Lower, pauses); err != nil {
			return nil, fmt.Errorf("deadline in calendar %s: %w", cal.Name(), err)
		}
		m.band = rangeBand(m.state, c.done, end, m.lowerDeadline)
	}
	return m, nil
}

// rangeBand says which end of a range a target met, given its state
// against the upper end and, when done, when it was achieved.
func rangeBand(state string, done bool, end, lowerDeadline time.Time) string {
	switch {
	case state == TargetPending:
		return RangePending
	case state == TargetBreached:
		return RangeMissed
	case done && !end.After(lowerDeadline):
		return RangeMetLower
	default:
		return RangeMetUpper
	}
}

// setRange puts a range's lower end and band into res.
func setRange(res *TargetResult, tg *Target, lowerDeadline time.Time, band string) {
	if tg.Lower <= 0 {
		return
	}
	at := lowerDeadline.UTC()
	res.LowerMinutes = oblMinutes(tg.Lower)
	res.LowerDeadline = &at
	res.Range = band
}

// keepWindow records the stretch m measured as metric's clock window.
func (r *ticketReplay) keepWindow(metric string, m *ticketMeasure) {
	if r.windows == nil {
		r.windows = map[string]clockWindow{}
	}
	r.windows[metric] = m.window
}

// targetCalendar is the target's calendar, or 24/7 in UTC.
func targetCalendar(tg *Target) *timeline.Calendar {
	if tg.Calendar == nil {
		return timeline.Always(time.UTC)
	}
	return tg.Calendar
}

// result turns a single measure into a TargetResult.
func (r *ticketReplay) result(metric string, m *ticketMeasure) *TargetResult {
	r.keepWindow(metric, m)
	res := &TargetResult{
		Metric:        metric,
		TargetMinutes: oblMinutes(m.target.Duration),
		Calendar:      targetCalendar(m.target).Name(),
		Deadline:      m.deadline.UTC(),
		UsedMinutes:   oblMinutes(m.used),
		State:         m.state,
		Facts:         r.factIDs(m.facts),
	}
	if m.done {
		at := m.achieved
		res.AchievedAt = &at
	}
	setRange(res, m.target, m.lowerDeadline, m.band)
	return res
}

// factIDs lists the ticket id and then the ids of the events in facts, in
// event order.
func (r *ticketReplay) factIDs(facts map[int]bool) []string {
	ids := []string{r.t.ID}
	for i, e := range r.events {
		if facts[i] {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// firstResponse measures the first response target.
func (r *ticketReplay) firstResponse() (*TargetResult, error) {
	c := ticketClock{start: posCreated, end: len(r.events)}
	for i, e := range r.events {
		if e.Kind == TicketAgentReply || r.solve[i] {
			c.end, c.done = i, true
			break
		}
	}
	m, err := r.measure(c, func(t *Targets) *Target { return t.FirstResponse })
	if err != nil || m == nil {
		return nil, err
	}
	return r.result(MetricFirstResponse, m), nil
}

// resolution measures the resolution target.
func (r *ticketReplay) resolution() (*TargetResult, error) {
	c := ticketClock{start: posCreated, end: len(r.events)}
	if r.solvedAtEnd {
		for i := len(r.events) - 1; i >= 0; i-- {
			if r.solve[i] {
				c.end, c.done = i, true
				break
			}
		}
	}
	if r.s.ReopenRestart {
		for i := c.end - 1; i >= 0; i-- {
			if r.reopen[i] {
				c.start = i
				break
			}
		}
	}
	m, err := r.measure(c, func(t *Targets) *Target { return t.Resolution })
	if err != nil || m == nil {
		return nil, err
	}
	return r.result(MetricResolution, m), nil
}

// ongoingResponse measures each cycle from an unanswered customer reply to
// the answer.
func (r *ticketReplay) ongoingResponse() (*TargetResult, error) {
	var cycles []ticketClock
	answered, solved := false, false
	open := -2    // the start of the open cycle, or -2
	dormant := -2 // a customer reply while solved, waiting for a reopen
	for i, e := range r.events {
		switch {
		case r.solve[i]:
			solved, answered = true, true
			if open != -2 {
				cycles = append(cycles, ticketClock{start: open, end: i, done: true})
				open = -2
			}
		case r.reopen[i]:
			solved = false
			open, dormant = dormant, -2
		case e.Kind == TicketAgentReply:
			answered = true
			dormant = -2
			if open != -2 {
				cycles = append(cycles, ticketClock{start: open, end: i, done: true})
				open = -2
			}
		case e.Kind == TicketCustomerReply && answered && open == -2:
			if !solved {
				open = i
			} else if dormant == -2 {
				dormant = i
			}
		}
	}
	if open != -2 {
		cycles = append(cycles, ticketClock{start: open, end: len(r.events)})
	}
	return r.recurring(MetricOngoingResponse, cycles, func(t *Targets) *Target { return t.OngoingResponse })
}

// updateEvery measures each gap between agent replies while the ticket is
// unsolved, from the first agent reply on.
func (r *ticketReplay) updateEvery() (*TargetResult, error) {
	var cycles []ticketClock
	begun, solved := false, false
	open := -2
	closeAt := func(i int) {
		if open != -2 {
			cycles = append(cycles, ticketClock{start: open, end: i, done: true})
			open = -2
		}
	}
	for i, e := range r.events {
		switch {
		case r.solve[i]:
			solved = true
			closeAt(i)
		case r.reopen[i]:
			solved = false
			if begun {
				open = i
			}
		case e.Kind == TicketAgentReply && !solved:
			begun = true
			closeAt(i)
			open = i
		}
	}
	if open != -2 {
		cycles = append(cycles, ticketClock{start: open, end: len(r.events)})
	}
	return r.recurring(MetricUpdateEvery, cycles, func(t *Targets) *Target { return t.UpdateEvery })
}

// recurring measures the cycles of a recurring target and sums them up.
func (r *ticketReplay) recurring(metric string, cycles []ticketClock, pick targetPick) (*TargetResult, error) {
	var ms []*ticketMeasure
	for _, c := range cycles {
		m, err := r.measure(c, pick)
		if err != nil {
			return nil, err
		}
		if m != nil {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return nil, nil
	}
	facts := map[int]bool{}
	for _, m := range ms {
		for i := range m.facts {
			facts[i] = true
		}
	}
	cs := make([]oblCycle, len(ms))
	for i, m := range ms {
		cs[i] = oblCycle{target: m.target, deadline: m.deadline, used: m.used, state: m.state, end: m.achieved, done: m.done, lowerDeadline: m.lowerDeadline, band: m.band}
	}
	res := oblRecurring(metric, cs)
	res.Facts = r.factIDs(facts)
	r.keepWindow(metric, ms[len(ms)-1])
	return res, nil
}

// oblCycle is one cycle of a recurring target or obligation.
type oblCycle struct {
	target   *Target
	deadline time.Time
	used     time.Duration
	state    string
	end      time.Time
	done     bool
	// lowerDeadline and band: a range's (tickets only).
	lowerDeadline time.Time
	band          string
}

// oblRecurring sums up the cycles of a recurring target (at least one): the
// worst used time, the first breached cycle's deadline or else the last
// one's, and the state. Facts are left to the caller.
func oblRecurring(metric string, cs []oblCycle) *TargetResult {
	decide := cs[len(cs)-1]
	res := &TargetResult{Metric: metric, Cycles: len(cs)}
	var worst time.Duration
	for _, c := range cs {
		worst = max(worst, c.used)
		if c.state == TargetBreached {
			if res.Breaches == 0 {
				decide = c
			}
			res.Breaches++
		}
	}
	last := cs[len(cs)-1]
	switch {
	case res.Breaches > 0:
		res.State = TargetBreached
	case last.state == TargetPending:
		res.State = TargetPending
	default:
		res.State = TargetMet
	}
	if last.done {
		at := last.end.UTC()
		res.AchievedAt = &at
	}
	res.TargetMinutes = oblMinutes(decide.target.Duration)
	res.Calendar = targetCalendar(decide.target).Name()
	res.Deadline = decide.deadline.UTC()
	res.UsedMinutes = oblMinutes(worst)
	// A range: the worst band of the cycles, ranked like the state (a
	// miss, else a pending last cycle, else any cycle met at the upper end).
	if decide.target.Lower > 0 {
		band := map[string]string{TargetBreached: RangeMissed, TargetPending: RangePending, TargetMet: RangeMetLower}[res.State]
		for _, c := range cs {
			if band == RangeMetLower && c.band == RangeMetUpper {
				band, decide = RangeMetUpper, c // the first cycle past its lower end
			}
		}
		setRange(res, decide.target, decide.lowerDeadline, band)
	}
	return res
}

// oblMinutes is d in minutes.
func oblMinutes(d time.Duration) float64 {
	return d.Minutes()
}
