package public

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/incidents"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/statuspage"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// statusPageCache is what the public pages may be cached for: briefly, and
// served stale while the server is down.
const statusPageCache = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"

// pastIncidents bounds the resolved incidents the status page lists.
const pastIncidents = 20

// uptimeDays is how many days of uptime bars the page shows; the day
// pages cover the same days.
const uptimeDays = 90

// maxNextOccurrences bounds the occurrences of a maintenance series the
// page lists after the first.
const maxNextOccurrences = 5

// outageRefresh is how often the page is re-rendered while something is
// down: today's figures fall as the outage goes on.
const outageRefresh = time.Minute

// pageState is the status page snapshot of one server: the pages are
// rendered and compressed once per change of the evidence, not once per
// request, and the last good snapshot stays in service when the store
// cannot be read.
type pageState struct {
	h *handler
	r *statuspage.Renderer

	mu         sync.Mutex
	checked    time.Time // when the store was last read
	snap       *pageSnapshot
	refreshing bool // a request is reading the store and rendering
	// firstCheck is, per monitor, the start of its first stored minute
	// found so far (or a time before which nothing matters any more). Only
	// the one refresh in progress uses it.
	firstCheck map[string]time.Time
	// notYet is, per monitor without a stored minute, when that was
	// first and last asked.
	notYet map[string][2]time.Time
}

// A monitor not yet checked is asked for its first stored minute every
// notYetSoon for its first notYetNew (a server just started: its first
// checks land within seconds, and the page should not say "No data yet"
// for a minute after), then every notYetLate.
const (
	notYetSoon = 5 * time.Second
	notYetNew  = 2 * time.Minute
	notYetLate = time.Minute
)

// pageSnapshot is the status page as of one state of the evidence.
type pageSnapshot struct {
	key      [32]byte
	cfg      *config.Config
	modified time.Time
	// lastMod is modified as the Last-Modified header value.
	lastMod []string
	// until is the next start or end of a maintenance window: the page
	// changes then even if the evidence does not.
	until time.Time
	view  statuspage.View
	home  *renderedPage
	incs  map[string]*incident.Incident
	// maint is every maintenance window, for the feeds.
	maint []incident.MaintenanceWindow
	// list is the incidents opened by the snapshot's time, newest first.
	list []*incident.Incident
	loc  *time.Location
	// days bounds the days of the bars (uptimeDays+1 instants).
	days []time.Time

	mu    sync.Mutex
	pages map[string]*renderedPage // "incident:id", "day:date", "month:yyyy-mm" → its page, rendered on demand
}

// renderedPage is one page, gzip-compressed and plain, with its ETag and
// the header values that answer it: computed once per render, not once per
// request, since during an outage the same bytes go out thousands of
// times a second.
type renderedPage struct {
	gz, plain []byte
	etag      string // hash of the uncompressed body, quoted
	// Header values, as net/http's Header map holds them.
	etagPlain, etagGzip, lenPlain, lenGzip []string
}

// handleStatusPage serves the public status page.
func (h *handler) handleStatusPage() http.Handler {
	p := h.page
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		snap, ok := p.current(r.Context())
		if !ok {
			http.Error(w, "The status page is not available yet; try again shortly.", http.StatusServiceUnavailable)
			return
		}
		servePage(w, r, snap.home, snap.modified, snap.lastMod)
	})
}

// handleIncidentPage serves one incident's public page.
func (h *handler) handleIncidentPage() http.Handler {
	return h.servePublic("No such incident.", func(p *pageState, snap *pageSnapshot, r *http.Request) (*renderedPage, error) {
		return p.incidentPage(snap, r.PathValue("id"))
	})
}

// handleDayPage serves one day's figures and incidents, for the days the
// bars show.
func (h *handler) handleDayPage() http.Handler {
	return h.servePublic("No figures are kept for this day.", func(p *pageState, snap *pageSnapshot, r *http.Request) (*renderedPage, error) {
		return p.dayPage(snap, r.PathValue("date"))
	})
}

// handleHistory serves the incidents of one month (?month=2026-10; the
// current month without it).
func (h *handler) handleHistory() http.Handler {
	return h.servePublic("No such month.", func(p *pageState, snap *pageSnapshot, r *http.Request) (*renderedPage, error) {
		q := r.URL.Query()
		if len(q) > 1 || (len(q) == 1 && !q.Has("month")) {
			return nil, nil
		}
		month := q.Get("month")
		if !q.Has("month") {
			month = snap.view.Site.GeneratedAt.Format("2006-01")
		}
		return p.historyPage(snap, month)
	})
}

// servePublic serves a page made from the snapshot; page returns nil for
// a page that does not exist (404, with notFound as the text).
func (h *handler) servePublic(notFound string, page func(*pageState, *pageSnapshot, *http.Request) (*renderedPage, error)) http.Handler {
	p := h.page
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		snap, ok := p.current(r.Context())
		if !ok {
			http.Error(w, "The status page is not available yet; try again shortly.", http.StatusServiceUnavailable)
			return
		}
		pg, err := page(p, snap, r)
		if err != nil {
			h.log.Error("render status page", "path", r.URL.Path, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if pg == nil {
			w.Header().Set("Cache-Control", statusPageCache)
			http.Error(w, notFound, http.StatusNotFound)
			return
		}
		servePage(w, r, pg, snap.modified, snap.lastMod)
	})
}

// current returns the snapshot, reading the store at most once a second
// and rendering only when the evidence changed. One request at a time
// reads and renders, outside the lock: the others are served the snapshot
// in hand meanwhile, so a slow store or a long render delays one request,
// not all. ok is false only when there has never been a snapshot.
func (p *pageState) current(ctx context.Context) (snap *pageSnapshot, ok bool) {
	p.mu.Lock()
	now := p.h.now()
	cfg := p.h.cfg()
	old := p.snap
	if old != nil && (p.refreshing || (old.cfg == cfg && now.Before(old.until) && now.Sub(p.checked) >= 0 && now.Sub(p.checked) < time.Second)) {
		p.mu.Unlock()
		return old, true
	}
	p.checked = now
	if old == nil {
		// Nothing to serve yet: the others wait for the first snapshot.
		defer p.mu.Unlock()
		next, err := p.refresh(ctx, cfg, now, nil)
		if err != nil {
			p.h.log.Error("status page: no snapshot to serve", "err", err)
			return nil, false
		}
		p.snap = next
		return next, true
	}
	p.refreshing = true
	p.mu.Unlock()
	// A refresh that panics (net/http recovers the request) must not
	// leave refreshing set, or the page would stay frozen on old for good.
	returned := false
	defer func() {
		if !returned {
			p.mu.Lock()
			p.refreshing = false
			p.mu.Unlock()
		}
	}()
	// The refresh serves everybody: a client that goes away does not
	// cancel it.
	next, err := p.refresh(context.WithoutCancel(ctx), cfg, now, old)
	returned = true
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshing = false
	if err != nil {
		p.h.log.Error("status page: serving the last good snapshot", "err", err, "as_of", old.modified)
		return p.snap, true
	}
	p.snap = next
	return next, true
}

// refresh reads the evidence and returns the current snapshot, or a new
// one when the evidence, the configuration or a maintenance window's state
// changed, or a day began.
// Only one refresh runs at a time (current sees to it); old is the
// snapshot in service, nil for none.
func (p *pageState) refresh(ctx context.Context, cfg *config.Config, now time.Time, old *pageSnapshot) (*pageSnapshot, error) {
	fs, err := p.h.store.FactsOfType(ctx, pageFactTypes, time.Unix(0, 0), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	var b bytes.Buffer
	h := sha256.New()
	for _, f := range fs {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", f.ID, f.Type, len(f.JSON))
		h.Write(f.JSON)
		b.Write(bytes.TrimSpace(f.JSON))
		b.WriteByte('\n')
	}
	since, err := p.checkedSince(ctx, cfg, now)
	if err != nil {
		return nil, err
	}
	for _, c := range slices.Sorted(maps.Keys(since)) {
		fmt.Fprintf(h, "since\x00%s\x00%d\x00", c, since[c].Unix())
	}
	var key [32]byte
	h.Sum(key[:0])
	if old != nil && old.key == key && old.cfg == cfg && now.Before(old.until) {
		return old, nil
	}
	ev, err := facts.Parse("evidence", &b)
	if err != nil {
		return nil, fmt.Errorf("stored evidence: %v", err)
	}
	charts, err := p.charts(ctx, cfg, now)
	if err != nil {
		return nil, err
	}
	snap := buildSnapshot(cfg, ev, now, since, charts)
	snap.key = key
	var page bytes.Buffer
	if err := p.r.Page(&page, snap.view); err != nil {
		return nil, err
	}
	if snap.home, err = compressPage(page.Bytes()); err != nil {
		return nil, err
	}
	return snap, nil
}

// checkedSince is, per component, when its monitors' stored results begin
// within the bars' days: a component that was checked and never changed
// has no status fact, yet it has been measured. A monitor's first minute
// is one index lookup and is kept, so a steady page costs no query; a
// monitor not yet checked is asked again every 5 seconds for 2 minutes,
// then at most once a minute.
func (p *pageState) checkedSince(ctx context.Context, cfg *config.Config, now time.Time) (map[string]time.Time, error) {
	if p.firstCheck == nil {
		p.firstCheck, p.notYet = map[string]time.Time{}, map[string][2]time.Time{}
	}
	// On a whole hour: the answer is the same where the minutes are rolled
	// up into hours (store.RollUp).
	horizon := now.Add(-(uptimeDays + 1) * 24 * time.Hour).Truncate(time.Hour)
	since := map[string]time.Time{}
	for _, m := range cfg.Monitors {
		first, ok := p.firstCheck[m.ID]
		if !ok {
			if asked, seen := p.notYet[m.ID]; seen && !now.Before(asked[1]) {
				every := notYetLate
				if now.Sub(asked[0]) < notYetNew {
					every = notYetSoon
				}
				if now.Sub(asked[1]) < every {
					continue
				}
			}
			var err error
			first, ok, err = p.h.store.FirstMinute(ctx, m.ID, horizon)
			if err != nil {
				return nil, fmt.Errorf("first check of %s: %w", m.ID, err)
			}
			if !ok {
				firstAsked := now // not running (yet)
				if asked, seen := p.notYet[m.ID]; seen && !now.Before(asked[0]) {
					firstAsked = asked[0]
				}
				p.notYet[m.ID] = [2]time.Time{firstAsked, now}
				continue
			}
			delete(p.notYet, m.ID)
			p.firstCheck[m.ID] = first
		}
		if old, ok := since[m.Component]; !ok || first.Before(old) {
			since[m.Component] = first
		}
	}
	return since, nil
}

// chartPoints is how many spans a response-time chart has: 15-minute
// means over the default 24 hours.
const chartPoints = 96

// chartRefresh is how often the page is re-rendered for its response-time
// charts when it has any.
const chartRefresh = 5 * time.Minute

// charts reads the response-time charts the configuration enables: per
// component, the mean latency of its monitors' stored minutes in each of
// chartPoints equal spans up to now.
func (p *pageState) charts(ctx context.Context, cfg *config.Config, now time.Time) (map[string]*statuspage.Chart, error) {
	sp := pageConfig(cfg)
	if len(sp.ResponseTimeCharts) == 0 {
		return nil, nil
	}
	span := sp.ResponseTimeSpan
	if span <= 0 {
		span = 24 * time.Hour
	}
	step := span / chartPoints
	to := now.Truncate(time.Minute)
	from := to.Add(-span)
	out := map[string]*statuspage.Chart{}
	for _, comp := range sp.ResponseTimeCharts {
		sum := make([]time.Duration, chartPoints)
		n := make([]int, chartPoints)
		for _, m := range cfg.Monitors {
			if m.Component != comp {
				continue
			}
			ms, err := p.h.store.Minutes(ctx, m.ID, from, to)
			if err != nil {
				return nil, fmt.Errorf("response times of %s: %w", m.ID, err)
			}
			for _, mi := range ms {
				i := int(mi.Minute.Sub(from) / step)
				if i < 0 || i >= chartPoints {
					continue
				}
				sum[i] += mi.LatencySum
				n[i] += mi.Up + mi.Degraded + mi.Down
			}
		}
		c := &statuspage.Chart{From: from, To: to, Means: make([]float64, chartPoints)}
		for i := range c.Means {
			c.Means[i] = -1
			if n[i] > 0 {
				c.Means[i] = float64(sum[i].Microseconds()) / 1000 / float64(n[i])
			}
		}
		out[comp] = c
	}
	return out, nil
}

// pageFactTypes are the facts the pages are made of: status changes and
// the incident and maintenance facts.
var pageFactTypes = append(slices.Clone(incidents.FactTypes), "status")

// cached returns the snapshot's page under key, rendering it with render
// the first time.
func (snap *pageSnapshot) cached(key string, render func(*bytes.Buffer) error) (*renderedPage, error) {
	snap.mu.Lock()
	defer snap.mu.Unlock()
	if pg := snap.pages[key]; pg != nil {
		return pg, nil
	}
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return nil, err
	}
	pg, err := compressPage(b.Bytes())
	if err != nil {
		return nil, err
	}
	snap.pages[key] = pg
	return pg, nil
}

// incidentPage renders an incident's page once per snapshot; nil when
// there is no such incident.
func (p *pageState) incidentPage(snap *pageSnapshot, id string) (*renderedPage, error) {
	inc := snap.incs[id]
	if inc == nil {
		return nil, nil
	}
	return snap.cached("incident:"+id, func(b *bytes.Buffer) error {
		v := incidentView(snap.cfg, snap.loc, inc)
		v.Site = snap.view.Site
		return p.r.Incident(b, v)
	})
}

// dayPage renders one of the bars' days; nil for any other date.
func (p *pageState) dayPage(snap *pageSnapshot, date string) (*renderedPage, error) {
	day, ok := statuspage.ParseDate(date, snap.loc)
	if !ok {
		return nil, nil
	}
	i := slices.IndexFunc(snap.days[:len(snap.days)-1], func(t time.Time) bool { return t.Equal(day) })
	if i < 0 {
		return nil, nil
	}
	return snap.cached("day:"+date, func(b *bytes.Buffer) error {
		start, end := snap.days[i], snap.days[i+1]
		v := statuspage.DayPage{Site: snap.view.Site, Date: date, Start: start, End: end, Weighting: snap.view.Weighting,
			Today: i == len(snap.days)-2}
		if i > 0 {
			v.Prev = snap.days[i-1].Format("2006-01-02")
		}
		if i+1 < len(snap.days)-1 {
			v.Next = snap.days[i+1].Format("2006-01-02")
		}
		for _, g := range snap.view.Groups {
			for _, c := range g.Components {
				v.Components = append(v.Components, statuspage.DayComponent{ID: c.ID, Name: c.Name, Day: c.Days[i]})
			}
		}
		for _, inc := range snap.list {
			if activeDuring(inc, start, end) {
				v.Incidents = append(v.Incidents, incidentView(snap.cfg, snap.loc, inc))
			}
		}
		return p.r.Day(b, v)
	})
}

// historyPage renders the incidents opened in month; nil for a month that
// is malformed or has not begun.
func (p *pageState) historyPage(snap *pageSnapshot, month string) (*renderedPage, error) {
	start, ok := statuspage.ParseMonth(month, snap.loc)
	if !ok || start.After(snap.modified) {
		return nil, nil
	}
	end := start.AddDate(0, 1, 0)
	first := start
	if n := len(snap.list); n > 0 {
		first = snap.list[n-1].Opened
	}
	render := func(b *bytes.Buffer) error {
		v := statuspage.HistoryPage{Site: snap.view.Site, Month: month, Start: start}
		if first.Before(start) {
			v.Prev = start.AddDate(0, -1, 0).Format("2006-01")
		}
		if !end.After(snap.modified) {
			v.Next = end.Format("2006-01")
		}
		for _, inc := range snap.list {
			if !inc.Opened.Before(start) && inc.Opened.Before(end) {
				v.Incidents = append(v.Incidents, incidentView(snap.cfg, snap.loc, inc))
			}
		}
		return p.r.History(b, v)
	}
	// Months before the first incident are all alike and unbounded in
	// number: render them without keeping them.
	if start.AddDate(0, 1, 0).Before(first) {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			return nil, err
		}
		return compressPage(b.Bytes())
	}
	return snap.cached("month:"+month, render)
}

// activeDuring reports whether the incident was open at some time in
// [start, end).
func activeDuring(inc *incident.Incident, start, end time.Time) bool {
	return inc.Opened.Before(end) && (inc.Resolved == nil || inc.Resolved.After(start) || !inc.Opened.Before(start))
}

// compressPage gzips a page at the best level: a page is compressed once
// per snapshot and sent thousands of times a second during an outage, so
// the bytes saved on each send (a tenth of the home page) outweigh the
// once-per-change cost.
func compressPage(body []byte) (*renderedPage, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	return &renderedPage{gz: b.Bytes(), plain: body, etag: `"` + tag + `"`,
		etagPlain: []string{`"` + tag + `"`}, etagGzip: []string{`"` + tag + `-gzip"`},
		lenPlain: []string{strconv.Itoa(len(body))}, lenGzip: []string{strconv.Itoa(b.Len())}}, nil
}

// Header values shared by every page response. They are assigned to the
// header map directly (the keys are already canonical) and never mutated.
var (
	hdrHTML      = []string{"text/html; charset=utf-8"}
	hdrPageCache = []string{statusPageCache}
	hdrVaryAE    = []string{"Accept-Encoding"}
	hdrNosniff   = []string{"nosniff"}
	hdrGzip      = []string{"gzip"}
)

// servePage answers with a rendered page: 304 when the client has it,
// gzip when the client takes it, else the plain body.
func servePage(w http.ResponseWriter, r *http.Request, pg *renderedPage, modified time.Time, lastMod []string) {
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	hd := w.Header()
	hd["Content-Type"] = hdrHTML
	hd["Cache-Control"] = hdrPageCache
	hd["Vary"] = hdrVaryAE
	// The two encodings are two representations: each its own ETag.
	if gz {
		hd["Etag"] = pg.etagGzip
	} else {
		hd["Etag"] = pg.etagPlain
	}
	hd["Last-Modified"] = lastMod
	hd["X-Content-Type-Options"] = hdrNosniff
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if etagMatches(inm, pg.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" && notModifiedSince(modified, ims) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := pg.plain
	hd["Content-Length"] = pg.lenPlain
	if gz {
		body = pg.gz
		hd["Content-Encoding"] = hdrGzip
		hd["Content-Length"] = pg.lenGzip
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// notModifiedSince reports whether a page modified at modified is not
// newer than the If-Modified-Since value ims (HTTP dates are to the
// second).
func notModifiedSince(modified time.Time, ims string) bool {
	t, err := http.ParseTime(ims)
	return err == nil && !modified.Truncate(time.Second).After(t)
}

// etagMatches is If-None-Match's weak comparison, over either encoding's
// tag of the same body.
func etagMatches(header, etag string) bool {
	base := strings.Trim(etag, `"`)
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag || t == `"`+base+`-gzip"` {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		return q > 0
	}
	return false
}

// statusRank orders the statuses from best to worst.
func statusRank(st sla.Status) int { return slices.Index(sla.Statuses, st) }

func worse(a, b sla.Status) sla.Status {
	if statusRank(b) > statusRank(a) {
		return b
	}
	return a
}

// pageConfig is the configuration's status_page section with its
// defaults filled in (a Config built by hand has none).
func pageConfig(cfg *config.Config) config.StatusPage {
	sp := cfg.StatusPage
	if sp.Title == "" {
		sp.Title = "Service status"
	}
	if sp.TimeZone == nil {
		sp.TimeZone = time.UTC
	}
	if sp.Weights == nil && sp.Removed == nil {
		sp.Weights = config.DefaultUptimeWeights
		sp.Removed = map[sla.Status]bool{sla.UnderMaintenance: true}
	}
	return sp
}

// buildSnapshot computes what the pages show at now: each component's
// latest status per source, worst wins; under maintenance while a window
// covering it is ongoing; then the impacts of open incidents, worst wins.
// Then the daily bars and the 30 and 90 day figures, by the engine. The
// snapshot lasts until the next start or end of a maintenance window, the
// next day, or while something is down, a minute.
func buildSnapshot(cfg *config.Config, ev *sla.Evidence, now time.Time, since map[string]time.Time, charts map[string]*statuspage.Chart) *pageSnapshot {
	sp := pageConfig(cfg)
	loc := sp.TimeZone
	type key struct{ comp, source string }
	latest := map[key]*sla.StatusChange{}
	for _, sc := range ev.Statuses {
		if sc == nil || sc.At.After(now) {
			continue
		}
		k := key{sc.Component, sc.Source}
		if old := latest[k]; old == nil || !sc.At.Before(old.At) {
			latest[k] = sc
		}
	}
	status := map[string]sla.Status{}
	for k, sc := range latest {
		if statusRank(sc.Status) < 0 {
			continue
		}
		status[k.comp] = worse(status[k.comp], sc.Status)
	}
	days := statuspage.DayBounds(now, loc, uptimeDays)
	until := days[len(days)-1]
	windows := incident.Maintenance(ev, now)
	rules := map[string]string{}
	for _, ms := range ev.MaintenanceSeries {
		if ms != nil {
			until := ms.Until
			if !until.IsZero() {
				until = until.In(loc)
			}
			rules[ms.ID] = statuspage.Recurrence(ms.RRule, ms.Count, until)
		}
	}
	var mviews []statuspage.MaintenanceView
	// A series is listed once: its ongoing occurrence, else its next, with
	// the occurrences after it.
	bySeries := map[string]int{}
	for _, mw := range windows {
		for _, t := range []time.Time{mw.Start, mw.End} {
			if t.After(now) && t.Before(until) {
				until = t
			}
		}
		if mw.State == incident.Past {
			continue
		}
		if mw.State == incident.Ongoing {
			for _, c := range mw.Components {
				status[c] = sla.UnderMaintenance
			}
		}
		occ := statuspage.Occurrence{Start: mw.Start.In(loc), End: mw.End.In(loc)}
		if i, ok := bySeries[mw.Series]; ok && mw.Series != "" {
			v := &mviews[i]
			switch {
			case mw.State == incident.Ongoing && v.State == incident.Upcoming:
				// The list gives upcoming windows first: an ongoing one
				// takes the series' place and the upcoming one is next.
				v.Next = append([]statuspage.Occurrence{{Start: v.Start, End: v.End}}, v.Next...)
				v.ID, v.State, v.Start, v.End = mw.ID, mw.State, occ.Start, occ.End
			case len(v.Next) < maxNextOccurrences:
				v.Next = append(v.Next, occ)
			}
			if len(v.Next) > maxNextOccurrences {
				v.Next = v.Next[:maxNextOccurrences]
			}
			continue
		}
		names := make([]string, len(mw.Components))
		for i, c := range mw.Components {
			names[i] = cfg.ComponentName(c)
		}
		if mw.Series != "" {
			bySeries[mw.Series] = len(mviews)
		}
		mviews = append(mviews, statuspage.MaintenanceView{ID: mw.ID, Title: mw.Title, State: mw.State, Components: names,
			Start: occ.Start, End: occ.End, Recurs: rules[mw.Series]})
	}
	incs := incident.Fold(ev)
	byID := make(map[string]*incident.Incident, len(incs))
	var list []*incident.Incident
	var active, past []statuspage.IncidentView
	// incidents are, per component and day, the titles of the incidents
	// open then.
	incidents := map[string][][]string{}
	for _, inc := range incs {
		if inc.Opened.After(now) {
			continue
		}
		byID[inc.ID] = inc
		list = append(list, inc)
		if inc.Resolved == nil {
			for c, st := range inc.Components {
				status[c] = worse(status[c], st)
			}
			active = append(active, incidentView(cfg, loc, inc))
		} else if len(past) < pastIncidents {
			past = append(past, incidentView(cfg, loc, inc))
		}
		for _, c := range inc.AffectedComponents() {
			n := incidents[c]
			if n == nil {
				n = make([][]string, uptimeDays)
				incidents[c] = n
			}
			title := inc.Title
			if title == "" {
				title = "Incident " + inc.ID
			}
			for i := range n {
				if activeDuring(inc, days[i], days[i+1]) {
					n[i] = append(n[i], title)
				}
			}
		}
	}

	// The figures: one window per day (today up to now), then the last 30
	// and 90 days.
	spans := make([]timeline.Interval, uptimeDays+2)
	for i := range uptimeDays {
		end := days[i+1]
		if end.After(now) {
			end = now
		}
		spans[i] = timeline.NewInterval(days[i], end)
	}
	spans[uptimeDays] = timeline.NewInterval(now.Add(-30*24*time.Hour), now)
	spans[uptimeDays+1] = timeline.NewInterval(now.Add(-uptimeDays*24*time.Hour), now)
	up := sla.NewUptimes(ev, sla.UptimeRule{Weights: sp.Weights, Removed: sp.Removed, Since: since})

	// monitored are the components that have monitors: one never checked
	// has no status to show yet, rather than "Operational".
	monitored := map[string]bool{}
	for _, m := range cfg.Monitors {
		monitored[m.Component] = true
	}
	overall, seen := sla.Operational, false
	var groups []statuspage.Group
	for _, c := range cfg.Components {
		st := status[c.ID]
		_, checked := since[c.ID]
		noData := st == "" && monitored[c.ID] && !checked
		if st == "" {
			st = sla.Operational
		}
		figs := up.Component(c.ID, spans)
		comp := statuspage.Component{ID: c.ID, Name: cfg.ComponentName(c.ID), Status: string(st), StatusText: statuspage.StatusText(string(st)),
			Uptime30: statuspage.FormatUptime(figs[uptimeDays].Uptime), Uptime90: statuspage.FormatUptime(figs[uptimeDays+1].Uptime),
			Days: make([]statuspage.Day, uptimeDays), Chart: charts[c.ID]}
		if noData {
			comp.Status, comp.StatusText = statuspage.NoData, statuspage.StatusText(statuspage.NoData)
		} else {
			overall, seen = worse(overall, st), true
		}
		// A figure over a span monitoring began within says so.
		if first, ok := since[c.ID]; ok {
			if first.After(now.Add(-30 * 24 * time.Hour)) {
				comp.Since30 = first.In(loc).Format("2 Jan")
			}
			if first.After(now.Add(-uptimeDays * 24 * time.Hour)) {
				comp.Since90 = first.In(loc).Format("2 Jan")
			}
		}
		for i := range uptimeDays {
			var titles []string
			if incidents[c.ID] != nil {
				titles = incidents[c.ID][i]
			}
			comp.Days[i] = statuspage.MakeDay(days[i], figs[i].Uptime, len(titles))
			comp.Days[i].Titles = titles
		}
		i := slices.IndexFunc(groups, func(g statuspage.Group) bool { return g.Name == c.Group })
		if i < 0 {
			groups = append(groups, statuspage.Group{Name: c.Group})
			i = len(groups) - 1
		}
		groups[i].Components = append(groups[i].Components, comp)
		if sp.Weights[st] > 0 && now.Add(outageRefresh).Before(until) {
			until = now.Add(outageRefresh)
		}
	}
	weights := map[string]int64{}
	for st, w := range sp.Weights {
		weights[string(st)] = w
	}
	removed := map[string]bool{}
	for st, r := range sp.Removed {
		removed[string(st)] = r
	}
	site := &statuspage.Site{Title: sp.Title, LogoURL: sp.LogoURL, Brand: sp.Brand, BrandDark: sp.BrandDark,
		TimeZone: loc.String(), GeneratedAt: now.In(loc)}
	for _, l := range sp.Links {
		site.Links = append(site.Links, statuspage.Link{Label: l.Label, URL: l.URL})
	}
	if !seen && len(cfg.Components) > 0 {
		overall = statuspage.NoData
	}
	// The charts go stale as checks go on, without any new fact.
	if len(charts) > 0 && now.Add(chartRefresh).Before(until) {
		until = now.Add(chartRefresh)
	}
	labels := make([]string, uptimeDays)
	for i := range labels {
		labels[i] = days[i].Format("2 Jan 2006")
	}
	view := statuspage.View{Site: site, Overall: string(overall), Groups: groups, Active: active,
		Maintenance: mviews, Past: past, Weighting: statuspage.Weighting(weights, removed), Days: uptimeDays,
		DayLabels: labels, GroupsCollapsed: sp.GroupsCollapsed,
		FirstDay: days[0].Format("2006-01-02"), LastDay: days[uptimeDays-1].Format("2006-01-02")}
	view.Banner = statuspage.Banner(view.Overall, groups, active, mviews)
	return &pageSnapshot{maint: windows, cfg: cfg, modified: now, lastMod: []string{now.UTC().Format(http.TimeFormat)}, until: until, view: view, incs: byID, list: list, loc: loc, days: days,
		pages: map[string]*renderedPage{}}
}

// incidentView is an incident as the pages show it, its times in loc.
func incidentView(cfg *config.Config, loc *time.Location, inc *incident.Incident) statuspage.IncidentView {
	v := statuspage.IncidentView{ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status,
		StatusText: statuspage.StatusText(inc.Status), Opened: inc.Opened.In(loc)}
	if inc.Resolved != nil {
		v.Resolved = inc.Resolved.In(loc)
	}
	for _, c := range slices.Sorted(maps.Keys(inc.Components)) {
		st := string(inc.Components[c])
		v.Components = append(v.Components, statuspage.Component{ID: c, Name: cfg.ComponentName(c), Status: st, StatusText: statuspage.StatusText(st)})
	}
	for i := len(inc.Updates) - 1; i >= 0; i-- {
		u := inc.Updates[i]
		v.Updates = append(v.Updates, statuspage.UpdateView{At: u.At.In(loc), Status: u.Status, StatusText: statuspage.StatusText(u.Status), Message: u.Message})
	}
	// The latest publication is the post-mortem in force.
	if n := len(inc.Postmortems); n > 0 {
		pm := inc.Postmortems[n-1]
		v.Postmortem = &statuspage.PostmortemView{At: pm.At.In(loc), Title: pm.Title, Paragraphs: statuspage.Paragraphs(pm.Summary), URL: pm.URL}
	}
	return v
}
