package policy

import "go.yaml.in/yaml/v3"

// The raw types mirror the YAML document one to one. Values that need
// checking (durations, percentages, dates) stay strings here so that the
// conversion can name the field and line of a bad one.

type rawPolicy struct {
	Policy     string         `yaml:"policy"`
	Title      string         `yaml:"title"`
	NoticeDays int            `yaml:"notice_days"`
	Components []rawComponent `yaml:"components"`
	Calendars  []rawCalendar  `yaml:"calendars"`
	Versions   []rawVersion   `yaml:"versions"`
}

type rawComponent struct {
	ID           string   `yaml:"id"`
	Name         string   `yaml:"name"`
	Beta         bool     `yaml:"beta"`
	Experimental bool     `yaml:"experimental"`
	Upstream     bool     `yaml:"upstream"`
	DependsOn    []string `yaml:"depends_on"`
}

type rawCalendar struct {
	ID       string `yaml:"id"`
	Timezone string `yaml:"timezone"`
	Always   bool   `yaml:"always"`
	// Hours maps a day or day range ("mon-fri", "sat") to one window
	// "08:00-16:00" or a list of them.
	Hours     map[string]yaml.Node `yaml:"hours"`
	Holidays  rawHolidays          `yaml:"holidays"`
	DayLength string               `yaml:"day_length"`
	// ClosedOnHolidays makes a 24/7 calendar close on its holidays.
	ClosedOnHolidays bool `yaml:"closed_on_holidays"`
}

type rawHolidays struct {
	Countries []string `yaml:"countries"`
	Dates     []string `yaml:"dates"`
}

type rawVersion struct {
	Version   string        `yaml:"version"`
	Published string        `yaml:"published"`
	Effective string        `yaml:"effective"`
	Plans     []rawPlan     `yaml:"plans"`
	Overrides []rawOverride `yaml:"overrides"`
}

type rawOverride struct {
	Customer string `yaml:"customer"`
	// Class is a class of customers instead of one customer.
	Class string  `yaml:"class"`
	Plan  string  `yaml:"plan"`
	Set   rawPlan `yaml:"set"`
}

// rawPlan uses pointers and nil-able fields throughout so that an override
// can tell a key it sets from one it leaves alone.
type rawPlan struct {
	ID        string  `yaml:"id"`
	Name      string  `yaml:"name"`
	Objective *string `yaml:"objective"`
	Period    *string `yaml:"period"`
	// Window is "rolling 28d": the last N days instead of a period.
	Window            *string         `yaml:"window"`
	Timezone          *string         `yaml:"timezone"`
	Components        []string        `yaml:"components"`
	Combine           *string         `yaml:"combine"`
	Uptime            *rawUptime      `yaml:"uptime"`
	Exclusions        []string        `yaml:"exclusions"`
	MaintenanceNotice *string         `yaml:"maintenance_notice"`
	Credits           *rawCredits     `yaml:"credits"`
	Eligibility       *rawEligibility `yaml:"eligibility"`
	Performance       []rawPerf       `yaml:"performance"`
	Support           *rawSupport     `yaml:"support"`
	Incidents         *rawIncidents   `yaml:"incidents"`
	Recovery          *rawRecovery    `yaml:"recovery"`
	Upstream          []rawUpstream   `yaml:"upstream"`
}

// rawUpstream is an objective on a third party's (upstream) component.
type rawUpstream struct {
	Component string  `yaml:"component"`
	Objective *string `yaml:"objective"`
}

type rawUptime struct {
	Formula     string            `yaml:"formula"`
	Weights     map[string]string `yaml:"weights"`
	MinDowntime string            `yaml:"min_downtime"`
	// CountIn counts downtime in whole intervals of this length ("5m").
	CountIn string `yaml:"count_in"`
}

type rawCredits struct {
	Tiers  []rawTier  `yaml:"tiers"`
	Linear *rawLinear `yaml:"linear"`
	Cap    *string    `yaml:"cap"`
	// Claim is "automatic" or a mapping {within, from}.
	Claim yaml.Node `yaml:"claim"`
}

type rawTier struct {
	Below  string `yaml:"below"`
	Credit string `yaml:"credit"`
}

type rawLinear struct {
	Credit   string `yaml:"credit"`
	Per      string `yaml:"per"`
	From     string `yaml:"from"`
	Rounding string `yaml:"rounding"`
}

type rawClaim struct {
	Within string `yaml:"within"`
	From   string `yaml:"from"`
}

type rawEligibility struct {
	GoodStanding bool `yaml:"good_standing"`
	NoTrial      bool `yaml:"no_trial"`
}

type rawPerf struct {
	ID         string   `yaml:"id"`
	Metric     string   `yaml:"metric"`
	Aggregate  string   `yaml:"aggregate"`
	Max        *string  `yaml:"below"`
	Min        *string  `yaml:"at_least"`
	Credit     string   `yaml:"credit"`
	Components []string `yaml:"components"`
	Locations  string   `yaml:"locations"`
}

type rawSupport struct {
	Calendar       string        `yaml:"calendar"`
	Pause          []string      `yaml:"pause"`
	Reopen         string        `yaml:"reopen"`
	PriorityChange string        `yaml:"priority_change"`
	Priorities     []rawPriority `yaml:"priorities"`
}

type rawPriority struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name"`
	Calendar string `yaml:"calendar"`
	// Each target is "2h" or {within: 2h, calendar: always}.
	FirstResponse   yaml.Node `yaml:"first_response"`
	OngoingResponse yaml.Node `yaml:"ongoing_response"`
	UpdateEvery     yaml.Node `yaml:"update_every"`
	Resolution      yaml.Node `yaml:"resolution"`
}

type rawTarget struct {
	Within   string `yaml:"within"`
	Calendar string `yaml:"calendar"`
}

type rawIncidents struct {
	Calendar    string               `yaml:"calendar"`
	UpdateEvery map[string]yaml.Node `yaml:"update_every"`
	Postmortem  *rawPostmortem       `yaml:"postmortem"`
}

type rawPostmortem struct {
	Within     string   `yaml:"within"`
	Calendar   string   `yaml:"calendar"`
	Severities []string `yaml:"severities"`
}

type rawRecovery struct {
	RTO          string `yaml:"rto"`
	RPO          string `yaml:"rpo"`
	MaxDataLoss  string `yaml:"max_data_loss"`
	BackupEvery  string `yaml:"backup_every"`
	RestoreTests int    `yaml:"restore_tests"`
}
