// Package config reads the server's configuration as code: components,
// monitors, policies, customers, subscriptions, agents and API tokens, from
// one YAML file that can be reviewed in git. Secrets never live in it in
// clear: tokens are given as SHA-256 hashes or as the name of an
// environment variable.
package config

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slakeeper/slakeeper/internal/helpdesk"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
	"github.com/slakeeper/slakeeper/internal/yamlpos"
)

// Config is a loaded, validated configuration.
type Config struct {
	// monitorByID indexes Monitors (set by Parse; Monitor scans the list
	// of a Config built otherwise).
	monitorByID map[string]*monitor.Monitor

	File string
	// Demo marks the built-in demo configuration; the server then serves
	// the /demo endpoints its monitors watch.
	Demo          bool
	Server        Server
	Components    []Component
	Monitors      []*monitor.Monitor
	Policies      []*sla.Policy
	Customers     []*sla.Customer
	Subscriptions []*sla.Subscription
	Agents        []Agent
	Tokens        []Token
	// Users are the operators who sign in to the web UI (users.go).
	Users []User
	// Incidents are the incident settings (users.go).
	Incidents Incidents
	// Email is the SMTP server for notification mail; nil when not
	// configured (alerts.go).
	Email *Email
	// Alerts are the operators' alert channels (alerts.go).
	Alerts []Alert
	// StatusPage is the public status page's branding and weighting.
	StatusPage StatusPage
	// Obligations are the incident obligation reminders (maint.go).
	Obligations Obligations
	// Tickets sets the support tickets' breach warnings (maint.go).
	Tickets Tickets
	// Helpdesks are the helpdesk integrations whose webhooks report
	// tickets (helpdesks.go).
	Helpdesks []*helpdesk.Mapping
	// Ledger sets the month-end close (maint.go).
	Ledger Ledger
	// Cluster sets the replicas' membership (maint.go).
	Cluster Cluster
	// BurnAlerts sets the error-budget burn-rate alerts (maint.go).
	BurnAlerts BurnAlerts
}

// Server holds server-wide settings.
type Server struct {
	// Location names the checks this server runs itself.
	Location string
	// ResultsRetention keeps raw check results (default 90 days);
	// EvidenceRetention keeps facts and per-minute aggregates (default
	// 400 days, so that any month a contract may need can be recomputed).
	ResultsRetention  time.Duration
	EvidenceRetention time.Duration
	// PublicURL is the status page's address as the public reaches it
	// (no trailing slash), for the links in notifications (alerts.go).
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client, for the limits per client address.
	TrustedProxies []netip.Prefix
}

// Component is a part of the service as the status page shows it.
type Component struct {
	ID, Name, Group, Description string
	// AutoIncident, when set, opens an incident on a confirmed outage of
	// the component's monitors (maint.go).
	AutoIncident *AutoIncident
}

// Agent is a probe agent allowed to report for a location.
type Agent struct {
	Location string
	Token    Secret
}

// Token is an API token with a role.
type Token struct {
	Name string
	Role string // one of TokenRoles
	Hash Secret
	// Customer is the customer a token of role customer is tied to: it
	// sees that customer's data only.
	Customer string
}

// Secret is the SHA-256 of a token; the token itself is never kept.
type Secret [32]byte

// Matches reports, in constant time, whether token hashes to s.
func (s Secret) Matches(token string) bool {
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], s[:]) == 1
}

type rawConfig struct {
	Server struct {
		Location       string   `yaml:"location"`
		PublicURL      string   `yaml:"public_url"`
		TrustedProxies []string `yaml:"trusted_proxies"`
		Retention      struct {
			Results  string `yaml:"results"`
			Evidence string `yaml:"evidence"`
		} `yaml:"retention"`
	} `yaml:"server"`
	Components    []rawComponent    `yaml:"components"`
	Monitors      []rawMonitor      `yaml:"monitors"`
	Policies      []string          `yaml:"policies"`
	Customers     []rawCustomer     `yaml:"customers"`
	Subscriptions []rawSubscription `yaml:"subscriptions"`
	Agents        []rawAgent        `yaml:"agents"`
	Tokens        []rawToken        `yaml:"tokens"`
	Users         []rawUser         `yaml:"users"`
	Incidents     rawIncidents      `yaml:"incidents"`
	Email         *rawEmail         `yaml:"email"`
	Alerts        []rawAlert        `yaml:"alerts"`
	StatusPage    rawStatusPage     `yaml:"status_page"`
	Obligations   rawObligations    `yaml:"obligations"`
	Tickets       rawTickets        `yaml:"tickets"`
	Helpdesks     []rawHelpdesk     `yaml:"helpdesks"`
	Ledger        rawLedger         `yaml:"ledger"`
	Cluster       rawCluster        `yaml:"cluster"`
	BurnAlerts    rawBurnAlerts     `yaml:"burn_alerts"`
}

type rawComponent struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	Group       string `yaml:"group"`
	Description string `yaml:"description"`
	// AutoIncident opens incidents on confirmed outages (maint.go).
	AutoIncident *rawAutoIncident `yaml:"auto_incident"`
}

type rawSecret struct {
	// SHA256 is the hex SHA-256 of the token; Env names an environment
	// variable that holds the token itself.
	SHA256 string `yaml:"token_sha256"`
	Env    string `yaml:"token_env"`
}

type rawAgent struct {
	Location  string `yaml:"location"`
	rawSecret `yaml:",inline"`
}

type rawToken struct {
	Name      string `yaml:"name"`
	Role      string `yaml:"role"`
	Customer  string `yaml:"customer"`
	rawSecret `yaml:",inline"`
}

type rawMonitor struct {
	ID            string   `yaml:"id"`
	Component     string   `yaml:"component"`
	Type          string   `yaml:"type"`
	Target        string   `yaml:"target"`
	Interval      string   `yaml:"interval"`
	Timeout       string   `yaml:"timeout"`
	Locations     []string `yaml:"locations"`
	FailAfter     int      `yaml:"fail_after"`
	RecoverAfter  int      `yaml:"recover_after"`
	Quorum        int      `yaml:"quorum"`
	SilentAfter   int      `yaml:"silent_after"`
	DegradedAfter string   `yaml:"degraded_after"`
	DownAfter     string   `yaml:"down_after"`
	HTTP          *struct {
		Method          string                          `yaml:"method"`
		Headers         map[string]string               `yaml:"headers"`
		Body            string                          `yaml:"body"`
		ExpectStatus    []string                        `yaml:"expect_status"`
		BodyContains    string                          `yaml:"body_contains"`
		BodyRegex       string                          `yaml:"body_regex"`
		JSON            []struct{ Path, Equals string } `yaml:"json"`
		FollowRedirects *bool                           `yaml:"follow_redirects"`
		MaxRedirects    int                             `yaml:"max_redirects"`
		Insecure        bool                            `yaml:"insecure_skip_verify"`
	} `yaml:"http"`
	DNS *struct {
		RecordType string   `yaml:"record_type"`
		Resolver   string   `yaml:"resolver"`
		Expect     []string `yaml:"expect"`
	} `yaml:"dns"`
	ICMP *struct {
		Count      int     `yaml:"count"`
		MaxLossPct float64 `yaml:"max_loss_pct"`
		Privileged bool    `yaml:"privileged"`
	} `yaml:"icmp"`
	TLS *struct {
		WarnDays   int    `yaml:"warn_days"`
		ServerName string `yaml:"server_name"`
	} `yaml:"tls"`
	Throughput *struct {
		MinMbps float64 `yaml:"min_mbps"`
	} `yaml:"throughput"`
	Heartbeat *struct {
		Grace     string `yaml:"grace"`
		Records   string `yaml:"records"`
		rawSecret `yaml:",inline"`
	} `yaml:"heartbeat"`
}

type rawCustomer struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name"`
	Standing string `yaml:"standing"`
	Contacts []struct {
		Name  string `yaml:"name"`
		Email string `yaml:"email"`
		Role  string `yaml:"role"`
	} `yaml:"contacts"`
}

type rawSubscription struct {
	ID       string `yaml:"id"`
	Customer string `yaml:"customer"`
	Policy   string `yaml:"policy"`
	Plan     string `yaml:"plan"`
	Fee      string `yaml:"fee"`
	Currency string `yaml:"currency"`
	Start    string `yaml:"start"`
	End      string `yaml:"end"`
	Trial    bool   `yaml:"trial"`
	// Class is the customer's class for the policy's class overrides
	// ("enterprise"; docs/facts.md, subscription).
	Class string `yaml:"class"`
	// Set is the custom terms: plan keys (docs/facts.md, subscription).
	Set yaml.Node `yaml:"set"`
}

// Load reads the configuration file at path. Policy files it names are read
// relative to it; getenv resolves token_env secrets.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	dir := filepath.Dir(path)
	return Parse(path, data, getenv, func(name string) (*sla.Policy, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		return policy.Load(name)
	})
}

// Parse parses a configuration. loadPolicy reads a policy named by the
// file; getenv resolves token_env secrets.
func Parse(file string, data []byte, getenv func(string) string, loadPolicy func(string) (*sla.Policy, error)) (*Config, error) {
	var raw rawConfig
	idx, err := yamlpos.Decode(file, data, &raw)
	if err != nil {
		return nil, err
	}
	errs := &yamlpos.Errors{File: file, Idx: idx}
	c := &Config{File: file}
	c.Server.Location = raw.Server.Location
	if c.Server.Location == "" {
		c.Server.Location = monitor.LocalLocation
	} else if !idRE.MatchString(c.Server.Location) {
		errs.Add("server.location", "want a location name such as eu-west, got %q", c.Server.Location)
	}
	c.Server.ResultsRetention = duration(errs, "server.retention.results", raw.Server.Retention.Results, 90*24*time.Hour)
	c.Server.EvidenceRetention = duration(errs, "server.retention.evidence", raw.Server.Retention.Evidence, 400*24*time.Hour)
	if c.Server.EvidenceRetention < c.Server.ResultsRetention {
		errs.Add("server.retention.evidence", "must be at least as long as results retention")
	}

	comps := map[string]bool{}
	for i, rc := range raw.Components {
		p := fmt.Sprintf("components[%d]", i)
		if !idRE.MatchString(rc.ID) {
			errs.Add(p+".id", "want an id, got %q", rc.ID)
			continue
		}
		if comps[rc.ID] {
			errs.Add(p+".id", "component %q is defined twice", rc.ID)
			continue
		}
		comps[rc.ID] = true
		name := rc.Name
		if name == "" {
			name = rc.ID
		}
		c.Components = append(c.Components, Component{ID: rc.ID, Name: name, Group: rc.Group, Description: rc.Description})
	}

	mons := map[string]bool{}
	for i := range raw.Monitors {
		p := fmt.Sprintf("monitors[%d]", i)
		m := monitorOf(errs, p, &raw.Monitors[i], getenv)
		if m == nil {
			continue
		}
		if mons[m.ID] {
			errs.Add(p+".id", "monitor %q is defined twice", m.ID)
			continue
		}
		mons[m.ID] = true
		if len(m.Locations) == 0 {
			// Without locations the server runs (or, for a heartbeat,
			// receives) it itself, under its own location name.
			m.Locations = []string{c.Server.Location}
		} else if m.Type == monitor.TypeHeartbeat {
			errs.Add(p+".locations", "a heartbeat monitor is pushed to the server; it has no locations")
		}
		if !comps[m.Component] {
			errs.Add(p+".component", "unknown component %q (list it under components)", m.Component)
		}
		c.Monitors = append(c.Monitors, m)
	}

	policies := map[string]*sla.Policy{}
	for i, name := range raw.Policies {
		p := fmt.Sprintf("policies[%d]", i)
		pol, err := loadPolicy(name)
		if err != nil {
			errs.Add(p, "%v", err)
			continue
		}
		if policies[pol.ID] != nil {
			errs.Add(p, "policy %q is loaded twice", pol.ID)
			continue
		}
		policies[pol.ID] = pol
		c.Policies = append(c.Policies, pol)
	}

	custs := map[string]bool{}
	for i, rc := range raw.Customers {
		p := fmt.Sprintf("customers[%d]", i)
		if !idRE.MatchString(rc.ID) {
			errs.Add(p+".id", "want an id, got %q", rc.ID)
			continue
		}
		if custs[rc.ID] {
			errs.Add(p+".id", "customer %q is defined twice", rc.ID)
			continue
		}
		custs[rc.ID] = true
		st := sla.Standing(rc.Standing)
		switch st {
		case "":
			st = sla.StandingGood
		case sla.StandingGood, sla.StandingArrears, sla.StandingViolation:
		default:
			errs.Add(p+".standing", "want good, arrears or violation, got %q", rc.Standing)
		}
		cu := &sla.Customer{ID: "customer:" + rc.ID, Customer: rc.ID, Name: rc.Name, Standing: st}
		for j, ct := range rc.Contacts {
			if a, err := mail.ParseAddress(ct.Email); err != nil || a.Address != ct.Email {
				errs.Add(fmt.Sprintf("%s.contacts[%d].email", p, j), "want an e-mail address such as billing@example.com, got %q", ct.Email)
			}
			cu.Contacts = append(cu.Contacts, sla.Contact{Name: ct.Name, Email: ct.Email, Role: ct.Role})
		}
		c.Customers = append(c.Customers, cu)
	}
	subs := map[string]bool{}
	for i, rs := range raw.Subscriptions {
		p := fmt.Sprintf("subscriptions[%d]", i)
		s := &sla.Subscription{ID: rs.ID, Customer: rs.Customer, Policy: rs.Policy, Plan: rs.Plan, Currency: rs.Currency, Trial: rs.Trial, Class: rs.Class}
		if rs.Class != "" && !idRE.MatchString(rs.Class) {
			errs.Add(p+".class", "want a class id such as enterprise, got %q", rs.Class)
		}
		if !idRE.MatchString(rs.ID) || subs[rs.ID] {
			errs.Add(p+".id", "want a unique id, got %q", rs.ID)
			continue
		}
		subs[rs.ID] = true
		if !custs[rs.Customer] {
			errs.Add(p+".customer", "unknown customer %q", rs.Customer)
		}
		pol := policies[rs.Policy]
		if pol == nil {
			errs.Add(p+".policy", "unknown policy %q (list its file under policies)", rs.Policy)
		} else if !hasPlan(pol, rs.Plan) {
			errs.Add(p+".plan", "policy %q has no plan %q", rs.Policy, rs.Plan)
		}
		fee, ok := new(big.Rat).SetString(rs.Fee)
		if !ok || fee.Sign() < 0 || !feeRE.MatchString(rs.Fee) {
			errs.Add(p+".fee", "want the fee for one period such as \"1200.00\", got %q", rs.Fee)
		}
		s.Fee = fee
		if s.Currency == "" {
			s.Currency = "EUR"
		} else if !sla.ValidCurrency(s.Currency) {
			errs.Add(p+".currency", "want an ISO 4217 code such as EUR or USD, got %q", rs.Currency)
		}
		var err error
		if s.Start, err = time.Parse(time.RFC3339, rs.Start); err != nil {
			errs.Add(p+".start", "want an RFC 3339 time, got %q", rs.Start)
		}
		if rs.End != "" {
			if s.End, err = time.Parse(time.RFC3339, rs.End); err != nil || !s.End.After(s.Start) {
				errs.Add(p+".end", "want an RFC 3339 time after start, got %q", rs.End)
			}
		}
		if !rs.Set.IsZero() {
			var err error
			if s.Set, err = policy.SetNodeJSON(&rs.Set); err != nil {
				_, msg := sla.FirstInput(err)
				errs.Add(p+".set", "%s", msg)
			} else if pol != nil {
				if err := pol.CheckSet(s); err != nil {
					field, msg := sla.FirstInput(err)
					errs.Add(p+"."+cmp.Or(field, "set"), "%s", msg)
				}
			}
		}
		for _, o := range c.Subscriptions {
			if _, b := sla.Overlap([]*sla.Subscription{o, s}); b != nil {
				errs.Add(p+".start", "subscription %s overlaps %s of the same customer and policy; end one where the other starts", s.ID, o.ID)
				break
			}
		}
		c.Subscriptions = append(c.Subscriptions, s)
	}
	for i, ra := range raw.Agents {
		p := fmt.Sprintf("agents[%d]", i)
		if !idRE.MatchString(ra.Location) {
			errs.Add(p+".location", "want a location name, got %q", ra.Location)
			continue
		}
		sec, ok := secret(errs, p, ra.rawSecret, getenv)
		if ok {
			c.Agents = append(c.Agents, Agent{Location: ra.Location, Token: sec})
		}
	}
	for i, rt := range raw.Tokens {
		p := fmt.Sprintf("tokens[%d]", i)
		if !slices.Contains(TokenRoles, rt.Role) {
			errs.Add(p+".role", "want one of %s, got %q", strings.Join(TokenRoles, ", "), rt.Role)
			continue
		}
		switch {
		case rt.Role == "customer" && strings.TrimSpace(rt.Customer) == "":
			errs.Add(p+".customer", "required for role customer: the customer id whose data the token may read")
			continue
		case rt.Role != "customer" && rt.Customer != "":
			errs.Add(p+".customer", "only for role customer (the token has role %s)", rt.Role)
			continue
		}
		sec, ok := secret(errs, p, rt.rawSecret, getenv)
		if ok {
			c.Tokens = append(c.Tokens, Token{Name: rt.Name, Role: rt.Role, Hash: sec, Customer: rt.Customer})
		}
	}
	c.Users = parseUsers(errs, raw.Users, c.Tokens, getenv)
	c.Incidents = parseIncidents(errs, raw.Incidents, c.Policies)
	parseAutoIncidents(errs, raw.Components, c) // maint.go
	c.Obligations = parseObligations(errs, raw.Obligations)
	c.Tickets = parseTickets(errs, raw.Tickets)
	c.Ledger = Ledger{Settle: duration(errs, "ledger.settle", raw.Ledger.Settle, 72*time.Hour),
		Every: duration(errs, "ledger.every", raw.Ledger.Every, 10*time.Minute), Off: raw.Ledger.Off}
	c.Cluster = parseCluster(errs, raw.Cluster)
	c.BurnAlerts = parseBurnAlerts(errs, raw.BurnAlerts)
	c.Helpdesks = parseHelpdesks(errs, raw.Helpdesks, c.Policies, getenv)
	c.Server.PublicURL = parsePublicURL(errs, raw.Server.PublicURL)
	c.Server.TrustedProxies = parseProxies(errs, raw.Server.TrustedProxies)
	c.Email = parseEmail(errs, raw.Email, getenv)
	c.Alerts = parseAlerts(errs, raw.Alerts, c.Email, getenv)
	c.StatusPage = statusPageOf(errs, raw.StatusPage, c.Components)
	// One address for the page: either key gives it to both.
	switch sp := &c.StatusPage; {
	case sp.PublicURL == "":
		sp.PublicURL = c.Server.PublicURL
	case c.Server.PublicURL == "":
		c.Server.PublicURL = sp.PublicURL
	case c.Server.PublicURL != sp.PublicURL:
		errs.Add("status_page.public_url", "differs from server.public_url (%s); give the page's address once", c.Server.PublicURL)
	}
	if c.Email != nil && c.Server.PublicURL == "" {
		// Without it the links of a mail (confirm, unsubscribe) would be
		// built on the Host header of the request that asked for it,
		// which its sender chooses: a confirmation link to their host.
		errs.Add("server.public_url", "needed with email: the links in mail are built on it (set server.public_url or status_page.public_url)")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	c.monitorByID = make(map[string]*monitor.Monitor, len(c.Monitors))
	for _, m := range c.Monitors {
		c.monitorByID[m.ID] = m
	}
	return c, nil
}

func hasPlan(p *sla.Policy, plan string) bool {
	for _, v := range p.Versions {
		if v.Plans[plan] != nil {
			return true
		}
	}
	return false
}

var (
	idRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$`)
	feeRE = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,6})?$`)
)

// duration reads "500ms", "90s", "1h30m" or "400d" (timeline.ParseDuration).
func duration(errs *yamlpos.Errors, path, s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	days, rest, err := timeline.ParseDuration(s, true)
	switch {
	case errors.Is(err, timeline.ErrLongDuration):
		errs.Add(path, "too long (at most %dd): %q", timeline.MaxDays, s)
		return def
	case err != nil:
		errs.Add(path, "want a duration such as 30s, 5m, 2h or 90d, got %q", s)
		return def
	}
	d := time.Duration(days)*24*time.Hour + rest
	if d <= 0 {
		errs.Add(path, "must be longer than zero")
		return def
	}
	return d
}

func secret(errs *yamlpos.Errors, path string, r rawSecret, getenv func(string) string) (Secret, bool) {
	var s Secret
	switch {
	case r.SHA256 != "" && r.Env != "":
		errs.Add(path, "give token_sha256 or token_env, not both")
	case r.SHA256 != "":
		b, err := hex.DecodeString(r.SHA256)
		if err != nil || len(b) != 32 {
			errs.Add(path+".token_sha256", "want 64 hex digits (sha256sum of the token)")
			return s, false
		}
		copy(s[:], b)
		return s, true
	case r.Env != "":
		tok := getenv(r.Env)
		if len(tok) < 16 {
			// The value itself is never printed: it is a secret.
			errs.Add(path+".token_env", "environment variable %s must hold a token of at least 16 characters", r.Env)
			return s, false
		}
		return sha256.Sum256([]byte(tok)), true
	default:
		errs.Add(path, "give token_sha256 (hex SHA-256 of the token) or token_env (a variable holding it)")
	}
	return s, false
}

var types = map[string]bool{monitor.TypeHTTP: true, monitor.TypeTCP: true, monitor.TypeDNS: true, monitor.TypeICMP: true, monitor.TypeTLS: true, monitor.TypeThroughput: true, monitor.TypeHeartbeat: true}

func monitorOf(errs *yamlpos.Errors, p string, r *rawMonitor, getenv func(string) string) *monitor.Monitor {
	before := len(errs.List)
	if !idRE.MatchString(r.ID) {
		errs.Add(p+".id", "want an id, got %q", r.ID)
		return nil
	}
	m := &monitor.Monitor{ID: r.ID, Component: r.Component, Type: r.Type, Target: r.Target, Locations: r.Locations,
		FailAfter: r.FailAfter, RecoverAfter: r.RecoverAfter, Quorum: r.Quorum, SilentAfter: r.SilentAfter}
	if !types[r.Type] {
		errs.Add(p+".type", "want http, tcp, dns, icmp, tls, throughput or heartbeat, got %q", r.Type)
	}
	m.Interval = duration(errs, p+".interval", r.Interval, time.Minute)
	if m.Interval < time.Second {
		errs.Add(p+".interval", "must be at least 1s")
	}
	m.Timeout = duration(errs, p+".timeout", r.Timeout, min(m.Interval, 10*time.Second))
	if m.Timeout > m.Interval && r.Type != monitor.TypeHeartbeat {
		errs.Add(p+".timeout", "must not be longer than the interval (%s)", m.Interval)
	}
	if r.DegradedAfter != "" {
		m.DegradedAfter = duration(errs, p+".degraded_after", r.DegradedAfter, 0)
	}
	if r.DownAfter != "" {
		m.DownAfter = duration(errs, p+".down_after", r.DownAfter, 0)
	}
	if m.FailAfter == 0 {
		m.FailAfter = 2
	}
	if m.RecoverAfter == 0 {
		m.RecoverAfter = 2
	}
	if m.FailAfter < 0 || m.RecoverAfter < 0 || m.FailAfter > 100 || m.RecoverAfter > 100 {
		errs.Add(p, "fail_after and recover_after must be between 1 and 100")
	}
	seen := map[string]bool{}
	for j, l := range r.Locations {
		if !idRE.MatchString(l) || seen[l] {
			errs.Add(fmt.Sprintf("%s.locations[%d]", p, j), "want a unique location name, got %q", l)
		}
		seen[l] = true
	}
	n := max(1, len(r.Locations))
	if m.Quorum < 0 || m.Quorum > n {
		errs.Add(p+".quorum", "must be between 1 and the number of locations (%d); 0 means a majority", n)
	}
	if m.SilentAfter < 0 {
		errs.Add(p+".silent_after", "want a number of intervals, 1 or more (0 or absent: %d)", 3)
	}
	switch r.Type {
	case monitor.TypeHTTP, monitor.TypeThroughput:
		u, err := url.Parse(r.Target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.Add(p+".target", "want an http:// or https:// URL, got %q", r.Target)
		}
	case monitor.TypeTCP, monitor.TypeTLS:
		if _, _, err := net.SplitHostPort(r.Target); err != nil {
			errs.Add(p+".target", "want host:port, got %q", r.Target)
		}
	case monitor.TypeDNS, monitor.TypeICMP:
		if r.Target == "" || strings.ContainsAny(r.Target, "/ ") {
			errs.Add(p+".target", "want a host name, got %q", r.Target)
		}
	case monitor.TypeHeartbeat:
		if r.Target != "" {
			errs.Add(p+".target", "a heartbeat monitor has no target: the job calls POST /api/v1/heartbeat/%s", r.ID)
		}
	}
	if h := r.HTTP; h != nil {
		spec := &monitor.HTTPSpec{Method: strings.ToUpper(h.Method), Headers: h.Headers, Body: h.Body, BodyContains: h.BodyContains, BodyRegex: h.BodyRegex,
			FollowRedirects: true, MaxRedirects: h.MaxRedirects, InsecureSkipVerify: h.Insecure}
		if h.FollowRedirects != nil {
			spec.FollowRedirects = *h.FollowRedirects
		}
		for j, es := range h.ExpectStatus {
			codes, ok := statusCodes(es)
			if !ok {
				errs.Add(fmt.Sprintf("%s.http.expect_status[%d]", p, j), "want a status code or range such as 200 or 200-299, got %q", es)
			}
			spec.ExpectStatus = append(spec.ExpectStatus, codes...)
		}
		if h.BodyRegex != "" {
			if _, err := regexp.Compile(h.BodyRegex); err != nil {
				errs.Add(p+".http.body_regex", "%v", err)
			}
		}
		for _, j := range h.JSON {
			spec.JSON = append(spec.JSON, monitor.JSONAssert{Path: j.Path, Equals: j.Equals})
		}
		m.HTTP = spec
	}
	if d := r.DNS; d != nil {
		m.DNS = &monitor.DNSSpec{RecordType: strings.ToUpper(d.RecordType), Resolver: d.Resolver, Expect: d.Expect}
		switch m.DNS.RecordType {
		case "":
			m.DNS.RecordType = "A"
		case "A", "AAAA", "CNAME", "MX", "TXT", "NS":
		default:
			errs.Add(p+".dns.record_type", "want A, AAAA, CNAME, MX, TXT or NS, got %q", d.RecordType)
		}
	}
	if i := r.ICMP; i != nil {
		m.ICMP = &monitor.ICMPSpec{Count: i.Count, MaxLossPct: i.MaxLossPct, Privileged: i.Privileged}
	}
	if t := r.TLS; t != nil {
		m.TLS = &monitor.TLSSpec{WarnDays: t.WarnDays, ServerName: t.ServerName}
	}
	if t := r.Throughput; t != nil {
		m.Throughput = &monitor.ThroughputSpec{MinMbps: t.MinMbps}
	}
	if r.Type == monitor.TypeHeartbeat {
		if r.Heartbeat == nil {
			errs.Add(p+".heartbeat", "a heartbeat monitor needs heartbeat: {grace: 5m, token_env: VAR}")
		} else {
			hb := &monitor.HeartbeatSpec{Grace: duration(errs, p+".heartbeat.grace", r.Heartbeat.Grace, m.Interval/2), Records: r.Heartbeat.Records}
			switch hb.Records {
			case "", monitor.RecordsBackup, monitor.RecordsRestoreTest:
			default:
				errs.Add(p+".heartbeat.records", "want backup or restore_test (what each call of the job is evidence of), got %q", hb.Records)
			}
			if sec, ok := secret(errs, p+".heartbeat", r.Heartbeat.rawSecret, getenv); ok {
				hb.TokenSHA256 = hex.EncodeToString(sec[:])
			}
			m.Heartbeat = hb
		}
	}
	if len(errs.List) > before {
		return nil
	}
	return m
}

// statusCodes reads "200" or "200-299".
func statusCodes(s string) ([]int, bool) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi := lo
	var err2 error
	if isRange {
		hi, err2 = strconv.Atoi(strings.TrimSpace(b))
	}
	if err1 != nil || err2 != nil || lo < 100 || hi > 599 || hi < lo {
		return nil, false
	}
	out := make([]int, 0, hi-lo+1)
	for c := lo; c <= hi; c++ {
		out = append(out, c)
	}
	return out, true
}

// Facts renders the configured customers and subscriptions as evidence
// facts, so that an export carries the whole contract state.
func (c *Config) Facts() *sla.Evidence {
	return &sla.Evidence{Customers: c.Customers, Subscriptions: c.Subscriptions}
}

// Monitor returns the monitor with id, or nil: a map lookup, since every
// check result asks it.
func (c *Config) Monitor(id string) *monitor.Monitor {
	if c.monitorByID != nil {
		return c.monitorByID[id]
	}
	for _, m := range c.Monitors {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// StatusPage is the public status page's configuration.
type StatusPage struct {
	// Title names the page (default "Service status").
	Title string
	// PublicURL is the page's absolute base URL, without a trailing
	// slash; feeds and messages link to it. Empty: the address a request
	// came to. It and Server.PublicURL are one setting under two keys.
	PublicURL string
	// LogoURL is an image shown beside the title.
	LogoURL string
	// Brand and BrandDark are #rrggbb colours for links and the header
	// accent, in the light and the dark scheme; empty keeps the defaults.
	Brand, BrandDark string
	Links            []StatusPageLink
	// TimeZone is the zone of the page's days and times (default UTC).
	TimeZone *time.Location
	// Weights give each status its share of downtime in thousandths;
	// Removed statuses are left out of the uptime figures.
	Weights map[sla.Status]int64
	Removed map[sla.Status]bool
	// GroupsCollapsed starts the component groups closed, each showing
	// its worst status; a visitor opens them.
	GroupsCollapsed bool
	// ResponseTimeCharts are the components whose response time the page
	// draws, over ResponseTimeSpan (default 24 hours).
	ResponseTimeCharts []string
	ResponseTimeSpan   time.Duration
}

// StatusPageLink is a link in the status page's header.
type StatusPageLink struct {
	Label, URL string
}

type rawStatusPage struct {
	Title     string `yaml:"title"`
	PublicURL string `yaml:"public_url"`
	LogoURL   string `yaml:"logo_url"`
	Colors    struct {
		Brand     string `yaml:"brand"`
		BrandDark string `yaml:"brand_dark"`
	} `yaml:"colors"`
	Links []struct {
		Label string `yaml:"label"`
		URL   string `yaml:"url"`
	} `yaml:"links"`
	TimeZone string `yaml:"time_zone"`
	// UptimeWeights maps a status to a weight from 0 to 1 or "excluded".
	UptimeWeights map[string]string `yaml:"uptime_weights"`
	// GroupsCollapsed starts the groups closed.
	GroupsCollapsed bool `yaml:"groups_collapsed"`
	// ResponseTimeCharts lists components whose response time is drawn.
	ResponseTimeCharts struct {
		Components []string `yaml:"components"`
		Span       string   `yaml:"span"`
	} `yaml:"response_time_charts"`
}

// DefaultUptimeWeights are the status page's weights when the
// configuration gives none: a major outage is fully down, a partial outage
// 30 % down (as Atlassian Statuspage counts it), degraded performance up.
var DefaultUptimeWeights = map[sla.Status]int64{sla.MajorOutage: 1000, sla.PartialOutage: 300, sla.Degraded: 0}

var (
	colorRE  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	weightRE = regexp.MustCompile(`^(0(\.[0-9]{1,3})?|1(\.0{1,3})?)$`)
)

// The backgrounds the brand colours are shown on (style.css), light and
// dark: page and card.
var (
	lightBackgrounds = []string{"#ffffff", "#f6f6f6"}
	darkBackgrounds  = []string{"#0f1115", "#1a1d23"}
)

func statusPageOf(errs *yamlpos.Errors, r rawStatusPage, comps []Component) StatusPage {
	const p = "status_page"
	sp := StatusPage{Title: strings.TrimSpace(r.Title), LogoURL: r.LogoURL, Brand: r.Colors.Brand, BrandDark: r.Colors.BrandDark,
		TimeZone: time.UTC, Weights: map[sla.Status]int64{}, Removed: map[sla.Status]bool{sla.UnderMaintenance: true}}
	if sp.Title == "" {
		sp.Title = "Service status"
	}
	if r.PublicURL != "" {
		u, err := url.Parse(r.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			errs.Add(p+".public_url", "want an absolute http:// or https:// URL such as https://status.example.com, got %q", r.PublicURL)
		} else {
			sp.PublicURL = strings.TrimSuffix(r.PublicURL, "/")
		}
	}
	if r.LogoURL != "" && !pageURL(r.LogoURL) {
		errs.Add(p+".logo_url", "want an http:// or https:// URL or a path starting with /, got %q", r.LogoURL)
	}
	for _, c := range []struct {
		field, val string
		bgs        []string
	}{{"brand", r.Colors.Brand, lightBackgrounds}, {"brand_dark", r.Colors.BrandDark, darkBackgrounds}} {
		if c.val == "" {
			continue
		}
		if !colorRE.MatchString(c.val) {
			errs.Add(p+".colors."+c.field, "want a colour as #rrggbb, got %q", c.val)
			continue
		}
		// Links are drawn in this colour: WCAG asks 4.5:1 against the
		// backgrounds for text.
		for _, bg := range c.bgs {
			if cr := contrast(c.val, bg); cr < 4.5 {
				errs.Add(p+".colors."+c.field, "%s has a contrast of %.1f:1 against the background %s; links need at least 4.5:1", c.val, cr, bg)
				break
			}
		}
	}
	for i, l := range r.Links {
		lp := fmt.Sprintf("%s.links[%d]", p, i)
		if strings.TrimSpace(l.Label) == "" {
			errs.Add(lp+".label", "want the link's text")
		}
		if !pageURL(l.URL) {
			errs.Add(lp+".url", "want an http:// or https:// URL or a path starting with /, got %q", l.URL)
		}
		sp.Links = append(sp.Links, StatusPageLink{Label: strings.TrimSpace(l.Label), URL: l.URL})
	}
	if r.TimeZone != "" {
		loc, err := time.LoadLocation(r.TimeZone)
		if err != nil || r.TimeZone == "Local" {
			errs.Add(p+".time_zone", "want an IANA time zone such as Europe/Paris, got %q", r.TimeZone)
		} else {
			sp.TimeZone = loc
		}
	}
	for st, w := range DefaultUptimeWeights {
		sp.Weights[st] = w
	}
	for _, name := range slices.Sorted(maps.Keys(r.UptimeWeights)) {
		v := r.UptimeWeights[name]
		wp := p + ".uptime_weights." + name
		st := sla.Status(name)
		if st.Rank() <= 0 {
			errs.Add(wp, "want degraded_performance, under_maintenance, partial_outage or major_outage")
			continue
		}
		switch {
		case v == "excluded":
			sp.Removed[st] = true
			delete(sp.Weights, st)
		case weightRE.MatchString(v):
			w, _ := new(big.Rat).SetString(v)
			w.Mul(w, big.NewRat(1000, 1))
			sp.Weights[st] = w.Num().Int64()
			delete(sp.Removed, st)
		default:
			errs.Add(wp, "want a weight from 0 to 1 (at most 3 decimals) or excluded, got %q", v)
		}
	}
	sp.GroupsCollapsed = r.GroupsCollapsed
	rt := r.ResponseTimeCharts
	for i, id := range rt.Components {
		if !slices.ContainsFunc(comps, func(c Component) bool { return c.ID == id }) {
			errs.Add(fmt.Sprintf("%s.response_time_charts.components[%d]", p, i), "no component %q", id)
			continue
		}
		sp.ResponseTimeCharts = append(sp.ResponseTimeCharts, id)
	}
	sp.ResponseTimeSpan = 24 * time.Hour
	if rt.Span != "" {
		d, err := time.ParseDuration(rt.Span)
		// Hourly means at least, a week at most: the chart reads the
		// stored minutes of the span on every refresh.
		if err != nil || d < time.Hour || d > 7*24*time.Hour {
			errs.Add(p+".response_time_charts.span", "want a duration from 1h to 168h such as 24h, got %q", rt.Span)
		} else {
			sp.ResponseTimeSpan = d
		}
	}
	return sp
}

// pageURL reports whether s is an http(s) URL or a path on the page's
// own host, fit for a link or an image on the status page.
func pageURL(s string) bool {
	// Browsers read a backslash as a slash: "/\host" is another site.
	if strings.ContainsAny(s, "\\\t\r\n") {
		return false
	}
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	var l float64
	for i, k := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += k * c
	}
	return l
}

// parseProxies checks server.trusted_proxies: addresses or CIDR prefixes.
func parseProxies(errs *yamlpos.Errors, raw []string) []netip.Prefix {
	var out []netip.Prefix
	for i, v := range raw {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				errs.Add(fmt.Sprintf("server.trusted_proxies[%d]", i), "want an IP address or a CIDR prefix such as 10.0.0.0/8, got %q", v)
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out
}
