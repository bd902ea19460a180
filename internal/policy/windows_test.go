package policy

import (
	"testing"
	"time"
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
