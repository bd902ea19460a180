// Package store keeps the evidence slakeeper collects: every check result,
// per-minute aggregates kept longer than the raw results, evidence facts in
// the JSON Lines format of docs/facts.md, the scheduler's per-monitor state
// and the agents' delivery sequence numbers. One Store interface has two
// implementations, SQLite and PostgreSQL, held to the same contract by the
// storetest suite. They share every query that is the same in both
// (sqlStore, over conn), with the SQL that differs kept in one place
// (dialect).
//
// A write that returned nil is durable: SQLite commits with synchronous=FULL
// in WAL mode, PostgreSQL with synchronous_commit=on.
//
// Stored precision: times are kept in unix milliseconds (UTC), durations and
// latencies in microseconds; finer parts are truncated.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// Store is the evidence store. All methods are safe for concurrent use.
type Store interface {
	// AppendResults stores check results durably; when it returns nil the
	// results are acknowledged. It is atomic: on error nothing of rs is
	// stored. It is idempotent: a result is skipped, and not counted again
	// in the minute aggregates, when an agent result with the same
	// (monitor, location, seq > 0) is stored, or any result with the same
	// (monitor, location, At to the millisecond) — a series is checked
	// once at a time, so that is the same result delivered again.
	AppendResults(ctx context.Context, rs []monitor.Result) error
	// Results returns the results of a monitor, all locations, with At in
	// [from, to), ordered by At, then location.
	Results(ctx context.Context, monitorID string, from, to time.Time) ([]monitor.Result, error)
	// AppendFacts stores evidence facts, atomically. It is idempotent by id:
	// a fact whose id, type, time and JSON (ignoring whitespace between
	// tokens) are already stored is skipped; a different fact with an id
	// already stored is an error wrapping ErrConflict.
	AppendFacts(ctx context.Context, fs []Fact) error
	// AppendFactsNotify stores facts as AppendFacts does and, in the same
	// transaction, the outbounds as Enqueue does: both or neither, so that
	// a crash cannot leave a fact whose notifications were never queued.
	AppendFactsNotify(ctx context.Context, fs []Fact, obs []Outbound) error
	// Facts returns the facts with At in [from, to) and every fact without a
	// time (customers, subscriptions, …), the timeless ones first, then by
	// At, then in insertion order.
	Facts(ctx context.Context, from, to time.Time) ([]Fact, error)
	// Minutes returns the aggregates of a monitor whose span starts in
	// [from, to), ordered by start then location: per minute where the
	// minutes are kept, per hour (Span) where RollUp replaced them. They
	// are maintained in the same transaction as the results and kept
	// longer. An hour that got a late result after its roll-up has both an
	// hourly row and that result's minute: together they count each result
	// once.
	Minutes(ctx context.Context, monitorID string, from, to time.Time) ([]Minute, error)
	// MinutesFrom returns every monitor's per-minute aggregates from the
	// minute that holds from on (within MinutesKept), ordered by minute:
	// what a replica's console reads of the monitors other replicas watch.
	MinutesFrom(ctx context.Context, from time.Time) ([]Minute, error)
	// FirstMinute is the start of the minute of a monitor's earliest
	// aggregated result (any location) in a minute starting at or after
	// from; ok is false when there is none. An hourly row counts when its
	// hour starts at or after from, with its first minute: for a from on a
	// whole hour the answer is the same before and after RollUp. It is one
	// index lookup per location and table, however long the history.
	FirstMinute(ctx context.Context, monitorID string, from time.Time) (first time.Time, ok bool, err error)
	// MinuteDays sums, per monitor, location and UTC day, the aggregates
	// (minutes and hours) that start in [from, to) (whole minutes: from
	// and to are rounded up to one; an hour is in when its start is, so
	// bounds on whole hours count the same before and after RollUp),
	// ordered by day, monitor, location.
	MinuteDays(ctx context.Context, from, to time.Time) ([]DayCount, error)
	// RollUp replaces the per-minute aggregates of the hours that end at or
	// before `before` by one row per series and hour (counts and latency
	// sums added, the maximum kept, the first minute noted), adding to an
	// hourly row already there, in statements of at most batch minutes,
	// each atomic: a minute is counted in its hour or stays a minute,
	// never both nor neither. It returns the number of minutes rolled up.
	RollUp(ctx context.Context, before time.Time, batch int) (int64, error)
	// SetState stores a monitor's runtime state at one location, replacing
	// the previous one, so that a restart resumes the schedule.
	SetState(ctx context.Context, s MonitorState) error
	// States returns every stored state, ordered by monitor then location.
	States(ctx context.Context) ([]MonitorState, error)
	// AgentSeq is the highest seq ever stored for an agent location (0 when
	// none), for resumable delivery. Pruning does not lower it.
	AgentSeq(ctx context.Context, location string) (uint64, error)
	// LastResults returns, per location, the time of its newest stored
	// result of any monitor (locations without one are left out): one
	// indexed lookup per series.
	LastResults(ctx context.Context) (map[string]time.Time, error)
	// Prune deletes raw results with At before resultsBefore, minutes and
	// hourly aggregates that end at or before keepBefore, timed facts with At before keepBefore,
	// delivered and failed outbounds with UpdatedAt before keepBefore (with
	// their delivery log) and expired sessions, in statements of at most
	// batch rows each, so that no lock is held long. It returns the number
	// of rows deleted.
	Prune(ctx context.Context, resultsBefore, keepBefore time.Time, batch int) (int64, error)
	// Enqueue stores notifications to deliver, atomically. It is idempotent
	// by ID: an outbound whose ID is already stored is skipped. A zero NextAt
	// or UpdatedAt is taken as CreatedAt, an empty State as pending.
	Enqueue(ctx context.Context, obs []Outbound) error
	// DueOutbound returns at most limit pending outbounds with NextAt at or
	// before now, ordered by NextAt, then ID. Of a recipient's pending
	// outbounds only the first enqueued can be due: the others wait for it
	// to be delivered or to fail, so a recipient gets them in order even
	// when one is retried.
	DueOutbound(ctx context.Context, now time.Time, limit int) ([]Outbound, error)
	// RecordAttempt appends a to the delivery log and, in the same
	// transaction, counts the attempt on its outbound and sets its State,
	// NextAt (required when pending), LastError (a.Error) and UpdatedAt
	// (a.At). The log row's empty Recipient, Channel and Event are taken
	// from the outbound. An unknown outbound is an error wrapping ErrNotFound.
	RecordAttempt(ctx context.Context, a DeliveryAttempt, state string, nextAt time.Time) error
	// Outbound returns one outbound (ErrNotFound when unknown).
	Outbound(ctx context.Context, id string) (Outbound, error)
	// Deliveries returns the last limit delivery attempts to a recipient
	// ("" for every recipient), newest first.
	Deliveries(ctx context.Context, recipient string, limit int) ([]DeliveryAttempt, error)
	// PendingOutbound counts the outbounds still to deliver.
	PendingOutbound(ctx context.Context) (int, error)
	// QueuedOutbound returns at most limit pending outbounds of recipient
	// that no attempt was made at yet, the last queued first: the
	// delivery log shows them as queued.
	QueuedOutbound(ctx context.Context, recipient string, limit int) ([]Outbound, error)
	// PutSubscriber stores a subscriber, replacing the one with its ID.
	PutSubscriber(ctx context.Context, sub Subscriber) error
	// Subscriber returns one subscriber (ErrNotFound when unknown).
	Subscriber(ctx context.Context, id string) (Subscriber, error)
	// SubscriberByAddress returns the subscriber of a kind with an address,
	// the first created when several have it; email addresses compare
	// case-insensitively. ErrNotFound when none has it.
	SubscriberByAddress(ctx context.Context, kind, address string) (Subscriber, error)
	// Subscribers returns every subscriber ordered by CreatedAt, then ID.
	Subscribers(ctx context.Context) ([]Subscriber, error)
	// DeleteSubscriber deletes a subscriber (ErrNotFound when unknown) and
	// marks its pending outbounds failed ("unsubscribed"), in one
	// transaction, so that nothing more is sent to it. Their UpdatedAt is
	// left as it was: the store has no say about the time.
	DeleteSubscriber(ctx context.Context, id string) error
	// PutUser stores an account created in the server, replacing the one
	// with its Name.
	PutUser(ctx context.Context, u User) error
	// User returns the account name (ErrNotFound when there is none);
	// Users every account by name.
	User(ctx context.Context, name string) (User, error)
	Users(ctx context.Context) ([]User, error)
	// PutInvitation stores a one-time link to set a password.
	PutInvitation(ctx context.Context, inv Invitation) error
	// UseInvitation marks the invitation with hash used at now and returns
	// its user, once: an unknown, used or expired one is ErrNotFound.
	UseInvitation(ctx context.Context, hash string, now time.Time) (string, error)
	// PutSession stores a sign-in session, replacing the one with its Hash.
	PutSession(ctx context.Context, s Session) error
	// Session returns the session with a hash; one unknown or expired (by
	// the clock of SetClock) is ErrNotFound.
	Session(ctx context.Context, hash string) (Session, error)
	// DeleteSession deletes a session; deleting one that is not stored is
	// not an error, so that signing out twice is harmless.
	DeleteSession(ctx context.Context, hash string) error
	// Limits runs fn on the stored Limit of each key (the zero Limit for
	// a key not stored) and stores what fn returns, one per key (a zero N
	// deletes the key), in one transaction that holds the keys against
	// every other caller, in this process or another sharing the database.
	// Keys whose Since is before expired are deleted on the way.
	Limits(ctx context.Context, keys []string, expired time.Time, fn func([]Limit) []Limit) error
	// Secret returns the named secret: 32 random bytes created on first use
	// and the same ever after, also across processes sharing the database.
	Secret(ctx context.Context, name string) ([]byte, error)
	// PutCoverage stores runs of monitoring coverage, atomically: a run
	// whose component and start are stored already keeps the later of the
	// two ends (a run only grows).
	PutCoverage(ctx context.Context, runs []CoverageRun) error
	// Coverage returns the runs that start before `before`, by component
	// then start.
	Coverage(ctx context.Context, before time.Time) ([]CoverageRun, error)
	// AddSamples adds summaries of measurements to the stored ones of
	// their hour, atomically: counts and sums add up, min and max widen.
	AddSamples(ctx context.Context, ss []SampleSum) error
	// Samples returns the summaries of the hours starting in [from, to),
	// by hour, component, location and metric.
	Samples(ctx context.Context, from, to time.Time) ([]SampleSum, error)
	// FactsByID returns the stored facts with one of ids (in the order
	// stored; an unknown id is absent), whatever their time.
	FactsByID(ctx context.Context, ids []string) ([]Fact, error)
	// TicketFacts returns the stored fact with id ticket and the
	// ticket_event facts of that ticket (in the order stored), whatever
	// their time: what a helpdesk integration compares a ticket's update
	// with.
	TicketFacts(ctx context.Context, ticket string) ([]Fact, error)
	// EachFact calls fn with each fact Facts would return, as it is read:
	// a month of evidence is never held whole. byTime gives Facts' order;
	// else the order stored (faster: one pass over the table). An error
	// of fn stops it and is returned.
	EachFact(ctx context.Context, from, to time.Time, byTime bool, fn func(Fact) error) error
	// EachFactFor calls fn with each fact q selects, as EachFact does
	// (the same order, byTime or as stored), reading each part through an
	// index: what a period's report needs, not every fact before it.
	EachFactFor(ctx context.Context, q FactQuery, byTime bool, fn func(Fact) error) error
	// FactsOfType is Facts restricted to facts whose Type is one of types.
	FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]Fact, error)
	// PutClosings stores closes of plan periods with the trails they name
	// (a trail stored already is kept). Each subscription's snapshot and
	// its ledger entries are stored together, in transactions of a few
	// hundred subscriptions; a snapshot stored already is left as it was,
	// and its entries are not posted again, so a close run twice, or
	// resumed after a crash, posts each entry once. It returns how many
	// snapshots were new.
	PutClosings(ctx context.Context, trails []Trail, cs []Closing) (int, error)
	// Closes returns the snapshots selected (period, policy, subscription,
	// customer), with their reports when withReport.
	Closes(ctx context.Context, f LedgerFilter, withReport bool) ([]CloseRecord, error)
	// TrailOf returns a trail's intervals (ErrNotFound when unknown).
	TrailOf(ctx context.Context, hash string) ([]byte, error)
	// Ledger returns the ledger entries selected (id, policy,
	// subscription, customer, period), in the order posted.
	Ledger(ctx context.Context, f LedgerFilter) ([]LedgerEntry, error)
	// AppendLedger posts entries; an entry whose ID is posted already is
	// left as it was (entries are never changed).
	AppendLedger(ctx context.Context, es []LedgerEntry) error
	// InvoiceEntry notes the invoice a ledger entry was billed on, once:
	// ErrNotFound for an unknown entry, ErrConflict when noted already.
	InvoiceEntry(ctx context.Context, entry, ref, actor string, at time.Time) error
	// PutCreditRequest stores a new request with its first steps
	// (ErrConflict when its ID is taken); with supersede, the submitted
	// requests of its kind for the same policy, subscription and period
	// become superseded in the same transaction.
	PutCreditRequest(ctx context.Context, r CreditRequest, supersede bool) error
	// CreditRequests returns the requests selected (id, kind, state,
	// policy, subscription, customer, period) with their steps, oldest
	// first.
	CreditRequests(ctx context.Context, f LedgerFilter) ([]CreditRequest, error)
	// DecideCreditRequest moves a submitted request to state with its step
	// and, if entry is not nil, posts it, in one transaction: ErrNotFound
	// for an unknown request, ErrConflict for one decided already.
	DecideCreditRequest(ctx context.Context, id, state string, step RequestStep, entry *LedgerEntry) error
	// ClaimOutbound takes a due pending outbound for one delivery attempt:
	// its next attempt is moved lease ahead, so that no other process
	// (replica) sends it meanwhile; RecordAttempt then sets the real one.
	// It reports false when the row is no longer due (another process
	// claimed it, or it was recorded).
	ClaimOutbound(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error)
	// TakeToken takes a token from key's bucket (burst tokens, refilled
	// one every every), kept in the store so that a restart does not
	// refill it, and reports whether there was one.
	TakeToken(ctx context.Context, key string, burst float64, every time.Duration, now time.Time) (bool, error)
	// CountUnconfirmed counts the subscribers not yet confirmed.
	CountUnconfirmed(ctx context.Context) (int, error)

	// RenewReplica renews replica id's membership and returns every
	// replica's row and the database's clock. A replica not registered, or
	// whose lease had lapsed (no renewal within lease), is registered
	// anew, taking work grace after now: the others see it before it
	// acts. Rows gone quiet for long are deleted.
	RenewReplica(ctx context.Context, id, name string, lease, grace time.Duration) (Replicas, error)
	// LeaveReplica marks replica id as gone from now on.
	LeaveReplica(ctx context.Context, id string) error
	// HandOff queues results for the replicas that watch their monitors.
	HandOff(ctx context.Context, hs []Handoff) error
	// TakeHandoffs removes and returns, oldest first, at most limit queued
	// results for owner or for replicas not in alive (their owner is gone).
	// Two replicas never take the same one.
	TakeHandoffs(ctx context.Context, owner string, alive []string, limit int) ([]Handoff, error)
	// SetClock sets the clock that tells whether a session has expired, for
	// Session and Prune (time.Now until set). Set it before use.
	SetClock(now func() time.Time)
	// Size reports the bytes the store's tables and indexes use.
	Size(ctx context.Context) (int64, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// CoverageRun is a span [Start, End) during which Component was being
// monitored: check results kept coming. Times are kept to the millisecond.
type CoverageRun struct {
	Component  string
	Start, End time.Time
}

// SampleSum summarises the measurements of Metric on Component from
// Location during the hour starting at Hour: how many, their sum, min and
// max.
type SampleSum struct {
	Component, Location, Metric string
	Hour                        time.Time
	N                           int64
	Sum, Min, Max               float64
}

// FactQuery selects stored facts for EachFactFor: the parts below
// together, each fact once (the parts must not share a type).
type FactQuery struct {
	// From and To bound the facts read by time; no fact with At at or
	// after To is read.
	From, To time.Time
	// Whole are types read whatever their time before To (and those
	// without one).
	Whole []string
	// Window are types read with At in [From, To) (and those without one).
	Window []string
	// StatusFrom, unless zero, reads the status facts with At in
	// [StatusFrom, To) and, before StatusFrom, those at the latest time of
	// each component and source: the state every source was in at
	// StatusFrom, without the history before it (index facts_status).
	StatusFrom time.Time
	// StatusTo, unless zero or after To, ends the status facts read
	// before To.
	StatusTo time.Time
	// TicketEvents reads the ticket_event facts (At before To) of the
	// tickets read (index facts_ticket).
	TicketEvents bool
}

// Fact is one evidence fact: a JSON object in the format of docs/facts.md
// with its id, type and time (zero for facts without one).
type Fact struct {
	ID, Type string
	At       time.Time
	// JSON is the fact's object. It is stored compacted (whitespace between
	// tokens removed) and its "id" and "type" must match ID and Type.
	JSON []byte
}

// Minute aggregates the results of one monitor at one location whose At
// falls in one minute, or in one hour once RollUp has rolled the minutes
// up (Span).
type Minute struct {
	MonitorID, Location string
	// Minute is the span's start (UTC).
	Minute time.Time
	// Span is time.Minute, or time.Hour for an hourly row.
	Span               time.Duration
	Up, Degraded, Down int
	// LatencySum and LatencyMax are over all the span's results; the mean
	// is LatencySum divided by Up+Degraded+Down.
	LatencySum, LatencyMax time.Duration
}

// MinutesKept is how long the retention job keeps the per-minute
// aggregates before rolling them up into hourly ones: the readers that
// step finer than an hour (the status page's response-time charts, up to
// 7 days; the monitors console's 24-hour chart) read within it.
const MinutesKept = 8 * 24 * time.Hour

// DayCount is the per-minute aggregates of one monitor at one location
// summed over one UTC day (Day, its midnight) or the part of it asked.
type DayCount struct {
	MonitorID, Location string
	Day                 time.Time
	Up, Degraded, Down  int
}

// MonitorState is the scheduler's state of one monitor at one location.
type MonitorState struct {
	MonitorID, Location string
	// State is the last check's verdict ("" before the first check).
	State monitor.State
	// Fails and Successes count consecutive failures and successes towards
	// confirmation.
	Fails, Successes int
	// Confirmed is the confirmed state ("" while none is).
	Confirmed monitor.State
	NextDue   time.Time
	UpdatedAt time.Time
}

// User is an account created in the server: invited by an admin, with
// its password's bcrypt hash once the invitation is accepted.
type User struct {
	Name, Role, Customer string
	// Hash is empty until the user sets a password.
	Hash      string
	Disabled  bool
	CreatedAt time.Time
	CreatedBy string
}

// Invitation is a one-time link to set User's password, until Expires.
type Invitation struct {
	Hash    string
	User    string
	Expires time.Time
}

// ErrConflict is wrapped by AppendFacts' error when a fact's id is already
// stored with a different body.
var ErrConflict = errors.New("id already used by a different fact")

// ErrNotFound is wrapped by the error of a method that looks up one
// record (an outbound, subscriber or session) that is not stored.
var ErrNotFound = errors.New("not found")

// MaxDuration is the longest Duration or Latency a result may have (the
// stored microseconds are a 32-bit integer): about 35 minutes 47 seconds.
const MaxDuration = math.MaxInt32 * time.Microsecond

// Open opens the store named by dsn and applies its pending migrations.
// "postgres://…" and "postgresql://…" open PostgreSQL; "sqlite:PATH" or a
// plain file path opens (creating if need be) an SQLite database. A nil
// logger discards.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (Store, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return OpenPostgres(ctx, dsn, logger)
	case strings.HasPrefix(dsn, "sqlite:"):
		return OpenSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), logger)
	case strings.Contains(dsn, "://"):
		return nil, fmt.Errorf("open store: unknown scheme in %q (want postgres://, postgresql://, sqlite:PATH or a file path)", redact(dsn))
	case strings.Contains(dsn, "=") && (strings.Contains(dsn, "host=") || strings.Contains(dsn, "dbname=")):
		// A libpq key=value string would otherwise become an SQLite file
		// of that name.
		return nil, errors.New("open store: write the PostgreSQL connection as a URL, postgres://user@host/db")
	default:
		return OpenSQLite(ctx, dsn, logger)
	}
}

// redact hides a password in a URL-shaped dsn for error messages.
func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return dsn
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return dsn
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// State codes as stored.
const (
	codeUp       = 0
	codeDegraded = 1
	codeDown     = 2
)

func stateCode(s monitor.State) (int16, bool) {
	switch s {
	case monitor.Up:
		return codeUp, true
	case monitor.Degraded:
		return codeDegraded, true
	case monitor.Down:
		return codeDown, true
	}
	return 0, false
}

func stateFromCode(c int64) (monitor.State, error) {
	switch c {
	case codeUp:
		return monitor.Up, nil
	case codeDegraded:
		return monitor.Degraded, nil
	case codeDown:
		return monitor.Down, nil
	}
	return "", fmt.Errorf("stored state code %d is unknown", c)
}

// optStateCode encodes a state that may be "" (nil).
func optStateCode(s monitor.State) (*int16, bool) {
	if s == "" {
		return nil, true
	}
	c, ok := stateCode(s)
	return &c, ok
}

func optStateFromCode(c *int64) (monitor.State, error) {
	if c == nil {
		return "", nil
	}
	return stateFromCode(*c)
}

// Times are stored as unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// ceilMS is the first whole millisecond at or after t: a stored time s (in
// ms) is at or after t exactly when s >= ceilMS(t), which keeps ranges
// half-open even for bounds with sub-millisecond parts.
func ceilMS(t time.Time) int64 {
	m := t.UnixMilli()
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		m++
	}
	return m
}

func fromMS(m int64) time.Time { return time.UnixMilli(m).UTC() }

// optMS stores the zero time as NULL so that it reads back as zero.
func optMS(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	m := ms(t)
	return &m
}

func optFromMS(m *int64) time.Time {
	if m == nil {
		return time.Time{}
	}
	return fromMS(*m)
}

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

const (
	msPerMinute = 60_000
	msPerHour   = 60 * msPerMinute
)

func minuteOf(atMS int64) int64 { return floorDiv(atMS, msPerMinute) }

// boundsMS converts [from, to) to stored milliseconds [lo, hi).
func boundsMS(from, to time.Time) (lo, hi int64) {
	return ceilMS(clampTime(from)), ceilMS(clampTime(to))
}

var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// clampTime keeps query bounds where unix milliseconds are defined.
func clampTime(t time.Time) time.Time {
	if t.Before(minTime) {
		return minTime
	}
	if t.After(maxTime) {
		return maxTime
	}
	return t
}

// row is a result encoded for storage.
type row struct {
	key     seriesKey
	at      int64 // unix ms
	durUS   int32
	latUS   int32
	state   int16
	seq     *int64
	message *string
	extra   *string
}

type seriesKey struct{ monitor, location string }

func inputErr(field, format string, args ...any) error {
	return &sla.InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

func checkID(field, s string, required bool) error {
	if s == "" {
		if required {
			return inputErr(field, "required")
		}
		return nil
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return inputErr(field, "must be valid UTF-8 without NUL characters")
	}
	return nil
}

func checkTime(field string, t time.Time) error {
	if y := t.Year(); y < 1970 || y > 9999 {
		return inputErr(field, "year %d is outside 1970–9999", y)
	}
	return nil
}

// maxResultYear bounds a result's At: PostgreSQL numbers minutes in 32 bits.
const maxResultYear = 5999

func checkDuration(field string, d time.Duration) error {
	if d < 0 || d > MaxDuration {
		return inputErr(field, "%v is outside 0–%v", d, MaxDuration)
	}
	return nil
}

func checkFloat(field string, f *float64) error {
	if f != nil && (math.IsNaN(*f) || math.IsInf(*f, 0)) {
		return inputErr(field, "%v is not a finite number", *f)
	}
	return nil
}

// ValidateResult reports whether a result can be stored; the error is an
// *sla.InputError naming the field. AppendResults refuses a whole batch
// with an invalid result, so a Batcher checks each result on Add.
func ValidateResult(r monitor.Result) error {
	return validateResult("result", r)
}

func validateResult(name string, r monitor.Result) error {
	if err := checkID(name+".monitor", r.MonitorID, true); err != nil {
		return err
	}
	if err := checkID(name+".location", r.Location, false); err != nil {
		return err
	}
	if _, ok := stateCode(r.State); !ok {
		return inputErr(name+".state", "want up, degraded or down, got %q", r.State)
	}
	if y := r.At.Year(); y < 1970 || y > maxResultYear {
		return inputErr(name+".at", "year %d is outside 1970–%d", y, maxResultYear)
	}
	if err := checkDuration(name+".duration", r.Duration); err != nil {
		return err
	}
	if err := checkDuration(name+".latency", r.Latency); err != nil {
		return err
	}
	if err := checkFloat(name+".packet_loss_pct", r.PacketLossPct); err != nil {
		return err
	}
	if err := checkFloat(name+".throughput_mbps", r.ThroughputMbps); err != nil {
		return err
	}
	if r.CertExpiry != nil {
		if y := r.CertExpiry.Year(); y < 1 || y > 9999 {
			return inputErr(name+".cert_expiry", "year %d is outside 1–9999", y)
		}
	}
	if r.Seq > math.MaxInt64 {
		return inputErr(name+".seq", "%d is larger than %d", r.Seq, int64(math.MaxInt64))
	}
	return nil
}

// encodeResults validates and encodes a batch.
func encodeResults(rs []monitor.Result) ([]row, error) {
	rows := make([]row, len(rs))
	for i, r := range rs {
		if err := validateResult(fmt.Sprintf("results[%d]", i), r); err != nil {
			return nil, err
		}
		code, _ := stateCode(r.State)
		w := row{
			key:   seriesKey{r.MonitorID, r.Location},
			at:    ms(r.At),
			durUS: int32(r.Duration / time.Microsecond),
			latUS: int32(r.Latency / time.Microsecond),
			state: code,
		}
		if r.Seq > 0 {
			s := int64(r.Seq)
			w.seq = &s
		}
		if r.Message != "" {
			m := cleanText(r.Message)
			w.message = &m
		}
		extra, err := encodeExtra(r)
		if err != nil {
			return nil, fmt.Errorf("results[%d]: %w", i, err)
		}
		w.extra = extra
		rows[i] = w
	}
	return rows, nil
}

// cleanText makes a message storable in both dialects (PostgreSQL's text
// refuses NUL and invalid UTF-8): a check's error text can carry bytes from
// the wire, and refusing it would lose the result's state.
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
}

// minuteAgg is one minute's aggregate being built from inserted rows.
type minuteAgg struct {
	up, degraded, down int32
	latSum             int64
	latMax             int32
}

func (a *minuteAgg) add(state int16, latUS int32) {
	switch state {
	case codeUp:
		a.up++
	case codeDegraded:
		a.degraded++
	default:
		a.down++
	}
	a.latSum += int64(latUS)
	a.latMax = max(a.latMax, latUS)
}

// resultFrom decodes a stored result.
func resultFrom(monitorID, location string, at int64, durUS, latUS, state int64, seq *int64, message, extra *string) (monitor.Result, error) {
	st, err := stateFromCode(state)
	if err != nil {
		return monitor.Result{}, err
	}
	r := monitor.Result{
		MonitorID: monitorID,
		Location:  location,
		At:        fromMS(at),
		Duration:  time.Duration(durUS) * time.Microsecond,
		State:     st,
		Latency:   time.Duration(latUS) * time.Microsecond,
	}
	if seq != nil && *seq > 0 {
		r.Seq = uint64(*seq)
	}
	if message != nil {
		r.Message = *message
	}
	if err := decodeExtra(extra, &r); err != nil {
		return monitor.Result{}, err
	}
	return r, nil
}

func validateState(s MonitorState) error {
	if err := checkID("state.monitor", s.MonitorID, true); err != nil {
		return err
	}
	if err := checkID("state.location", s.Location, false); err != nil {
		return err
	}
	if _, ok := optStateCode(s.State); !ok {
		return inputErr("state.state", "want up, degraded, down or empty, got %q", s.State)
	}
	if _, ok := optStateCode(s.Confirmed); !ok {
		return inputErr("state.confirmed", "want up, degraded, down or empty, got %q", s.Confirmed)
	}
	for _, t := range []struct {
		field string
		t     time.Time
	}{{"state.next_due", s.NextDue}, {"state.updated_at", s.UpdatedAt}} {
		if !t.t.IsZero() {
			if err := checkTime(t.field, t.t); err != nil {
				return err
			}
		}
	}
	if s.Fails < 0 || s.Fails > math.MaxInt32 || s.Successes < 0 || s.Successes > math.MaxInt32 {
		return inputErr("state", "fails and successes must lie in 0–%d", math.MaxInt32)
	}
	return nil
}
