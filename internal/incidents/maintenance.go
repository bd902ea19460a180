package incidents

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

const (
	// maintenanceHorizon is how far ahead a series' occurrences are
	// written as maintenance facts; the maintenance loop extends it daily
	// (and more often), so a status page always shows the next weeks.
	maintenanceHorizon = 35 * 24 * time.Hour
	// maxOccurrences bounds the occurrences of one series within the
	// horizon (an hourly series has 840).
	maxOccurrences = 1000
	// maintenanceCatchUp is how late an end event is still sent after a
	// restart: older ends are history, not news. (A start is sent as long
	// as its window lasts.)
	maintenanceCatchUp = 6 * time.Hour
)

// The facts the maintenance API writes, in the wire format of
// docs/facts.md.
type (
	maintenanceFact struct {
		Type        string   `json:"type"`
		ID          string   `json:"id"`
		Components  []string `json:"components"`
		Start       string   `json:"start"`
		End         string   `json:"end"`
		AnnouncedAt string   `json:"announced_at"`
		Title       string   `json:"title,omitempty"`
		Series      string   `json:"series,omitempty"`
		By          string   `json:"by,omitempty"`
	}
	maintenanceSeriesFact struct {
		Type        string   `json:"type"`
		ID          string   `json:"id"`
		Components  []string `json:"components"`
		Title       string   `json:"title,omitempty"`
		Start       string   `json:"start"`
		TimeZone    string   `json:"time_zone"`
		RRule       string   `json:"rrule"`
		Duration    string   `json:"duration"`
		Until       string   `json:"until,omitempty"`
		Count       int      `json:"count,omitempty"`
		AnnouncedAt string   `json:"announced_at"`
		By          string   `json:"by,omitempty"`
	}
	maintenanceCancelFact struct {
		Type        string `json:"type"`
		ID          string `json:"id"`
		At          string `json:"at"`
		Maintenance string `json:"maintenance"`
		By          string `json:"by"`
		Reason      string `json:"reason,omitempty"`
	}
)

// MaintenanceInput is a maintenance announcement, from the API or the
// operator UI. A one-off window gives start and end. A recurring one gives
// rrule (RFC 5545, e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2), start (the first
// possible start, whose wall-clock time in time_zone the occurrences keep),
// duration (or end, for the first occurrence's end), and optionally
// time_zone (IANA, default UTC), until and count.
type MaintenanceInput struct {
	Title      string   `json:"title"`
	Components []string `json:"components"`
	Start      string   `json:"start"`
	End        string   `json:"end"`
	RRule      string   `json:"rrule"`
	Duration   string   `json:"duration"`
	TimeZone   string   `json:"time_zone"`
	Until      string   `json:"until"`
	Count      int      `json:"count"`
}

// occurrenceID is the id of a series' occurrence starting at start:
// deterministic, so writing the horizon again writes nothing new.
func occurrenceID(series string, start time.Time) string {
	return series + "-" + start.UTC().Format("20060102T1504Z")
}

// ScheduleMaintenance announces a maintenance window or series now, on
// behalf of by. ids are the window's id, or the series' id followed by the
// ids of the occurrences written so far (those within the horizon).
// warnings say, per occurrence, which plans' maintenance notice the
// announcement misses: such a window will not excuse downtime under them.
// Input errors are *sla.InputError naming the field.
func (s *Service) ScheduleMaintenance(ctx context.Context, by string, in MaintenanceInput) (ids, warnings []string, err error) {
	now := s.now().UTC().Truncate(time.Second)
	start, err1 := bodyTime("start", in.Start)
	end, err2 := bodyTime("end", in.End)
	until, err3 := bodyTime("until", in.Until)
	err = errors.Join(required("title", in.Title), incident.Components("components", in.Components, s.cfg().KnownComponent()),
		required("start", in.Start), err1, err2, err3)
	if err != nil {
		return nil, nil, firstInput(err)
	}
	policies := s.cfg().Policies
	if in.RRule == "" {
		for _, f := range []struct{ name, v string }{{"duration", in.Duration}, {"time_zone", in.TimeZone}, {"until", in.Until}} {
			if f.v != "" {
				return nil, nil, &sla.InputError{Field: f.name, Msg: "only for a recurring window (with rrule)"}
			}
		}
		if in.Count != 0 {
			return nil, nil, &sla.InputError{Field: "count", Msg: "only for a recurring window (with rrule)"}
		}
		if err := required("end", in.End); err != nil {
			return nil, nil, err
		}
		if !end.After(start) {
			return nil, nil, &sla.InputError{Field: "end", Msg: "must be after start"}
		}
		id := newID("mw-")
		f, err := fact("maintenance", id, now, maintenanceFact{Type: "maintenance", ID: id, Components: in.Components,
			Start: rfc3339(start), End: rfc3339(end), AnnouncedAt: rfc3339(now), Title: in.Title, By: by})
		if err != nil {
			return nil, nil, err
		}
		if err := s.storeScheduled(ctx, []store.Fact{f}, id, in.Title, in.Components, now, fmt.Sprintf("%s to %s", rfc3339(start), rfc3339(end))); err != nil {
			return nil, nil, err
		}
		return []string{id}, incident.NoticeWarnings(policies, in.Components, start, end, now), nil
	}

	// A series.
	loc := time.UTC
	if in.TimeZone != "" {
		l, err := time.LoadLocation(in.TimeZone)
		if err != nil || in.TimeZone == "Local" {
			return nil, nil, &sla.InputError{Field: "time_zone", Msg: fmt.Sprintf("want an IANA time zone such as Europe/Berlin, got %q", in.TimeZone)}
		}
		loc = l
	}
	var dur time.Duration
	switch {
	case in.Duration != "" && in.End != "":
		return nil, nil, &sla.InputError{Field: "end", Msg: "give duration or end (of the first occurrence), not both"}
	case in.Duration != "":
		d, err := facts.SeriesDuration(in.Duration)
		if err != nil {
			return nil, nil, &sla.InputError{Field: "duration", Msg: err.Error()}
		}
		dur = d
	case in.End != "":
		if !end.After(start) {
			return nil, nil, &sla.InputError{Field: "end", Msg: "must be after start"}
		}
		dur = end.Sub(start)
		if _, err := facts.SeriesDuration(dur.String()); err != nil {
			return nil, nil, &sla.InputError{Field: "end", Msg: "a window lasts at most 31 days"}
		}
	default:
		return nil, nil, &sla.InputError{Field: "duration", Msg: "required for a recurring window (how long each occurrence lasts, e.g. 2h)"}
	}
	rec, err := incident.ParseRecurrence(in.RRule, start, loc, until, in.Count)
	if err != nil {
		return nil, nil, err
	}
	id := newID("ms-")
	series := &sla.MaintenanceSeries{ID: id, Components: in.Components, Title: in.Title, Start: start, Location: loc,
		RRule: in.RRule, Duration: dur, Until: until, Count: in.Count, AnnouncedAt: now, By: by}
	occ, err := occurrences(series, rec, now)
	if err != nil {
		return nil, nil, err
	}
	sf := maintenanceSeriesFact{Type: "maintenance_series", ID: id, Components: in.Components, Title: in.Title,
		Start: start.In(loc).Format(time.RFC3339), TimeZone: loc.String(), RRule: in.RRule, Duration: dur.String(),
		Count: in.Count, AnnouncedAt: rfc3339(now), By: by}
	if !until.IsZero() {
		sf.Until = rfc3339(until)
	}
	// Stored without a time, as subscriptions are, so that retention never
	// prunes a series that still recurs.
	f, err := fact("maintenance_series", id, time.Time{}, sf)
	if err != nil {
		return nil, nil, err
	}
	fs := []store.Fact{f}
	ids = []string{id}
	for _, m := range occ {
		f, err := occurrenceFact(m)
		if err != nil {
			return nil, nil, err
		}
		fs = append(fs, f)
		ids = append(ids, m.ID)
		for _, w := range incident.NoticeWarnings(policies, m.Components, m.Start, m.End, now) {
			warnings = append(warnings, "occurrence "+rfc3339(m.Start)+": "+w)
		}
	}
	if len(occ) == 0 {
		warnings = append(warnings, fmt.Sprintf("no occurrence starts within the next %d days", int(maintenanceHorizon.Hours()/24)))
	}
	when := fmt.Sprintf("recurring (%s, %s, from %s, %s each)", in.RRule, loc, start.In(loc).Format(time.RFC3339), dur)
	if err := s.storeScheduled(ctx, fs, id, in.Title, in.Components, now, when); err != nil {
		return nil, nil, err
	}
	return ids, warnings, nil
}

// storeScheduled writes the facts fs of an announced window or series
// and the notifications that tell subscribers of it, in one transaction.
func (s *Service) storeScheduled(ctx context.Context, fs []store.Fact, id, title string, comps []string, now time.Time, when string) error {
	ev := outbox.Event{ID: id + "/scheduled", Kind: outbox.EventMaintenanceScheduled, At: now, Title: title,
		Message: "Scheduled maintenance: " + when, Status: string(sla.UnderMaintenance), Maintenance: id, Components: slices.Clone(comps),
		URL: s.pageURL()}
	return s.pub.PublishFacts(ctx, fs, ev)
}

// pageURL is the status page, which lists the maintenance windows: absolute
// when the public address is configured.
func (s *Service) pageURL() string { return s.cfg().Server.PublicURL + "/" }

// occurrences are the windows of a series that start within
// [announcement, now + horizon) and before its cancellation. The lower
// bound is fixed, not now, so every run writes the same windows.
func occurrences(ms *sla.MaintenanceSeries, rec *incident.Recurrence, now time.Time) ([]*sla.Maintenance, error) {
	to := now.Add(maintenanceHorizon)
	if !ms.CancelledAt.IsZero() && ms.CancelledAt.Before(to) {
		to = ms.CancelledAt
	}
	from := ms.AnnouncedAt
	if ms.Start.After(from) {
		from = ms.Start
	}
	// The limit is on the horizon ahead, [now, to): counted from the
	// announcement, an hourly series would pass it a week after being
	// scheduled and stop the loop. The ones before now (they came while
	// the server was down) are all written: they excuse downtime. The
	// recurrence bounds its own walk.
	starts, _ := rec.Starts(from, to, math.MaxInt)
	past, _ := slices.BinarySearchFunc(starts, now, time.Time.Compare)
	if len(starts)-past > maxOccurrences {
		return nil, &sla.InputError{Field: "rrule", Msg: fmt.Sprintf("more than %d occurrences within %d days", maxOccurrences, int(maintenanceHorizon.Hours()/24))}
	}
	out := make([]*sla.Maintenance, 0, len(starts))
	for _, st := range starts {
		out = append(out, &sla.Maintenance{ID: occurrenceID(ms.ID, st), Components: ms.Components, Start: st, End: st.Add(ms.Duration),
			AnnouncedAt: ms.AnnouncedAt, Title: ms.Title, Series: ms.ID, By: ms.By})
	}
	return out, nil
}

// occurrenceFact is the maintenance fact of an occurrence, dated by its
// start so that retention keeps it as long as the downtime it excuses.
func occurrenceFact(m *sla.Maintenance) (store.Fact, error) {
	return fact("maintenance", m.ID, m.Start, maintenanceFact{Type: "maintenance", ID: m.ID, Components: m.Components,
		Start: rfc3339(m.Start), End: rfc3339(m.End), AnnouncedAt: rfc3339(m.AnnouncedAt), Title: m.Title, Series: m.Series, By: m.By})
}

// maintenanceFactTypes are the fact types the maintenance loop reads.
var maintenanceFactTypes = []string{"maintenance", "maintenance_series", "maintenance_cancel"}

// MaintenanceEvidence parses the stored maintenance facts (cancellations
// applied).
func (s *Service) MaintenanceEvidence(ctx context.Context) (*sla.Evidence, error) {
	return s.parseFactsOfType(ctx, maintenanceFactTypes)
}

// parseFactsOfType reads and parses the stored facts of the given types.
func (s *Service) parseFactsOfType(ctx context.Context, types []string) (*sla.Evidence, error) {
	return reports.FactsOfType(ctx, s.store, types)
}

// extendSeries writes the occurrences of every series that have come
// within the horizon and are not stored yet. It returns how many it wrote.
func (s *Service) extendSeries(ctx context.Context, ev *sla.Evidence, now time.Time) (int, error) {
	have := make(map[string]bool, len(ev.Maintenance))
	for _, m := range ev.Maintenance {
		have[m.ID] = true
	}
	var fs []store.Fact
	for _, ms := range ev.MaintenanceSeries {
		if !ms.CancelledAt.IsZero() && !ms.CancelledAt.After(now) {
			continue
		}
		// A series that cannot be expanded is logged and skipped: it must
		// not stop the others, nor the start and end events.
		rec, err := incident.ParseRecurrence(ms.RRule, ms.Start, ms.Location, ms.Until, ms.Count)
		if err != nil {
			s.log.Error("extend a maintenance series", "series", ms.ID, "err", err)
			continue
		}
		occ, err := occurrences(ms, rec, now)
		if err != nil {
			s.log.Error("extend a maintenance series", "series", ms.ID, "err", err)
			continue
		}
		for _, m := range occ {
			if have[m.ID] {
				continue
			}
			f, err := occurrenceFact(m)
			if err != nil {
				return 0, err
			}
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return 0, nil
	}
	return len(fs), s.store.AppendFacts(ctx, fs)
}

// maintenanceEvents publishes the start of every window in progress and
// the end of every window ended within the catch-up, unless in sent.
// Event ids are the window id + "/started" or "/completed", so the outbox
// drops a repeat after a restart; sent spares it the repeats meanwhile.
func (s *Service) maintenanceEvents(ctx context.Context, ev *sla.Evidence, now time.Time, sent map[string]bool) {
	for _, w := range incident.Maintenance(ev, now) {
		for _, tr := range []struct {
			at   time.Time
			kind string
			suf  string
			msg  string
		}{
			{w.Start, outbox.EventMaintenanceStarted, "/started", "Scheduled maintenance is in progress until " + rfc3339(w.End) + "."},
			{w.End, outbox.EventMaintenanceCompleted, "/completed", "Scheduled maintenance has been completed."},
		} {
			id := w.ID + tr.suf
			if tr.at.After(now) || sent[id] {
				continue
			}
			// A start is news while the window lasts, however late (the
			// server was down at its start); once the window is over its
			// end says all, and a start queued with it could reach a
			// recipient after it. An end is sent within the catch-up.
			if tr.kind == outbox.EventMaintenanceStarted && !now.Before(w.End) ||
				tr.kind == outbox.EventMaintenanceCompleted && now.Sub(tr.at) > maintenanceCatchUp {
				continue
			}
			status := string(sla.UnderMaintenance)
			if tr.kind == outbox.EventMaintenanceCompleted {
				status = string(sla.Operational)
				if w.CancelledAt != nil {
					tr.msg = "Scheduled maintenance was ended early."
				}
			}
			e := outbox.Event{ID: id, Kind: tr.kind, At: tr.at, Title: w.Title, Message: tr.msg, Status: status,
				Maintenance: w.ID, Components: slices.Clone(w.Components), URL: s.pageURL()}
			if err := s.pub.Publish(ctx, e); err != nil {
				s.log.Error("publish maintenance event", "id", id, "err", err)
				continue
			}
			sent[id] = true
		}
	}
	// Forget what is past the catch-up, so the set stays small.
	for id := range sent {
		if !strings.HasSuffix(id, "/completed") {
			continue
		}
		wid := strings.TrimSuffix(id, "/completed")
		if !slices.ContainsFunc(ev.Maintenance, func(m *sla.Maintenance) bool { return m.ID == wid && now.Sub(m.End) <= maintenanceCatchUp }) {
			delete(sent, id)
			delete(sent, wid+"/started")
		}
	}
}

// MaintenanceTick is one round of the maintenance loop.
func (s *Service) MaintenanceTick(ctx context.Context, now time.Time, sent map[string]bool) error {
	ev, err := s.MaintenanceEvidence(ctx)
	if err != nil {
		return err
	}
	n, err := s.extendSeries(ctx, ev, now)
	if err != nil {
		return fmt.Errorf("extend maintenance series: %w", err)
	}
	if n > 0 {
		if ev, err = s.MaintenanceEvidence(ctx); err != nil {
			return err
		}
	}
	s.maintenanceEvents(ctx, ev, now, sent)
	return nil
}

// maintenanceLoop extends the series and announces the start and end of
// windows, every maintenanceEvery, until ctx ends.
func (s *Service) maintenanceLoop(ctx context.Context) {
	const maintenanceEvery = 15 * time.Second
	t := time.NewTicker(maintenanceEvery)
	defer t.Stop()
	sent := map[string]bool{}
	for {
		if err := s.MaintenanceTick(ctx, s.now(), sent); err != nil && ctx.Err() == nil {
			s.log.Error("maintenance", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CancelMaintenance cancels a window or a series from now on, on behalf of
// by. A window that has ended, or one already cancelled, cannot be.
func (s *Service) CancelMaintenance(ctx context.Context, by, id, reason string) (string, error) {
	ev, err := s.MaintenanceEvidence(ctx)
	if err != nil {
		return "", err
	}
	now := s.now().UTC().Truncate(time.Second)
	found := false
	// news is the event telling subscribers the maintenance is off; nil
	// for a window already running, whose early end the maintenance loop
	// announces (maintenance.completed, "ended early").
	var news *outbox.Event
	for _, m := range ev.Maintenance {
		if m.ID != id {
			continue
		}
		found = true
		if _, ok := m.InForce(); !ok || !m.CancelledAt.IsZero() {
			return "", &sla.ConflictError{Msg: fmt.Sprintf("maintenance %s is already cancelled", id)}
		}
		if !now.Before(m.End) {
			return "", &sla.ConflictError{Msg: fmt.Sprintf("maintenance %s ended at %s", id, rfc3339(m.End))}
		}
		if now.Before(m.Start) {
			news = &outbox.Event{Title: m.Title, Components: slices.Clone(m.Components),
				Message: fmt.Sprintf("The scheduled maintenance from %s to %s is cancelled.", rfc3339(m.Start), rfc3339(m.End))}
		}
	}
	for _, ms := range ev.MaintenanceSeries {
		if ms.ID != id {
			continue
		}
		found = true
		if !ms.CancelledAt.IsZero() {
			return "", &sla.ConflictError{Msg: fmt.Sprintf("maintenance series %s is already cancelled", id)}
		}
		news = &outbox.Event{Title: ms.Title, Components: slices.Clone(ms.Components),
			Message: "The recurring scheduled maintenance is cancelled: no further windows will take place."}
	}
	if !found {
		return "", &sla.NotFoundError{Msg: fmt.Sprintf("no maintenance window or series %q", id)}
	}
	cid := newID("mc-")
	// Timeless like the series: a cancellation must outlive the windows
	// it voids.
	f, err := fact("maintenance_cancel", cid, time.Time{}, maintenanceCancelFact{Type: "maintenance_cancel", ID: cid, At: rfc3339(now),
		Maintenance: id, By: by, Reason: reason})
	if err != nil {
		return "", err
	}
	if news == nil {
		if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
			return "", err
		}
	} else {
		// The reason is the operators' record, not the customers' news.
		// Stored with its notifications in one transaction.
		news.ID, news.Kind, news.At, news.Maintenance, news.URL = id+"/cancelled", outbox.EventMaintenanceCancelled, now, id, s.pageURL()
		if err := s.pub.PublishFacts(ctx, []store.Fact{f}, *news); err != nil {
			return "", err
		}
	}
	s.log.Info("maintenance cancelled", "maintenance", id, "by", by, "reason", reason)
	return cid, nil
}

// Run runs the maintenance loop and the obligation reminders until ctx
// ends.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.maintenanceLoop(ctx) })
	wg.Go(func() { s.obligationLoop(ctx) })
	wg.Wait()
}

// NoticeWarnings are the maintenance notice warnings of window or series
// id as stored: which plans' notice its announcement missed.
func (s *Service) NoticeWarnings(ctx context.Context, id string) ([]string, error) {
	ev, err := s.MaintenanceEvidence(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mw := range incident.Maintenance(ev, s.now()) {
		if mw.ID == id || mw.Series == id {
			out = append(out, incident.NoticeWarnings(s.cfg().Policies, mw.Components, mw.Start, mw.End, mw.AnnouncedAt)...)
		}
	}
	return out, nil
}
