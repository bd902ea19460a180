package server

import (
	"context"
	"fmt"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/detect"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
)

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
		comp := c.Component(ch.Component)
		if comp == nil || comp.AutoIncident == nil {
			continue
		}
		if monitorStatus == nil {
			monitorStatus = s.monitorStatuses()
		}
		monitorStatus[ch.Monitor] = ch.Status
		if err := s.incidents.AutoIncident(ctx, comp, ch, ids[i], monitorStatus); err != nil {
			s.log.Error("automatic incident", "component", ch.Component, "monitor", ch.Monitor, "status", ch.Status, "err", err)
		}
	}
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

// publishMonitorEvent alerts the operators' channels of a confirmed
// change; the event's id is the status fact's, so a replay alerts nobody
// twice.
func (s *Server) publishMonitorEvent(ctx context.Context, c *config.Config, ch detect.Change, factID string) {
	kind, verb := outbox.EventMonitorDown, "is down"
	switch ch.Status {
	case sla.Operational:
		kind, verb = outbox.EventMonitorUp, "is up again"
	case sla.Degraded:
		verb = "is degraded"
	}
	name := c.ComponentName(ch.Component)
	ev := outbox.Event{ID: factID, Kind: kind, At: ch.At, Status: string(ch.Status), Components: []string{ch.Component},
		Title:   fmt.Sprintf("%s: monitor %s %s", name, ch.Monitor, verb),
		Message: fmt.Sprintf("Monitor %s of %s confirmed %s from %s.", ch.Monitor, name, ch.Status, ch.At.UTC().Format(time.RFC3339))}
	if err := s.outbox.Publish(ctx, ev); err != nil {
		s.log.Error("publish monitor event", "id", ev.ID, "err", err)
	}
}
