// Package intake is the evidence intake: facts from other systems (the
// facts API, helpdesks, the customers and subscriptions written from the
// UI and the API) checked whole against the configuration and the stored
// evidence and stored all or nothing.
package intake

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// Store is what the intake reads and writes.
type Store interface {
	FactsByID(ctx context.Context, ids []string) ([]store.Fact, error)
	FactsOfType(ctx context.Context, types []string, from, to time.Time) ([]store.Fact, error)
	AppendFacts(ctx context.Context, fs []store.Fact) error
}

var _ Store = (store.Store)(nil)

// Service checks and stores facts.
type Service struct {
	store Store
	cfg   func() *config.Config
	now   func() time.Time
	log   *slog.Logger
	// onLate is told when late facts are stored (OnLate).
	onLate func()
}

// OnLate sets f to be called after facts dated before this month are
// stored: they may change closed periods. Set it before use.
func (h *Service) OnLate(f func()) { h.onLate = f }

// New returns the intake.
func New(st Store, cfg func() *config.Config, now func() time.Time, log *slog.Logger) *Service {
	return &Service{store: st, cfg: cfg, now: now, log: log}
}

// Result is the answer to POST /api/v1/facts.
type Result struct {
	// Received counts the facts of the request (a fact repeated in it
	// counts once); Stored the new ones; Duplicates those stored before
	// with the same content, which change nothing.
	Received   int `json:"received"`
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
	// Late are the new facts dated before the current month (UTC): they
	// change periods that may be closed, and count from the next report
	// computed.
	Late []string `json:"late,omitempty"`
}

// Refusal is a refused request: the first error and, for bad input,
// every error found (at most 50), each with its line and field.
type Refusal struct {
	// Code is the HTTP status: 400 unless set (409 for ids in use).
	Code   int         `json:"-"`
	Error  string      `json:"error"`
	Line   int         `json:"line,omitempty"`
	Field  string      `json:"field,omitempty"`
	ID     string      `json:"id,omitempty"`
	Errors []LineError `json:"errors,omitempty"`
}

// Status is the HTTP status of the refusal.
func (e *Refusal) Status() int {
	if e.Code != 0 {
		return e.Code
	}
	return http.StatusBadRequest
}

type LineError struct {
	Line  int    `json:"line,omitempty"`
	Field string `json:"field,omitempty"`
	Error string `json:"error"`
}

// Add checks and stores the facts of body, sent by who, and logs
// what it stored at level. A refusal of the request is ferr; err is the
// server's own failure.
func (h *Service) Add(ctx context.Context, who string, body []byte, level slog.Level) (res *Result, ferr *Refusal, err error) {
	lines, ferr := Lines(body)
	if ferr != nil {
		return nil, ferr, nil
	}
	batch, err := facts.ParseBatch("body", bytes.NewReader(lines))
	if err != nil {
		if !sla.IsInput(err) {
			return nil, nil, err
		}
		return nil, InputRefusal(err), nil
	}
	if len(batch.Facts) == 0 {
		return nil, &Refusal{Error: "body: no facts"}, nil
	}
	c := h.cfg()
	if ferr := ConfiguredIDs(c, batch); ferr != nil {
		return nil, ferr, nil
	}
	if ferr, err := h.checkSubscriptions(ctx, c, batch); ferr != nil || err != nil {
		return nil, ferr, err
	}
	ids := make([]string, 0, len(batch.Facts)+len(batch.Refs))
	for _, f := range batch.Facts {
		ids = append(ids, f.ID)
	}
	for _, ref := range batch.Refs {
		ids = append(ids, ref.ID)
	}
	stored, err := h.store.FactsByID(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("facts: %w", err)
	}
	have := make(map[string]store.Fact, len(stored))
	for _, f := range stored {
		have[f.ID] = f
	}
	// References the request does not hold must be stored, with the type
	// they name; a claim may name a configured subscription.
	var errs []LineError
	for _, ref := range batch.Refs {
		if f, ok := have[ref.ID]; ok && f.Type == ref.Type {
			continue
		}
		if ref.Type == "subscription" && slices.ContainsFunc(c.Subscriptions, func(s *sla.Subscription) bool { return s.ID == ref.ID }) {
			continue
		}
		errs = append(errs, LineError{Line: ref.Line, Field: ref.Field,
			Error: fmt.Sprintf("no %s with id %q in the request or the stored evidence", ref.Type, ref.ID)})
	}
	if len(errs) > 0 {
		return nil, &Refusal{Error: fmt.Sprintf("body:%d: %s: %s", errs[0].Line, errs[0].Field, errs[0].Error), Line: errs[0].Line, Field: errs[0].Field, Errors: errs}, nil
	}
	res = &Result{Received: len(batch.Facts)}
	monthStart := time.Date(h.now().UTC().Year(), h.now().UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	var fresh []store.Fact
	for _, f := range batch.Facts {
		if old, ok := have[f.ID]; ok {
			if old.Type == f.Type && old.At.Equal(f.At) && compactJSON(old.JSON) == f.JSON {
				res.Duplicates++
				continue
			}
			return nil, &Refusal{Code: http.StatusConflict, Error: fmt.Sprintf("body:%d: id %q is already used by a different stored fact", f.Line, f.ID), Line: f.Line, Field: "id", ID: f.ID}, nil
		}
		fresh = append(fresh, store.Fact{ID: f.ID, Type: f.Type, At: f.At, JSON: []byte(f.JSON)})
		if !f.At.IsZero() && f.At.Before(monthStart) {
			res.Late = append(res.Late, f.ID)
		}
	}
	if len(fresh) > 0 {
		if err := h.store.AppendFacts(ctx, fresh); errors.Is(err, store.ErrConflict) {
			// Another request stored one of these ids meanwhile.
			return nil, &Refusal{Code: http.StatusConflict, Error: "another request stored one of these ids meanwhile with other content: " + err.Error()}, nil
		} else if err != nil {
			return nil, nil, fmt.Errorf("store facts: %w", err)
		}
	}
	res.Stored = len(fresh)
	h.log.Log(ctx, level, "facts received", "by", who, "received", res.Received, "stored", res.Stored, "duplicates", res.Duplicates, "late", len(res.Late))
	if len(res.Late) > 0 {
		// The record of a change to evidence of past periods: which facts,
		// from whom, when (the log line's time).
		h.log.Warn("late evidence: facts dated before this month change past periods' reports", "by", who, "ids", strings.Join(res.Late, ","))
		if h.onLate != nil {
			h.onLate()
		}
	}
	return res, nil, nil
}

// factLines is body as JSON Lines: itself, or the elements of a JSON
// array one per line.
func Lines(body []byte) ([]byte, *Refusal) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return body, nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(trimmed, &elems); err != nil {
		return nil, &Refusal{Error: "body: a JSON array of facts that does not parse: " + err.Error()}
	}
	var b bytes.Buffer
	for _, e := range elems {
		if err := json.Compact(&b, e); err != nil {
			b.Write(e)
		}
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// inputFactsError is the answer to facts that do not parse.
func InputRefusal(err error) *Refusal {
	var many sla.InputErrors
	var one *sla.InputError
	switch {
	case errors.As(err, &many) && len(many) > 0:
	case errors.As(err, &one):
		many = sla.InputErrors{one}
	default:
		return &Refusal{Error: err.Error()}
	}
	out := &Refusal{Error: many[0].Error(), Line: many[0].Line, Field: many[0].Field}
	for _, e := range many {
		out.Errors = append(out.Errors, LineError{Line: e.Line, Field: e.Field, Error: e.Msg})
	}
	return out
}

// configuredIDs refuses customers and subscriptions whose ids the
// configuration already gives, and ids of the server's own coverage: the
// reports read both, and one id must name one fact.
func ConfiguredIDs(c *config.Config, b *facts.Batch) *Refusal {
	used := map[string]bool{}
	for _, cu := range c.Customers {
		used[cu.ID] = true
	}
	for _, s := range c.Subscriptions {
		used[s.ID] = true
	}
	for _, f := range b.Facts {
		if reports.Reserved(f.ID) {
			return &Refusal{Code: http.StatusConflict, Error: fmt.Sprintf("body:%d: ids starting %q or %q are the server's own records", f.Line, reports.CoveragePrefix, reports.SamplesPrefix), Line: f.Line, Field: "id", ID: f.ID}
		}
		if used[f.ID] {
			return &Refusal{Code: http.StatusConflict, Error: fmt.Sprintf("body:%d: id %q is a customer or subscription of the configuration", f.Line, f.ID), Line: f.Line, Field: "id", ID: f.ID}
		}
	}
	return nil
}

// checkSubscriptions refuses subscriptions of the batch to a plan no
// configured policy has, and ones that overlap another subscription of
// the same customer and policy (configured, stored, or in the batch): the
// engine could not tell which plan covers that time.
func (h *Service) checkSubscriptions(ctx context.Context, c *config.Config, b *facts.Batch) (*Refusal, error) {
	if len(b.Evidence.Subscriptions) == 0 && len(b.Evidence.SubscriptionEnds) == 0 {
		return nil, nil
	}
	line := map[string]int{}
	for _, f := range b.Facts {
		line[f.ID] = f.Line
	}
	refuse := func(s *sla.Subscription, field, format string, args ...any) *Refusal {
		msg := fmt.Sprintf(format, args...)
		return &Refusal{Error: fmt.Sprintf("body:%d: %s: %s", line[s.ID], field, msg), Line: line[s.ID], Field: field, ID: s.ID,
			Errors: []LineError{{Line: line[s.ID], Field: field, Error: msg}}}
	}
	for _, s := range b.Evidence.Subscriptions {
		found := false
		for _, p := range c.Policies {
			if s.Policy != "" && p.ID != s.Policy {
				continue
			}
			for _, v := range p.Versions {
				found = found || v.Plans[s.Plan] != nil
			}
		}
		if !found {
			if s.Policy != "" && !slices.ContainsFunc(c.Policies, func(p *sla.Policy) bool { return p.ID == s.Policy }) {
				return refuse(s, "policy", "no configured policy %q", s.Policy), nil
			}
			return refuse(s, "plan", "no configured policy has a plan %q", s.Plan), nil
		}
		for _, p := range c.Policies {
			if s.Policy != "" && p.ID != s.Policy {
				continue
			}
			if err := p.CheckSet(s); err != nil {
				field, msg := sla.FirstInput(err)
				return refuse(s, cmp.Or(field, "set"), "policy %s: %s", p.ID, msg), nil
			}
		}
	}
	old, err := reports.FactsOfType(ctx, h.store, []string{"subscription", "subscription_end"})
	if err != nil {
		return nil, err
	}
	// The batch's ends apply to the stored subscriptions they name (its
	// own subscriptions have theirs applied); a configured subscription
	// is ended in the configuration, which would otherwise win.
	byID := map[string]*sla.Subscription{}
	for _, s := range old.Subscriptions {
		byID[s.ID] = s
	}
	for _, e := range b.Evidence.SubscriptionEnds {
		if slices.ContainsFunc(c.Subscriptions, func(s *sla.Subscription) bool { return s.ID == e.Subscription }) {
			return &Refusal{Code: http.StatusConflict, Error: fmt.Sprintf("body:%d: subscription: %s is configured: set its end in the configuration", line[e.ID], e.Subscription),
				Line: line[e.ID], Field: "subscription", ID: e.ID}, nil
		}
		if s := byID[e.Subscription]; s != nil {
			if !e.At.After(s.Start) {
				return &Refusal{Error: fmt.Sprintf("body:%d: at: subscription %s starts %s: end it after that", line[e.ID], s.ID, s.Start.UTC().Format(time.RFC3339)),
					Line: line[e.ID], Field: "at", ID: e.ID}, nil
			}
			if s.End.IsZero() || e.At.Before(s.End) {
				s.End = e.At
			}
		}
	}
	all := append(slices.Clone(c.Subscriptions), old.Subscriptions...)
	known := map[string]bool{}
	for _, s := range all {
		known[s.ID] = true
	}
	for _, s := range b.Evidence.Subscriptions {
		if known[s.ID] {
			continue // a duplicate or a conflict: the id check answers it
		}
		for _, o := range all {
			if _, later := sla.Overlap([]*sla.Subscription{o, s}); later != nil {
				return refuse(s, "start", "subscription %s overlaps %s of customer %s under the same policy; end one where the other starts", s.ID, o.ID, s.Customer), nil
			}
		}
		all = append(all, s)
		known[s.ID] = true
	}
	return nil, nil
}

// compactJSON is b with the white space between tokens removed, as the
// facts of a batch are.
func compactJSON(b []byte) string {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return string(b)
	}
	return out.String()
}
