package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/statuspage"
)

// statusPageTitle heads the public status page.
const statusPageTitle = "Service status"

// statusPageCache is what the public pages may be cached for: briefly, and
// served stale while the server is down.
const statusPageCache = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"

// pastIncidents bounds the resolved incidents the status page lists.
const pastIncidents = 20

// pageState is the status page snapshot of one server: the pages are
// rendered and compressed once per change of the evidence, not once per
// request, and the last good snapshot stays in service when the store
// cannot be read.
type pageState struct {
	s *Server
	r *statuspage.Renderer

	mu      sync.Mutex
	checked time.Time // when the store was last read
	snap    *pageSnapshot
}

// pageSnapshot is the status page as of one state of the evidence.
type pageSnapshot struct {
	key      [32]byte
	cfg      *config.Config
	modified time.Time
	// until is the next start or end of a maintenance window: the page
	// changes then even if the evidence does not.
	until time.Time
	view  statuspage.View
	home  *renderedPage
	incs  map[string]*incident.Incident

	mu    sync.Mutex
	pages map[string]*renderedPage // incident id → its page, rendered on demand
}

// renderedPage is one page, gzip-compressed, with its ETag.
type renderedPage struct {
	gz   []byte
	etag string // hash of the uncompressed body, quoted
}

func (s *Server) statusPage() *pageState { return s.page }

// handleStatusPage serves the public status page.
func (s *Server) handleStatusPage() http.Handler {
	p := s.statusPage()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		snap, ok := p.current(r.Context())
		if !ok {
			http.Error(w, "The status page is not available yet; try again shortly.", http.StatusServiceUnavailable)
			return
		}
		servePage(w, r, snap.home, snap.modified)
	})
}

// handleIncidentPage serves one incident's public page.
func (s *Server) handleIncidentPage() http.Handler {
	p := s.statusPage()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		snap, ok := p.current(r.Context())
		if !ok {
			http.Error(w, "The status page is not available yet; try again shortly.", http.StatusServiceUnavailable)
			return
		}
		page, err := p.incidentPage(snap, r.PathValue("id"))
		if err != nil {
			s.log.Error("render incident page", "incident", r.PathValue("id"), "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if page == nil {
			w.Header().Set("Cache-Control", statusPageCache)
			http.Error(w, "No such incident.", http.StatusNotFound)
			return
		}
		servePage(w, r, page, snap.modified)
	})
}

// handleStatic serves the status page's style sheet.
func (s *Server) handleStatic() http.Handler { return statuspage.Static() }

// current returns the snapshot, reading the store at most once a second
// and rendering only when the evidence changed. ok is false only when
// there has never been a snapshot.
func (p *pageState) current(ctx context.Context) (snap *pageSnapshot, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.s.now()
	cfg := p.s.Config()
	if p.snap != nil && p.snap.cfg == cfg && now.Before(p.snap.until) {
		if d := now.Sub(p.checked); d >= 0 && d < time.Second {
			return p.snap, true
		}
	}
	p.checked = now
	next, err := p.refresh(ctx, cfg, now)
	if err != nil {
		if p.snap == nil {
			p.s.log.Error("status page: no snapshot to serve", "err", err)
			return nil, false
		}
		p.s.log.Error("status page: serving the last good snapshot", "err", err, "as_of", p.snap.modified)
		return p.snap, true
	}
	p.snap = next
	return p.snap, true
}

// refresh reads the evidence and returns the current snapshot, or a new
// one when the evidence, the configuration or a maintenance window's state
// changed.
func (p *pageState) refresh(ctx context.Context, cfg *config.Config, now time.Time) (*pageSnapshot, error) {
	fs, err := p.s.store.Facts(ctx, time.Unix(0, 0), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	var b bytes.Buffer
	h := sha256.New()
	for _, f := range fs {
		if f.Type != "status" && !incidentFactTypes[f.Type] {
			continue
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", f.ID, f.Type, len(f.JSON))
		h.Write(f.JSON)
		b.Write(bytes.TrimSpace(f.JSON))
		b.WriteByte('\n')
	}
	var key [32]byte
	h.Sum(key[:0])
	if old := p.snap; old != nil && old.key == key && old.cfg == cfg && now.Before(old.until) {
		return old, nil
	}
	ev, err := facts.Parse("evidence", &b)
	if err != nil {
		return nil, fmt.Errorf("stored evidence: %v", err)
	}
	view, incs, until := statusView(cfg, ev, now)
	var page bytes.Buffer
	if err := p.r.Page(&page, view); err != nil {
		return nil, err
	}
	home, err := compressPage(page.Bytes())
	if err != nil {
		return nil, err
	}
	return &pageSnapshot{key: key, cfg: cfg, modified: now, until: until, view: view, home: home, incs: incs,
		pages: map[string]*renderedPage{}}, nil
}

// incidentPage renders an incident's page once per snapshot; nil when
// there is no such incident.
func (p *pageState) incidentPage(snap *pageSnapshot, id string) (*renderedPage, error) {
	inc := snap.incs[id]
	if inc == nil {
		return nil, nil
	}
	snap.mu.Lock()
	defer snap.mu.Unlock()
	if pg := snap.pages[id]; pg != nil {
		return pg, nil
	}
	v := incidentView(snap.cfg, inc)
	v.SiteTitle, v.GeneratedAt = snap.view.Title, snap.view.GeneratedAt
	var b bytes.Buffer
	if err := p.r.Incident(&b, v); err != nil {
		return nil, err
	}
	pg, err := compressPage(b.Bytes())
	if err != nil {
		return nil, err
	}
	snap.pages[id] = pg
	return pg, nil
}

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
	return &renderedPage{gz: b.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}, nil
}

// servePage answers with a rendered page: 304 when the client has it,
// gzip when the client takes it, else the plain body.
func servePage(w http.ResponseWriter, r *http.Request, pg *renderedPage, modified time.Time) {
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	// The two encodings are two representations: each its own ETag.
	etag := pg.etag
	if gz {
		etag = strings.TrimSuffix(pg.etag, `"`) + `-gzip"`
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", statusPageCache)
	hd.Add("Vary", "Accept-Encoding")
	hd.Set("ETag", etag)
	hd.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	hd.Set("X-Content-Type-Options", "nosniff")
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if etagMatches(inm, pg.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !modified.Truncate(time.Second).After(ims) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := pg.gz
	if gz {
		hd.Set("Content-Encoding", "gzip")
	} else {
		zr, err := gzip.NewReader(bytes.NewReader(pg.gz))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
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

// statusView computes what the page shows at now: each component's latest
// status per source, worst wins; under maintenance while a window covering
// it is ongoing; then the impacts of open incidents, worst wins. It also
// returns the folded incidents by id, and the next time a maintenance
// window starts or ends (when the page changes without new evidence).
func statusView(cfg *config.Config, ev *sla.Evidence, now time.Time) (statuspage.View, map[string]*incident.Incident, time.Time) {
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
	until := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	windows := incident.Maintenance(ev, now)
	var mviews []statuspage.MaintenanceView
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
		names := make([]string, len(mw.Components))
		for i, c := range mw.Components {
			names[i] = componentName(cfg, c)
		}
		mviews = append(mviews, statuspage.MaintenanceView{ID: mw.ID, Title: mw.Title, State: mw.State, Components: names, Start: mw.Start, End: mw.End})
	}
	incs := incident.Fold(ev)
	byID := make(map[string]*incident.Incident, len(incs))
	var active, past []statuspage.IncidentView
	for _, inc := range incs {
		if inc.Opened.After(now) {
			continue
		}
		byID[inc.ID] = inc
		if inc.Resolved == nil {
			for c, st := range inc.Components {
				status[c] = worse(status[c], st)
			}
			active = append(active, incidentView(cfg, inc))
		} else if len(past) < pastIncidents {
			past = append(past, incidentView(cfg, inc))
		}
	}
	overall := sla.Operational
	var groups []statuspage.Group
	for _, c := range cfg.Components {
		st := status[c.ID]
		if st == "" {
			st = sla.Operational
		}
		overall = worse(overall, st)
		comp := statuspage.Component{ID: c.ID, Name: componentName(cfg, c.ID), Status: string(st), StatusText: statuspage.StatusText(string(st))}
		i := slices.IndexFunc(groups, func(g statuspage.Group) bool { return g.Name == c.Group })
		if i < 0 {
			groups = append(groups, statuspage.Group{Name: c.Group})
			i = len(groups) - 1
		}
		groups[i].Components = append(groups[i].Components, comp)
	}
	return statuspage.View{Title: statusPageTitle, Overall: string(overall), Groups: groups, Active: active,
		Maintenance: mviews, Past: past, GeneratedAt: now}, byID, until
}

func componentName(cfg *config.Config, id string) string {
	for _, c := range cfg.Components {
		if c.ID == id && c.Name != "" {
			return c.Name
		}
	}
	return id
}

func incidentView(cfg *config.Config, inc *incident.Incident) statuspage.IncidentView {
	v := statuspage.IncidentView{ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status,
		StatusText: statuspage.StatusText(inc.Status), Opened: inc.Opened}
	if inc.Resolved != nil {
		v.Resolved = *inc.Resolved
	}
	ids := make([]string, 0, len(inc.Components))
	for c := range inc.Components {
		ids = append(ids, c)
	}
	slices.Sort(ids)
	for _, c := range ids {
		st := string(inc.Components[c])
		v.Components = append(v.Components, statuspage.Component{ID: c, Name: componentName(cfg, c), Status: st, StatusText: statuspage.StatusText(st)})
	}
	for i := len(inc.Updates) - 1; i >= 0; i-- {
		u := inc.Updates[i]
		v.Updates = append(v.Updates, statuspage.UpdateView{At: u.At, Status: u.Status, StatusText: statuspage.StatusText(u.Status), Message: u.Message})
	}
	return v
}
