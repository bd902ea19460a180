package facts

import (
	"fmt"
	"strings"
	"testing"
)

func TestScratch(t *testing.T) {
	for _, doc := range []string{
		`{"TYPE":"status","Id":"s1","AT":"2026-10-01T00:00:00Z","Component":"api","STATUS":"major_outage"}`,
		`{"type":"claim","id":"c1","at":"2026-10-01T00:00:00Z","customer":"a","subscription":"s","period":"October"}` + "\n" + `{"type":"subscription","id":"s","customer":"a","plan":"p","fee":1,"start":"2026-01-01T00:00:00Z"}`,
		`{"type":"incident","id":"i","at":"2026-10-01T00:00:00Z"}` + "\n" + `{"type":"incident_update","id":"u","incident":"i","at":"2026-10-01T00:00:00Z","status":"postmortem"}`,
		`{"type":5,"id":"x"}`,
		`[1]`,
		"\xef\xbb\xbf" + `{"type":"disaster","id":"d","at":"2026-10-01T00:00:00Z"}`,
		`{"type":"status","id":"s1","at":"2026-10-01T00:00:00Z","component":"api","status":"operational","status":"major_outage"}`,
		`{"type":"status","id":"s1","at":"2026-10-01T00:00:00Z","component":"api","status":"major_outage","cause":7}`,
		`{"type":"maintenance","id":"m","components":"api","start":"2026-10-01T00:00:00Z","end":"2026-10-01T01:00:00Z","announced_at":"2026-09-01T00:00:00Z"}`,
		`{"type":"backup","id":"b","at":"2026-10-01T00:00:00Z","ok":"yes"}`,
		`{"type":"sample","id":"b","at":"2026-10-01T00:00:00Z","component":"a","metric":"latency_ms","value":1e400}`,
		`{"type":"status","id":"s1","at":"2026-10-01T00:00:00.7Z","component":"api","status":"major_outage"}` + "\n" + `{"type":"status","id":"s1","at":"2026-10-01T00:00:00.7Z","component":"api","status":"major_outage"}`,
		`{"type":"status","id":"s1","at":"2026-10-01T00:00:00Z","component":"api","status":"major_outage"}` + "\n" + `{"id":"s1","type":"status","at":"2026-10-01T00:00:00Z","component":"api","status":"major_outage"}`,
		`{"type":"status","id":"s1","at":"2026-10-01t00:00:00z","component":"api","status":"major_outage"}`,
		`{"type":"status","id":"s1","at":"2026-10-01T00:00:00Z","component":"api","status":"major_outage"} {"a":1}`,
		`{"type":"ticket","id":"t","at":"2026-10-01T00:00:00Z","customer":"c","priority":"p1"}` + "\n" + `{"type":"ticket_event","id":"e","ticket":"t","at":"2026-09-01T00:00:00Z","kind":"agent_reply"}`,
		`{"type":"subscription","id":"s","customer":"a","plan":"p","fee":-1,"start":"2026-01-01T00:00:00Z"}`,
		`{"type":"subscription","id":"s","customer":"a","plan":"p","fee":null,"start":"2026-01-01T00:00:00Z"}`,
		`{"type":"attribution","id":"a","at":"2026-10-01T00:00:00Z","components":["api"],"start":"2026-10-01T00:00:00Z","end":"2026-10-01T01:00:00Z","cause":"liable","by":"x","reason":"y","incident":"nope"}`,
	} {
		ev, err := Parse("f.jsonl", strings.NewReader(doc))
		if err != nil {
			fmt.Printf("ERR %v\n\n", err)
			continue
		}
		fmt.Printf("OK %d statuses %d claims %+v updates %d subs %+v\n\n", len(ev.Statuses), len(ev.Claims), ev.Statuses, len(ev.IncidentUpdates), ev.Subscriptions)
	}
}
