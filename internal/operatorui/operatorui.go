// Package operatorui renders the operators' web pages under /admin: sign-in,
// the dashboard of open incidents and their obligations, and the forms that
// open, update, resolve and attribute incidents, publish post-mortems,
// schedule maintenance, declare disasters and manage subscribers, with their delivery logs. The pages are plain HTML forms that work without
// JavaScript. Like the status page, it is pure rendering: the templates are
// embedded and parsed once, so a broken one fails at start-up.
package operatorui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/admin.css
var styleCSS []byte

var styleHash = func() string {
	sum := sha256.Sum256(styleCSS)
	return hex.EncodeToString(sum[:])[:16]
}()

// StylePath is the path of the operator pages' style sheet; it changes
// with the sheet, so it can be cached for a year.
func StylePath() string { return "/admin/static/" + styleHash + "/admin.css" }

// Page is what every operator page has.
type Page struct {
	// Title heads the page.
	Title string
	// User is the signed-in user; empty on the sign-in page.
	User string
	// Flash is the outcome of the last action, shown once.
	Flash string
	// Form holds the entered values and the errors of the page's form.
	Form Form
	Now  time.Time
	// Portal marks a page of the customer portal (/portal), for Account,
	// the customer's name: its own header and links.
	Portal  bool
	Account string
	// May holds the permissions of the signed-in user's role (by name,
	// "incidents:write"): the navigation shows only what it may open.
	May map[string]bool
}

// Form is a submitted form: the values as entered, to show them again, and
// the error of each field that has one. Error fields are named as the API
// names them ("components.api", "severity").
type Form struct {
	// Name is the form the values belong to, when a page has several.
	Name   string
	Values map[string]string
	Errors map[string]string
	// Checked holds the ticked checkboxes as "name=value".
	Checked map[string]bool
	// Defaults are the values a form shows when it is not the submitted
	// one, keyed "form/name" (an update form shows the current status).
	Defaults map[string]string
}

// Value returns the entered value of a field.
func (f Form) Value(field string) string { return f.Values[field] }

// Error returns the error of a field.
func (f Form) Error(field string) string { return f.Errors[field] }

// IsChecked reports whether the checkbox name=value of the form called
// form is ticked: as submitted, or by default ("form/name=value" in
// Checked) when the form was not the one submitted.
func (f Form) IsChecked(form, name, value string) bool {
	if f.Name == form {
		return f.Checked[name+"="+value]
	}
	return f.Checked[form+"/"+name+"="+value]
}

// Field is one input of a form as a template shows it.
type Field struct {
	// ID is the element id: the form's name and the field's.
	ID, Name, Value, Error string
}

// Field returns the input name of the form called form (its values and
// error only when the submitted form was that one).
func (f Form) Field(form, name string) Field {
	fl := Field{ID: form + "-" + nonID.ReplaceAllString(name, "_"), Name: name}
	if f.Name == form {
		fl.Value, fl.Error = f.Values[name], f.Errors[name]
	} else {
		fl.Value = f.Defaults[form+"/"+name]
	}
	return fl
}

// Option is one choice of a select or a set of checkboxes.
type Option struct{ Value, Label string }

// SignIn is the sign-in page.
type SignIn struct {
	Page
	// Next is where to go after signing in (a local path).
	Next string
}

// Dashboard is the operators' home page.
type Dashboard struct {
	Page
	Open        []IncidentRow
	Resolved    []IncidentRow
	Maintenance []MaintenanceRow
	// HasObligations tells whether obligations are known at all (the
	// policies define any).
	HasObligations bool
	// Outages are the confirmed outages no open incident covers, each
	// with the link that opens one prefilled.
	Outages []OutageRow
	// Notices are what the operators must act on that would otherwise be
	// only a log line (a refused configuration, a replay conflict, a
	// silent agent), the newest first.
	Notices []Notice
}

// Notice is one thing an operator must act on.
type Notice struct {
	// Kind is reload_refused, replay_conflict or agent_silent.
	Kind, Title, Detail string
	At                  time.Time
	Monitor             string
	// Doc is the operations guide's section that explains it (a path
	// under docs/).
	Doc string
}

// OutageRow is a monitor's confirmed outage without an incident.
type OutageRow struct {
	Monitor, Component, ComponentName, Message string
	Since                                      time.Time
	// Open is the prefilled "open an incident" link.
	Open string
}

// IncidentRow is one incident in a list.
type IncidentRow struct {
	ID, Title, Severity, Status string
	Opened, Resolved            time.Time
	// Obligations are the due times of the incident's obligations.
	Obligations []Obligation
}

// Obligation is one thing an incident owes customers by a time (an
// update, a post-mortem).
type Obligation struct {
	Title   string
	Due     time.Time
	Met     bool
	MetAt   time.Time
	Overdue bool
}

// impactsView is the component impact selects of one form.
type impactsView struct {
	IncidentForm
	FormName, Legend string
}

// obligationsView is a list of obligations as the "obligations" template
// shows it.
type obligationsView struct {
	Now   time.Time
	List  []Obligation
	Known bool
}

// MaintenanceRow is one upcoming or ongoing maintenance window.
type MaintenanceRow struct {
	ID, Title, State string
	Components       []string
	Start, End       time.Time
	// Series is the recurring series the window belongs to, if any.
	Series string
}

// IncidentForm is the page that opens an incident.
type IncidentForm struct {
	Page
	Severities []string
	Statuses   []Option
	Causes     []Option
	Impacts    []Option
	Components []Option
}

// IncidentPage is one incident with its forms.
type IncidentPage struct {
	IncidentForm
	Incident IncidentView
	// CanPostmortem shows the post-mortem form.
	CanPostmortem bool
}

// IncidentView is an incident as the operator page shows it.
type IncidentView struct {
	ID, Title, Severity, Status, Cause string
	Opened                             time.Time
	Resolved                           time.Time
	// Impacts are the current impacts, by component name.
	Impacts      []Impact
	Updates      []UpdateView
	Attributions []AttributionView
	Postmortems  []PostmortemView
	Obligations  []Obligation
}

// Impact is a component's impact.
type Impact struct{ Component, Status string }

// UpdateView is one update, oldest first.
type UpdateView struct {
	At              time.Time
	Status, Message string
	Impacts         []string
}

// AttributionView is one audited attribution.
type AttributionView struct {
	At, Start, End    time.Time
	Cause, By, Reason string
	Components        []string
}

// PostmortemView is one published post-mortem.
type PostmortemView struct {
	At                  time.Time
	Title, Summary, URL string
}

// MaintenanceForm is the page that schedules maintenance.
type MaintenanceForm struct {
	Page
	Components []Option
	// Warnings are the notice warnings of the window just scheduled.
	Warnings []string
}

// Subscribers is the page of status page subscribers, with the form that
// adds a webhook or Slack subscriber.
type Subscribers struct {
	Page
	List []SubscriberRow
	// Alerts are the operator alert channels, whose delivery logs are
	// shown like a subscriber's.
	Alerts     []AlertRow
	Components []Option
	// Added is the subscriber just added; Secret its webhook signing
	// secret, shown this once.
	Added  *SubscriberRow
	Secret string
}

// SubscriberRow is one subscriber.
type SubscriberRow struct {
	ID, Kind, Address string
	// Components are the names of the chosen components; empty: all.
	Components             []string
	CreatedAt, ConfirmedAt time.Time
}

// AlertRow is one operator alert channel.
type AlertRow struct{ Name, Kind, Recipient string }

// Deliveries is the delivery log of a subscriber or an alert channel.
type Deliveries struct {
	Page
	Recipient string
	// Subscriber is nil for a deleted subscriber or an alert channel
	// (Alert then names it).
	Subscriber *SubscriberRow
	Alert      string
	Attempts   []AttemptRow
	// Limit is how many attempts are shown at most.
	Limit int
}

// AttemptRow is one delivery attempt, with the state of its notification
// now, or a notification queued and not tried yet (Queued: At is when it
// was queued).
type AttemptRow struct {
	At                       time.Time
	Queued                   bool
	OK                       bool
	Code                     int
	Error                    string
	Duration                 time.Duration
	Outbound, Event, Channel string
	// State is the notification's: pending (NextAt: its next attempt),
	// delivered or failed; empty when it is no longer stored.
	State  string
	NextAt time.Time
}

// SubscriberRemove asks to confirm removing a subscriber.
type SubscriberRemove struct {
	Page
	Subscriber SubscriberRow
}

// Message is a page that only says something (an expired session).
type Message struct {
	Page
	Text string
	Link string
}

// Disasters is the disasters page: each declared disaster with its
// recovery and the objectives of the plans covering it, and the form to
// declare one.
type Disasters struct {
	Page
	List       []DisasterRow
	Components []Option
}

// DisasterRow is one disaster as the page shows it.
type DisasterRow struct {
	ID, Title, Component string
	Declared             time.Time
	// Restored is zero while the disaster lasts.
	Restored time.Time
	// Recovery is restored − declared, or now − declared while it lasts.
	Recovery time.Duration
	// LastBackup is zero when no successful backup precedes it; DataLoss
	// is the declaration − LastBackup.
	LastBackup time.Time
	DataLoss   time.Duration
	Objectives []ObjectiveRow
}

// ObjectiveRow is one plan's RTO and RPO for a disaster; a zero duration
// is no objective. The states are met, breached, running or none.
type ObjectiveRow struct {
	Policy, Plan       string
	RTO, RPO           time.Duration
	RTOState, RPOState string
}

// Reports is the reports page: the reports of one period, each
// subscription's figures expandable into the intervals and facts behind
// them.
type Reports struct {
	Page
	// Base is the page's path (/admin/reports, /portal/reports); Print
	// shows the evidence behind the figures open, for a printed report.
	Base  string
	Print bool
	// Period is the one shown ("2026-11"); Prev and Next the months
	// around it; Error why the period asked for is refused.
	Period, Prev, Next string
	Error              string
	AsOf               time.Time
	Reports            []*sla.Report
}

// Tickets is the support lead's list: the tickets with their live clocks
// and the filter in force, with the values to choose from.
type Tickets struct {
	Page
	// Base is the list's path (/admin/tickets, /portal/tickets).
	Base string
	List []TicketRow
	// Unmatched are the tickets no plan covers, with the reason.
	Unmatched                    []Unmatched
	All                          bool
	Customer, Plan, Priority     string
	Customers, Plans, Priorities []string
}

// Unmatched is a ticket without clocks: its customer is unknown, has no
// subscription, or its plan has no support targets.
type Unmatched struct {
	Ticket, Subject, Customer, Priority, Source, Reason string
	Opened                                              time.Time
	Flags                                               []string
}

// Customers is the customers page: every customer with its standing and
// subscriptions, and the forms to create and change them.
type Customers struct {
	Page
	List []CustomerView
	// Plans are "policy/plan" choices for a new subscription.
	Plans []string
}

// CustomerView is one customer on the customers page.
type CustomerView struct {
	ID, Name, Source, Standing string
	// Contacts are "Name <email>, role" lines.
	Contacts      []string
	History       []StandingView
	Subscriptions []SubscriptionView
}

// StandingView is a standing from a time (From empty: from the start).
type StandingView struct {
	From     *time.Time
	Standing string
}

// SubscriptionView is one subscription on the customers page.
type SubscriptionView struct {
	ID, Policy, Plan, Fee, Currency, Source string
	Start                                   time.Time
	End                                     *time.Time
	Trial                                   bool
	// Set is the custom terms as JSON, SetYAML as the form edits them.
	Set, SetYAML string
}

// PortalSubscriptions are a customer's own status notifications.
type PortalSubscriptions struct {
	Page
	List []PortalSubscriber
	// Secret is a new webhook's signing secret, shown once.
	Secret, SecretFor string
	Components        []Option
}

// PortalSubscriber is one of a customer's subscribers.
type PortalSubscriber struct {
	ID, Kind, Address string
	Components        []string
	Confirmed         bool
	CreatedAt         time.Time
}

// Users is the users page: every account and the invitation form.
type Users struct {
	Page
	List []UserView
	// Link is an invitation link to pass on when the mail could not be
	// sent (MailError says why).
	Link, MailError string
	Roles           []string
}

// UserView is one account.
type UserView struct {
	Name, Role, Customer, Source, State, CreatedBy string
}

// Invite is the page where an invited user sets a password.
type Invite struct {
	Page
	Token string
	Done  bool
}

// PortalHome is a customer's overview: its subscriptions with this
// period's figures so far.
type PortalHome struct {
	Page
	Period        string
	Subscriptions []PortalSubscription
	OpenTickets   int
	Breached      int
}

// PortalSubscription is one subscription in the portal: its terms and
// the period so far (Report nil when no policy reports it).
type PortalSubscription struct {
	*sla.Subscription
	Policy string
	// Objective in words ("99.9 % uptime per month, Europe/Berlin").
	Terms string
	// Promises are the plan's terms in words, a sentence each.
	Promises []string
	// Covered is how much of the period so far the provider's
	// monitoring covered, per component ("api 20,160 min").
	Covered []string
	Report  *sla.SubscriptionReport
	// AllowedMinutes is the liable downtime the objective allows over the
	// whole period; LeftMinutes what is left of it (negative: exceeded).
	AllowedMinutes, UsedMinutes, LeftMinutes float64
	// NextTier is the credit the period reaches with more than its
	// MinutesLeft more downtime.
	NextTier *sla.NextTier
}

// TicketRow is a live ticket; Breached when any of its clocks is.
type TicketRow struct {
	*sla.LiveTicket
	Breached bool
}

// Targets is the month view: targets met and breached per plan,
// priority and metric of the tickets opened in Period.
type Targets struct {
	Page
	Period, Error string
	Rows          []TargetRow
}

// TargetRow counts one plan's, priority's and metric's targets.
type TargetRow struct {
	Policy, Plan, Priority, Metric string
	Met, Breached, Pending         int
}

// TicketPage is one ticket: its clocks and its events.
type TicketPage struct {
	Page
	Ticket *sla.LiveTicket
	// Unmatched, for a ticket no plan covers, says why it has no clocks.
	Unmatched string
	Events    []TicketEvent
}

// TicketEvent is one event of a ticket.
type TicketEvent struct {
	ID, Kind, Status, Priority string
	At                         time.Time
}

// Renderer renders the operator pages.
type Renderer struct {
	pages map[string]*template.Template
}

var labels = map[string]string{
	"good": "Good", "arrears": "Arrears", "violation": "Violation",
	"invited": "Invited", "active": "Active", "disabled": "Disabled",
	"operational":          "Operational",
	"degraded_performance": "Degraded performance",
	"under_maintenance":    "Under maintenance",
	"partial_outage":       "Partial outage",
	"major_outage":         "Major outage",
	"investigating":        "Investigating",
	"identified":           "Identified",
	"monitoring":           "Monitoring",
	"resolved":             "Resolved",
	"update":               "Update",
	"upcoming":             "Upcoming",
	"ongoing":              "In progress",
	"liable":               "Liable (counts against us)",
	"maintenance":          "Maintenance",
	"force_majeure":        "Force majeure",
	"third_party":          "Third party / upstream",
	"customer":             "Customer",
	"ddos":                 "DDoS",
	"pending":              "Pending",
	"delivered":            "Delivered",
	"failed":               "Failed",
	"webhook":              "Webhook",
	"slack":                "Slack",
	"email":                "Email",
	"pagerduty":            "PagerDuty",
	"met":                  "Met",
	"breached":             "Breached",
	"running":              "Running",
	"none":                 "Nothing owed",
	"automatic":            "Automatic",
	"claimed":              "Claimed",
	"open":                 "Open (claimable)",
	"expired":              "Expired (not claimed)",
	"late":                 "Claimed late",
	"late_notice":          "Maintenance announced late",
	"no_window":            "Maintenance without a window",
	"ignored":              "Ignored (blip)",
	"beta":                 "Beta component",
	"excluded":             "Excluded",
	"first_response":       "First response",
	"ongoing_response":     "Ongoing response",
	"update_every":         "Update cadence",
	"resolution":           "Resolution",
	"paused":               "Paused",
	"agent_reply":          "Agent reply",
	"customer_reply":       "Customer reply",
	"status":               "Status",
	"priority":             "Priority",
	"solved":               "Solved",
	"reopened":             "Reopened",
}

// Label is the text shown for a status or cause; colours always come with
// it.
func Label(s string) string {
	if l, ok := labels[s]; ok {
		return l
	}
	return strings.ReplaceAll(s, "_", " ")
}

// Age is a short duration: "3d 4h", "2h 5m", "40m".
func Age(d time.Duration) string {
	if d < 0 {
		return "in " + Age(-d)
	}
	d = d.Truncate(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	default:
		return fmt.Sprintf("%dm", m)
	}
}

var fieldLabels = map[string]string{"title": "Title", "severity": "Severity", "status": "Status", "components": "Components",
	"cause": "Cause", "message": "Message", "reason": "Reason", "start": "Start", "end": "End", "url": "Link", "summary": "Summary",
	"rrule": "Repeat", "name": "User name", "password": "Password", "kind": "Kind", "email": "Email address",
	"component": "Component", "at": "Time"}

// FieldLabel names a form field for the error summary.
func FieldLabel(field string) string {
	if c, ok := strings.CutPrefix(field, "components."); ok {
		return "Impact on " + c
	}
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// New parses the embedded templates.
func New() (*Renderer, error) {
	funcs := template.FuncMap{
		"label":      func(v any) string { return Label(fmt.Sprint(v)) },
		"fieldLabel": FieldLabel,
		"stylePath":  StylePath,
		"utc":        func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"local":      func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04") },
		"age":        func(now, t time.Time) string { return Age(now.Sub(t)) },
		"until":      func(now, t time.Time) string { return Age(t.Sub(now)) },
		"ms":         func(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) },
		"dur":        Age,
		"pct":        func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) + " %" },
		"num":        func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
		// num1 shows a figure to a tenth (budgets: minutes and shares).
		"num1": func(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) },
		"neg":  func(f float64) float64 { return -f },
		"val": func(f *float64) string {
			if f == nil {
				return "no data"
			}
			return strconv.FormatFloat(*f, 'f', -1, 64)
		},
		"join": strings.Join,
		"add":  func(a, b any) float64 { return toFloat(a) + toFloat(b) },
		"msp": func(v *float64) string {
			if v == nil {
				return "—"
			}
			return strconv.FormatFloat(*v, 'f', 1, 64) + " ms"
		},
		"pctp": func(v *float64) string {
			if v == nil {
				return "—"
			}
			return strconv.FormatFloat(*v, 'f', 3, 64) + " %"
		},
		"obligationsOf": func(now time.Time, list []Obligation, known bool) obligationsView {
			return obligationsView{Now: now, List: list, Known: known}
		},
		"impacts": func(f IncidentForm, form, legend string) impactsView {
			return impactsView{IncidentForm: f, FormName: form, Legend: legend}
		},
		// fid makes a field name usable as an element id.
		"fid": func(prefix, field string) string { return prefix + "-" + nonID.ReplaceAllString(field, "_") },
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, name := range []string{"signin", "dashboard", "incident_new", "incident", "maintenance_new", "message", "subscribers", "subscriber", "subscriber_remove", "disasters", "reports", "tickets", "ticket", "targets", "finance", "portal_home", "portal_credits", "customers", "users", "invite", "portal_subscriptions", "monitors", "monitor", "whatif"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/forms.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("operator template %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Render renders the page name (signin, dashboard, incident_new,
// incident, maintenance_new, message, subscribers, subscriber,
// subscriber_remove, disasters, reports, tickets, ticket, targets) with its
// data. Nothing is written
// when rendering fails.
func (r *Renderer) Render(w io.Writer, name string, data any) error {
	t := r.pages[name]
	if t == nil {
		return fmt.Errorf("render operator page: no page %q", name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		return fmt.Errorf("render operator page %s: %w", name, err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// pageCSP is the pages' Content-Security-Policy: no script, this
// server's style sheet only, no framing, forms to this server only.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Write renders page name with data as a private page (the operator
// pages, the portal): never cached, never framed (clickjacking its
// forms), and with a policy that allows nothing but this server's style
// sheet, which blunts any markup that slipped through. A Referrer-Policy
// the handler set is kept (an invitation's page sends none). Nothing is
// written when rendering fails.
func (r *Renderer) Write(w http.ResponseWriter, code int, name string, data any) error {
	var b bytes.Buffer
	if err := r.Render(&b, name, data); err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", pageCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	if hd.Get("Referrer-Policy") == "" {
		hd.Set("Referrer-Policy", "same-origin")
	}
	w.WriteHeader(code)
	_, err := w.Write(b.Bytes())
	return err
}

// Static serves the style sheet under StylePath, cacheable for a year.
func Static() http.Handler {
	etag := `"` + styleHash + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != StylePath() {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/css; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", etag)
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(styleCSS)
	})
}

// Finance is the month-end page of a period.
type Finance struct {
	Page
	Period, Error string
	Form          Form
	// ClosedAt is when the period's first subscription closed.
	ClosedAt *time.Time
	Closes   []CloseRow
	// More counts the closed subscriptions not listed.
	More    int
	Pending []RequestRow
	Entries []EntryRow
	Totals  []TotalRow
}

// RequestRow is a claim or an adjustment with its audited steps.
type RequestRow struct {
	ID, Kind, Customer, Subscription, Period string
	Amount, Currency, Note, By, State        string
	Late                                     bool
	Deadline                                 *time.Time
	Created                                  time.Time
	Log                                      []StepRow
}

// StepRow is one step of a request.
type StepRow struct {
	At                 time.Time
	By, Action, Reason string
}

// EntryRow is a ledger entry.
type EntryRow struct {
	ID, Kind, Customer, Subscription, Period string
	Amount, Currency, By, Reason, Invoice    string
	At                                       time.Time
}

// TotalRow is the sum of a period's entries in one currency.
type TotalRow struct {
	Currency, Amount string
	Entries          int
}

// CloseRow is one closed subscription period.
type CloseRow struct {
	Subscription, Customer, Policy, Version string
	Uptime, Objective                       float64
	Met                                     bool
	Credit, State                           string
}

// PortalCredits is a customer's claims, credits and claim form.
type PortalCredits struct {
	Page
	Form Form
	// LastPeriod is the default period to claim.
	LastPeriod    string
	Subscriptions []string
	Claims        []RequestRow
	Entries       []EntryRow
	Totals        []TotalRow
}

// toFloat is a template number (int or float64) as a float64.
func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return 0
}
