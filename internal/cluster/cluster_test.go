package cluster

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func TestAlive(t *testing.T) {
	lease := 10 * time.Second
	for _, tc := range []struct {
		name   string
		m      Member
		taken  time.Time
		when   time.Time
		expect bool
	}{
		// Joined at 0 with a grace of 4 s: takes work from 4.
		{"in its grace", Member{ID: "a", From: at(4), Seen: at(0)}, at(1), at(3), false},
		{"from its From", Member{ID: "a", From: at(4), Seen: at(0)}, at(1), at(4), true},
		// Renewed at 5, snapshot at 14: 9 s < 10 s lease.
		{"renewed within the lease", Member{ID: "a", From: at(0), Seen: at(5)}, at(14), at(14), true},
		// Snapshot at 15: 10 s without renewal is a lapse.
		{"lease lapsed at the snapshot", Member{ID: "a", From: at(0), Seen: at(5)}, at(15), at(15), false},
		// The database is away: the view taken at 6 is all there is, and
		// it keeps the replica at work however late it is asked.
		{"a stale view keeps its members", Member{ID: "a", From: at(0), Seen: at(5)}, at(6), at(600), true},
		{"left", Member{ID: "a", From: at(0), Seen: at(5), Until: at(6)}, at(6), at(6), false},
		{"before leaving", Member{ID: "a", From: at(0), Seen: at(5), Until: at(6)}, at(6), at(5), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &View{Self: "a", Taken: tc.taken, Lease: lease, Members: []Member{tc.m}}
			if got := len(v.Alive(tc.when)) == 1; got != tc.expect {
				t.Errorf("alive = %v, want %v", got, tc.expect)
			}
			if got := v.Owns("m", tc.when); got != tc.expect {
				t.Errorf("owns = %v, want %v", got, tc.expect)
			}
		})
	}
}

func TestSkewMapsLocalTimes(t *testing.T) {
	// The database is 3 s ahead of this machine: local 0 is database 3.
	v := &View{Self: "a", Taken: at(3), Skew: 3 * time.Second, Lease: 10 * time.Second,
		Members: []Member{{ID: "a", From: at(4), Seen: at(3)}}}
	if v.Owns("m", at(0)) {
		t.Error("local 0 is database 3, before From 4")
	}
	if !v.Owns("m", at(1)) {
		t.Error("local 1 is database 4, From")
	}
}

func members(ids ...string) []Member {
	var out []Member
	for _, id := range ids {
		out = append(out, Member{ID: id, From: at(0), Seen: at(10)})
	}
	return out
}

// TestSpreadAndMoves: 10,000 monitors over three replicas, a third each
// within 3 %; when one dies, only its monitors move, and they spread over
// the other two.
func TestSpreadAndMoves(t *testing.T) {
	v := &View{Self: "a", Taken: at(10), Lease: 10 * time.Second, Members: members("a", "b", "c")}
	const n = 10000
	before := map[string]string{}
	count := map[string]int{}
	for i := range n {
		k := fmt.Sprintf("mon-%d", i)
		before[k] = v.Owner(k, at(10))
		count[before[k]]++
	}
	for id, c := range count {
		if c < n/3-n*3/100 || c > n/3+n*3/100 {
			t.Errorf("replica %s watches %d of %d monitors", id, c, n)
		}
	}
	// b's lease lapses: the snapshot at 25 is 15 s after its renewal at
	// 10; a and c renewed at 24.
	dead := &View{Self: "a", Taken: at(25), Lease: 10 * time.Second,
		Members: []Member{{ID: "a", From: at(0), Seen: at(24)}, {ID: "b", From: at(0), Seen: at(10)}, {ID: "c", From: at(0), Seen: at(24)}}}
	moved := map[string]int{}
	for k, was := range before {
		now := dead.Owner(k, at(25))
		switch {
		case was != "b" && now != was:
			t.Fatalf("%s moved from live %s to %s", k, was, now)
		case was == "b" && now == "b":
			t.Fatalf("%s stays with dead b", k)
		case was == "b":
			moved[now]++
		}
	}
	if moved["a"] < count["b"]/2-count["b"]/10 || moved["c"] < count["b"]/2-count["b"]/10 {
		t.Errorf("b's %d monitors went %v", count["b"], moved)
	}
}

// TestViewsThatDifferDoNotDouble: a sees b dead, c still sees b alive.
// Every monitor has at most one live checker among a and c.
func TestViewsThatDifferDoNotDouble(t *testing.T) {
	fromA := &View{Self: "a", Taken: at(25), Lease: 10 * time.Second,
		Members: []Member{{ID: "a", From: at(0), Seen: at(24)}, {ID: "b", From: at(0), Seen: at(10)}, {ID: "c", From: at(0), Seen: at(24)}}}
	fromC := &View{Self: "c", Taken: at(19), Lease: 10 * time.Second,
		Members: []Member{{ID: "a", From: at(0), Seen: at(18)}, {ID: "b", From: at(0), Seen: at(10)}, {ID: "c", From: at(0), Seen: at(18)}}}
	waiting := 0
	for i := range 3000 {
		k := fmt.Sprintf("mon-%d", i)
		a, c := fromA.Owns(k, at(25)), fromC.Owns(k, at(25))
		if a && c {
			t.Fatalf("%s is checked by a and c", k)
		}
		if !a && !c && fromA.Owner(k, at(25)) == "c" {
			waiting++ // b's, c will take it at its next snapshot
		}
	}
	if waiting == 0 {
		t.Error("expected some of b's monitors to wait for c's next snapshot")
	}
}

func TestNoMembers(t *testing.T) {
	var v *View
	if v.Owns("m", at(0)) || v.Owner("m", at(0)) != "" || v.Alive(at(0)) != nil {
		t.Error("a nil view owns nothing")
	}
}
