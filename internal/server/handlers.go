package server

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/schedule"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// apiError is the one shape of every API error body.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// fail maps an error to its HTTP status in one place: input errors are the
// client's (400, shown whole); anything else is logged and reported as an
// internal error without detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var in *sla.InputError
	switch {
	case errors.As(err, &in):
		writeJSON(w, http.StatusBadRequest, apiError{Error: in.Error(), Field: in.Field})
	case sla.IsInput(err):
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "internal error"})
	}
}

func (s *Server) handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

func (s *Server) handleReady() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if !s.ready.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
			return
		}
		if err := s.store.Ping(ctx); err != nil {
			s.log.Warn("readiness: store unreachable", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unreachable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

func (s *Server) handleMetrics() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

// bearer returns the request's bearer token.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(tok)
	}
	return ""
}

type ctxKey int

const locationKey ctxKey = 1

// tokenNameKey holds the name of the API token that authorised a request.
const tokenNameKey ctxKey = 2

// tokenRoleKey holds the role that authorised a request: the token's, or
// "operator" for a signed-in user.
const tokenRoleKey ctxKey = 3

// withCaller is r's context with who acted and in which role.
func withCaller(r *http.Request, name, role string) context.Context {
	return context.WithValue(context.WithValue(r.Context(), tokenNameKey, name), tokenRoleKey, role)
}

// callerRole is the role that authorised r ("" when none did).
func callerRole(r *http.Request) string {
	role, _ := r.Context().Value(tokenRoleKey).(string)
	return role
}

// requireToken admits a request with an API token of one of roles, or
// with the session of a signed-in user (users are operators). The name of
// the token or user is put in the context under tokenNameKey: it is who
// acted, in audited facts.
func (s *Server) requireToken(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok := bearer(r)
			if tok == "" {
				if slices.Contains(roles, "operator") {
					user, err := s.sessionUser(r)
					if err != nil {
						s.fail(w, r, err)
						return
					}
					if user != "" {
						next.ServeHTTP(w, r.WithContext(withCaller(r, user, "operator")))
						return
					}
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="slakeeper"`)
				writeJSON(w, http.StatusUnauthorized, apiError{Error: "an API token (Authorization: Bearer …) or an operator's sign-in is required"})
				return
			}
			for _, t := range s.Config().Tokens {
				if t.Hash.Matches(tok) {
					for _, role := range roles {
						if t.Role == role {
							next.ServeHTTP(w, r.WithContext(withCaller(r, t.Name, t.Role)))
							return
						}
					}
					writeJSON(w, http.StatusForbidden, apiError{Error: fmt.Sprintf("token %q has role %s, which may not do this", t.Name, t.Role)})
					return
				}
			}
			writeJSON(w, http.StatusUnauthorized, apiError{Error: "unknown API token"})
		})
	}
}

func (s *Server) requireAgent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := bearer(r)
		for _, a := range s.Config().Agents {
			if tok != "" && a.Token.Matches(tok) {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), locationKey, a.Location)))
				return
			}
		}
		writeJSON(w, http.StatusUnauthorized, apiError{Error: "unknown agent token"})
	})
}

// Evidence renders everything the engine needs as JSON Lines: the
// configured customers and subscriptions, then the stored facts with At
// before `to`. The reports API and `slakeeper export` share it, so both
// read exactly the same evidence.
func Evidence(ctx context.Context, c *config.Config, st store.Store, to time.Time) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, cu := range c.Customers {
		if err := enc.Encode(map[string]any{"type": "customer", "id": cu.ID, "customer": cu.Customer, "name": cu.Name, "standing": cu.Standing}); err != nil {
			return nil, err
		}
	}
	for _, sub := range c.Subscriptions {
		line := map[string]any{"type": "subscription", "id": sub.ID, "customer": sub.Customer, "policy": sub.Policy, "plan": sub.Plan,
			"fee": sub.Fee.FloatString(2), "currency": sub.Currency, "start": sub.Start.UTC().Format(time.RFC3339), "trial": sub.Trial}
		if !sub.End.IsZero() {
			line["end"] = sub.End.UTC().Format(time.RFC3339)
		}
		if err := enc.Encode(line); err != nil {
			return nil, err
		}
	}
	fs, err := st.Facts(ctx, time.Unix(0, 0), to)
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	for _, f := range fs {
		b.Write(bytes.TrimSpace(f.JSON))
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// EvidenceEnd is the end of the evidence a period's report reads: facts up
// to 92 days after the period (claims, post-mortems, late attributions),
// with a day's margin for the plans' time zones.
func EvidenceEnd(period string) (time.Time, error) {
	p, err := timeline.ParsePeriod(period, time.UTC)
	if err != nil {
		return time.Time{}, &sla.InputError{Field: "period", Msg: err.Error()}
	}
	return p.Interval().End.Add(93 * 24 * time.Hour), nil
}

// Reports evaluates every configured policy (or one) over the evidence.
func Reports(c *config.Config, evidence []byte, period, policyID, customer string, asOf time.Time) ([]*sla.Report, error) {
	ev, err := facts.Parse("evidence", bytes.NewReader(evidence))
	if err != nil {
		return nil, fmt.Errorf("stored evidence: %w", err)
	}
	reports := []*sla.Report{}
	for _, p := range c.Policies {
		if policyID != "" && p.ID != policyID {
			continue
		}
		// Subscriptions name their policy; keep each policy's own.
		scoped := *ev
		scoped.Subscriptions = nil
		for _, sub := range ev.Subscriptions {
			if sub.Policy == "" || sub.Policy == p.ID {
				scoped.Subscriptions = append(scoped.Subscriptions, sub)
			}
		}
		rep, err := sla.Evaluate(sla.Request{Policy: p, Evidence: &scoped, Period: period, Customer: customer, AsOf: asOf})
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.ID, err)
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

func (s *Server) handleReports() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		period := q.Get("period")
		if period == "" {
			writeJSON(w, http.StatusBadRequest, apiError{Error: "period is required: 2026-10, 2026-Q4 or 2026", Field: "period"})
			return
		}
		asOf := s.now()
		if v := q.Get("as_of"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, apiError{Error: "want an RFC 3339 time", Field: "as_of"})
				return
			}
			asOf = t
		}
		end, err := EvidenceEnd(period)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c := s.Config()
		ev, err := Evidence(r.Context(), c, s.store, end)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		reps, err := Reports(c, ev, period, q.Get("policy"), q.Get("customer"), asOf)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"reports": reps})
	})
}

func (s *Server) handleExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		end, err := EvidenceEnd(r.URL.Query().Get("period"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ev, err := Evidence(r.Context(), s.Config(), s.store, end)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		_, _ = w.Write(ev)
	})
}

func (s *Server) handleHeartbeat() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := s.Config().Monitor(r.PathValue("monitor"))
		tok := bearer(r)
		if tok == "" {
			tok = r.URL.Query().Get("token")
		}
		// The same answer for an unknown monitor and a wrong token, so the
		// endpoint does not reveal which monitors exist.
		if m == nil || m.Type != monitor.TypeHeartbeat || m.Heartbeat == nil || !matchesHex(m.Heartbeat.TokenSHA256, tok) {
			writeJSON(w, http.StatusUnauthorized, apiError{Error: "unknown heartbeat monitor or wrong token"})
			return
		}
		state, msg := monitor.Up, ""
		if v := r.URL.Query().Get("state"); v == "down" || v == "fail" {
			state, msg = monitor.Down, "the job reported a failure"
		}
		if err := s.beat(r.Context(), m, state, msg); err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "recorded"})
	})
}

func matchesHex(hexHash, token string) bool {
	b, err := hex.DecodeString(hexHash)
	if err != nil || len(b) != 32 || token == "" {
		return false
	}
	var sec config.Secret
	copy(sec[:], b)
	return sec.Matches(token)
}

func (s *Server) handleAgentMonitors() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := r.Context().Value(locationKey).(string)
		out := []*monitor.Monitor{}
		for _, m := range s.Config().Monitors {
			if m.Type != monitor.TypeHeartbeat && schedule.RunsAt(m, loc) {
				out = append(out, m)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"location": loc, "monitors": out})
	})
}

func (s *Server) handleAgentAck() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := r.Context().Value(locationKey).(string)
		seq, err := s.store.AgentSeq(r.Context(), loc)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]uint64{"acked_seq": seq})
	})
}

func (s *Server) handleAgentResults() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := r.Context().Value(locationKey).(string)
		var body struct {
			Results []monitor.Result `json:"results"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 16<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{Error: "want {\"results\": [...]}: " + err.Error()})
			return
		}
		c := s.Config()
		for i := range body.Results {
			res := &body.Results[i]
			// The token decides the location; an agent cannot speak for another.
			res.Location = loc
			if res.Seq == 0 {
				writeJSON(w, http.StatusBadRequest, apiError{Error: "every agent result needs a seq > 0", Field: fmt.Sprintf("results[%d].Seq", i)})
				return
			}
			if m := c.Monitor(res.MonitorID); m == nil || !schedule.RunsAt(m, loc) {
				// Kept but not counted: the detector ignores a location a
				// monitor does not have. Refusing would wedge an agent that
				// still holds results of a monitor the configuration moved.
				s.log.Warn("agent result for a monitor not assigned to its location", "monitor", res.MonitorID, "location", loc)
			}
			if err := store.ValidateResult(*res); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(body.Results) > 0 {
			if err := s.Ingest(r.Context(), body.Results); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		seq, err := s.store.AgentSeq(r.Context(), loc)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]uint64{"acked_seq": seq})
	})
}

// handleDemo serves the endpoints the demo configuration monitors: one
// always fine, one slow, one that fails for two minutes in every ten.
func (s *Server) handleDemo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Config().Demo {
			http.NotFound(w, r)
			return
		}
		now := s.now()
		switch r.PathValue("name") {
		case "ok":
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case "slow":
			select {
			case <-time.After(1500 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case "flaky":
			if now.Minute()%10 < 2 {
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "down"})
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		default:
			http.NotFound(w, r)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs API calls (not probes of /healthz or the demo) without
// their credentials.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The public pages are not logged: no recorder for them, as they are
		// what a crowd reloads.
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.code), slog.Duration("took", time.Since(start)))
	})
}
