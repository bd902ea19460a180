package policy

import (
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// TestParseCountIn: uptime.count_in takes whole minutes that divide an
// hour; the schema agrees with the parser on each document.
func TestParseCountIn(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name  string
		value string
		want  time.Duration
		err   string // a part of the message at line 11, uptime.count_in
	}{
		{name: "5 minutes", value: "5m", want: 5 * time.Minute},
		{name: "one minute", value: "1m", want: time.Minute},
		{name: "an hour", value: "1h", want: time.Hour},
		{name: "7 minutes do not divide an hour", value: "7m", err: `want whole minutes that divide an hour: 1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m or 1h, got "7m"`},
		{name: "seconds", value: "30s", err: `want whole minutes that divide an hour`},
		{name: "longer than an hour", value: "2h", err: `want whole minutes that divide an hour`},
		{name: "zero", value: "0s", err: `want whole minutes that divide an hour`},
		{name: "not a duration", value: "5 min", err: `want a duration such as 90s, 15m, 2h, 7d or 1d12h, got "5 min"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := withPlanKeys("        uptime: {count_in: \"" + tt.value + "\"}\n")
			pol, err := Parse("test.yaml", []byte(doc))
			serr := sch.Validate(yamlToJSON(t, []byte(doc)))
			if (serr == nil) != (tt.err == "") {
				t.Errorf("schema: got error %v, want valid %v", serr, tt.err == "")
			}
			if tt.err != "" {
				checkErr(t, err, wantErr{11, plan0 + ".uptime.count_in", tt.err})
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := pol.Versions[0].Plans["standard"].CountIn; got != tt.want {
				t.Errorf("CountIn: got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestParseZeroResponseTarget: a response target of 0s is the calendar's
// next business moment; other targets must stay above zero.
func TestParseZeroResponseTarget(t *testing.T) {
	doc := withPlanKeys("        support:\n          priorities:\n            - {id: p1, first_response: 0s, ongoing_response: {within: 0m, calendar: always}}\n")
	pol, err := Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	tg := pol.Versions[0].Plans["standard"].Support.Priorities["p1"]
	if tg.FirstResponse == nil || tg.FirstResponse.Duration != 0 || tg.OngoingResponse == nil || tg.OngoingResponse.Duration != 0 {
		t.Fatalf("got first response %+v, ongoing %+v, want two targets of 0", tg.FirstResponse, tg.OngoingResponse)
	}
	if err := compileSchema(t).Validate(yamlToJSON(t, []byte(doc))); err != nil {
		t.Errorf("schema: %v", err)
	}
	for _, key := range []string{"update_every", "resolution"} {
		doc := withPlanKeys("        support:\n          priorities:\n            - {id: p1, " + key + ": 0s}\n")
		_, err := Parse("test.yaml", []byte(doc))
		checkErr(t, err, wantErr{13, plan0 + ".support.priorities[0]." + key, "a target must be longer than zero (0s, the calendar's next business moment, is for first_response and ongoing_response)"})
	}
	_, err = Parse("test.yaml", []byte(withPlanKeys("        incidents:\n          postmortem: {within: 0s}\n")))
	checkErr(t, err, wantErr{12, plan0 + ".incidents.postmortem.within", "a target must be longer than zero"})
}

// TestParseRollingWindow: window takes "rolling Nd" for 1 to 90 days,
// excludes period and credits; the schema agrees on each document.
func TestParseRollingWindow(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name  string
		keys  string
		want  int
		line  int
		field string
		err   string
	}{
		{name: "28 days", keys: "        window: rolling 28d\n", want: 28},
		{name: "30 days", keys: "        window: rolling 30d\n", want: 30},
		{name: "one day", keys: "        window: rolling 1d\n", want: 1},
		{name: "90 days", keys: "        window: rolling 90d\n", want: 90},
		{name: "91 days", keys: "        window: rolling 91d\n", line: 11, field: ".window", err: `want a rolling window of 1 to 90 days, e.g. "rolling 28d" or "rolling 30d", got "rolling 91d"`},
		{name: "zero days", keys: "        window: rolling 0d\n", line: 11, field: ".window", err: `want a rolling window of 1 to 90 days`},
		{name: "no rolling", keys: "        window: 28d\n", line: 11, field: ".window", err: `want a rolling window of 1 to 90 days`},
		{name: "weeks", keys: "        window: rolling 4w\n", line: 11, field: ".window", err: `want a rolling window of 1 to 90 days`},
		{name: "with a period", keys: "        period: month\n        window: rolling 28d\n", line: 12, field: ".window",
			err: "a plan is measured per calendar period or over a rolling window, not both"},
		{name: "with credit tiers", keys: "        window: rolling 28d\n        credits:\n          tiers:\n            - {below: 99.9, credit: 10}\n", line: 12, field: ".credits",
			err: "a rolling window has no end to settle a credit at"},
		{name: "with linear credits", keys: "        window: rolling 28d\n        credits:\n          linear: {credit: 10, per: 1, rounding: ceil}\n", line: 12, field: ".credits",
			err: "a rolling window has no end to settle a credit at"},
		{name: "with a credit cap only", keys: "        window: rolling 28d\n        credits: {cap: 50}\n", line: 12, field: ".credits", err: "give tiers or linear"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := withPlanKeys(tt.keys)
			pol, err := Parse("test.yaml", []byte(doc))
			serr := sch.Validate(yamlToJSON(t, []byte(doc)))
			if (serr == nil) != (tt.err == "") {
				t.Errorf("schema: got error %v, want valid %v", serr, tt.err == "")
			}
			if tt.err != "" {
				checkErr(t, err, wantErr{tt.line, plan0 + tt.field, tt.err})
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := pol.Versions[0].Plans["standard"].Rolling; got != tt.want {
				t.Errorf("Rolling: got %d, want %d", got, tt.want)
			}
		})
	}

	// A performance credit is refused too; an objective with credit 0 is
	// kept (reported met or missed, with nothing owed).
	doc := withPlanKeys("        window: rolling 28d\n        performance:\n          - {metric: latency_ms, aggregate: p95, below: 300, credit: 5}\n")
	_, err := Parse("test.yaml", []byte(doc))
	checkErr(t, err, wantErr{13, plan0 + ".performance[0].credit", "a rolling window has no end to settle a credit at"})
	doc = withPlanKeys("        window: rolling 28d\n        performance:\n          - {metric: latency_ms, aggregate: p95, below: 300, credit: 0}\n")
	if _, err := Parse("test.yaml", []byte(doc)); err != nil {
		t.Errorf("a performance objective with credit 0: %v", err)
	}

	// An override's window replaces the plan's period, and the reverse.
	doc = withPlanKeys("        period: month\n") + "    overrides:\n      - customer: acme\n        plan: standard\n        set: {window: rolling 30d}\n      - customer: beta\n        plan: standard\n        set: {period: quarter}\n"
	pol, err := Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	v := pol.Versions[0]
	if got := v.Overrides[0].Plan.Rolling; got != 30 {
		t.Errorf("acme's override: Rolling %d, want 30", got)
	}
	if got := v.Overrides[1].Plan; got.Rolling != 0 || got.Period != timeline.Quarter {
		t.Errorf("beta's override: Rolling %d, period %v, want 0 and quarter", got.Rolling, got.Period)
	}
}
