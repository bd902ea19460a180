package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/cluster"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

var replicaScenarios = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"ReplicaMembership", testReplicaMembership},
	{"Handoffs", testHandoffs},
	{"LastResults", testLastResults},
}

// testReplicaMembership: a new replica takes work a grace after it joins;
// a renewal keeps its From; a lapsed one joins again with a new From; a
// replica that left has Until set.
func testReplicaMembership(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	lease, grace := 300*time.Millisecond, 200*time.Millisecond
	r, err := s.RenewReplica(ctx, "a", "host:1", lease, grace)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Members) != 1 || r.Members[0].ID != "a" || r.Members[0].Name != "host:1" {
		t.Fatalf("members = %+v", r.Members)
	}
	a := r.Members[0]
	if got := a.From.Sub(a.Seen); got != grace {
		t.Errorf("From - Seen = %s, want the grace %s", got, grace)
	}
	if a.Seen.Sub(r.Now).Abs() > time.Millisecond {
		t.Errorf("Seen %s, database clock %s", a.Seen, r.Now)
	}
	if d := time.Since(r.Now).Abs(); d > time.Minute {
		t.Errorf("the database clock is %s from this machine's", d)
	}
	if _, err := s.RenewReplica(ctx, "b", "host:2", lease, grace); err != nil {
		t.Fatal(err)
	}
	r, err = s.RenewReplica(ctx, "a", "host:1", lease, grace)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Members) != 2 || !r.Members[0].From.Equal(a.From) {
		t.Fatalf("after a renewal: %+v, want a's From %s kept", r.Members, a.From)
	}
	// a goes quiet for longer than its lease: its next renewal is a new
	// join.
	time.Sleep(lease + 50*time.Millisecond)
	r, err = s.RenewReplica(ctx, "a", "host:1", lease, grace)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(r.Members, func(m cluster.Member) bool { return m.ID == "a" })
	if again := r.Members[i]; !again.From.After(a.From.Add(lease)) || again.From.Sub(again.Seen) != grace {
		t.Errorf("after a lapse: %+v, want a new From a grace after now", again)
	}
	if err := s.LeaveReplica(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	r, err = s.RenewReplica(ctx, "a", "host:1", lease, grace)
	if err != nil {
		t.Fatal(err)
	}
	i = slices.IndexFunc(r.Members, func(m cluster.Member) bool { return m.ID == "b" })
	if i < 0 || r.Members[i].Until.IsZero() {
		t.Errorf("b left: %+v", r.Members)
	}
	// A replica that left renews as a new one (a restart reuses no id,
	// but the store must not revive it in place).
	r, err = s.RenewReplica(ctx, "b", "host:2", lease, grace)
	if err != nil {
		t.Fatal(err)
	}
	i = slices.IndexFunc(r.Members, func(m cluster.Member) bool { return m.ID == "b" })
	if !r.Members[i].Until.IsZero() || r.Members[i].From.Sub(r.Members[i].Seen) != grace {
		t.Errorf("b back: %+v", r.Members[i])
	}
}

// testHandoffs: each queued result is taken once, by its owner or, when
// its owner is gone, by anyone; two takers at once never take one twice.
func testHandoffs(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	var hs []store.Handoff
	for i := range 300 {
		owner := []string{"a", "b", "gone"}[i%3]
		hs = append(hs, store.Handoff{Owner: owner, Result: monitor.Result{MonitorID: "m", Location: "eu", At: t0.Add(time.Duration(i) * time.Second),
			State: monitor.Down, Message: "refused", Latency: 3 * time.Millisecond, Seq: uint64(i + 1)}})
	}
	if err := s.HandOff(ctx, hs); err != nil {
		t.Fatal(err)
	}
	alive := []string{"a", "b"}
	// a takes its own and the gone replica's, oldest first.
	got, err := s.TakeHandoffs(ctx, "a", alive, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 || got[0].Owner != "a" || got[1].Owner != "gone" || !got[0].Result.At.Equal(t0) {
		t.Fatalf("first take: %d, %+v", len(got), got[:3])
	}
	if r := got[0].Result; r.State != monitor.Down || r.Message != "refused" || r.Latency != 3*time.Millisecond || r.Seq != 1 || r.Location != "eu" {
		t.Errorf("round trip: %+v", r)
	}
	for _, h := range got {
		if h.Owner == "b" {
			t.Fatalf("a took b's result %+v", h)
		}
	}
	// The rest, by a and b at once: every result is taken exactly once.
	seen := map[uint64]int{}
	for _, h := range got {
		seen[h.Result.Seq]++
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, who := range []string{"a", "b", "a", "b"} {
		wg.Go(func() {
			for {
				got, err := s.TakeHandoffs(ctx, who, alive, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, h := range got {
					seen[h.Result.Seq]++
					if h.Owner != who && h.Owner != "gone" {
						t.Errorf("%s took %s's result", who, h.Owner)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 300 {
		t.Errorf("taken %d distinct results, want 300", len(seen))
	}
	for seq, n := range seen {
		if n != 1 {
			t.Errorf("result %d taken %d times", seq, n)
		}
	}
}

// testLastResults: the newest result per location, whatever the monitor.
func testLastResults(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	got, err := s.LastResults(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v", got, err)
	}
	rs := []monitor.Result{
		{MonitorID: "a", Location: "eu", At: t0, State: monitor.Up, Seq: 1},
		{MonitorID: "b", Location: "eu", At: t0.Add(time.Minute), State: monitor.Up, Seq: 2},
		{MonitorID: "a", Location: "us", At: t0.Add(30 * time.Second), State: monitor.Down, Seq: 1},
		{MonitorID: "a", Location: "local", At: t0.Add(90 * time.Second), State: monitor.Up},
	}
	if err := s.AppendResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	got, err = s.LastResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"eu": t0.Add(time.Minute), "us": t0.Add(30 * time.Second), "local": t0.Add(90 * time.Second)}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for l, w := range want {
		if !got[l].Equal(w) {
			t.Errorf("%s: got %s, want %s", l, got[l], w)
		}
	}
}
