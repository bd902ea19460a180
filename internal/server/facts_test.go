package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/api"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/store/pgtest"
)

const (
	testIngestToken = "ingest-token-of-enough-length"
	testAgentToken  = "agent-token-of-enough-length"
)

// factsEnv is a server over st whose configuration has the tokens of
// every role and the policies of the given files, and no customers or
// subscriptions: the facts bring those.
type factsEnv struct {
	t   *testing.T
	st  store.Store
	url string
}

func newFactsEnv(t *testing.T, st store.Store, policyFiles ...string) *factsEnv {
	t.Helper()
	var cfg strings.Builder
	cfg.WriteString(`tokens:
  - {name: ops@example.test, role: operator, token_env: OPS_TOKEN}
  - {name: dashboard, role: viewer, token_env: VIEW_TOKEN}
  - {name: helpdesk-export, role: ingest, token_env: INGEST_TOKEN}
agents:
  - {location: eu-west, token_env: AGENT_TOKEN}
users:
  - {name: alice, password_hash_env: ALICE_HASH}
`)
	if len(policyFiles) > 0 {
		cfg.WriteString("policies: [" + strings.Join(policyFiles, ", ") + "]\n")
	}
	env := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken, "INGEST_TOKEN": testIngestToken, "AGENT_TOKEN": testAgentToken, "ALICE_HASH": testAliceHash(t)}
	c, err := config.Parse("slakeeper.yaml", []byte(cfg.String()), func(k string) string { return env[k] }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Store: st, Config: c, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &factsEnv{t: t, st: st, url: ts.URL}
}

func (e *factsEnv) post(token, body string, wantCode int, out any) []byte {
	e.t.Helper()
	return apiCall(e.t, e.url, "POST", "/api/v1/facts", token, body, wantCode, out)
}

// stores are the stores the intake tests run on: SQLite and PostgreSQL.
func stores(t *testing.T) map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"sqlite": func(t *testing.T) store.Store {
			st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "facts.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(t *testing.T) store.Store {
			st, err := store.Open(context.Background(), pgtest.DSN(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}

// The five seed examples, fed to a live server through POST
// /api/v1/facts, report what `slakeeper evaluate` reports on the same
// files: every fact kind of the examples goes in and comes out in the
// figures, on both stores.
func TestFactsIntakeMatchesEvaluate(t *testing.T) {
	examples, err := filepath.Glob("../../examples/0*.yaml")
	if err != nil || len(examples) != 5 {
		t.Fatalf("examples: %v, %v", examples, err)
	}
	const period = "2026-10"
	asOf := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			covered := 0
			defer func() {
				if covered == 0 {
					t.Error("no example's report shows the coverage posted")
				}
			}()
			for _, pf := range examples {
				ff := strings.TrimSuffix(pf, ".yaml") + ".jsonl"
				t.Run(filepath.Base(pf), func(t *testing.T) {
					e := newFactsEnv(t, open(t), pf)
					body, err := os.ReadFile(ff)
					if err != nil {
						t.Fatal(err)
					}
					pol, err := policy.Load(pf)
					if err != nil {
						t.Fatal(err)
					}
					// Coverage of the policy's first component by another
					// monitoring system, the one fact kind the examples
					// lack: the reports then say how much of October it
					// covered.
					comps := slices.Sorted(maps.Keys(pol.Components))
					body = append(body, fmt.Sprintf(`{"type":"coverage","id":"nagios:%s:1","component":%q,"start":"2026-09-25T00:00:00Z","end":"2026-10-20T12:00:00Z"}`+"\n", comps[0], comps[0])...)
					ev, err := facts.Parse(ff, strings.NewReader(string(body)))
					if err != nil {
						t.Fatal(err)
					}
					batch, err := facts.ParseBatch(ff, strings.NewReader(string(body)))
					if err != nil {
						t.Fatal(err)
					}
					var res intake.Result
					e.post(testIngestToken, string(body), http.StatusOK, &res)
					if res.Received != len(batch.Facts) || res.Stored != len(batch.Facts) || res.Duplicates != 0 {
						t.Fatalf("first post: got %+v, want %d received and stored", res, len(batch.Facts))
					}
					// The same file again changes nothing.
					e.post(testIngestToken, string(body), http.StatusOK, &res)
					if res.Stored != 0 || res.Duplicates != len(batch.Facts) {
						t.Fatalf("second post: got %+v, want every fact a duplicate", res)
					}

					for _, explain := range []bool{false, true} {
						want, err := sla.Evaluate(sla.Request{Policy: pol, Evidence: ev, Period: period, AsOf: asOf, Explain: explain})
						if err != nil {
							t.Fatal(err)
						}
						var got struct{ Reports []json.RawMessage }
						apiCall(t, e.url, "GET", fmt.Sprintf("/api/v1/reports?period=%s&as_of=%s&explain=%v", period, asOf.Format(time.RFC3339), explain),
							testViewerToken, "", http.StatusOK, &got)
						if len(got.Reports) != 1 {
							t.Fatalf("got %d reports, want 1", len(got.Reports))
						}
						wantJSON, err := json.Marshal(want)
						if err != nil {
							t.Fatal(err)
						}
						var a, b any
						if err := json.Unmarshal(wantJSON, &a); err != nil {
							t.Fatal(err)
						}
						if err := json.Unmarshal(got.Reports[0], &b); err != nil {
							t.Fatal(err)
						}
						if d := cmp.Diff(a, b); d != "" {
							t.Errorf("explain=%v: live report differs from evaluate's (-evaluate +live):\n%s", explain, d)
						}
						if strings.Contains(string(got.Reports[0]), `"coverage"`) {
							covered++
						}
						if explain && !strings.Contains(string(got.Reports[0]), `"intervals"`) && len(want.Subscriptions) > 0 {
							t.Errorf("explain=true: no intervals in %s", got.Reports[0][:min(len(got.Reports[0]), 300)])
						}
					}
				})
			}
		})
	}
}

// seriesFacts are the fact kinds the examples lack: a maintenance series
// and its cancellation.
const seriesFacts = `{"type":"maintenance_series","id":"ms-1","components":["api"],"start":"2026-11-01T02:00:00+01:00","time_zone":"Europe/Berlin","rrule":"FREQ=WEEKLY;BYDAY=SU","duration":"2h","announced_at":"2026-10-01T00:00:00Z","title":"Weekly"}
{"type":"maintenance_cancel","id":"mc-1","at":"2026-11-20T00:00:00Z","maintenance":"ms-1","by":"ops","reason":"moved"}
`

func TestFactsIntake(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newFactsEnv(t, open(t))
			ctx := context.Background()

			// Denials: no token, a viewer, an agent's token; an ingest
			// token may not read.
			one := `{"type":"status","id":"st-1","at":"2026-11-02T10:00:00Z","component":"api","status":"major_outage","source":"monitor:x"}`
			e.post("", one, http.StatusUnauthorized, nil)
			e.post(testViewerToken, one, http.StatusForbidden, nil)
			e.post(testAgentToken, one, http.StatusUnauthorized, nil)
			apiCall(t, e.url, "GET", "/api/v1/export?period=2026-11", testIngestToken, "", http.StatusForbidden, nil)
			if fs, _ := e.st.FactsByID(ctx, []string{"st-1"}); len(fs) != 0 {
				t.Fatalf("a refused request stored %v", fs)
			}

			// The series and its cancellation, as a JSON array, by an
			// operator; the maintenance API shows the series cancelled.
			var arr []json.RawMessage
			for _, l := range strings.Split(strings.TrimSpace(seriesFacts), "\n") {
				arr = append(arr, json.RawMessage(l))
			}
			b, _ := json.Marshal(arr)
			var res intake.Result
			e.post(testOpsToken, string(b), http.StatusOK, &res)
			if res.Stored != 2 {
				t.Fatalf("series: got %+v, want 2 stored", res)
			}
			var m struct {
				Series []struct {
					ID          string
					CancelledAt *time.Time `json:"cancelled_at"`
				}
			}
			apiCall(t, e.url, "GET", "/api/v1/maintenance", testViewerToken, "", http.StatusOK, &m)
			if len(m.Series) != 1 || m.Series[0].ID != "ms-1" || m.Series[0].CancelledAt == nil {
				t.Errorf("maintenance series: got %+v, want ms-1 cancelled", m.Series)
			}

			// Bad input: every error with its line and field, and nothing
			// of the request stored.
			bad := one + "\n" + `{"type":"status","id":"st-2","at":"yesterday","component":"api","status":"operational","source":"monitor:x"}` + "\n" +
				`{"type":"ticket_event","id":"ev-1","ticket":"tk-9","at":"2026-11-02T10:00:00Z","kind":"agent_reply"}`
			var fe struct {
				Error  string
				Line   int
				Field  string
				Errors []struct {
					Line  int
					Field string
					Error string
				}
			}
			e.post(testIngestToken, bad, http.StatusBadRequest, &fe)
			if fe.Line != 2 || fe.Field != "at" || !strings.Contains(fe.Error, "body:2: at:") {
				t.Errorf("bad time: got %+v, want line 2, field at", fe)
			}
			if fs, _ := e.st.FactsByID(ctx, []string{"st-1"}); len(fs) != 0 {
				t.Fatalf("a request with a bad line stored %v", fs)
			}
			// A reference to a fact neither in the request nor stored.
			e.post(testIngestToken, `{"type":"ticket_event","id":"ev-1","ticket":"tk-9","at":"2026-11-02T10:00:00Z","kind":"agent_reply"}`, http.StatusBadRequest, &fe)
			if fe.Line != 1 || fe.Field != "ticket" || !strings.Contains(fe.Error, `no ticket with id "tk-9"`) {
				t.Errorf("unknown ticket: got %+v", fe)
			}
			// Once the ticket is stored, its event may come on its own.
			e.post(testIngestToken, `{"type":"ticket","id":"tk-9","at":"2026-11-02T09:00:00Z","customer":"acme","priority":"P1"}`, http.StatusOK, &res)
			e.post(testIngestToken, `{"type":"ticket_event","id":"ev-1","ticket":"tk-9","at":"2026-11-02T10:00:00Z","kind":"agent_reply"}`, http.StatusOK, &res)
			if res.Stored != 1 || len(res.Late) != 1 || res.Late[0] != "ev-1" {
				t.Errorf("ticket event: got %+v, want stored and late (November, read in December)", res)
			}
			// The same id with other content: 409 naming it.
			var conflict struct{ Error, ID string }
			e.post(testIngestToken, `{"type":"ticket_event","id":"ev-1","ticket":"tk-9","at":"2026-11-02T10:05:00Z","kind":"agent_reply"}`, http.StatusConflict, &conflict)
			if conflict.ID != "ev-1" {
				t.Errorf("conflict: got %+v, want id ev-1", conflict)
			}
			// The server's own coverage ids are not for others to use.
			e.post(testIngestToken, `{"type":"coverage","id":"coverage:api:1","component":"api","start":"2026-11-02T09:00:00Z","end":"2026-11-02T10:00:00Z"}`, http.StatusConflict, &conflict)
			e.post(testIngestToken, `{"type":"coverage","id":"nagios:api:1","component":"api","start":"2026-11-02T09:00:00Z","end":"2026-11-02T10:00:00Z"}`, http.StatusOK, &res)
			// Empty and oversized bodies.
			e.post(testIngestToken, "\n# nothing\n", http.StatusBadRequest, nil)
			big := strings.Repeat(" ", api.MaxFactsBody+1)
			e.post(testIngestToken, big, http.StatusRequestEntityTooLarge, nil)
		})
	}
}

// call sends body ("" for none) with the token ("" for none), checks the
// status code and decodes the answer into out when it is not nil.
func (e *factsEnv) call(method, path, token, body string, wantCode int, out any) []byte {
	e.t.Helper()
	return apiCall(e.t, e.url, method, path, token, body, wantCode, out)
}

// Subscriptions sent as facts: an unknown plan or policy, a currency that
// is not ISO 4217, a fee that is not a decimal, or an overlap with a
// configured, stored or sent subscription of the same customer and
// policy is refused with the line and field, and nothing is stored.
func TestFactsSubscriptionChecks(t *testing.T) {
	e := newFactsEnv(t, stores(t)["sqlite"](t), "../../examples/004-infopromo.yaml")
	e.post(testIngestToken, `{"type":"subscription","id":"s1","customer":"bistro","policy":"infopromo","plan":"standard","fee":"300.00","currency":"CAD","start":"2026-01-01T00:00:00Z","end":"2026-07-01T00:00:00Z"}`, http.StatusOK, nil)
	for _, tt := range []struct{ name, body, field string }{
		{"unknown plan", `{"type":"subscription","id":"s2","customer":"bistro","plan":"gold","fee":"1.00","currency":"CAD","start":"2026-07-01T00:00:00Z"}`, "plan"},
		{"unknown policy", `{"type":"subscription","id":"s2","customer":"bistro","policy":"nope","plan":"standard","fee":"1.00","currency":"CAD","start":"2026-07-01T00:00:00Z"}`, "policy"},
		{"bad currency", `{"type":"subscription","id":"s2","customer":"bistro","plan":"standard","fee":"1.00","currency":"CAX","start":"2026-07-01T00:00:00Z"}`, "currency"},
		{"fee not a decimal", `{"type":"subscription","id":"s2","customer":"bistro","plan":"standard","fee":"1,00","currency":"CAD","start":"2026-07-01T00:00:00Z"}`, "fee"},
		{"overlaps the stored one", `{"type":"subscription","id":"s2","customer":"bistro","policy":"infopromo","plan":"premium","fee":"1.00","currency":"CAD","start":"2026-06-01T00:00:00Z"}`, "start"},
		{"two in one request", `{"type":"subscription","id":"s2","customer":"bistro","plan":"premium","fee":"1.00","currency":"CAD","start":"2026-07-01T00:00:00Z"}
{"type":"subscription","id":"s3","customer":"bistro","plan":"standard","fee":"1.00","currency":"CAD","start":"2026-09-01T00:00:00Z"}`, "start"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ferr struct {
				Field string `json:"field"`
				Line  int    `json:"line"`
			}
			e.post(testIngestToken, tt.body, http.StatusBadRequest, &ferr)
			if ferr.Field != tt.field || ferr.Line == 0 {
				t.Errorf("got field %q line %d, want field %q and its line", ferr.Field, ferr.Line, tt.field)
			}
		})
	}
	fs, err := e.st.FactsOfType(context.Background(), []string{"subscription"}, time.Unix(0, 0), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(fs) != 1 {
		t.Errorf("stored subscriptions: %d (%v), want only s1", len(fs), err)
	}
	// The plan change at mid-year is accepted.
	e.post(testIngestToken, `{"type":"subscription","id":"s2","customer":"bistro","policy":"infopromo","plan":"premium","fee":"900.00","currency":"CAD","start":"2026-07-01T00:00:00Z"}`, http.StatusOK, nil)
}
