package server

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/detect"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// autoIncidentPrefix starts the id of an incident opened automatically;
// the rest is the id of the status fact that opened it, so that a replay
// of the same results after a restart finds it instead of opening another.
const autoIncidentPrefix = "auto-"

// staleChange is the age beyond which a confirmed change replayed at
// start-up is history, not news: it alerts nobody and opens no incident.
// The age counts from the confirmation (the newest result cited), not from
// the start of the streak, which a slow monitor confirms hours later.
const staleChange = 2 * time.Hour

// confirmedAt is when the change was confirmed: its newest evidence.
func confirmedAt(ch detect.Change) time.Time {
	at := ch.At
	for _, e := range ch.Evidence {
		if e.At.After(at) {
			at = e.At
		}
	}
	return at
}

// afterChanges acts on confirmed status changes once their status facts
// (ids[i] for changes[i]) are stored: it alerts the operators of each
// change, and opens or follows up the incidents of components configured
// with auto_incident. Its failures are logged, not returned: the results
// and the status facts stand, and a replay retries with the same ids.
// Called from writeChanges with obsMu held, so changes are handled in
// order.
func (s *Server) afterChanges(ctx context.Context, changes []detect.Change, ids []string) {
	now := s.now()
	c := s.Config()
	var monitorStatus map[string]sla.Status
	for i, ch := range changes {
		if now.Sub(confirmedAt(ch)) > staleChange {
			continue
		}
		s.publishMonitorEvent(ctx, c, ch, ids[i])
		comp := component(c, ch.Component)
		if comp == nil || comp.AutoIncident == nil {
			continue
		}
		if monitorStatus == nil {
			monitorStatus = s.monitorStatuses()
		}
		monitorStatus[ch.Monitor] = ch.Status
		var err error
		switch ch.Status {
		case sla.MajorOutage, sla.PartialOutage:
			err = s.openAutoIncident(ctx, c, comp, ch, ids[i], monitorStatus)
		case sla.Operational:
			err = s.autoRecovery(ctx, c, comp, ch, ids[i], monitorStatus)
		}
		if err != nil {
			s.log.Error("automatic incident", "component", ch.Component, "monitor", ch.Monitor, "status", ch.Status, "err", err)
		}
	}
}

func component(c *config.Config, id string) *config.Component {
	for i := range c.Components {
		if c.Components[i].ID == id {
			return &c.Components[i]
		}
	}
	return nil
}

// monitorStatuses are the detector's current statuses by monitor (absent:
// not known yet).
func (s *Server) monitorStatuses() map[string]sla.Status {
	out := map[string]sla.Status{}
	for _, ls := range s.det.Snapshot() {
		if ls.MonitorStatus != "" {
			out[ls.Monitor] = ls.MonitorStatus
		}
	}
	return out
}

// componentMonitors splits the monitors of a component by whether they are
// down (major or partial outage) in status.
func componentMonitors(c *config.Config, comp string, status map[string]sla.Status) (down, notDown []string) {
	for _, m := range c.Monitors {
		if m.Component != comp {
			continue
		}
		switch status[m.ID] {
		case sla.MajorOutage, sla.PartialOutage:
			down = append(down, m.ID)
		default:
			notDown = append(notDown, m.ID)
		}
	}
	return down, notDown
}

func (s *Server) publishMonitorEvent(ctx context.Context, c *config.Config, ch detect.Change, factID string) {
	kind, verb := EventMonitorDown, "is down"
	switch ch.Status {
	case sla.Operational:
		kind, verb = EventMonitorUp, "is up again"
	case sla.Degraded:
		verb = "is degraded"
	}
	name := componentName(c, ch.Component)
	ev := Event{ID: factID, Kind: kind, At: ch.At, Status: string(ch.Status), Components: []string{ch.Component},
		Title:   fmt.Sprintf("%s: monitor %s %s", name, ch.Monitor, verb),
		Message: fmt.Sprintf("Monitor %s of %s confirmed %s from %s.", ch.Monitor, name, ch.Status, rfc3339(ch.At))}
	if err := s.publish(ctx, ev); err != nil {
		s.log.Error("publish monitor event", "id", ev.ID, "err", err)
	}
}

// openAutoIncident opens an incident for a confirmed outage of comp unless
// an open incident already impacts it. The impact is a major outage when
// every monitor of the component is down, a partial one otherwise. An
// open automatic incident that had recovered relapses instead; one at a
// partial outage escalates when every monitor is down.
func (s *Server) openAutoIncident(ctx context.Context, c *config.Config, comp *config.Component, ch detect.Change, factID string, status map[string]sla.Status) error {
	id := autoIncidentPrefix + factID
	ev, err := s.parseFactsOfType(ctx, incidentOnlyTypes)
	if err != nil {
		return err
	}
	incs := incident.Fold(ev)
	if incident.Find(incs, id) != nil {
		return nil // opened before a restart
	}
	down, notDown := componentMonitors(c, comp.ID, status)
	impact := sla.MajorOutage
	if ch.Status == sla.PartialOutage || len(notDown) > 0 {
		impact = sla.PartialOutage
	}
	at := ch.At.UTC().Truncate(time.Second)
	name := componentName(c, comp.ID)
	for _, inc := range incs {
		if _, ok := inc.Components[comp.ID]; ok && inc.Resolved != nil && !inc.Opened.After(at) && inc.Resolved.After(at) {
			// A replay of a change that came while this incident was open:
			// it covered the outage, and was resolved since.
			return nil
		}
		if cur, ok := inc.Components[comp.ID]; ok && inc.Resolved == nil {
			auto := strings.HasPrefix(inc.ID, autoIncidentPrefix) && !at.Before(inc.Opened)
			switch {
			case auto && (cur != sla.PartialOutage && cur != sla.MajorOutage || inc.Status == incident.StatusMonitoring) && !at.Before(lastUpdate(inc)):
				// Down again after the recovery, before anyone resolved:
				// the incident must not go on saying all is well.
				return s.relapse(ctx, inc, comp.ID, name, ch.Monitor, impact, at, factID)
			case auto && cur == sla.PartialOutage && impact == sla.MajorOutage:
				return s.escalate(ctx, inc, comp.ID, name, at, factID)
			}
			return nil
		}
	}
	title := name + " outage"
	msg := fmt.Sprintf("Automatically opened: monitor %s confirmed %s of %s at %s.", ch.Monitor, ch.Status, name, rfc3339(at))
	if len(down) > 1 {
		msg += " Monitors down: " + strings.Join(down, ", ") + "."
	}
	inc, err := fact("incident", id, at, incidentFact{Type: "incident", ID: id, At: rfc3339(at), Title: title,
		Severity: comp.AutoIncident.Severity, Components: map[string]string{comp.ID: string(impact)}})
	if err != nil {
		return err
	}
	uid := id + ":opened"
	upd, err := fact("incident_update", uid, at, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: id, At: rfc3339(at),
		Status: incident.StatusInvestigating, Message: msg})
	if err != nil {
		return err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{inc, upd}); err != nil {
		return err
	}
	s.log.Info("incident opened automatically", "incident", id, "component", comp.ID, "monitor", ch.Monitor, "impact", impact, "by", "slakeeper")
	s.publishIncident(ctx, Event{ID: EventIncidentCreated + ":" + id, Kind: EventIncidentCreated, At: at, Title: title, Message: msg,
		Status: incident.StatusInvestigating, Severity: comp.AutoIncident.Severity, Incident: id, Components: []string{comp.ID}})
	return nil
}

// escalate turns the partial outage of an automatic incident into a
// major one once every monitor of the component is down.
func (s *Server) escalate(ctx context.Context, inc *incident.Incident, comp, name string, at time.Time, factID string) error {
	uid := inc.ID + ":escalated:" + factID
	msg := fmt.Sprintf("Every monitor of %s is down since %s: major outage.", name, rfc3339(at))
	f, err := fact("incident_update", uid, at, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: inc.ID, At: rfc3339(at),
		Status: incident.StatusUpdate, Message: msg, Components: map[string]string{comp: string(sla.MajorOutage)}})
	if err != nil {
		return err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
		return err
	}
	s.publishIncident(ctx, Event{ID: EventIncidentUpdated + ":" + uid, Kind: EventIncidentUpdated, At: at, Title: inc.Title, Message: msg,
		Status: inc.Status, Severity: inc.Severity, Incident: inc.ID, Components: []string{comp}})
	return nil
}

// lastUpdate is the time of the latest update of inc (its opening when
// it has none).
func lastUpdate(inc *incident.Incident) time.Time {
	at := inc.Opened
	for _, u := range inc.Updates {
		if u.At.After(at) {
			at = u.At
		}
	}
	return at
}

// relapse takes an automatic incident that had recovered back to
// investigating, with comp at impact again, when a monitor of it fails
// before the incident was resolved. A replay finds the update by its id.
func (s *Server) relapse(ctx context.Context, inc *incident.Incident, comp, name, monitor string, impact sla.Status, at time.Time, factID string) error {
	uid := inc.ID + ":relapsed:" + factID
	msg := fmt.Sprintf("Automatically detected: monitor %s confirmed %s down again at %s.", monitor, name, rfc3339(at))
	f, err := fact("incident_update", uid, at, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: inc.ID, At: rfc3339(at),
		Status: incident.StatusInvestigating, Message: msg, Components: map[string]string{comp: string(impact)}})
	if err != nil {
		return err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
		return err
	}
	s.log.Info("automatic incident relapsed", "incident", inc.ID, "component", comp, "monitor", monitor, "impact", impact, "by", "slakeeper")
	s.publishIncident(ctx, Event{ID: EventIncidentUpdated + ":" + uid, Kind: EventIncidentUpdated, At: at, Title: inc.Title, Message: msg,
		Status: incident.StatusInvestigating, Severity: inc.Severity, Incident: inc.ID, Components: []string{comp}})
	return nil
}

// autoRecovery posts a "monitoring" update, with the component back to
// operational, on the open automatic incidents of comp once every monitor
// of it has recovered. The operator resolves: only a person knows the
// cause is gone.
func (s *Server) autoRecovery(ctx context.Context, c *config.Config, comp *config.Component, ch detect.Change, factID string, status map[string]sla.Status) error {
	if down, _ := componentMonitors(c, comp.ID, status); len(down) > 0 {
		return nil
	}
	ev, err := s.parseFactsOfType(ctx, incidentOnlyTypes)
	if err != nil {
		return err
	}
	at := ch.At.UTC().Truncate(time.Second)
	for _, inc := range incident.Fold(ev) {
		if !strings.HasPrefix(inc.ID, autoIncidentPrefix) || inc.Resolved != nil || inc.Status == incident.StatusMonitoring || at.Before(lastUpdate(inc)) {
			continue
		}
		if _, ok := inc.Components[comp.ID]; !ok {
			continue
		}
		uid := inc.ID + ":recovered:" + factID
		msg := fmt.Sprintf("Automatically detected recovery at %s: every monitor of %s is up.", rfc3339(at), componentName(c, comp.ID))
		f, err := fact("incident_update", uid, at, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: inc.ID, At: rfc3339(at),
			Status: incident.StatusMonitoring, Message: msg, Components: map[string]string{comp.ID: string(sla.Operational)}})
		if err != nil {
			return err
		}
		if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
			return err
		}
		s.publishIncident(ctx, Event{ID: EventIncidentUpdated + ":" + uid, Kind: EventIncidentUpdated, At: at, Title: inc.Title, Message: msg,
			Status: incident.StatusMonitoring, Severity: inc.Severity, Incident: inc.ID, Components: []string{comp.ID}})
	}
	return nil
}
