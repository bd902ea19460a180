// Package outbox tells people what happened: it queues the notifications
// of each event durably, one row per recipient (status page subscribers
// and the operators' alert channels), and its dispatcher delivers them in
// the background with retries, recording every attempt in the delivery
// log. It also keeps the subscribers: adding and removing them, the double
// opt-in of email addresses and the signed links of the mails.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/notify"
	"github.com/slakeeper/slakeeper/internal/notify/email"
	"github.com/slakeeper/slakeeper/internal/notify/pagerduty"
	"github.com/slakeeper/slakeeper/internal/notify/slack"
	"github.com/slakeeper/slakeeper/internal/notify/webhook"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/statuspage"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Notifications go through a durable outbox: publish writes one outbound
// row per recipient in one transaction and returns; the dispatcher started
// by Run delivers them, records every attempt in the delivery log and
// retries with backoff. A row stays pending until it is delivered or its
// retry budget is spent, so a crash or restart loses nothing: the next
// start picks it up again.

// Defaults of the dispatcher; tests shorten them through notifyState.
const (
	defaultNotifyBudget      = 24 * time.Hour
	defaultNotifyConcurrency = 8
	defaultSendTimeout       = 30 * time.Second
	// notifyPoll is how often the outbox is read when nothing wakes the
	// dispatcher: retries come due without anyone saying so.
	notifyPoll = time.Second
	// publishTimeout bounds the queueing of one event's notifications,
	// which no longer ends with the request that caused it.
	publishTimeout = 30 * time.Second
	// maxHeld bounds the events held in memory while the store refuses
	// the outbox's writes.
	maxHeld = 10000
)

// errUnsubscribed ends the outbounds of a subscriber deleted while they
// were being sent (DeleteSubscriber closes the others).
var errUnsubscribed = errors.New("unsubscribed")

// eventConfirm is the outbound event of a subscription's confirmation mail.
const eventConfirm = "subscription.confirm"

// Store is what the outbox keeps in the store: the outbound rows, the
// delivery log, the subscribers and the key of the links.
type Store interface {
	Enqueue(ctx context.Context, obs []store.Outbound) error
	AppendFactsNotify(ctx context.Context, fs []store.Fact, obs []store.Outbound) error
	DueOutbound(ctx context.Context, now time.Time, limit int) ([]store.Outbound, error)
	ClaimOutbound(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error)
	RecordAttempt(ctx context.Context, a store.DeliveryAttempt, state string, nextAt time.Time) error
	Outbound(ctx context.Context, id string) (store.Outbound, error)
	Deliveries(ctx context.Context, recipient string, limit int) ([]store.DeliveryAttempt, error)
	QueuedOutbound(ctx context.Context, recipient string, limit int) ([]store.Outbound, error)
	PutSubscriber(ctx context.Context, sub store.Subscriber) error
	Subscriber(ctx context.Context, id string) (store.Subscriber, error)
	SubscriberByAddress(ctx context.Context, kind, address string) (store.Subscriber, error)
	Subscribers(ctx context.Context) ([]store.Subscriber, error)
	DeleteSubscriber(ctx context.Context, id string) error
	Secret(ctx context.Context, name string) ([]byte, error)
}

var _ Store = (store.Store)(nil)

// Options are the outbox's dependencies and its retry settings; the zero
// settings are the production defaults, which tests shorten.
type Options struct {
	Store  Store
	Config func() *config.Config
	Now    func() time.Time
	Logger *slog.Logger
	// Registry receives the delivery metrics.
	Registry prometheus.Registerer

	// Backoff spaces the attempts (its Attempts bounds them); Budget is
	// the longest an outbound is retried after it was queued.
	Backoff     notify.Backoff
	Budget      time.Duration
	Concurrency int
	SendTimeout time.Duration
	Client      *http.Client
	// RecordRetry is the first wait before writing again a delivery
	// attempt the store refused; it doubles up to a minute.
	RecordRetry time.Duration
}

// Service is the outbox of one server: Publish queues, Run delivers.
type Service struct {
	store   Store
	cfg     func() *config.Config
	now     func() time.Time
	log     *slog.Logger
	wake    chan struct{}
	metrics *metrics

	keyMu sync.Mutex
	key   []byte // the subscription links' HMAC key, once loaded

	// held are the events whose rows the store refused to write, oldest
	// first; the dispatcher writes them when it can. They are kept in
	// memory only (a crash meanwhile loses them, and counts nothing).
	heldMu sync.Mutex
	held   []Event

	backoff     notify.Backoff
	budget      time.Duration
	concurrency int
	sendTimeout time.Duration
	client      *http.Client
	recordRetry time.Duration
	// mailPool keeps SMTP connections open between mails.
	mailPool *email.Pool
}

// mailIdle is how long an SMTP connection is kept unused: longer than a
// burst of mails, shorter than servers' idle timeouts (often 60 s and
// more; RFC 5321 asks at least 5 minutes).
const mailIdle = 30 * time.Second

// New returns the outbox; it delivers nothing until Run.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Config == nil || o.Now == nil || o.Logger == nil {
		return nil, errors.New("outbox: store, config, clock and logger are required")
	}
	s := &Service{store: o.Store, cfg: o.Config, now: o.Now, log: o.Logger, wake: make(chan struct{}, 1),
		backoff: o.Backoff, budget: o.Budget, concurrency: o.Concurrency, sendTimeout: o.SendTimeout, client: o.Client,
		recordRetry: o.RecordRetry}
	if s.backoff.Attempts == 0 {
		// 30 s, 1 m, 2 m, … then hourly: about 30 tries in a day.
		s.backoff = notify.Backoff{Attempts: 40, Initial: 30 * time.Second, Max: time.Hour, Multiplier: 2, Jitter: 0.5, Rand: rand.Float64}
	}
	if s.budget == 0 {
		s.budget = defaultNotifyBudget
	}
	if s.concurrency == 0 {
		s.concurrency = defaultNotifyConcurrency
	}
	if s.sendTimeout == 0 {
		s.sendTimeout = defaultSendTimeout
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: s.sendTimeout}
	}
	s.mailPool = email.NewPool(mailIdle, s.concurrency, s.now)
	s.metrics = newMetrics()
	if o.Registry != nil {
		if err := o.Registry.Register(s.metrics); err != nil {
			return nil, fmt.Errorf("register notification metrics: %w", err)
		}
	}
	return s, nil
}

// Poke wakes the dispatcher without waiting: something is due.
func (s *Service) Poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// metrics counts deliveries; failures are what an operator alerts on.
type metrics struct {
	delivered *prometheus.CounterVec
	failed    *prometheus.CounterVec
	attempts  *prometheus.CounterVec
	// unqueued counts events whose notifications were never queued
	// (held ones dropped: too many, or at shutdown): nobody is told of
	// them, so it is alerted on. held is how many wait in memory.
	unqueued prometheus.Counter
	held     prometheus.Gauge
}

func newMetrics() *metrics {
	return &metrics{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slakeeper_notifications_delivered_total", Help: "Notifications delivered, per channel.",
		}, []string{"channel"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slakeeper_notifications_failed_total", Help: "Notifications given up on (permanent error or retry budget spent), per channel; they stay in the delivery log.",
		}, []string{"channel"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slakeeper_notification_attempts_total", Help: "Delivery attempts, per channel and result (ok or error).",
		}, []string{"channel", "result"}),
		unqueued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slakeeper_notification_publish_errors_total", Help: "Events whose notifications were never queued (held while the store refused the outbox, then dropped); their recipients are not told.",
		}),
		held: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slakeeper_notifications_held", Help: "Events held in memory because the store refused to queue their notifications; lost if the server stops.",
		}),
	}
}

func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.delivered.Describe(ch)
	m.failed.Describe(ch)
	m.attempts.Describe(ch)
	m.unqueued.Describe(ch)
	m.held.Describe(ch)
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.delivered.Collect(ch)
	m.failed.Collect(ch)
	m.attempts.Collect(ch)
	m.unqueued.Collect(ch)
	m.held.Collect(ch)
}

// Wire is an event as notifications carry it (a webhook's data).
type Wire struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	At          time.Time `json:"at"`
	Title       string    `json:"title,omitempty"`
	Message     string    `json:"message,omitempty"`
	Status      string    `json:"status,omitempty"`
	Severity    string    `json:"severity,omitempty"`
	Incident    string    `json:"incident,omitempty"`
	Maintenance string    `json:"maintenance,omitempty"`
	Ticket      string    `json:"ticket,omitempty"`
	Components  []string  `json:"components,omitempty"`
	URL         string    `json:"url,omitempty"`
	Credit      *Credit   `json:"credit,omitempty"`
}

// outPayload is what an outbound row carries for its sender.
type outPayload struct {
	// Kind is empty for an event and "confirm" for a confirmation mail.
	Kind  string `json:"kind,omitempty"`
	Event Wire   `json:"event"`
	// Base is the public address the message's links are built on.
	Base string `json:"base,omitempty"`
	// Site names the status page in subjects.
	Site string `json:"site,omitempty"`
}

// siteTitle names the status page in notifications.
func (s *Service) siteTitle() string { return s.cfg().StatusPage.Title }

// overlaps reports whether a subscriber to subscribed (empty: all) hears
// of an event about affected (empty: everyone's concern).
func overlaps(subscribed, affected []string) bool {
	if len(subscribed) == 0 || len(affected) == 0 {
		return true
	}
	for _, c := range affected {
		if slices.Contains(subscribed, c) {
			return true
		}
	}
	return false
}

// Publish queues the notifications of ev durably (the outbox) and returns;
// delivery happens in the background and is retried, so a request that
// causes an event never waits on a mail server or a webhook. Publishing
// the same event again notifies nobody twice: the rows' ids are the
// event's id and the recipient.
func (s *Service) Publish(ctx context.Context, ev Event) error {
	// The event is recorded by now: a client that goes away (cancelling
	// the request's context) must not drop its notifications.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	// Behind events already held, so that recipients keep the order.
	if len(s.held) == 0 {
		err := s.queue(ctx, ev)
		if err == nil {
			return nil
		}
		if sla.IsInput(err) {
			// Refused for what it is, not for the store's state: held,
			// it would hold every later event back for good.
			s.metrics.unqueued.Inc()
			return err
		}
		s.log.Error("queue notifications; held in memory to retry", "id", ev.ID, "err", err)
	}
	if len(s.held) >= maxHeld {
		s.metrics.unqueued.Inc()
		return fmt.Errorf("publish %s: %d events already wait for the store; dropped", ev.ID, len(s.held))
	}
	s.held = append(s.held, ev)
	s.metrics.held.Set(float64(len(s.held)))
	return nil
}

// flushHeld queues the held events, oldest first, until the store
// refuses again. At shutdown (ctx done) it makes one last try and counts
// what is left as lost.
func (s *Service) flushHeld(ctx context.Context) {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	s.flushHeldLocked(ctx)
}

// flushHeldLocked is flushHeld with heldMu held.
func (s *Service) flushHeldLocked(ctx context.Context) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	for len(s.held) > 0 {
		if err := s.queue(qctx, s.held[0]); err != nil {
			if sla.IsInput(err) {
				s.log.Error("notifications never queued: refused", "id", s.held[0].ID, "err", err)
				s.metrics.unqueued.Inc()
				s.held = s.held[1:]
				continue
			}
			if ctx.Err() == nil {
				break
			}
			for _, ev := range s.held {
				s.log.Error("notifications never queued: the server stops while the store refuses them", "id", ev.ID, "err", err)
			}
			s.metrics.unqueued.Add(float64(len(s.held)))
			s.held = nil
			break
		}
		s.held[0] = Event{}
		s.held = s.held[1:]
	}
	s.metrics.held.Set(float64(len(s.held)))
}

// PublishFacts stores the facts fs and the notifications of ev, one row
// per recipient, in one transaction: the facts are not stored without
// their notifications, nor the notifications without the facts, so a
// crash between the two cannot leave an incident nobody is told of. Its
// error is the store's, for the facts as much as for the rows; an event
// whose facts are stored again (a replay, the same ids) notifies nobody
// twice.
func (s *Service) PublishFacts(ctx context.Context, fs []store.Fact, ev Event) error {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	// Behind the events held while the store refused them, so that
	// recipients keep the order; if they still cannot be queued, the
	// store refuses this one too (or takes it first: its facts matter
	// more than the order of two notifications).
	if len(s.held) > 0 {
		s.flushHeldLocked(context.WithoutCancel(ctx))
	}
	obs, err := s.outbounds(ctx, ev)
	if err != nil {
		return err
	}
	if err := s.store.AppendFactsNotify(ctx, fs, obs); err != nil {
		return err
	}
	if len(obs) > 0 {
		s.Poke()
	}
	s.log.Info("event", "id", ev.ID, "kind", ev.Kind, "recipients", len(obs))
	return nil
}

// queue writes the outbound rows of ev, one per recipient, in one call.
func (s *Service) queue(ctx context.Context, ev Event) error {
	obs, err := s.outbounds(ctx, ev)
	if err != nil {
		return err
	}
	if len(obs) > 0 {
		if err := s.store.Enqueue(ctx, obs); err != nil {
			return fmt.Errorf("publish %s: %w", ev.ID, err)
		}
		s.Poke()
	}
	// One line per event published (again), whoever hears of it.
	s.log.Info("event", "id", ev.ID, "kind", ev.Kind, "recipients", len(obs))
	return nil
}

// outbounds are the outbound rows of ev, one per recipient: the
// confirmed subscribers it concerns, when public, and the alert channels
// that want it.
func (s *Service) outbounds(ctx context.Context, ev Event) ([]store.Outbound, error) {
	c := s.cfg()
	now := s.now()
	p := outPayload{Event: Wire{ID: ev.ID, Kind: ev.Kind, At: ev.At.UTC(), Title: ev.Title, Message: ev.Message,
		Status: ev.Status, Severity: ev.Severity, Incident: ev.Incident, Maintenance: ev.Maintenance,
		Ticket: ev.Ticket, Components: ev.Components, URL: ev.URL, Credit: ev.Credit}, Base: s.cfg().Server.PublicURL, Site: s.siteTitle()}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", ev.ID, err)
	}
	var obs []store.Outbound
	add := func(channel, recipient string) {
		obs = append(obs, store.Outbound{ID: ev.ID + "/" + recipient, Channel: channel, Recipient: recipient,
			Event: ev.Kind, Payload: body, CreatedAt: now, NextAt: now})
	}
	if ev.Public() {
		subs, err := s.store.Subscribers(ctx)
		if err != nil {
			return nil, fmt.Errorf("publish %s: subscribers: %w", ev.ID, err)
		}
		for _, sub := range subs {
			if !sub.ConfirmedAt.IsZero() && overlaps(sub.Components, ev.Components) {
				add(sub.Kind, sub.ID)
			}
		}
	}
	for _, a := range c.Alerts {
		if a.Wants(ev.Kind) {
			add(a.Kind, "alert:"+a.Name)
		}
	}
	return obs, nil
}

// Run delivers due outbounds until ctx ends: woken at once by
// publish, else every second for the retries that come due. At most
// concurrency deliveries run at a time, and one at a time per recipient;
// DueOutbound holds a recipient's later rows back while an earlier one is
// pending, so a subscriber gets an incident's updates in order even when
// one is retried.
func (s *Service) Run(ctx context.Context) {
	if c := s.cfg(); c.Server.PublicURL == "" && c.Email != nil {
		s.log.Warn("server.public_url is not set: links in notification mail sent in the background are bare paths")
	}
	var (
		mu       sync.Mutex
		inflight = map[string]bool{} // outbound ids and "r:"+recipient
		// finished holds the poll number current when a delivery was
		// recorded: a poll that began no later may have read the row
		// before the record and must not send it again.
		finished = map[string]uint64{}
		poll     uint64
		wg       sync.WaitGroup
		slots    = make(chan struct{}, s.concurrency)
	)
	defer s.mailPool.Close() // after the deliveries (deferred before)
	defer wg.Wait()
	t := time.NewTicker(notifyPoll)
	defer t.Stop()
	s.sweepUnconfirmed(ctx)
	sweep := time.NewTicker(time.Hour)
	defer sweep.Stop()
	defer s.flushHeld(ctx)
	for {
		s.flushHeld(ctx)
		mu.Lock()
		poll++
		p := poll
		for id, at := range finished {
			if at < p {
				delete(finished, id)
			}
		}
		mu.Unlock()
		// A generous batch, so that one recipient's backlog (sent one at a
		// time) does not hide the rows of the others behind it.
		due, err := s.store.DueOutbound(ctx, s.now(), max(256, 4*s.concurrency))
		if err != nil && ctx.Err() == nil {
			s.log.Error("read the outbox", "err", err)
		}
	next:
		for _, ob := range due {
			mu.Lock()
			_, stale := finished[ob.ID]
			busy := stale || inflight[ob.ID] || inflight["r:"+ob.Recipient]
			if !busy {
				inflight[ob.ID], inflight["r:"+ob.Recipient] = true, true
			}
			mu.Unlock()
			if busy {
				continue
			}
			select {
			case slots <- struct{}{}:
			default:
				// All slots busy: a finished delivery wakes us.
				mu.Lock()
				delete(inflight, ob.ID)
				delete(inflight, "r:"+ob.Recipient)
				mu.Unlock()
				break next
			}
			wg.Go(func() {
				// Claimed in the store before it is sent: another server
				// on the same database (a replica) that read the row too
				// does not send it again.
				if ok, err := s.store.ClaimOutbound(ctx, ob.ID, s.now(), claimLease); err != nil || !ok {
					if err != nil && ctx.Err() == nil {
						s.log.Error("claim a notification", "id", ob.ID, "err", err)
					}
				} else {
					s.deliver(ctx, ob)
				}
				mu.Lock()
				delete(inflight, ob.ID)
				delete(inflight, "r:"+ob.Recipient)
				finished[ob.ID] = poll
				mu.Unlock()
				<-slots
				s.Poke()
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		case <-sweep.C:
			s.sweepUnconfirmed(ctx)
		}
	}
}

// claimLease is how long a claimed notification is left to its sender
// before another may send it: longer than any attempt (timeouts of
// 10–30 s), short enough that a replica that died mid-send delays it
// little.
const claimLease = 2 * time.Minute

// unconfirmedTTL is how long an email address that never confirmed its
// subscription is kept: its confirmation link stops working then.
const unconfirmedTTL = 7 * 24 * time.Hour

// sweepUnconfirmed deletes the email subscribers that did not confirm
// within unconfirmedTTL: an address nobody vouched for is not kept.
func (s *Service) sweepUnconfirmed(ctx context.Context) {
	subs, err := s.store.Subscribers(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("sweep unconfirmed subscribers", "err", err)
		}
		return
	}
	cutoff := s.now().Add(-unconfirmedTTL)
	for _, sub := range subs {
		if sub.Kind != "email" || !sub.ConfirmedAt.IsZero() || !sub.CreatedAt.Before(cutoff) {
			continue
		}
		if err := s.store.DeleteSubscriber(ctx, sub.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Error("delete an unconfirmed subscriber", "id", sub.ID, "err", err)
			continue
		}
		s.log.Info("unconfirmed subscriber deleted", "id", sub.ID, "created", sub.CreatedAt)
	}
}

// deliver makes one attempt at ob and records it: delivered; pending
// again with the next try after a backoff; or failed, after a permanent
// error or when the retry budget is spent. An attempt cut short by
// shutdown is not recorded: the row is still pending and the next start
// sends it.
func (s *Service) deliver(ctx context.Context, ob store.Outbound) {
	started := time.Now()
	nt, msg, err := s.prepare(ctx, ob)
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, s.sendTimeout)
		err = nt.Send(sctx, msg)
		cancel()
	}
	if err != nil && ctx.Err() != nil {
		return
	}
	at := s.now()
	a := store.DeliveryAttempt{OutboundID: ob.ID, Recipient: ob.Recipient, Channel: ob.Channel, Event: ob.Event,
		At: at, OK: err == nil, Code: notify.Status(err), Duration: min(time.Since(started), store.MaxDuration)}
	state, next := store.OutboundDelivered, at
	attempts := ob.Attempts + 1
	deadline := ob.CreatedAt.Add(s.budget)
	switch {
	case err == nil:
		s.metrics.attempts.WithLabelValues(ob.Channel, "ok").Inc()
		s.metrics.delivered.WithLabelValues(ob.Channel).Inc()
	case errors.Is(err, errUnsubscribed):
		// Nobody to tell any more: closed, not a failure to alert on.
		a.Error = err.Error()
		state = store.OutboundFailed
		s.log.Info("notification dropped: the subscriber is gone", "id", ob.ID, "recipient", ob.Recipient)
	case notify.IsPermanent(err) || attempts >= max(s.backoff.Attempts, 1) || !at.Before(deadline):
		a.Error = err.Error()
		state = store.OutboundFailed
		s.metrics.attempts.WithLabelValues(ob.Channel, "error").Inc()
		s.metrics.failed.WithLabelValues(ob.Channel).Inc()
		s.log.Error("notification failed for good; it stays in the delivery log", "id", ob.ID, "channel", ob.Channel,
			"recipient", ob.Recipient, "attempts", attempts, "permanent", notify.IsPermanent(err), "err", err)
	default:
		a.Error = err.Error()
		state = store.OutboundPending
		next = at.Add(s.backoff.Delay(attempts))
		if next.After(deadline) {
			// One last try when the budget ends.
			next = deadline
		}
		s.metrics.attempts.WithLabelValues(ob.Channel, "error").Inc()
		s.log.Warn("notification attempt failed; will retry", "id", ob.ID, "channel", ob.Channel,
			"recipient", ob.Recipient, "attempt", attempts, "next", next, "err", err)
	}
	if !s.record(ctx, a, state, next) {
		return
	}
	if d := next.Sub(at); state == store.OutboundPending && d < notifyPoll {
		// A retry due before the next poll is woken for, not left to it.
		time.AfterFunc(d, s.Poke)
	}
}

// record writes the attempt a and the outbound's new state, retrying
// while the store refuses: the row stays pending meanwhile, and the
// dispatcher must not read it as due again and send it once more every
// poll. The caller keeps the outbound and its recipient busy until then,
// which also keeps the recipient's order. After ctx ends one last try is
// made, since the attempt happened; if that fails too the row is still
// pending and the next start sends it again: delivery is at least once,
// and receivers tell a repeat by its id (webhook-id, Message-ID). It
// reports whether the record was written.
func (s *Service) record(ctx context.Context, a store.DeliveryAttempt, state string, next time.Time) bool {
	wait := s.recordRetry
	if wait <= 0 {
		wait = time.Second
	}
	for {
		done := ctx.Err() != nil
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err := s.store.RecordAttempt(rctx, a, state, next)
		cancel()
		switch {
		case err == nil:
			return true
		case errors.Is(err, store.ErrNotFound):
			// Pruned or never stored: nothing left to update.
			s.log.Error("record a delivery attempt: the outbound is gone", "id", a.OutboundID, "err", err)
			return false
		case errors.As(err, new(*sla.InputError)):
			s.log.Error("record a delivery attempt: refused", "id", a.OutboundID, "err", err)
			return false
		case done:
			s.log.Error("record a delivery attempt at shutdown; it will be sent again at the next start", "id", a.OutboundID, "err", err)
			return false
		}
		s.log.Error("record a delivery attempt; retrying", "id", a.OutboundID, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		wait = min(2*wait, time.Minute)
	}
}

// prepare builds the notifier and the message of ob.
func (s *Service) prepare(ctx context.Context, ob store.Outbound) (notify.Notifier, notify.Message, error) {
	var p outPayload
	if err := json.Unmarshal(ob.Payload, &p); err != nil {
		return nil, notify.Message{}, notify.Permanent(fmt.Errorf("payload of %s: %w", ob.ID, err))
	}
	c := s.cfg()
	msg := s.notification(ob, p)
	if addr, ok := strings.CutPrefix(ob.Recipient, "mail:"); ok {
		nt, err := s.mailer(c, []string{addr})
		return nt, msg, err
	}
	if name, ok := strings.CutPrefix(ob.Recipient, "alert:"); ok {
		i := slices.IndexFunc(c.Alerts, func(a config.Alert) bool { return a.Name == name })
		if i < 0 {
			return nil, msg, notify.Permanent(fmt.Errorf("alert channel %q is no longer configured", name))
		}
		a := c.Alerts[i]
		switch a.Kind {
		case config.AlertEmail:
			nt, err := s.mailer(c, a.To)
			return nt, msg, err
		case config.AlertWebhook:
			nt, err := webhook.New(a.URL, a.Secret, s.client, s.now)
			return nt, msg, notify.Permanent(err)
		case config.AlertSlack:
			return slack.New(a.URL, true, s.client), msg, nil
		case config.AlertPagerDuty:
			return pagerduty.New(a.URL, a.RoutingKey, "slakeeper", s.client), msg, nil
		}
		return nil, msg, notify.Permanent(fmt.Errorf("alert channel %q: unknown kind %q", name, a.Kind))
	}
	sub, err := s.store.Subscriber(ctx, ob.Recipient)
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg, notify.Permanent(errUnsubscribed)
	}
	if err != nil {
		return nil, msg, fmt.Errorf("subscriber %s: %w", ob.Recipient, err)
	}
	switch sub.Kind {
	case "email":
		if sub.ConfirmedAt.IsZero() && p.Kind != "confirm" {
			return nil, msg, notify.Permanent(errors.New("the subscription is not confirmed"))
		}
		tok, err := s.LinkToken(ctx, PurposeUnsubscribe, sub.ID)
		if err != nil {
			return nil, msg, err
		}
		msg.Unsubscribe = p.Base + "/unsubscribe/" + tok
		if p.Kind == "confirm" {
			ctok, err := s.LinkToken(ctx, PurposeConfirm, sub.ID)
			if err != nil {
				return nil, msg, err
			}
			msg.URL = p.Base + "/subscribe/confirm/" + ctok
		}
		nt, err := s.mailer(c, []string{sub.Address})
		return nt, msg, err
	case "webhook":
		nt, err := webhook.New(sub.Address, sub.Secret, s.client, s.now)
		return nt, msg, notify.Permanent(err)
	case "slack":
		return slack.New(sub.Address, true, s.client), msg, nil
	}
	return nil, msg, notify.Permanent(fmt.Errorf("subscriber %s: unknown kind %q", sub.ID, sub.Kind))
}

// mailer is an email notifier to the addresses to, through the
// configured SMTP server.
func (s *Service) mailer(c *config.Config, to []string) (notify.Notifier, error) {
	if c.Email == nil {
		// Retried: a reload that adds the email: section lets it through.
		return nil, errors.New("no email: section (SMTP server) is configured")
	}
	e := c.Email
	nt, err := email.New(email.Config{Addr: e.SMTPAddr, From: e.From, To: to, Username: e.Username, Password: e.Password,
		NoStartTLS: e.TLS == config.EmailTLSNone, RequireStartTLS: e.TLS == config.EmailTLSStartTLS,
		ImplicitTLS: e.TLS == config.EmailTLS, Pool: s.mailPool}, s.now)
	if err != nil {
		return nil, notify.Permanent(err)
	}
	return nt, nil
}

// kindLabels head notifications of each event kind.
var kindLabels = map[string]string{
	EventIncidentCreated:      "New incident",
	EventIncidentUpdated:      "Incident update",
	EventIncidentResolved:     "Resolved",
	EventMaintenanceScheduled: "Scheduled maintenance",
	EventMaintenanceStarted:   "Maintenance started",
	EventMaintenanceCompleted: "Maintenance completed",
	EventMaintenanceCancelled: "Maintenance cancelled",
	EventMonitorDown:          "Down",
	EventMonitorUp:            "Recovered",
	EventObligationDue:        "Due soon",
	EventObligationOverdue:    "Overdue",
	EventTicketWarning:        "Ticket SLA at risk",
	EventTicketBreached:       "Ticket SLA breached",
	EventAgentSilent:          "Agent silent",
	EventAgentBack:            "Agent back",
	EventBudgetBurn:           "Error budget burning",
	EventBudgetOK:             "Error budget burn over",
	EventCreditIssued:         "Credit issued",
	EventCreditAdjusted:       "Credit adjusted",
}

// pagerSeverity maps an event to PagerDuty's severities.
func pagerSeverity(e Wire) string {
	switch e.Kind {
	case EventMonitorDown:
		if e.Status == "degraded_performance" {
			return "warning"
		}
		return "critical"
	case EventIncidentCreated, EventIncidentUpdated, EventObligationOverdue, EventTicketBreached:
		return "error"
	case EventObligationDue, EventTicketWarning, EventAgentSilent:
		return "warning"
	case EventBudgetBurn:
		if e.Severity == "page" {
			return "critical"
		}
		return "warning"
	}
	return "info"
}

// dedupKey groups an alert with the ones that update or end it, so that
// PagerDuty resolves what it triggered: one key per monitor (status fact
// ids are "st:<monitor>:<unix>:<status>"), incident, window or obligation.
func dedupKey(e Wire) string {
	switch {
	case strings.HasPrefix(e.Kind, "monitor."):
		if parts := strings.Split(e.ID, ":"); len(parts) == 4 && parts[0] == "st" {
			return "slakeeper/monitor/" + parts[1]
		}
		if len(e.Components) > 0 {
			return "slakeeper/component/" + strings.Join(e.Components, ",")
		}
	case strings.HasPrefix(e.Kind, "incident.") && e.Incident != "":
		return "slakeeper/incident/" + e.Incident
	case strings.HasPrefix(e.Kind, "maintenance.") && e.Maintenance != "":
		return "slakeeper/maintenance/" + e.Maintenance
	case strings.HasPrefix(e.Kind, "ticket.") && e.Ticket != "":
		// The warning and the breach of one target are one alert.
		if i := strings.LastIndexByte(e.ID, '/'); i > 0 {
			return "slakeeper/" + e.ID[:i]
		}
	case strings.HasPrefix(e.Kind, "budget."):
		// "burn:<target>:<rule>:<start>/burn" and ".../ok" are one alert.
		if i := strings.LastIndexByte(e.ID, '/'); i > 0 {
			return "slakeeper/" + e.ID[:i]
		}
	case strings.HasPrefix(e.Kind, "obligation."):
		// "<obligation>/due" and "<obligation>/overdue" are one alert.
		if i := strings.LastIndexByte(e.ID, '/'); i > 0 {
			return "slakeeper/" + e.ID[:i]
		}
	}
	return e.ID
}

// notification is the channel-independent message of ob.
func (s *Service) notification(ob store.Outbound, p outPayload) notify.Message {
	e := p.Event
	if e.URL == "" && e.Incident != "" {
		// Every incident has its public page; link it even when the
		// publisher did not.
		e.URL = "/incidents/" + url.PathEscape(e.Incident)
	}
	if strings.HasPrefix(e.URL, "/") {
		e.URL = p.Base + e.URL
	}
	site := p.Site
	if site == "" {
		site = s.siteTitle()
	}
	m := notify.Message{ID: ob.ID, Event: ob.Event, URL: e.URL, Data: e, At: e.At, Severity: pagerSeverity(e), DedupKey: dedupKey(e)}
	if p.Kind == "notice" {
		m.Subject, m.Text, m.Data = e.Title, e.Message, nil
		return m
	}
	if p.Kind == "confirm" {
		m.Subject = "Confirm your subscription to " + site
		var b strings.Builder
		b.WriteString("Someone, hopefully you, asked to receive the status updates of " + site)
		if len(e.Components) > 0 {
			b.WriteString(" for " + strings.Join(s.cfg().ComponentNames(e.Components), ", "))
		}
		b.WriteString(".\n\nTo confirm, open this link. If you did not ask, ignore this message: you will get nothing else.")
		m.Text = b.String()
		m.Data = nil
		return m
	}
	label := kindLabels[e.Kind]
	if label == "" {
		label = e.Kind
	}
	title := e.Title
	if title == "" {
		title = e.ID
	}
	m.Subject = fmt.Sprintf("[%s] %s: %s", site, label, title)
	var b strings.Builder
	if e.Message != "" {
		b.WriteString(e.Message + "\n\n")
	}
	if e.Status != "" {
		b.WriteString("Status: " + statuspage.StatusText(e.Status) + "\n")
	}
	if e.Severity != "" {
		b.WriteString("Severity: " + e.Severity + "\n")
	}
	if len(e.Components) > 0 {
		b.WriteString("Components: " + strings.Join(s.cfg().ComponentNames(e.Components), ", ") + "\n")
	}
	if !e.At.IsZero() {
		b.WriteString("Time: " + e.At.UTC().Format("2 Jan 2006 15:04 UTC") + "\n")
	}
	m.Text = strings.TrimRight(b.String(), "\n")
	return m
}

// Notice queues a message to each address through the outbox: retried
// until delivered, and sent once per id and address however often it is
// queued (the monthly report notices of a close that is run again).
func (s *Service) Notice(ctx context.Context, id string, to []string, subject, text, link string) error {
	now := s.now()
	body, err := json.Marshal(outPayload{Kind: "notice", Event: Wire{ID: id, Kind: "notice", At: now.UTC(), Title: subject, Message: text, URL: link}})
	if err != nil {
		return err
	}
	var obs []store.Outbound
	for _, addr := range to {
		obs = append(obs, store.Outbound{ID: id + "/mail:" + addr, Channel: "email", Recipient: "mail:" + addr, Event: "notice", Payload: body, CreatedAt: now, NextAt: now})
	}
	if len(obs) == 0 {
		return nil
	}
	if err := s.store.Enqueue(ctx, obs); err != nil {
		return fmt.Errorf("notice %s: %w", id, err)
	}
	s.Poke()
	return nil
}

// Mail sends one message to one address now, through the configured SMTP
// server, outside the outbox (an invitation: shown to whoever asked for
// it when it fails, never retried behind their back).
func (s *Service) Mail(ctx context.Context, to, subject, text, link string) error {
	nt, err := s.mailer(s.cfg(), []string{to})
	if err != nil {
		return err
	}
	return nt.Send(ctx, notify.Message{ID: fmt.Sprintf("mail-%d", s.now().UnixNano()), Event: "account", Subject: subject, Text: text, URL: link, At: s.now()})
}
