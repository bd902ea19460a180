package public

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/feed"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/statuspage"
	"github.com/slakeeper/slakeeper/internal/web"
)

// maxFeedItems bounds a feed to the most recent incidents and
// maintenance windows.
const maxFeedItems = 50

// incidentFeed builds the feed of the snapshot's incidents and
// maintenance windows, newest first.
func incidentFeed(snap *pageSnapshot, base, self string) feed.Feed {
	incs := make([]*incident.Incident, 0, len(snap.incs))
	for _, inc := range snap.incs {
		incs = append(incs, inc)
	}
	sort.Slice(incs, func(i, j int) bool {
		if !incs[i].Opened.Equal(incs[j].Opened) {
			return incs[i].Opened.After(incs[j].Opened)
		}
		return incs[i].ID < incs[j].ID
	})
	f := feed.Feed{Title: snap.view.Site.Title + ": incidents and maintenance", Link: base + "/", SelfURL: self, ID: base + "/feed.atom",
		Description: "Incidents and their updates, and scheduled maintenance"}
	for i, inc := range incs {
		if i == maxFeedItems {
			break
		}
		var text strings.Builder
		updated := inc.Opened
		// Updates newest first, as a status page reads.
		for j := len(inc.Updates) - 1; j >= 0; j-- {
			u := inc.Updates[j]
			fmt.Fprintf(&text, "%s — %s: %s\n", u.At.UTC().Format("2006-01-02 15:04 MST"), u.Status, u.Message)
			if u.At.After(updated) {
				updated = u.At
			}
		}
		if text.Len() == 0 {
			text.WriteString("Investigating.")
		}
		body := text.String()
		// The post-mortem in force comes first: a reader sees it came out.
		if n := len(inc.Postmortems); n > 0 {
			pm := inc.Postmortems[n-1]
			var b strings.Builder
			b.WriteString("Post-mortem")
			if pm.Title != "" {
				b.WriteString(": " + pm.Title)
			}
			b.WriteString("\n")
			for _, para := range statuspage.Paragraphs(pm.Summary) {
				b.WriteString(para + "\n")
			}
			if pm.URL != "" {
				b.WriteString(pm.URL + "\n")
			}
			body = b.String() + "\n" + body
			if pm.At.After(updated) {
				updated = pm.At
			}
		}
		f.Items = append(f.Items, feed.Item{ID: base + "/incidents/" + inc.ID, Title: fmt.Sprintf("%s [%s]", inc.Title, inc.Status),
			Link: base + "/incidents/" + inc.ID, Published: inc.Opened, Updated: updated, Text: body, Categories: []string{inc.Severity}})
		if updated.After(f.Updated) {
			f.Updated = updated
		}
	}
	for _, mw := range snap.maint {
		f.Items = append(f.Items, maintenanceItem(snap, base, mw))
	}
	// Newest first by publication; the feed keeps the latest.
	sort.SliceStable(f.Items, func(i, j int) bool { return f.Items[i].Published.After(f.Items[j].Published) })
	if len(f.Items) > maxFeedItems {
		f.Items = f.Items[:maxFeedItems]
	}
	for _, it := range f.Items {
		if it.Updated.After(f.Updated) {
			f.Updated = it.Updated
		}
	}
	if f.Updated.IsZero() {
		f.Updated = snap.modified
	}
	return f
}

var maintenanceStates = map[string]string{incident.Upcoming: "scheduled", incident.Ongoing: "in progress", incident.Past: "completed"}

// maintenanceItem is a maintenance window as a feed item: published when
// announced, updated when it starts and when it ends, so a reader sees
// each change of its state.
func maintenanceItem(snap *pageSnapshot, base string, mw incident.MaintenanceWindow) feed.Item {
	title := mw.Title
	if title == "" {
		title = "Maintenance"
	}
	state := maintenanceStates[mw.State]
	if mw.CancelledAt != nil {
		state = "ended early"
	}
	var text strings.Builder
	layout := "2006-01-02 15:04 MST"
	fmt.Fprintf(&text, "Scheduled maintenance from %s to %s.\n", mw.Start.In(snap.loc).Format(layout), mw.End.In(snap.loc).Format(layout))
	if len(mw.Components) > 0 {
		text.WriteString("Affects: " + strings.Join(snap.cfg.ComponentNames(mw.Components), ", ") + ".\n")
	}
	updated := mw.AnnouncedAt
	for _, t := range []time.Time{mw.Start, mw.End} {
		if !t.After(snap.modified) && t.After(updated) {
			updated = t
		}
	}
	published := mw.AnnouncedAt
	if published.IsZero() {
		published = mw.Start
	}
	if updated.Before(published) {
		updated = published
	}
	return feed.Item{ID: base + "/maintenance/" + mw.ID, Title: fmt.Sprintf("Maintenance: %s [%s]", title, state),
		Link: base + "/#maintenance", Published: published, Updated: updated, Text: text.String(), Categories: []string{"maintenance"}}
}

// handleFeed serves the incident history as RSS or Atom, from the same
// snapshot as the page.
func (h *handler) handleFeed(kind string) http.Handler {
	p := h.page
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		snap, ok := p.current(r.Context())
		if !ok {
			http.Error(w, "The feed is not available yet; try again shortly.", http.StatusServiceUnavailable)
			return
		}
		base := pageConfig(snap.cfg).PublicURL
		if base == "" {
			base = web.BaseURL(r)
		}
		f := incidentFeed(snap, base, base+r.URL.Path)
		var b bytes.Buffer
		write, ctype := feed.Atom, "application/atom+xml; charset=utf-8"
		if kind == "rss" {
			write, ctype = feed.RSS, "application/rss+xml; charset=utf-8"
		}
		if err := write(&b, f); err != nil {
			h.log.Error("render feed", "kind", kind, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", statusPageCache)
		_, _ = io.Copy(w, &b)
	})
}
