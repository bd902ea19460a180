package tickets

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// tickEvery is how often the clocks are recomputed for the warnings and
// the metrics: business time passes without any event.
const tickEvery = 30 * time.Second

// Publisher tells the operators' alert channels (outbox.Service).
type Publisher interface {
	Publish(ctx context.Context, ev outbox.Event) error
}

// metrics are the open tickets and their breaches, by plan and priority.
type metrics struct {
	open, breached *prometheus.GaugeVec
}

func newMetrics() *metrics {
	return &metrics{
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "slakeeper_tickets_open",
			Help: "Unsolved support tickets, per plan and priority."}, []string{"plan", "priority"}),
		breached: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "slakeeper_tickets_breached",
			Help: "Unsolved support tickets with a breached SLA target, per plan and priority."}, []string{"plan", "priority"}),
	}
}

func (m *metrics) Describe(ch chan<- *prometheus.Desc) { m.open.Describe(ch); m.breached.Describe(ch) }
func (m *metrics) Collect(ch chan<- prometheus.Metric) { m.open.Collect(ch); m.breached.Collect(ch) }

// Alerts sends the breach warnings and keeps the ticket metrics current
// (Run). Each warning and each breach is published once per ticket,
// target and deadline: the event ids are stable, so the outbox drops a
// repeat after a restart.
type Alerts struct {
	svc     *Service
	pub     Publisher
	log     *slog.Logger
	metrics *metrics
	// mu makes ticks take turns (the loop's and one asked for): sent and
	// the metrics are one tick's.
	mu sync.Mutex
	// sent are the events published by this process.
	sent map[string]bool
}

// NewAlerts returns the warnings and metrics of svc; the metrics are
// registered on reg.
func NewAlerts(svc *Service, pub Publisher, log *slog.Logger, reg prometheus.Registerer) (*Alerts, error) {
	a := &Alerts{svc: svc, pub: pub, log: log, metrics: newMetrics(), sent: map[string]bool{}}
	if err := reg.Register(a.metrics); err != nil {
		return nil, fmt.Errorf("register ticket metrics: %w", err)
	}
	return a, nil
}

// Run recomputes the clocks every tickEvery until ctx ends.
func (a *Alerts) Run(ctx context.Context) {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for {
		if err := a.Tick(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("ticket clocks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick recomputes the clocks of the unsolved tickets now: it publishes a
// ticket.warning for each running or paused target that has used the
// configured share of its business-time budget (tickets.warn_at) and a
// ticket.breached for each one past its deadline, and sets the metrics.
func (a *Alerts) Tick(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	list, err := a.svc.List(ctx, Filter{})
	if err != nil {
		return err
	}
	c := a.svc.cfg()
	warnAt := c.Tickets.WarnAt
	if warnAt <= 0 {
		warnAt = 75
	}
	a.metrics.open.Reset()
	a.metrics.breached.Reset()
	live := map[string]bool{}
	for _, lt := range list {
		a.metrics.open.WithLabelValues(lt.Plan, lt.Priority).Inc()
		breached := false
		for _, ck := range lt.Clocks {
			var kind, what string
			switch {
			case ck.State == sla.ClockBreached:
				breached = true
				kind, what = outbox.EventTicketBreached, "breached"
			case (ck.State == sla.ClockRunning || ck.State == sla.ClockPaused) && ck.UsedShare*100 >= warnAt:
				kind, what = outbox.EventTicketWarning, "warning"
			default:
				continue
			}
			id := fmt.Sprintf("ticket:%s:%s:%s/%s", lt.Ticket, ck.Metric, ck.Deadline.UTC().Format("20060102T150405Z"), what)
			live[id] = true
			if a.sent[id] {
				continue
			}
			ev := outbox.Event{ID: id, Kind: kind, At: a.svc.now().UTC(), Ticket: lt.Ticket, Severity: lt.Priority,
				Title:   fmt.Sprintf("Ticket %s (%s, %s): %s %s", lt.Ticket, lt.Priority, lt.Customer, metricText(ck.Metric), what),
				Message: message(lt, ck), URL: c.Server.PublicURL + "/admin/tickets/" + lt.Ticket}
			if err := a.pub.Publish(ctx, ev); err != nil {
				a.log.Error("publish ticket alert", "id", id, "err", err)
				continue
			}
			a.sent[id] = true
		}
		if breached {
			a.metrics.breached.WithLabelValues(lt.Plan, lt.Priority).Inc()
		}
	}
	// What is no longer due cannot come back under the same id.
	for id := range a.sent {
		if !live[id] {
			delete(a.sent, id)
		}
	}
	return nil
}

func metricText(m string) string { return strings.ReplaceAll(m, "_", " ") }

func message(lt *sla.LiveTicket, c *sla.Clock) string {
	if c.State == sla.ClockBreached {
		return fmt.Sprintf("The %s target of ticket %s (%s, plan %s) was due at %s: %.0f of %.0f business minutes used.",
			metricText(c.Metric), lt.Ticket, lt.Customer, lt.Plan, c.Deadline.UTC().Format(time.RFC3339), c.UsedMinutes, c.TargetMinutes)
	}
	return fmt.Sprintf("The %s target of ticket %s (%s, plan %s) has used %.0f of %.0f business minutes (%.0f%%); %.0f left, due at %s%s.",
		metricText(c.Metric), lt.Ticket, lt.Customer, lt.Plan, c.UsedMinutes, c.TargetMinutes, c.UsedShare*100, c.RemainingMinutes,
		c.Deadline.UTC().Format(time.RFC3339), map[bool]string{true: " (paused: waiting)", false: ""}[c.State == sla.ClockPaused])
}
