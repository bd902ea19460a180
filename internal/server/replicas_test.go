package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/store/pgtest"
)

// crashable is a replica's store that can die as kill -9 would leave it:
// no leave, no renewal, nothing written.
type crashable struct {
	store.Store
	dead atomic.Bool
}

func (c *crashable) Shared() bool { return true }

var errDead = errors.New("replica killed")

func (c *crashable) RenewReplica(ctx context.Context, id, name string, lease, grace time.Duration) (store.Replicas, error) {
	if c.dead.Load() {
		return store.Replicas{}, errDead
	}
	return c.Store.RenewReplica(ctx, id, name, lease, grace)
}

func (c *crashable) LeaveReplica(ctx context.Context, id string) error {
	if c.dead.Load() {
		return errDead
	}
	return c.Store.LeaveReplica(ctx, id)
}

// checkLog records every check any replica runs.
type checkLog struct {
	mu   sync.Mutex
	runs map[string][]checkRun // monitor → runs in order
}

type checkRun struct {
	replica string
	at      time.Time
}

func (l *checkLog) run(replica string, dead *atomic.Bool, state func(id string) monitor.State) func(context.Context, *monitor.Monitor) monitor.Result {
	return func(_ context.Context, m *monitor.Monitor) monitor.Result {
		if dead.Load() {
			// A killed process checks nothing; the scheduler's goroutine
			// goes on only because this test cannot kill it.
			return monitor.Result{State: monitor.Up}
		}
		l.mu.Lock()
		l.runs[m.ID] = append(l.runs[m.ID], checkRun{replica, time.Now()})
		l.mu.Unlock()
		return monitor.Result{State: state(m.ID), Message: "checked by " + replica}
	}
}

type replicaEnv struct {
	s    *Server
	st   *crashable
	stop func()
}

// startReplica starts a server on the PostgreSQL database dsn with cfg,
// recording its checks in log under name.
func startReplica(t *testing.T, dsn, cfg, name string, log *checkLog, state func(string) monitor.State) *replicaEnv {
	t.Helper()
	c, err := config.Parse("slakeeper.yaml", []byte(cfg), func(string) string { return "" }, policy.Load)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs := &crashable{Store: st}
	s, err := New(Options{Store: cs, Config: c, Run: log.run(name, &cs.dead, state)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run %s: %v", name, err)
			}
			st.Close()
		})
	}
	t.Cleanup(stop)
	return &replicaEnv{s: s, st: cs, stop: stop}
}

func replicaConfig(n int, interval string) string {
	var b strings.Builder
	b.WriteString("cluster: {heartbeat: 100ms, lease: 500ms}\ncomponents:\n  - {id: api, name: API}\nmonitors:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: m%03d, component: api, type: http, target: \"http://127.0.0.1:9/\", interval: %s, fail_after: 2, recover_after: 2}\n", i, interval)
	}
	return b.String()
}

// Two replicas split the checks, each monitor checked once per interval;
// when one is killed, the other checks its monitors within two intervals.
func TestReplicasSplitChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs replicas for seconds")
	}
	dsn := pgtest.DSN(t)
	const n, iv = 40, time.Second
	cfg := replicaConfig(n, "1s")
	log := &checkLog{runs: map[string][]checkRun{}}
	up := func(string) monitor.State { return monitor.Up }
	a := startReplica(t, dsn, cfg, "a", log, up)
	b := startReplica(t, dsn, cfg, "b", log, up)
	time.Sleep(4 * time.Second)
	killedAt := time.Now()
	a.st.dead.Store(true)
	time.Sleep(4 * time.Second)
	b.stop()
	a.stop()

	log.mu.Lock()
	defer log.mu.Unlock()
	twice, slots, byA, byB := 0, 0, 0, 0
	for i := range n {
		id := fmt.Sprintf("m%03d", i)
		runs := log.runs[id]
		if len(runs) < 6 {
			t.Errorf("%s checked %d times in 8 s", id, len(runs))
			continue
		}
		for j, r := range runs {
			switch r.replica {
			case "a":
				byA++
			case "b":
				byB++
			}
			if j == 0 {
				continue
			}
			slots++
			gap := r.at.Sub(runs[j-1].at)
			if gap < iv/2 {
				twice++
			}
			// Two intervals, plus the scheduler's and the test's slack.
			if gap > 2*iv+300*time.Millisecond {
				t.Errorf("%s: no check for %s after %s (killed at %s)", id, gap, runs[j-1].at.Format("15:04:05.000"), killedAt.Format("15:04:05.000"))
			}
		}
		if last := runs[len(runs)-1]; last.at.After(killedAt.Add(2*iv)) && last.replica != "b" {
			t.Errorf("%s last checked by %s, after a was killed", id, last.replica)
		}
	}
	t.Logf("%d checks by a, %d by b; %d of %d intervals checked twice", byA, byB, twice, slots)
	if byA < n || byB < n {
		t.Errorf("the replicas did not share the work: a %d, b %d", byA, byB)
	}
	if twice*100 >= slots {
		t.Errorf("%d of %d intervals checked twice, want under 1 %%", twice, slots)
	}
}

// statusFacts returns the statuses of monitor id's status facts from
// since on (or the last hour), oldest first.
func statusFacts(t *testing.T, st store.Store, id string, since ...time.Time) []string {
	t.Helper()
	from := time.Now().Add(-time.Hour)
	if len(since) > 0 {
		from = since[0]
	}
	fs, err := st.FactsOfType(context.Background(), []string{"status"}, from, time.Now().Add(100*365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if strings.HasPrefix(f.ID, "st:"+id+":") {
			out = append(out, f.ID[strings.LastIndex(f.ID, ":")+1:])
		}
	}
	return out
}

// A monitor's outage is one outage across replicas: it is confirmed by
// its watcher whichever replica an agent reports to, and when the watcher
// is killed mid-outage the replica that takes it over reports the
// recovery once, without a second outage.
func TestReplicasOneOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs replicas for seconds")
	}
	dsn := pgtest.DSN(t)
	cfg := replicaConfig(0, "1s") + "  - {id: edge, component: api, type: http, target: \"http://127.0.0.1:9/\", interval: 1s, locations: [eu], fail_after: 2, recover_after: 2}\n"
	log := &checkLog{runs: map[string][]checkRun{}}
	up := func(string) monitor.State { return monitor.Up }
	a := startReplica(t, dsn, cfg, "a", log, up)
	b := startReplica(t, dsn, cfg, "b", log, up)
	eventually(t, "both replicas to hold their monitors", func() bool {
		return a.s.watches("edge") != b.s.watches("edge")
	})
	watcher, other := a, b
	if b.s.watches("edge") {
		watcher, other = b, a
	}
	// The agent reports to the replica that does not watch the monitor.
	t0 := time.Now().UTC().Truncate(time.Second)
	send := func(via *replicaEnv, i int, state monitor.State) {
		t.Helper()
		r := monitor.Result{MonitorID: "edge", Location: "eu", At: t0.Add(time.Duration(i) * 100 * time.Millisecond), State: state, Seq: uint64(i + 1)}
		if err := via.s.Ingest(context.Background(), []monitor.Result{r}); err != nil {
			t.Fatal(err)
		}
	}
	send(other, 0, monitor.Down)
	send(watcher, 1, monitor.Down)
	send(other, 2, monitor.Down)
	eventually(t, "the outage to be confirmed", func() bool { return len(statusFacts(t, other.st, "edge")) == 1 })
	if got := statusFacts(t, other.st, "edge"); !slices.Equal(got, []string{"major_outage"}) {
		t.Fatalf("status facts %v, want one major_outage", got)
	}
	// The watcher dies; the other takes the monitor over and hears of the
	// recovery.
	watcher.st.dead.Store(true)
	watcher.stop()
	eventually(t, "the survivor to take the monitor over", func() bool { return other.s.watches("edge") })
	send(other, 3, monitor.Down)
	send(other, 4, monitor.Up)
	send(other, 5, monitor.Up)
	send(other, 6, monitor.Up)
	eventually(t, "the recovery", func() bool { return len(statusFacts(t, other.st, "edge")) == 2 })
	time.Sleep(300 * time.Millisecond)
	if got := statusFacts(t, other.st, "edge"); !slices.Equal(got, []string{"major_outage", "operational"}) {
		t.Fatalf("status facts %v, want major_outage then operational, once each", got)
	}
}

// A session opened on one replica works on another, and signing out on
// the other ends it on both: sessions live in the shared database.
func TestSessionOnAnyReplica(t *testing.T) {
	dsn := pgtest.DSN(t)
	env := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken, "ALICE_HASH": testAliceHash(t), "BACKUP_TOKEN": testBackupToken}
	a := newIncidentEnvOn(t, dsn, incidentTestConfig, incidentTestPolicy, env)
	b := newIncidentEnvOn(t, dsn, incidentTestConfig, incidentTestPolicy, env)
	onA := a.browser()
	if p := onA.signIn("alice", testAlicePassword); p.code != http.StatusSeeOther {
		t.Fatalf("sign in on a: %d %s", p.code, p.body)
	}
	onB := b.browser()
	u, _ := url.Parse(b.url)
	onB.c.Jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: onA.session(), Path: "/"}})
	if p := onB.get("/admin"); p.code != http.StatusOK {
		t.Fatalf("a's session on b: %d to %q", p.code, p.location)
	}
	if p := onB.post("/admin/signout", url.Values{}); p.code != http.StatusSeeOther {
		t.Fatalf("sign out on b: %d", p.code)
	}
	if p := onA.get("/admin"); p.code != http.StatusSeeOther {
		t.Fatalf("signed out on b, a still lets the session in: %d", p.code)
	}
}

// Failed sign-ins count in the database every replica shares: five wrong
// passwords spread over two replicas lock the (user, address) pair on
// both, as on one server.
func TestSignInLimitsSharedByReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	env := map[string]string{"OPS_TOKEN": testOpsToken, "VIEW_TOKEN": testViewerToken, "ALICE_HASH": testAliceHash(t), "BACKUP_TOKEN": testBackupToken}
	a := newIncidentEnvOn(t, dsn, incidentTestConfig, incidentTestPolicy, env)
	b := newIncidentEnvOn(t, dsn, incidentTestConfig, incidentTestPolicy, env)
	onA, onB := a.browser(), b.browser()
	for i := range auth.MaxFailsPerUser {
		on := onA
		if i%2 == 1 {
			on = onB
		}
		if p := on.signIn("alice", "wrong-password"); p.code != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i+1, p.code)
		}
		for _, e := range []*incidentEnv{a, b} {
			e.clock.set(e.clock.now().Add(auth.FailDelay(i + 1)))
		}
	}
	for name, on := range map[string]*browser{"a": onA, "b": onB} {
		if p := on.signIn("alice", testAlicePassword); p.code != http.StatusTooManyRequests {
			t.Errorf("on %s after %d failures over both replicas: got %d, want 429", name, auth.MaxFailsPerUser, p.code)
		}
	}
}

// Each replica's console shows every monitor, whichever replica watches
// it: the figures and verdicts of another replica's monitors come from
// the database (syncConsole), so a load balancer may send the operator to
// either. m000 is down, the others up.
func TestConsoleOnAnyReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("runs replicas for seconds")
	}
	dsn := pgtest.DSN(t)
	const n = 10
	cfg := replicaConfig(n, "1s")
	log := &checkLog{runs: map[string][]checkRun{}}
	state := func(id string) monitor.State {
		if id == "m000" {
			return monitor.Down
		}
		return monitor.Up
	}
	a := startReplica(t, dsn, cfg, "a", log, state)
	b := startReplica(t, dsn, cfg, "b", log, state)
	eventually(t, "the replicas to split the monitors", func() bool {
		for i := range n {
			id := fmt.Sprintf("m%03d", i)
			if a.s.watches(id) == b.s.watches(id) {
				return false
			}
		}
		return true
	})
	// status is what the console's row shows: the verdict, or, checked
	// with nothing confirmed, operational (monitors.Service.row).
	status := func(r *replicaEnv, id string) sla.Status {
		if v := r.s.Verdicts()[id]; v.Status != "" {
			return v.Status
		}
		if !r.s.Tracker().Figures(id, []string{monitor.LocalLocation}, time.Now()).Last.At.IsZero() {
			return sla.Operational
		}
		return ""
	}
	whole := func(r *replicaEnv) string {
		for i := range n {
			id := fmt.Sprintf("m%03d", i)
			want := sla.Operational
			if i == 0 {
				want = sla.MajorOutage
			}
			if got := status(r, id); got != want {
				return fmt.Sprintf("%s: status %q, want %q", id, got, want)
			}
			f := r.s.Tracker().Figures(id, []string{monitor.LocalLocation}, time.Now())
			if f.Checks24h == 0 || f.Last.At.IsZero() {
				return fmt.Sprintf("%s: %d checks, last %v", id, f.Checks24h, f.Last.At)
			}
			if wantUp := 100.0 * float64(min(i, 1)); f.Uptime24h != wantUp {
				return fmt.Sprintf("%s: uptime %v, want %v", id, f.Uptime24h, wantUp)
			}
		}
		return ""
	}
	var why string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if why = whole(a); why != "" {
			why = "a: " + why
		} else if why = whole(b); why != "" {
			why = "b: " + why
		} else {
			break
		}
	}
	if why != "" {
		t.Fatal(why)
	}
	watchedByA := 0
	for i := range n {
		if a.s.watches(fmt.Sprintf("m%03d", i)) {
			watchedByA++
		}
	}
	t.Logf("a watches %d of %d monitors; both consoles show all", watchedByA, n)
}
