package facts

import (
	"strings"
	"testing"
)

// TestParseKeyGivenTwice checks that a fact's type and id are their last
// values when a line gives them twice, as for the fact's other fields: the
// fast read of a line's head took the first, so a line whose second id was
// " " was accepted with the id " " (found by FuzzParse).
func TestParseKeyGivenTwice(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"invalid second id", `{"type":"ticket","id":"t","at":"2026-10-06T04:10:00Z","customer":"d","priority":"1","id":" "}`, `f.jsonl:1: id: want a stable id (letters, digits and -_.:/@, at most 200), got " "`},
		{"second type", `{"type":"ticket","id":"t","at":"2026-10-06T04:10:00Z","customer":"d","priority":"1","type":"nope"}`, `f.jsonl:1: type: unknown fact type "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.jsonl", strings.NewReader(tt.line))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}
	ev, err := Parse("f.jsonl", strings.NewReader(`{"type":"ticket","id":"t","at":"2026-10-06T04:10:00Z","customer":"d","priority":"1","id":"t-2"}`))
	if err != nil || len(ev.Tickets) != 1 || ev.Tickets[0].ID != "t-2" {
		t.Fatalf("got %v, %+v, want the ticket t-2", err, ev)
	}
}
