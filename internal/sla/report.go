package sla

import "time"

// Report is what the engine computes for one policy, one period and the
// evidence. Every figure is exact; rounding is for display only.
type Report struct {
	Policy        string                `json:"policy"`
	Version       string                `json:"version"`
	Period        string                `json:"period"`
	AsOf          time.Time             `json:"as_of"`
	Subscriptions []*SubscriptionReport `json:"subscriptions"`
	Tickets       []*TicketReport       `json:"tickets"`
	Incidents     []*IncidentReport     `json:"incidents"`
	Recovery      []*RecoveryReport     `json:"recovery"`
}

// UpstreamReport is an upstream component's own uptime over a subscription's
// period window: (total − down) ÷ total × 100, down being the time its
// timeline is in a status the plan weighs above zero (unweighted, no
// exclusions, no maintenance). Met is omitted when no objective is given.
type UpstreamReport struct {
	Component   string   `json:"component"`
	Uptime      float64  `json:"uptime_percent"`
	DownMinutes float64  `json:"down_minutes"`
	Objective   *float64 `json:"objective_percent,omitempty"`
	Met         *bool    `json:"met,omitempty"`
}

// SubscriptionReport is the availability and credit outcome of one
// subscription in one plan period.
type SubscriptionReport struct {
	Customer     string `json:"customer"`
	Subscription string `json:"subscription"`
	Plan         string `json:"plan"`
	Override     bool   `json:"override,omitempty"`
	Period       string `json:"period"`
	TimeZone     string `json:"time_zone"`
	// Partial marks a period still running at AsOf: the figures cover
	// Start to AsOf (month to date).
	Partial bool `json:"partial,omitempty"`
	// Window is "rolling 28d" for a plan measured over its last days
	// instead of its calendar periods: Start and End are the window's,
	// which ends at the period's end (at AsOf while the period runs).
	Window string `json:"window,omitempty"`
	// Upstream is each plan.upstream component's own uptime.
	Upstream  []*UpstreamReport `json:"upstream,omitempty"`
	Start     time.Time         `json:"start"`
	End       time.Time         `json:"end"`
	Objective float64           `json:"objective_percent"`
	Formula   Formula           `json:"formula"`
	// Uptime is the exact uptime as a float64; UptimeExact is the exact
	// fraction of percent "n/d".
	Uptime      float64 `json:"uptime_percent"`
	UptimeExact string  `json:"uptime_exact"`
	Met         bool    `json:"met"`
	// Minutes: the whole period (D), the excused maintenance time (P),
	// the liable downtime (N, weighted), and the downtime excluded by cause.
	TotalMinutes       float64           `json:"total_minutes"`
	MaintenanceMinutes float64           `json:"maintenance_minutes"`
	LiableMinutes      float64           `json:"liable_minutes"`
	ExcludedMinutes    map[Cause]float64 `json:"excluded_minutes"`
	IgnoredMinutes     float64           `json:"ignored_minutes"`
	// RoundedMinutes is the part of LiableMinutes that counting in whole
	// intervals (uptime.count_in) added to the downtime as it was.
	RoundedMinutes float64            `json:"rounded_minutes,omitempty"`
	Components     []*ComponentUptime `json:"components"`
	Performance    []*PerfResult      `json:"performance,omitempty"`
	// Coverage is, per component whose monitoring is tracked (coverage
	// evidence), how much of the period it covered; absent when none is
	// tracked (coverage unknown, as in a hand-written fact file). NoData
	// marks a period that no tracked component's monitoring covered at
	// all: Met is then false whatever the uptime says.
	Coverage []*ComponentCoverage `json:"coverage,omitempty"`
	NoData   bool                 `json:"no_data,omitempty"`
	Credit   CreditResult         `json:"credit"`
	// Budget is the period's error budget: the liable downtime the
	// objective allows, how much is used and what the credit would become.
	Budget Budget `json:"budget"`
	// Intervals are every interval behind the figures (for --explain).
	Intervals []*Interval `json:"intervals,omitempty"`
}

// Budget is a subscription period's error budget. Minutes are of the
// uptime's denominator: the whole period from the subscription's start
// (not only the part elapsed), less the excused maintenance known so far
// under the "removed" formula.
type Budget struct {
	// AllowedMinutes is the downtime the objective allows over the whole
	// period; UsedMinutes the downtime the uptime so far amounts to;
	// LeftMinutes what remains (negative: overspent) and UsedPercent the
	// share used.
	AllowedMinutes float64 `json:"allowed_minutes"`
	UsedMinutes    float64 `json:"used_minutes"`
	LeftMinutes    float64 `json:"left_minutes"`
	UsedPercent    float64 `json:"used_percent"`
	// EndUptime is the period's uptime if no more downtime comes, and
	// EndCredit the availability credit (percent of the fee, before any
	// cap) it would earn: where the period is heading at best.
	EndUptime float64 `json:"end_uptime_percent"`
	EndCredit float64 `json:"end_credit_percent"`
	// NextTier is the next worse credit tier: more than MinutesLeft more
	// downtime this period moves the credit to CreditPercent. Absent past
	// the last tier and for linear credits.
	NextTier *NextTier `json:"next_tier,omitempty"`
}

// NextTier is the next credit tier a period's downtime would reach.
type NextTier struct {
	Below         float64 `json:"below_percent"`
	CreditPercent float64 `json:"credit_percent"`
	MinutesLeft   float64 `json:"minutes_left"`
}

// ComponentUptime is one covered component's own uptime.
type ComponentUptime struct {
	Component     string  `json:"component"`
	Uptime        float64 `json:"uptime_percent"`
	LiableMinutes float64 `json:"liable_minutes"`
	// Excluded is set for beta or experimental components, which carry no
	// credit and are left out of the service's uptime.
	Excluded string `json:"excluded,omitempty"`
}

// ComponentCoverage is how much of a period a component's monitoring
// covered: minutes, and the first and last instant covered (absent when
// none was).
type ComponentCoverage struct {
	Component string     `json:"component"`
	Minutes   float64    `json:"minutes"`
	First     *time.Time `json:"first,omitempty"`
	Last      *time.Time `json:"last,omitempty"`
	// NoData marks a component whose monitoring covered none of the
	// period: its uptime there says nothing.
	NoData bool `json:"no_data,omitempty"`
}

// PerfResult is the outcome of one performance objective.
type PerfResult struct {
	ID        string   `json:"id"`
	Metric    string   `json:"metric"`
	Aggregate string   `json:"aggregate"`
	Value     *float64 `json:"value"`
	Bound     string   `json:"bound"`
	Samples   int      `json:"samples"`
	Met       bool     `json:"met"`
	// NoData marks an objective without a sample in the period: not met,
	// and no credit either, since nothing shows it was missed.
	NoData bool    `json:"no_data,omitempty"`
	Credit float64 `json:"credit_percent"`
	// Rule and Locations are the location rule ("most", "all", "at least
	// 3") and each location's own result, when the objective has one.
	Rule      string            `json:"locations_rule,omitempty"`
	Locations []*LocationResult `json:"locations,omitempty"`
	Facts     []string          `json:"facts,omitempty"`
}

// LocationResult is a performance objective in one location.
type LocationResult struct {
	Location string  `json:"location"`
	Value    float64 `json:"value"`
	Samples  int     `json:"samples"`
	Met      bool    `json:"met"`
}

// Claim states of a credit.
const (
	CreditNone      = "none"      // nothing owed
	CreditAutomatic = "automatic" // applied without a claim
	CreditClaimed   = "claimed"   // claimed in time
	CreditOpen      = "open"      // claimable, deadline not passed as of AsOf
	CreditExpired   = "expired"   // not claimed before the deadline
	CreditLate      = "late"      // claimed after the deadline
)

// CreditResult is the service credit of one subscription period.
type CreditResult struct {
	// Percent is the credit in percent of the fee after the cap; Uncapped
	// before it.
	Percent  float64 `json:"percent"`
	Uncapped float64 `json:"uncapped_percent"`
	Capped   bool    `json:"capped"`
	// Amount is Percent of the fee, rounded half-even to cents; Owed is
	// Amount when the credit is eligible and automatic or claimed in time.
	Amount        string     `json:"amount"`
	Owed          string     `json:"owed"`
	Currency      string     `json:"currency"`
	Eligible      bool       `json:"eligible"`
	Ineligible    []string   `json:"ineligible,omitempty"`
	State         string     `json:"state"`
	ClaimDeadline *time.Time `json:"claim_deadline,omitempty"`
	Claim         string     `json:"claim,omitempty"`
}

// How an interval counted.
const (
	CountLiable     = "liable"      // counted against the provider
	CountExcluded   = "excluded"    // excluded by its cause
	CountIgnored    = "ignored"     // part of a blip shorter than the minimum
	CountBeta       = "beta"        // on a beta or experimental component
	CountWindow     = "maintenance" // a scheduled window removed from the denominator
	CountLateNotice = "late_notice" // maintenance announced too late: counted
	CountUnwindowed = "no_window"   // maintenance given as the cause with no announced window: counted
)

// Interval is one stretch of evidence behind a figure, with the facts that
// established it.
type Interval struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Minutes   float64   `json:"minutes"`
	Component string    `json:"component,omitempty"`
	Status    Status    `json:"status,omitempty"`
	Weight    float64   `json:"weight"`
	Cause     Cause     `json:"cause,omitempty"`
	Counted   string    `json:"counted"`
	Facts     []string  `json:"facts"`
	Note      string    `json:"note,omitempty"`
}

// TicketReport is the SLA outcome of one support ticket.
type TicketReport struct {
	Ticket   string `json:"ticket"`
	Customer string `json:"customer"`
	// Subscription is the customer's subscription the ticket was timed
	// under: the one active when it was created.
	Subscription string          `json:"subscription,omitempty"`
	Created      time.Time       `json:"created"`
	Plan         string          `json:"plan"`
	Priority     string          `json:"priority"`
	Targets      []*TargetResult `json:"targets"`
}

// Target states.
const (
	TargetMet      = "met"
	TargetBreached = "breached"
	TargetPending  = "pending" // not achieved yet and not yet due as of AsOf
)

// How a target given as a range was met.
const (
	RangeMetLower = "met_lower" // at or before the lower end's deadline
	RangeMetUpper = "met_upper" // after the lower end's deadline, at or before the upper end's
	RangeMissed   = "missed"    // after both, or not achieved by the upper end's deadline
	RangePending  = "pending"   // the upper end is not yet due
)

// TargetResult is one ticket target (first response, ongoing response,
// update cadence, resolution) or one incident obligation.
type TargetResult struct {
	Metric string `json:"metric"`
	// Target is the business time allowed, in minutes, and the calendar.
	TargetMinutes float64 `json:"target_minutes"`
	Calendar      string  `json:"calendar"`
	// Deadline is the instant the target falls due (for a recurring target,
	// the first deadline that was missed, or else the last one).
	Deadline   time.Time  `json:"deadline"`
	AchievedAt *time.Time `json:"achieved_at,omitempty"`
	// UsedMinutes is the business time used (the worst cycle for recurring
	// targets).
	UsedMinutes float64 `json:"used_minutes"`
	State       string  `json:"state"`
	// For a target given as a range, LowerMinutes is its lower end,
	// LowerDeadline when that fell due, and Range which end was met
	// (RangeMetLower, RangeMetUpper, RangeMissed or RangePending; for a
	// recurring target, the worst cycle's). State is the upper end's.
	LowerMinutes  float64    `json:"lower_minutes,omitempty"`
	LowerDeadline *time.Time `json:"lower_deadline,omitempty"`
	Range         string     `json:"range,omitempty"`
	Cycles        int        `json:"cycles,omitempty"`
	Breaches      int        `json:"breaches,omitempty"`
	Facts         []string   `json:"facts"`
}

// IncidentReport lists one incident's obligations.
type IncidentReport struct {
	Incident    string          `json:"incident"`
	Plan        string          `json:"plan"`
	Severity    string          `json:"severity"`
	Components  []string        `json:"components"`
	Opened      time.Time       `json:"opened"`
	Resolved    *time.Time      `json:"resolved,omitempty"`
	Obligations []*TargetResult `json:"obligations"`
}

// RecoveryReport is the outcome of the recovery objectives of a plan.
type RecoveryReport struct {
	Plan string `json:"plan"`
	// Disasters lists each declared disaster's RTO and RPO outcome.
	Disasters []*DisasterResult `json:"disasters"`
	// Backup cadence: the longest gap between successful backups in the
	// period and whether it respected BackupEvery.
	BackupEveryMinutes float64  `json:"backup_every_minutes,omitempty"`
	LongestGapMinutes  float64  `json:"longest_backup_gap_minutes"`
	BackupsMet         bool     `json:"backups_met"`
	RestoreTests       int      `json:"restore_tests"`
	RestoreTestsWanted int      `json:"restore_tests_wanted"`
	RestoreTestsMet    bool     `json:"restore_tests_met"`
	Facts              []string `json:"facts"`
}

// DisasterResult is one disaster's recovery time and data-loss window.
type DisasterResult struct {
	Disaster   string     `json:"disaster"`
	Declared   time.Time  `json:"declared"`
	Restored   *time.Time `json:"restored,omitempty"`
	RTOMinutes float64    `json:"rto_minutes"`
	// RecoveryMinutes is restored − declared (as of AsOf when not restored).
	RecoveryMinutes float64 `json:"recovery_minutes"`
	RTOMet          bool    `json:"rto_met"`
	RPOMinutes      float64 `json:"rpo_minutes"`
	// DataLossMinutes is declared − last successful backup before it.
	DataLossMinutes *float64 `json:"data_loss_minutes"`
	RPOMet          bool     `json:"rpo_met"`
	// MaxDataLossMinutes is recovery.max_data_loss (omitted when not
	// promised); MaxDataLossMet, nil when not promised, holds when
	// DataLossMinutes is at most that.
	MaxDataLossMinutes float64  `json:"max_data_loss_minutes,omitempty"`
	MaxDataLossMet     *bool    `json:"max_data_loss_met,omitempty"`
	Facts              []string `json:"facts"`
}
