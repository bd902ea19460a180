// Package customers is the service behind the customers and
// subscriptions the operators create and change from the UI and the API.
// Every change is a fact through the evidence intake (internal/intake),
// never an edit: a standing from a date, a subscription ended and a new
// one from the change, so that a report of a past period uses what was
// true in it. The configuration's customers and subscriptions are listed
// with them (source "config"); the configuration wins for those: they
// are changed in the file.
package customers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Store is what the service reads: facts by type.
type Store interface {
	FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error)
}

var _ Store = (store.Store)(nil)

// Service lists and changes customers and subscriptions.
type Service struct {
	store  Store
	cfg    func() *config.Config
	now    func() time.Time
	intake *intake.Service
}

// New returns the service.
func New(st Store, cfg func() *config.Config, now func() time.Time, in *intake.Service) *Service {
	return &Service{store: st, cfg: cfg, now: now, intake: in}
}

// The sources of a customer or subscription.
const (
	SourceConfig = "config" // the configuration file: changed there
	SourceServer = "server" // created through the UI or the API
)

// Customer is a customer with its standing now and its history, and its
// subscriptions.
type Customer struct {
	ID            string           `json:"id"`
	Name          string           `json:"name,omitempty"`
	Source        string           `json:"source"`
	Standing      sla.Standing     `json:"standing"`
	Contacts      []sla.Contact    `json:"contacts"`
	History       []StandingChange `json:"standing_history"`
	Subscriptions []Subscription   `json:"subscriptions"`
}

// StandingChange is a standing from a time (zero: from the start).
type StandingChange struct {
	From     *time.Time   `json:"from,omitempty"`
	Standing sla.Standing `json:"standing"`
	Fact     string       `json:"fact"`
}

// Subscription is a subscription as the reports read it (ends applied).
type Subscription struct {
	ID       string     `json:"id"`
	Customer string     `json:"customer"`
	Policy   string     `json:"policy,omitempty"`
	Plan     string     `json:"plan"`
	Fee      string     `json:"fee"`
	Currency string     `json:"currency"`
	Start    time.Time  `json:"start"`
	End      *time.Time `json:"end,omitempty"`
	Trial    bool       `json:"trial,omitempty"`
	// Set is the subscription's custom terms (plan keys), if any.
	Set    json.RawMessage `json:"set,omitempty"`
	Source string          `json:"source"`
}

// factTypes are the stored facts of customers and subscriptions.
var factTypes = []string{"customer", "subscription", "subscription_end"}

// evidence is the stored customer and subscription facts, parsed.
func (s *Service) evidence(ctx context.Context) (*sla.Evidence, error) {
	return reports.FactsOfType(ctx, s.store, factTypes)
}

// List is every customer, configured or created, by id, with its
// subscriptions by start.
func (s *Service) List(ctx context.Context) ([]*Customer, error) {
	ev, err := s.evidence(ctx)
	if err != nil {
		return nil, err
	}
	c := s.cfg()
	now := s.now()
	byID := map[string]*Customer{}
	// The contacts of the latest record that has any win.
	contactsAt := map[string]time.Time{}
	add := func(cu *sla.Customer, source string) {
		x := byID[cu.Customer]
		if x == nil {
			x = &Customer{ID: cu.Customer, Source: source, Contacts: []sla.Contact{}, History: []StandingChange{}, Subscriptions: []Subscription{}}
			byID[cu.Customer] = x
		}
		if at, seen := contactsAt[cu.Customer]; cu.Contacts != nil && (!seen || !cu.At.Before(at)) {
			x.Contacts, contactsAt[cu.Customer] = cu.Contacts, cu.At
		}
		if x.Name == "" || source == SourceConfig {
			x.Name = cmp.Or(cu.Name, x.Name)
		}
		ch := StandingChange{Standing: cmp.Or(cu.Standing, sla.StandingGood), Fact: cu.ID}
		if !cu.At.IsZero() {
			at := cu.At.UTC()
			ch.From = &at
		}
		x.History = append(x.History, ch)
	}
	for _, cu := range c.Customers {
		add(cu, SourceConfig)
	}
	for _, cu := range ev.Customers {
		add(cu, SourceServer)
	}
	configured := map[string]bool{}
	for _, sub := range c.Subscriptions {
		configured[sub.ID] = true
	}
	for _, sub := range append(slices.Clone(c.Subscriptions), ev.Subscriptions...) {
		x := byID[sub.Customer]
		if x == nil {
			x = &Customer{ID: sub.Customer, Source: SourceServer, Contacts: []sla.Contact{}, History: []StandingChange{}, Subscriptions: []Subscription{}}
			byID[sub.Customer] = x
		}
		out := Subscription{ID: sub.ID, Customer: sub.Customer, Policy: sub.Policy, Plan: sub.Plan, Currency: sub.Currency,
			Start: sub.Start.UTC(), Trial: sub.Trial, Set: sub.Set, Source: SourceServer}
		if sub.Fee != nil {
			out.Fee = decimal(sub.Fee.FloatString(6))
		}
		if !sub.End.IsZero() {
			end := sub.End.UTC()
			out.End = &end
		}
		if configured[sub.ID] {
			out.Source = SourceConfig
		}
		x.Subscriptions = append(x.Subscriptions, out)
	}
	var list []*Customer
	for _, x := range byID {
		// The standing in force now: the last change at or before now
		// (a change without a time holds from the start).
		slices.SortStableFunc(x.History, func(a, b StandingChange) int {
			return cmp.Compare(unixOr(a.From), unixOr(b.From))
		})
		// A record that repeats the standing (a change of contacts) is
		// no change of standing.
		x.History = slices.CompactFunc(x.History, func(a, b StandingChange) bool { return a.Standing == b.Standing })
		x.Standing = sla.StandingGood
		for _, h := range x.History {
			if h.From == nil || !h.From.After(now) {
				x.Standing = h.Standing
			}
		}
		slices.SortFunc(x.Subscriptions, func(a, b Subscription) int {
			return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
		})
		list = append(list, x)
	}
	slices.SortFunc(list, func(a, b *Customer) int { return cmp.Compare(a.ID, b.ID) })
	return list, nil
}

// decimal is a fee with six decimals as written: at least two, no
// trailing zeros beyond ("300.00", "12.3456").
func decimal(s string) string {
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return whole + "." + frac
}

func unixOr(t *time.Time) int64 {
	if t == nil {
		return -1 << 62
	}
	return t.Unix()
}

// Get is customer id, or *sla.NotFoundError.
func (s *Service) Get(ctx context.Context, id string) (*Customer, error) {
	list, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(c *Customer) bool { return c.ID == id })
	if i < 0 {
		return nil, &sla.NotFoundError{Msg: fmt.Sprintf("no customer %q", id)}
	}
	return list[i], nil
}

// NewCustomer is a customer to create.
type NewCustomer struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Standing sla.Standing  `json:"standing"`
	Contacts []sla.Contact `json:"contacts"`
}

// CreateCustomer stores a new customer; an id in use is a conflict.
func (s *Service) CreateCustomer(ctx context.Context, who string, in NewCustomer) (*intake.Refusal, error) {
	if ref := checkStanding("standing", &in.Standing); ref != nil {
		return ref, nil
	}
	if in.ID == "" || strings.ContainsAny(in.ID, "@/ ") {
		return &intake.Refusal{Error: "id: want a customer id such as acme (letters, digits, - _ .)", Field: "id"}, nil
	}
	if _, err := s.Get(ctx, in.ID); err == nil {
		return &intake.Refusal{Code: http.StatusConflict, Error: fmt.Sprintf("id: customer %q exists", in.ID), Field: "id"}, nil
	}
	f := map[string]any{"type": "customer", "id": "customer:" + in.ID, "customer": in.ID, "name": in.Name, "standing": in.Standing}
	if len(in.Contacts) > 0 {
		f["contacts"] = in.Contacts
	}
	return s.add(ctx, who, f)
}

// SetContacts records customer id's contacts from now, its standing
// unchanged.
func (s *Service) SetContacts(ctx context.Context, who, id string, contacts []sla.Contact) (*intake.Refusal, error) {
	cu, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if contacts == nil {
		contacts = []sla.Contact{}
	}
	now := s.now().UTC().Truncate(time.Second)
	return s.add(ctx, who, map[string]any{"type": "customer", "id": fmt.Sprintf("customer:%s@%s/contacts", id, now.Format("20060102T150405Z")),
		"customer": id, "name": cu.Name, "standing": cu.Standing, "at": now.Format(time.RFC3339), "contacts": contacts})
}

// StandingInput changes a customer's standing from a time (default now).
type StandingInput struct {
	Standing sla.Standing `json:"standing"`
	From     string       `json:"from"`
}

// SetStanding records customer id's standing from in.From: the credits
// of plans with eligibility on good standing follow it from then on.
func (s *Service) SetStanding(ctx context.Context, who, id string, in StandingInput) (*intake.Refusal, error) {
	cu, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Standing == "" {
		return &intake.Refusal{Error: "standing: required: good, arrears or violation", Field: "standing"}, nil
	}
	if ref := checkStanding("standing", &in.Standing); ref != nil {
		return ref, nil
	}
	from := s.now().UTC().Truncate(time.Second)
	if in.From != "" {
		t, ref := parseTime("from", in.From)
		if ref != nil {
			return ref, nil
		}
		from = t
	}
	return s.add(ctx, who, map[string]any{"type": "customer", "id": fmt.Sprintf("customer:%s@%s", id, from.Format("20060102T150405Z")),
		"customer": id, "name": cu.Name, "standing": in.Standing, "at": from.Format(time.RFC3339), "contacts": cu.Contacts})
}

func checkStanding(field string, st *sla.Standing) *intake.Refusal {
	switch *st {
	case "":
		*st = sla.StandingGood
	case sla.StandingGood, sla.StandingArrears, sla.StandingViolation:
	default:
		return &intake.Refusal{Error: fmt.Sprintf("%s: want good, arrears or violation, got %q", field, *st), Field: field}
	}
	return nil
}

// NewSubscription is a subscription to create.
type NewSubscription struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Policy   string `json:"policy"`
	Plan     string `json:"plan"`
	Fee      string `json:"fee"`
	Currency string `json:"currency"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Trial    bool   `json:"trial"`
	// Set is custom terms: an object of plan keys (JSON, or YAML from a
	// form), each replacing the plan's key whole.
	Set json.RawMessage `json:"set"`
}

// parseTime reads an RFC 3339 time of field.
func parseTime(field, v string) (time.Time, *intake.Refusal) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, &intake.Refusal{Error: fmt.Sprintf("%s: want an RFC 3339 time such as 2026-07-01T00:00:00Z, got %q", field, v), Field: field}
	}
	return t.UTC(), nil
}

// CreateSubscription stores a new subscription of a known customer, with
// the intake's checks (plan, currency, fee, overlaps).
func (s *Service) CreateSubscription(ctx context.Context, who string, in NewSubscription) (*intake.Refusal, error) {
	if _, err := s.Get(ctx, in.Customer); err != nil {
		if _, ok := err.(*sla.NotFoundError); ok {
			return &intake.Refusal{Error: fmt.Sprintf("customer: no customer %q", in.Customer), Field: "customer"}, nil
		}
		return nil, err
	}
	start, ref := parseTime("start", in.Start)
	if ref != nil {
		return ref, nil
	}
	f := map[string]any{"type": "subscription", "id": in.ID, "customer": in.Customer, "plan": in.Plan, "fee": in.Fee,
		"start": start.Format(time.RFC3339), "trial": in.Trial}
	if in.Policy != "" {
		f["policy"] = in.Policy
	}
	if in.Currency != "" {
		f["currency"] = in.Currency
	}
	if in.End != "" {
		end, ref := parseTime("end", in.End)
		if ref != nil {
			return ref, nil
		}
		f["end"] = end.Format(time.RFC3339)
	}
	if ref := putSet(f, in.Set); ref != nil {
		return ref, nil
	}
	return s.add(ctx, who, f)
}

// putSet writes custom terms (JSON or YAML) into the subscription fact f;
// no terms, or none but {}, leave it without.
func putSet(f map[string]any, set []byte) *intake.Refusal {
	js, err := policy.SetJSON(set)
	if err != nil {
		field, msg := sla.FirstInput(err)
		return &intake.Refusal{Error: field + ": " + msg, Field: field}
	}
	if len(js) > 2 {
		f["set"] = json.RawMessage(js)
	}
	return nil
}

// Change changes a subscription from a time: the plan, the fee, the
// currency (unchanged when empty), the custom terms (unchanged when
// absent; {} removes them).
type Change struct {
	From     string          `json:"from"`
	Plan     string          `json:"plan"`
	Fee      string          `json:"fee"`
	Currency string          `json:"currency"`
	Set      json.RawMessage `json:"set"`
}

// ChangeSubscription ends subscription id at ch.From and starts a new one
// (id@date) with the changes from then, both or neither; customer is the
// subscription's. A configured subscription is changed in the
// configuration (409).
func (s *Service) ChangeSubscription(ctx context.Context, who, id string, ch Change) (customer string, ref *intake.Refusal, err error) {
	list, err := s.List(ctx)
	if err != nil {
		return "", nil, err
	}
	var old *Subscription
	for _, cu := range list {
		for i := range cu.Subscriptions {
			if cu.Subscriptions[i].ID == id {
				old = &cu.Subscriptions[i]
			}
		}
	}
	switch {
	case old == nil:
		return "", nil, &sla.NotFoundError{Msg: fmt.Sprintf("no subscription %q", id)}
	case old.Source == SourceConfig:
		return "", &intake.Refusal{Code: http.StatusConflict, Error: fmt.Sprintf("subscription %s is configured: change it in the configuration file", id)}, nil
	}
	from, ref := parseTime("from", ch.From)
	switch {
	case ref != nil:
		return "", ref, nil
	case !from.After(old.Start) || (old.End != nil && !from.Before(*old.End)):
		return "", &intake.Refusal{Error: fmt.Sprintf("from: want a time within the subscription (%s to %s)", old.Start.Format(time.RFC3339), endText(old.End)), Field: "from"}, nil
	}
	newID := fmt.Sprintf("%s@%s", id, from.Format("20060102"))
	sub := map[string]any{"type": "subscription", "id": newID, "customer": old.Customer, "plan": cmp.Or(ch.Plan, old.Plan),
		"fee": cmp.Or(ch.Fee, old.Fee), "currency": cmp.Or(ch.Currency, old.Currency), "start": from.Format(time.RFC3339), "trial": old.Trial}
	if old.Policy != "" {
		sub["policy"] = old.Policy
	}
	if old.End != nil {
		sub["end"] = old.End.Format(time.RFC3339)
	}
	set := ch.Set
	if set == nil {
		set = old.Set
	}
	if ref := putSet(sub, set); ref != nil {
		return "", ref, nil
	}
	end := map[string]any{"type": "subscription_end", "id": fmt.Sprintf("%s/end@%s", id, from.Format("20060102T150405Z")), "subscription": id,
		"at": from.Format(time.RFC3339)}
	ref, err = s.add(ctx, who, end, sub)
	return old.Customer, ref, err
}

func endText(t *time.Time) string {
	if t == nil {
		return "open-ended"
	}
	return t.Format(time.RFC3339)
}

// add stores facts as one intake request.
func (s *Service) add(ctx context.Context, who string, fs ...map[string]any) (*intake.Refusal, error) {
	var b bytes.Buffer
	for _, f := range fs {
		line, err := json.Marshal(f)
		if err != nil {
			return nil, fmt.Errorf("customer fact: %w", err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	_, ref, err := s.intake.Add(ctx, who, b.Bytes(), slog.LevelInfo)
	return ref, err
}

// ImportColumns are the columns of a customer list in CSV, with a header
// row naming them (any order; only customer is required).
var ImportColumns = []string{"customer", "name", "standing", "subscription", "policy", "plan", "fee", "currency", "start", "end", "trial", "set"}

// ImportResult counts what an import created.
type ImportResult struct {
	Customers     int `json:"customers"`
	Subscriptions int `json:"subscriptions"`
}

// Import creates the customers and subscriptions of a CSV list (a
// header row, then one row per subscription, or per customer without
// one), all or nothing: a customer that exists is not created again; a
// refusal names the row and the column.
func (s *Service) Import(ctx context.Context, who string, r io.Reader) (*ImportResult, *intake.Refusal, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, &intake.Refusal{Error: "csv: " + err.Error()}, nil
	}
	if len(rows) < 2 {
		return nil, &intake.Refusal{Error: "csv: want a header row (" + strings.Join(ImportColumns, ",") + ") and at least one row"}, nil
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(ImportColumns, h) {
			return nil, &intake.Refusal{Error: fmt.Sprintf("row 1: unknown column %q; want %s", h, strings.Join(ImportColumns, ", ")), Field: h, Line: 1}, nil
		}
		col[h] = i
	}
	if _, ok := col["customer"]; !ok {
		return nil, &intake.Refusal{Error: "row 1: the column customer is required", Field: "customer", Line: 1}, nil
	}
	existing, err := s.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	known := map[string]bool{}
	for _, c := range existing {
		known[c.ID] = true
	}
	res := &ImportResult{}
	var lines []map[string]any
	var rowOf []int // the CSV row of each fact line
	for i, row := range rows[1:] {
		n := i + 2
		get := func(name string) string {
			if j, ok := col[name]; ok && j < len(row) {
				return strings.TrimSpace(row[j])
			}
			return ""
		}
		refuse := func(field, format string, args ...any) *intake.Refusal {
			return &intake.Refusal{Error: fmt.Sprintf("row %d: %s: %s", n, field, fmt.Sprintf(format, args...)), Field: field, Line: n}
		}
		id := get("customer")
		if id == "" || strings.ContainsAny(id, "@/ ") {
			return nil, refuse("customer", "want a customer id such as acme, got %q", id), nil
		}
		if !known[id] {
			st := sla.Standing(get("standing"))
			if r := checkStanding("standing", &st); r != nil {
				return nil, refuse("standing", "want good, arrears or violation, got %q", get("standing")), nil
			}
			lines = append(lines, map[string]any{"type": "customer", "id": "customer:" + id, "customer": id, "name": get("name"), "standing": st})
			rowOf = append(rowOf, n)
			known[id] = true
			res.Customers++
		}
		if sub := get("subscription"); sub != "" {
			start, err := importTime(get("start"))
			if err != nil {
				return nil, refuse("start", "want a date (2026-01-01) or an RFC 3339 time, got %q", get("start")), nil
			}
			f := map[string]any{"type": "subscription", "id": sub, "customer": id, "plan": get("plan"), "fee": get("fee"),
				"start": start.Format(time.RFC3339)}
			if v := get("policy"); v != "" {
				f["policy"] = v
			}
			if v := get("currency"); v != "" {
				f["currency"] = v
			}
			if v := get("end"); v != "" {
				end, err := importTime(v)
				if err != nil {
					return nil, refuse("end", "want a date (2027-01-01) or an RFC 3339 time, got %q", v), nil
				}
				f["end"] = end.Format(time.RFC3339)
			}
			switch strings.ToLower(get("trial")) {
			case "", "false", "no", "0":
			case "true", "yes", "1":
				f["trial"] = true
			default:
				return nil, refuse("trial", "want true or false, got %q", get("trial")), nil
			}
			if ref := putSet(f, []byte(get("set"))); ref != nil {
				return nil, refuse(ref.Field, "%s", strings.TrimPrefix(ref.Error, ref.Field+": ")), nil
			}
			lines = append(lines, f)
			rowOf = append(rowOf, n)
			res.Subscriptions++
		}
	}
	if len(lines) == 0 {
		return res, nil, nil
	}
	ref, err := s.add(ctx, who, lines...)
	if ref != nil && ref.Line > 0 && ref.Line <= len(rowOf) {
		// The intake counts fact lines; the user counts CSV rows.
		row := rowOf[ref.Line-1]
		msg := ref.Error
		if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "body:") {
			msg = rest
		}
		ref = &intake.Refusal{Code: ref.Code, Error: fmt.Sprintf("row %d: %s", row, msg), Line: row, Field: ref.Field, ID: ref.ID}
	}
	if ref != nil || err != nil {
		return nil, ref, err
	}
	return res, nil, nil
}

// importTime reads a date (midnight UTC) or an RFC 3339 time.
func importTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	return t.UTC(), err
}
