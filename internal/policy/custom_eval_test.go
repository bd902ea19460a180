package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/facts"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// TestSubscriptionSetInReports: a subscription's custom terms decide its
// report; the terms of a past period stay those of the subscription
// then, after a change ends it and starts another.
func TestSubscriptionSetInReports(t *testing.T) {
	p := mustParse(t, customDoc)
	// An hour of major outage of app in January and in February.
	ev, err := facts.Parse("ev.jsonl", strings.NewReader(`
{"type":"subscription","id":"plain","customer":"acme","plan":"std","fee":"1000","start":"2026-01-01T00:00:00Z"}
{"type":"subscription","id":"custom","customer":"initech","plan":"std","fee":"1000","start":"2026-01-01T00:00:00Z","set":{"objective":"99.9","credits":{"tiers":[{"below":"99.9","credit":"25"}]}}}
{"type":"subscription","id":"was-custom","customer":"hooli","plan":"std","fee":"2000","start":"2026-01-01T00:00:00Z","set":{"objective":"99.9","credits":{"tiers":[{"below":"99.9","credit":"25"}]}}}
{"type":"subscription_end","id":"was-custom/end","subscription":"was-custom","at":"2026-02-01T00:00:00Z"}
{"type":"subscription","id":"was-custom@20260201","customer":"hooli","plan":"std","fee":"2000","start":"2026-02-01T00:00:00Z"}
{"type":"status","id":"j1","at":"2026-01-20T10:00:00Z","component":"app","status":"major_outage"}
{"type":"status","id":"j2","at":"2026-01-20T11:00:00Z","component":"app","status":"operational"}
{"type":"status","id":"f1","at":"2026-02-10T10:00:00Z","component":"app","status":"major_outage"}
{"type":"status","id":"f2","at":"2026-02-10T11:00:00Z","component":"app","status":"operational"}
`))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		period, sub string
		objective   float64
		met         bool
		credit      string
		override    bool
	}
	// January: 31 × 1440 = 44,640 min, 60 down: 44,580 / 44,640 =
	// 99.8656 %. February: 28 × 1440 = 40,320 min: 40,260 / 40,320 =
	// 99.8512 %. Both meet the plan's 99.5 % and miss the custom 99.9 %,
	// whose tier gives 25 % of the fee (uncapped: credits replaced whole).
	wants := []want{
		{"2026-01", "plain", 99.5, true, "0.00", false},
		{"2026-01", "custom", 99.9, false, "250.00", true},
		{"2026-01", "was-custom", 99.9, false, "500.00", true},
		{"2026-02", "plain", 99.5, true, "0.00", false},
		{"2026-02", "custom", 99.9, false, "250.00", true},
		{"2026-02", "was-custom@20260201", 99.5, true, "0.00", false},
	}
	got := map[string]*sla.SubscriptionReport{}
	for _, period := range []string{"2026-01", "2026-02"} {
		rep, err := sla.Evaluate(sla.Request{Policy: p, Evidence: ev, Period: period, AsOf: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		for _, sr := range rep.Subscriptions {
			got[period+" "+sr.Subscription] = sr
		}
	}
	for _, w := range wants {
		sr := got[w.period+" "+w.sub]
		if sr == nil {
			t.Errorf("%s %s: no report", w.period, w.sub)
			continue
		}
		if sr.Objective != w.objective || sr.Met != w.met || sr.Credit.Amount != w.credit || sr.Override != w.override {
			t.Errorf("%s %s: objective %v met %v credit %s override %v; want %v %v %s %v (uptime %s)",
				w.period, w.sub, sr.Objective, sr.Met, sr.Credit.Amount, sr.Override, w.objective, w.met, w.credit, w.override, sr.UptimeExact)
		}
	}
	// 44,580 / 44,640 × 100 = 18575/186; 40,260 / 40,320 × 100 = 16775/168.
	if u := got["2026-01 custom"].UptimeExact; u != "18575/186" {
		t.Errorf("January uptime: got %s, want 18575/186", u)
	}
	if u := got["2026-02 custom"].UptimeExact; u != "16775/168" {
		t.Errorf("February uptime: got %s, want 16775/168", u)
	}
}

// TestClassOverrideInReports: seed 000's enterprise users. A subscription
// of the class enterprise is reported under the class's override, a
// customer with its own override under that one, everyone else under the
// plan; the report marks both overrides.
func TestClassOverrideInReports(t *testing.T) {
	p := mustParse(t, `
policy: blum
components: [{id: web}]
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: platform
        objective: 99
        components: [web]
        credits: {tiers: [{below: 99, credit: 10}]}
    overrides:
      - class: enterprise
        plan: platform
        set:
          objective: 99.9
          credits: {tiers: [{below: 99.9, credit: 10}]}
      - customer: globex
        plan: platform
        set:
          objective: 99.5
          credits: {tiers: [{below: 99.5, credit: 20}]}
`)
	// An hour down in January: 31 × 1440 = 44,640 min, 44,580 up:
	// 99.8656 %, above 99 and 99.5, below 99.9.
	ev, err := facts.Parse("ev.jsonl", strings.NewReader(`
{"type":"subscription","id":"smb","customer":"acme","plan":"platform","fee":"1000","start":"2026-01-01T00:00:00Z"}
{"type":"subscription","id":"ent","customer":"initech","plan":"platform","fee":"1000","start":"2026-01-01T00:00:00Z","class":"enterprise"}
{"type":"subscription","id":"own","customer":"globex","plan":"platform","fee":"1000","start":"2026-01-01T00:00:00Z","class":"enterprise"}
{"type":"status","id":"j1","at":"2026-01-20T10:00:00Z","component":"web","status":"major_outage"}
{"type":"status","id":"j2","at":"2026-01-20T11:00:00Z","component":"web","status":"operational"}
`))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sla.Evaluate(sla.Request{Policy: p, Evidence: ev, Period: "2026-01", AsOf: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sub       string
		objective float64
		met       bool
		credit    string
		override  bool
	}{
		{"smb", 99, true, "0.00", false},
		{"ent", 99.9, false, "100.00", true}, // 10 % of 1000
		{"own", 99.5, true, "0.00", true},    // the customer's own override, not its class's
	}
	got := map[string]*sla.SubscriptionReport{}
	for _, sr := range rep.Subscriptions {
		got[sr.Subscription] = sr
	}
	for _, tt := range tests {
		sr := got[tt.sub]
		if sr == nil {
			t.Errorf("%s: no report", tt.sub)
			continue
		}
		if sr.Objective != tt.objective || sr.Met != tt.met || sr.Credit.Amount != tt.credit || sr.Override != tt.override {
			t.Errorf("%s: objective %v met %v credit %s override %v; want %v %v %s %v (uptime %s)",
				tt.sub, sr.Objective, sr.Met, sr.Credit.Amount, sr.Override, tt.objective, tt.met, tt.credit, tt.override, sr.UptimeExact)
		}
	}
}
