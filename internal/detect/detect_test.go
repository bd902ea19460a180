package detect

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
)

var t0 = time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)

// at returns t0 plus m minutes.
func at(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }

func res(id, loc string, m float64, st monitor.State) monitor.Result {
	return monitor.Result{MonitorID: id, Location: loc, At: at(m), State: st, Message: string(st)}
}

// seq returns results of one monitor and location a minute apart from
// minute from.
func seq(id, loc string, from float64, states ...monitor.State) []monitor.Result {
	out := make([]monitor.Result, len(states))
	for i, st := range states {
		out[i] = res(id, loc, from+float64(i), st)
	}
	return out
}

func cat(rs ...[]monitor.Result) []monitor.Result {
	var out []monitor.Result
	for _, r := range rs {
		out = append(out, r...)
	}
	return out
}

// mon is a monitor checked every minute. Its locations go silent only
// after 100 intervals: the tables below feed some locations far apart in
// time to pin the dating of changes; TestSilentLocation tests silence.
func mon(id, comp string, fail, rec, quorum int, locs ...string) *monitor.Monitor {
	return &monitor.Monitor{ID: id, Component: comp, Type: monitor.TypeHTTP, Target: "https://" + id, Interval: time.Minute,
		FailAfter: fail, RecoverAfter: rec, Quorum: quorum, Locations: locs, SilentAfter: 100}
}

func observeAll(tb testing.TB, d *Detector, rs []monitor.Result) []Change {
	tb.Helper()
	var out []Change
	for _, r := range rs {
		cs := d.Observe(r)
		if len(cs) > 1 {
			tb.Fatalf("Observe(%v) returned %d changes, want at most 1", r, len(cs))
		}
		out = append(out, cs...)
	}
	return out
}

func ch(m, comp string, minute float64, st sla.Status) Change {
	return Change{Component: comp, Monitor: m, At: at(minute), Status: st}
}

var ignoreEvidence = cmpopts.IgnoreFields(Change{}, "Evidence")

const (
	up  = monitor.Up
	deg = monitor.Degraded
	dn  = monitor.Down
)

func TestObserve(t *testing.T) {
	tests := []struct {
		name     string
		monitors []*monitor.Monitor
		results  []monitor.Result
		want     []Change
	}{
		{
			name:     "three failures confirm down at the first",
			monitors: []*monitor.Monitor{mon("m", "web", 3, 2, 0)},
			results:  seq("m", "local", 0, up, dn, dn, dn, dn),
			want:     []Change{ch("m", "web", 1, sla.MajorOutage)},
		},
		{
			name:     "two failures are not enough for three",
			monitors: []*monitor.Monitor{mon("m", "web", 3, 2, 0)},
			results:  seq("m", "local", 0, dn, dn, up, dn, dn, up),
		},
		{
			name:     "flapping never confirms",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			results:  seq("m", "local", 0, dn, up, dn, up, deg, up, dn, up, dn),
		},
		{
			name:     "flapping while down never recovers",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			results:  seq("m", "local", 0, dn, dn, up, dn, up, dn, up, dn),
			want:     []Change{ch("m", "web", 0, sla.MajorOutage)},
		},
		{
			name:     "recovery at the first success of the recovering streak",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 3, 0)},
			results:  seq("m", "local", 0, dn, dn, dn, up, up, dn, up, up, up, up),
			want:     []Change{ch("m", "web", 0, sla.MajorOutage), ch("m", "web", 6, sla.Operational)},
		},
		{
			name:     "zero thresholds count as one",
			monitors: []*monitor.Monitor{mon("m", "web", 0, 0, 0)},
			results:  seq("m", "local", 0, up, dn, up),
			want:     []Change{ch("m", "web", 1, sla.MajorOutage), ch("m", "web", 2, sla.Operational)},
		},
		{
			name:     "degraded, then down, then back through degraded",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			results:  seq("m", "local", 0, deg, deg, dn, dn, deg, deg, up, up),
			want: []Change{
				ch("m", "web", 0, sla.Degraded), ch("m", "web", 2, sla.MajorOutage),
				ch("m", "web", 4, sla.Degraded), ch("m", "web", 6, sla.Operational),
			},
		},
		{
			name:     "degraded and down mixed confirm degraded only",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			results:  seq("m", "local", 0, dn, deg, dn, deg, up, up),
			want:     []Change{ch("m", "web", 0, sla.Degraded), ch("m", "web", 4, sla.Operational)},
		},
		{
			name:     "quorum 2 of 3: one location down changes nothing",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us", "ap")},
			results:  cat(seq("m", "eu", 0, dn, dn, dn, dn), seq("m", "us", 0.5, up, up, up)),
		},
		{
			name:     "quorum 2 of 3: two down is a major outage from the second location's first failure",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us", "ap")},
			results:  cat(seq("m", "eu", 0, dn, dn, dn, dn), seq("m", "us", 1.5, dn, dn, dn)),
			want:     []Change{ch("m", "web", 1.5, sla.MajorOutage)},
		},
		{
			name:     "quorum 0 is a majority",
			monitors: []*monitor.Monitor{mon("m", "web", 1, 1, 0, "eu", "us", "ap")},
			results:  cat(seq("m", "eu", 0, dn), seq("m", "us", 1, dn), seq("m", "ap", 2, dn), seq("m", "eu", 3, up), seq("m", "us", 4, up)),
			want:     []Change{ch("m", "web", 1, sla.MajorOutage), ch("m", "web", 4, sla.Operational)},
		},
		{
			name:     "quorum above the number of locations is all of them",
			monitors: []*monitor.Monitor{mon("m", "web", 1, 1, 5, "eu", "us")},
			results:  cat(seq("m", "eu", 0, dn), seq("m", "us", 1, dn)),
			want:     []Change{ch("m", "web", 1, sla.MajorOutage)},
		},
		{
			name:     "quorum of the latest starter when locations confirm out of order",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us", "ap")},
			// us starts failing later but confirms first (eu's results are
			// delivered late).
			results: cat(seq("m", "us", 2, dn, dn), seq("m", "eu", 1, dn, dn)),
			want:    []Change{ch("m", "web", 2, sla.MajorOutage)},
		},
		{
			name:     "a down and a degraded location are a degraded quorum",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us", "ap")},
			results:  cat(seq("m", "eu", 0, dn, dn, dn), seq("m", "us", 1.5, deg, deg), seq("m", "us", 3.5, dn, dn)),
			want:     []Change{ch("m", "web", 1.5, sla.Degraded), ch("m", "web", 3.5, sla.MajorOutage)},
		},
		{
			name:     "a location degraded before it went down counts from its first degraded result",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us", "ap")},
			// us's results arrive after eu's: eu has been down since 2 but
			// failing since 0, so the quorum of failing locations dates
			// from us's first degraded result at 1.
			results: cat(seq("m", "eu", 0, deg, deg, dn, dn), seq("m", "us", 1, deg, deg)),
			want:    []Change{ch("m", "web", 1, sla.Degraded)},
		},
		{
			name:     "major becomes degraded when a location partly recovers",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us")},
			results:  cat(seq("m", "eu", 0, dn, dn), seq("m", "us", 0.5, dn, dn), seq("m", "us", 2.5, deg, deg), seq("m", "eu", 5, up, up)),
			want: []Change{
				ch("m", "web", 0.5, sla.MajorOutage), ch("m", "web", 2.5, sla.Degraded), ch("m", "web", 5, sla.Operational),
			},
		},
		{
			name:     "one location recovering breaks the quorum",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us", "ap")},
			results:  cat(seq("m", "eu", 0, dn, dn), seq("m", "us", 0, dn, dn), seq("m", "us", 2, up, up), seq("m", "eu", 3, up, up)),
			want:     []Change{ch("m", "web", 0, sla.MajorOutage), ch("m", "web", 2, sla.Operational)},
		},
		{
			name:     "a later quorum never dates a change before the previous one",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us", "ap")},
			// eu and us down: major at 0.5. us recovers from 3, confirmed at
			// 4: operational at 3. ap's streak began at 2 but confirms only
			// at 5: the major outage cannot restart before 3.
			results: cat(seq("m", "eu", 0, dn, dn), seq("m", "us", 0.5, dn, dn), seq("m", "us", 3, up, up), seq("m", "ap", 2, dn), seq("m", "ap", 5, dn)),
			want: []Change{
				ch("m", "web", 0.5, sla.MajorOutage), ch("m", "web", 3, sla.Operational), ch("m", "web", 3, sla.MajorOutage),
			},
		},
		{
			name:     "several monitors on one component report separately",
			monitors: []*monitor.Monitor{mon("a", "web", 1, 1, 0), mon("b", "web", 2, 1, 0)},
			results:  cat(seq("a", "local", 0, dn), seq("b", "local", 0.5, dn, dn), seq("a", "local", 3, up), seq("b", "local", 4, up)),
			want: []Change{
				ch("a", "web", 0, sla.MajorOutage), ch("b", "web", 0.5, sla.MajorOutage),
				ch("a", "web", 3, sla.Operational), ch("b", "web", 4, sla.Operational),
			},
		},
		{
			name:     "ignored: unknown monitor, unknown location, unknown state, older result",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 1, "eu")},
			results: []monitor.Result{
				res("x", "eu", 0, dn), res("m", "us", 0, dn), res("m", "eu", 1, "unknown"),
				res("m", "eu", 5, dn), res("m", "eu", 2, dn), res("m", "eu", 6, up),
			},
		},
		{
			name:     "a result without a location is local",
			monitors: []*monitor.Monitor{mon("m", "web", 1, 1, 0)},
			results:  seq("m", "", 0, dn),
			want:     []Change{ch("m", "web", 0, sla.MajorOutage)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(tt.monitors)
			got := observeAll(t, d, tt.results)
			if diff := cmp.Diff(tt.want, got, ignoreEvidence, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func ev(id, loc string, minute float64, st monitor.State) Evidence {
	return Evidence{Monitor: id, Location: loc, At: at(minute), State: st, Message: string(st)}
}

func TestEvidence(t *testing.T) {
	tests := []struct {
		name     string
		monitors []*monitor.Monitor
		results  []monitor.Result
		want     [][]Evidence // per change
	}{
		{
			name:     "the confirming streak",
			monitors: []*monitor.Monitor{mon("m", "web", 3, 2, 0)},
			results:  seq("m", "local", 0, up, dn, dn, dn, dn, up, up),
			want: [][]Evidence{
				{ev("m", "local", 1, dn), ev("m", "local", 2, dn), ev("m", "local", 3, dn)},
				{ev("m", "local", 5, up), ev("m", "local", 6, up)},
			},
		},
		{
			name:     "every location of the quorum",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 2, "eu", "us", "ap")},
			results:  cat(seq("m", "eu", 0, dn, dn), seq("m", "ap", 0.5, deg), seq("m", "us", 1.5, dn, dn)),
			want: [][]Evidence{{
				ev("m", "eu", 0, dn), ev("m", "eu", 1, dn), ev("m", "us", 1.5, dn), ev("m", "us", 2.5, dn),
			}},
		},
		{
			name:     "a degraded streak of mixed results",
			monitors: []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			results:  seq("m", "local", 0, up, deg, dn),
			want:     [][]Evidence{{ev("m", "local", 1, deg), ev("m", "local", 2, dn)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := observeAll(t, New(tt.monitors), tt.results)
			var evs [][]Evidence
			for _, c := range got {
				evs = append(evs, c.Evidence)
			}
			if diff := cmp.Diff(tt.want, evs); diff != "" {
				t.Errorf("evidence (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFact(t *testing.T) {
	c := Change{Component: "web", Monitor: "web-http", At: time.Date(2026, 10, 14, 11, 5, 7, 900e6, time.FixedZone("CEST", 2*3600)), Status: sla.MajorOutage}
	got := c.Fact("st-1")
	want := sla.StatusChange{ID: "st-1", At: time.Date(2026, 10, 14, 9, 5, 7, 0, time.UTC), Component: "web", Status: sla.MajorOutage, Source: "monitor:web-http"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Fact (-want +got):\n%s", diff)
	}
}

func retarget(m *monitor.Monitor) *monitor.Monitor {
	m.Target += "/v2"
	return m
}

func TestUpdate(t *testing.T) {
	down := cat(seq("m", "local", 0, dn, dn), seq("n", "local", 0, dn, dn))
	tests := []struct {
		name       string
		before     []*monitor.Monitor
		results    []monitor.Result // before the update
		after      []*monitor.Monitor
		wantUpdate []Change
		later      []monitor.Result
		wantLater  []Change
	}{
		{
			name:       "removing a monitor that is down reports it operational at its last result",
			before:     []*monitor.Monitor{mon("m", "web", 2, 2, 0), mon("n", "api", 2, 2, 0)},
			results:    cat(down, seq("m", "local", 2, dn, dn)),
			after:      []*monitor.Monitor{mon("n", "api", 2, 2, 0)},
			wantUpdate: []Change{ch("m", "web", 3, sla.Operational)},
			later:      cat(seq("m", "local", 10, up, up), seq("n", "local", 10, up, up)),
			wantLater:  []Change{ch("n", "api", 10, sla.Operational)},
		},
		{
			name:    "removing an operational monitor reports nothing",
			before:  []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			results: seq("m", "local", 0, dn, up),
			later:   seq("m", "local", 10, dn, dn),
		},
		{
			name:       "moving a monitor to another component clears the old one",
			before:     []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			results:    seq("m", "local", 0, dn, dn),
			after:      []*monitor.Monitor{mon("m", "shop", 2, 2, 0)},
			wantUpdate: []Change{ch("m", "web", 1, sla.Operational)},
			later:      seq("m", "local", 10, dn, dn),
			wantLater:  []Change{ch("m", "shop", 10, sla.MajorOutage)},
		},
		{
			name:       "a new target starts afresh, but not before the last change",
			before:     []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			results:    seq("m", "local", 0, dn, dn),
			after:      []*monitor.Monitor{retarget(mon("m", "web", 2, 2, 0))},
			wantUpdate: []Change{ch("m", "web", 1, sla.Operational)},
			// A result of the old target still in flight.
			later:     seq("m", "local", 0.5, dn, dn),
			wantLater: []Change{ch("m", "web", 1, sla.MajorOutage)},
		},
		{
			name:      "a new threshold keeps the streak",
			before:    []*monitor.Monitor{mon("m", "web", 3, 2, 0)},
			results:   seq("m", "local", 0, dn),
			after:     []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			later:     seq("m", "local", 1, dn),
			wantLater: []Change{ch("m", "web", 0, sla.MajorOutage)},
		},
		{
			name:    "a lower quorum applies from the next result, not retroactively",
			before:  []*monitor.Monitor{mon("m", "web", 1, 1, 2, "eu", "us")},
			results: seq("m", "eu", 0, dn, dn),
			after:   []*monitor.Monitor{mon("m", "web", 1, 1, 1, "eu", "us")},
			later:   cat(seq("m", "us", 5, up), seq("m", "eu", 6, up)),
			wantLater: []Change{
				ch("m", "web", 5, sla.MajorOutage), ch("m", "web", 6, sla.Operational),
			},
		},
		{
			name:      "a removed location stops counting",
			before:    []*monitor.Monitor{mon("m", "web", 1, 1, 1, "eu", "us")},
			results:   seq("m", "eu", 0, dn),
			after:     []*monitor.Monitor{mon("m", "web", 1, 1, 1, "us", "ap")},
			later:     cat(seq("m", "eu", 5, dn), seq("m", "ap", 6, up)),
			wantLater: []Change{ch("m", "web", 6, sla.Operational)},
		},
		{
			name:      "an added monitor starts operational",
			after:     []*monitor.Monitor{mon("m", "web", 2, 2, 0)},
			later:     seq("m", "local", 0, up, dn, dn),
			wantLater: []Change{ch("m", "web", 1, sla.MajorOutage)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(tt.before)
			observeAll(t, d, tt.results)
			got := d.Update(tt.after)
			if diff := cmp.Diff(tt.wantUpdate, got, ignoreEvidence, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Update changes (-want +got):\n%s", diff)
			}
			got = observeAll(t, d, tt.later)
			if diff := cmp.Diff(tt.wantLater, got, ignoreEvidence, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("later changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSnapshotRestore(t *testing.T) {
	monitors := []*monitor.Monitor{mon("m", "web", 3, 2, 2, "eu", "us", "ap"), mon("n", "api", 2, 2, 0)}
	tests := []struct {
		name   string
		before []monitor.Result
		after  []monitor.Result
		want   []Change // from after
	}{
		{
			name:   "a streak begun before the restart confirms from its first result",
			before: cat(seq("m", "eu", 0, dn, dn, dn), seq("m", "us", 1.5, dn, dn)),
			after:  seq("m", "us", 3.5, dn),
			want: []Change{{Component: "web", Monitor: "m", At: at(1.5), Status: sla.MajorOutage, Evidence: []Evidence{
				ev("m", "eu", 0, dn), ev("m", "eu", 1, dn), ev("m", "us", 1.5, dn),
				ev("m", "eu", 2, dn), ev("m", "us", 2.5, dn), ev("m", "us", 3.5, dn),
			}}},
		},
		{
			name:   "a status confirmed before the restart is not reported again",
			before: seq("n", "local", 0, dn, dn, dn),
			after:  seq("n", "local", 3, dn, up, up),
			want: []Change{{Component: "api", Monitor: "n", At: at(4), Status: sla.Operational, Evidence: []Evidence{
				ev("n", "local", 4, up), ev("n", "local", 5, up),
			}}},
		},
		{
			name:   "older results stay ignored",
			before: seq("n", "local", 5, dn),
			after:  cat(seq("n", "local", 0, dn, dn)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(monitors)
			observeAll(t, d, tt.before)
			snap := d.Snapshot()
			b, err := json.Marshal(snap)
			if err != nil {
				t.Fatal(err)
			}
			var loaded []LocationState
			if err := json.Unmarshal(b, &loaded); err != nil {
				t.Fatal(err)
			}
			r := New(monitors)
			r.Restore(loaded)
			if diff := cmp.Diff(snap, r.Snapshot()); diff != "" {
				t.Errorf("snapshot after restore (-want +got):\n%s", diff)
			}
			got := observeAll(t, r, tt.after)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("changes after restore (-want +got):\n%s", diff)
			}
			// The detector that never restarted agrees.
			if diff := cmp.Diff(tt.want, observeAll(t, d, tt.after), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("changes without restart (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRestoreSkipsUnknown(t *testing.T) {
	d := New([]*monitor.Monitor{mon("m", "web", 1, 1, 0)})
	d.Restore([]LocationState{
		{Monitor: "gone", Location: "local", State: dn, MonitorStatus: sla.MajorOutage},
		{Monitor: "m", Location: "eu", State: dn, MonitorStatus: sla.MajorOutage},
		{Monitor: "m", Location: "local", State: "bogus", MonitorStatus: sla.MajorOutage},
	})
	want := []LocationState{{Monitor: "m", Location: "local", State: up, MonitorStatus: sla.Operational}}
	if diff := cmp.Diff(want, d.Snapshot(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
}

func TestQuorum(t *testing.T) {
	tests := []struct {
		name string
		m    *monitor.Monitor
		want int
	}{
		{"no locations", mon("m", "c", 1, 1, 0), 1},
		{"majority of 1", mon("m", "c", 1, 1, 0, "a"), 1},
		{"majority of 2", mon("m", "c", 1, 1, 0, "a", "b"), 2},
		{"majority of 3", mon("m", "c", 1, 1, 0, "a", "b", "c"), 2},
		{"majority of 4", mon("m", "c", 1, 1, 0, "a", "b", "c", "d"), 3},
		{"explicit", mon("m", "c", 1, 1, 1, "a", "b", "c"), 1},
		{"clamped", mon("m", "c", 1, 1, 9, "a", "b", "c"), 3},
		{"duplicate locations count once", mon("m", "c", 1, 1, 0, "a", "a", "b"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Quorum(tt.m); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// Seed: a replica taking a monitor over mid-outage reports neither the
// standing outage again nor its end before RecoverAfter results.
func TestSeedContinuesAnOutage(t *testing.T) {
	m := &monitor.Monitor{ID: "m", Component: "api", Type: monitor.TypeHTTP, Interval: time.Minute, FailAfter: 2, RecoverAfter: 3, Locations: []string{"eu", "us", "ap"}}
	d := New([]*monitor.Monitor{m})
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	d.Seed("m", sla.MajorOutage, t0)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	obs := func(loc string, min int, st monitor.State) []Change {
		return d.Observe(monitor.Result{MonitorID: "m", Location: loc, At: at(min), State: st})
	}
	// A result before the seed's time is ignored; down results keep the
	// outage without a second change.
	if ch := obs("eu", -1, monitor.Up); ch != nil {
		t.Fatalf("an older result changed %v", ch)
	}
	for min := 1; min <= 3; min++ {
		for _, loc := range []string{"eu", "us", "ap"} {
			if ch := obs(loc, min, monitor.Down); ch != nil {
				t.Fatalf("minute %d %s: %v", min, loc, ch)
			}
		}
	}
	// eu and us recover: two up results are not yet three.
	for min := 4; min <= 5; min++ {
		for _, loc := range []string{"eu", "us"} {
			if ch := obs(loc, min, monitor.Up); ch != nil {
				t.Fatalf("minute %d %s: %v", min, loc, ch)
			}
		}
	}
	if ch := obs("eu", 6, monitor.Up); ch != nil {
		t.Fatalf("one location recovered of a quorum of two: %v", ch)
	}
	// us's third up breaks the quorum of down: operational since us's
	// streak began, minute 4.
	ch := obs("us", 6, monitor.Up)
	if len(ch) != 1 || ch[0].Status != sla.Operational || !ch[0].At.Equal(at(4)) {
		t.Fatalf("recovery: %+v", ch)
	}
	if last := d.Last("m", "us"); !last.Equal(at(6)) {
		t.Errorf("Last = %s", last)
	}
}

// A location that stops reporting stops counting once it lags the others'
// newest result by SilentAfter intervals (default 3): a dead agent last
// seen down neither holds an outage nor adds to another location's
// failure, and one last seen up does not keep a quorum of all from
// forming. Changes it causes are dated at the result that showed it.
func TestSilentLocation(t *testing.T) {
	m := func(q int) *monitor.Monitor {
		return &monitor.Monitor{ID: "m", Component: "web", Type: monitor.TypeHTTP, Target: "https://m", Interval: time.Minute,
			FailAfter: 1, RecoverAfter: 1, Quorum: q, Locations: []string{"eu", "us", "ap"}}
	}
	tests := []struct {
		name     string
		monitor  *monitor.Monitor
		results  []monitor.Result
		want     []Change
		silentAt []string
	}{
		{
			// eu and us down at 0: a major outage. eu dies; us and ap are
			// up from 1. Without silence eu's stale down would hold nothing
			// (one of three), so the outage ends at 1 as before.
			name:    "a dead agent last seen down does not hold an outage",
			monitor: m(0),
			results: cat(seq("m", "eu", 0, dn), seq("m", "us", 0, dn), seq("m", "ap", 0, up),
				seq("m", "us", 1, up, up, up, up, up), seq("m", "ap", 1, up, up, up, up, up)),
			want:     []Change{ch("m", "web", 0, sla.MajorOutage), ch("m", "web", 1, sla.Operational)},
			silentAt: []string{"eu"},
		},
		{
			// eu died down at 0. At 5 ap fails alone: eu, silent since it
			// lags 5 minutes (> 3), is not a second vote.
			name:     "a dead agent last seen down is not a second vote",
			monitor:  m(0),
			results:  cat(seq("m", "eu", 0, dn), seq("m", "us", 0, up, up, up, up, up, up), seq("m", "ap", 0, up, up, up, up, up), seq("m", "ap", 5, dn)),
			want:     nil,
			silentAt: []string{"eu"},
		},
		{
			// Quorum 3 (all). eu died up at 0; us and ap down from 5: a
			// quorum of all that report, dated at the result that formed
			// it.
			name:     "a dead agent last seen up does not block a quorum of all",
			monitor:  m(3),
			results:  cat(seq("m", "eu", 0, up), seq("m", "us", 0, up), seq("m", "ap", 0, up), seq("m", "us", 5, dn), seq("m", "ap", 5, dn)),
			want:     []Change{ch("m", "web", 5, sla.MajorOutage)},
			silentAt: []string{"eu"},
		},
		{
			// The same, within the silence threshold: eu lags 2 minutes,
			// still counts, and blocks the quorum of 3.
			name:    "a location lagging less than SilentAfter still counts",
			monitor: m(3),
			results: cat(seq("m", "eu", 0, up), seq("m", "us", 0, up), seq("m", "ap", 0, up), seq("m", "us", 2, dn), seq("m", "ap", 2, dn)),
			want:    nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New([]*monitor.Monitor{tt.monitor})
			got := observeAll(t, d, tt.results)
			if diff := cmp.Diff(tt.want, got, ignoreEvidence, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.silentAt, d.Silent("m"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("silent (-want +got):\n%s", diff)
			}
		})
	}
}
