package incidents

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/detect"
	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// autoIncidentPrefix starts the id of an incident opened automatically;
// the rest is the id of the status fact that opened it, so that a replay
// of the same results after a restart finds it instead of opening another.
const autoIncidentPrefix = "auto-"

// AutoIncident acts on a confirmed status change of a component
// configured with auto_incident, once its status fact (factID) is stored:
// an outage opens or follows up an automatic incident, a recovery of every
// monitor of the component posts "monitoring". status is every monitor's
// current status, the change included.
func (s *Service) AutoIncident(ctx context.Context, comp *config.Component, ch detect.Change, factID string, status map[string]sla.Status) error {
	c := s.cfg()
	switch ch.Status {
	case sla.MajorOutage, sla.PartialOutage:
		return s.openAutoIncident(ctx, c, comp, ch, factID, status)
	case sla.Operational:
		return s.autoRecovery(ctx, c, comp, ch, factID, status)
	}
	return nil
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

// openAutoIncident opens an incident for a confirmed outage of comp unless
// an open incident already impacts it. The impact is a major outage when
// every monitor of the component is down, a partial one otherwise. An
// open automatic incident that had recovered relapses instead; one at a
// partial outage escalates when every monitor is down.
func (s *Service) openAutoIncident(ctx context.Context, c *config.Config, comp *config.Component, ch detect.Change, factID string, status map[string]sla.Status) error {
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
	name := c.ComponentName(comp.ID)
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
	if err := s.storeIncident(ctx, []store.Fact{inc, upd}, outbox.Event{ID: outbox.EventIncidentCreated + ":" + id, Kind: outbox.EventIncidentCreated, At: at, Title: title, Message: msg,
		Status: incident.StatusInvestigating, Severity: comp.AutoIncident.Severity, Incident: id, Components: []string{comp.ID}}); err != nil {
		return err
	}
	s.log.Info("incident opened automatically", "incident", id, "component", comp.ID, "monitor", ch.Monitor, "impact", impact, "by", "slakeeper")
	return nil
}

// escalate turns the partial outage of an automatic incident into a
// major one once every monitor of the component is down.
func (s *Service) escalate(ctx context.Context, inc *incident.Incident, comp, name string, at time.Time, factID string) error {
	uid := inc.ID + ":escalated:" + factID
	msg := fmt.Sprintf("Every monitor of %s is down since %s: major outage.", name, rfc3339(at))
	f, err := fact("incident_update", uid, at, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: inc.ID, At: rfc3339(at),
		Status: incident.StatusUpdate, Message: msg, Components: map[string]string{comp: string(sla.MajorOutage)}})
	if err != nil {
		return err
	}
	if err := s.storeIncident(ctx, []store.Fact{f}, outbox.Event{ID: outbox.EventIncidentUpdated + ":" + uid, Kind: outbox.EventIncidentUpdated, At: at, Title: inc.Title, Message: msg,
		Status: inc.Status, Severity: inc.Severity, Incident: inc.ID, Components: []string{comp}}); err != nil {
		return err
	}
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
func (s *Service) relapse(ctx context.Context, inc *incident.Incident, comp, name, monitor string, impact sla.Status, at time.Time, factID string) error {
	uid := inc.ID + ":relapsed:" + factID
	msg := fmt.Sprintf("Automatically detected: monitor %s confirmed %s down again at %s.", monitor, name, rfc3339(at))
	f, err := fact("incident_update", uid, at, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: inc.ID, At: rfc3339(at),
		Status: incident.StatusInvestigating, Message: msg, Components: map[string]string{comp: string(impact)}})
	if err != nil {
		return err
	}
	if err := s.storeIncident(ctx, []store.Fact{f}, outbox.Event{ID: outbox.EventIncidentUpdated + ":" + uid, Kind: outbox.EventIncidentUpdated, At: at, Title: inc.Title, Message: msg,
		Status: incident.StatusInvestigating, Severity: inc.Severity, Incident: inc.ID, Components: []string{comp}}); err != nil {
		return err
	}
	s.log.Info("automatic incident relapsed", "incident", inc.ID, "component", comp, "monitor", monitor, "impact", impact, "by", "slakeeper")
	return nil
}

// autoRecovery posts a "monitoring" update, with the component back to
// operational, on the open automatic incidents of comp once every monitor
// of it has recovered. The operator resolves: only a person knows the
// cause is gone.
func (s *Service) autoRecovery(ctx context.Context, c *config.Config, comp *config.Component, ch detect.Change, factID string, status map[string]sla.Status) error {
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
		msg := fmt.Sprintf("Automatically detected recovery at %s: every monitor of %s is up.", rfc3339(at), c.ComponentName(comp.ID))
		f, err := fact("incident_update", uid, at, incidentUpdateFact{Type: "incident_update", ID: uid, Incident: inc.ID, At: rfc3339(at),
			Status: incident.StatusMonitoring, Message: msg, Components: map[string]string{comp.ID: string(sla.Operational)}})
		if err != nil {
			return err
		}
		if err := s.storeIncident(ctx, []store.Fact{f}, outbox.Event{ID: outbox.EventIncidentUpdated + ":" + uid, Kind: outbox.EventIncidentUpdated, At: at, Title: inc.Title, Message: msg,
			Status: incident.StatusMonitoring, Severity: inc.Severity, Incident: inc.ID, Components: []string{comp.ID}}); err != nil {
			return err
		}
	}
	return nil
}
