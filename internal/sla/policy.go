package sla

import (
	"fmt"
	"math/big"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// Cause says why a stretch of downtime happened. The policy decides which causes
// are excluded from the downtime a customer is owed credit for.
type Cause string

// The causes a policy and the evidence may name.
const (
	CauseLiable       Cause = "liable"
	CauseMaintenance  Cause = "maintenance"
	CauseForceMajeure Cause = "force_majeure"
	CauseThirdParty   Cause = "third_party"
	CauseCustomer     Cause = "customer"
	CauseDDoS         Cause = "ddos"
)

// Causes lists every valid cause in report order.
var Causes = []Cause{CauseLiable, CauseMaintenance, CauseForceMajeure, CauseThirdParty, CauseCustomer, CauseDDoS}

// ValidCause reports whether c is one of Causes.
func ValidCause(c Cause) bool {
	for _, k := range Causes {
		if k == c {
			return true
		}
	}
	return false
}

// Status is a component's state, named as Atlassian Statuspage names them.
type Status string

// The component statuses, from best to worst.
const (
	Operational      Status = "operational"
	Degraded         Status = "degraded_performance"
	UnderMaintenance Status = "under_maintenance"
	PartialOutage    Status = "partial_outage"
	MajorOutage      Status = "major_outage"
)

// Statuses lists every status from best to worst.
var Statuses = []Status{Operational, Degraded, UnderMaintenance, PartialOutage, MajorOutage}

// Rank orders statuses by severity so that overlapping evidence resolves to the
// worst claim; it returns -1 for an unknown status.
func (s Status) Rank() int {
	for i, k := range Statuses {
		if k == s {
			return i
		}
	}
	return -1
}

// Combine says how the covered components of a plan make up the service.
type Combine string

const (
	// CombineAny: the service is down while any covered component is down
	// (the worst weight at each instant counts once).
	CombineAny Combine = "any"
	// CombineWorst: uptime is computed per component; the worst one decides.
	CombineWorst Combine = "worst"
)

// Formula selects how maintenance enters the uptime fraction.
type Formula string

const (
	// FormulaExcused is (total − downtime) ÷ total, where downtime excludes
	// excused maintenance and excluded causes (seed 001, 004).
	FormulaExcused Formula = "excused"
	// FormulaRemoved is (D − P − N) ÷ (D − P), where P is the scheduled,
	// timely announced maintenance time, removed from the denominator too
	// (seed 002).
	FormulaRemoved Formula = "removed"
)

// Rounding says how a linear credit counts partial steps.
type Rounding string

// The roundings of a linear credit schedule.
const (
	RoundFloor   Rounding = "floor"    // whole steps only: 1.9 % of downtime is 1 step
	RoundCeil    Rounding = "ceil"     // any started step counts: 1.1 % is 2 steps
	RoundProRata Rounding = "pro_rata" // exact fraction: 1.5 % is 1.5 steps
)

// Policy is one versioned SLA document: the components and calendars it names
// and its versions, each with effective dates.
type Policy struct {
	ID    string
	Title string
	// NoticeDays is the minimum notice before a version that reduces
	// protections may take effect (60 days in seed 001); 0 means no rule.
	NoticeDays int
	Components map[string]*Component
	Calendars  map[string]*timeline.Calendar
	// Versions are sorted by Effective, oldest first.
	Versions []*Version
}

// Component is a part of the service that evidence reports on.
type Component struct {
	ID   string
	Name string
	// Beta marks a component labelled beta or experimental: it carries no
	// credit (seed 001).
	Beta bool
	// Upstream marks a third party's component (e.g. Salesforce in seed 003):
	// downtime of a component that depends on it while it is down is
	// attributed to third_party.
	Upstream  bool
	DependsOn []string
}

// Version is one published text of a policy.
type Version struct {
	ID        string
	Published time.Time
	Effective time.Time
	Plans     map[string]*Plan
	// PlanOrder keeps the file's order for reports.
	PlanOrder []string
	Overrides []*Override
	// Custom compiles a subscription's custom terms (Subscription.Set)
	// over the plan the customer gets in this version (PlanFor of the
	// customer and class). The policy parser provides it, with the policy
	// file's rules; nil refuses every set.
	Custom func(customer, class, plan string, set []byte) (*Plan, error)
}

// Override is a custom plan (an enterprise SLA) for one customer or for a
// class of customers: the plan it starts from with some keys replaced.
// Exactly one of Customer and Class is set.
type Override struct {
	Customer string
	// Class is a class of customers (the Class of their subscriptions,
	// such as "enterprise").
	Class string
	Plan  *Plan
}

// Plan is what one subscription tier is promised.
type Plan struct {
	ID   string
	Name string
	// Objective is the uptime promised, in percent.
	Objective *big.Rat
	Period    timeline.Kind
	// Rolling, when above 0, measures the plan over the last Rolling days
	// (local days of Location) instead of calendar periods: a report gives
	// the window that ends at the requested period's end, or at AsOf while
	// that period runs. Such a plan has no credits: a window that moves
	// every minute has no end to settle a credit at.
	Rolling  int
	Location *time.Location
	// Components are the covered component ids.
	Components []string
	Combine    Combine
	Formula    Formula
	// Weights gives each status its share of downtime in thousandths
	// (major_outage 1000; partial_outage e.g. 300 as Statuspage counts it).
	Weights map[Status]int64
	// MinDowntime ignores down episodes shorter than it (blips).
	MinDowntime time.Duration
	// CountIn, when set, counts liable downtime in whole intervals of this
	// length ("a 5-minute interval with any failed check counts as 5
	// minutes down"): each liable piece is rounded out to a grid of
	// CountIn steps from the period's start, and the grid cells are
	// counted once each, at the heaviest weight in them. It divides an
	// hour (1m, 5m, 15m, 1h); 0 counts the downtime as it is.
	CountIn time.Duration
	// Excluded are the causes whose downtime is not counted against the
	// provider. Maintenance is excused only when announced in time.
	Excluded map[Cause]bool
	// MaintenanceNotice is how long before its start a maintenance window
	// must have been announced to excuse downtime.
	MaintenanceNotice time.Duration
	Credits           Credits
	Eligibility       Eligibility
	Performance       []*PerfObjective
	Support           *Support
	Incidents         *IncidentRules
	Recovery          *Recovery
	// Upstream are the third-party components whose own uptime the plan
	// reports (seed 003's Salesforce), with an objective or none.
	Upstream []*UpstreamObjective
}

// Credits is a plan's service credit schedule.
type Credits struct {
	// Tiers apply the largest credit whose threshold the uptime is strictly
	// below ("< 99.5 % gives 10 %").
	Tiers  []Tier
	Linear *Linear
	// Cap is the maximum credit in percent of the period's fee; nil is 100.
	Cap   *big.Rat
	Claim ClaimRule
}

// Tier is one row of a tiered credit schedule.
type Tier struct {
	Below   *big.Rat
	Percent *big.Rat
}

// Linear is "Percent of the fee for every Per points of downtime".
type Linear struct {
	Per     *big.Rat
	Percent *big.Rat
	// FromObjective counts the points below the objective; otherwise the
	// points of downtime (100 − uptime).
	FromObjective bool
	Rounding      Rounding
}

// ClaimRule says whether credits are applied automatically or must be claimed.
type ClaimRule struct {
	Automatic bool
	// Within is the claim window; 0 on a claimed credit is no deadline
	// (claim: on_request), for the engine and the reduction checker alike.
	Within time.Duration
	// FromFailure starts the window at the end of the last counted outage
	// ("within 7 days of the service failure"); otherwise at the period end.
	FromFailure bool
}

// Eligibility lists the conditions a subscription must meet to be owed credit.
type Eligibility struct {
	GoodStanding bool
	NotTrial     bool
}

// PerfObjective is a performance promise with its own credit (seed 004).
type PerfObjective struct {
	ID     string
	Metric string
	// Aggregate is mean, min, max or pNN (a percentile).
	Aggregate string
	// Max is a strict upper bound ("latency < 50 ms"), Min an inclusive
	// lower bound ("100 Mbps or higher"); one is set.
	Max, Min   *big.Rat
	Credit     *big.Rat
	Components []string
	// Locations, when set, judges each location's samples on their own
	// and the objective by how many locations meet it ("latency < 50 ms
	// for most regions", seed 004); nil pools every sample.
	Locations *LocationRule
}

// LocationRule says in how many locations a performance objective must
// be met: Most (strictly more than half of those with samples), All, or
// AtLeast of them.
type LocationRule struct {
	Most, All bool
	AtLeast   int
}

// Support holds the ticket targets of a plan.
type Support struct {
	// Pause lists ticket statuses during which the clocks stop.
	Pause map[string]bool
	// ReopenRestart restarts the resolution clock on reopen; otherwise the
	// clock continues from the time already used.
	ReopenRestart bool
	// PriorityRestart measures a changed priority's targets from the change;
	// otherwise they are measured from the ticket's creation (as Zendesk does).
	PriorityRestart bool
	Priorities      map[string]*Targets
	PriorityOrder   []string
}

// Targets are the support targets of one priority.
type Targets struct {
	Name            string
	FirstResponse   *Target
	OngoingResponse *Target
	UpdateEvery     *Target
	Resolution      *Target
}

// Target is a duration of business time in a calendar.
type Target struct {
	Duration time.Duration
	Calendar *timeline.Calendar
	// Lower, when above zero, makes the target a range from Lower to
	// Duration ("acknowledgment within 5-15 minutes"): the promise is
	// Duration, and results say which end was met as well.
	Lower time.Duration
}

// IncidentRules are the obligations a plan puts on incidents.
type IncidentRules struct {
	// UpdateEvery maps an incident severity to the maximum gap between
	// public updates while it is open.
	UpdateEvery map[string]*Target
	// Postmortem is the time after resolution within which a post-mortem must
	// be published, for the listed severities (all when empty).
	Postmortem           *Target
	PostmortemSeverities map[string]bool
}

// UpstreamObjective is what a plan says about an upstream component itself:
// its uptime is reported; Objective (nil for none) is what it is held to.
// It never changes the plan's own uptime or credit.
type UpstreamObjective struct {
	Component string
	Objective *big.Rat
}

// Recovery holds disaster-recovery and backup objectives.
type Recovery struct {
	RTO time.Duration
	RPO time.Duration
	// MaxDataLoss is a second bound on each disaster's data loss beside RPO
	// (seed 003's "maximum customer data loss of 24 hours"): measured like
	// RPO, from the last successful backup before the declaration. Zero is
	// no objective.
	MaxDataLoss time.Duration
	// BackupEvery is the maximum gap between successful backups.
	BackupEvery time.Duration
	// RestoreTests is the minimum number of successful restore tests per
	// period.
	RestoreTests int
}

// AllPlans are the version's plans in their order, then the plans of its
// overrides (per-customer custom SLAs): every plan something may be
// promised under.
func (v *Version) AllPlans() []*Plan {
	out := make([]*Plan, 0, len(v.PlanOrder)+len(v.Overrides))
	for _, id := range v.PlanOrder {
		if pl := v.Plans[id]; pl != nil {
			out = append(out, pl)
		}
	}
	for _, o := range v.Overrides {
		if o.Plan != nil {
			out = append(out, o.Plan)
		}
	}
	return out
}

// LongestWindow is the longest rolling window, in days, of any plan of
// any version of p (their overrides too); 0 when none has one.
func (p *Policy) LongestWindow() int {
	days := 0
	for _, v := range p.Versions {
		for _, pl := range v.AllPlans() {
			days = max(days, pl.Rolling)
		}
	}
	return days
}

// VersionAt returns the version in force at t: the latest whose Effective is
// not after t.
func (p *Policy) VersionAt(t time.Time) *Version {
	var v *Version
	for _, x := range p.Versions {
		if !x.Effective.After(t) {
			v = x
		}
	}
	return v
}

// PlanFor returns the plan a customer of a class (empty: none) gets under
// plan id in v: the customer's own override when there is one, else the
// class's override, else the plan.
func (v *Version) PlanFor(customer, class, plan string) *Plan {
	if o := v.OverrideFor(customer, class, plan); o != nil {
		return o.Plan
	}
	return v.Plans[plan]
}

// OverrideFor returns the override PlanFor applies, or nil.
func (v *Version) OverrideFor(customer, class, plan string) *Override {
	var byClass *Override
	for _, o := range v.Overrides {
		if o.Plan.ID != plan {
			continue
		}
		switch {
		case o.Customer != "" && o.Customer == customer:
			return o
		case byClass == nil && o.Class != "" && o.Class == class:
			byClass = o
		}
	}
	return byClass
}

// CheckSet compiles the custom terms of s against every version of p in
// force during the subscription that has its plan, and returns the first
// error, naming the version. A subscription without a set passes.
func (p *Policy) CheckSet(s *Subscription) error {
	if len(s.Set) == 0 {
		return nil
	}
	for i, v := range p.Versions {
		if !v.Effective.Before(endOr(s.End)) {
			break
		}
		if i+1 < len(p.Versions) && !p.Versions[i+1].Effective.After(s.Start) {
			continue // replaced before the subscription starts
		}
		if _, err := v.PlanOf(s); err != nil {
			return fmt.Errorf("version %q: %w", v.ID, err)
		}
	}
	return nil
}

// PlanOf returns the plan subscription s gets in v: its custom terms (Set)
// over the customer's plan when it has some, else PlanFor of its customer
// and class. It is nil when v
// has no such plan; an error means the set does not compile against v.
func (v *Version) PlanOf(s *Subscription) (*Plan, error) {
	base := v.PlanFor(s.Customer, s.Class, s.Plan)
	if base == nil || len(s.Set) == 0 {
		return base, nil
	}
	if v.Custom == nil {
		return nil, &InputError{Field: "set", Msg: fmt.Sprintf("version %q of the policy cannot take custom terms", v.ID)}
	}
	return v.Custom(s.Customer, s.Class, s.Plan, s.Set)
}
