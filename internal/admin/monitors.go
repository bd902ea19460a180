package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/monitors"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// monitorsPerPage bounds the rows of one list page: 10,000 monitors
// would be megabytes of HTML.
const monitorsPerPage = 200

// monitorColumns are the list's columns with the key each sorts by.
var monitorColumns = []struct{ label, key string }{
	{"Monitor", "id"}, {"Component", "component"}, {"State", "state"}, {"Last check", ""}, {"Latency now", "latency"},
	{"p50 24 h", "p50"}, {"p95 24 h", "p95"}, {"Uptime 24 h", "uptime_24h"}, {"Uptime 30 d", "uptime_30d"},
}

// handleMonitorsPage is the monitors console's list, filtered by
// component, state and text and sorted by a column (?sort, ?order).
func (h *handler) handleMonitorsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mq := monitors.Query{Component: q.Get("component"), State: q.Get("state"), Text: q.Get("q"), Sort: q.Get("sort"), Desc: q.Get("order") == "desc"}
		p := operatorui.MonitorsPage{Page: h.opPage(r, "Monitors"), Components: componentOptions(h.cfg()), States: monitors.States,
			Component: mq.Component, State: mq.State, Text: mq.Text, Sort: mq.Sort, Order: q.Get("order")}
		rows, err := h.monitors.List(mq)
		if err != nil {
			if !sla.IsInput(err) {
				h.failPage(w, r, err)
				return
			}
			h.message(w, r, http.StatusBadRequest, "Monitors", err.Error(), "/admin/monitors")
			return
		}
		link := func(sort, order string, first int) string {
			v := url.Values{}
			for k, val := range map[string]string{"component": mq.Component, "state": mq.State, "q": mq.Text, "sort": sort, "order": order} {
				if val != "" {
					v.Set(k, val)
				}
			}
			if first > 0 {
				v.Set("first", strconv.Itoa(first))
			}
			if len(v) == 0 {
				return "/admin/monitors"
			}
			return "/admin/monitors?" + v.Encode()
		}
		sortKey := mq.Sort
		if sortKey == "" {
			sortKey = "id"
		}
		for _, c := range monitorColumns {
			col := operatorui.SortColumn{Label: c.label, Key: c.key}
			if c.key != "" {
				order := ""
				if c.key == sortKey {
					col.Sorted = "ascending"
					if mq.Desc {
						col.Sorted = "descending"
					} else {
						order = "desc"
					}
				}
				col.URL = link(c.key, order, 0)
			}
			p.Columns = append(p.Columns, col)
		}
		first, _ := strconv.Atoi(q.Get("first"))
		first = min(max(first, 0), max(len(rows)-1, 0))
		p.Total, p.First = len(rows), first
		end := min(first+monitorsPerPage, len(rows))
		p.Rows = rows[first:end]
		if first > 0 {
			p.Prev = link(mq.Sort, q.Get("order"), max(first-monitorsPerPage, 0))
		}
		if end < len(rows) {
			p.Next = link(mq.Sort, q.Get("order"), end)
		}
		h.render(w, r, http.StatusOK, "monitors", p)
	})
}

// handleMonitorPage is one monitor: charts per location over ?range, its
// latest failures, the incidents it opened.
func (h *handler) handleMonitorPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, rng := r.PathValue("id"), r.URL.Query().Get("range")
		d, err := h.monitors.Detail(r.Context(), id, rng)
		if err != nil {
			if sla.IsInput(err) {
				h.message(w, r, http.StatusBadRequest, "Monitor", err.Error(), "/admin/monitors/"+url.PathEscape(id))
				return
			}
			h.failPage(w, r, err)
			return
		}
		ev, err := h.inc.Evidence(r.Context())
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		p := operatorui.MonitorPage{Page: h.opPage(r, "Monitor "+id), M: d, Charts: operatorui.Charts(d)}
		for _, rg := range monitors.Ranges {
			p.Ranges = append(p.Ranges, operatorui.RangeLink{Label: rg, URL: "/admin/monitors/" + url.PathEscape(id) + "?range=" + rg, Current: rg == d.Range})
		}
		for _, inc := range incident.Fold(ev) {
			if !monitors.OpenedBy(inc.ID, id) {
				continue
			}
			row := operatorui.IncidentRow{ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status, Opened: inc.Opened}
			if inc.Resolved != nil {
				row.Resolved = *inc.Resolved
			}
			p.Incidents = append(p.Incidents, row)
		}
		h.render(w, r, http.StatusOK, "monitor", p)
	})
}

// outagesWithoutIncident are the monitors' confirmed outages whose
// component no open incident impacts, the oldest first.
func (h *handler) outagesWithoutIncident(incs []*incident.Incident) []operatorui.OutageRow {
	covered := map[string]bool{}
	for _, inc := range incs {
		if inc.Resolved != nil {
			continue
		}
		for comp, st := range inc.Components {
			if st != sla.Operational {
				covered[comp] = true
			}
		}
	}
	var out []operatorui.OutageRow
	for _, r := range h.monitors.Outages() {
		if covered[r.Component] || r.Since == nil {
			continue
		}
		row := operatorui.OutageRow{Monitor: r.ID, Component: r.Component, ComponentName: r.ComponentName, Since: *r.Since}
		if r.Last != nil {
			row.Message = r.Last.Message
		}
		v := url.Values{"component": {r.Component}, "monitor": {r.ID}, "since": {r.Since.UTC().Format("2006-01-02T15:04:05Z")},
			"title": {r.ComponentName + " outage"}}
		row.Open = "/admin/incidents/new?" + v.Encode()
		out = append(out, row)
	}
	return out
}

// prefillFromOutage fills the new-incident form from the dashboard's
// link of an outage: its title, the component at a major outage, and a
// first message that says since when the monitor confirmed it.
func prefillFromOutage(q url.Values, values map[string]string) {
	if t := q.Get("title"); t != "" {
		values["title"] = t
	}
	comp := q.Get("component")
	if comp == "" {
		return
	}
	values["components."+comp] = string(sla.MajorOutage)
	if m, since := q.Get("monitor"), q.Get("since"); m != "" && since != "" {
		values["message"] = "We are investigating an outage: monitor " + m + " confirmed it from " + since + "."
		// The incident starts when the outage did, not when it is opened.
		if t, err := time.Parse(time.RFC3339, since); err == nil {
			values["started"] = t.UTC().Format("2006-01-02T15:04:05")
		}
	}
}
