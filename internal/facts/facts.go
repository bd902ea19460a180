// Package facts reads evidence in the JSON Lines format documented in
// docs/facts.md: one fact per line, each with a type and a stable id. Bad
// input is refused whole, with an error naming the line and the field, so a
// half-read file never reaches a report.
package facts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math/big"
	"net/mail"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slakeeper/slakeeper/internal/incident"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// MaxLine is the longest line accepted, to bound memory on hostile input.
const MaxLine = 1 << 20

const maxErrors = 50

// Load reads the fact file at path.
func Load(path string) (*sla.Evidence, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	defer f.Close()
	return Parse(path, f)
}

// Parse reads JSON Lines facts from r. file names it in error messages.
func Parse(file string, r io.Reader) (*sla.Evidence, error) {
	p := &parser{file: file, ev: &sla.Evidence{}, seen: map[string]seenFact{}, seed: maphash.MakeSeed()}
	if err := p.run(r); err != nil {
		return nil, err
	}
	return p.ev, nil
}

// run parses every line of r and checks the whole.
func (p *parser) run(r io.Reader) error {
	file := p.file
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLine)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		p.line = n
		p.parseLine(line)
		if len(p.errs) >= maxErrors {
			break
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			p.errs = append(p.errs, &sla.InputError{File: file, Line: n + 1, Msg: fmt.Sprintf("line longer than %d bytes", MaxLine)})
		} else {
			return fmt.Errorf("read %s: %w", file, err)
		}
	}
	p.crossCheck()
	if len(p.errs) > 0 {
		return p.errs
	}
	return nil
}

// Batch is a set of facts to add to stored evidence (ParseBatch).
type Batch struct {
	// Evidence is the batch parsed.
	Evidence *sla.Evidence
	// Facts are the batch's facts in input order, a repeat of the same
	// fact counted once.
	Facts []Fact
	// Refs are the references to facts the batch does not hold (a ticket
	// event's ticket, …): the stored evidence must resolve them.
	Refs []Ref
}

// Fact is one fact of a batch: its id, type and line, its JSON
// compacted, and the time it is dated by (Dates).
type Fact struct {
	ID, Type string
	Line     int
	JSON     string
	At       time.Time
}

// Ref is a reference of the fact on Line, in Field, to a fact of Type
// with ID.
type Ref struct {
	Line            int
	Field, Type, ID string
}

// ParseBatch reads facts as Parse does, with every check but one: a
// reference to a fact the input does not hold is not an error but listed
// in Refs, for the caller to resolve against the facts it already has.
// Each fact is dated (Fact.At) as Dates says.
func ParseBatch(file string, r io.Reader) (*Batch, error) {
	b := &Batch{}
	p := &parser{file: file, ev: &sla.Evidence{}, seen: map[string]seenFact{}, seed: maphash.MakeSeed(), batch: b}
	if err := p.run(r); err != nil {
		return nil, err
	}
	b.Evidence = p.ev
	dates := Dates(p.ev)
	for i := range b.Facts {
		b.Facts[i].At = dates[b.Facts[i].ID]
	}
	return b, nil
}

// Dates maps each fact of ev to the time it is dated by when stored: the
// time the fact speaks of (a window's start, an event's at), so that a
// retention horizon keeps it as long as what it is evidence of. Facts
// that hold for good (subscriptions, maintenance series and their
// cancellations, a customer without at) are absent: they have no time.
func Dates(ev *sla.Evidence) map[string]time.Time {
	out := map[string]time.Time{}
	set := func(id string, t time.Time) {
		if !t.IsZero() {
			out[id] = t
		}
	}
	for _, c := range ev.Customers {
		set(c.ID, c.At)
	}
	for _, f := range ev.Statuses {
		set(f.ID, f.At)
	}
	for _, m := range ev.Maintenance {
		set(m.ID, m.Start)
	}
	for _, f := range ev.Incidents {
		set(f.ID, f.At)
	}
	for _, f := range ev.IncidentUpdates {
		set(f.ID, f.At)
	}
	for _, f := range ev.Attributions {
		set(f.ID, f.At)
	}
	for _, f := range ev.Postmortems {
		set(f.ID, f.At)
	}
	for _, f := range ev.Tickets {
		set(f.ID, f.At)
	}
	for _, f := range ev.TicketEvents {
		set(f.ID, f.At)
	}
	for _, f := range ev.Backups {
		set(f.ID, f.At)
	}
	for _, f := range ev.RestoreTests {
		set(f.ID, f.At)
	}
	for _, f := range ev.Disasters {
		set(f.ID, f.At)
	}
	for _, f := range ev.Restorations {
		set(f.ID, f.At)
	}
	for _, f := range ev.Samples {
		set(f.ID, f.At)
	}
	for _, f := range ev.Claims {
		set(f.ID, f.At)
	}
	for _, c := range ev.Coverage {
		set(c.ID, c.Start)
	}
	return out
}

// seenFact is a fact's line and the hash of its compacted JSON: enough to
// tell a repeat of the fact from another fact with its id, without
// keeping a month of evidence twice.
type seenFact struct {
	line int
	sum  uint64
}

type parser struct {
	file string
	line int
	ev   *sla.Evidence
	seen map[string]seenFact
	seed maphash.Seed
	cbuf bytes.Buffer // compacting, reused
	strs map[string]string
	errs sla.InputErrors
	// batch, when set, collects each fact in input order and the
	// references the input does not resolve (ParseBatch), instead of
	// refusing those.
	batch *Batch
	// lines of facts by id, for cross-reference errors
	ticketLines, updateLines, restoreLines, pmLines, claimLines, endLines map[string]int
}

func (p *parser) errf(field, format string, args ...any) {
	if len(p.errs) >= maxErrors {
		return
	}
	p.errs = append(p.errs, &sla.InputError{File: p.file, Line: p.line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// The wire shapes, one per fact type. Times are RFC 3339 strings. Every
// field has its JSON name as a tag so that errors name the key the file
// uses.
type (
	wCustomer struct {
		Type     string        `json:"type"`
		ID       string        `json:"id"`
		At       string        `json:"at"`
		Customer string        `json:"customer"`
		Name     string        `json:"name"`
		Standing string        `json:"standing"`
		Contacts []sla.Contact `json:"contacts"`
	}
	wSubscription struct {
		Type     string          `json:"type"`
		ID       string          `json:"id"`
		Customer string          `json:"customer"`
		Policy   string          `json:"policy"`
		Plan     string          `json:"plan"`
		Fee      json.RawMessage `json:"fee"`
		Currency string          `json:"currency"`
		Start    string          `json:"start"`
		End      string          `json:"end"`
		Trial    bool            `json:"trial"`
		Class    string          `json:"class"`
		Set      json.RawMessage `json:"set"`
	}
	wStatus struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		At        string `json:"at"`
		Component string `json:"component"`
		Status    string `json:"status"`
		Source    string `json:"source"`
		Cause     string `json:"cause"`
		// Evidence lists the check results that established the change
		// (monitor, location, at, state, message); kept for people, cited
		// by the fact's id in reports.
		Evidence []struct {
			Monitor  string `json:"monitor"`
			Location string `json:"location"`
			At       string `json:"at"`
			State    string `json:"state"`
			Message  string `json:"message,omitempty"`
		} `json:"evidence"`
	}
	wMaintenance struct {
		Type        string   `json:"type"`
		ID          string   `json:"id"`
		Components  []string `json:"components"`
		Start       string   `json:"start"`
		End         string   `json:"end"`
		AnnouncedAt string   `json:"announced_at"`
		Title       string   `json:"title"`
		Series      string   `json:"series"`
		By          string   `json:"by"`
	}
	wMaintenanceSeries struct {
		Type        string   `json:"type"`
		ID          string   `json:"id"`
		Components  []string `json:"components"`
		Title       string   `json:"title"`
		Start       string   `json:"start"`
		TimeZone    string   `json:"time_zone"`
		RRule       string   `json:"rrule"`
		Duration    string   `json:"duration"`
		Until       string   `json:"until"`
		Count       int      `json:"count"`
		AnnouncedAt string   `json:"announced_at"`
		By          string   `json:"by"`
	}
	wMaintenanceCancel struct {
		Type        string `json:"type"`
		ID          string `json:"id"`
		At          string `json:"at"`
		Maintenance string `json:"maintenance"`
		By          string `json:"by"`
		Reason      string `json:"reason"`
	}
	wIncident struct {
		Type       string            `json:"type"`
		ID         string            `json:"id"`
		At         string            `json:"at"`
		Title      string            `json:"title"`
		Severity   string            `json:"severity"`
		Components map[string]string `json:"components"`
		Cause      string            `json:"cause"`
	}
	wIncidentUpdate struct {
		Type       string            `json:"type"`
		ID         string            `json:"id"`
		Incident   string            `json:"incident"`
		At         string            `json:"at"`
		Status     string            `json:"status"`
		Message    string            `json:"message"`
		Components map[string]string `json:"components"`
	}
	wAttribution struct {
		Type       string   `json:"type"`
		ID         string   `json:"id"`
		At         string   `json:"at"`
		Components []string `json:"components"`
		Start      string   `json:"start"`
		End        string   `json:"end"`
		Cause      string   `json:"cause"`
		By         string   `json:"by"`
		Reason     string   `json:"reason"`
		Incident   string   `json:"incident"`
	}
	wPostmortem struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Incident string `json:"incident"`
		At       string `json:"at"`
		URL      string `json:"url"`
		Title    string `json:"title"`
		Summary  string `json:"summary"`
	}
	wTicket struct {
		Type      string   `json:"type"`
		ID        string   `json:"id"`
		At        string   `json:"at"`
		Customer  string   `json:"customer"`
		Priority  string   `json:"priority"`
		Subject   string   `json:"subject"`
		Source    string   `json:"source"`
		FirstSeen string   `json:"first_seen"`
		Unmapped  []string `json:"unmapped"`
	}
	wTicketEvent struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Ticket   string `json:"ticket"`
		At       string `json:"at"`
		Kind     string `json:"kind"`
		Status   string `json:"status"`
		Priority string `json:"priority"`
	}
	wJob struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		At        string `json:"at"`
		Component string `json:"component"`
		OK        *bool  `json:"ok"`
	}
	wDisaster struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		At        string `json:"at"`
		Component string `json:"component"`
		Title     string `json:"title"`
	}
	wRestored struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Disaster string `json:"disaster"`
		At       string `json:"at"`
	}
	wSample struct {
		Type      string   `json:"type"`
		ID        string   `json:"id"`
		At        string   `json:"at"`
		Component string   `json:"component"`
		Metric    string   `json:"metric"`
		Value     *float64 `json:"value"`
		Location  string   `json:"location"`
		Count     *int64   `json:"count"`
		Min       *float64 `json:"min"`
		Max       *float64 `json:"max"`
	}
	wCoverage struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		Component string `json:"component"`
		Start     string `json:"start"`
		End       string `json:"end"`
	}
	wSubscriptionEnd struct {
		Type         string `json:"type"`
		ID           string `json:"id"`
		Subscription string `json:"subscription"`
		At           string `json:"at"`
	}
	wClaim struct {
		Type         string `json:"type"`
		ID           string `json:"id"`
		At           string `json:"at"`
		Customer     string `json:"customer"`
		Subscription string `json:"subscription"`
		Period       string `json:"period"`
	}
)

// Types lists the fact types in the order docs/facts.md describes them.
var Types = []string{"customer", "subscription", "subscription_end", "status", "maintenance", "maintenance_series", "maintenance_cancel", "incident", "incident_update", "attribution", "postmortem", "ticket", "ticket_event", "backup", "restore_test", "disaster", "restored", "sample", "claim", "coverage"}

func (p *parser) decode(line []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			p.errf(te.Field, "%s", typeError(te))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			p.errf(f, "is not a field of this fact type")
		default:
			p.errf("", "not a JSON object: %v", err)
		}
		return false
	}
	if dec.More() {
		p.errf("", "one JSON object per line, found more")
		return false
	}
	return true
}

// typeError words a JSON type error for a user: what the field takes, and
// what the line gives, without Go type names.
func typeError(te *json.UnmarshalTypeError) string {
	if num, ok := strings.CutPrefix(te.Value, "number "); ok && isNumber(te.Type) {
		return fmt.Sprintf("the number %s is out of range", num)
	}
	return fmt.Sprintf("want %s, got %s", want(te.Type), jsonValue(te.Value))
}

func isNumber(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// want words what a field of type t takes.
func want(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.String {
			return "a list of strings"
		}
		return "a list"
	case reflect.Map:
		if t.Elem().Kind() == reflect.String {
			return "an object of strings"
		}
		return "an object"
	case reflect.Struct:
		return "an object"
	}
	return "another kind of value"
}

// jsonValue words the kind of JSON value encoding/json names ("number",
// "string", "array", "object", "bool").
func jsonValue(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "a boolean"
	case "":
		return "another kind of value"
	}
	return "a " + v
}

func (p *parser) parseLine(line []byte) {
	var head struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	var err error
	var fast bool
	// Most lines (all the server stores) start {"type":"…","id":"…": read
	// those two without decoding the line a second time.
	head.Type, head.ID, fast = fastHead(line)
	// A key given twice counts by its last value, for encoding/json and so
	// for the decoding of the fact's fields; fastHead reads the first.
	fast = fast && bytes.Count(line, []byte(`"id"`)) == 1 && bytes.Count(line, []byte(`"type"`)) == 1
	// A flat status line is valid JSON when flatObject reads it whole.
	fast = fast && ((head.Type == "status" && flatObject(line, func(_, _ []byte) bool { return true })) || json.Valid(line))
	if !fast {
		head.Type, head.ID = "", ""
		err = json.Unmarshal(line, &head)
	}
	if err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			p.errf("", "not valid JSON at byte %d: %v", se.Offset, err)
		case errors.As(err, &te) && te.Field == "type":
			p.errf("type", "want the fact type as a string such as \"status\", got %s", jsonValue(te.Value))
		case errors.As(err, &te) && te.Field == "id":
			p.errf("id", "want a stable id as a string such as \"st-1\", got %s", jsonValue(te.Value))
		case errors.As(err, &te):
			p.errf("", "want a JSON object with a type and an id, got %s", jsonValue(te.Value))
		default:
			p.errf("", "want a JSON object with a type and an id: %v", err)
		}
		return
	}
	if head.Type == "" {
		p.errf("type", "required (one of %s)", strings.Join(Types, ", "))
		return
	}
	if !validID(head.ID) {
		p.errf("id", "want a stable id (letters, digits and -_.:/@, at most 200), got %q", head.ID)
		return
	}
	raw := p.compacted(line)
	sum := maphash.Bytes(p.seed, raw)
	if prev, dup := p.seen[head.ID]; dup {
		if prev.sum == sum {
			return // the same fact twice counts once
		}
		p.errf("id", "id %q is already used by a different fact on line %d", head.ID, prev.line)
		return
	}
	p.seen[head.ID] = seenFact{line: p.line, sum: sum}
	if p.batch != nil {
		p.batch.Facts = append(p.batch.Facts, Fact{ID: head.ID, Type: head.Type, Line: p.line, JSON: string(raw)})
	}
	ev := p.ev
	switch head.Type {
	case "customer":
		var w wCustomer
		if !p.decode(line, &w) {
			return
		}
		c := &sla.Customer{ID: w.ID, Customer: w.Customer, Name: w.Name, Standing: sla.Standing(w.Standing), Contacts: w.Contacts}
		if c.Customer == "" {
			c.Customer = w.ID
		}
		for i, ct := range c.Contacts {
			if a, err := mail.ParseAddress(ct.Email); err != nil || a.Address != ct.Email {
				p.errf(fmt.Sprintf("contacts[%d].email", i), "want an e-mail address such as billing@example.com, got %q", ct.Email)
			}
		}
		if w.At != "" {
			c.At, _ = p.time("at", w.At, true)
		}
		switch c.Standing {
		case "":
			c.Standing = sla.StandingGood
		case sla.StandingGood, sla.StandingArrears, sla.StandingViolation:
		default:
			p.errf("standing", "want good, arrears or violation, got %q", w.Standing)
		}
		ev.Customers = append(ev.Customers, c)
	case "subscription":
		var w wSubscription
		if !p.decode(line, &w) {
			return
		}
		s := &sla.Subscription{ID: w.ID, Customer: p.req("customer", w.Customer), Policy: w.Policy, Plan: p.req("plan", w.Plan), Currency: w.Currency, Trial: w.Trial, Class: w.Class}
		if w.Class != "" && !classRE.MatchString(w.Class) {
			p.errf("class", "want a class id such as enterprise (letters, digits, -, _ and .), got %q", w.Class)
		}
		s.Fee = p.money("fee", w.Fee)
		s.Start, _ = p.time("start", w.Start, true)
		if w.End != "" {
			s.End, _ = p.time("end", w.End, true)
			if !s.End.After(s.Start) {
				p.errf("end", "must be after start")
			}
		}
		if s.Currency == "" {
			s.Currency = "EUR"
		} else if !sla.ValidCurrency(s.Currency) {
			p.errf("currency", "want an ISO 4217 code such as EUR, got %q", w.Currency)
		}
		if set := bytes.TrimSpace(w.Set); len(set) > 0 && !bytes.Equal(set, []byte("null")) {
			var c bytes.Buffer
			if set[0] != '{' || json.Compact(&c, set) != nil {
				p.errf("set", "want the custom terms as an object of plan keys, such as {\"objective\": \"99.95\"}")
			} else if c.Len() > 2 {
				s.Set = c.Bytes()
			}
		}
		ev.Subscriptions = append(ev.Subscriptions, s)
	case "status":
		var w wStatus
		// The bulk of a month's evidence: a flat line (all values plain
		// strings) is read without reflection, its repeated values shared.
		if !fast || !flatObject(raw, func(k, v []byte) bool {
			switch string(k) {
			case "type":
				w.Type = p.intern(v)
			case "id":
				w.ID = head.ID
			case "at":
				w.At = string(v)
			case "component":
				w.Component = p.intern(v)
			case "status":
				w.Status = p.intern(v)
			case "source":
				w.Source = p.intern(v)
			case "cause":
				w.Cause = p.intern(v)
			default:
				return false
			}
			return true
		}) {
			w = wStatus{}
			if !p.decode(line, &w) {
				return
			}
		}
		s := &sla.StatusChange{ID: w.ID, Component: p.req("component", w.Component), Status: sla.Status(w.Status), Source: w.Source, Cause: sla.Cause(w.Cause)}
		s.At, _ = p.time("at", w.At, true)
		if s.Status.Rank() < 0 {
			p.errf("status", "want operational, degraded_performance, under_maintenance, partial_outage or major_outage, got %q", w.Status)
		}
		p.cause("cause", s.Cause)
		if s.Source == "" {
			s.Source = "default"
		}
		ev.Statuses = append(ev.Statuses, s)
	case "maintenance":
		var w wMaintenance
		if !p.decode(line, &w) {
			return
		}
		m := &sla.Maintenance{ID: w.ID, Components: w.Components, Title: w.Title, Series: w.Series, By: w.By}
		if len(m.Components) == 0 {
			p.errf("components", "list the components under maintenance")
		}
		m.Start, _ = p.time("start", w.Start, true)
		m.End, _ = p.time("end", w.End, true)
		m.AnnouncedAt, _ = p.time("announced_at", w.AnnouncedAt, true)
		if !m.End.After(m.Start) {
			p.errf("end", "must be after start")
		}
		ev.Maintenance = append(ev.Maintenance, m)
	case "maintenance_series":
		var w wMaintenanceSeries
		if !p.decode(line, &w) {
			return
		}
		ms := &sla.MaintenanceSeries{ID: w.ID, Components: w.Components, Title: w.Title, RRule: w.RRule, Count: w.Count, By: w.By}
		if len(ms.Components) == 0 {
			p.errf("components", "list the components under maintenance")
		}
		start, okStart := p.time("start", w.Start, true)
		ms.Start = start
		ms.AnnouncedAt, _ = p.time("announced_at", w.AnnouncedAt, true)
		var okUntil = true
		if w.Until != "" {
			ms.Until, okUntil = p.time("until", w.Until, false)
		}
		ms.Location = time.UTC
		if w.TimeZone != "" {
			loc, err := time.LoadLocation(w.TimeZone)
			if err != nil || w.TimeZone == "Local" {
				p.errf("time_zone", "want an IANA time zone such as Europe/Berlin, got %q", w.TimeZone)
			} else {
				ms.Location = loc
			}
		}
		if w.Duration == "" {
			p.errf("duration", "required (how long each occurrence lasts, e.g. 2h)")
		} else if d, err := SeriesDuration(w.Duration); err != nil {
			p.errf("duration", "%v", err)
		} else {
			ms.Duration = d
		}
		if okStart && okUntil {
			if _, err := incident.ParseRecurrence(w.RRule, ms.Start, ms.Location, ms.Until, w.Count); err != nil {
				var ie *sla.InputError
				if errors.As(err, &ie) {
					p.errf(ie.Field, "%s", ie.Msg)
				} else {
					p.errf("rrule", "%v", err)
				}
			}
		}
		ev.MaintenanceSeries = append(ev.MaintenanceSeries, ms)
	case "maintenance_cancel":
		var w wMaintenanceCancel
		if !p.decode(line, &w) {
			return
		}
		c := &sla.MaintenanceCancellation{ID: w.ID, Maintenance: p.req("maintenance", w.Maintenance), By: p.req("by", w.By), Reason: w.Reason}
		c.At, _ = p.time("at", w.At, true)
		ev.MaintenanceCancellations = append(ev.MaintenanceCancellations, c)
	case "incident":
		var w wIncident
		if !p.decode(line, &w) {
			return
		}
		in := &sla.Incident{ID: w.ID, Title: w.Title, Severity: w.Severity, Cause: sla.Cause(w.Cause)}
		in.At, _ = p.time("at", w.At, true)
		in.Components = p.impacts("components", w.Components)
		p.cause("cause", in.Cause)
		ev.Incidents = append(ev.Incidents, in)
	case "incident_update":
		var w wIncidentUpdate
		if !p.decode(line, &w) {
			return
		}
		u := &sla.IncidentUpdate{ID: w.ID, Incident: p.req("incident", w.Incident), Status: w.Status, Message: w.Message}
		u.At, _ = p.time("at", w.At, true)
		switch w.Status {
		case "investigating", "identified", "monitoring", "resolved", "update":
		default:
			p.errf("status", "want investigating, identified, monitoring, update or resolved, got %q", w.Status)
		}
		if w.Components != nil {
			u.Components = p.impacts("components", w.Components)
		}
		p.updateLines = setLine(p.updateLines, w.ID, p.line)
		ev.IncidentUpdates = append(ev.IncidentUpdates, u)
	case "attribution":
		var w wAttribution
		if !p.decode(line, &w) {
			return
		}
		a := &sla.Attribution{ID: w.ID, Components: w.Components, Cause: sla.Cause(w.Cause), By: p.req("by", w.By), Reason: p.req("reason", w.Reason), Incident: w.Incident}
		a.At, _ = p.time("at", w.At, true)
		a.Start, _ = p.time("start", w.Start, true)
		a.End, _ = p.time("end", w.End, true)
		if !a.End.After(a.Start) {
			p.errf("end", "must be after start")
		}
		if len(a.Components) == 0 {
			p.errf("components", "list the components whose downtime is attributed")
		}
		if w.Cause == "" {
			p.errf("cause", "required")
		}
		p.cause("cause", a.Cause)
		ev.Attributions = append(ev.Attributions, a)
	case "postmortem":
		var w wPostmortem
		if !p.decode(line, &w) {
			return
		}
		pm := &sla.Postmortem{ID: w.ID, Incident: p.req("incident", w.Incident), URL: w.URL, Title: w.Title, Summary: w.Summary}
		pm.At, _ = p.time("at", w.At, true)
		p.pmLines = setLine(p.pmLines, w.ID, p.line)
		ev.Postmortems = append(ev.Postmortems, pm)
	case "ticket":
		var w wTicket
		if !p.decode(line, &w) {
			return
		}
		t := &sla.Ticket{ID: w.ID, Customer: p.req("customer", w.Customer), Priority: p.req("priority", w.Priority), Subject: w.Subject,
			Source: w.Source, Unmapped: w.Unmapped}
		t.At, _ = p.time("at", w.At, true)
		t.FirstSeen, _ = p.time("first_seen", w.FirstSeen, false)
		for _, u := range w.Unmapped {
			if u != "customer" && u != "priority" {
				p.errf("unmapped", "want customer or priority, got %q", u)
			}
		}
		ev.Tickets = append(ev.Tickets, t)
	case "ticket_event":
		var w wTicketEvent
		if !p.decode(line, &w) {
			return
		}
		e := &sla.TicketEvent{ID: w.ID, Ticket: p.req("ticket", w.Ticket), Kind: w.Kind, Status: w.Status, Priority: w.Priority}
		e.At, _ = p.time("at", w.At, true)
		switch w.Kind {
		case sla.TicketAgentReply, sla.TicketCustomerReply, sla.TicketSolved, sla.TicketReopened:
		case sla.TicketStatus:
			p.req("status", w.Status)
		case sla.TicketPriority:
			p.req("priority", w.Priority)
		default:
			p.errf("kind", "want agent_reply, customer_reply, status, priority, solved or reopened, got %q", w.Kind)
		}
		p.ticketLines = setLine(p.ticketLines, w.ID, p.line)
		ev.TicketEvents = append(ev.TicketEvents, e)
	case "backup", "restore_test":
		var w wJob
		if !p.decode(line, &w) {
			return
		}
		at, _ := p.time("at", w.At, true)
		if w.OK == nil {
			p.errf("ok", "required: true for a successful %s, false for a failed one", head.Type)
			return
		}
		if head.Type == "backup" {
			ev.Backups = append(ev.Backups, &sla.Backup{ID: w.ID, At: at, Component: w.Component, OK: *w.OK})
		} else {
			ev.RestoreTests = append(ev.RestoreTests, &sla.RestoreTest{ID: w.ID, At: at, Component: w.Component, OK: *w.OK})
		}
	case "disaster":
		var w wDisaster
		if !p.decode(line, &w) {
			return
		}
		d := &sla.Disaster{ID: w.ID, Component: w.Component, Title: w.Title}
		d.At, _ = p.time("at", w.At, true)
		ev.Disasters = append(ev.Disasters, d)
	case "restored":
		var w wRestored
		if !p.decode(line, &w) {
			return
		}
		r := &sla.Restoration{ID: w.ID, Disaster: p.req("disaster", w.Disaster)}
		r.At, _ = p.time("at", w.At, true)
		p.restoreLines = setLine(p.restoreLines, w.ID, p.line)
		ev.Restorations = append(ev.Restorations, r)
	case "sample":
		var w wSample
		if !p.decode(line, &w) {
			return
		}
		s := &sla.Sample{ID: w.ID, Component: p.req("component", w.Component), Metric: w.Metric, Location: w.Location}
		s.At, _ = p.time("at", w.At, true)
		known := false
		for _, m := range sla.Metrics {
			known = known || m == w.Metric
		}
		if !known {
			p.errf("metric", "want one of %s, got %q", strings.Join(sla.Metrics, ", "), w.Metric)
		}
		if w.Value == nil {
			p.errf("value", "required")
		} else {
			s.Value = *w.Value
		}
		// A summary of several measurements: value is their mean.
		s.Count, s.Min, s.Max = 1, s.Value, s.Value
		if w.Count != nil {
			if *w.Count < 1 {
				p.errf("count", "want the number of measurements summarised, at least 1, got %d", *w.Count)
			}
			s.Count = *w.Count
		}
		if w.Min != nil {
			s.Min = *w.Min
		}
		if w.Max != nil {
			s.Max = *w.Max
		}
		if w.Value != nil && (s.Min > s.Value || s.Max < s.Value) {
			p.errf("value", "the mean %g must lie within min %g and max %g", s.Value, s.Min, s.Max)
		}
		ev.Samples = append(ev.Samples, s)
	case "coverage":
		var w wCoverage
		if !p.decode(line, &w) {
			return
		}
		c := &sla.Coverage{ID: w.ID, Component: p.req("component", w.Component)}
		c.Start, _ = p.time("start", w.Start, true)
		c.End, _ = p.time("end", w.End, true)
		if !c.Start.IsZero() && !c.End.IsZero() && !c.End.After(c.Start) {
			p.errf("end", "must be after start")
		}
		ev.Coverage = append(ev.Coverage, c)
	case "subscription_end":
		var w wSubscriptionEnd
		if !p.decode(line, &w) {
			return
		}
		e := &sla.SubscriptionEnd{ID: w.ID, Subscription: p.req("subscription", w.Subscription)}
		e.At, _ = p.time("at", w.At, true)
		p.endLines = setLine(p.endLines, w.ID, p.line)
		ev.SubscriptionEnds = append(ev.SubscriptionEnds, e)
	case "claim":
		var w wClaim
		if !p.decode(line, &w) {
			return
		}
		c := &sla.CreditClaim{ID: w.ID, Customer: p.req("customer", w.Customer), Subscription: p.req("subscription", w.Subscription), Period: p.req("period", w.Period)}
		if w.Period != "" {
			// Written as reports write periods, or the claim would never
			// match the report's period and the credit would show as
			// unclaimed.
			if _, err := timeline.ParsePeriod(w.Period, nil); err != nil {
				p.errf("period", "want 2026-10 (a month), 2026-Q4 (a quarter) or 2026 (a year), got %q", w.Period)
			}
		}
		c.At, _ = p.time("at", w.At, true)
		p.claimLines = setLine(p.claimLines, w.ID, p.line)
		ev.Claims = append(ev.Claims, c)
	default:
		p.errf("type", "unknown fact type %q; want one of %s", head.Type, strings.Join(Types, ", "))
	}
}

// SeriesDuration reads how long each occurrence of a maintenance series
// lasts: a positive duration such as 2h, 90m or 1d (24 hours), at most 31
// days. The API reads its duration field with it too.
func SeriesDuration(v string) (time.Duration, error) {
	days, rest, err := timeline.ParseDuration(v, false)
	d := time.Duration(days)*24*time.Hour + rest
	if err != nil || d <= 0 || d > 31*24*time.Hour {
		return 0, fmt.Errorf("want a positive duration of at most 31d such as 2h or 90m, got %q", v)
	}
	return d, nil
}

func setLine(m map[string]int, id string, line int) map[string]int {
	if m == nil {
		m = map[string]int{}
	}
	m[id] = line
	return m
}

// crossCheck refuses references to facts that are not in the file.
func (p *parser) crossCheck() {
	ev := p.ev
	tickets := map[string]bool{}
	for _, t := range ev.Tickets {
		tickets[t.ID] = true
	}
	incidents := map[string]bool{}
	for _, in := range ev.Incidents {
		incidents[in.ID] = true
	}
	disasters := map[string]bool{}
	for _, d := range ev.Disasters {
		disasters[d.ID] = true
	}
	subs := map[string]bool{}
	for _, s := range ev.Subscriptions {
		subs[s.ID] = true
	}
	ref := func(lines map[string]int, id, field, kind, target string) {
		p.line = lines[id]
		if p.batch != nil {
			p.batch.Refs = append(p.batch.Refs, Ref{Line: p.line, Field: field, Type: kind, ID: target})
			return
		}
		p.errf(field, "no %s with id %q in the facts", kind, target)
	}
	for _, e := range ev.TicketEvents {
		if e.Ticket != "" && !tickets[e.Ticket] {
			ref(p.ticketLines, e.ID, "ticket", "ticket", e.Ticket)
		}
	}
	for _, u := range ev.IncidentUpdates {
		if u.Incident != "" && !incidents[u.Incident] {
			ref(p.updateLines, u.ID, "incident", "incident", u.Incident)
		}
	}
	for _, pm := range ev.Postmortems {
		if pm.Incident != "" && !incidents[pm.Incident] {
			ref(p.pmLines, pm.ID, "incident", "incident", pm.Incident)
		}
	}
	for _, r := range ev.Restorations {
		if r.Disaster != "" && !disasters[r.Disaster] {
			ref(p.restoreLines, r.ID, "disaster", "disaster", r.Disaster)
		}
	}
	for _, c := range ev.Claims {
		if c.Subscription != "" && !subs[c.Subscription] {
			ref(p.claimLines, c.ID, "subscription", "subscription", c.Subscription)
		}
	}
	for _, e := range ev.SubscriptionEnds {
		if e.Subscription != "" && !subs[e.Subscription] {
			ref(p.endLines, e.ID, "subscription", "subscription", e.Subscription)
		}
	}
	p.applyCancellations()
	p.applyEnds()
}

// applyEnds ends the subscriptions that subscription_end facts name at
// the earliest end; one at or before the start is refused.
func (p *parser) applyEnds() {
	byID := map[string]*sla.Subscription{}
	for _, s := range p.ev.Subscriptions {
		byID[s.ID] = s
	}
	for _, e := range p.ev.SubscriptionEnds {
		s := byID[e.Subscription]
		if s == nil || e.At.IsZero() {
			continue
		}
		if !e.At.After(s.Start) {
			p.line = p.endLines[e.ID]
			p.errf("at", "subscription %s starts %s: end it after that", s.ID, s.Start.UTC().Format(time.RFC3339))
			continue
		}
		if s.End.IsZero() || e.At.Before(s.End) {
			s.End = e.At
		}
	}
}

// applyCancellations sets CancelledAt on the windows and series that
// cancellations name, the earliest winning; an occurrence of a cancelled
// series is cancelled with it. A cancellation naming neither is ignored,
// not refused: the window it cancelled may have been pruned by retention
// before it (windows are dated by their start, cancellations later).
func (p *parser) applyCancellations() {
	ev := p.ev
	if len(ev.MaintenanceCancellations) == 0 {
		return
	}
	first := map[string]time.Time{}
	for _, c := range ev.MaintenanceCancellations {
		if t, ok := first[c.Maintenance]; !ok || c.At.Before(t) {
			first[c.Maintenance] = c.At
		}
	}
	earlier := func(a, b time.Time) time.Time {
		if a.IsZero() || (!b.IsZero() && b.Before(a)) {
			return b
		}
		return a
	}
	for _, s := range ev.MaintenanceSeries {
		s.CancelledAt = earlier(s.CancelledAt, first[s.ID])
	}
	for _, m := range ev.Maintenance {
		m.CancelledAt = earlier(m.CancelledAt, first[m.ID])
		if m.Series != "" {
			m.CancelledAt = earlier(m.CancelledAt, first[m.Series])
		}
	}
}

var (
	idRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/@\-]{0,199}$`)
	moneyRE = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,6})?$`)
)

func validID(s string) bool { return idRE.MatchString(s) }

// classRE is a policy id (policy.md §3): a subscription's class names the
// overrides of a policy's class.
var classRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$`)

// compacted is line without white space between tokens, in a buffer
// the next call reuses; a line without white space is itself.
func (p *parser) compacted(line []byte) []byte {
	if !bytes.ContainsAny(line, " \t\r\n") {
		return line
	}
	p.cbuf.Reset()
	if json.Compact(&p.cbuf, line) != nil {
		return line
	}
	return p.cbuf.Bytes()
}

// intern returns v as a string shared by every equal value of the parse:
// a month of status facts names a few components, statuses and sources.
func (p *parser) intern(v []byte) string {
	if s, ok := p.strs[string(v)]; ok {
		return s
	}
	if p.strs == nil {
		p.strs = map[string]string{}
	}
	s := string(v)
	if len(p.strs) < 1<<16 {
		p.strs[s] = s
	}
	return s
}

// flatObject calls set with each member of line, a compact JSON object
// whose values are all strings without escapes, and reports whether line
// is one (and set accepted every member); otherwise the caller decodes it
// in full.
func flatObject(line []byte, set func(k, v []byte) bool) bool {
	n := len(line)
	if n < 2 || line[0] != '{' || line[n-1] != '}' {
		return false
	}
	str := func(i int) (s []byte, next int, ok bool) {
		if i >= n || line[i] != '"' {
			return nil, 0, false
		}
		j := bytes.IndexByte(line[i+1:], '"')
		if j < 0 {
			return nil, 0, false
		}
		s = line[i+1 : i+1+j]
		ascii := true
		for _, c := range s {
			if c == '\\' || c < 0x20 {
				return nil, 0, false // an escape, or a control character JSON forbids
			}
			ascii = ascii && c < 0x80
		}
		// Invalid UTF-8 is replaced by the full decoding: leave it to it.
		return s, i + j + 2, ascii || utf8.Valid(s)
	}
	for i := 1; ; {
		k, next, ok := str(i)
		if !ok || next >= n || line[next] != ':' {
			return false
		}
		v, next, ok := str(next + 1)
		if !ok || next >= n || !set(k, v) {
			return false
		}
		switch {
		case line[next] == ',':
			i = next + 1
		case next == n-1:
			return true
		default:
			return false
		}
	}
}

// fastHead reads the type and id of a line that starts
// {"type":"…","id":"… with neither escaped.
func fastHead(line []byte) (typ, id string, ok bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"type":"`))
	if !ok {
		return "", "", false
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 || !plainASCII(rest[:i]) {
		return "", "", false
	}
	typ, rest = string(rest[:i]), rest[i+1:]
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"id":"`)); !ok {
		return "", "", false
	}
	j := bytes.IndexByte(rest, '"')
	if j < 0 || !plainASCII(rest[:j]) {
		return "", "", false
	}
	return typ, string(rest[:j]), true
}

// plainASCII reports whether s is printable ASCII without escapes: read
// as is, it means what the full decoding would make of it.
func plainASCII(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return false
		}
	}
	return true
}

func (p *parser) req(field, v string) string {
	if v == "" {
		p.errf(field, "required")
	}
	return v
}

func (p *parser) time(field, v string, required bool) (time.Time, bool) {
	if v == "" {
		if required {
			p.errf(field, "required (an RFC 3339 time such as 2026-10-05T14:03:00Z)")
		}
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		p.errf(field, "want an RFC 3339 time such as 2026-10-05T14:03:00Z, got %q", v)
		return time.Time{}, false
	}
	if t.Year() < 1970 || t.Year() > 9999 {
		p.errf(field, "year %d is out of range", t.Year())
		return time.Time{}, false
	}
	// Seconds resolution: sub-second parts are dropped, as the engine counts
	// whole seconds.
	return t.UTC().Truncate(time.Second), true
}

func (p *parser) cause(field string, c sla.Cause) {
	if c != "" && !sla.ValidCause(c) {
		p.errf(field, "want liable, maintenance, force_majeure, third_party, customer or ddos, got %q", c)
	}
}

func (p *parser) impacts(field string, m map[string]string) map[string]sla.Status {
	out := make(map[string]sla.Status, len(m))
	for comp, st := range m {
		s := sla.Status(st)
		if s.Rank() < 0 {
			p.errf(field+"."+comp, "want an impact status such as partial_outage or major_outage, got %q", st)
			continue
		}
		out[comp] = s
	}
	return out
}

// money reads a fee given as a JSON number or string, exactly.
func (p *parser) money(field string, raw json.RawMessage) *big.Rat {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if len(raw) == 0 {
		p.errf(field, "required (the fee for one period, e.g. 1200.00)")
		return nil
	}
	if !moneyRE.MatchString(s) {
		p.errf(field, "want a non-negative amount such as 1200.00, got %s", string(raw))
		return nil
	}
	r, _ := new(big.Rat).SetString(s)
	return r
}
